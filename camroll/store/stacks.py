"""What stacks are computed from, and the one decision about them that is stored (issue 14).

``library/stacks.py`` finds the stacks by reading the library once in time order
(:func:`stream_in_time_order`: a cursor, never a list of the library) and the near-duplicate
groups once (:func:`near_duplicate_groups`); ``stack_kept`` (migration 0030) remembers the photos
a person chose to keep whole, so the review does not offer their stack again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from camroll.store.db import Database, Row, now_iso
from camroll.store.files import live_file
from camroll.store.live_photos import not_live_clip

CHUNK = 500
"""Ids per ``IN (...)`` list, well under SQLite's bound-parameter limit."""

_COLUMNS = (
    "SELECT p.id, p.taken_local, p.taken_at_source, p.make, p.model, p.serial, p.format, p.size,"
    " p.width, p.height, q.score, coalesce(fl.favourite, 0) AS favourite,"
    # One live file's name (a photo's exact copies are one photo): any will do to pair it, and
    # leaving out first_live_path's ORDER BY halves the cost of the pass over the library.
    f" (SELECT lf.path FROM files lf WHERE lf.photo_id = p.id AND {live_file('lf')} LIMIT 1) AS path"
    " FROM photos p LEFT JOIN quality q ON q.photo_id = p.id LEFT JOIN photo_flags fl ON fl.photo_id = p.id"
)
# A stack is made of photos a person sees in the timeline: not a video, not archived (as
# curation.not_archived, read from the join above), not the MOV half of a Live Photo. A photo
# none of whose files is readable has a NULL path (skipped).
_SHOWN = f"p.kind = 'photo' AND coalesce(fl.archived, 0) = 0 AND {not_live_clip()}"


def count_dated(db: Database) -> int:
    """How many photos :func:`stream_in_time_order` will read (for a progress bar)."""
    return int(db.scalar("SELECT count(*) FROM photos p WHERE p.kind = 'photo' AND p.taken_local IS NOT NULL"))


def stream_in_time_order(db: Database) -> Iterator[Row]:
    """Every dated photo shown in the timeline, oldest first (``photos_taken`` index, no sort),
    one row at a time: id, taken_local, taken_at_source, make, model, serial, format, size,
    width, height, path (NULL: no readable file), score (NULL: no quality analysis), favourite."""
    yield from db.stream(f"{_COLUMNS} WHERE p.taken_local IS NOT NULL AND {_SHOWN} ORDER BY p.taken_local, p.id")


def photos_by_id(db: Database, ids: Iterable[int]) -> list[Row]:
    """The same columns for these photos (those still shown in the timeline, dated or not)."""
    ids = list(ids)
    out: list[Row] = []
    for i in range(0, len(ids), CHUNK):
        part = ids[i : i + CHUNK]
        marks = ",".join("?" * len(part))
        out += db.query(f"{_COLUMNS} WHERE p.id IN ({marks}) AND {_SHOWN}", part)
    return out


def near_duplicate_groups(db: Database) -> Iterator[tuple[int, int]]:
    """(group id, photo id) of every photo in a near-duplicate group, one group after another."""
    for row in db.stream("SELECT group_id, photo_id FROM near_duplicates ORDER BY group_id"):
        yield int(row[0]), int(row[1])


def kept_among(db: Database, ids: Iterable[int]) -> set[int]:
    """Which of these photos a person kept with their whole stack ("keep all")."""
    ids = list(ids)
    out: set[int] = set()
    for i in range(0, len(ids), CHUNK):
        part = ids[i : i + CHUNK]
        marks = ",".join("?" * len(part))
        out.update(int(r[0]) for r in db.query(f"SELECT photo_id FROM stack_kept WHERE photo_id IN ({marks})", part))
    return out


def mark_kept(db: Database, ids: Iterable[int]) -> int:
    """Remember that these photos were kept with their stack; return how many were not yet."""
    at = now_iso()
    with db.transaction() as conn:
        before = conn.total_changes
        conn.executemany("INSERT OR IGNORE INTO stack_kept (photo_id, kept_at) VALUES (?, ?)", [(i, at) for i in ids])
        return conn.total_changes - before
