"""Tests for camroll.library.isobmff: real HEIC files checked against exiftool, HEIF/AVIF made
with pillow_heif and Pillow, and MP4/MOV/CR3/HEIF files assembled box by box, then cut and
mutated to prove the reader never raises on malformed input."""

from __future__ import annotations

import io
import json
import random
import struct
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, features

from camroll.library.container import Container, NotAnImage
from camroll.library.isobmff import is_isobmff, parse_iso6709, read_isobmff

PHOTOS = (Path(__file__).resolve().parent / "data" / "photos").resolve()  # as in conftest
TIFF_MAGICS = (b"II*\x00", b"MM\x00*")
EPOCH_1904 = datetime(1904, 1, 1, tzinfo=UTC)
CANON_UUID = bytes.fromhex("85c0b687820f11e08111f4ce462b6a48")
XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'

# --- box builders ---------------------------------------------------------------------------


def box(typ: bytes, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return struct.pack(">I4s", 8 + len(body), typ) + body


def full(typ: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    return box(typ, struct.pack(">I", version << 24 | flags), *parts)


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    return box(b"ftyp", major, b"\0\0\0\0", *compatible)


def hdlr(handler: bytes) -> bytes:
    return full(b"hdlr", 0, 0, b"\0" * 4, handler, b"\0" * 12, b"\0")


def exif_tiff(**tags: Any) -> bytes:
    """A TIFF block made by Pillow: keyword names are EXIF tag numbers like t271 (Make)."""
    exif = Image.Exif()
    for name, value in tags.items():
        exif[int(name[1:])] = value
    data = exif.tobytes()
    assert data.startswith(b"Exif\0\0")
    return data[6:]


# --- movies ---------------------------------------------------------------------------------

MATRICES = {
    0: (1, 0, 0, 1),
    90: (0, 1, -1, 0),
    180: (-1, 0, 0, -1),
    270: (0, -1, 1, 0),
}


def mvhd(version: int, created: int, timescale: int, duration: int) -> bytes:
    times = (
        struct.pack(">QQIQ", created, created, timescale, duration)
        if version == 1
        else struct.pack(">IIII", created, created, timescale, duration)
    )
    return full(b"mvhd", version, 0, times, b"\0" * 80)


def tkhd(version: int, rotation: int, width: float, height: float) -> bytes:
    ids = struct.pack(">QQIIQ", 1, 1, 1, 0, 99) if version == 1 else struct.pack(">5I", 1, 1, 1, 0, 99)
    a, b, c, d = (v * 0x10000 for v in MATRICES[rotation])
    matrix = struct.pack(">9i", a, b, 0, c, d, 0, 0, 0, 0x40000000)
    size = struct.pack(">II", int(width * 65536), int(height * 65536))
    return full(b"tkhd", version, 3, ids, b"\0" * 16, matrix, size)


def trak(handler: bytes, header: bytes) -> bytes:
    return box(b"trak", header, box(b"mdia", hdlr(handler)))


def udta_text(typ: bytes, text: str) -> bytes:
    raw = text.encode()
    return box(typ, struct.pack(">HH", len(raw), 0x15C7), raw)


def keys_meta(tags: dict[str, str], iso: bool) -> bytes:
    """Apple metadata: ``keys`` names the tags, ``ilst`` holds one ``data`` atom per key."""
    keys = b"".join(struct.pack(">I4s", 8 + len(k), b"mdta") + k.encode() for k in tags)
    items = [
        box(struct.pack(">I", i), box(b"data", struct.pack(">II", 1, 0), v.encode()))
        for i, v in enumerate(tags.values(), 1)
    ]
    children = (
        hdlr(b"mdta"),
        full(b"keys", 0, 0, struct.pack(">I", len(tags)), keys),
        box(b"ilst", *items),
    )
    return full(b"meta", 0, 0, *children) if iso else box(b"meta", *children)


def movie(
    brand: bytes = b"isom",
    version: int = 0,
    created: datetime = datetime(2021, 6, 1, 12, 0, 0, tzinfo=UTC),
    rotation: int = 90,
    udta: tuple[bytes, ...] = (),
    tags: dict[str, str] | None = None,
    iso_meta: bool = False,
    tail: tuple[bytes, ...] = (),
) -> bytes:
    seconds = int((created - EPOCH_1904).total_seconds())
    moov = [
        mvhd(version, seconds, 600, 7407),  # 12.345 s
        trak(b"soun", tkhd(version, 0, 0, 0)),  # an audio track first: it must be skipped
        trak(b"vide", tkhd(version, rotation, 1920, 1080)),
    ]
    if udta:
        moov.append(box(b"udta", *udta))
    if tags:
        moov.append(keys_meta(tags, iso_meta))
    return ftyp(brand, brand, b"mp41") + box(b"moov", *moov) + box(b"mdat", b"\0" * 64) + b"".join(tail)


APPLE_TAGS = {
    "com.apple.quicktime.location.ISO6709": "+48.8584+002.2945+035.000/",
    "com.apple.quicktime.make": "Apple",
    "com.apple.quicktime.model": "iPhone 12",
    "com.apple.quicktime.creationdate": "2019-05-12T16:04:33+0200",
}


def test_mp4_all_fields() -> None:
    data = movie(udta=(udta_text(b"\xa9xyz", "+38.7223-009.1393+012.500/"),))
    c = read_isobmff(data)
    assert (c.format, c.kind) == ("mp4", "video")
    assert c.created == datetime(2021, 6, 1, 12, 0, 0, tzinfo=UTC)
    assert c.duration == pytest.approx(12.345)
    assert c.container_rotation == 90
    assert not c.container_mirror
    assert (c.width, c.height) == (1920, 1080)  # stored size, before the 90-degree matrix
    assert c.gps == pytest.approx((38.7223, -9.1393, 12.5))
    assert c.exif is None and c.created_local is None and c.make is None
    assert not c.truncated and c.problems == []


@pytest.mark.parametrize("iso_meta", [False, True])
def test_mov_v1_with_apple_keys(iso_meta: bool) -> None:
    created = datetime(2019, 5, 12, 14, 4, 33, tzinfo=UTC)
    data = movie(b"qt  ", 1, created, 270, tags=APPLE_TAGS, iso_meta=iso_meta)
    c = read_isobmff(data)
    assert (c.format, c.kind) == ("mov", "video")
    assert c.created == created
    assert c.duration == pytest.approx(12.345)
    assert c.container_rotation == 270
    assert (c.width, c.height) == (1920, 1080)
    assert c.gps == pytest.approx((48.8584, 2.2945, 35.0))
    assert c.created_local == "2019-05-12T16:04:33+0200"
    assert (c.make, c.model) == ("Apple", "iPhone 12")
    assert c.problems == []


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_track_matrix_rotation(rotation: int) -> None:
    assert read_isobmff(movie(rotation=rotation)).container_rotation == rotation


def test_unset_creation_time_and_xmp_places() -> None:
    data = movie(created=EPOCH_1904, udta=(box(b"XMP_", XMP),))
    c = read_isobmff(data)
    assert c.created is None
    assert c.xmp == XMP
    top = movie(tail=(box(b"uuid", XMP_UUID, XMP),))
    assert read_isobmff(top).xmp == XMP


def test_largesize_and_size_zero_boxes() -> None:
    big_mdat = struct.pack(">I4sQ", 1, b"mdat", 16 + 32) + b"\0" * 32
    to_end = struct.pack(">I4s", 0, b"mdat") + b"\0" * 100
    data = movie(tail=(big_mdat, to_end))
    c = read_isobmff(data)
    assert c.problems == [] and not c.truncated
    assert c.container_rotation == 90


def test_bad_box_sizes_are_notes_not_errors() -> None:
    head = ftyp(b"isom", b"isom")
    # udta claims 150 bytes, past its moov but not past the file: clamped, not truncated
    overlong = struct.pack(">I4s", 150, b"udta") + udta_text(b"\xa9xyz", "+10.0+020.0/")
    c = read_isobmff(head + box(b"moov", mvhd(0, 0, 1, 1), overlong) + box(b"mdat", b"\0" * 200))
    assert not c.truncated
    assert "box 'udta' runs past the end of the box that holds it" in c.problems
    assert c.gps == (10.0, 20.0, None)  # what it holds is still read
    impossible = head + box(b"moov", struct.pack(">I4s", 4, b"trak"), b"\0" * 16)
    c = read_isobmff(impossible)
    assert any("impossible size" in p for p in c.problems)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+38.7223-009.1393+012.500/", (38.7223, -9.1393, 12.5)),
        ("-33.8688+151.2093/", (-33.8688, 151.2093, None)),
        ("+4851.504+00217.770/", (48 + 51.504 / 60, 2 + 17.77 / 60, None)),
        (
            "+485130.24-0021746.2-010.5/",
            (48 + 51 / 60 + 30.24 / 3600, -(2 + 17 / 60 + 46.2 / 3600), -10.5),
        ),
        ("+90+180/", (90.0, 180.0, None)),
        ("-00.5000-000.2500CRSWGS_84/", (-0.5, -0.25, None)),
    ],
)
def test_iso6709(text: str, expected: tuple[float, float, float | None]) -> None:
    got = parse_iso6709(text)
    assert got is not None
    assert got[:2] == pytest.approx(expected[:2])
    assert got[2] == (pytest.approx(expected[2]) if expected[2] is not None else None)
    c = read_isobmff(movie(udta=(udta_text(b"\xa9xyz", text),)))
    assert c.gps == got


