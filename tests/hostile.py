"""Hostile files, built in code: what a careless camera, a broken copy or an attacker hands camroll.

``build_corpus`` writes a few hundred of them into a folder (truncations of real photos at several
offsets, IFD and box loops, oversize boxes, zip and pixel bombs, lying extensions, empty files,
odd names) and returns what a scan must say of each: read, or refused with a reason.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import piexif
from PIL import Image

GOOD_JPEG = "exif/photoprism/IMG_4120.JPG"


def chunk(kind: bytes, body: bytes) -> bytes:
    """One PNG chunk with its CRC."""
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(width: int = 16, height: int = 16, *extra: bytes, idat: bytes | None = None) -> bytes:
    """A PNG whose IHDR says ``width`` x ``height`` (for a large one the pixel data is cut short:
    a bomb's header is what matters), with ``extra`` chunks before its image data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"\x00" * (1 + 3 * width) * min(height, 64) if width * height <= 1 << 20 else b"\x00" * 64
    data = zlib.compress(rows) if idat is None else idat
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + b"".join(extra) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def zeros_deflated(expanded: int) -> bytes:
    """A zlib stream of ``expanded`` zero bytes (about expanded / 1000 bytes long), built in
    pieces so the test never holds the expanded bytes."""
    z = zlib.compressobj(9)
    block = b"\x00" * (1 << 20)
    parts = [z.compress(block) for _ in range(expanded >> 20)]
    parts.append(z.compress(b"\x00" * (expanded & ((1 << 20) - 1))))
    parts.append(z.flush())
    return b"".join(parts)


def xmp_itxt(packet: bytes, compressed: bool) -> bytes:
    """An iTXt chunk holding an XMP packet, as Adobe writes it in PNG."""
    flag = b"\x01\x00" if compressed else b"\x00\x00"
    return chunk(b"iTXt", b"XML:com.adobe.xmp\x00" + flag + b"\x00\x00" + packet)


def exif_ztxt(deflated: bytes) -> bytes:
    """A zTXt chunk with ImageMagick's "Raw profile type exif" keyword."""
    return chunk(b"zTXt", b"Raw profile type exif\x00\x00" + deflated)


def jpeg(exif: dict[str, Any] | None = None, size: tuple[int, int] = (64, 48), xmp: bytes | None = None) -> bytes:
    """A real JPEG (a gradient) with an EXIF block built by piexif and, optionally, an XMP packet."""
    img = Image.linear_gradient("L").resize(size).convert("RGB")
    buf = io.BytesIO()
    if exif is None:
        img.save(buf, "JPEG")
    else:
        img.save(buf, "JPEG", exif=piexif.dump({"0th": {}, "Exif": {}, "GPS": {}, "1st": {}, **exif}))
    data = buf.getvalue()
    if xmp is not None:
        data = insert_segment(data, 0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + xmp)
    return data


def insert_segment(data: bytes, marker: int, payload: bytes) -> bytes:
    """``data`` (a JPEG) with one more segment right after its SOI."""
    return data[:2] + bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload + data[2:]


def xmp_packet(**fields: str) -> bytes:
    """An XMP packet with the given ``prefix:Name`` attributes (written ``prefix_Name=``)."""
    attrs = " ".join(f'{k.replace("_", ":", 1)}="{v}"' for k, v in fields.items())
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        f' xmlns:exif="http://ns.adobe.com/exif/1.0/" {attrs}/></rdf:RDF></x:xmpmeta>'
    ).encode()


def tiff(entries: list[tuple[int, int, int, bytes]], ifd_at: int = 8, tail: bytes = b"") -> bytes:
    """A little-endian TIFF whose IFD0 (at ``ifd_at``) holds ``entries`` of (tag, type, count,
    4-byte value or offset), followed by ``tail``."""
    head = b"II*\x00" + struct.pack("<I", ifd_at)
    head += b"\x00" * (ifd_at - len(head))
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHI4s", *e) for e in entries) + b"\x00" * 4
    return head + ifd + tail


def ifd_loop() -> bytes:
    """A TIFF whose Exif and GPS IFD pointers both point back at IFD0, and whose next-IFD link
    points at itself."""
    entries = [(0x010F, 2, 4, b"Cam\x00"), (0x8769, 4, 1, struct.pack("<I", 8)), (0x8825, 4, 1, struct.pack("<I", 8))]
    data = bytearray(tiff(entries))
    data[-4:] = struct.pack("<I", 8)
    return bytes(data)


