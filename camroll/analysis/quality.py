"""Photo quality: sharpness, exposure and clipping, combined into one score for picking photos.

No model: measurements on the analysis pixels. Sharpness is the variance of the Laplacian of the
grey image at a fixed size (blur removes the high frequencies it measures). Exposure is the mean
luminance; clipping the share of crushed or blown pixels. Eyes-open needs eyelid landmarks, which
the 5-point face landmarks camroll uses do not have, so it stays empty (documented, not guessed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from camroll import thresholds
from camroll.analysis.base import Analyser
from camroll.analysis.decode import Decoded, to_pil
from camroll.store import analysis_results as results
from camroll.store.db import Connection


@dataclass
class Quality:
    sharpness: float
    exposure: float
    clipped: float
    score: float


def measure(photo: Decoded) -> Quality:
    grey = to_pil(photo).convert("L")
    grey.thumbnail((thresholds.QUALITY_SIDE, thresholds.QUALITY_SIDE), Image.Resampling.BILINEAR)
    g = np.asarray(grey, dtype=np.float32)
    lap = -4 * g[1:-1, 1:-1] + g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:]
    sharpness = float(lap.var()) if lap.size else 0.0
    lum = g / 255.0
    exposure = float(lum.mean()) if lum.size else 0.0
    clipped = (
        float(((lum <= thresholds.CLIPPED_LEVEL) | (lum >= 1 - thresholds.CLIPPED_LEVEL)).mean()) if lum.size else 0.0
    )
    sharp_part = min(1.0, math.log1p(sharpness) / math.log1p(thresholds.SHARP_LAPLACIAN))
    exposure_part = 1.0 - min(1.0, abs(exposure - 0.5) * 2) ** 2
    score = max(0.0, 0.6 * sharp_part + 0.3 * exposure_part + 0.1 * (1.0 - min(1.0, clipped * 4)))
    return Quality(sharpness, exposure, clipped, score)


class QualityAnalyser(Analyser):
    capability = "quality"
    version = "laplacian-v1"

    def analyse(self, photo: Decoded, upstream: dict[str, Any]) -> Quality:
        return measure(photo)

    @staticmethod
    def store(conn: Connection, photo_id: int, result: Any, version: str) -> None:
        q: Quality = result
        results.replace_quality(conn, photo_id, q.sharpness, q.exposure, q.clipped, q.score, version)
