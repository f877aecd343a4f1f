"""XMP and IPTC-IIM: the fields a person sets (title, caption, keywords, rating, people regions).

XMP comes from untrusted files, so it is parsed with ``defusedxml`` (no entity expansion, no
external references). An XMP property may be written as an attribute of ``rdf:Description`` or as
a child element, with ``rdf:Alt``/``rdf:Bag``/``rdf:Seq`` containers; :class:`Xmp` hides that.
"""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from defusedxml import ElementTree as SafeET

from camroll import thresholds

NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "exif": "http://ns.adobe.com/exif/1.0/",
    "exifEX": "http://cipa.jp/exif/1.0/",
    "tiff": "http://ns.adobe.com/tiff/1.0/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "lr": "http://ns.adobe.com/lightroom/1.0/",
    "mwg-rs": "http://www.metadataworkinggroup.com/schemas/regions/",
    "stArea": "http://ns.adobe.com/xmp/sType/Area#",
    "stDim": "http://ns.adobe.com/xap/1.0/sType/Dimensions#",
    "Iptc4xmpCore": "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
}
_RDF = "{" + NS["rdf"] + "}"


def _q(prefixed: str) -> str:
    prefix, local = prefixed.split(":", 1)
    return "{" + NS[prefix] + "}" + local


@dataclass
class Region:
    """A named region (usually a face) as the Metadata Working Group schema stores it:
    centre x/y and size w/h as fractions of the image (0..1)."""

    name: str | None
    type: str | None
    x: float
    y: float
    w: float
    h: float


@dataclass
class UserFields:
    """What a person or their software wrote into the file."""

    title: str | None = None
    description: str | None = None
    keywords: list[str] = field(default_factory=list)
    rating: int | None = None
    regions: list[Region] = field(default_factory=list)
    dates: dict[str, str] = field(default_factory=dict)
    """Raw date strings by source, e.g. ``{"xmp:exif:DateTimeOriginal": "2005-09-07T15:07:40-07:00"}``."""
    gps: tuple[float, float] | None = None
    city: str | None = None
    country: str | None = None
    problems: list[str] = field(default_factory=list)


class Xmp:
    """Property access over every ``rdf:Description`` of a packet."""

    def __init__(self, packet: bytes):
        start = packet.find(b"<x:xmpmeta")
        if start < 0:
            start = packet.find(b"<rdf:RDF")
        end_tag = b"</x:xmpmeta>" if packet[start : start + 10] == b"<x:xmpmeta" else b"</rdf:RDF>"
        end = packet.find(end_tag, start)
        if start < 0 or end < 0:
            raise ValueError("no XMP root element")
        root: Any = SafeET.fromstring(packet[start : end + len(end_tag)])
        self.descriptions: list[ET.Element] = list(root.iter(_RDF + "Description"))

    def get(self, prefixed: str) -> Any:
        """A simple value, the first item of a container, or None."""
        items = self.items(prefixed)
        return items[0] if items else None

    def items(self, prefixed: str) -> list[str]:
        key = _q(prefixed)
        for desc in self.descriptions:
            if key in desc.attrib:
                return [desc.attrib[key]]
            el = desc.find(key)
            if el is not None:
                lis = list(el.iter(_RDF + "li"))
                if lis:
                    return [(li.text or "").strip() for li in lis if (li.text or "").strip()]
                return [(el.text or "").strip()] if (el.text or "").strip() else []
        return []

    def element(self, prefixed: str) -> ET.Element | None:
        key = _q(prefixed)
        for desc in self.descriptions:
            el = desc.find(key)
            if el is not None:
                return el
        return None


_INTERESTING = (
    b"title",
    b"description",
    b"subject",
    b"Subject",
    b"Rating",
    b"Date",
    b"GPSL",
    b"City",
    b"Country",
    b"Regions",
)
"""A packet without any of these words holds nothing camroll reads: it is not parsed at all
(parsing is a tenth of a scan's time on libraries where most photos carry editor XMP)."""


def read_user_fields(xmp: bytes | None, iptc: bytes | None) -> UserFields:
    """The fields a person set, from XMP (first) and IPTC-IIM. Never raises: what cannot be read
    is noted in ``problems``, and a packet over ``thresholds.MAX_XMP_BYTES`` is not parsed."""
    out = UserFields()
    if xmp and len(xmp) > thresholds.MAX_XMP_BYTES:
        out.problems.append(
            f"XMP packet is {len(xmp) >> 20} MB, over the {thresholds.MAX_XMP_BYTES >> 20} MB limit; it was not read"
        )
    elif xmp and not _has_root(xmp):
        out.problems.append("XMP is malformed and was skipped (no complete x:xmpmeta or rdf:RDF element)")
    elif xmp and any(word in xmp for word in _INTERESTING):
        try:
            _from_xmp(Xmp(xmp), out)
        except (ET.ParseError, ValueError) as e:
            out.problems.append(f"XMP is malformed and was skipped ({e})")
        except Exception as e:  # defusedxml raises its own errors for forbidden constructs
            out.problems.append(f"XMP was refused ({type(e).__name__})")
    if iptc:
        try:
            _from_iptc(iptc, out)
        except (struct.error, IndexError, ValueError) as e:
            out.problems.append(f"IPTC is malformed and was skipped ({e})")
    return out


