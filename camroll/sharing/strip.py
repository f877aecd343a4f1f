"""Re-encoding a photo from its pixels, and proving afterwards that nothing else came along.

Deleting metadata tag by tag (what ``exiftool -all=`` does) trusts a list of where metadata can
hide; makers keep finding new places (MPF preview images, trailers after the image, vendor APP
segments). A shared copy is instead a new JPEG written from decoded pixels: orientation applied
(so the copy needs no Orientation tag and displays the right way up everywhere), colours turned
into sRGB through the photo's ICC profile (so the profile, which can name the device, is not
needed), and only what a person asked to keep (time, a coarse place caption) written into a
fresh, minimal EXIF block.

:func:`verify` then reads the written file back, segment by segment, and fails on anything that
is not JFIF, that minimal EXIF, or the image itself.
"""

from __future__ import annotations

import io
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import piexif
from PIL import Image, ImageCms

from camroll import thresholds
from camroll.analysis import decode

KEEP_0TH = {piexif.ImageIFD.ImageDescription, piexif.ImageIFD.ExifTag}
"""IFD0 tags a shared copy may carry: the place caption (and the pointer to the Exif IFD)."""
KEEP_EXIF = {piexif.ExifIFD.DateTimeOriginal, piexif.ExifIFD.OffsetTimeOriginal}
"""Exif IFD tags a shared copy may carry: when it was taken (``--keep-time``)."""


class ShareError(Exception):
    """A photo cannot be shared safely; the message is for a person."""


@dataclass
class Kept:
    """What a person chose to keep in a shared copy."""

    taken: str | None = None
    """EXIF date-time ``YYYY:MM:DD HH:MM:SS`` (local wall-clock)."""
    offset: str | None = None
    """``+02:00``: the time's offset from UTC, where known."""
    caption: str | None = None
    """``Paris, France``: never coordinates."""


def load_pixels(path: str, orientation: int, size: tuple[int, int] | None) -> np.ndarray:
    """The photo at full size, as displayed (orientation applied), in sRGB: H x W x 3 uint8."""
    try:
        decoded = decode.decode(0, "", path, orientation, size, max_side=1 << 30)
    except decode.DecodeError as e:
        raise ShareError(str(e)) from e
    pixels: np.ndarray = decoded.pixels
    icc = _icc_profile(path)
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            if source.profile.xcolor_space.strip() == "RGB":
                img = ImageCms.profileToProfile(
                    Image.fromarray(pixels), source, ImageCms.createProfile("sRGB"), outputMode="RGB"
                )
                if img is not None:
                    pixels = np.asarray(img)
        except (OSError, ImageCms.PyCMSError, ValueError):
            pass  # an unreadable profile: the pixels are shown as they are (sRGB assumed)
    return pixels


def _icc_profile(path: str) -> bytes | None:
    try:
        with Image.open(os.fsencode(path)) as img:
            icc = img.info.get("icc_profile")
    except (OSError, SyntaxError, ValueError):
        return None
    return icc if isinstance(icc, bytes) and icc else None


def exif_block(kept: Kept) -> bytes | None:
    """A fresh EXIF block holding only what was kept, or None when nothing was."""
    zeroth: dict[int, Any] = {}
    exif: dict[int, Any] = {}
    if kept.caption:
        zeroth[piexif.ImageIFD.ImageDescription] = kept.caption.encode("utf-8")
    if kept.taken:
        exif[piexif.ExifIFD.DateTimeOriginal] = kept.taken.encode("ascii")
        if kept.offset:
            exif[piexif.ExifIFD.OffsetTimeOriginal] = kept.offset.encode("ascii")
    if not zeroth and not exif:
        return None
    block: bytes = piexif.dump({"0th": zeroth, "Exif": exif, "GPS": {}, "1st": {}, "thumbnail": None})
    return block


