"""One library-wide job of a kind at a time, when several processes share one PostgreSQL catalog.

The jobs that follow an analysis read the whole library and write a result computed from that
read: clustering people assigns the faces without a person (creating people for the new groups),
near-duplicate grouping and places regroup photos. Two such runs interleaved (two homes analysing
one catalog, each finishing with the job) would each read the faces still unassigned and each
create people for them; the later write would then move the faces to its own people and leave
the earlier ones empty. So each job holds a session-level advisory lock keyed on
(:data:`NAMESPACE`, the job's name) for its whole run, taken before it reads: a second run waits,
then reads what the first wrote and has only what is new to do. Locks are not taken inside a
transaction (a job's writes take the writer lock, :data:`camroll.store.db.WRITER_LOCK`, in their
own transactions), so no two locks are ever waited for in opposite orders.

On SQLite this does nothing: a library there has one job runner at a time (``jobs.lock`` in its
home). Visible while held in ``pg_locks`` (``locktype = 'advisory'``, ``classid`` =
:data:`NAMESPACE`, ``objsubid`` = 2); a session that dies loses it.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from camroll.store.db import Database, on_postgres

NAMESPACE = 0x63616D6A  # 'camj'
"""The first key of a library-wide job's lock (the second: :func:`job_key` of its name); apart
from the photos' analysis claims (:data:`camroll.store.analysis_claims.NAMESPACE`)."""


def job_key(name: str) -> int:
    """The job's name as the lock's second key: a 31-bit CRC of it (the names are a closed list
    in the capability registry; a clash would only make two kinds of job wait for each other)."""
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


@contextmanager
def library_job(db: Database, name: str, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the library's lock for job ``name`` while the block runs, outside any transaction.
    When another process holds it, ``waiting()`` is called (to say so), then this waits for it.
    Re-entrant within one process (PostgreSQL counts a session's locks)."""
    if not on_postgres(db.conn):
        yield
        return
    key = (NAMESPACE, job_key(name))
    if db.conn.execute("SELECT pg_try_advisory_lock(?, ?)", key).fetchone()[0] is not True:
        if waiting is not None:
            waiting()
        db.conn.execute("SELECT pg_advisory_lock(?, ?)", key)
    try:
        yield
    finally:
        db.conn.execute("SELECT pg_advisory_unlock(?, ?)", key)
