"""Recognise a file by its content and read its container, without decoding pixels.

The extension is only a hint: a PNG named ``.jpg`` is read as a PNG (and the lie is reported),
a text file named ``.jpg`` is refused with a clear reason. Each reader walks the segments, chunks
or boxes of its format, keeps the metadata blocks, the stored pixel size, and whether the file
ends where its own structure says it should. Pixels are decoded later, once, by the analysis
pipeline, and only for photos with consent to analyse them.
"""

from __future__ import annotations

import struct
import zlib

from camroll import thresholds
from camroll.library.container import Container, NotAnImage
from camroll.library.isobmff import is_isobmff, read_isobmff

PHOTO_EXTENSIONS = {
    ".jpg",
    ".jpeg",
    ".jpe",
    ".jfif",
    ".png",
    ".webp",
    ".gif",
    ".tif",
    ".tiff",
    ".heic",
    ".heif",
    ".hif",
    ".avif",
    ".dng",
    ".cr2",
    ".cr3",
    ".nef",
    ".nrw",
    ".arw",
    ".srw",
    ".orf",
    ".rw2",
    ".raf",
    ".pef",
}
VIDEO_EXTENSIONS = {".mp4", ".mov", ".m4v", ".3gp", ".qt"}
MEDIA_EXTENSIONS = PHOTO_EXTENSIONS | VIDEO_EXTENSIONS

# Formats a file with this extension may honestly contain (RAW files are TIFF inside, and so on).
_COMPATIBLE = {
    "jpeg": {".jpg", ".jpeg", ".jpe", ".jfif"},
    "png": {".png"},
    "webp": {".webp"},
    "gif": {".gif"},
    "tiff": {".tif", ".tiff", ".dng", ".cr2", ".nef", ".nrw", ".arw", ".srw", ".pef"},
    "orf": {".orf"},
    "rw2": {".rw2"},
    "raf": {".raf"},
    "heic": {".heic", ".heif", ".hif"},
    "avif": {".avif", ".heif"},
    "cr3": {".cr3"},
    "mp4": {".mp4", ".m4v", ".3gp", ".mov"},
    "mov": {".mov", ".qt", ".mp4"},
}
_RAW_BY_EXTENSION = {
    ".dng": "dng",
    ".cr2": "cr2",
    ".nef": "nef",
    ".nrw": "nef",
    ".arw": "arw",
    ".srw": "srw",
    ".pef": "pef",
}


def read_container(data: bytes, extension: str = "") -> Container:
    """Identify ``data`` by content and read its container. Raises :class:`NotAnImage`."""
    if not data:
        raise NotAnImage("empty file (0 bytes)")
    head = bytes(data[:16])
    try:
        c = _read_by_content(data, head, extension)
    except (struct.error, IndexError, ValueError, OverflowError) as e:
        if isinstance(e, NotAnImage):
            raise
        # A reader met a structure it did not bound-check: the file is still named, with why.
        raise NotAnImage(f"the file's structure is corrupt ({type(e).__name__}: {e})") from e
    if extension and extension.lower() in MEDIA_EXTENSIONS:
        family = "tiff" if c.format in ("dng", "cr2", "nef", "arw", "srw", "pef") else c.format
        if extension.lower() not in _COMPATIBLE.get(family, set()):
            c.problems.append(
                f"extension {extension} does not match the content ({c.format.upper()}); read as {c.format.upper()}"
            )
    return c


def _read_by_content(data: bytes, head: bytes, extension: str) -> Container:
    if head[:3] == b"\xff\xd8\xff":
        c = read_jpeg(data)
    elif head[:8] == b"\x89PNG\r\n\x1a\n":
        c = read_png(data)
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        c = read_webp(data)
    elif head[:6] in (b"GIF87a", b"GIF89a"):
        c = read_gif(data)
    elif head[:4] in (b"II*\x00", b"MM\x00*", b"IIRO", b"IIRS", b"MMOR", b"IIU\x00"):
        c = read_tiff(data, extension)
    elif head[:15] == b"FUJIFILMCCD-RAW":
        c = read_raf(data)
    elif is_isobmff(head):
        c = read_isobmff(data)
    else:
        raise NotAnImage(f"not a photo or video: {describe(head)}")
    return c