@pytest.mark.parametrize("text", ["+91.0000+000.0000/", "+48.85+200.0/", "+4875.0+00217.7/", "hello", ""])
def test_iso6709_rejects(text: str) -> None:
    assert parse_iso6709(text) is None
    c = read_isobmff(movie(udta=(udta_text(b"\xa9xyz", text),)))
    assert c.gps is None
    if text:
        assert any("ISO 6709" in p for p in c.problems)


def test_truncated_movie() -> None:
    data = movie(udta=(udta_text(b"\xa9xyz", "+38.7223-009.1393+012.500/"),), tags=APPLE_TAGS)
    moov_at = data.index(b"moov") - 4
    moov_size = struct.unpack_from(">I", data, moov_at)[0]
    cut = data[: moov_at + moov_size // 2]
    c = read_isobmff(cut)
    assert c.truncated
    assert "box 'moov' runs past the end of the file (truncated?)" in c.problems
    assert c.created == datetime(2021, 6, 1, 12, 0, 0, tzinfo=UTC)  # mvhd comes first, intact
    ends, pos = [], 0  # where each top-level box ends: a cut there cannot be noticed
    while pos < len(data):
        pos += struct.unpack_from(">I", data, pos)[0]
        ends.append(pos)
    for length in range(8, len(data)):  # every possible cut: never an exception
        c = read_isobmff(data[:length])
        assert c.format == "mp4"
        last_end = max(e for e in [0, *ends] if e <= length)
        # A cut 1-3 bytes into a box header reads like zero padding: not reported.
        invisible = length - last_end < 8 and not any(data[last_end:length])
        assert c.truncated != invisible, length


# --- format detection and rejection ---------------------------------------------------------


@pytest.mark.parametrize(
    ("major", "compatible", "fmt", "kind"),
    [
        (b"heic", (b"mif1", b"heic"), "heic", "photo"),
        (b"heix", (), "heic", "photo"),
        (b"mif1", (b"heic",), "heic", "photo"),
        (b"mif1", (b"avif", b"miaf"), "avif", "photo"),
        (b"msf1", (b"hevc",), "heic", "photo"),
        (b"avif", (b"mif1",), "avif", "photo"),
        (b"avis", (), "avif", "photo"),
        (b"crx ", (b"isom",), "cr3", "photo"),
        (b"qt  ", (b"qt  ",), "mov", "video"),
        (b"isom", (b"iso2", b"avc1", b"mp41"), "mp4", "video"),
        (b"mp42", (), "mp4", "video"),
        (b"M4V ", (b"M4V ", b"mp42"), "mp4", "video"),
        (b"3gp4", (b"3gp4",), "mp4", "video"),
    ],
)
def test_format_from_brands(major: bytes, compatible: tuple[bytes, ...], fmt: str, kind: str) -> None:
    head = ftyp(major, *compatible)
    assert is_isobmff(head)
    c = read_isobmff(head)
    assert (c.format, c.kind) == (fmt, kind)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"ftyp",
        b"\xff\xd8\xff\xe0\0\x10JFIF\0",
        b"GIF89a" + b"\0" * 20,
        box(b"moov", b"\0" * 8),
    ],
)
def test_not_isobmff(data: bytes) -> None:
    assert not is_isobmff(data)
    with pytest.raises(NotAnImage):
        read_isobmff(data)


