"""Reader for ISO Base Media files: HEIC/HEIF, AVIF, CR3 photos and MP4/MOV videos.

All of these are trees of "boxes" (size, four-character type, payload), so one walker serves
them all. Photos keep their metadata as HEIF *items* inside ``meta`` (the EXIF and XMP blocks,
the primary image's size and its ``irot``/``imir`` display transform); videos keep it in
``moov`` (``mvhd`` times, the video track's ``tkhd`` matrix and size, ``udta`` and Apple's
``keys``/``ilst`` tags); Canon CR3 keeps TIFF blocks in a ``uuid`` box under ``moov``.

The reader follows only the boxes it needs and never enters ``mdat``, so its cost does not grow
with the file: 30-150 microseconds for a phone HEIC, mostly spent walking its ~50 grid tiles.
It reads the bytes in place (``struct.unpack_from``, memoryview slices) and copies only the
EXIF and XMP blocks it returns.
Malformed input never raises: every box is clamped to its parent and to the file, and what
could not be read goes to ``Container.problems`` (``container.py`` says why).
"""

from __future__ import annotations

import math
import os
import re
import struct
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from camroll import thresholds
from camroll.library.container import Container, NotAnImage

_HEAD = struct.Struct(">I4s").unpack_from
_U16 = struct.Struct(">H").unpack_from
_U32 = struct.Struct(">I").unpack_from
_U64 = struct.Struct(">Q").unpack_from
_MATRIX = struct.Struct(">9i").unpack_from

_MAX_DEPTH = 32
_EPOCH_1904 = datetime(1904, 1, 1, tzinfo=UTC)
_CANON_UUID = bytes.fromhex("85c0b687820f11e08111f4ce462b6a48")
_XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"heim", b"heis", b"hevx", b"hevm", b"hevs"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_TIFF_MAGICS = (b"II*\x00", b"MM\x00*")
# The Container field each QuickTime tag fills: Apple ``keys`` names and classic udta atoms.
_QT_FIELDS = {
    "com.apple.quicktime.location.iso6709": "gps",
    "com.apple.quicktime.creationdate": "created_local",
    "com.apple.quicktime.make": "make",
    "com.apple.quicktime.model": "model",
    "\xa9xyz": "gps",
    "\xa9mak": "make",
    "\xa9mod": "model",
}
_ISO6709 = re.compile(r"\s*([+-])(\d+(?:\.\d*)?)([+-])(\d+(?:\.\d*)?)([+-]\d+(?:\.\d*)?)?")
_MALFORMED = (struct.error, ValueError, IndexError, OverflowError)
_T = TypeVar("_T")
_Loc = tuple[int, int, list[tuple[int, int]]]  # construction method, base offset, extents


def is_isobmff(head: bytes) -> bool:
    """True if ``head`` (the first bytes of a file) opens with a plausible ``ftyp`` box."""
    return len(head) >= 8 and head[4:8] == b"ftyp" and 16 <= int(_U32(head, 0)[0]) <= 4096


def read_isobmff(data: bytes) -> Container:
    """Read the metadata of an ISO Base Media file from its complete bytes, without decoding.

    An ``mmap`` of the file works as well and avoids reading ``mdat`` from disk at all.
    Raises :class:`NotAnImage` only when the data does not start with an ``ftyp`` box.
    """
    if len(data) < 8 or data[4:8] != b"ftyp":
        raise NotAnImage("no 'ftyp' box at the start: not an ISO base media file")
    if isinstance(data, memoryview):  # needs .find(); bytes, bytearray and mmap have it
        data = data.tobytes()
    return _Reader(data).read()


def parse_iso6709(text: str) -> tuple[float, float, float | None] | None:
    """Latitude, longitude and optional altitude from an ISO 6709 string such as
    ``+48.8584+002.2945+035.000/`` (degrees, ±DDMM.M or ±DDMMSS.S); None if unreadable."""
    match = _ISO6709.match(text)
    if not match:
        return None
    lat, lon = _angle(match[1], match[2], 2), _angle(match[3], match[4], 3)
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        return None
    return lat, lon, float(match[5]) if match[5] else None


