"""Property tests of the metadata readers on bytes built by Hypothesis.

The contract (``container.py``): a reader returns what it could read, or raises the module's own
error (:class:`NotAnImage` for a file that is not media at all); nothing else escapes. And
whatever comes out of ``extract`` fits the catalog: integers in SQLite's 64-bit range and in
their column's sense, finite numbers, text without control characters.
"""

from __future__ import annotations

import math
import struct
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from camroll.library.container import Container, NotAnImage
from camroll.library.exif import EXIF_TAGS, GPS_TAGS, IFD0_TAGS, read_exif
from camroll.library.formats import read_container
from camroll.library.isobmff import read_isobmff
from camroll.library.metadata import PhotoMeta, extract
from camroll.library.xmp import read_user_fields
from camroll.store.db import Database

PROPERTY = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- building blocks -----------------------------------------------------------------------------

_TAGS = sorted({*IFD0_TAGS, *EXIF_TAGS, *GPS_TAGS, 0x8769, 0x8825, 0x014A})
_NUMBERS = st.one_of(st.integers(0, 10), st.integers(0, 0xFFFFFFFF), st.sampled_from([0, 1, 8, 0x7FFFFFFF, 0xFFFFFFFF]))


@st.composite
def tiff_blocks(draw: Any) -> bytes:
    """A TIFF structure with IFD entries of wanted tags, any types and counts, values and
    offsets that may point anywhere (the tail holds data they may point into)."""
    endian = draw(st.sampled_from(["<", ">"]))
    entries = draw(
        st.lists(
            st.tuples(st.sampled_from(_TAGS), st.integers(0, 14), _NUMBERS, st.binary(min_size=4, max_size=4)),
            max_size=24,
        )
    )
    tail = draw(st.binary(max_size=200))
    ifd_at = draw(st.sampled_from([8, 8, 8, 0, 4, 7, 9, 1 << 31]))
    head = (b"II*\x00" if endian == "<" else b"MM\x00*") + struct.pack(endian + "I", ifd_at)
    ifd = struct.pack(endian + "H", len(entries)) + b"".join(
        struct.pack(endian + "HHI", tag, typ, count) + raw for tag, typ, count, raw in entries
    )
    nested = tail
    if draw(st.booleans()):  # point the Exif/GPS IFDs into the tail, where another IFD may sit
        nested = (
            struct.pack(endian + "H", 2)
            + struct.pack(endian + "HHI", 0x9003, 2, 20)
            + struct.pack(endian + "I", 8)
            + struct.pack(endian + "HHI", 0x0002, 5, 3)
            + struct.pack(endian + "I", 0)
            + tail
        )
    return head + ifd + b"\x00" * 4 + nested


_XMP_NAMES = [
    "xmp:Rating",
    "exif:DateTimeOriginal",
    "photoshop:DateCreated",
    "xmp:CreateDate",
    "exif:GPSLatitude",
    "exif:GPSLongitude",
    "dc:title",
    "photoshop:City",
    "exif:GPSTimeStamp",
]
_XML_TEXT = st.text(st.characters(codec="utf-8", exclude_characters='<&"'), max_size=30)
_TRICKY = st.sampled_from(
    [
        "9223372036854775808",
        "-9223372036854775809",
        "1e999",
        "nan",
        "inf",
        "-1",
        "5.5",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-12:00",
        "10,30.5N",
        "91,0,0N",
        "999,99,99W",
        ",,N",
        "N",
        "",
        "1e308,0,0S",
        "2019:05:12 16:04:33",
        "1" * 400,
    ]
)


@st.composite
def xmp_packets(draw: Any) -> bytes:
    attrs = draw(st.dictionaries(st.sampled_from(_XMP_NAMES), st.one_of(_TRICKY, _XML_TEXT), max_size=6))
    region = draw(st.lists(st.tuples(_TRICKY, _TRICKY, _TRICKY, _TRICKY), max_size=2))
    regions = "".join(
        f'<rdf:li><rdf:Description mwg-rs:Name="n"><mwg-rs:Area stArea:x="{x}" stArea:y="{y}" stArea:w="{w}"'
        f' stArea:h="{h}"/></rdf:Description></rdf:li>'
        for x, y, w, h in region
    )
    body = " ".join(f'{k}="{v}"' for k, v in attrs.items())
    packet = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"'
        ' xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"'
        f' xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#" {body}>'
        f"<mwg-rs:Regions><rdf:Bag>{regions}</rdf:Bag></mwg-rs:Regions>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode()
    cut = draw(st.one_of(st.none(), st.integers(0, len(packet))))
    return packet if cut is None else packet[:cut]