def test_is_isobmff_box_size_sanity() -> None:
    assert is_isobmff(ftyp(b"isom", b"isom"))
    assert not is_isobmff(struct.pack(">I4s", 4, b"ftyp") + b"isom")
    assert not is_isobmff(struct.pack(">I4s", 1 << 20, b"ftyp") + b"isom")


# --- HEIF built box by box ------------------------------------------------------------------


def heif(wide: bool, exif_offset: int = 6, exif_prefix: bytes = b"Exif\0\0") -> tuple[bytes, bytes]:
    """A HEIF whose primary item (a grid) has ispe 4000x3000, irot 1 (90 degrees anticlockwise)
    and imir; a decoy EXIF item describes a tile, the real one (in ``idat``, split in two
    extents) describes the primary. ``wide`` uses 32-bit ids and 8-byte iloc fields throughout.
    Returns (file, the real EXIF's TIFF block)."""
    ids = (
        {"grid": 70001, "tile": 70002, "decoy": 70003, "exif": 70004, "xmp": 70005}
        if wide
        else {"grid": 1, "tile": 2, "decoy": 3, "exif": 4, "xmp": 5}
    )
    idf = ">I" if wide else ">H"
    tiff = exif_tiff(t271="RealMake", t272="RealModel")
    decoy = b"\0\0\0\x06Exif\0\0" + exif_tiff(t271="DecoyMake")
    real = struct.pack(">I", exif_offset) + exif_prefix + tiff
    tile, xmp = b"\x11" * 40, XMP

    def infe(item: int, typ: bytes, extra: bytes = b"") -> bytes:
        return full(b"infe", 3 if wide else 2, 0, struct.pack(idf + "H", item, 0), typ, b"name\0", extra)

    def ref(typ: bytes, src: int, *dst: int) -> bytes:
        return box(typ, struct.pack(idf + "H", src, len(dst)), *(struct.pack(idf, d) for d in dst))

    def ipma_entry(item: int, *props: int) -> bytes:
        packed = b"".join(struct.pack(">H" if wide else ">B", p) for p in props)
        return struct.pack(idf + "B", item, len(props)) + packed

    def build(mdat_at: int) -> bytes:
        # mdat payload: tile, decoy exif, xmp
        v = 2 if wide else 1
        osz, lsz, bsz, isz = (8, 8, 8, 4) if wide else (4, 4, 4, 0)

        def num(size: int, value: int) -> bytes:
            return value.to_bytes(size, "big") if size else b""

        def loc(item: int, method: int, base: int, extents: list[tuple[int, int]]) -> bytes:
            out = struct.pack(idf, item) + struct.pack(">HH", method, 0) + num(bsz, base)
            out += struct.pack(">H", len(extents))
            return out + b"".join(num(isz, 0) + num(osz, o) + num(lsz, n) for o, n in extents)

        locs = [
            loc(ids["tile"], 0, 0, [(mdat_at, len(tile))]),
            loc(ids["decoy"], 0, mdat_at, [(len(tile), len(decoy))]),
            loc(ids["exif"], 1, 0, [(0, 10), (10, len(real) - 10)]),
            loc(ids["xmp"], 0, mdat_at + len(tile) + len(decoy), [(0, 0 if wide else len(xmp))]),  # 0: to the end
        ]
        count = struct.pack(">I" if wide else ">H", len(locs))
        iloc = full(b"iloc", v, 0, bytes([osz << 4 | lsz, bsz << 4 | isz]), count, *locs)
        ipco = box(
            b"ipco",
            full(b"ispe", 0, 0, struct.pack(">II", 4000, 3000)),
            full(b"ispe", 0, 0, struct.pack(">II", 512, 512)),
            box(b"irot", b"\x01"),
            box(b"imir", b"\x00"),
        )
        assoc = [
            ipma_entry(ids["tile"], 2),
            ipma_entry(ids["grid"], 1, 0x8003 if wide else 0x83, 4),
        ]
        ipma = full(b"ipma", 1 if wide else 0, 1 if wide else 0, struct.pack(">I", len(assoc)), *assoc)
        items = [
            infe(ids["grid"], b"grid"),
            infe(ids["tile"], b"hvc1"),
            infe(ids["decoy"], b"Exif"),
            infe(ids["exif"], b"Exif"),
            infe(ids["xmp"], b"mime", b"application/rdf+xml\0"),
        ]
        meta = full(
            b"meta",
            0,
            0,
            hdlr(b"pict"),
            full(b"pitm", 1 if wide else 0, 0, struct.pack(idf, ids["grid"])),
            full(
                b"iinf",
                1 if wide else 0,
                0,
                struct.pack(">I" if wide else ">H", len(items)),
                *items,
            ),
            full(
                b"iref",
                1 if wide else 0,
                0,
                ref(b"dimg", ids["grid"], ids["tile"]),
                ref(b"cdsc", ids["decoy"], ids["tile"]),
                ref(b"cdsc", ids["exif"], ids["grid"]),
            ),
            box(b"iprp", ipco, ipma),
            iloc,
            box(b"idat", real),
        )
        return ftyp(b"heic", b"mif1", b"heic") + meta + box(b"mdat", tile, decoy, xmp)

    draft = build(0)
    mdat_at = len(draft) - (len(tile) + len(decoy) + len(xmp))
    return build(mdat_at), tiff