def _angle(sign: str, text: str, degree_digits: int) -> float | None:
    """One ISO 6709 coordinate; ``degree_digits`` is 2 for latitude, 3 for longitude."""
    whole, _, frac = text.partition(".")
    last = int(whole[-2:]) + (float("0." + frac) if frac else 0.0)  # minutes or seconds
    if len(whole) <= 3:
        value = float(text)
    elif len(whole) == degree_digits + 2 and last < 60:
        value = int(whole[:-2]) + last / 60
    elif len(whole) == degree_digits + 4 and last < 60 and int(whole[-4:-2]) < 60:
        value = int(whole[:-4]) + int(whole[-4:-2]) / 60 + last / 3600
    else:
        return None
    return -value if sign == "-" else value


def _format(ftyp: bytes) -> str:
    """Format name from the ftyp payload: major brand, minor version, compatible brands."""
    major, brands = ftyp[:4], {ftyp[i : i + 4] for i in range(8, len(ftyp) - 3, 4)}
    named = {b"crx ": "cr3", b"qt  ": "mov"}
    if major in _HEIC_BRANDS or major in _AVIF_BRANDS or major in named:
        return named.get(major, "avif" if major in _AVIF_BRANDS else "heic")
    if major in (b"mif1", b"msf1"):  # generic HEIF: the codec brand says which
        return "avif" if brands & _AVIF_BRANDS else "heic"
    for brand, name in named.items():
        if brand in brands:
            return name
    return "avif" if brands & _AVIF_BRANDS else "heic" if brands & _HEIC_BRANDS else "mp4"


def _uint(view: memoryview, pos: int, size: int) -> int:
    """An unsigned big-endian field of 0, 4 or 8 bytes (the variable sizes of ``iloc``)."""
    if size not in (0, 4, 8) or pos + size > len(view):
        raise ValueError(f"a {size}-byte field at {pos} does not fit its {len(view)}-byte box")
    return int.from_bytes(view[pos : pos + size], "big")


def _tiff_size(tiff: bytes) -> tuple[int | None, int | None]:
    """ImageWidth and ImageLength (tags 0x100, 0x101) from the first IFD of a TIFF block."""
    order, found = ("<" if tiff[:2] == b"II" else ">"), dict[int, int]()
    try:
        ifd = struct.unpack_from(order + "I", tiff, 4)[0]
        for i in range(min(struct.unpack_from(order + "H", tiff, ifd)[0], 512)):
            tag, typ, _, value = struct.unpack_from(order + "HHI4s", tiff, ifd + 2 + 12 * i)
            if tag in (0x100, 0x101) and typ in (3, 4):
                found[tag] = struct.unpack_from(order + ("H" if typ == 3 else "I"), value)[0]
    except struct.error:
        pass
    return found.get(0x100), found.get(0x101)


def exif_item_tiff(payload: memoryview | bytes) -> bytes | None:
    """The TIFF structure inside a HEIF ``Exif`` item, which opens with a 32-bit offset to the
    TIFF header (past ``Exif\\0\\0``); a wrong offset is forgiven when a TIFF magic is in the
    item's first 64 bytes. None when there is none."""
    skip = 4 + _U32(payload, 0)[0] if len(payload) >= 4 else 0
    if bytes(payload[skip : skip + 4]) not in _TIFF_MAGICS:
        head = bytes(payload[:64])
        if not (found := [i for i in (head.find(m) for m in _TIFF_MAGICS) if i >= 0]):
            return None
        skip = min(found)
    return bytes(payload[skip:])


# --- bounded reads from an open file (Live Photos, issue 13) ------------------------------------
# The scan reads every new file whole once; pairing Live Photos afterwards must not do it again,
# so these read only the boxes they need, each with a limit, by offset (``os.pread``).

_MAX_TOP_BOXES = 64
"""Top-level boxes walked before giving up: a phone's MOV has 4-6 (ftyp, wide, mdat, moov...)."""
_MAX_KEYS = 256
"""QuickTime ``keys`` entries read: an iPhone MOV names about 10."""


def _pread(fd: int, length: int, offset: int) -> bytes:
    chunks: list[bytes] = []
    while length > 0 and (chunk := os.pread(fd, length, offset)):
        chunks.append(chunk)
        length, offset = length - len(chunk), offset + len(chunk)
    return b"".join(chunks)