@st.composite
def iptc_blocks(draw: Any) -> bytes:
    records = draw(
        st.lists(
            st.tuples(
                st.sampled_from([1, 2, 2, 2]),
                st.sampled_from([5, 25, 55, 60, 90, 101, 120]),
                st.binary(max_size=20),
                st.booleans(),
            ),
            max_size=8,
        )
    )
    out = b""
    for record, dataset, value, lie in records:
        length = (0x8000 | 4) if lie else len(value)
        out += bytes([0x1C, record, dataset]) + struct.pack(">H", length) + value
    return out + draw(st.binary(max_size=8))


_BOX_TYPES = [
    b"ftyp",
    b"meta",
    b"moov",
    b"trak",
    b"mdia",
    b"hdlr",
    b"minf",
    b"stbl",
    b"stsd",
    b"tkhd",
    b"mvhd",
    b"udta",
    b"keys",
    b"ilst",
    b"data",
    b"iinf",
    b"infe",
    b"iloc",
    b"iref",
    b"cdsc",
    b"pitm",
    b"iprp",
    b"ipco",
    b"ipma",
    b"ispe",
    b"irot",
    b"imir",
    b"clap",
    b"idat",
    b"uuid",
    b"mdat",
    b"\xa9xyz",
    b"\xa9mod",
    b"XMP_",
    b"CMT1",
    b"free",
]


def boxes(depth: int = 3) -> Any:
    """A box tree: known types, payloads that are children or bytes, sizes that sometimes lie."""
    leaf = st.tuples(
        st.sampled_from(_BOX_TYPES), st.binary(max_size=48), st.sampled_from([None, None, None, 0, 1, 7, 0xFFFFFFFF])
    )

    def encode(node: tuple[bytes, Any, int | None]) -> bytes:
        typ, payload, lie = node
        body = payload if isinstance(payload, bytes) else b"".join(encode(n) for n in payload)
        if typ in (b"meta", b"iinf", b"iref", b"ipma", b"iloc", b"infe", b"pitm") and not isinstance(payload, bytes):
            body = b"\x00\x00\x00\x00" + body
        if lie == 1:
            return struct.pack(">I4sQ", 1, typ, 16 + len(body) + 1000) + body
        return struct.pack(">I4s", 8 + len(body) if lie is None else lie, typ) + body

    tree = st.recursive(
        leaf,
        lambda kids: st.tuples(
            st.sampled_from(_BOX_TYPES), st.lists(kids, max_size=4), st.sampled_from([None, None, 0])
        ),
        max_leaves=12,
    )
    brand = st.sampled_from([b"heic", b"mif1", b"avif", b"isom", b"qt  ", b"crx "])
    return st.builds(
        lambda b, kids: (
            struct.pack(">I4s4s4s4s", 20, b"ftyp", b, b"\0\0\0\0", b"mif1") + b"".join(encode(k) for k in kids)
        ),
        brand,
        st.lists(tree, max_size=4),
    )


# --- what the catalog accepts --------------------------------------------------------------------

_INT_COLUMNS = {
    "width": (1, 1 << 31),
    "height": (1, 1 << 31),
    "orientation": (1, 8),
    "display_orientation": (1, 8),
    "offset_minutes": (-840, 840),
    "rating": (-1, 5),
}
_FLOAT_COLUMNS = ("gps_lat", "gps_lon", "gps_alt", "duration")
_TEXT_COLUMNS = ("make", "model", "lens", "serial", "title", "description", "taken_local")


def _printable(text: str) -> bool:
    return not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F or 0x202A <= ord(c) <= 0x202E for c in text)


def assert_fits_catalog(m: PhotoMeta) -> None:
    for name, (low, high) in _INT_COLUMNS.items():
        value = getattr(m, name)
        assert value is None or (type(value) is int and low <= value <= high), (name, value)
    for name in _FLOAT_COLUMNS:
        value = getattr(m, name)
        assert value is None or (isinstance(value, (int, float)) and math.isfinite(value)), (name, value)
    if m.gps_lat is not None:
        assert -90 <= m.gps_lat <= 90 and m.gps_lon is not None and -180 <= m.gps_lon <= 180
    for name in _TEXT_COLUMNS:
        value = getattr(m, name)
        assert value is None or (isinstance(value, str) and _printable(value)), (name, value)
    assert all(isinstance(k, str) and _printable(k) for k in m.keywords)
    assert all(all(math.isfinite(v) for v in (r.x, r.y, r.w, r.h)) for r in m.regions)
    assert all(isinstance(e, str) and _printable(e) for e in m.errors)


