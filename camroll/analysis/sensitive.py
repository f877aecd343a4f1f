"""Sensitive content: nudity, so the privacy exposure report can warn before an intimate photo is
shared, and so such photos can be kept out of collages, memories and slideshows.

The model is NudeNet's ``320n.onnx`` (a YOLOv8n detector of 18 body-part classes, shipped inside
the nudenet 3.4.2 wheel), run here with onnxruntime directly; nudenet's own class is not used, so
the session gets camroll's thread count and the file is checked by sha256 like every model.
Licence: the weights and nudenet's code are AGPL-3.0 (the ONNX file's metadata names the
Ultralytics AGPL-3.0 licence); camroll is AGPL-3.0-or-later, so shipping and using them is fine.

Pre- and post-processing reproduce ``nudenet.nudenet._read_image`` and ``_postprocess`` exactly
(the tests compare against nudenet's own detector): pad the image at the right and bottom to a
square with black, resize to 320 x 320 (bilinear), scale to 0..1; decode the 2100 YOLOv8 anchors
(centre x, centre y, w, h, then 18 class scores), keep anchors whose best class scores at least
0.2, and run class-agnostic NMS (score 0.25, IoU 0.45). One deliberate difference: nudenet 3.4.2
converts its BGR input with ``COLOR_RGBA2BGR`` and then swaps again in ``blobFromImage``, so the
network sees BGR; camroll feeds RGB, the order YOLOv8 trains on. On the 106 real face and scene
test photos RGB found more faces (88 vs 86, mean best face score 0.64 vs 0.62) and scored the
false "exposed" detections lower. (nudenet given an RGB array does the same as camroll.)

``explicit`` means an exposed genitalia, breast, anus or buttocks class at or above
``thresholds.SENSITIVE_EXPLICIT_MIN_SCORE``; ``score`` is the highest such score (0 when none), kept so the report can
offer a lower "review" level without re-running the model. Every detection is stored, faces and
covered classes too, with its box in displayed pixels.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from camroll import thresholds
from camroll.analysis.base import Analyser, cpu_session, package_file
from camroll.analysis.decode import Decoded
from camroll.store import analysis_results as results
from camroll.store.db import Connection

MODEL = ("320n.onnx", "c15d8273adad2d0a92f014cc69ab2d6c311a06777a55545f2c4eb46f51911f0f")

LABELS = (
    "FEMALE_GENITALIA_COVERED",
    "FACE_FEMALE",
    "BUTTOCKS_EXPOSED",
    "FEMALE_BREAST_EXPOSED",
    "FEMALE_GENITALIA_EXPOSED",
    "MALE_BREAST_EXPOSED",
    "ANUS_EXPOSED",
    "FEET_EXPOSED",
    "BELLY_COVERED",
    "FEET_COVERED",
    "ARMPITS_COVERED",
    "ARMPITS_EXPOSED",
    "FACE_MALE",
    "BELLY_EXPOSED",
    "MALE_GENITALIA_EXPOSED",
    "ANUS_COVERED",
    "FEMALE_BREAST_COVERED",
    "BUTTOCKS_COVERED",
)
"""nudenet's class list, in the model's output order (also in the ONNX file's 'names' metadata)."""

EXPLICIT_LABELS = frozenset(
    {"FEMALE_GENITALIA_EXPOSED", "MALE_GENITALIA_EXPOSED", "FEMALE_BREAST_EXPOSED", "ANUS_EXPOSED", "BUTTOCKS_EXPOSED"}
)
"""Nudity. Not here: exposed male chest, belly, armpits, feet (a beach photo is not explicit)."""

INPUT_SIDE = 320  # the network's input size (the file is exported for 320 x 320)
CANDIDATE_MIN_SCORE = 0.2  # nudenet: anchors whose best class scores less are dropped before NMS
NMS_MIN_SCORE = 0.25  # nudenet: NMS score threshold, the lowest score a detection can have
NMS_IOU = 0.45  # nudenet: boxes overlapping more than this are one detection (any class)


@dataclass
class Detection:
    label: str
    score: float
    box: list[float]
    """[x, y, w, h] in the pixels the detector was given (displayed pixels once stored)."""


@dataclass
class SensitiveResult:
    explicit: bool
    score: float
    labels: list[Detection] = field(default_factory=list)


def preprocess(rgb: np.ndarray) -> np.ndarray:
    """nudenet's letterbox: pad right and bottom to a square, resize to INPUT_SIDE, NCHW 0..1."""
    h, w = rgb.shape[:2]
    side = max(h, w)
    padded = cv2.copyMakeBorder(rgb, 0, side - h, 0, side - w, cv2.BORDER_CONSTANT)
    return cv2.dnn.blobFromImage(padded, 1 / 255.0, (INPUT_SIDE, INPUT_SIDE), (0, 0, 0), swapRB=False, crop=False)


def postprocess(output: np.ndarray, width: int, height: int) -> list[Detection]:
    """nudenet's ``_postprocess``, vectorised: same float32 arithmetic, same NMS call."""
    rows = np.transpose(np.squeeze(output[0]))  # (anchors, 4 + classes)
    class_scores = rows[:, 4:]
    best = np.amax(class_scores, axis=1)
    keep = best >= CANDIDATE_MIN_SCORE
    rows, best, class_ids = rows[keep], best[keep], np.argmax(class_scores[keep], axis=1)
    side = max(width, height)  # original size plus padding, as nudenet scales it
    cx, cy, bw, bh = rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]
    x = (cx - bw / 2) * side / INPUT_SIDE
    y = (cy - bh / 2) * side / INPUT_SIDE
    bw = bw * side / INPUT_SIDE
    bh = bh * side / INPUT_SIDE
    x = np.maximum(0, np.minimum(x, width))
    y = np.maximum(0, np.minimum(y, height))
    bw = np.minimum(bw, width - x)
    bh = np.minimum(bh, height - y)
    boxes = np.stack([x, y, bw, bh], axis=1)
    if not len(boxes):
        return []
    indices = cv2.dnn.NMSBoxes(boxes.tolist(), best.tolist(), NMS_MIN_SCORE, NMS_IOU)
    return [Detection(LABELS[int(class_ids[i])], float(best[i]), [float(v) for v in boxes[i]]) for i in indices]


