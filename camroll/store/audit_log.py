"""Queries for the audit log (``audit_events``): append, read back, and the last record.

Dialect: plain SQL; parameters are qmark (``?``) placeholders, as everywhere in ``store/``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from camroll.store.db import Database

COLUMNS = "id, at, actor, kind, details, prev_hash, hash"


def last_record(conn: sqlite3.Connection) -> tuple[int, str] | None:
    """(id, hash) of the newest record, or None when the log is empty."""
    row = conn.execute("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()
    return (int(row[0]), str(row[1])) if row else None


def insert_record(conn: sqlite3.Connection, event_id: int, at: str, actor: str, kind: str, details: str,
                  prev: str, digest: str) -> None:  # fmt: skip
    conn.execute(f"INSERT INTO audit_events ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (event_id, at, actor, kind, details, prev, digest))  # fmt: skip


def committed_hash(db_file: Path, event_id: int) -> str | None:
    """The hash of record ``event_id`` as other connections see it: committed, or None. (A fresh
    read-only connection never sees the caller's open transaction.)"""
    conn = sqlite3.connect(f"{db_file.as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        row = conn.execute("SELECT hash FROM audit_events WHERE id = ?", (event_id,)).fetchone()
    finally:
        conn.close()
    return str(row[0]) if row else None


def all_records(db: Database) -> list[sqlite3.Row]:
    """Every record in storage order (rowid: a reordered record shows as out of order)."""
    return db.query(f"SELECT {COLUMNS} FROM audit_events ORDER BY rowid")
