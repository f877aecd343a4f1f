"""A small, strict EXIF (TIFF structure) reader for the tags camroll uses.

Why not Pillow's ``getexif()``: it decodes every tag of every IFD through a general Python
machinery, which is most of the time of a metadata scan, and it hands back raw rationals with zero
denominators (NaN GPS) and out-of-range offsets without complaint. This reader visits IFD0, the
Exif IFD, the GPS IFD and the first SubIFD (DNG/RAW main image), decodes only the tags in
:data:`WANTED`, bounds-checks every offset, and records what it skipped in ``problems``.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from typing import Any

# Tag ids (EXIF 2.32 / TIFF 6 / DNG) that camroll reads, by the name exiftool gives them.
IFD0_TAGS: dict[int, str] = {
    0x0100: "ImageWidth",
    0x0101: "ImageHeight",
    0x010E: "ImageDescription",
    0x010F: "Make",
    0x0110: "Model",
    0x0112: "Orientation",
    0x0132: "ModifyDate",
    0x02BC: "XMP",  # TIFF files carry their XMP packet here
    0x4746: "Rating",
    0x83BB: "IPTC",  # TIFF files carry IPTC-IIM here
    0x9C9B: "XPTitle",
    0x9C9C: "XPComment",
    0x9C9E: "XPKeywords",
    0x9C9F: "XPSubject",
    0xC614: "UniqueCameraModel",
}
EXIF_TAGS: dict[int, str] = {
    0x9003: "DateTimeOriginal",
    0x9004: "CreateDate",
    0x9010: "OffsetTime",
    0x9011: "OffsetTimeOriginal",
    0x9012: "OffsetTimeDigitized",
    0x9290: "SubSecTime",
    0x9291: "SubSecTimeOriginal",
    0x9292: "SubSecTimeDigitized",
    0xA002: "ExifImageWidth",
    0xA003: "ExifImageHeight",
    0xA431: "SerialNumber",
    0xA432: "LensInfo",
    0xA433: "LensMake",
    0xA434: "LensModel",
    0xA435: "LensSerialNumber",
    0x882A: "TimeZoneOffset",
}
GPS_TAGS: dict[int, str] = {
    0x0001: "GPSLatitudeRef",
    0x0002: "GPSLatitude",
    0x0003: "GPSLongitudeRef",
    0x0004: "GPSLongitude",
    0x0005: "GPSAltitudeRef",
    0x0006: "GPSAltitude",
    0x0007: "GPSTimeStamp",
    0x001D: "GPSDateStamp",
}
SUBIFD_TAGS: dict[int, str] = {0x0100: "SubImageWidth", 0x0101: "SubImageHeight"}
EXIF_IFD_POINTER = 0x8769
GPS_IFD_POINTER = 0x8825
SUBIFDS_POINTER = 0x014A

# TIFF field type -> (struct code, byte size of one value)
_TYPES: dict[int, tuple[str, int]] = {
    1: ("B", 1),  # BYTE
    2: ("s", 1),  # ASCII
    3: ("H", 2),  # SHORT
    4: ("I", 4),  # LONG
    5: ("II", 8),  # RATIONAL
    6: ("b", 1),  # SBYTE
    7: ("s", 1),  # UNDEFINED
    8: ("h", 2),  # SSHORT
    9: ("i", 4),  # SLONG
    10: ("ii", 8),  # SRATIONAL
    11: ("f", 4),  # FLOAT
    12: ("d", 8),  # DOUBLE
    13: ("I", 4),  # IFD
}
_MAX_ENTRIES = 1000  # an IFD with more entries than this is corrupt, not rich
_MAX_VALUE_BYTES = 1 << 20


@dataclass
class ExifTags:
    """Decoded tags by name; rationals become ``(numerator, denominator)`` tuples."""

    values: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def get(self, name: str) -> Any:
        return self.values.get(name)


def read_exif(tiff: bytes, exif_ifd: bytes | None = None, gps_ifd: bytes | None = None) -> ExifTags:
    """Decode the wanted tags of a TIFF-structured EXIF block (``II*\\0`` or ``MM\\0*``), and of
    an Exif or GPS IFD that a format stores as a TIFF block of its own (Canon CR3)."""
    out = ExifTags()
    for block, table, where in ((exif_ifd, EXIF_TAGS, "Exif IFD block"), (gps_ifd, GPS_TAGS, "GPS IFD block")):
        if block and len(block) >= 8 and block[:4] in (b"II*\x00", b"MM\x00*"):
            endian = "<" if block[0] == 0x49 else ">"
            _read_ifd(block, endian, struct.unpack_from(endian + "I", block, 4)[0], table, out, where)
    if not tiff and (exif_ifd or gps_ifd):
        return out
    if len(tiff) < 8 or tiff[:4] not in (b"II*\x00", b"MM\x00*"):
        out.problems.append("EXIF block has no TIFF header")
        return out
    endian = "<" if tiff[0] == 0x49 else ">"
    (ifd0,) = struct.unpack_from(endian + "I", tiff, 4)
    pointers = _read_ifd(tiff, endian, ifd0, IFD0_TAGS, out, "IFD0")
    exif_at = pointers.get(EXIF_IFD_POINTER)
    if exif_at:
        _read_ifd(tiff, endian, exif_at, EXIF_TAGS, out, "Exif IFD")
    gps_at = pointers.get(GPS_IFD_POINTER)
    if gps_at:
        _read_ifd(tiff, endian, gps_at, GPS_TAGS, out, "GPS IFD")
    sub_at = pointers.get(SUBIFDS_POINTER)
    if sub_at:
        _read_ifd(tiff, endian, sub_at, SUBIFD_TAGS, out, "SubIFD")
    return out


def _read_ifd(
    tiff: bytes, endian: str, offset: int, wanted: dict[int, str], out: ExifTags, where: str
) -> dict[int, int]:
    """Read one IFD into ``out``; return the IFD pointers found in it (tag -> offset)."""
    size = len(tiff)
    pointers: dict[int, int] = {}
    if offset < 8 or offset + 2 > size:
        out.problems.append(f"{where} offset {offset} is outside the EXIF block")
        return pointers
    (count,) = struct.unpack_from(endian + "H", tiff, offset)
    if count > _MAX_ENTRIES:
        out.problems.append(f"{where} claims {count} entries; ignored as corrupt")
        return pointers
    end = offset + 2 + 12 * count
    if end > size:
        out.problems.append(f"{where} runs past the end of the EXIF block")
        count = (size - offset - 2) // 12
    entry_fmt = endian + "HHI4s"
    for i in range(count):
        tag, typ, n, raw = struct.unpack_from(entry_fmt, tiff, offset + 2 + 12 * i)
        if tag in (EXIF_IFD_POINTER, GPS_IFD_POINTER, SUBIFDS_POINTER):
            if typ in (4, 13) and n >= 1:
                pointers[tag] = struct.unpack(endian + "I", raw)[0]
            continue
        name = wanted.get(tag)
        if name is None:
            continue
        spec = _TYPES.get(typ)
        if spec is None:
            out.problems.append(f"{where} tag {name} has unknown type {typ}")
            continue
        code, unit = spec
        nbytes = unit * n
        if nbytes > _MAX_VALUE_BYTES:
            out.problems.append(f"{where} tag {name} is implausibly large ({nbytes} bytes)")
            continue
        if nbytes <= 4:
            data = raw[:nbytes]
        else:
            (at,) = struct.unpack(endian + "I", raw)
            if at + nbytes > size:
                out.problems.append(f"{where} tag {name} points outside the EXIF block")
                continue
            data = tiff[at : at + nbytes]
        out.values[name] = _decode(data, typ, code, n, endian)
    return pointers


def _decode(data: bytes, typ: int, code: str, n: int, endian: str) -> Any:
    if typ == 2:  # ASCII: NUL-terminated, sometimes padded with spaces or garbage after NUL
        return data.split(b"\x00", 1)[0].decode("utf-8", "replace").strip()
    if typ in (1, 7):
        return data if n != 1 or typ == 7 else data[0]
    if typ in (5, 10):
        flat = struct.unpack(endian + code[0] * (2 * n), data)
        pairs = [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]
        return pairs[0] if n == 1 else tuple(pairs)
    values = struct.unpack(endian + code * n, data)
    return values[0] if n == 1 else values


def rational(value: Any) -> float | None:
    """A RATIONAL as a float, or None for 0/0, x/0 and anything that is not a rational."""
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        num, den = value
        if den == 0:
            return None
        return float(num) / float(den)
    if isinstance(value, (int, float)):
        return float(value)
    return None


def xp_text(value: Any) -> str | None:
    """Windows XP* tags are UTF-16LE in BYTE arrays."""
    if isinstance(value, int):
        value = (value,)
    if isinstance(value, tuple):  # written as SHORT or LONG by some tools: bytes only if they fit
        if not all(isinstance(v, int) and 0 <= v < 256 for v in value):
            return None
        value = bytes(value)
    if not isinstance(value, bytes):
        return None
    text = value.decode("utf-16-le", "replace").split("\x00", 1)[0].strip()
    return text or None


# --- Apple's MakerNote: the Live Photo content identifier (issue 13) ---------------------------

MAKER_NOTE = 0x927C
APPLE_MAKER_HEADER = b"Apple iOS\x00"
"""Apple's MakerNote opens with ``Apple iOS\\0``, a 16-bit version, and ``MM`` (or ``II``): 14
bytes, then an IFD whose value offsets count from the start of the MakerNote itself (not the
TIFF header), as exiftool's ``MakerNoteApple`` reads it (``Start => $valuePtr + 14, Base =>
$start - 14``)."""
APPLE_CONTENT_IDENTIFIER = 0x0011
"""The Apple MakerNote tag that holds the Live Photo's identifier, the same UUID as the paired
MOV's ``com.apple.quicktime.content.identifier`` (exiftool 12.19+ names it ``MediaGroupUUID``,
earlier ones ``ContentIdentifier``)."""
_MAX_MAKER_NOTE_BYTES = 64 << 10  # Apple's are 1-2 kB; a JPEG APP1 cannot hold more than 64 kB anyway
_MAX_MAKER_ENTRIES = 256  # iOS 17 writes ~60
_MAX_IDENTIFIER_BYTES = 64  # a UUID is 36 characters and a NUL
_UUID_SHAPE = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")


def apple_content_identifier(tiff: bytes) -> tuple[str | None, str | None]:
    """(identifier, note) from an EXIF block's Apple MakerNote: the upper-case UUID, or None with
    a note saying why a value that is there was refused (too long, not a UUID, out of bounds); (None,
    None) where the photo simply has no Apple MakerNote or no identifier in it.

    Every count and offset is untrusted: each is checked against the block that holds it before
    anything is read, so a hostile file costs at most the bytes of its own EXIF block."""
    if len(tiff) < 8 or tiff[:4] not in (b"II*\x00", b"MM\x00*"):
        return None, None
    endian = "<" if tiff[0] == 0x49 else ">"
    try:
        exif_at = _pointer(tiff, endian, struct.unpack_from(endian + "I", tiff, 4)[0], EXIF_IFD_POINTER)
        found = _entry(tiff, endian, exif_at, MAKER_NOTE, _MAX_ENTRIES) if exif_at else None
        if found is None:
            return None, None
        typ, count, raw = found
        if typ not in (1, 7) or count < len(APPLE_MAKER_HEADER) + 4:
            return None, None
        if count > _MAX_MAKER_NOTE_BYTES:
            return None, f"the Apple MakerNote is {count} bytes, over {_MAX_MAKER_NOTE_BYTES}: not read"
        (at,) = struct.unpack(endian + "I", raw)
        if at + count > len(tiff):
            return None, "the MakerNote points outside the EXIF block"
        note = tiff[at : at + count]
        return _apple_identifier(note)
    except struct.error:
        return None, "the EXIF block is cut short"


def _apple_identifier(note: bytes) -> tuple[str | None, str | None]:
    if not note.startswith(APPLE_MAKER_HEADER):
        return None, None  # another maker's note
    order = note[12:14]
    if order not in (b"MM", b"II"):
        return None, "the Apple MakerNote names no byte order"
    endian = ">" if order == b"MM" else "<"
    found = _entry(note, endian, 14, APPLE_CONTENT_IDENTIFIER, _MAX_MAKER_ENTRIES)
    if found is None:
        return None, None
    typ, count, raw = found
    if typ not in (2, 7):
        return None, f"the Live Photo identifier has type {typ}, not text"
    if count > _MAX_IDENTIFIER_BYTES:
        return None, f"the Live Photo identifier is {count} bytes long, not a UUID: refused"
    if count <= 4:
        value = raw[:count]
    else:
        (at,) = struct.unpack(endian + "I", raw)
        if at + count > len(note):
            return None, "the Live Photo identifier points outside the MakerNote"
        value = note[at : at + count]
    return checked_uuid(value)


def checked_uuid(value: bytes) -> tuple[str | None, str | None]:
    """A content identifier as text if it has the shape of a UUID (upper-cased, as Apple writes
    it), else None and a note; trailing NULs and spaces are allowed, anything else is not."""
    text = value.split(b"\x00", 1)[0].strip().decode("ascii", "replace")
    if not _UUID_SHAPE.fullmatch(text):
        shown = text[:40].encode("ascii", "backslashreplace").decode()
        return None, f"the Live Photo identifier {shown!r} is not a UUID: refused"
    return text.upper(), None


def _entry(block: bytes, endian: str, offset: int, tag: int, limit: int) -> tuple[int, int, bytes] | None:
    """(type, count, the 4 value-or-offset bytes) of ``tag`` in the IFD at ``offset``, or None."""
    if offset < 8 or offset + 2 > len(block):
        return None
    (count,) = struct.unpack_from(endian + "H", block, offset)
    count = min(count, limit, (len(block) - offset - 2) // 12)
    for i in range(count):
        found, typ, n, raw = struct.unpack_from(endian + "HHI4s", block, offset + 2 + 12 * i)
        if found == tag:
            return typ, n, raw
    return None


def _pointer(block: bytes, endian: str, ifd: int, tag: int) -> int | None:
    """The offset a pointer tag (the Exif IFD's, say) of the IFD at ``ifd`` holds, or None."""
    found = _entry(block, endian, ifd, tag, _MAX_ENTRIES)
    if found is None or found[0] not in (4, 13):
        return None
    return int(struct.unpack(endian + "I", found[2])[0])