def write_jpeg(pixels: np.ndarray, target: Path, kept: Kept) -> None:
    """Write ``pixels`` as a new JPEG with nothing but JFIF and the kept EXIF. Refuses to replace
    an existing file (a shared copy never overwrites anything)."""
    buf = io.BytesIO()
    extra: dict[str, Any] = {}
    block = exif_block(kept)
    if block is not None:
        extra["exif"] = block
    Image.fromarray(pixels).save(buf, "JPEG", quality=thresholds.SHARE_JPEG_QUALITY, optimize=True, **extra)
    with open(target, "xb") as f:
        f.write(buf.getvalue())


def segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of every segment before the image data; raises ShareError on a file that
    is not a well-formed JPEG."""
    if data[:2] != b"\xff\xd8":
        raise ShareError("the copy is not a JPEG")
    out, pos = [], 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise ShareError(f"the copy's JPEG structure is broken at byte {pos}")
        marker = data[pos + 1]
        if marker == 0xD9:
            break
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        out.append((marker, data[pos + 4 : pos + 2 + length]))
        if marker == 0xDA:  # start of scan: the entropy-coded image follows
            break
        pos += 2 + length
    return out


def verify(target: Path, kept: Kept, size: tuple[int, int], forbidden: list[str]) -> list[str]:
    """Read a shared copy back; return every problem found (empty: the copy is clean).

    Checks the segments (JFIF and the kept EXIF only: no XMP, IPTC, ICC, comments, maker
    segments), the EXIF tags (none beyond the kept ones: no GPS, no thumbnail), what follows the
    image (nothing: no trailer, no second image), that the pixels decode at the expected size, and
    that none of the ``forbidden`` strings (the original's serial number) occurs in the bytes."""
    data = target.read_bytes()
    problems: list[str] = []
    try:
        found = segments(data)
    except ShareError as e:
        return [str(e)]
    for marker, payload in found:
        if marker == 0xE0 and payload.startswith(b"JFIF\0"):
            continue
        if marker == 0xE1 and payload.startswith(b"Exif\0\0"):
            problems.extend(_exif_problems(payload[6:], kept))
            continue
        if 0xE0 <= marker <= 0xEF:
            problems.append(f"an APP{marker - 0xE0} segment ({payload[:12]!r}) was written")
        elif marker == 0xFE:
            problems.append("a JPEG comment was written")
    if not data.rstrip(b"\0").endswith(b"\xff\xd9") or data.count(b"\xff\xd8\xff") > 1:
        problems.append("data follows the image (a trailer or a second image)")
    for text in forbidden:
        if len(text) >= 4 and text.encode("utf-8") in data:
            problems.append("the original's serial number occurs in the copy")
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            if img.size != size:
                problems.append(f"the copy is {img.size[0]} x {img.size[1]}, expected {size[0]} x {size[1]}")
    except (OSError, SyntaxError, ValueError) as e:
        problems.append(f"the copy cannot be decoded: {e}")
    return problems


def _exif_problems(tiff: bytes, kept: Kept) -> list[str]:
    try:
        exif = piexif.load(b"Exif\0\0" + tiff)
    except Exception as e:  # piexif raises bare ValueError/struct.error on broken blocks
        return [f"the copy's EXIF cannot be read back ({type(e).__name__})"]
    problems = []
    if exif.get("GPS"):
        problems.append("GPS tags were written")
    if exif.get("1st") or exif.get("thumbnail"):
        problems.append("an embedded thumbnail was written")
    if exif.get("Interop"):
        problems.append("interoperability tags were written")
    allowed_0th = KEEP_0TH if kept.caption else {piexif.ImageIFD.ExifTag}
    allowed_exif = KEEP_EXIF if kept.taken else set()
    extra = set(exif.get("0th", {})) - allowed_0th
    extra |= set(exif.get("Exif", {})) - allowed_exif
    if extra:
        problems.append(f"EXIF tags that were not asked for were written: {sorted(extra)}")
    return problems
