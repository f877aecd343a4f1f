"""The jobs table: long work on a library, as every front end sees it (camroll/library/jobs.py
runs them).

Dialect: plain SQL; ``max(0, ...)`` and ``datetime`` comparisons on ISO text work the same in
PostgreSQL with ``greatest`` and timestamptz (noted where used).
"""

from __future__ import annotations

from collections.abc import Sequence

from camroll.store.db import Connection, Database, Row

ACTIVE = ("queued", "running")
"""States of a job that has not ended."""

_COLUMNS = (
    "id, kind, title, actor, pid, exclusive, state, phase, done, total, problems, message, link,"
    " cancel_requested, created_at, started_at, finished_at"
)


def shown(text: str) -> str:
    """Text as it can be stored and shown: a file or folder name with bytes that are not UTF-8
    (decoded with surrogate escapes) keeps them as ``\\xNN`` instead of failing the whole job."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def create(db: Database, kind: str, title: str, actor: str, pid: int, exclusive: bool, now: str) -> int:
    """A new job, queued; its id."""
    with db.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO jobs (kind, title, actor, pid, exclusive, state, created_at) VALUES (?, ?, ?, ?, ?, 'queued', ?)",
            (kind, shown(title), actor, pid, int(exclusive), now),
        )
        return int(cur.lastrowid or 0)


def started(db: Database, job_id: int, now: str) -> None:
    with db.transaction() as conn:
        conn.execute("UPDATE jobs SET state = 'running', started_at = ? WHERE id = ?", (now, job_id))


def progress(
    db: Database,
    job_id: int,
    title: str,
    phase: str,
    done: int,
    total: int | None,
    problems: int,
    failures: Sequence[tuple[int, str, str]],
) -> bool:
    """Write a running job's progress and its new failures ``(n, path, reason)``; True when
    someone asked to cancel it."""
    with db.transaction() as conn:
        conn.execute(
            "UPDATE jobs SET title = ?, phase = ?, done = ?, total = ?, problems = ? WHERE id = ?",
            (shown(title), phase, done, total, problems, job_id),
        )
        conn.executemany(
            "INSERT OR IGNORE INTO job_failures (job_id, n, path, reason) VALUES (?, ?, ?, ?)",
            [(job_id, n, shown(path), shown(reason)) for n, path, reason in failures],
        )
        return bool(conn.execute("SELECT cancel_requested FROM jobs WHERE id = ?", (job_id,)).fetchone()[0])


def finished(db: Database, job_id: int, state: str, message: str, link: str | None, now: str) -> None:
    with db.transaction() as conn:
        conn.execute(
            "UPDATE jobs SET state = ?, message = ?, link = ?, finished_at = ? WHERE id = ?",
            (state, shown(message), link, now, job_id),
        )


def request_cancel(db: Database, job_id: int) -> bool:
    """Ask a job that has not ended to stop; False if there is no such job or it has ended."""
    with db.transaction() as conn:
        cur = conn.execute(
            "UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND state IN ('queued', 'running')", (job_id,)
        )
        return cur.rowcount == 1


def cancel_requested(db: Database, job_id: int) -> bool:
    return bool(db.scalar("SELECT cancel_requested FROM jobs WHERE id = ?", (job_id,)))


def get(db: Database, job_id: int) -> Row | None:
    row: Row | None = db.conn.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return row


def recent(db: Database, limit: int) -> list[Row]:
    """The newest jobs first."""
    return db.query(f"SELECT {_COLUMNS} FROM jobs ORDER BY id DESC LIMIT ?", (limit,))


def active(db: Database) -> list[Row]:
    """Jobs queued or running, oldest first (the queue's order)."""
    return db.query(f"SELECT {_COLUMNS} FROM jobs WHERE state IN ('queued', 'running') ORDER BY id")


def failures(db: Database, job_id: int, limit: int) -> list[tuple[str, str]]:
    rows = db.query("SELECT path, reason FROM job_failures WHERE job_id = ? ORDER BY n LIMIT ?", (job_id, limit))
    return [(str(r[0]), str(r[1])) for r in rows]


def ended_elsewhere(db: Database, job_ids: Sequence[int], message: str, now: str) -> None:
    """Mark jobs whose process is gone (killed, crashed) as failed, saying so."""
    with db.transaction() as conn:
        conn.executemany(
            "UPDATE jobs SET state = 'failed', message = ?, finished_at = ?"
            " WHERE id = ? AND state IN ('queued', 'running')",
            [(message, now, i) for i in job_ids],
        )


def prune(db: Database, keep: int, before: str) -> int:
    """Delete ended jobs beyond the newest ``keep``, and any that ended before ``before`` (ISO
    text compares in time order); their failures go with them."""
    with db.transaction() as conn:
        cur = conn.execute(
            "DELETE FROM jobs WHERE state NOT IN ('queued', 'running') AND (finished_at < ? OR id NOT IN"
            " (SELECT id FROM jobs WHERE state NOT IN ('queued', 'running') ORDER BY id DESC LIMIT ?))",
            (before, keep),
        )
        return cur.rowcount


def clear(conn: Connection) -> None:
    """Forget every job and failure (``camroll forget``: titles and failures name folders)."""
    conn.execute("DELETE FROM job_failures")
    conn.execute("DELETE FROM jobs WHERE state NOT IN ('queued', 'running')")