def box(typ: bytes, *parts: bytes, size: int | None = None) -> bytes:
    body = b"".join(parts)
    return struct.pack(">I4s", 8 + len(body) if size is None else size, typ) + body


def isobmff_cases() -> dict[str, bytes]:
    """Box trees that loop, lie about their size or nest too deep."""
    ftyp_heic = box(b"ftyp", b"heic", b"\0\0\0\0", b"mif1heic")
    ftyp_mp4 = box(b"ftyp", b"isom", b"\0\0\0\0", b"isommp41")
    deep = b""
    for _ in range(200):
        deep = box(b"meta", b"\0\0\0\0", deep)
    return {
        "box-zero-size-loop.heic": ftyp_heic + box(b"meta", size=0) + b"\0" * 8,
        "box-size-under-header.heic": ftyp_heic + struct.pack(">I4s", 4, b"meta") + b"\0" * 32,
        "box-64bit-huge.mp4": ftyp_mp4 + struct.pack(">I4sQ", 1, b"moov", 1 << 62) + b"\0" * 32,
        "box-oversize.mp4": ftyp_mp4 + box(b"moov", box(b"mvhd", b"\0" * 100, size=0x7FFFFFFF)),
        "box-deep.heic": ftyp_heic + deep,
        "iloc-many-extents.heic": ftyp_heic
        + box(
            b"meta",
            b"\0\0\0\0",
            box(b"pitm", b"\0\0\0\0\0\x01"),
            box(b"iinf", b"\0\0\0\0\0\x01", box(b"infe", b"\x02\0\0\0\0\x02\0\0Exif")),
            box(b"iloc", b"\x01\0\0\0\x44\0\0\x01\0\x02\0\0\0\0\xff\xff" + struct.pack(">II", 0, 0) * 0xFFFF),
        ),
        "ipma-count-huge.heic": ftyp_heic
        + box(
            b"meta",
            b"\0\0\0\0",
            box(b"pitm", b"\0\0\0\0\0\x01"),
            box(b"iprp", box(b"ipco"), box(b"ipma", b"\0\0\0\0\xff\xff\xff\xff\0\x01\xff")),
        ),
    }


@dataclass
class Expect:
    """What a scan must say of one file of the corpus."""

    read: bool | None
    """True: catalogued (state ok or problem); False: failed, named with a reason; None: either
    (a cut file may keep its metadata), but named with a reason if it failed."""
    words: tuple[str, ...] = ()
    """Words one of its errors must hold (lowercase)."""


def truncations(data: bytes, name: str, ext: str) -> dict[str, bytes]:
    """``data`` cut at several offsets: inside the header, in the metadata, in the middle, near the end."""
    cuts = sorted(
        {
            1,
            3,
            7,
            12,
            16,
            20,
            24,
            33,
            40,
            64,
            100,
            150,
            257,
            400,
            1000,
            2000,
            4096,
            10_000,
            len(data) // 4,
            len(data) // 3,
            len(data) // 2,
            len(data) - 100,
            len(data) - 2,
        }
    )
    return {f"cut-{name}-{n}{ext}": data[:n] for n in cuts if 0 < n < len(data)}


def corruptions(data: bytes, name: str, ext: str) -> dict[str, bytes]:
    """``data`` with bytes of its header and metadata overwritten (sizes, offsets, counts become
    0 or 0xFF...): the structure lies while the file keeps its length."""
    out = {}
    for at in (4, 8, 12, 20, 30, 44, 60, 100, 180, 300):
        if at + 4 < len(data):
            for fill in (b"\xff\xff\xff\xff", b"\x00\x00\x00\x00"):
                out[f"flip-{name}-{at}-{fill[0]:02x}{ext}"] = data[:at] + fill + data[at + 4 :]
    return out


