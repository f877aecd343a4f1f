"""Which photos this process is analysing, when several processes share one PostgreSQL catalog.

On SQLite a library has one analysis at a time: ``jobs.lock`` in its home
(:mod:`camroll.library.jobs`). A catalog in PostgreSQL can be reached from several homes (other
machines, the keys copied), each with its own ``jobs.lock``, so two analyses can plan the same
photos. Before a photo goes to a worker, the pipeline claims it here with a session-level
advisory lock keyed on (:data:`NAMESPACE`, photo id); a photo another session holds is left to
that session, and the claim is released once the photo's results are committed (or the run
ends; a session that dies loses its locks with it, so a crash leaves nothing held).

Why advisory locks and not a ``claimed_by`` column: they cost no write, cannot be left behind by a
process that was killed, and are visible in ``pg_locks`` (``locktype = 'advisory'``,
``classid`` = :data:`NAMESPACE`, ``objid`` = photo id, ``objsubid`` = 2). A whole batch is
claimed or released in one statement.

Everything here is a no-op on SQLite (``claim`` grants every photo asked for). PostgreSQL only:
``pg_try_advisory_lock(int, int)`` and ``unnest(...) WITH ORDINALITY``, sent only to PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence

from camroll.store.db import Connection, on_postgres

NAMESPACE = 0x63616D61  # 'cama'
"""The first key of every photo's analysis lock (the second is the photo's id): apart from the
library's writer lock (:data:`camroll.store.db.WRITER_LOCK`, a single 64-bit key, so a lock space
of its own) and from any other application's two-key locks that do not pick the same number."""

_INT4 = 1 << 32


def lock_key(photo_id: int) -> int:
    """The photo's id as the lock's second key (a 32-bit signed integer): the id itself below 2^31;
    beyond, wrapped, so two photos 2^32 apart share a lock (one then waits for the other's run,
    neither runs twice)."""
    return (photo_id + (1 << 31)) % _INT4 - (1 << 31)


def claim(conn: Connection, photo_ids: Sequence[int]) -> list[int]:
    """Outside any transaction: try to claim each photo for this session's analysis, without
    waiting; return the ids claimed (in the order asked). A lock this session already holds is
    granted again (PostgreSQL counts it: :func:`release` once per claim)."""
    if not photo_ids or not on_postgres(conn):
        return list(photo_ids)
    rows = conn.execute(
        "SELECT n FROM unnest(?::int[]) WITH ORDINALITY AS t(k, n) WHERE pg_try_advisory_lock(?, k) ORDER BY n",
        ([lock_key(i) for i in photo_ids], NAMESPACE),
    ).fetchall()
    return [photo_ids[int(r[0]) - 1] for r in rows]


def release(conn: Connection, photo_ids: Sequence[int]) -> int:
    """Release claims this session holds (once each); return how many were held. Run after the
    transaction that stored their results committed, so the next claimant reads them done."""
    if not photo_ids or not on_postgres(conn):
        return 0
    found = conn.execute(
        "SELECT count(*) FROM unnest(?::int[]) AS k WHERE pg_advisory_unlock(?, k)",
        ([lock_key(i) for i in photo_ids], NAMESPACE),
    ).fetchone()
    return int(found[0]) if found is not None else 0


def held_elsewhere(conn: Connection) -> list[int]:
    """Lock keys (photo ids below 2^31) of the photos other sessions of this database are analysing
    now: for diagnostics and tests. Empty on SQLite."""
    if not on_postgres(conn):
        return []
    rows = conn.execute(
        "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = ? AND objsubid = 2"
        " AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " AND pid != pg_backend_pid() ORDER BY objid",
        (NAMESPACE,),
    ).fetchall()
    return [int(r[0]) for r in rows]
