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


FACE_CROP_PAD = 0.25
"""A stored face crop is the box widened by this share of its longest side on each side (cut at
the photo's edge): enough of the head to recognise someone on the people page."""


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


def cover_score(
    score: float,
    width: float,
    sharpness: float | None,
    nose_offset: float | None,
    mouth_below: float | None,
    sharp_full: float,
    width_full: float,
) -> float:
    """How good a face is as a person's cover, 0-1: sharp, large, frontal and surely a face.

    A product, so a face bad in any one way (a blurred, upscaled crop of half a head: the covers
    the issue met) loses to one good in all. Sharpness counts on a log scale up to ``sharp_full``,
    width up to ``width_full``; frontal is 1 with the nose between the eyes and 0 with it over an
    eye; a mouth far from where a face has it (``mouth_below`` outside 0.5-1.6) halves the
    score. Features not measured yet count as middling (0.5), so a measured good face wins."""
    sharp = 0.5 if sharpness is None else min(1.0, float(np.log1p(max(sharpness, 0.0)) / np.log1p(sharp_full)))
    size = min(1.0, max(width, 0.0) / width_full)
    frontal = 0.5 if nose_offset is None else max(0.0, 1.0 - abs(nose_offset))
    plausible = 1.0 if mouth_below is None or 0.5 <= mouth_below <= 1.6 else 0.5
    return sharp * size * (0.25 + 0.75 * frontal) * plausible * max(0.0, min(1.0, score))


def from_crop(
    crop: Image.Image, box: tuple[float, float, float, float], photo_size: tuple[int, int], pad: float
) -> float | None:
    """Sharpness of a face measured on its stored crop (for faces found before the features were
    stored): the crop is the box widened by ``pad`` x its longest side, cut at the photo's edge,
    then shrunk; the face's own square is found in it again and measured like :func:`measure`.
    Close to the analysis-time figure (both are taken at 64 px), not equal: the crop was a JPEG."""
    x, y, w, h = box
    width, height = photo_size
    margin = pad * max(w, h)
    x0, y0 = max(0.0, x - margin), max(0.0, y - margin)
    x1, y1 = min(float(width), x + w + margin), min(float(height), y + h + margin)
    if x1 <= x0 or y1 <= y0:
        return None
    sx, sy = crop.width / (x1 - x0), crop.height / (y1 - y0)
    inner = crop.crop((int((x - x0) * sx), int((y - y0) * sy), int((x + w - x0) * sx) + 1, int((y + h - y0) * sy) + 1))
    if inner.width < 2 or inner.height < 2:
        return None
    grey = inner.convert("L").resize((SHARPNESS_SIDE, SHARPNESS_SIDE), Image.Resampling.BILINEAR)
    return laplacian_variance(np.asarray(grey))


def pose(points: np.ndarray, width: float) -> tuple[float, float, float]:
    """(eye_ratio, nose_offset, mouth_below) from the five points alone (no pixels needed)."""
    q = measure(np.zeros((1, 1, 3), np.uint8), (0.0, 0.0, max(width, 1e-6), 1.0), points, 0.0)
    return q.eye_ratio, q.nose_offset, q.mouth_below
