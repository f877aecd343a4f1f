"""The ``creations`` and ``creation_photos`` tables: the files camroll made and the photos each
was made from. ``creations/records.py`` decides what a creation is and which go in a purge; the
SQL is here.

Dialect: ``INSERT OR IGNORE`` (PostgreSQL: ``ON CONFLICT DO NOTHING``), ``group_concat``
(PostgreSQL: ``string_agg`` with a text cast) and ``lastrowid`` (PostgreSQL: ``RETURNING id``)
are SQLite's. :func:`in_purge_scope` reads the temporary table ``purge_scope`` (see
:mod:`camroll.store.purge`).
"""

from __future__ import annotations

from collections.abc import Iterable

from camroll.store.db import Connection, Database, Row


def insert(
    db: Database,
    kind: str,
    path: str,
    title: str | None,
    source: str | None,
    params: str,
    capabilities: str,
    created_at: str,
    photo_ids: Iterable[int],
) -> int:
    """Record a finished creation and the photos it was made from, in one transaction
    (``params`` and ``capabilities`` as JSON); return its id."""
    with db.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO creations (kind, path, title, source, params, capabilities, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (kind, path, title, source, params, capabilities, created_at),
        )
        creation_id = int(cur.lastrowid or 0)
        conn.executemany(
            "INSERT OR IGNORE INTO creation_photos (creation_id, photo_id) VALUES (?, ?)",
            [(creation_id, pid) for pid in photo_ids],
        )
    return creation_id


def rows(db: Database, creation_id: int | None = None) -> list[Row]:
    """Every column of every creation (or of the one asked for), newest first, with ``pids``: the
    ids of its photos joined by commas (NULL when none is left)."""
    where, args = ("WHERE c.id = ?", (creation_id,)) if creation_id is not None else ("", ())
    return db.query(
        "SELECT c.*, (SELECT group_concat(photo_id) FROM creation_photos cp WHERE cp.creation_id = c.id) AS pids"
        f" FROM creations c {where} ORDER BY c.id DESC",
        args,
    )


def path_of(db: Database, creation_id: int) -> str | None:
    """Where a creation was written, or None when there is no such creation."""
    found = db.scalar("SELECT path FROM creations WHERE id = ?", (creation_id,))
    return None if found is None else str(found)


def delete(db: Database, creation_id: int) -> None:
    """Delete a creation's row (its links to photos go with it)."""
    with db.transaction() as conn:
        conn.execute("DELETE FROM creations WHERE id = ?", (creation_id,))


def delete_of_kind_at(db: Database, kind: str, path: str) -> None:
    """Delete the creations of ``kind`` recorded at ``path`` (their links to photos go with them):
    a file written again over the same path is one creation, recorded afresh, not two."""
    with db.transaction() as conn:
        conn.execute("DELETE FROM creations WHERE kind = ? AND path = ?", (kind, path))


def in_purge_scope(conn: Connection) -> list[tuple[int, str, str]]:
    """Inside a purge, with ``purge_scope`` filled: (id, path, capabilities as JSON) of every
    creation made from at least one of those photos."""
    found = conn.execute(
        "SELECT DISTINCT c.id, c.path, c.capabilities FROM creations c JOIN creation_photos cp ON cp.creation_id = c.id"
        " WHERE cp.photo_id IN (SELECT id FROM purge_scope)"
    ).fetchall()
    return [(int(r[0]), str(r[1]), str(r[2])) for r in found]


def delete_in(conn: Connection, creation_ids: Iterable[int]) -> None:
    """Inside the caller's transaction: delete these creations' rows."""
    conn.executemany("DELETE FROM creations WHERE id = ?", [(cid,) for cid in creation_ids])
