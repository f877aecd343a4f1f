"""Turning a photo by hand (``camroll edit --rotate``, the photo page's turn buttons).

A turn is an edit like a date or a title (:mod:`camroll.library.edits`): kept in ``photo_edits``
(the clockwise degrees on top of how the file shows, cumulative, so two quarter turns are one
edit of 180), applied to the photos row and written to the sidecar as ``tiff:Orientation``; the
original is never written. The row's ``orientation`` and ``display_orientation`` become the
file's composed with the turn (:mod:`camroll.library.orientation`) and its width and height swap
for a quarter turn, so everything that decodes a photo from the catalog (analysis, thumbnails,
shared copies, collages) shows it turned without knowing about edits.

**What is redone.** Face boxes, text boxes and nudity boxes are in displayed pixels, so what
found them is purged for this one photo (the purge's own :func:`delete_derived`, with the
photo's face crops), and the next analysis finds them again the right way up:

* faces, and what depends on them (people's assignments of these faces, expressions);
* text: its line boxes, and a reader that read sideways text reads it better upright;
* sensitive content: its boxes are what a shared copy masks;
* tags: they have no box, but the classifier learnt from upright photos, and a photo is turned
  because it showed sideways: its words are worth reading again (one photo, a fraction of a second).

Kept: quality (sharpness and exposure do not change under a quarter turn) and the near-duplicate
fingerprint (it says which picture this is, and a copy shown another way round is still a copy;
redone, it would split a turned photo from its own twins). What was made from the photo
(collages, videos, shared copies) is kept too: it was the person's, made as the photo showed.
A person's hand edits of the photo's faces (``face_edits``, keyed by their box) turn with it, so
the people job gives the names back to the faces found again.

Not turned: videos (their frames are turned by the track's own rotation, which clips and
analysis read separately), and HEIF/AVIF photos whose container turns them (``irot``/``imir``,
which libheif applies and the decoder then follows instead of the catalog): both are refused with
a sentence saying so.
"""

from __future__ import annotations

import os
from typing import Any

from camroll import capabilities
from camroll.config import AppContext
from camroll.library import orientation
from camroll.library.isobmff import is_isobmff, read_isobmff
from camroll.privacy import audit
from camroll.privacy.purge import delete_derived, fill_scope, finish_pending, hashed_files, journal
from camroll.store import edits as store
from camroll.store import files as store_files
from camroll.store import purge as store_purge
from camroll.store.db import Connection, now_iso

FIELD = "rotation"
REDONE = ("faces", "text", "sensitive", "tags")
"""The capabilities whose results for a photo depend on which way up it is (see the docstring)."""
HEIF_READ_MAX_BYTES = 256 << 20
"""A HEIF photo is read whole to learn whether its container turns it; a larger file is refused."""


class RotateError(ValueError):
    """A turn that cannot be made; the message is for the person who asked."""


def columns(base: list[Any], degrees: int) -> list[Any]:
    """The photos columns (orientation, display_orientation, width, height) of a photo whose
    file's own are ``base``, turned ``degrees`` clockwise."""
    exif, display, width, height = base
    if orientation.swaps(degrees):
        width, height = height, width
    return [
        orientation.rotated(int(exif or 1), degrees),
        orientation.rotated(int(display or 1), degrees),
        width,
        height,
    ]


def redone_capabilities() -> list[capabilities.Capability]:
    """The capabilities a turn purges for its photo, dependents first (the purge's order)."""
    out: list[capabilities.Capability] = []
    for cap_id in REDONE:
        for cap in [*capabilities.dependents(cap_id), capabilities.get(cap_id)]:
            if cap not in out:
                out.append(cap)
    return out


def check_turnable(ctx: AppContext, photo_id: int) -> None:
    """Raise :class:`RotateError` for a photo a turn cannot be applied to."""
    facts = store.kind_and_format(ctx.db, photo_id)
    paths = store_files.readable_paths(ctx.db, photo_id)
    if facts is None or not paths:
        raise RotateError(f"there is no photo {photo_id} with a file in the library")
    kind, fmt = facts
    if kind != "photo":
        raise RotateError("videos cannot be turned yet: only photos")
    if fmt in ("heic", "avif") and _container_turns(paths[0]):
        raise RotateError(
            "this HEIF photo is turned by its own container (irot/imir), which decoders follow: "
            "camroll cannot turn it further yet"
        )


def _container_turns(path: str) -> bool:
    try:
        with open(os.fsencode(path), "rb") as f:
            data = f.read(HEIF_READ_MAX_BYTES + 1)
    except OSError:
        return True  # unreadable now: refuse rather than guess
    if len(data) > HEIF_READ_MAX_BYTES or not is_isobmff(data[:16]):
        return len(data) > HEIF_READ_MAX_BYTES
    c = read_isobmff(data)
    return c.container_rotation is not None or bool(c.container_mirror)


def turned(conn: Connection, photo_id: int) -> int:
    """The clockwise degrees a photo is turned by hand (0 when it is not)."""
    return int(store.of_photo(conn, photo_id).get(FIELD, 0))


def turn(ctx: AppContext, photo_id: int, degrees: int) -> int:
    """Turn a photo ``degrees`` clockwise more than it shows now; return its total turn (0: back
    as the file shows it, and the edit is gone). Purges what must be redone and writes the
    sidecar (the caller does, through :func:`camroll.library.edits.rotate`)."""
    if degrees % 90:
        raise RotateError(f"a photo turns by 90, 180 or 270 degrees, not {degrees}")
    check_turnable(ctx, photo_id)
    with ctx.db.transaction() as conn:
        total = (turned(conn, photo_id) + degrees) % 360
        entry = _apply(ctx, conn, photo_id, total)
    _finish(ctx, entry)
    return total


def undo(ctx: AppContext, photo_id: int) -> bool:
    """Show the photo as the file does again; False when it was not turned."""
    with ctx.db.transaction() as conn:
        if not turned(conn, photo_id):
            return False
        entry = _apply(ctx, conn, photo_id, 0)
    _finish(ctx, entry)
    return True


def _finish(ctx: AppContext, entry: int | None) -> None:
    audit.confirm(ctx)
    if entry is not None:
        finish_pending(ctx, [entry])


def _apply(ctx: AppContext, conn: Connection, photo_id: int, total: int) -> int | None:
    """Inside the turn's transaction: set the photo to ``total`` degrees, purge what must be
    redone, journal its stale files; return the journal entry (None when nothing changed)."""
    step = (total - turned(conn, photo_id)) % 360
    if not step:
        return None
    shown = store.current(conn, photo_id, FIELD)
    base = store.before(conn, photo_id, FIELD) or shown
    if total:
        store.save(conn, photo_id, FIELD, total, now_iso())
        store.set_columns(conn, photo_id, FIELD, columns(base, total))
    else:
        store.remove(conn, photo_id, FIELD)
        store.set_columns(conn, photo_id, FIELD, base)
    if shown[2] and shown[3]:
        store.turn_face_boxes(conn, photo_id, int(shown[2]), int(shown[3]), step)
    hashes = fill_scope(conn, [photo_id])
    rows, _made = delete_derived(conn, redone_capabilities(), creations=False)
    store_purge.empty(conn)
    # The face crops and the thumbnails of the photo as it showed (named by its hash) go too.
    doomed = hashed_files(ctx, [capabilities.get("faces"), capabilities.get("metadata")], hashes)
    details = {"photo": photo_id, "fields": [FIELD], "turned": total, "redone": rows}
    audit.record_in(conn, ctx.actor, "edit" if total else "edit.undo", details)
    return journal(conn, None, {}, doomed)  # committed with the turn; the files go after the commit
