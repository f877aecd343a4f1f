"""Apple Live Photos: a still (HEIC or JPEG) and a short MOV that an iPhone took together, made
one item of the library.

The two halves say they belong together with the same content identifier, a UUID:

* the still, in its EXIF's Apple MakerNote, tag ``0x0011`` (read by
  :func:`camroll.library.exif.apple_content_identifier`);
* the MOV, in its QuickTime metadata: ``moov/meta`` with an ``mdta`` handler, key
  ``com.apple.quicktime.content.identifier`` (read by :func:`camroll.library.isobmff.quicktime_key`).

Apple also names them alike (``IMG_0001.HEIC`` and ``IMG_0001.MOV``). A pair is made at scan
time between a still and a MOV **in the same folder**: by identifier, or by name only when the
still has no identifier and the MOV is shorter than ``LIVE_NAME_PAIR_MAX_SECONDS`` (a still
edited by an app that drops maker notes); ``photos --json`` says which (``paired_by``).

The MOV stays a catalogued file (its bytes, its hash) but is the still's clip: it is not an item
of the timeline, moments, search or places, and it is not analysed (the still is, once). Pairs
are worked out again after every scan from what is on disk, so removing or moving either half
undoes the pair: a MOV whose still has gone is an ordinary video again.

Every file is untrusted: each value is read within a byte limit (``LIVE_JPEG_HEAD_BYTES``,
``LIVE_METADATA_MAX_BYTES``), an identifier must have the shape of a UUID, and what is refused
is a note on that file, never a failed scan.
"""

from __future__ import annotations

import os
import stat
import struct
from dataclasses import dataclass

from camroll import thresholds
from camroll.config import AppContext
from camroll.library.exif import apple_content_identifier, checked_uuid
from camroll.library.formats import read_jpeg
from camroll.library.isobmff import heif_exif_of_file, quicktime_key, top_box
from camroll.progress import Reporter
from camroll.store import live_photos as store

QUICKTIME_KEY = "com.apple.quicktime.content.identifier"
_STILL_SUFFIXES = (b".heic", b".jpg", b".jpeg")
_MAX_IDENTIFIER_BYTES = 64


@dataclass(frozen=True)
class Identifier:
    """What one file says: its Live Photo identifier (an upper-case UUID), or a note on why a
    value that was there was refused, or neither (no identifier: most photos)."""

    content_id: str | None = None
    note: str | None = None


def identifier_of_file(path: bytes | str, fmt: str) -> Identifier:
    """The Live Photo identifier of one file of format ``jpeg``, ``heic`` or ``mov``, read in
    bounded memory. Never raises on the file's content (a malformed structure the readers did not
    foresee is a note); OSError only when it cannot be opened or read."""
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return Identifier()
        try:
            return _identifier(fd, st.st_size, fmt)
        except (ValueError, IndexError, OverflowError, struct.error, UnicodeError) as exc:  # a reader's gap
            return Identifier(note=f"the Live Photo identifier could not be read ({type(exc).__name__}); no pair")
    finally:
        os.close(fd)


def _identifier(fd: int, size: int, fmt: str) -> Identifier:
    if fmt == "mov":
        moov, note = top_box(fd, size, b"moov", thresholds.LIVE_METADATA_MAX_BYTES)
        if moov is None:
            return Identifier(note=f"MOV: {note}; no Live Photo identifier read")
        raw, notes = quicktime_key(moov, QUICKTIME_KEY)
        if raw is None:
            return Identifier(note=f"MOV: {notes[0]}; no Live Photo identifier read" if notes else None)
        if len(raw) > _MAX_IDENTIFIER_BYTES:
            return Identifier(note=f"the Live Photo identifier is {len(raw)} bytes long, not a UUID: refused")
        return Identifier(*checked_uuid(raw))
    if fmt == "heic":
        tiff, notes = heif_exif_of_file(fd, size, thresholds.LIVE_METADATA_MAX_BYTES)
        if tiff is None:
            return Identifier(note=f"HEIC: {notes[0]}; no Live Photo identifier read" if notes else None)
    else:
        tiff = read_jpeg(os.pread(fd, thresholds.LIVE_JPEG_HEAD_BYTES, 0)).exif
        if tiff is None:
            return Identifier()
    return Identifier(*apple_content_identifier(tiff))


@dataclass(frozen=True)
class Pairing:
    """What one pairing pass changed, for the scan's summary."""

    paired: int = 0
    """Live Photos made one item by this pass."""
    by_name: int = 0
    """Of those, paired by file name only (the still has no identifier)."""
    undone: int = 0
    """Pairs undone: a half moved away or gone (a MOV left alone is an ordinary video again)."""


def pair_live_photos(ctx: AppContext, rep: Reporter) -> Pairing:
    """After a scan's writes: read the identifier of every JPEG, HEIC and MOV not looked at yet,
    then make the Live Photo pairs match what is on disk."""
    todo = store.unchecked_for_identifier(ctx.db)
    if todo:
        rep.start("Looking for Live Photos", len(todo))
        found: list[tuple[int, str, str | None, str | None]] = []
        for photo_id, photo_hash, fmt, path in todo:
            try:
                ident = identifier_of_file(path, fmt)
            except OSError:
                rep.advance()
                continue  # gone or unreadable since the scan: looked at again by the next one
            found.append((photo_id, photo_hash, ident.content_id, ident.note))
            if ident.note:
                rep.problem(path.decode("utf-8", "backslashreplace"), [ident.note])
            rep.advance()
        store.record_identifiers(ctx.db, found)
    pairs = live_pairs(ctx)
    added, undone = store.sync_live_pairs(ctx.db, pairs)
    return Pairing(len(added), sum(pairs[still][2] == "name" for still in added), undone)


def live_pairs(ctx: AppContext) -> dict[int, tuple[int, float | None, str]]:
    """Still id -> (MOV id, the MOV's duration, ``identifier`` or ``name``) for every pair that
    the live files on disk make now."""
    pairs: dict[int, tuple[int, float | None, str]] = {}
    taken: set[int] = set()
    stills: dict[tuple[str, bytes], set[int]] = {}
    movs: dict[tuple[str, bytes], tuple[int, float | None]] = {}
    for row in store.with_identifier(ctx.db):
        key = (str(row["content_id"]), os.path.dirname(bytes(row["path_bytes"])))
        if row["format"] == "mov":
            movs.setdefault(key, (int(row["photo_id"]), row["duration"]))
        elif row["format"] in ("jpeg", "heic"):
            stills.setdefault(key, set()).add(int(row["photo_id"]))
    for key in sorted(stills.keys() & movs.keys()):
        mov, duration = movs[key]
        for still in sorted(stills[key]):
            pairs.setdefault(still, (mov, duration, "identifier"))
            taken.add(mov)
    for row in store.short_movs(ctx.db, thresholds.LIVE_NAME_PAIR_MAX_SECONDS):
        mov = int(row["photo_id"])
        if mov in taken:
            continue
        path = bytes(row["path_bytes"])
        prefix = path[: path.rfind(b".") + 1]
        if not prefix or b"/" in path[len(prefix) :]:
            continue
        for still_row in store.stills_named(ctx.db, prefix):
            rest = bytes(still_row["path_bytes"])[len(prefix) - 1 :]
            if rest.lower() in _STILL_SUFFIXES and int(still_row["photo_id"]) not in pairs:
                pairs[int(still_row["photo_id"])] = (mov, row["duration"], "name")
                taken.add(mov)
                break
    return pairs
