"""From a file's raw metadata blocks to the facts a person cares about.

Every value says where it came from (``taken_at_source``, ``offset_source``), because a date
guessed from a file name and a date the camera wrote are not equally trustworthy, and a person
should be able to ask camroll "why do you think this was taken on that day?".

The order in which a capture time is looked for:
EXIF DateTimeOriginal (+SubSecTimeOriginal, +OffsetTimeOriginal) > EXIF CreateDate > GPS time
(UTC) > XMP / IPTC dates > the video container's creation time > a date in the file name > EXIF
ModifyDate (IFD0 DateTime: often an editor's save time, so late) > the file's modification time. An offset missing from EXIF is taken, in this order, from the other
EXIF offset tags, from the difference between the local time and the GPS (UTC) time, from an XMP
date with an offset, and, once the person has granted ``places``, from the time zone at the GPS
position (see ``places.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from camroll import thresholds
from camroll.library.container import Container
from camroll.library.exif import ExifTags, rational, read_exif, xp_text
from camroll.library.sanitize import clean_text, validate
from camroll.library.xmp import Region, read_user_fields
from camroll.timefmt import format_offset as format_offset  # moved down for store/; re-exported for callers

# Orientation -> does it swap width and height on display?
_SWAPS = {5, 6, 7, 8}
# Clockwise rotation + mirror -> EXIF orientation value (for HEIF containers).
_ORIENTATION_OF = {
    (0, False): 1,
    (90, False): 6,
    (180, False): 3,
    (270, False): 8,
    (0, True): 2,
    (90, True): 7,
    (180, True): 4,
    (270, True): 5,
}


@dataclass
class PhotoMeta:
    """Everything the metadata stage learns about one file."""

    format: str
    kind: str = "photo"
    width: int | None = None
    """Width as displayed (after orientation)."""
    height: int | None = None
    orientation: int = 1
    """EXIF orientation 1-8 as written in the file (1 where absent or invalid)."""
    display_orientation: int = 1
    """The transform a viewer must apply to the decoded pixels. Equals ``orientation`` except
    for HEIF, whose container (irot/imir) is the authority when present."""
    taken_local: str | None = None
    """Local wall-clock capture time, ISO 8601 without offset (``2019-10-20T18:34:30.130``)."""
    offset_minutes: int | None = None
    taken_at_source: str | None = None
    offset_source: str | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None
    gps_alt: float | None = None
    make: str | None = None
    model: str | None = None
    lens: str | None = None
    serial: str | None = None
    title: str | None = None
    description: str | None = None
    keywords: list[str] = field(default_factory=list)
    rating: int | None = None
    regions: list[Region] = field(default_factory=list)
    duration: float | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def taken_at(self) -> str | None:
        """ISO 8601 with offset when known: the ``taken_at`` a person and the JSON see."""
        if self.taken_local is None:
            return None
        return self.taken_local + (format_offset(self.offset_minutes) if self.offset_minutes is not None else "")


def extract(container: Container, filename: str, mtime: float) -> PhotoMeta:
    """Interpret a container's blocks. Never raises on bad metadata: it notes it in ``errors``."""
    m = PhotoMeta(format=container.format, kind=container.kind, duration=container.duration)
    m.errors.extend(container.problems)
    tags = (
        read_exif(container.exif or b"", container.exif_ifd, container.gps_ifd)
        if container.exif or container.exif_ifd or container.gps_ifd
        else ExifTags()
    )
    m.errors.extend(f"EXIF: {p}" for p in tags.problems)
    user = read_user_fields(container.xmp, container.iptc)
    m.errors.extend(user.problems)
    xmp_tiff = tags.get("XMP")  # TIFF files keep XMP in a tag
    if isinstance(xmp_tiff, bytes) and not container.xmp:
        user = read_user_fields(xmp_tiff, tags.get("IPTC") if isinstance(tags.get("IPTC"), bytes) else None)
        m.errors.extend(user.problems)

    m.make = _clean(tags.get("Make")) or container.make
    m.model = _clean(tags.get("Model")) or _clean(tags.get("UniqueCameraModel")) or container.model
    m.lens = _clean(tags.get("LensModel"))
    m.serial = _clean(tags.get("SerialNumber"))
    m.title = user.title or xp_text(tags.get("XPTitle"))
    m.description = user.description or _clean(tags.get("ImageDescription"))
    m.keywords = user.keywords or [k for k in (xp_text(tags.get("XPKeywords")) or "").split(";") if k]
    m.rating = user.rating if user.rating is not None else _int(tags.get("Rating"))
    m.regions = user.regions

    _orientation(m, container, tags)
    _dimensions(m, container, tags)
    _gps(m, container, tags, user.gps)
    _taken_at(m, container, tags, user.dates, filename, mtime)
    validate(m)
    return m