def _extract(c: Container) -> PhotoMeta:
    m = extract(c, "IMG_20200101_120000.jpg", 1.6e9)
    assert_fits_catalog(m)
    return m


# --- the properties -------------------------------------------------------------------------------


@PROPERTY
@given(
    tiff_blocks(),
    st.one_of(st.none(), tiff_blocks(), st.binary(max_size=12)),
    st.one_of(st.none(), tiff_blocks(), st.binary(max_size=12)),
)
def test_exif_reader_never_raises_and_its_facts_fit(tiff: bytes, exif_ifd: bytes | None, gps_ifd: bytes | None) -> None:
    tags = read_exif(tiff, exif_ifd, gps_ifd)
    assert all(isinstance(p, str) for p in tags.problems)
    _extract(Container(format="tiff", exif=tiff, exif_ifd=exif_ifd, gps_ifd=gps_ifd))


@PROPERTY
@given(st.binary(max_size=300))
def test_exif_reader_on_any_bytes(data: bytes) -> None:
    read_exif(data)
    read_exif(b"II*\x00" + data)
    read_exif(b"MM\x00*" + data, data, data)


@PROPERTY
@given(xmp_packets(), st.one_of(st.none(), iptc_blocks()))
def test_xmp_and_iptc_readers_never_raise_and_their_facts_fit(xmp: bytes, iptc: bytes | None) -> None:
    user = read_user_fields(xmp, iptc)
    assert all(isinstance(p, str) for p in user.problems)
    _extract(Container(format="jpeg", width=10, height=10, xmp=xmp, iptc=iptc))


@PROPERTY
@given(st.binary(max_size=400), st.binary(max_size=200))
def test_xmp_and_iptc_readers_on_any_bytes(xmp: bytes, iptc: bytes) -> None:
    read_user_fields(b"<x:xmpmeta>Rating " + xmp + b"</x:xmpmeta>", iptc)
    read_user_fields(xmp, b"\x1c\x02\x05" + iptc)


@PROPERTY
@given(boxes())
def test_isobmff_reader_returns_or_says_not_an_image(data: bytes) -> None:
    try:
        c = read_isobmff(data)
    except NotAnImage:
        return
    assert all(isinstance(p, str) for p in c.problems)
    _extract(c)


@PROPERTY
@given(
    st.sampled_from(
        [
            b"\xff\xd8\xff",
            b"\x89PNG\r\n\x1a\n",
            b"RIFF\x00\x00\x00\x00WEBP",
            b"GIF89a",
            b"II*\x00",
            b"MM\x00*",
            b"IIRO",
            b"FUJIFILMCCD-RAW ",
            b"\x00\x00\x00\x14ftypheic",
        ]
    ),
    st.binary(max_size=300),
    st.sampled_from([".jpg", ".png", ".heic", ".tif", ".mp4", ""]),
)
def test_every_container_reader_returns_or_says_not_an_image(magic: bytes, rest: bytes, ext: str) -> None:
    try:
        c = read_container(magic + rest, ext)
    except NotAnImage:
        return
    _extract(c)


def test_what_extract_returns_can_be_written(tmp_path: Any) -> None:
    """The column checks above are the catalog's: a PhotoMeta that passes them is written."""
    db = Database.open(tmp_path / "c.db")
    m = _extract(
        Container(
            format="jpeg",
            width=1 << 31,
            height=1,
            xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">'
            b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description'
            b' xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="9223372036854775808"/></rdf:RDF>'
            b"</x:xmpmeta>",
        )
    )
    assert m.rating is None
    db.conn.execute(
        "INSERT INTO photos (hash, format, kind, size, width, height, rating, metadata_version, created_at)"
        " VALUES ('h', 'jpeg', 'photo', 1, ?, ?, ?, 1, 'now')",
        (m.width, m.height, m.rating),
    )
    with pytest.raises(OverflowError):  # what the scan met before values were validated
        db.conn.execute(
            "INSERT INTO photos (hash, format, kind, size, rating, metadata_version, created_at)"
            " VALUES ('h2', 'jpeg', 'photo', 1, ?, 1, 'now')",
            (1 << 63,),
        )
    db.close()
