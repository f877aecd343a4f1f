"""A face the detector missed, drawn by a person: its five points, print, crop and quality,
computed from the box with the faces analyser's own models and code.

The person said there is a face in the box, so the points come from the best CenterFace
detection inside it from ``DRAWN_FACE_POINTS_MIN_SCORE`` (far under the detector's own
``FACE_MIN_SCORE``), looked for on the box's neighbourhood enlarged so the face is about
``_LOOK_SIDE`` px wide (a small face the whole photo's pass missed is found at that size). With
none, dlib's 5-point predictor is seeded with the drawn box, and the mouth corners (which dlib's
five points lack) are placed where a frontal face has them: they serve the pose measure only.
The print then comes from the same aligned chip and ResNet as every detected face
(:meth:`FaceAnalyser._chip`), so it is comparable with theirs; a face too small for a reliable
print (``FACE_MIN_PRINT_SIDE``) is kept without one, like a detected one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import numpy as np
from PIL import Image

from camroll import thresholds
from camroll.analysis.decode import Decoded
from camroll.analysis.face_quality import measure
from camroll.analysis.faces import POINT_NAMES, FaceAnalyser, nms

_LOOK_SIDE = 160
"""The drawn box is looked at enlarged (or shrunk) to about this width: CenterFace finds a face
best well above its 16 px floor."""
_AROUND = 0.5
"""The neighbourhood looked at: the box widened by this share of its size on each side."""


@dataclass
class DrawnFace:
    box: tuple[float, float, float, float]
    """x, y, w, h in displayed pixels (as drawn, kept inside the photo)."""
    points: dict[str, tuple[float, float]]
    embedding: bytes | None
    """float32 x 128, not sealed; None for a face too small for a print."""
    thumb: str | None
    quality: tuple[float | None, float, float, float]
    found_by: str
    """'centerface' (points from a detection in the box) or 'box' (dlib seeded with the box)."""


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def _points_in_box(analyser: FaceAnalyser, img: np.ndarray, box: np.ndarray) -> np.ndarray | None:
    """Five CenterFace points (analysis px) of the best weak detection overlapping ``box``, or None."""
    h, w = img.shape[:2]
    bw, bh = box[2] - box[0], box[3] - box[1]
    x0, y0 = max(0, int(box[0] - _AROUND * bw)), max(0, int(box[1] - _AROUND * bh))
    x1, y1 = min(w, int(box[2] + _AROUND * bw) + 1), min(h, int(box[3] + _AROUND * bh) + 1)
    zoom = _LOOK_SIDE / max(bw, 1.0)
    region = Image.fromarray(img[y0:y1, x0:x1])
    size = (max(1, round(region.width * zoom)), max(1, round(region.height * zoom)))
    pixels = np.asarray(region.resize(size, Image.Resampling.BILINEAR))
    ph, pw = pixels.shape[:2]
    blob = np.zeros((1, 3, -(-ph // 32) * 32, -(-pw // 32) * 32), np.float32)
    blob[0, :, :ph, :pw] = pixels.transpose(2, 0, 1)
    heat, sizes, offsets, marks = analyser._detector.run(None, {"input.1": blob})
    ys, xs = np.nonzero(heat[0, 0] > thresholds.DRAWN_FACE_POINTS_MIN_SCORE)
    if not len(ys):
        return None
    scores = heat[0, 0, ys, xs].astype(np.float32)
    sh, sw = np.exp(sizes[0, 0, ys, xs]) * 4, np.exp(sizes[0, 1, ys, xs]) * 4
    left = (xs + offsets[0, 1, ys, xs] + 0.5) * 4 - sw / 2
    top = (ys + offsets[0, 0, ys, xs] + 0.5) * 4 - sh / 2
    kp = np.stack(
        [marks[0, 1::2, ys, xs] * sw[:, None] + left[:, None], marks[0, 0::2, ys, xs] * sh[:, None] + top[:, None]], -1
    )
    boxes = np.stack([left, top, left + sw, top + sh], 1)
    keep = nms(boxes, scores, thresholds.FACE_NMS_OVERLAP)
    target = (box - np.array([x0, y0, x0, y0])) * zoom
    overlap = [(_iou(boxes[i], target), i) for i in keep]
    best_overlap, best = max(overlap)
    if best_overlap < 0.3:
        return None
    return np.asarray(kp[best] / zoom + np.array([x0, y0]), np.float32).reshape(5, 2)


def _points_from_box(analyser: FaceAnalyser, img: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Five points in CenterFace's order from dlib's predictor seeded with the box itself."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    half = max(box[2] - box[0], box[3] - box[1]) / 2
    rect = analyser._dlib.rectangle(round(cx - half), round(cy - half), round(cx + half) - 1, round(cy + half) - 1)
    shape = analyser._points(img, rect)
    p = np.array([(shape.part(i).x, shape.part(i).y) for i in range(5)], np.float32)
    eye_a, eye_b, nose = (p[0] + p[1]) / 2, (p[2] + p[3]) / 2, p[4]
    right, left = (eye_a, eye_b) if eye_a[0] < eye_b[0] else (eye_b, eye_a)  # image left: the subject's right
    span = float(np.linalg.norm(left - right))
    down = np.array([0.0, 0.45 * span], np.float32)
    side = np.array([0.4 * span, 0.0], np.float32)
    return np.stack([right, left, nose, nose + down - side, nose + down + side]).astype(np.float32)


def compute(analyser: FaceAnalyser, photo: Decoded, box: tuple[float, float, float, float]) -> DrawnFace:
    """Everything stored with a face, for the ``box`` (x, y, w, h in displayed pixels) drawn on
    ``photo``; the analyser must be loaded (its ``cache_dir`` and ``sealer`` make the crop)."""
    s = photo.scale
    a = np.array([box[0] * s, box[1] * s, (box[0] + box[2]) * s, (box[1] + box[3]) * s], np.float32)
    img = photo.pixels
    kp = _points_in_box(analyser, img, a)
    found_by = "centerface"
    if kp is None:
        kp, found_by = _points_from_box(analyser, img, a), "box"
    chip = analyser._chip(img, kp)
    embedding = None
    if chip is not None:
        vector = analyser._print.run(None, {"chips": chip[None]})[0][0]
        embedding = np.asarray(vector, np.float32).tobytes()
    q = measure(img, (float(a[0]), float(a[1]), float(a[2]), float(a[3])), kp, 1.0)
    thumb = analyser._thumbnail(
        photo, (float(a[0]), float(a[1]), float(a[2]), float(a[3])), 10**9 + secrets.randbelow(10**9)
    )
    return DrawnFace(
        box=box,
        points={name: (float(p[0]) / s, float(p[1]) / s) for name, p in zip(POINT_NAMES, kp, strict=True)},
        embedding=embedding,
        thumb=thumb,
        quality=(q.sharpness, q.eye_ratio, q.nose_offset, q.mouth_below),
        found_by=found_by,
    )
