"""Decode a photo once, at the size the models need, the right way up.

Every analyser works on the same pixels: one RGB array whose longest side is at most
``thresholds.ANALYSIS_MAX_SIDE``, with the photo's display transform applied, so a face box
found here maps to the displayed photo by one scale factor. JPEGs are decoded with DCT scaling
(``draft``), which skips most of the decoding work for a large photo; HEIF follows the container's
``irot``/``imir`` when present (libheif applies them) and EXIF orientation otherwise, the same
rule the metadata reader used for the displayed size.
"""

from __future__ import annotations

import functools
import io
import os
from dataclasses import dataclass

import numpy as np
from PIL import Image

from camroll import thresholds
from camroll.library.isobmff import is_isobmff, read_isobmff


class DecodeError(Exception):
    """The photo's pixels could not be decoded; the message is for a person."""


@dataclass
class Decoded:
    photo_id: int
    hash: str
    pixels: np.ndarray
    """RGB uint8, H x W x 3, at analysis size."""
    scale: float
    """Analysis pixels per displayed pixel (<= 1): divide a box by it to get displayed coordinates."""
    width: int
    """Displayed width of the full photo."""
    height: int


@functools.cache
def _register_heif() -> None:
    """pillow-heif registers a Pillow plugin: once per process, on the first HEIF photo."""
    import pillow_heif

    pillow_heif.register_heif_opener()


def decode(photo_id: int, photo_hash: str, path: str, orientation: int, size: tuple[int, int] | None,
           max_side: int | None = None) -> Decoded:  # fmt: skip
    """Read ``path`` (read-only) and decode it for analysis. ``size`` is the displayed size the
    catalog recorded (None: take the decoded size). Raises :class:`DecodeError`."""
    side = max_side or thresholds.ANALYSIS_MAX_SIDE
    try:
        with open(os.fsencode(path), "rb") as f:
            data = f.read()
    except OSError as e:
        raise DecodeError(f"cannot read the file: {e.strerror}") from e
    container_transform = False
    if is_isobmff(data[:16]):
        _register_heif()
        c = read_isobmff(data)
        container_transform = c.container_rotation is not None or c.container_mirror
    Image.MAX_IMAGE_PIXELS = thresholds.MAX_PIXELS
    try:
        opened = Image.open(io.BytesIO(data))
        if opened.format == "JPEG":
            opened.draft("RGB", (side, side))
        opened.load()
        img: Image.Image = opened
    except Image.DecompressionBombError as e:
        raise DecodeError("image is too large to decode safely (decompression bomb)") from e
    except (OSError, SyntaxError, ValueError) as e:
        if "truncat" in str(e).lower():
            raise DecodeError("the file is cut short (truncated): its pixels cannot be decoded") from e
        raise DecodeError(f"pixels cannot be decoded: {e}") from e
    if not container_transform and orientation != 1:
        img = _orient(img, orientation)
    full_w, full_h = size if size and all(size) else img.size
    img = img.convert("RGB")
    if max(img.size) > side:
        img.thumbnail((side, side), Image.Resampling.LANCZOS, reducing_gap=2.0)
    scale = img.width / full_w if full_w else 1.0
    return Decoded(photo_id, photo_hash, np.asarray(img), scale, full_w, full_h)


def _orient(img: Image.Image, orientation: int) -> Image.Image:
    method = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
              5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_90}.get(orientation)  # fmt: skip
    return img.transpose(method) if method is not None else img


def to_pil(decoded: Decoded) -> Image.Image:
    return Image.fromarray(decoded.pixels)

