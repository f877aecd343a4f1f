"""Queries for the audit log (``audit_events``): append, read back, and the last record.

Dialect: plain SQL; parameters are qmark (``?``) placeholders, as everywhere in ``store/``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from camroll.store.db import Connection, Database, Row, guard_lifted

COLUMNS = "id, at, actor, kind, details, prev_hash, hash"


def last_record(conn: Connection) -> tuple[int, str] | None:
    """(id, hash) of the newest record, or None when the log is empty."""
    row = conn.execute("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()
    return (int(row[0]), str(row[1])) if row else None


def insert_record(
    conn: Connection, event_id: int, at: str, actor: str, kind: str, details: str, prev: str, digest: str
) -> None:
    conn.execute(
        f"INSERT INTO audit_events ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (event_id, at, actor, kind, details, prev, digest),
    )


def committed_hash(db_file: Path, event_id: int, url: str | None = None) -> str | None:
    """The hash of record ``event_id`` as other connections see it: committed, or None. (A fresh
    read-only connection never sees the caller's open transaction.) ``url``: the PostgreSQL
    catalog's, when the library keeps it there."""
    if url is not None:
        from camroll.store.postgres import PgConnection

        pg = PgConnection.connect(url)
        try:
            found = pg.execute("SELECT hash FROM audit_events WHERE id = ?", (event_id,)).fetchone()
        finally:
            pg.close()
        return str(found[0]) if found else None
    conn = sqlite3.connect(f"{db_file.as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        row = conn.execute("SELECT hash FROM audit_events WHERE id = ?", (event_id,)).fetchone()
    finally:
        conn.close()
    return str(row[0]) if row else None


def all_records(db: Database) -> list[Row]:
    """Every record in the order written (``id``, SQLite's rowid: a reordered record shows as out of order)."""
    return db.query(f"SELECT {COLUMNS} FROM audit_events ORDER BY id")


def redact(conn: Connection, changed: list[tuple[str, int]]) -> None:
    """Rewrite the details of these records, (details, id) each, inside the caller's transaction:
    the one controlled exception to the append-only rule, for records written before the log was
    keyed (``camroll forget`` takes the folder names out of them). The trigger is recreated before
    the transaction can commit."""
    recreate = (
        "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events\n"
        "BEGIN\n    SELECT RAISE(ABORT, 'the audit log is append-only');\nEND"
    )
    with guard_lifted(conn, "audit_events", "audit_events_no_update", recreate):
        conn.executemany("UPDATE audit_events SET details = ? WHERE id = ?", changed)