def _orientation(m: PhotoMeta, c: Container, tags: ExifTags) -> None:
    value = tags.get("Orientation")
    if isinstance(value, int) and 1 <= value <= 8:
        m.orientation = value
    elif value is not None:
        m.errors.append(f"EXIF orientation {value!r} is not 1-8; shown unrotated")
    m.display_orientation = m.orientation
    if c.format in ("heic", "avif") and (c.container_rotation is not None or c.container_mirror):
        # HEIF: the container's irot/imir are applied by every decoder; EXIF is informational.
        m.display_orientation = _ORIENTATION_OF.get(((c.container_rotation or 0) % 360, c.container_mirror), 1)
    elif c.kind == "video":
        m.display_orientation = _ORIENTATION_OF.get(((c.container_rotation or 0) % 360, False), 1)


def _dimensions(m: PhotoMeta, c: Container, tags: ExifTags) -> None:
    w, h = c.width, c.height
    if w is None:  # TIFF and RAW: the size is a tag (the SubIFD holds a RAW's main image)
        w = _int(tags.get("SubImageWidth")) or _int(tags.get("ImageWidth"))
        h = _int(tags.get("SubImageHeight")) or _int(tags.get("ImageHeight"))
    if w is None or h is None:
        if c.kind == "photo" and c.exif is not None and c.format not in ("heic", "avif", "jpeg", "png", "webp", "gif"):
            m.errors.append(f"{c.format.upper()}: the file does not say its image size (no width and height tags)")
        return
    if not (isinstance(w, int) and isinstance(h, int) and w > 0 and h > 0):
        m.errors.append(f"image size {w!r}x{h!r} is impossible; ignored")
        return
    if m.display_orientation in _SWAPS:
        w, h = h, w
    m.width, m.height = w, h
    if w * h > thresholds.MAX_PIXELS:
        m.errors.append(
            f"image is {w}x{h} ({w * h / 1e6:.0f} megapixels), over the "
            f"{thresholds.MAX_PIXELS / 1e6:.0f} MP limit: treated as a decompression bomb and never decoded"
        )


def _gps(m: PhotoMeta, c: Container, tags: ExifTags, xmp_gps: tuple[float, float] | None) -> None:
    lat = _dms(tags.get("GPSLatitude"), tags.get("GPSLatitudeRef"), "S")
    lon = _dms(tags.get("GPSLongitude"), tags.get("GPSLongitudeRef"), "W")
    has_tags = tags.get("GPSLatitude") is not None or tags.get("GPSLongitude") is not None
    bad_refs = [
        f"{name} {_ref_text(tags.get(name))!r}"
        for name, allowed in (("GPSLatitudeRef", "NS"), ("GPSLongitudeRef", "EW"))
        if not _ref_ok(tags.get(name), allowed)
    ]
    if bad_refs and has_tags:
        m.errors.append(
            f"EXIF {' and '.join(bad_refs)} is not N/S/E/W: the hemisphere is unknown, GPS position ignored"
        )
        lat = lon = None
        has_tags = False
    if lat is None or lon is None:
        if has_tags:
            m.errors.append("EXIF GPS position is unreadable (zero denominators or wrong types); ignored")
        if c.gps is not None:
            lat, lon = c.gps[0], c.gps[1]
            m.gps_alt = c.gps[2]
        elif xmp_gps is not None:
            lat, lon = xmp_gps
    if lat is None or lon is None:
        return
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        m.errors.append(f"GPS position {lat:.5f}, {lon:.5f} is out of range; ignored")
        return
    if lat == 0 and lon == 0:
        m.errors.append("GPS position is exactly 0, 0 (a camera without a fix); ignored")
        return
    m.gps_lat, m.gps_lon = lat, lon
    alt_raw = tags.get("GPSAltitude")
    if isinstance(alt_raw, tuple) and len(alt_raw) == 2 and alt_raw[1]:
        num = alt_raw[0]
        if num >= 1 << 31:  # a negative altitude written as an unsigned rational (seen in the wild)
            num -= 1 << 32
        alt = num / alt_raw[1]
        ref = tags.get("GPSAltitudeRef")
        if ref in (1, b"\x01"):
            alt = -alt
        m.gps_alt = alt


