"""Every value read from a file, made fit for its catalog column, or dropped with a note.

A file is written by whoever made it: a rating of 9223372036854775808, a GPS latitude of NaN, a
"camera model" holding terminal escape codes and a megabyte of text are all valid bytes. The
readers (``exif.py``, ``xmp.py``, ``isobmff.py``) decode what the file says; :func:`validate`
is the one gate between what they decoded and the catalog, run on every :class:`PhotoMeta`
before it is written, so that one hostile value costs that value (with a note in the file's
errors), never the file's row or the scan's batch.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from camroll import thresholds
from camroll.timefmt import implausible_date

if TYPE_CHECKING:
    from camroll.library.metadata import PhotoMeta

SQLITE_INT_MIN, SQLITE_INT_MAX = -(1 << 63), (1 << 63) - 1
MAX_SIDE_PIXELS = 1 << 31
"""No image format stores a side longer than this (TIFF's LONG is 32-bit unsigned)."""
MAX_DURATION_S = 1e9
"""About 31 years: a longer video duration is a broken header."""
MAX_ALTITUDE_M = 1e7
"""Ten thousand kilometres above or below sea level: beyond it, a broken GPS altitude."""

# C0 and C1 control characters, DEL, and the Unicode marks that reorder or hide text on a
# terminal (bidi overrides and isolates, zero-width joiners, line and paragraph separators).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]+")


def clean_text(value: object, limit: int | None = None) -> str | None:
    """Text fit to show on a terminal or a page: control characters and text-direction marks
    become one space, the ends are trimmed, and the length is cut to ``limit`` characters
    (``thresholds.MAX_TEXT_CHARS`` by default). None for anything else, or for nothing left."""
    if not isinstance(value, str):
        return None
    text = _CONTROL.sub(" ", value).strip()
    cap = thresholds.MAX_TEXT_CHARS if limit is None else limit
    if len(text) > cap:
        text = text[:cap].rstrip() + "…"
    return text or None


def printable(text: str) -> str:
    """``text`` (a file name, say) with each control character shown as ``\\xNN``: for front ends
    printing names they must keep recognisable (a name cannot be trimmed the way a caption is)."""
    return _CONTROL.sub(
        lambda m: "".join(f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}" for c in m.group()), text
    )


def clean_message(message: str) -> str:
    """An error message built from a library's words: one line, no object addresses."""
    text = re.sub(r"<_io\.\w+ object at 0x[0-9a-fA-F]+>", "the file", message)
    return clean_text(text, 500) or "unknown error"


def _int_in(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _finite(value: Any, bound: float) -> bool:
    return (
        isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and abs(value) <= bound
    )


def validate(m: PhotoMeta) -> None:
    """Make every field of ``m`` fit its column, dropping (with a note) what cannot."""
    drop = m.errors.append
    for name in ("width", "height"):
        value = getattr(m, name)
        if value is not None and not _int_in(value, 1, MAX_SIDE_PIXELS):
            drop(f"image {name} {_short(value)} is impossible; ignored")
            setattr(m, name, None)
    if m.width is None or m.height is None:
        m.width = m.height = None
    for name in ("orientation", "display_orientation"):
        if not _int_in(getattr(m, name), 1, 8):
            setattr(m, name, 1)
    if m.offset_minutes is not None and not _int_in(m.offset_minutes, -14 * 60, 14 * 60):
        drop(f"time zone offset {_short(m.offset_minutes)} minutes is out of range; ignored")
        m.offset_minutes = m.offset_source = None
    if m.rating is not None and not _int_in(m.rating, -1, 5):
        drop(f"rating {_short(m.rating)} is outside -1..5; ignored")
        m.rating = None
    has_gps = m.gps_lat is not None or m.gps_lon is not None
    if has_gps and not (_finite(m.gps_lat, 90) and _finite(m.gps_lon, 180)):
        drop("GPS position is not a valid latitude and longitude; ignored")
        m.gps_lat = m.gps_lon = m.gps_alt = None
    if m.gps_alt is not None and not _finite(m.gps_alt, MAX_ALTITUDE_M):
        drop(f"GPS altitude {_short(m.gps_alt)} is impossible; ignored")
        m.gps_alt = None
    if m.duration is not None and not (_finite(m.duration, MAX_DURATION_S) and m.duration >= 0):
        drop(f"video duration {_short(m.duration)} s is impossible; ignored")
        m.duration = None
    for name in ("make", "model", "lens", "serial", "title", "description"):
        setattr(m, name, clean_text(getattr(m, name)))
    keywords = [k for k in (clean_text(k) for k in m.keywords) if k]
    if len(keywords) > thresholds.MAX_KEYWORDS:
        drop(f"{len(keywords)} keywords; only the first {thresholds.MAX_KEYWORDS} kept")
    m.keywords = keywords[: thresholds.MAX_KEYWORDS]
    regions = []
    for r in m.regions:
        if all(_finite(v, 1e6) for v in (r.x, r.y, r.w, r.h)):
            r.name, r.type = clean_text(r.name), clean_text(r.type)
            regions.append(r)
        else:
            drop("a face region with an impossible area was skipped")
    m.regions = regions
    if m.taken_local is not None and (why := implausible_date(m.taken_local)):
        drop(f"capture date {m.taken_local} is {why}: kept as read, but not used for moments")
    m.errors = [clean_message(e) for e in m.errors]


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