def describe(head: bytes) -> str:
    """A short guess at what a non-media file is, for the error a person reads."""
    known = [
        (b"%PDF", "a PDF document"),
        (b"PK\x03\x04", "a ZIP archive"),
        (b"\x1f\x8b", "gzip data"),
        (b"<!DOCTYPE html", "an HTML page"),
        (b"<html", "an HTML page"),
        (b"BM", "a BMP image"),
        (b"8BPS", "a Photoshop document"),
        (b"\x00\x00\x01\x00", "an icon file"),
    ]
    for magic, what in known:
        if head.startswith(magic):
            return f"content is {what}"
    if head and all(32 <= b < 127 or b in (9, 10, 13) for b in head):
        return "content is plain text"
    return f"unknown content starting with {head[:8].hex(' ')}"


def read_jpeg(data: bytes) -> Container:
    c = Container(format="jpeg")
    pos, size = 2, len(data)
    while pos + 4 <= size:
        if data[pos] != 0xFF:
            nxt = data.find(b"\xff", pos)
            c.problems.append(f"JPEG: {(nxt if nxt > 0 else size) - pos} stray bytes at {pos}")
            if nxt < 0:
                break
            pos = nxt
            continue
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):
            pos += 2
            continue
        if marker == 0xD9:
            return c
        (length,) = struct.unpack_from(">H", data, pos + 2)
        seg_start, seg_end = pos + 4, pos + 2 + length
        if length < 2 or seg_end > size:
            c.truncated = True
            c.problems.append("JPEG: a segment runs past the end of the file (truncated?)")
            return c
        if marker == 0xE1:
            seg = data[seg_start:seg_end]
            if seg[:6] == b"Exif\x00\x00" and c.exif is None:
                c.exif = seg[6:]
            elif seg[:29] == b"http://ns.adobe.com/xap/1.0/\x00" and c.xmp is None:
                c.xmp = seg[29:]
        elif marker == 0xED and c.iptc is None:
            c.iptc = _photoshop_iptc(data[seg_start:seg_end])
        elif 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC) and c.width is None:
            if length >= 7:
                c.height, c.width = struct.unpack_from(">HH", data, seg_start + 1)
        elif marker == 0xDA:
            # Entropy-coded data follows; inside it 0xFF is always stuffed, so an FFD9 after the
            # scan starts can only be the end of the image. None at all: the file was cut.
            # (Searched from the end: the answer is the same and the image data is not read.)
            if data.rfind(b"\xff\xd9", seg_end) < 0:
                c.truncated = True
                c.problems.append("JPEG: image data ends early (no end-of-image marker)")
            return c
        pos = seg_end
    c.truncated = True
    c.problems.append("JPEG: file ends before the image data")
    return c


def _photoshop_iptc(seg: bytes) -> bytes | None:
    """The IPTC-IIM block (resource 0x0404) of a Photoshop 3.0 APP13 segment."""
    if not seg.startswith(b"Photoshop 3.0\x00"):
        return None
    pos = 14
    while pos + 12 <= len(seg) and seg[pos : pos + 4] == b"8BIM":
        (rid,) = struct.unpack_from(">H", seg, pos + 4)
        name_len = seg[pos + 6]
        pos += 6 + ((name_len + 2) & ~1)  # Pascal string padded to even length
        if pos + 4 > len(seg):
            return None
        (dlen,) = struct.unpack_from(">I", seg, pos)
        pos += 4
        if rid == 0x0404:
            return seg[pos : pos + dlen]
        pos += dlen + (dlen & 1)
    return None


def read_png(data: bytes) -> Container:
    c = Container(format="png")
    pos, size = 8, len(data)
    while pos + 8 <= size:
        length, ctype = struct.unpack_from(">I4s", data, pos)
        body_start, body_end = pos + 8, pos + 8 + length
        if body_end + 4 > size:
            c.truncated = True
            c.problems.append(f"PNG: chunk {ctype.decode('latin-1')!r} runs past the end of the file")
            return c
        if ctype == b"IHDR" and length >= 8:
            c.width, c.height = struct.unpack_from(">II", data, body_start)
        elif ctype == b"eXIf":
            body = data[body_start:body_end]
            c.exif = body[6:] if body.startswith(b"Exif\x00\x00") else body
        elif ctype in (b"iTXt", b"tEXt", b"zTXt"):
            _png_text(c, ctype, data[body_start:body_end])
        elif ctype == b"IEND":
            return c
        pos = body_end + 4
    c.truncated = True
    c.problems.append("PNG: file ends before its IEND chunk (truncated?)")
    return c