def _ref_text(ref: Any) -> str:
    return ref.decode("latin-1") if isinstance(ref, bytes) else str(ref)


def _ref_ok(ref: Any, allowed: str) -> bool:
    """A GPS reference is one of its two letters, or absent (then the value's sign stands)."""
    if isinstance(ref, bytes):
        ref = ref.split(b"\x00", 1)[0].decode("latin-1")
    if ref is None or (isinstance(ref, str) and not ref.strip()):
        return True
    return isinstance(ref, str) and len(ref.strip()) == 1 and ref.strip().upper() in allowed


def _dms(value: Any, ref: Any, negative: str) -> float | None:
    if not isinstance(value, tuple) or len(value) != 3:
        single = rational(value)
        if single is None:
            return None
        parts: list[float | None] = [single, 0.0, 0.0]
    else:
        parts = [rational(v) for v in value]
    if any(p is None for p in parts):
        return None
    deg, minutes, seconds = (p or 0.0 for p in parts)
    result = deg + minutes / 60 + seconds / 3600
    if isinstance(ref, str) and ref.strip().upper().startswith(negative):
        result = -result
    return result


_EXIF_DATE = re.compile(r"^(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_ISO_DATE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_FILENAME_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})[-_.]?(\d{2})[-_.]?(\d{2})"
    r"(?:[-_ .T]?(\d{2})[-_.:h]?(\d{2})[-_.:m]?(\d{2}))?(?!\d{4})"  # up to 3 digits of ms may follow
)


def _taken_at(
    m: PhotoMeta, c: Container, tags: ExifTags, xmp_dates: dict[str, str], filename: str, mtime: float
) -> None:
    gps_utc = _gps_time(tags)
    for tag, subsec, off in (
        ("DateTimeOriginal", "SubSecTimeOriginal", "OffsetTimeOriginal"),
        ("CreateDate", "SubSecTimeDigitized", "OffsetTimeDigitized"),
    ):
        local = _exif_datetime(tags.get(tag), tags.get(subsec))
        if local is None:
            if tags.get(tag) not in (None, ""):
                m.errors.append(f"EXIF {tag} {tags.get(tag)!r} is not a valid date; ignored")
            continue
        m.taken_local, m.taken_at_source = local, f"exif:{tag}"
        for otag in (off, "OffsetTimeOriginal", "OffsetTime"):
            minutes = parse_offset(tags.get(otag))
            if minutes is not None:
                m.offset_minutes, m.offset_source = minutes, f"exif:{otag}"
                return
        if gps_utc is not None:
            minutes = _offset_from_gps(datetime.fromisoformat(local), gps_utc)
            if minutes is not None:
                m.offset_minutes, m.offset_source = minutes, "gps-time"
                return
        for source, value in xmp_dates.items():
            parsed = parse_iso(value)
            if parsed and parsed[1] is not None and parsed[0][:16] == local[:16]:
                m.offset_minutes, m.offset_source = parsed[1], source
                return
        return
    if gps_utc is not None:
        m.taken_local, m.offset_minutes = gps_utc.strftime("%Y-%m-%dT%H:%M:%S"), 0
        m.taken_at_source = m.offset_source = "exif:GPSDateStamp"
        return
    for source, value in xmp_dates.items():
        parsed = parse_iso(value)
        if parsed:
            m.taken_local, m.offset_minutes = parsed
            m.taken_at_source = source
            m.offset_source = source if parsed[1] is not None else None
            return
    if c.created_local and (parsed := parse_iso(c.created_local)):
        m.taken_local, m.offset_minutes = parsed
        m.taken_at_source = m.offset_source = "quicktime:creationdate"
        return
    if c.created is not None:
        m.taken_local, m.offset_minutes = c.created.strftime("%Y-%m-%dT%H:%M:%S"), 0
        m.taken_at_source = m.offset_source = "quicktime:mvhd"
        return
    from_name = filename_datetime(filename)
    if from_name:
        m.taken_local, m.taken_at_source = from_name, "filename"
        return
    modified = _exif_datetime(tags.get("ModifyDate"), tags.get("SubSecTime"))
    if modified:  # scanned TIFFs and some editors write only this one
        m.taken_local, m.taken_at_source = modified, "exif:ModifyDate"
        minutes = parse_offset(tags.get("OffsetTime"))
        if minutes is not None:
            m.offset_minutes, m.offset_source = minutes, "exif:OffsetTime"
        return
    try:
        local_dt = datetime.fromtimestamp(mtime).astimezone()
    except (OverflowError, OSError, ValueError):
        m.errors.append("the file's modification time is out of range: no date")
        return
    m.taken_local = local_dt.replace(tzinfo=None).isoformat(timespec="seconds")
    offset = local_dt.utcoffset()
    m.offset_minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    m.taken_at_source = m.offset_source = "file-mtime"


