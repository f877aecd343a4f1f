"""What a file's container holds, before any tag is interpreted.

Each reader in ``formats.py`` (JPEG, PNG, WebP, GIF, TIFF/RAW) and ``isobmff.py`` (HEIC, AVIF,
MP4, MOV, CR3) turns the bytes of one file into a :class:`Container`: the stored pixel size, the
raw metadata blocks it found (EXIF as a TIFF structure, XMP packet, IPTC-IIM records) and, for
videos, what the container itself says about time, duration and place. ``metadata.py`` then
interprets those blocks the same way for every format, so a date or a GPS fix is parsed in one
place only.

Readers never decode pixels and never raise on malformed input: they record what went wrong in
``problems`` and return what they could read, because one bad box or segment must not hide the
good metadata beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class NotAnImage(ValueError):
    """The bytes are not a photo or video format camroll reads (wrong magic, empty, text...)."""


@dataclass
class Container:
    """The raw contents of one media file, as its container describes them."""

    format: str
    """Short lowercase format name from the content, not the extension: jpeg, png, webp, gif,
    tiff, dng, cr2, nef, arw, orf, rw2, heic, avif, cr3, mp4, mov."""
    kind: str = "photo"
    """``photo`` or ``video``."""
    width: int | None = None
    """Stored pixel width, before any orientation or rotation is applied."""
    height: int | None = None
    exif: bytes | None = None
    """The EXIF block as a TIFF structure: starts with ``II*\\0`` or ``MM\\0*``
    (any ``Exif\\0\\0`` prefix already removed)."""
    exif_ifd: bytes | None = None
    """An Exif IFD stored as a TIFF structure of its own (Canon CR3's CMT2), read as if ``exif``
    pointed to it."""
    gps_ifd: bytes | None = None
    """A GPS IFD stored as a TIFF structure of its own (Canon CR3's CMT4)."""
    xmp: bytes | None = None
    """The XMP packet (UTF-8 XML), if any."""
    iptc: bytes | None = None
    """IPTC-IIM records (the 8BIM 0x0404 resource of Photoshop APP13), if any."""
    container_rotation: int | None = None
    """Rotation in degrees clockwise (0, 90, 180, 270) that the container itself applies on
    display: HEIF ``irot`` (converted from its anticlockwise steps) or a video track matrix.
    None where the container has no such notion (then EXIF Orientation rules)."""
    container_mirror: bool = False
    """True where the container flips the image on display (HEIF ``imir``)."""
    duration: float | None = None
    """Video duration in seconds."""
    created: datetime | None = None
    """Video creation time from the container (``mvhd``), as an aware UTC datetime.
    None where the field is zero (unset)."""
    created_local: str | None = None
    """Video creation time as the camera wrote it with its offset, e.g. Apple's
    ``com.apple.quicktime.creationdate`` ``2019-05-12T16:04:33+0200``; None if absent."""
    gps: tuple[float, float, float | None] | None = None
    """Latitude, longitude, altitude from the container (ISO 6709 ``©xyz`` or
    ``com.apple.quicktime.location.ISO6709``)."""
    make: str | None = None
    """Camera make from the container's own tags (QuickTime keys), where EXIF is absent."""
    model: str | None = None
    truncated: bool = False
    """The file ends before its own structure says it should (missing JPEG EOI, PNG IEND,
    a box running past the end of the file)."""
    problems: list[str] = field(default_factory=list)
    """Human-readable notes on what could not be read; never fatal on their own."""
