"""How good a found face is for telling who it is: the features a quality gate decides on.

Computed where the pixels are (at analysis time), from the detector's box, score and five points
(left eye, right eye, nose, left and right mouth corner) and the face's own pixels. They are
features only: which values hold a face back from clustering is to be chosen from their measured
distributions (``bench/face_quality.py``), not here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

SHARPNESS_SIDE = 64
"""The face crop is resized to this square before its sharpness is measured, so that a large
face and a small one are measured at the same scale (a Laplacian's variance grows with the
number of pixels across an edge otherwise)."""


@dataclass(frozen=True)
class FaceQuality:
    score: float
    """The detector's score (0-1)."""
    width: float
    """The box's width in analysis pixels."""
    sharpness: float
    """Variance of the 4-neighbour Laplacian of the grey crop at ``SHARPNESS_SIDE`` px."""
    eye_ratio: float
    """Distance between the eyes over the box's width: about 0.4 frontal, falling as the head turns."""
    nose_offset: float
    """Where the nose lies between the eyes, -1 (over the left eye) to 1 (the right); 0 frontal.
    Beyond +-1 it lies outside them: a profile, or points that do not belong to a face."""
    mouth_below: float
    """Eye-line-to-mouth distance over eye distance: about 1 for a human face seen from the front."""


def laplacian_variance(grey: np.ndarray) -> float:
    """Variance of the discrete Laplacian of a 2-D float array: low for a blurred face."""
    g = grey.astype(np.float64)
    lap = g[1:-1, :-2] + g[1:-1, 2:] + g[:-2, 1:-1] + g[2:, 1:-1] - 4 * g[1:-1, 1:-1]
    return float(lap.var()) if lap.size else 0.0


def measure(
    pixels: np.ndarray, box: tuple[float, float, float, float], points: np.ndarray, score: float
) -> FaceQuality:
    """Quality features of one face: ``box`` is (x1, y1, x2, y2) and ``points`` 5 x 2, both in
    the analysis pixels of ``pixels`` (RGB uint8)."""
    x1, y1, x2, y2 = box
    h, w = pixels.shape[:2]
    crop = pixels[max(0, int(y1)) : min(h, int(y2) + 1), max(0, int(x1)) : min(w, int(x2) + 1)]
    sharp = 0.0
    if crop.size:
        grey = Image.fromarray(crop).convert("L").resize((SHARPNESS_SIDE, SHARPNESS_SIDE), Image.Resampling.BILINEAR)
        sharp = laplacian_variance(np.asarray(grey))
    kp = np.asarray(points, np.float64)
    left, right, nose = kp[0], kp[1], kp[2]
    mouth = (kp[3] + kp[4]) / 2
    axis = right - left
    eye_dist = float(np.linalg.norm(axis))
    width = max(x2 - x1, 1e-6)
    if eye_dist < 1e-6:
        return FaceQuality(score, width, sharp, 0.0, 9.0, 0.0)
    unit = axis / eye_dist
    centre = (left + right) / 2
    nose_offset = float(np.dot(nose - centre, unit)) / (eye_dist / 2)
    normal = np.array([-unit[1], unit[0]])
    mouth_below = abs(float(np.dot(mouth - centre, normal))) / eye_dist
    return FaceQuality(score, width, sharp, eye_dist / width, nose_offset, mouth_below)