def build_corpus(folder: Path, photos_dir: Path, movie: Callable[[], bytes]) -> dict[str, Expect]:
    """Write the corpus into ``folder``; return the expectation for each file name written.

    Truncated files may be catalogued (a cut JPEG still has its metadata) or refused; either way
    the scan must end and name each one. ``read=False`` files must be refused."""
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Expect] = {}
    files: dict[str, bytes] = {}
    unsure: set[str] = set()

    sources = {
        "jpeg": (photos_dir / GOOD_JPEG, ".jpg"),
        "png": (photos_dir / "exif/exifr/png_with_exif_and_gps.png", ".png"),
    }
    for ext, kind in ((".heic", "heic"), (".tiff", "tiff"), (".tif", "tiff"), (".webp", "webp")):
        found = sorted(p for p in photos_dir.rglob(f"*{ext}") if p.stat().st_size < 4 << 20)
        if found:
            sources.setdefault(kind, (found[0], ext))
    mp4 = movie()
    for kind, (path, ext) in sources.items():
        data = path.read_bytes()
        files[f"good-{kind}{ext}"] = data
        out[f"good-{kind}{ext}"] = Expect(True)
        for name, cut in {**truncations(data, kind, ext), **corruptions(data, kind, ext)}.items():
            files[name] = cut
            unsure.add(name)
    files["good-movie.mp4"] = mp4
    out["good-movie.mp4"] = Expect(True)
    for name, cut in {**truncations(mp4, "movie", ".mp4"), **corruptions(mp4, "movie", ".mp4")}.items():
        files[name] = cut
        unsure.add(name)

    good = files["good-jpeg.jpg"]
    refused = {
        "empty.jpg": (b"", ("empty",)),
        "empty.mp4": (b"", ("empty",)),
        "text-named.jpg": (b"shopping list: milk, eggs\n", ("plain text",)),
        "pdf-named.png": (b"%PDF-1.4\n" + b"\0" * 100, ("pdf",)),
        "zip-named.heic": (b"PK\x03\x04" + b"\0" * 100, ("zip",)),
        "html-named.webp": (b"<html><body>hi</body></html>", ("html",)),
        "random-bytes.tiff": (bytes(range(256)) * 4, ("unknown content",)),
        "one-byte.jpg": (b"\xff", ("unknown content",)),
    }
    for name, (data, words) in refused.items():
        files[name] = data
        out[name] = Expect(False, words)
    read_with_note = {
        "png-named.jpg": (files["good-png.png"], ("does not match",)),
        "jpeg-named.png": (good, ("does not match",)),
        "ifd-loop.tif": (ifd_loop(), ()),
        "exif-offsets-outside.jpg": (
            insert_segment(good, 0xE1, b"Exif\x00\x00II*\x00" + struct.pack("<I", 0x7FFFFFF0) + os.urandom(40)),
            ("exif",),
        ),
        "pixel-bomb.png": (png(60_000, 60_000), ("decompression bomb",)),
        "pixel-bomb-wide.png": (png(4_000_000, 100), ("decompression bomb",)),
        "xmp-rating-overflow.jpg": (jpeg(xmp=xmp_packet(xmp_Rating="9223372036854775808")), ("rating",)),
        "xmp-rating-inf.jpg": (jpeg(xmp=xmp_packet(xmp_Rating="1e999")), ("rating",)),
        "xmp-malformed.jpg": (jpeg(xmp=b"<x:xmpmeta><rdf:RDF><oops"), ("xmp",)),
        "xmp-entity-bomb.jpg": (
            jpeg(
                xmp=b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
                b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' + xmp_packet(dc_title="&b;")
            ),
            ("xmp",),
        ),
        "itxt-garbage.png": (png(16, 16, xmp_itxt(b"not zlib at all", compressed=True)), ("text chunk",)),
        "gps-ref-x.jpg": (
            jpeg({"GPS": {1: b"X", 2: ((10, 1), (0, 1), (0, 1)), 3: b"E", 4: ((20, 1), (0, 1), (0, 1))}}),
            ("gps",),
        ),
        "date-year-1.jpg": (jpeg({"Exif": {36867: b"0001:01:01 00:00:00", 36881: b"+14:00"}}), ("before 1826",)),
        "date-year-9999.jpg": (jpeg({"Exif": {36867: b"9999:12:31 23:59:59", 36881: b"-12:00"}}), ("future",)),
        "tiff-no-size.tif": (tiff([(0x010F, 2, 4, b"Cam\x00")]), ("size",)),
    }
    for name, (data, words) in read_with_note.items():
        files[name] = data
        out[name] = Expect(True, words)
    for name, data in isobmff_cases().items():
        files[name] = data
        unsure.add(name)
    # Odd names: a newline, bytes that are not UTF-8, a name at the file system's limit.
    odd = {
        b"new\nline.jpg": good,
        b"caf\xe9-latin1.jpg": good,
        b"x" * 251 + b".jpg": good,
        b"tab\tand\x1b[31mred.jpg": good,
    }
    for raw, data in odd.items():
        _write_raw(folder, raw, data)
        out[os.fsdecode(raw)] = Expect(True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
        if name in unsure:
            out[name] = Expect(None)
    return out


def _write_raw(folder: Path, raw: bytes, data: bytes) -> None:
    with open(os.path.join(os.fsencode(folder), raw), "wb") as f:
        f.write(data)