def _exif_datetime(value: Any, subsec: Any) -> str | None:
    if not isinstance(value, str):
        return None
    match = _EXIF_DATE.match(value.strip())
    if not match:
        return None
    y, mo, d, h, mi, s = (int(g) for g in match.groups())
    try:
        dt = datetime(y, mo, d, h, mi, s)
    except ValueError:
        return None
    text = dt.isoformat(timespec="seconds")
    digits = str(subsec).strip() if subsec is not None else ""
    if digits.isdigit():
        text += "." + digits[:6]  # SubSec holds the decimal digits of the fraction
    return text


def parse_offset(value: Any) -> int | None:
    """``+02:00`` / ``-0530`` / ``Z`` -> minutes east of UTC; None for blank or malformed."""
    if not isinstance(value, str):
        return None
    v = value.strip()
    if v == "Z":
        return 0
    match = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", v)
    if not match:
        return None
    minutes = int(match.group(2)) * 60 + int(match.group(3))
    if minutes > 14 * 60:
        return None
    return minutes if match.group(1) == "+" else -minutes


def parse_iso(value: str) -> tuple[str, int | None] | None:
    """An XMP/IPTC/QuickTime date -> (local ISO text, offset minutes or None)."""
    v = value.strip()
    if v[4:5] == ":":  # EXIF-style "2019:05:12 16:04:33" written into an XMP or QuickTime field
        v = v.replace(":", "-", 2)
    match = _ISO_DATE.match(v)
    if not match:
        return None
    y, mo, d, h, mi, s, frac, off = match.groups()
    try:
        dt = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
    except ValueError:
        return None
    text = dt.isoformat(timespec="seconds") + (frac[:7] if frac else "")
    return text, parse_offset(off) if off else None


def _gps_time(tags: ExifTags) -> datetime | None:
    date, stamp = tags.get("GPSDateStamp"), tags.get("GPSTimeStamp")
    if not isinstance(date, str) or not isinstance(stamp, tuple) or len(stamp) != 3:
        return None
    match = re.fullmatch(r"(\d{4})[:\-](\d{2})[:\-](\d{2})", date.strip())
    parts = [rational(p) for p in stamp]
    if not match or any(p is None for p in parts):
        return None
    h, mi, s = (p or 0.0 for p in parts)
    if not all(0 <= v < 61 for v in (mi, s)) or not 0 <= h < 25:
        return None
    try:
        base = datetime(int(match.group(1)), int(match.group(2)), int(match.group(3)), tzinfo=UTC)
        return base + timedelta(hours=h, minutes=mi, seconds=s)
    except (ValueError, OverflowError):
        return None


def _offset_from_gps(local: datetime, utc: datetime) -> int | None:
    """The camera's offset, if its clock and the GPS fix agree to a whole time zone."""
    delta = (local - utc.replace(tzinfo=None)).total_seconds() / 60
    quarter = round(delta / 15) * 15
    if abs(delta - quarter) <= thresholds.GPS_CLOCK_TOLERANCE_MIN and abs(quarter) <= 14 * 60:
        return int(quarter)
    return None


def filename_datetime(name: str) -> str | None:
    """``IMG_20180725_163423.jpg``, ``PXL_20210101_123456789``, ``2018-07-25 16.34.23`` ..."""
    for match in _FILENAME_DATE.finditer(name):
        y, mo, d, h, mi, s = match.groups()
        try:
            dt = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
        except ValueError:
            continue
        if not (1990 <= dt.year <= datetime.now().year + 1):
            continue
        return dt.isoformat(timespec="seconds")
    return None


def _clean(value: Any) -> str | None:
    return clean_text(value)


def _int(value: Any) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, tuple) and value and isinstance(value[0], int):
        return value[0]
    return None
