"""The web server's logins: one row per logged-in browser, in ``<home>/web/sessions.db``.

A session lives on the server so that it can end there: logging out, a new password or an
expired session deletes the row, and the cookie that named it is then worth nothing. The table
sits in a small database of its own beside ``users.json`` (the server's, not a library's): it is
written on every login and, at most once a minute, on use, and those writes must neither wait on
a long scan's transactions nor invalidate the library's page caches, which follow its file.

Only a hash of the session id is stored (sha256), so a copy of this file opens no session.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS web_sessions (
    sid_hash    TEXT PRIMARY KEY,   -- sha256 (hex) of the id the browser's cookie carries
    user        TEXT NOT NULL,      -- a name from users.json
    created     REAL NOT NULL,      -- seconds since the epoch: the absolute expiry counts from here
    seen        REAL NOT NULL       -- last use (to the minute): the idle expiry counts from here
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS web_sessions_user ON web_sessions (user);
"""


def open_sessions(path: Path) -> sqlite3.Connection:
    """Open (creating, 0600 in a 0700 folder) the sessions database. The connection is shared by
    the server's threads: the caller serialises its use with a lock."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "secure_delete=ON", "busy_timeout=30000"):
        conn.execute(f"PRAGMA {pragma}")
    conn.executescript(SCHEMA)
    path.chmod(0o600)
    return conn


def insert(conn: sqlite3.Connection, sid_hash: str, user: str, now: float) -> None:
    conn.execute(
        "INSERT INTO web_sessions (sid_hash, user, created, seen) VALUES (?, ?, ?, ?)", (sid_hash, user, now, now)
    )


def find(conn: sqlite3.Connection, sid_hash: str) -> tuple[str, float, float] | None:
    """(user, created, seen) of a session, or None when there is no such session."""
    row = conn.execute("SELECT user, created, seen FROM web_sessions WHERE sid_hash = ?", (sid_hash,)).fetchone()
    return None if row is None else (str(row[0]), float(row[1]), float(row[2]))


def touch(conn: sqlite3.Connection, sid_hash: str, now: float) -> None:
    conn.execute("UPDATE web_sessions SET seen = ? WHERE sid_hash = ?", (now, sid_hash))


def delete(conn: sqlite3.Connection, sid_hash: str) -> None:
    conn.execute("DELETE FROM web_sessions WHERE sid_hash = ?", (sid_hash,))


def delete_user(conn: sqlite3.Connection, user: str) -> int:
    """End every session of ``user`` (a new password, a removed user); returns how many."""
    return conn.execute("DELETE FROM web_sessions WHERE user = ?", (user,)).rowcount


def prune(conn: sqlite3.Connection, seen_before: float, created_before: float) -> int:
    """Delete the sessions that have expired (idle since ``seen_before`` or made before
    ``created_before``), so the table holds only live logins."""
    return conn.execute(
        "DELETE FROM web_sessions WHERE seen < ? OR created < ?", (seen_before, created_before)
    ).rowcount


def count(conn: sqlite3.Connection, user: str | None = None) -> int:
    if user is None:
        return int(conn.execute("SELECT count(*) FROM web_sessions").fetchone()[0])
    return int(conn.execute("SELECT count(*) FROM web_sessions WHERE user = ?", (user,)).fetchone()[0])