@pytest.mark.parametrize("wide", [False, True])
def test_heif_built(wide: bool) -> None:
    data, tiff = heif(wide)
    c = read_isobmff(data)
    assert (c.format, c.kind) == ("heic", "photo")
    assert (c.width, c.height) == (4000, 3000)  # the grid's ispe, not the tile's
    assert c.container_rotation == 270  # irot 1 = 90 anticlockwise = 270 clockwise
    assert c.container_mirror
    assert c.exif == tiff  # the item that describes the primary, both extents joined
    assert c.xmp == XMP
    assert c.problems == [] and not c.truncated


@pytest.mark.parametrize(
    ("offset", "prefix"),
    [
        (0, b""),  # a right offset of 0: no "Exif\0\0" at all
        (6, b""),  # wrong: says 6 but the TIFF header follows at once; found by its magic
        (0, b"Exif\0\0"),  # wrong the other way
        (0xFFFFFFF0, b"Exif\0\0"),  # absurd
    ],
)
def test_heif_exif_offset(offset: int, prefix: bytes) -> None:
    data, tiff = heif(False, exif_offset=offset, exif_prefix=prefix)
    c = read_isobmff(data)
    assert c.exif == tiff
    assert c.problems == []


def test_heif_exif_without_tiff() -> None:
    data, _ = heif(False, exif_prefix=b"Exif\0\0" + b"\0" * 80)  # magic pushed out of reach
    c = read_isobmff(data)
    assert c.exif is None
    assert "the EXIF item does not hold a TIFF structure" in c.problems
    assert c.xmp == XMP and c.width == 4000  # the rest is still read