def _has_root(packet: bytes) -> bool:
    """Does the packet hold a complete XMP root element? A cheap test (two searches) run on every
    packet, where parsing runs only on packets holding something camroll reads."""
    start = packet.find(b"<x:xmpmeta")
    if start >= 0:
        return packet.find(b"</x:xmpmeta>", start) >= 0
    start = packet.find(b"<rdf:RDF")
    return start >= 0 and packet.find(b"</rdf:RDF>", start) >= 0


def _from_xmp(x: Xmp, out: UserFields) -> None:
    out.title = x.get("dc:title")
    out.description = x.get("dc:description")
    out.keywords = x.items("dc:subject") or x.items("lr:hierarchicalSubject")
    rating = x.get("xmp:Rating")
    if rating is not None:
        try:
            out.rating = round(float(rating))
        except (ValueError, OverflowError):
            out.problems.append(f"XMP rating {rating[:40]!r} is not a number")
    for name in (
        "exif:DateTimeOriginal",
        "photoshop:DateCreated",
        "xmp:CreateDate",
        "exifEX:DateTimeOriginal",
        "exif:GPSTimeStamp",
    ):
        value = x.get(name)
        if value:
            out.dates[f"xmp:{name}"] = value
    lat, lon = x.get("exif:GPSLatitude"), x.get("exif:GPSLongitude")
    if lat and lon:
        try:
            out.gps = (_xmp_coordinate(lat), _xmp_coordinate(lon))
        except (ValueError, IndexError):
            out.problems.append(f"XMP GPS {lat[:40]!r}, {lon[:40]!r} is malformed")
    out.city = x.get("photoshop:City")
    out.country = x.get("photoshop:Country")
    regions = x.element("mwg-rs:Regions")
    if regions is not None:
        for desc in regions.iter(_RDF + "Description"):
            area = desc.find(_q("mwg-rs:Area"))
            if area is None:
                continue
            a = dict(area.attrib)
            for child in area:
                a[child.tag] = child.text or ""
            try:
                out.regions.append(
                    Region(
                        name=desc.attrib.get(_q("mwg-rs:Name")) or _text(desc, "mwg-rs:Name"),
                        type=desc.attrib.get(_q("mwg-rs:Type")) or _text(desc, "mwg-rs:Type"),
                        x=float(a[_q("stArea:x")]),
                        y=float(a[_q("stArea:y")]),
                        w=float(a[_q("stArea:w")]),
                        h=float(a[_q("stArea:h")]),
                    )
                )
            except (KeyError, ValueError):
                out.problems.append("XMP face region without a usable area was skipped")


def _text(el: ET.Element, prefixed: str) -> str | None:
    child = el.find(_q(prefixed))
    return (child.text or "").strip() or None if child is not None else None


def _xmp_coordinate(value: str) -> float:
    """XMP GPS coordinates: ``DDD,MM,SSk`` or ``DDD,MM.mmk`` with k in NSEW; or plain decimal."""
    value = value.strip()
    if value and value[-1] in "NSEW":
        sign = -1.0 if value[-1] in "SW" else 1.0
        parts = [float(p) for p in value[:-1].split(",")]
        deg = parts[0] + (parts[1] / 60 if len(parts) > 1 else 0) + (parts[2] / 3600 if len(parts) > 2 else 0)
        return sign * deg
    return float(value)


def _from_iptc(iptc: bytes, out: UserFields) -> None:
    """IPTC-IIM datasets of record 2 (application record)."""
    records: dict[int, list[bytes]] = {}
    pos = 0
    while pos + 5 <= len(iptc) and iptc[pos] == 0x1C:
        record, dataset, length = iptc[pos + 1], iptc[pos + 2], struct.unpack_from(">H", iptc, pos + 3)[0]
        pos += 5
        if length & 0x8000:  # extended length: not used for the text fields we read
            out.problems.append("IPTC has an extended-length dataset; the rest was skipped")
            return
        if record == 2:
            records.setdefault(dataset, []).append(iptc[pos : pos + length])
        pos += length

    def text(ds: int) -> str | None:
        values = records.get(ds)
        return _iptc_text(values[0]) if values else None

    out.title = out.title or text(5)
    out.description = out.description or text(120)
    if not out.keywords:
        out.keywords = [t for t in (_iptc_text(v) for v in records.get(25, [])) if t]
    out.city = out.city or text(90)
    out.country = out.country or text(101)
    date, time = text(55), text(60)
    if date and len(date) == 8 and date.isdigit():
        out.dates["iptc:DateCreated"] = f"{date[:4]}-{date[4:6]}-{date[6:]}" + (
            f"T{time[:2]}:{time[2:4]}:{time[4:6]}{time[6:9] + ':' + time[9:11] if len(time) >= 11 else ''}"
            if time and len(time) >= 6 and time[:6].isdigit()
            else ""
        )


def _iptc_text(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text.strip("\x00 ").strip() or None