def top_box(fd: int, size: int, wanted: bytes, limit: int) -> tuple[bytes | None, str | None]:
    """The whole top-level box ``wanted`` (header included) of an open ISO media file, found by
    reading only box headers, or None and a note: missing, larger than ``limit`` bytes, or cut
    short by the end of the file."""
    pos = 0
    for _ in range(_MAX_TOP_BOXES):
        head = _pread(fd, 16, pos)
        if len(head) < 8:
            break
        box_size, typ = _HEAD(head, 0)
        head_len = 8
        if box_size == 1 and len(head) == 16:
            box_size, head_len = _U64(head, 8)[0], 16
        elif box_size == 0:
            box_size = size - pos
        name = typ.decode("latin-1")
        if box_size < head_len:
            return None, f"box {name!r} has an impossible size ({box_size})"
        if typ == wanted:
            if box_size > limit:
                return None, f"box {name!r} is {box_size} bytes, over the {limit}-byte limit: not read"
            if pos + box_size > size:
                return None, f"box {name!r} runs past the end of the file (truncated?)"
            return _pread(fd, box_size, pos), None
        pos += box_size
        if pos >= size:
            break
    return None, f"no {wanted.decode('latin-1')!r} box"


def quicktime_key(moov: bytes, key: str) -> tuple[bytes | None, list[str]]:
    """The raw value of one Apple QuickTime metadata key in a whole ``moov`` box: a ``meta`` box
    with an ``mdta`` handler names its keys in ``keys`` and holds their values in ``ilst``, each
    item typed by its 1-based key index and holding a ``data`` atom (type, locale, value). The
    ``meta`` may sit in ``moov`` or in ``moov/udta``. Returns (value or None, notes)."""
    reader = _Reader(moov)
    first = next(reader.boxes(0, reader.size, 0), None)
    if first is None or first[0] != b"moov":
        return None, ["not a 'moov' box"]
    _typ, a, b = first
    metas = [(s, e) for typ, s, e in reader.boxes(a, b, 1) if typ == b"meta"]
    if (udta := reader.find(a, b, 1, b"udta")) is not None:
        metas += [(s, e) for typ, s, e in reader.boxes(*udta, 2) if typ == b"meta"]
    for s, e in metas:
        if (value := reader.guarded("meta", reader.qt_key, s, e, key.encode())) is not None:
            return value, reader.out.problems
    return None, reader.out.problems


def heif_exif_of_file(fd: int, size: int, limit: int) -> tuple[bytes | None, list[str]]:
    """The EXIF TIFF block of an open HEIC file, reading its ``meta`` box and then the EXIF item's
    extents where ``iloc`` puts them (anywhere in the file), each read bounded by ``limit``."""
    meta, note = top_box(fd, size, b"meta", limit)
    if meta is None:
        return None, [note or "no 'meta' box"]
    reader = _Reader(meta)
    first = next(reader.boxes(0, reader.size, 0), None)
    if first is None:
        return None, ["the 'meta' box is empty"]
    found = reader.guarded("meta", reader.heif_exif_location, first[1], first[2])
    if found is None:
        return None, reader.out.problems
    (method, base, extents), idat = found
    parts, total = [], 0
    for offset, length in extents[:16]:
        start = base + offset
        if method == 1:  # in the 'idat' box, inside the meta box read above
            if idat is None:
                return None, ["the EXIF item is in an 'idat' box that is not there"]
            piece = meta[idat[0] + start : idat[1] if length == 0 else min(idat[0] + start + length, idat[1])]
        else:
            length = size - start if length == 0 else length
            if start + length > size:
                return None, [f"the EXIF item ({length} bytes at {start}) runs past the end of the file (truncated?)"]
            if total + length > limit:
                return None, [f"the EXIF item is over the {limit}-byte limit: not read"]
            piece = _pread(fd, length, start)
        parts.append(piece)
        total += len(piece)
    tiff = exif_item_tiff(b"".join(parts))
    return tiff, [] if tiff is not None else ["the EXIF item does not hold a TIFF structure"]


