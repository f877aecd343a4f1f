"""Text in photos (OCR): signs, shop fronts, cakes, documents; searchable, and checked for data that
should not be shared (see :mod:`camroll.analysis.text_flags`).

The engine is rapidocr with the PP-OCRv6 models shipped inside the rapidocr wheel (detection,
text-line orientation, multilingual recognition; Apache-2.0), run on onnxruntime. Every model
file is given by path after its sha256 is checked, so rapidocr's download code is never reached:
it downloads only when a model path is missing, and reads the recogniser's character list from
the ONNX file's own metadata.

Speed: rapidocr's default detector setting enlarges every photo until its *shorter* side is at
least 736 px, so a 1280 x 960 photo is detected at full size and a 640 x 480 one at 981 x 736;
OCR was the slowest analyser. Here the detector sees the photo with its *longer* side at most
``thresholds.TEXT_DET_MAX_SIDE``; recognition still crops each line from the full analysis pixels, so small text
keeps its resolution. Photos smaller than ``thresholds.TEXT_MIN_SIDE`` (thumbnails, web images) are enlarged
first, because text a few pixels high is not found at all.

Most photos have no text, and detection is most of OCR's time (about 85% on the face test
photos; recognition is ~30 ms a line). So the detector first *surveys* the photo shrunk to
``thresholds.TEXT_SURVEY_SIDE`` (a ninth of the pixels of a 960 px pass): a photo where no pixel
of its text map reaches the detector's own threshold is done, with no text; any other photo is
read exactly as before. Results of photos that pass are unchanged, so the version stays.

Boxes are axis-aligned ``[x, y, w, h]`` in displayed pixels, like face boxes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from camroll import thresholds
from camroll.analysis.base import Analyser, package_file
from camroll.analysis.decode import Decoded
from camroll.analysis.text_flags import find_flags
from camroll.store import analysis_results as results
from camroll.store.db import Connection

MODELS = {  # file inside the rapidocr package -> sha256
    "det": ("models/PP-OCRv6_det_small.onnx", "090f04abcd9d9a7498bc4ebf677e4cb9bdce1fe4197ddb7e529f1ef44e1ff94f"),
    "rec": ("models/PP-OCRv6_rec_small.onnx", "6f327246b50388f3c176ae304bd95767ea6dc0c9ae92153ef8cbe210b3c14884"),
    "cls": (
        "models/ch_ppocr_mobile_v2.0_cls_mobile.onnx",
        "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c",
    ),
}


@dataclass
class TextLine:
    text: str
    box: list[float]
    """[x, y, w, h] in displayed pixels."""
    score: float
    at_s: float | None = None
    """In a video: the time code of the frame the line was read in."""


@dataclass
class TextResult:
    text: str
    """The lines, top to bottom, joined by newlines ('' for a photo without text)."""
    lines: list[TextLine] = field(default_factory=list)
    flags: list[dict[str, str]] = field(default_factory=list)


def _keep(text: str, score: float) -> bool:
    return score >= thresholds.TEXT_MIN_LINE_SCORE and sum(c.isalnum() for c in text) >= thresholds.TEXT_MIN_LINE_CHARS


class TextAnalyser(Analyser):
    capability = "text"
    version = "rapidocr3.10-ppocrv6s-det960-flags1"
    surveys = True
    """Survey first (``False``: read every photo at TEXT_DET_MAX_SIDE, the benchmark's reference)."""

    def load(self) -> None:
        from rapidocr import RapidOCR  # imported here: only workers that read text pay for it

        paths = {k: str(package_file("rapidocr", rel, sha)) for k, (rel, sha) in MODELS.items()}
        self._engine = RapidOCR(
            params={
                "Global.log_level": "error",
                "Global.text_score": thresholds.TEXT_MIN_LINE_SCORE,
                "Det.model_path": paths["det"],
                "Det.limit_type": "max",
                "Det.limit_side_len": thresholds.TEXT_DET_MAX_SIDE,
                "Cls.model_path": paths["cls"],
                "Rec.model_path": paths["rec"],
                "EngineConfig.onnxruntime.intra_op_num_threads": self.threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
        )

    def survey(self, pixels: np.ndarray) -> bool:
        """Might ``pixels`` (RGB) hold text? The detector alone, on the photo shrunk (or enlarged)
        to ``TEXT_SURVEY_SIDE``: True when any pixel of its text map reaches the detector's own
        text-pixel threshold (rapidocr's ``thresh``, the one its boxes are cut from). A strip too
        thin to survey (under the detector's 32 px grid once shrunk) is always read."""
        from rapidocr.ch_ppocr_det.utils import DetPreProcess

        self.ensure_loaded()
        detector = self._engine._load_det_model()  # type: ignore[no-untyped-call]
        h, w = pixels.shape[:2]
        if min(h, w) == 0:
            return False
        side = thresholds.TEXT_SURVEY_SIDE
        g = side / max(h, w)
        size = (max(1, round(w * g)), max(1, round(h * g)))
        if min(size) < 32:
            return True
        small = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA if g < 1 else cv2.INTER_CUBIC)
        blob = DetPreProcess(side, "max", detector.mean, detector.std)(np.ascontiguousarray(small[:, :, ::-1]))
        text_map = detector.session(blob)
        return bool(np.max(text_map) >= detector.postprocess_op.thresh)

    def analyse(self, photo: Decoded, upstream: dict[str, Any]) -> TextResult:
        self.ensure_loaded()
        if self.surveys and not self.survey(photo.pixels):
            return TextResult("")
        pixels = photo.pixels
        h, w = pixels.shape[:2]
        grow = thresholds.TEXT_MIN_SIDE / max(h, w) if 0 < max(h, w) < thresholds.TEXT_MIN_SIDE else 1.0
        if grow > 1.0:
            pixels = cv2.resize(pixels, (round(w * grow), round(h * grow)), interpolation=cv2.INTER_CUBIC)
        bgr = np.ascontiguousarray(pixels[:, :, ::-1])  # rapidocr takes arrays as OpenCV BGR
        out = self._engine(bgr)
        txts, boxes, scores = getattr(out, "txts", None), getattr(out, "boxes", None), getattr(out, "scores", None)
        if not txts or boxes is None or scores is None:
            return TextResult("")
        factor = photo.scale * grow  # OCR pixels per displayed pixel
        lines = []
        for text, quad, score in zip(txts, boxes, scores, strict=True):
            text = " ".join(text.split())
            if not _keep(text, float(score)):
                continue
            q = np.asarray(quad, dtype=np.float64) / factor
            x0, y0 = max(0.0, q[:, 0].min()), max(0.0, q[:, 1].min())
            x1, y1 = min(float(photo.width), q[:, 0].max()), min(float(photo.height), q[:, 1].max())
            box = [round(float(v), 1) for v in (x0, y0, max(0.0, x1 - x0), max(0.0, y1 - y0))]
            lines.append(TextLine(text, box, round(float(score), 4)))
        texts = [line.text for line in lines]
        return TextResult("\n".join(texts), lines, find_flags(texts))

    def analyse_video(self, video: Decoded, upstream: dict[str, Any]) -> TextResult:
        """Every frame's text; a line read in several frames is kept once, at its first."""
        lines: list[TextLine] = []
        seen: set[str] = set()
        for frame in video.frames:
            for line in self.analyse(frame, upstream).lines:
                if line.text.casefold() not in seen:
                    seen.add(line.text.casefold())
                    line.at_s = frame.at_s
                    lines.append(line)
        texts = [line.text for line in lines]
        return TextResult("\n".join(texts), lines, find_flags(texts))

    @staticmethod
    def store(conn: Connection, photo_id: int, result: Any, version: str) -> None:
        r: TextResult = result
        lines = [
            {"text": x.text, "box": x.box, "score": x.score, **({"at_s": x.at_s} if x.at_s is not None else {})}
            for x in r.lines
        ]
        results.replace_text(
            conn,
            photo_id,
            r.text,
            json.dumps(lines, ensure_ascii=False),
            json.dumps(r.flags, ensure_ascii=False),
            version,
        )
