"""What `camroll watch` watches and when it last looked (table ``watch_state``, migration 0017)."""

from __future__ import annotations

from typing import Any

from camroll.store.db import Database, now_iso


def started(db: Database, path: str, mode: str, pid: int) -> None:
    """Record that ``path`` is watched (``mode``: 'inotify' or 'rescan') by process ``pid``."""
    with db.transaction() as conn:
        conn.execute(
            "INSERT INTO watch_state (path, mode, started_at, last_look, bursts, pid) VALUES (?, ?, ?, ?, 0, ?)"
            " ON CONFLICT (path) DO UPDATE SET mode = excluded.mode, started_at = excluded.started_at,"
            " last_look = excluded.last_look, bursts = 0, pid = excluded.pid",
            (path, mode, now_iso(), now_iso(), pid),
        )


def looked(db: Database, path: str, burst: bool) -> None:
    """Stamp the time the watcher last looked at ``path`` (and count a burst of changes)."""
    with db.transaction() as conn:
        conn.execute(
            "UPDATE watch_state SET last_look = ?, bursts = bursts + ? WHERE path = ?",
            (now_iso(), 1 if burst else 0, path),
        )


def stopped(db: Database, paths: list[str]) -> None:
    """The watcher has ended: no process watches these folders any more."""
    with db.transaction() as conn:
        conn.executemany("UPDATE watch_state SET pid = NULL WHERE path = ?", [(p,) for p in paths])


def listing(db: Database) -> list[dict[str, Any]]:
    """Every folder ever watched, with its mode, last look, bursts and the watching pid (or None)."""
    rows = db.query("SELECT path, mode, started_at, last_look, bursts, pid FROM watch_state ORDER BY path")
    return [dict(r) for r in rows]