# --- HEIF / AVIF written by real encoders ---------------------------------------------------


def test_pillow_heif_roundtrip() -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "TestMake"
    exif[0x0110] = "TestModel"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, format="HEIF", exif=exif.tobytes(), xmp=XMP)
    c = read_isobmff(buf.getvalue())
    assert (c.format, c.kind) == ("heic", "photo")
    # libheif codes 64x64 (ispe) and crops to 64x48 with a clean aperture (clap).
    assert (c.width, c.height) == (64, 48)
    assert c.exif is not None and c.exif[:4] in TIFF_MAGICS
    assert b"TestMake" in c.exif and b"TestModel" in c.exif
    assert c.xmp is not None and b"xmpmeta" in c.xmp
    assert not c.truncated


def test_pillow_avif_roundtrip() -> None:
    assert features.check("avif"), "Pillow's wheel ships an AVIF encoder; this test needs it"
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "AvifMake"
    Image.new("RGB", (40, 30)).save(buf, format="AVIF", exif=exif.tobytes())
    c = read_isobmff(buf.getvalue())
    assert (c.format, c.kind) == ("avif", "photo")
    assert (c.width, c.height) == (40, 30)
    assert c.exif is not None and c.exif[:4] in TIFF_MAGICS and b"AvifMake" in c.exif