class _Reader:
    """One pass over one file's boxes, filling ``self.out``."""

    def __init__(self, data: bytes) -> None:
        self.data, self.view, self.size = data, memoryview(data), len(data)
        self.out = Container(format="mp4")

    def note(self, problem: str, truncated: bool = False) -> None:
        if problem not in self.out.problems:
            self.out.problems.append(problem)
        self.out.truncated |= truncated

    def boxes(self, start: int, end: int, depth: int) -> Iterator[tuple[bytes, int, int]]:
        """(type, payload start, payload end) of each box in ``data[start:end]``."""
        if depth > _MAX_DEPTH:
            self.note(f"boxes nested deeper than {_MAX_DEPTH} levels were skipped")
            return
        data, pos = self.data, start
        while end - pos >= 8:
            size, typ = _HEAD(data, pos)
            head = 8
            if size == 1:  # 64-bit size after the type
                if end - pos < 16:
                    break
                size, head = _U64(data, pos + 8)[0], 16
            elif size == 0:  # runs to the end of the file (or of its parent)
                size = end - pos
            stop = pos + size
            if size < head or stop > end:
                name = typ.decode("latin-1")
                if size < head:
                    self.note(f"box {name!r} has an impossible size ({size}); what follows it was skipped")
                    return
                if stop > self.size:
                    self.note(f"box {name!r} runs past the end of the file (truncated?)", True)
                else:
                    self.note(f"box {name!r} runs past the end of the box that holds it")
                stop = end
            yield typ, pos + head, stop
            pos = stop
        if pos < end and end == self.size and any(data[pos:end]):
            self.note("the file ends inside a box header (truncated?)", True)

    def find(self, start: int, end: int, depth: int, *path: bytes) -> tuple[int, int] | None:
        """Payload range of the first box at ``path`` below ``data[start:end]``."""
        for typ, a, b in self.boxes(start, end, depth):
            if typ == path[0]:
                return (a, b) if len(path) == 1 else self.find(a, b, depth + 1, *path[1:])
        return None

    def guarded(self, name: str, parse: Callable[..., _T], *args: object) -> _T | None:
        """Run one box parser; a field that runs out of its box becomes a problem note."""
        try:
            return parse(*args)
        except _MALFORMED as exc:
            self.note(f"box {name!r} is malformed ({exc}); it was skipped")
            return None

    def meta_start(self, a: int, b: int) -> int:
        """Where the children of a ``meta`` start: ISO's is a FullBox, QuickTime's is not."""
        return a + 4 if b - a >= 4 and _U32(self.data, a)[0] == 0 else a

    def read(self) -> Container:
        out, data = self.out, self.data
        seen: set[bytes] = set()
        for typ, a, b in self.boxes(0, self.size, 0):
            if not seen:  # the ftyp box, as read_isobmff checked
                out.format = _format(data[a:b])
                out.kind = "video" if out.format in ("mp4", "mov") else "photo"
            seen.add(typ)
            if typ == b"meta" and out.format in ("heic", "avif"):
                self.guarded("meta", self.heif_meta, a, b)
            elif typ == b"moov":
                self.moov(a, b)
            elif typ == b"uuid" and data[a : a + 16] == _XMP_UUID:
                out.xmp = data[a + 16 : b]
        if out.format in ("heic", "avif") and b"meta" not in seen:
            self.note("no 'meta' box: the file holds no image items")
        if out.kind == "video" and b"moov" not in seen:
            self.note("no 'moov' box: the file holds no movie header")
        return out

    # --- HEIF (HEIC, AVIF) ----------------------------------------------------------------

    def heif_meta(self, a: int, b: int) -> None:
        kids: dict[bytes, tuple[int, int]] = {}
        for typ, s, e in self.boxes(self.meta_start(a, b), b, 1):
            kids.setdefault(typ, (s, e))

        def run(name: bytes, parse: Callable[..., _T], *extra: object) -> _T | None:
            span = kids.get(name)
            return None if span is None else self.guarded(name.decode(), parse, *span, *extra)

        if (hdlr := kids.get(b"hdlr")) and self.data[hdlr[0] + 8 : hdlr[0] + 12] != b"pict":
            self.note("the 'meta' handler is not 'pict': this may not be an image")
        if (primary := run(b"pitm", self.heif_primary)) is None:
            self.note("the HEIF file names no primary image ('pitm')")
        else:
            run(b"iprp", self.heif_properties, primary)
        if self.out.width is None:
            self.note("no size ('ispe') for the primary image")
        items, cdsc = run(b"iinf", self.heif_items) or {}, run(b"iref", self.heif_cdsc) or {}
        # Of several EXIF (or XMP) items, take the one whose 'cdsc' reference names the primary.
        exif_id, xmp_id = (
            min((i for i, t in items.items() if t == want), key=lambda i: primary not in cdsc.get(i, ()), default=None)
            for want in (b"Exif", b"application/rdf+xml")
        )
        locs: dict[int, _Loc] = {}
        wanted = {i for i in (exif_id, xmp_id) if i is not None}
        if wanted and run(b"iloc", self.heif_iloc, wanted, locs) is None and b"iloc" not in kids:
            self.note("metadata items exist but there is no item location box ('iloc')")
        if xmp_id in locs and (payload := self.heif_payload(xmp_id, locs, kids.get(b"idat"))):
            self.out.xmp = bytes(payload)
        if exif_id in locs and (payload := self.heif_payload(exif_id, locs, kids.get(b"idat"))):
            self.out.exif = exif_item_tiff(payload)
            if self.out.exif is None:
                self.note("the EXIF item does not hold a TIFF structure")

    def heif_exif_location(self, a: int, b: int) -> tuple[_Loc, tuple[int, int] | None] | None:
        """Where the EXIF item of the primary image is (as :meth:`heif_meta` chooses it) and the
        ``idat`` payload range, from a ``meta`` box's payload ``data[a:b]``; None if none."""
        kids: dict[bytes, tuple[int, int]] = {}
        for typ, s, e in self.boxes(self.meta_start(a, b), b, 1):
            kids.setdefault(typ, (s, e))
        if b"iinf" not in kids or b"iloc" not in kids:
            return None
        primary = self.heif_primary(*kids[b"pitm"]) if b"pitm" in kids else None
        items = self.heif_items(*kids[b"iinf"])
        cdsc = self.heif_cdsc(*kids[b"iref"]) if b"iref" in kids else {}
        exif_id = min(
            (i for i, t in items.items() if t == b"Exif"), key=lambda i: primary not in cdsc.get(i, ()), default=None
        )
        if exif_id is None:
            return None
        locs: dict[int, _Loc] = {}
        self.heif_iloc(*kids[b"iloc"], {exif_id}, locs)
        return (locs[exif_id], kids.get(b"idat")) if exif_id in locs else None

    def qt_key(self, a: int, b: int, key: bytes) -> bytes | None:
        """The raw ``data`` value of the ``mdta`` key ``key`` in the QuickTime ``meta`` at ``data[a:b]``."""
        index, lists = None, []
        for typ, s, e in self.boxes(self.meta_start(a, b), b, 3):
            if typ == b"hdlr" and self.data[s + 8 : s + 12] != b"mdta":
                return None  # an iTunes-style or other meta: no keys of Apple's
            if typ == b"keys" and e - s >= 8:  # FullBox, count, then (size, namespace, name)
                pos = s + 8
                for i in range(min(_U32(self.data, s + 4)[0], _MAX_KEYS)):
                    size = _U32(self.data, pos)[0] if pos + 8 <= e else 0
                    if size < 8 or pos + size > e:
                        self.note("a QuickTime key runs out of its 'keys' box")
                        break
                    if self.data[pos + 4 : pos + 8] == b"mdta" and self.data[pos + 8 : pos + size] == key:
                        index = i + 1
                    pos += size
            elif typ == b"ilst":
                lists.append((s, e))
        for s, e in lists if index is not None else []:
            for typ, s2, e2 in self.boxes(s, e, 4):
                if int.from_bytes(typ, "big") == index:
                    for typ3, s3, e3 in self.boxes(s2, e2, 5):
                        if typ3 == b"data" and e3 - s3 >= 8:  # type indicator, locale, value
                            return bytes(self.data[s3 + 8 : e3])
        return None

    def heif_primary(self, a: int, b: int) -> int:
        return int(struct.unpack_from(">H" if self.data[a] == 0 else ">I", self.view[a:b], 4)[0])

    def heif_items(self, a: int, b: int) -> dict[int, bytes]:
        """Item id -> item type, or content type for MIME items, from ``iinf``/``infe``."""
        data, items = self.data, {}
        for typ, s, e in self.boxes(a + (6 if data[a : a + 1] == b"\0" else 8), b, 2):
            if typ != b"infe" or e - s < 12:
                continue
            version = data[s]
            if version >= 2:
                item_id = _U16(data, s + 4)[0] if version == 2 else _U32(data, s + 4)[0]
                pos = s + (8 if version == 2 else 10)
                item_type, pos = data[pos : min(pos + 4, e)], pos + 4
            else:  # versions 0 and 1 have no item type: they describe MIME items only
                item_id, pos, item_type = _U16(data, s + 4)[0], s + 8, b"mime"
            if item_type == b"mime":  # item name, then content type, both NUL-terminated
                name_end = data.find(b"\0", pos, e)
                type_end = data.find(b"\0", name_end + 1, e)
                if name_end >= 0:
                    item_type = data[name_end + 1 : e if type_end < 0 else type_end].strip().lower()
            items[item_id] = item_type
        return items

    def heif_cdsc(self, a: int, b: int) -> dict[int, list[int]]:
        """Item id -> the items it describes, from the ``cdsc`` references in ``iref``."""
        fmt = ">H" if self.data[a] == 0 else ">I"
        width, refs = struct.calcsize(fmt), dict[int, list[int]]()
        for typ, s, e in self.boxes(a + 4, b, 2):
            if typ == b"cdsc":
                view = self.view[s:e]
                source, count = struct.unpack_from(fmt + "H", view, 0)
                targets = refs.setdefault(source, [])
                targets.extend(struct.unpack_from(fmt, view, width + 2 + width * i)[0] for i in range(count))
        return refs

    def heif_properties(self, a: int, b: int, primary: int) -> None:
        """Size, rotation and mirroring of the primary item, from ``ipco`` and ``ipma``.

        The size is the ``ispe`` one, cut to the clean aperture (``clap``) where there is one.
        """
        props: list[tuple[bytes, int, int]] = []
        indexes: list[int] = []
        for typ, s, e in self.boxes(a, b, 2):
            if typ == b"ipco":
                props.extend(self.boxes(s, e, 3))
            elif typ == b"ipma":
                self.guarded("ipma", self.heif_ipma, self.view[s:e], primary, indexes)
        crop = None
        for typ, s, e in (props[i - 1] for i in indexes if 1 <= i <= len(props)):
            if typ == b"ispe" and e - s >= 12 and self.out.width is None:
                self.out.width, self.out.height = struct.unpack_from(">II", self.data, s + 4)
            elif typ == b"irot" and e > s:  # steps of 90 degrees anticlockwise
                self.out.container_rotation = (4 - (self.data[s] & 3)) % 4 * 90
            elif typ == b"imir":
                self.out.container_mirror = True
            elif typ == b"clap" and e - s >= 16:  # encoders pad to whole blocks, then crop
                wn, wd, hn, hd = struct.unpack_from(">IIII", self.data, s)
                crop = (round(wn / wd), round(hn / hd)) if wd and hd and wn and hn else None
                if crop and self.out.container_rotation in (90, 270):  # cropped after irot
                    crop = crop[::-1]
        if crop and self.out.width:
            self.out.width, self.out.height = crop

    @staticmethod
    def heif_ipma(view: memoryview, primary: int, indexes: list[int]) -> None:
        """Append to ``indexes`` the 1-based ``ipco`` indexes that ``ipma`` gives the primary."""
        version, wide, pos = view[0], view[3] & 1, 8
        for _ in range(_U32(view, 4)[0]):
            item = _U16(view, pos)[0] if version == 0 else _U32(view, pos)[0]
            pos += 2 if version == 0 else 4
            count, pos = view[pos], pos + 1
            if item == primary:  # the top bit of each index says "essential"
                for k in range(count):
                    indexes.append(_U16(view, pos + 2 * k)[0] & 0x7FFF if wide else view[pos + k] & 0x7F)
            pos += count * (2 if wide else 1)

    def heif_iloc(self, a: int, b: int, wanted: set[int], locs: dict[int, _Loc]) -> bool:
        """Fill ``locs`` with where the wanted items are, from ``iloc`` (versions 0, 1, 2)."""
        view = self.view[a:b]
        version = view[0]
        offset_size, length_size = view[4] >> 4, view[4] & 15
        base_size, index_size = view[5] >> 4, (view[5] & 15 if version in (1, 2) else 0)
        pos, id_size = (8, 2) if version < 2 else (10, 4)
        extent_size = index_size + offset_size + length_size
        for _ in range(_U16(view, 6)[0] if version < 2 else _U32(view, 6)[0]):
            item = _U16(view, pos)[0] if version < 2 else _U32(view, pos)[0]
            pos += id_size
            method = 0
            if version in (1, 2):  # construction method: 0 file offset, 1 idat, 2 item
                method, pos = _U16(view, pos)[0] & 15, pos + 2
            count = _U16(view, pos + 2 + base_size)[0]  # after data_reference_index, base
            if item in wanted:
                base, pos = _uint(view, pos + 2, base_size), pos + 4 + base_size
                extents = [
                    (_uint(view, at, offset_size), _uint(view, at + offset_size, length_size))
                    for at in range(pos + index_size, pos + count * extent_size, extent_size or 1)
                ]
                locs[item] = (method, base, extents)
                if len(locs) == len(wanted):
                    break
            else:
                pos += 4 + base_size
            pos += count * extent_size
        for item in wanted - locs.keys():
            self.note(f"item {item} has no location in 'iloc'")
        return True

    def heif_payload(self, item: int, locs: dict[int, _Loc], idat: tuple[int, int] | None) -> memoryview | bytes | None:
        """The bytes of one item: its extents, in the file or in ``idat``, joined."""
        method, base, extents = locs[item]
        if method == 0:
            origin, limit = 0, self.size
        elif method == 1 and idat is not None:
            origin, limit = idat
        else:
            self.note(f"item {item} is stored with construction method {method} (no 'idat' or unsupported)")
            return None
        parts, total = [], 0
        for offset, length in extents:
            start = origin + base + offset
            stop = limit if length == 0 else start + length
            if stop > limit:
                self.note(f"item {item} runs past the end of its data (truncated?)", method == 0)
                stop = limit
            parts.append(self.view[min(start, stop) : stop])
            total += len(parts[-1])
            if total > thresholds.MAX_METADATA_INFLATE_BYTES:  # extents can name the same bytes again and again
                self.note(
                    f"item {item} is larger than {thresholds.MAX_METADATA_INFLATE_BYTES >> 20} MB; it was not read"
                )
                return None
        return parts[0] if len(parts) == 1 else b"".join(parts)

    # --- QuickTime, MP4, CR3 ----------------------------------------------------------------

    def moov(self, a: int, b: int) -> None:
        video, data = self.out.kind == "video", self.data
        tracks: list[tuple[int, int]] = []
        for typ, s, e in self.boxes(a, b, 1):
            if typ == b"mvhd" and video:
                self.guarded("mvhd", self.mvhd, s, e)
            elif typ == b"trak" and video:
                tracks.append((s, e))
            elif typ == b"udta":
                self.guarded("udta", self.udta, s, e)
            elif typ == b"meta":
                self.guarded("meta", self.qt_meta, s, e)
            elif typ == b"uuid" and data[s : s + 16] == _CANON_UUID:
                self.guarded("uuid", self.canon, s + 16, e)
            elif typ == b"uuid" and data[s : s + 16] == _XMP_UUID:
                self.out.xmp = data[s + 16 : e]
        handlers = [self.find(s, e, 2, b"mdia", b"hdlr") for s, e in tracks]
        kinds = [data[h[0] + 8 : h[0] + 12] if h else b"" for h in handlers]
        for track in [t for t, k in zip(tracks, kinds, strict=True) if k == b"vide"] or tracks:
            self.guarded("tkhd", self.track, *track)
            if self.out.width:
                break

    def mvhd(self, a: int, b: int) -> None:
        fields = ">QQIQ" if self.data[a] == 1 else ">IIII"
        created, _, timescale, duration = struct.unpack_from(fields, self.view[a:b], 4)
        if timescale and duration not in (0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF):
            self.out.duration = duration / timescale
        if created:  # seconds since 1904-01-01 UTC; 0 means unset
            try:
                self.out.created = _EPOCH_1904 + timedelta(seconds=created)
            except OverflowError:
                self.note(f"the movie creation time ({created} s after 1904) is out of range")

    def track(self, a: int, b: int) -> None:
        """Rotation, mirroring and size of one video track (``tkhd``, else ``stsd``)."""
        if (tkhd := self.find(a, b, 2, b"tkhd")) is None:
            return
        view = self.view[tkhd[0] : tkhd[1]]
        at = 40 if view[0] == 0 else 52  # the matrix, after the v0 or v1 times and ids
        ma, mb, _, mc, md = _MATRIX(view, at)[:5]
        self.out.container_rotation = round(math.degrees(math.atan2(mb, ma)) / 90) % 4 * 90
        self.out.container_mirror = ma * md - mb * mc < 0
        width, height = struct.unpack_from(">II", view, at + 36)  # 16.16 fixed, before the matrix
        self.out.width, self.out.height = round(width / 65536) or None, round(height / 65536) or None
        stsd = self.find(a, b, 2, b"mdia", b"minf", b"stbl", b"stsd")
        if not self.out.width and stsd and stsd[1] - stsd[0] >= 44:  # first visual sample entry
            self.out.width, self.out.height = struct.unpack_from(">HH", self.data, stsd[0] + 40)

    def qt_text(self, a: int, b: int) -> str | None:
        """A classic udta text atom (16-bit length, language, text) or one holding ``data``."""
        if b - a >= 8 and self.data[a + 4 : a + 8] == b"data":
            return self.qt_data(a, b)
        if b - a < 4:
            return None
        stop = min(a + 4 + _U16(self.data, a)[0], b)
        return self.data[a + 4 : stop].decode("utf-8", "replace").strip("\0 ")

    def qt_data(self, a: int, b: int) -> str | None:
        """The text of the first ``data`` atom in ``data[a:b]`` (type 1/4 UTF-8, 2/5 UTF-16)."""
        for typ, s, e in self.boxes(a, b, 4):
            if typ == b"data" and e - s >= 8:  # type indicator, locale, then the value
                kind = _U32(self.data, s)[0] & 0xFFFFFF
                if kind in (1, 2, 4, 5):
                    codec = "utf-8" if kind in (1, 4) else "utf-16-be"
                    return self.data[s + 8 : e].decode(codec, "replace").strip("\0 ")
        return None

    def set_tag(self, key: str, value: str | None) -> None:
        """Store one QuickTime tag in the Container field it maps to; the first one wins."""
        field = _QT_FIELDS.get(key.lower())
        if not value or field is None or getattr(self.out, field) is not None:
            return
        if field == "gps":
            self.out.gps = parse_iso6709(value)
            if self.out.gps is None:
                self.note(f"unreadable ISO 6709 location {value[:40]!r}")
        else:
            setattr(self.out, field, value)

    def udta(self, a: int, b: int) -> None:
        for typ, s, e in self.boxes(a, b, 2):
            if typ in (b"\xa9xyz", b"\xa9mak", b"\xa9mod"):
                self.set_tag(typ.decode("latin-1"), self.qt_text(s, e))
            elif typ == b"XMP_":
                self.out.xmp = self.data[s:e]
            elif typ == b"uuid" and self.data[s : s + 16] == _XMP_UUID:
                self.out.xmp = self.data[s + 16 : e]
            elif typ == b"meta":
                self.guarded("meta", self.qt_meta, s, e)

    def qt_meta(self, a: int, b: int) -> None:
        """Apple ``keys`` + ``ilst`` tags (or iTunes-style ``ilst`` with four-letter tags)."""
        keys: list[str] = []
        lists: list[tuple[int, int]] = []
        for typ, s, e in self.boxes(self.meta_start(a, b), b, 3):
            if typ == b"keys" and e - s >= 8:  # FullBox, count, then (size, namespace, name)
                view, pos, count = self.view[s:e], 8, _U32(self.data, s + 4)[0]
                while len(keys) < count and pos + 8 <= len(view) and (size := _U32(view, pos)[0]) >= 8:
                    keys.append(bytes(view[pos + 8 : pos + size]).decode("utf-8", "replace"))
                    pos += size
            elif typ == b"ilst":
                lists.append((s, e))
        for s, e in lists:
            for typ, s2, e2 in self.boxes(s, e, 4):
                index = int.from_bytes(typ, "big")  # 1-based index into keys
                key = keys[index - 1] if 1 <= index <= len(keys) else typ.decode("latin-1")
                if key.lower() in _QT_FIELDS:
                    self.set_tag(key, self.qt_data(s2, e2))

    def canon(self, a: int, b: int) -> None:
        """Canon CR3: CMT1 is IFD0 as a TIFF block; CMT2 (EXIF), CMT4 (GPS) are separate ones."""
        found = {typ: (s, e) for typ, s, e in self.boxes(a, b, 2) if typ.startswith(b"CMT")}
        if b"CMT1" in found:
            tiff = self.data[found[b"CMT1"][0] : found[b"CMT1"][1]]
            if tiff[:4] in _TIFF_MAGICS:
                self.out.exif = tiff
                self.out.width, self.out.height = _tiff_size(tiff)
            else:
                self.note("the Canon CMT1 block is not a TIFF structure")
        for name, field in ((b"CMT2", "exif_ifd"), (b"CMT4", "gps_ifd")):
            if name in found:
                block = self.data[found[name][0] : found[name][1]]
                if block[:4] in _TIFF_MAGICS:
                    setattr(self.out, field, block)
                else:
                    self.note(f"the Canon {name.decode()} block is not a TIFF structure")
