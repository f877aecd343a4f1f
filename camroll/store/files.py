"""The ``files`` table: which files back a photo, and the one definition of a *live* file.

**Live.** A file is live when the last scan could read it: state ``ok`` (read cleanly) or
``problem`` (read, with something wrong in its metadata that the person is told about). A photo is
live when at least one of its files is live; the timeline, search, places, people and moments show
live photos only.

**A failed file is not live.** ``library/scan.py`` marks a file ``failed`` when it is present on
disk but could not be read at all (truncated, not an image, a decoder error): it has no content
hash, so it is stored with ``photo_id = NULL`` and backs no photo. Nothing camroll knows about a
photo comes from it, and opening it again would fail again, so what a person expects is that it
appears only in the scan's list of files that could not be read, never as a photo in the
timeline, in search, on a person or as a source of a creation. A ``missing`` file (gone from
disk since an earlier scan) is not live either. Before this module there were two spellings
(``state IN ('ok', 'problem')`` and ``state != 'missing'``); since a failed file never carries a
``photo_id``, they agreed on every query that reached files through a photo, and this is the one
that says what is meant.

Dialect: plain SQL except ``instr`` in :func:`on_disk_directly_in` (noted there); parameters are
qmark (``?``) placeholders, as everywhere in ``store/``.
"""

from __future__ import annotations

from collections.abc import Sequence

from camroll.store.db import Database, Row, now_iso

LIVE_STATES = ("ok", "problem")
"""The file states of a readable file (see the module docstring)."""

ON_DISK_STATES = (*LIVE_STATES, "failed")
"""The file states of a file that was on disk at the last scan, readable or not (every state but
``missing``): a folder holding one is a folder the person's photos live in."""


def live_file(alias: str = "f") -> str:
    """A WHERE fragment: the file ``alias`` (a row of ``files``) is live."""
    states = ", ".join(f"'{s}'" for s in LIVE_STATES)
    return f"{alias}.state IN ({states})"


def on_disk_file(alias: str = "f") -> str:
    """A WHERE fragment: the file ``alias`` was on disk at the last scan (live, or failed to read)."""
    states = ", ".join(f"'{s}'" for s in ON_DISK_STATES)
    return f"{alias}.state IN ({states})"


def live_photo(photo: str = "p") -> str:
    """A WHERE fragment: the photo ``photo`` (a row of ``photos``) has at least one live file."""
    return f"EXISTS (SELECT 1 FROM files lf WHERE lf.photo_id = {photo}.id AND {live_file('lf')})"


def first_live_path(photo_id_column: str) -> str:
    """A scalar subquery: the path of the first live file (lowest id) of the photo whose id is in
    ``photo_id_column``; NULL when it has none."""
    return (
        f"(SELECT lf.path FROM files lf WHERE lf.photo_id = {photo_id_column} AND {live_file('lf')}"
        " ORDER BY lf.id LIMIT 1)"
    )


def first_path_any_state(photo_id_column: str) -> str:
    """A scalar subquery: the path of the photo's first file in any state, even missing (a name to
    show for a photo, not a file to open)."""
    return f"(SELECT af.path FROM files af WHERE af.photo_id = {photo_id_column} ORDER BY af.id LIMIT 1)"


def live_files(db: Database, photo_id: int) -> list[Row]:
    """The photo's live files (path, state, errors), first catalogued first."""
    return db.query(
        f"SELECT f.path, f.state, f.errors FROM files f WHERE f.photo_id = ? AND {live_file()} ORDER BY f.id",
        (photo_id,),
    )


def readable_paths(db: Database, photo_id: int) -> list[str]:
    """The paths of the photo's live files, cleanly read ones first: the order to try them in
    when decoding the photo (one may have become unreadable since the scan)."""
    rows = db.query(
        f"SELECT f.path FROM files f WHERE f.photo_id = ? AND {live_file()} ORDER BY f.state = 'ok' DESC, f.id",
        (photo_id,),
    )
    return [str(r[0]) for r in rows]


def live_files_named_like(db: Database, patterns: tuple[str, ...]) -> list[tuple[int, str]]:
    """(photo id, path) of live files whose path matches one of the LIKE ``patterns`` (escaped
    with a backslash)."""
    ors = " OR ".join("f.path LIKE ? ESCAPE '\\'" for _ in patterns)
    rows = db.query(
        f"SELECT f.photo_id, f.path FROM files f WHERE f.photo_id IS NOT NULL AND {live_file()} AND ({ors})", patterns
    )
    return [(int(r[0]), str(r[1])) for r in rows]


def on_disk_directly_in(db: Database, folder: bytes) -> str | None:
    """The path of a catalogued file still on disk (live or failed) directly in ``folder`` (its
    path as bytes, no trailing slash), not in a subfolder; None when there is none.

    Dialect: ``instr`` is SQLite's (PostgreSQL: ``position``); ``substr`` on bytes works in both."""
    found = db.scalar(
        "SELECT f.path FROM files f WHERE substr(f.path_bytes, 1, ?) = ? AND instr(substr(f.path_bytes, ?), '/') = 0"
        f" AND {on_disk_file()} LIMIT 1",
        (len(folder) + 1, folder + b"/", len(folder) + 2),
    )
    return None if found is None else str(found)


def first_live(db: Database, photo_id: int) -> str | None:
    """The path of the photo's first live file (lowest id), or None when it has none."""
    found = db.scalar(f"SELECT {first_live_path('?')}", (photo_id,))
    return None if found is None else str(found)


def a_live_path_each(db: Database, photo_ids: list[int]) -> dict[int, str]:
    """photo id -> one live path of it (the lowest in sort order, so a listing is stable), for
    those of ``photo_ids`` that have one (asked 500 at a time)."""
    out: dict[int, str] = {}
    for start in range(0, len(photo_ids), 500):
        chunk = photo_ids[start : start + 500]
        rows = db.query(
            f"SELECT f.photo_id, MIN(f.path) AS path FROM files f WHERE {live_file()}"
            f" AND f.photo_id IN ({','.join('?' * len(chunk))}) GROUP BY f.photo_id",
            chunk,
        )
        out.update((int(r["photo_id"]), str(r["path"])) for r in rows)
    return out


def mark_missing(db: Database, paths: Sequence[bytes]) -> None:
    """These catalogued files (by ``path_bytes``) are gone from disk: state ``missing``, since now."""
    if paths:
        now = now_iso()
        with db.transaction() as conn:
            conn.executemany(
                "UPDATE files SET state = 'missing', missing_since = ? WHERE path_bytes = ?", [(now, p) for p in paths]
            )
