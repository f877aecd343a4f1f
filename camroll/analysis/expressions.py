"""Expressions: for each face found by Faces, one of seven expressions and a "smiling" flag.

The model is the 90 kB quantised FER-2013 classifier shipped inside the ``fer`` package (MIT),
run with ``ai-edge-litert``; only its file is used (``fer`` itself would pull in TensorFlow).
Its input follows ``fer``'s own preprocessing: the face box made square, widened by
``EXPRESSION_FACE_MARGIN``, in grey, 64 x 64, scaled to [-1, 1].

FER-2013 is a set of small, low-resolution, web-scraped faces with noisy labels; the model is
good at "happy" and weak at telling fear, disgust and surprise apart (docs/models.md has the
per-class accuracy measured on the test photos). Creations use the ``smiling`` flag, which rests
on the class it is best at.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from camroll import thresholds
from camroll.analysis.base import Analyser, package_file
from camroll.analysis.decode import Decoded
from camroll.analysis.faces import FaceResult
from camroll.store import analysis_results as results
from camroll.store import faces as face_table

MODEL = (
    "fer",
    "data/emotion_model_quantized.tflite",
    "65e3961bb68f497bd02a8d075da8409364db90004edb80c0c6cb15647c4de559",
)
LABELS = ("angry", "disgusted", "fearful", "happy", "sad", "surprised", "neutral")
"""The model's output order (FER-2013), in camroll's words."""
_SIDE = 64


@dataclass
class Expression:
    face_index: int
    label: str
    score: float
    smiling: bool
    scores: dict[str, float]


class ExpressionAnalyser(Analyser):
    capability = "expressions"
    version = "fer2013-quantized-v1"
    needs = ("faces",)

    def load(self) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self._model = Interpreter(model_path=str(package_file(*MODEL)), num_threads=self.threads)
        self._model.allocate_tensors()
        self._input = self._model.get_input_details()[0]["index"]
        self._output = self._model.get_output_details()[0]["index"]

    def analyse(self, photo: Decoded, upstream: dict[str, Any]) -> list[Expression]:
        faces: FaceResult = upstream["faces"]
        grey = Image.fromarray(photo.pixels).convert("L")
        out = []
        for i, face in enumerate(faces.faces):
            x, y, w, h = (v * photo.scale for v in face.box)
            side = max(w, h) * (1 + 2 * thresholds.EXPRESSION_FACE_MARGIN)
            cx, cy = x + w / 2, y + h / 2
            crop = grey.crop((int(cx - side / 2), int(cy - side / 2), int(cx + side / 2), int(cy + side / 2)))
            pixels = np.asarray(crop.resize((_SIDE, _SIDE), Image.Resampling.BILINEAR), np.float32)
            self._model.set_tensor(self._input, ((pixels / 255.0 - 0.5) * 2.0)[None, :, :, None])
            self._model.invoke()
            probs = self._model.get_tensor(self._output)[0].astype(float)
            probs = probs / probs.sum() if probs.sum() > 0 else probs
            best = int(np.argmax(probs))
            out.append(
                Expression(
                    face_index=i,
                    label=LABELS[best],
                    score=float(probs[best]),
                    smiling=float(probs[LABELS.index("happy")]) >= thresholds.SMILE_MIN_HAPPY,
                    scores={label: round(float(p), 4) for label, p in zip(LABELS, probs, strict=True)},
                )
            )
        return out

    @staticmethod
    def store(conn: sqlite3.Connection, photo_id: int, result: Any, version: str) -> None:
        expressions: list[Expression] = result
        face_ids = face_table.face_ids(conn, photo_id)
        results.replace_expressions(
            conn,
            photo_id,
            [
                (face_ids[e.face_index], e.label, e.score, e.smiling, json.dumps(e.scores))
                for e in expressions
                if e.face_index < len(face_ids)
            ],
            version,
        )