# --- CR3 ------------------------------------------------------------------------------------


def gps_tiff(lat: tuple[int, int, int], lon: tuple[int, int, int], ns: bytes, ew: bytes) -> bytes:
    """A GPS IFD as a TIFF block of its own, as Canon's CMT4 stores it (little-endian, by hand)."""
    entries = [(1, 2, 2, ns + b"\0\0\0"), (2, 5, 3, None), (3, 2, 2, ew + b"\0\0\0"), (4, 5, 3, None)]
    data_at = 8 + 2 + 12 * len(entries) + 4
    body, extra = b"", b""
    for tag, typ, count, inline in entries:
        if inline is None:
            values = lat if tag == 2 else lon
            inline = struct.pack("<I", data_at + len(extra))
            extra += b"".join(struct.pack("<II", v, 1) for v in values)
        body += struct.pack("<HHI", tag, typ, count) + inline
    return b"II*\0" + struct.pack("<I", 8) + struct.pack("<H", len(entries)) + body + b"\0\0\0\0" + extra


def test_cr3_built() -> None:
    cmt1 = exif_tiff(t271="Canon", t272="Canon EOS R5", t256=8192, t257=5464)
    cmt2 = exif_tiff(t36867="2021:06:01 12:00:00")
    cmt4 = gps_tiff((38, 43, 20), (9, 8, 21), b"N", b"W")
    canon = box(
        b"uuid",
        CANON_UUID,
        box(b"CNCV", b"CanonCR3_001/00.09.00/00.00.00"),
        box(b"CMT1", cmt1),
        box(b"CMT2", cmt2),
        box(b"CMT4", cmt4),
    )
    data = ftyp(b"crx ", b"crx ", b"isom") + box(b"moov", canon, mvhd(0, 1, 1, 1)) + box(b"mdat", b"\0" * 16)
    c = read_isobmff(data)
    assert (c.format, c.kind) == ("cr3", "photo")
    assert c.exif == cmt1
    assert (c.width, c.height) == (8192, 5464)
    assert c.created is None  # mvhd is a video field: not read for photos
    assert c.exif_ifd == cmt2 and c.gps_ifd == cmt4 and c.problems == []
    from camroll.library.metadata import extract

    meta = extract(c, "IMG_0001.CR3", 0.0)
    assert (meta.make, meta.model, meta.taken_at, meta.taken_at_source) == (
        "Canon",
        "Canon EOS R5",
        "2021-06-01T12:00:00",
        "exif:DateTimeOriginal",
    )
    assert meta.gps_lat == pytest.approx(38 + 43 / 60 + 20 / 3600) and meta.gps_lon == pytest.approx(
        -(9 + 8 / 60 + 21 / 3600)
    )


# --- real HEIC files against exiftool -------------------------------------------------------


def _heic_truth() -> list[dict[str, Any]]:
    path = PHOTOS / "exiftool.json"
    if not path.exists():
        return []
    entries: list[dict[str, Any]] = json.loads(path.read_text())
    return [e for e in entries if e["SourceFile"].lower().endswith((".heic", ".heif"))]


HEIC_TRUTH = _heic_truth()


@pytest.mark.photos
def test_real_heic_files_present() -> None:
    assert len(HEIC_TRUTH) >= 5, f"the HEIC test photos or exiftool.json are missing under {PHOTOS}"


