"""The ``photos`` and ``roots`` tables: the timeline's pages, a photo's row and its neighbours.

Every listing here shows live photos only (a photo still backed by a readable file, see
:mod:`camroll.store.files`); the questions about the catalog itself (:func:`existing_ids`,
:func:`is_still_photo`, :func:`any_catalogued`, :func:`oldest_catalogued`) count every photo in
it, live or not, as the commands asking them always did.

Dialect: ``substr`` (PostgreSQL has it too), row-value comparisons ``(a, b) > (?, ?)`` (PostgreSQL
has them), ``coalesce`` and ``LIMIT`` (PostgreSQL has them); nothing SQLite-only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

from camroll.store.curation import not_archived
from camroll.store.db import Database, Row
from camroll.store.files import first_live_path, first_path_any_state, live_file, live_photo
from camroll.store.live_photos import not_live_clip

_TIMELINE_COLUMNS = "SELECT p.id, p.taken_local, p.kind, p.width, p.height, p.duration FROM photos p"


def dated_page(db: Database, before: tuple[str, int] | None, limit: int) -> list[Row]:
    """Up to ``limit`` dated live photos, newest first, strictly before the (taken_local, id)
    cursor ``before`` (keyset pagination on the ``photos_taken`` index: no sorting, no offset)."""
    where, args = f"{live_photo()} AND {not_archived()} AND {not_live_clip()} AND p.taken_local IS NOT NULL", []
    if before is not None:
        where += " AND (p.taken_local < ? OR (p.taken_local = ? AND p.id < ?))"
        args = [before[0], before[0], before[1]]
    return db.query(f"{_TIMELINE_COLUMNS} WHERE {where} ORDER BY p.taken_local DESC, p.id DESC LIMIT ?", (*args, limit))


def undated_page(db: Database, before_id: int, limit: int) -> list[Row]:
    """Up to ``limit`` live photos without a date, highest id first, below ``before_id``."""
    return db.query(
        f"{_TIMELINE_COLUMNS} WHERE {live_photo()} AND {not_archived()} AND {not_live_clip()}"
        " AND p.taken_local IS NULL AND p.id < ?"
        " ORDER BY p.id DESC LIMIT ?",
        (before_id, limit),
    )


def month_counts(db: Database) -> list[tuple[str | None, int]]:
    """(``YYYY-MM`` or None for the undated, live photos), newest month first, undated last.
    Every photo counts, a stack's members each: the timeline shows a stack once, so its month
    index takes off the photos under a top (``library.stacks.TimelineView.month_counts``, from the
    stacks the page has already found)."""
    rows = db.query(
        f"SELECT substr(p.taken_local, 1, 7) AS m, count(*) FROM photos p WHERE {live_photo()} AND {not_archived()}"
        f" AND {not_live_clip()}"
        " GROUP BY m"
    )  # sorted here: a few hundred months, and ``ORDER BY m IS NULL`` is SQLite's (an alias in an expression)
    return sorted(((r[0], int(r[1])) for r in rows), key=lambda r: r[0] or "", reverse=True)  # undated ("") last


def root_paths(db: Database) -> list[str]:
    """The folders a person pointed camroll at, in the order they were added."""
    return [str(r[0]) for r in db.query("SELECT path FROM roots ORDER BY id")]


def live_photo_row(db: Database, photo_id: int) -> dict[str, Any] | None:
    """Every column of a live photo, or None when there is no such photo or none of its files is
    readable any more."""
    row = db.conn.execute(f"SELECT * FROM photos p WHERE p.id = ? AND {live_photo()}", (photo_id,)).fetchone()
    return None if row is None else dict(row)


def neighbours(db: Database, photo_id: int, taken_local: str | None) -> tuple[int | None, int | None]:
    """The live photos just after and just before this one in (time, id) order: (newer, older)."""
    key = taken_local or ""
    row = db.conn.execute(
        f"SELECT (SELECT p.id FROM photos p WHERE {live_photo()} AND {not_live_clip()} AND (coalesce(p.taken_local, ''), p.id) > (?, ?)"
        "         ORDER BY coalesce(p.taken_local, ''), p.id LIMIT 1),"
        f"       (SELECT p.id FROM photos p WHERE {live_photo()} AND {not_live_clip()} AND (coalesce(p.taken_local, ''), p.id) < (?, ?)"
        "         ORDER BY coalesce(p.taken_local, '') DESC, p.id DESC LIMIT 1)",
        (key, photo_id, key, photo_id),
    ).fetchone()
    return row[0], row[1]


def id_by_hash(db: Database, content_hash: str) -> int | None:
    """The photo with this content hash (sha256, lower-case hex), if catalogued."""
    found = db.scalar("SELECT id FROM photos WHERE hash = ?", (content_hash,))
    return None if found is None else int(found)


def id_by_hash_prefix(db: Database, prefix: str) -> int | None:
    """A photo whose content hash starts with ``prefix`` (a name such as ``IMG_1-<hash>``)."""
    found = db.scalar("SELECT id FROM photos WHERE hash LIKE ?", (prefix + "%",))
    return None if found is None else int(found)


def displayed_size(db: Database, photo_id: int) -> tuple[int, int] | None:
    """(width, height) as displayed, as the catalog recorded it; None for an unknown photo. Either
    may be 0 when the scan could not tell."""
    rows = db.query("SELECT width, height FROM photos WHERE id = ?", (photo_id,))
    if not rows:
        return None
    return int(rows[0]["width"] or 0), int(rows[0]["height"] or 0)


def decode_facts(db: Database, photo_id: int) -> Row | None:
    """What decoding a photo needs from the catalog: hash, kind, orientation, width, height."""
    rows = db.query("SELECT hash, kind, orientation, width, height FROM photos WHERE id = ?", (photo_id,))
    return rows[0] if rows else None


def with_regions(db: Database) -> list[Row]:
    """Photos holding people regions written by another app: id, regions (JSON) and a path to
    name the photo by (its first file in any state)."""
    return db.query(
        f"SELECT p.id, p.regions, {first_path_any_state('p.id')} AS path FROM photos p WHERE p.regions != '[]'"
    )


def count(db: Database) -> int:
    """How many photos the catalog holds (what :func:`for_exposure` yields)."""
    return int(db.scalar("SELECT count(*) FROM photos"))


def for_exposure(db: Database) -> Iterator[Row]:
    """Every catalogued photo, by time then id, as the exposure report reads it: id, taken_local
    (NULL when it was guessed from the file's modification time), gps_lat, gps_lon, make, model,
    serial, format, the path of its first live file (NULL if none), city (the town a person would
    name: Berlin, not its district Steglitz), country. Rows are read
    as they are used, so the caller holds only what it keeps of them (at 200,000 photos the rows
    alone are 130 MB)."""
    yield from db.stream(
        "SELECT p.id, CASE WHEN p.taken_at_source LIKE 'file%' THEN NULL ELSE p.taken_local END AS taken_local,"
        " p.gps_lat, p.gps_lon, p.make, p.model, p.serial, p.format,"
        f" {first_live_path('p.id')} AS path,"
        " coalesce(pp.town, pp.city) AS city, pp.country"
        " FROM photos p LEFT JOIN photo_places pp ON pp.photo_id = p.id ORDER BY p.taken_local, p.id"
    )


def analysable(db: Database) -> list[tuple[Row, list[str]]]:
    """Every photo with a live file, by id, as the analysis plan reads it: its row (id, hash,
    kind, orientation as decoding applies it, width, height) and the paths of its live files
    (consent is granted per folder, so each one may carry it).

    Paths come from ``path_bytes``, exactly as the file system names them (``os.fsdecode``: a
    name that is not UTF-8 keeps its bytes as surrogates), not from the display column ``path``,
    which shows such bytes as ``\\xNN`` and names no file that can be opened."""
    rows = db.query(
        "SELECT p.id, p.hash, p.kind, CASE p.kind WHEN 'video' THEN p.display_orientation ELSE p.orientation END"
        " AS orientation, p.width, p.height, f.path_bytes"
        f" FROM photos p JOIN files f ON f.photo_id = p.id AND {live_file('f')}"
        f" WHERE {not_live_clip()}"  # a Live Photo's MOV: its still is analysed, once
        " ORDER BY p.id, f.path_bytes"
    )
    out: list[tuple[Row, list[str]]] = []
    for row in rows:
        if out and out[-1][0]["id"] == row["id"]:
            out[-1][1].append(os.fsdecode(bytes(row["path_bytes"])))
        else:
            out.append((row, [os.fsdecode(bytes(row["path_bytes"]))]))
    return out


def existing_ids(db: Database, photo_ids: Sequence[int]) -> set[int]:
    """Those of ``photo_ids`` that are catalogued photos, in any state (asked 500 at a time, well
    under any engine's limit on parameters)."""
    found: set[int] = set()
    for start in range(0, len(photo_ids), 500):
        chunk = tuple(photo_ids[start : start + 500])
        found |= {
            int(r[0]) for r in db.query(f"SELECT id FROM photos WHERE id IN ({','.join('?' * len(chunk))})", chunk)
        }
    return found


def oldest_catalogued(db: Database) -> str | None:
    """When the photo catalogued first was (ISO), or None for an empty catalog."""
    found = db.scalar("SELECT min(created_at) FROM photos")
    return None if found is None else str(found)


def any_catalogued(db: Database) -> bool:
    """Whether the catalog holds at least one photo (in any state)."""
    return db.scalar("SELECT 1 FROM photos LIMIT 1") is not None


def is_still_photo(db: Database, photo_id: int) -> bool:
    """Whether ``photo_id`` is a catalogued still photo (not a video)."""
    return db.scalar("SELECT 1 FROM photos WHERE id = ? AND kind = 'photo'", (photo_id,)) is not None


_SOURCE = (
    "SELECT p.id, p.hash, p.kind, f.path, p.orientation, p.width, p.height, p.serial FROM photos p"
    f" JOIN files f ON f.photo_id = p.id AND {live_file('f')} WHERE {{}} ORDER BY f.id LIMIT 1"
)


def _source(db: Database, where: str, params: tuple[Any, ...]) -> Row | None:
    rows = db.query(_SOURCE.format(where), params)
    return rows[0] if rows else None


def live_source(db: Database, photo_id: int) -> Row | None:
    """A photo as a thumbnail or a shared copy opens it: id, hash, kind, path (of its first live
    file, lowest id), orientation, width, height, serial; None when there is no such photo or
    none of its files is readable any more."""
    return _source(db, "p.id = ?", (photo_id,))


def live_source_of_file(db: Database, path_bytes: bytes) -> Row | None:
    """As :func:`live_source`, for the photo of the catalogued file at ``path_bytes`` (whatever
    that file's own state: the photo is opened through its first live file)."""
    return _source(db, "p.id = (SELECT photo_id FROM files WHERE path_bytes = ?)", (path_bytes,))


def live_source_by_hash_prefix(db: Database, prefix: str) -> Row | None:
    """As :func:`live_source`, for a photo whose content hash starts with ``prefix`` (lower-case
    hex, so no LIKE wildcard can be in it)."""
    return _source(db, "p.hash LIKE ?", (prefix + "%",))


def time_and_place(db: Database, photo_id: int) -> Row | None:
    """What a shared copy may keep of a photo: taken_local, taken_at_source, offset_minutes, and
    its named place's city, country and tz_offset_minutes (NULL when it has none); None for an
    unknown photo."""
    rows = db.query(
        "SELECT p.taken_local, p.taken_at_source, p.offset_minutes, pp.city, pp.country, pp.tz_offset_minutes"
        " FROM photos p LEFT JOIN photo_places pp ON pp.photo_id = p.id WHERE p.id = ?",
        (photo_id,),
    )
    return rows[0] if rows else None


def all_ids(db: Database) -> list[int]:
    """The id of every catalogued photo (what an export copied data of)."""
    return [int(r[0]) for r in db.query("SELECT id FROM photos ORDER BY id")]


def clip_facts(db: Database, photo_id: int) -> Row | None:
    """For a video shown as a clip: its display orientation, its length (seconds, or None), and
    the time code of its largest face (None without one); None for a photo or an unknown id."""
    rows = db.query(
        "SELECT p.orientation, p.duration,"
        " (SELECT f.at_s FROM faces f WHERE f.photo_id = p.id AND f.at_s IS NOT NULL ORDER BY f.w * f.h DESC LIMIT 1)"
        " AS face_at FROM photos p WHERE p.id = ? AND p.kind = 'video'",
        (photo_id,),
    )
    return rows[0] if rows else None
