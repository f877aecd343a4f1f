"""Masking faces so that they cannot be recognised again, by a person or by a model.

Pixelation (a mosaic) alone is not enough: a mosaic of 10-16 cells keeps enough of a face for
trained models to match it to a known person, and a plain Gaussian blur of known strength can be
partly undone by deconvolution. A blurred face here is therefore

1. shrunk by area averaging until its box is ``SHARE_BLUR_CELLS`` pixels wide (the eyes and mouth
   become about one pixel each: what identifies a face is gone, not hidden),
2. enlarged back and blurred with a Gaussian one cell wide (no visible blocks to count),
3. overlaid with fresh random noise from the operating system's entropy (nothing to subtract).

``solid`` paints a neutral grey instead. Both cover an ellipse around the face box widened by
``SHARE_MASK_MARGIN`` on each side (hair, ears, jaw), fading out over ``SHARE_MASK_FEATHER``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from PIL import Image, ImageFilter

from camroll import thresholds

MaskStyle = Literal["blur", "solid"]
Box = tuple[float, float, float, float]
"""x, y, w, h in the pixels of the image being masked."""


def mask_faces(
    img: np.ndarray, boxes: Sequence[Box], style: MaskStyle = "blur", rng: np.random.Generator | None = None
) -> np.ndarray:
    """A copy of ``img`` (H x W x 3 uint8) with every box masked."""
    out = img.copy()
    rng = rng or np.random.default_rng()  # seeded from OS entropy: a new noise for every copy
    for box in boxes:
        _mask_one(out, box, style, rng)
    return out


def mask_area(box: Box, width: int, height: int) -> tuple[int, int, int, int]:
    """The pixel rectangle (x0, y0, x1, y1) a mask of ``box`` touches, clipped to the image."""
    x, y, w, h = box
    cx, cy = x + w / 2, y + h / 2
    reach = (0.5 + thresholds.SHARE_MASK_MARGIN) * (1 + thresholds.SHARE_MASK_FEATHER)
    x0, y0 = max(0, int(np.floor(cx - reach * w))), max(0, int(np.floor(cy - reach * h)))
    x1, y1 = min(width, int(np.ceil(cx + reach * w))), min(height, int(np.ceil(cy + reach * h)))
    return x0, y0, x1, y1


def _alpha(box: Box, area: tuple[int, int, int, int]) -> np.ndarray:
    """1 inside the ellipse around the widened box, fading to 0 over the feather, as H x W x 1."""
    x, y, w, h = box
    x0, y0, x1, y1 = area
    a, b = (0.5 + thresholds.SHARE_MASK_MARGIN) * w, (0.5 + thresholds.SHARE_MASK_MARGIN) * h
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32) + 0.5
    r = np.sqrt(((xs - (x + w / 2)) / a) ** 2 + ((ys - (y + h / 2)) / b) ** 2)
    alpha: np.ndarray = np.clip((1 + thresholds.SHARE_MASK_FEATHER - r) / thresholds.SHARE_MASK_FEATHER, 0.0, 1.0)
    return alpha[..., None]


def _mask_one(img: np.ndarray, box: Box, style: MaskStyle, rng: np.random.Generator) -> None:
    height, width = img.shape[:2]
    if box[2] <= 0 or box[3] <= 0:
        return
    area = mask_area(box, width, height)
    x0, y0, x1, y1 = area
    if x1 <= x0 or y1 <= y0:
        return
    region = img[y0:y1, x0:x1].astype(np.float32)
    if style == "solid":
        cover = np.full_like(region, float(thresholds.SHARE_SOLID_GREY))
    else:
        cover = _destroyed(img[y0:y1, x0:x1], box[2], rng)
    alpha = _alpha(box, area)
    img[y0:y1, x0:x1] = np.clip(np.rint(alpha * cover + (1 - alpha) * region), 0, 255).astype(np.uint8)


def _destroyed(region: np.ndarray, face_width: float, rng: np.random.Generator) -> np.ndarray:
    """The region shrunk to a few cells per face width, enlarged, blurred, with noise (float32)."""
    h, w = region.shape[:2]
    cell = max(1.0, face_width / thresholds.SHARE_BLUR_CELLS)
    small = Image.fromarray(region).resize((max(1, round(w / cell)), max(1, round(h / cell))), Image.Resampling.BOX)
    big = small.resize((w, h), Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(cell))
    noisy = np.asarray(big, np.float32) + rng.normal(0.0, thresholds.SHARE_BLUR_NOISE, (h, w, 3)).astype(np.float32)
    return noisy