class SensitiveAnalyser(Analyser):
    capability = "sensitive"
    version = "nudenet3.4.2-320n-rgb-v1"
    every_frame = True

    def load(self) -> None:
        path = package_file("nudenet", *MODEL)
        self._session = cpu_session(str(path), self.threads)
        self._input = self._session.get_inputs()[0].name

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        """Detections in the pixels given (RGB uint8), boxes in those pixels."""
        self.ensure_loaded()
        output = self._session.run(None, {self._input: preprocess(rgb)})
        return postprocess(output, rgb.shape[1], rgb.shape[0])

    def analyse(self, photo: Decoded, upstream: dict[str, Any]) -> SensitiveResult:
        found = self.detect(photo.pixels)
        for d in found:
            d.score = round(d.score, 4)
            d.box = [round(v / photo.scale, 1) for v in d.box]
        score = max((d.score for d in found if d.label in EXPLICIT_LABELS), default=0.0)
        return SensitiveResult(score >= thresholds.SENSITIVE_EXPLICIT_MIN_SCORE, score, found)

    def analyse_video(self, video: Decoded, upstream: dict[str, Any]) -> SensitiveResult:
        """A video is as sensitive as its most sensitive frame; that frame's findings are kept."""
        results = [self.analyse(frame, upstream) for frame in video.frames]
        return max(results, key=lambda r: (r.score, len(r.labels)))

    @staticmethod
    def store(conn: Connection, photo_id: int, result: Any, version: str) -> None:
        r: SensitiveResult = result
        labels = [{"label": d.label, "score": d.score, "box": d.box} for d in r.labels]
        results.replace_sensitive(conn, photo_id, r.explicit, r.score, json.dumps(labels), version)