def _png_text(c: Container, ctype: bytes, body: bytes) -> None:
    keyword, _, rest = body.partition(b"\x00")
    try:
        if ctype == b"iTXt" and keyword == b"XML:com.adobe.xmp":
            compressed = rest[0] == 1
            _lang, _, rest2 = rest[2:].partition(b"\x00")
            _tkey, _, text = rest2.partition(b"\x00")
            c.xmp = inflate(text) if compressed else text
        elif keyword in (b"Raw profile type exif", b"Raw profile type APP1") and c.exif is None:
            raw = inflate(rest[1:]) if ctype == b"zTXt" else rest
            # ImageMagick layout: "\nexif\n   <length>\n<hex digits...>"
            hexdigits = b"".join(raw.split(b"\n")[3:])
            blob = bytes.fromhex(hexdigits.decode("ascii"))
            c.exif = blob[6:] if blob.startswith(b"Exif\x00\x00") else blob
    except (zlib.error, ValueError, IndexError) as e:
        c.problems.append(f"PNG: unreadable {keyword.decode('latin-1')} text chunk ({e})")


class InflateLimit(ValueError):
    """A compressed metadata block expands past ``thresholds.MAX_METADATA_INFLATE_BYTES``."""


def inflate(compressed: bytes, limit: int | None = None) -> bytes:
    """zlib-decompress at most ``limit`` bytes (``thresholds.MAX_METADATA_INFLATE_BYTES``): a
    chunk that expands further is a zip bomb, refused after the limit is reached, never
    expanded whole. Raises :class:`InflateLimit` or ``zlib.error``."""
    cap = thresholds.MAX_METADATA_INFLATE_BYTES if limit is None else limit
    inflater = zlib.decompressobj()
    out = inflater.decompress(compressed, cap + 1)
    if len(out) > cap:
        raise InflateLimit(f"it expands to more than {cap >> 20} MB (a decompression bomb); not read")
    return out


def read_webp(data: bytes) -> Container:
    c = Container(format="webp")
    (riff_size,) = struct.unpack_from("<I", data, 4)
    if riff_size + 8 > len(data):
        c.truncated = True
        c.problems.append("WebP: file is shorter than its RIFF header says (truncated?)")
    pos, size = 12, len(data)
    while pos + 8 <= size:
        ctype, length = struct.unpack_from("<4sI", data, pos)
        body = data[pos + 8 : pos + 8 + length]
        if ctype == b"VP8X" and len(body) >= 10:
            c.width = 1 + int.from_bytes(body[4:7], "little")
            c.height = 1 + int.from_bytes(body[7:10], "little")
        elif ctype == b"VP8 " and c.width is None and len(body) >= 10:
            w, h = struct.unpack_from("<HH", body, 6)
            c.width, c.height = w & 0x3FFF, h & 0x3FFF
        elif ctype == b"VP8L" and c.width is None and len(body) >= 5:
            (bits,) = struct.unpack_from("<I", body, 1)
            c.width, c.height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        elif ctype == b"EXIF":
            c.exif = body[6:] if body.startswith(b"Exif\x00\x00") else body
        elif ctype == b"XMP ":
            c.xmp = body
        pos += 8 + length + (length & 1)
    return c


def read_gif(data: bytes) -> Container:
    c = Container(format="gif")
    if len(data) >= 10:
        c.width, c.height = struct.unpack_from("<HH", data, 6)
    if not data.rstrip(b"\x00").endswith(b"\x3b"):
        c.truncated = True
        c.problems.append("GIF: file ends without its trailer (truncated?)")
    return c


def read_tiff(data: bytes, extension: str = "") -> Container:
    """TIFF and the TIFF-based RAW formats: the file itself is the EXIF structure."""
    head = data[:4]
    fmt = {b"IIRO": "orf", b"IIRS": "orf", b"MMOR": "orf", b"IIU\x00": "rw2"}.get(head, "tiff")
    if fmt == "tiff" and data[8:10] == b"CR":
        fmt = "cr2"
    elif fmt == "tiff":
        fmt = _RAW_BY_EXTENSION.get(extension.lower(), "tiff")
    if fmt in ("orf", "rw2"):  # same layout as TIFF with another magic number
        data = (b"II*\x00" if head[:2] == b"II" else b"MM\x00*") + data[4:]
    return Container(format=fmt, exif=data)


def read_raf(data: bytes) -> Container:
    """Fujifilm RAF: an embedded JPEG preview carries the EXIF."""
    c = Container(format="raf")
    if len(data) < 92:
        c.truncated = True
        c.problems.append("RAF: header is cut short")
        return c
    offset, length = struct.unpack_from(">II", data, 84)
    if offset + length > len(data):
        c.truncated = True
        c.problems.append("RAF: embedded preview runs past the end of the file")
        return c
    preview = read_jpeg(data[offset : offset + length])
    c.exif, c.xmp = preview.exif, preview.xmp
    return c