@pytest.mark.photos
@pytest.mark.parametrize("truth", HEIC_TRUTH, ids=[e["SourceFile"] for e in HEIC_TRUTH])
def test_real_heic(truth: dict[str, Any]) -> None:
    data = (PHOTOS / truth["SourceFile"]).read_bytes()
    assert is_isobmff(data[:32])
    c = read_isobmff(data)
    assert (c.format, c.kind) == ("heic", "photo")
    assert c.problems == [] and not c.truncated
    # exiftool's File:ImageWidth/Height is the primary item's ispe: the stored size, before
    # irot (iphone_15_pro.heic: 4032x3024 with a 270 Rotation and EXIF Orientation 6).
    assert (c.width, c.height) == (truth["File:ImageWidth"], truth["File:ImageHeight"])
    if "EXIF:Make" in truth:
        assert c.exif is not None and c.exif[:4] in TIFF_MAGICS
        assert truth["EXIF:Make"].encode() in c.exif
        assert truth["EXIF:Model"].encode() in c.exif
    if "XMP:Orientation" in truth:
        assert c.xmp is not None and b"xmpmeta" in c.xmp
    # exiftool -n prints irot as its raw steps times 90, i.e. degrees ANTICLOCKWISE; camroll
    # stores clockwise. No irot at all -> None (exiftool prints no Rotation either).
    rotation = truth.get("QuickTime:Rotation")
    assert c.container_rotation == (None if rotation is None else (360 - rotation) % 360)
    # Where Apple wrote both, irot and EXIF Orientation agree (6 = rotate 90 clockwise).
    orientation = {1: 0, 3: 180, 6: 90, 8: 270}.get(truth.get("EXIF:Orientation", 0))
    if rotation is not None and orientation is not None:
        assert c.container_rotation == orientation


@pytest.mark.photos
def test_real_heic_truncated() -> None:
    data = (PHOTOS / HEIC_TRUTH[0]["SourceFile"]).read_bytes()
    meta_at = data.index(b"meta") - 4
    meta_size = struct.unpack_from(">I", data, meta_at)[0]
    c = read_isobmff(data[: meta_at + meta_size // 2])
    assert c.truncated
    assert any("'meta'" in p for p in c.problems)


# --- fuzzing --------------------------------------------------------------------------------


def _mutate(rng: random.Random, data: bytes, keep: int) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        choice = rng.random()
        if choice < 0.5 and len(out) > keep:  # overwrite a few bytes
            at = rng.randrange(keep, len(out))
            out[at : at + rng.randint(1, 4)] = rng.randbytes(rng.randint(1, 4))
        elif choice < 0.65:  # a box size set to something odd
            at = rng.randrange(keep, max(keep + 1, len(out) - 4))
            out[at : at + 4] = struct.pack(">I", rng.choice([0, 1, 7, 8, 0xFFFFFFFF, rng.randrange(1 << 32)]))
        elif choice < 0.8:  # cut
            del out[rng.randrange(keep, len(out) + 1) :]
        else:  # insert random bytes
            at = rng.randrange(keep, len(out) + 1)
            out[at:at] = rng.randbytes(rng.randint(1, 16))
    return bytes(out)


def test_fuzz_never_raises() -> None:
    rng = random.Random(20240607)
    samples = [
        movie(
            udta=(udta_text(b"\xa9xyz", "+38.7223-009.1393+012.500/"), box(b"XMP_", XMP)),
            tags=APPLE_TAGS,
        ),
        movie(b"qt  ", 1, tags=APPLE_TAGS, iso_meta=True),
        heif(False)[0],
        heif(True)[0],
    ]
    if HEIC_TRUTH:
        real = (PHOTOS / HEIC_TRUTH[0]["SourceFile"]).read_bytes()
        samples.append(real[:8192])  # the meta box of a real file; the image data is cut off
    for sample in samples:
        keep = struct.unpack_from(">I", sample, 0)[0]  # leave the ftyp box intact
        for _ in range(150):
            mutated = _mutate(rng, sample, keep)
            try:
                c = read_isobmff(mutated)
            except NotAnImage:
                continue
            assert isinstance(c, Container)
            assert c.format in {"heic", "avif", "cr3", "mp4", "mov"}
            assert all(isinstance(p, str) and p for p in c.problems)
