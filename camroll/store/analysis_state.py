"""The ``analysis_state`` table: which capability analysed which photo, at which version, when,
and whether it worked.

The pipeline plans from it (a photo is analysed again only when its state is not ``done`` at the
analyser's current version), records each outcome in its write transaction, a purge deletes the
state of what it purged (so a later grant analyses those photos again), and retention dates
derived data by it.

Dialect: ``INSERT ... ON CONFLICT (...) DO UPDATE SET ... = excluded....`` is shared by SQLite
(3.24+) and PostgreSQL. :func:`delete_in_purge_scope` reads the temporary table ``purge_scope``
(see :mod:`camroll.store.purge`); the rest is plain SQL.
"""

from __future__ import annotations

from collections.abc import Sequence

from camroll.store.db import Connection, Database


def by_photo(db: Database) -> dict[int, dict[str, tuple[str, str]]]:
    """photo id -> capability -> (version, status), for every state recorded."""
    done: dict[int, dict[str, tuple[str, str]]] = {}
    for photo_id, cap_id, version, status in db.conn.execute(
        "SELECT photo_id, capability, version, status FROM analysis_state"
    ):
        done.setdefault(photo_id, {})[cap_id] = (version, status)
    return done


def of_photos(conn: Connection, photo_ids: Sequence[int]) -> dict[int, dict[str, tuple[str, str]]]:
    """As :func:`by_photo`, for these photos only, read now (on ``conn``): what another process
    sharing the catalog stored since the plan was made."""
    done: dict[int, dict[str, tuple[str, str]]] = {}
    if not photo_ids:
        return done
    marks = ", ".join("?" * len(photo_ids))
    for photo_id, cap_id, version, status in conn.execute(
        f"SELECT photo_id, capability, version, status FROM analysis_state WHERE photo_id IN ({marks})",
        tuple(photo_ids),
    ):
        done.setdefault(photo_id, {})[cap_id] = (version, status)
    return done


def is_done(db: Database, photo_id: int, capability: str) -> bool:
    """Whether ``capability`` analysed the photo successfully (at any version)."""
    found = db.scalar(
        "SELECT 1 FROM analysis_state WHERE photo_id = ? AND capability = ? AND status = 'done'", (photo_id, capability)
    )
    return found is not None


def record(
    conn: Connection, photo_id: int, capability: str, version: str, status: str, error: str | None, at: str
) -> None:
    """Inside the writer's transaction: the outcome of one capability on one photo (``done`` or
    ``failed`` with its reason), replacing any earlier one."""
    conn.execute(
        "INSERT INTO analysis_state (photo_id, capability, version, status, error, at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (photo_id, capability) DO UPDATE SET version = excluded.version, status = excluded.status,"
        " error = excluded.error, at = excluded.at",
        (photo_id, capability, version, status, error, at),
    )


def delete_in_purge_scope(conn: Connection, capability: str) -> int:
    """Inside a purge, with ``purge_scope`` filled: forget that ``capability`` analysed those
    photos; return how many states went."""
    return conn.execute(
        "DELETE FROM analysis_state WHERE capability = ? AND photo_id IN (SELECT id FROM purge_scope)", (capability,)
    ).rowcount


def done_before(db: Database, capability: str, cutoff: str) -> list[int]:
    """Photos whose ``capability`` analysis succeeded before ``cutoff`` (ISO time): their derived
    data is older than that."""
    rows = db.query(
        "SELECT photo_id FROM analysis_state WHERE capability = ? AND status = 'done' AND at < ?", (capability, cutoff)
    )
    return [int(r[0]) for r in rows]


def oldest_done(db: Database, capability: str) -> str | None:
    """When the oldest successful ``capability`` analysis still held was made (ISO), or None."""
    found = db.scalar("SELECT min(at) FROM analysis_state WHERE capability = ? AND status = 'done'", (capability,))
    return None if found is None else str(found)
