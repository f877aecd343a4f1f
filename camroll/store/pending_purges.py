"""The pending-purge journal's queries (table ``pending_purges``, migration 0012).

A revoke commits its consent event, its row deletions and one journal entry together; the
entry lists what is left to do outside the database (files to delete, a key to shred). These
named functions are the only SQL that touches the journal, so :mod:`camroll.privacy.purge`
(which decides what goes) stays free of it and a second engine plugs in here.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from camroll.store.db import Database, now_iso


@dataclass
class PendingPurge:
    id: int
    kind: str | None
    details: dict[str, Any]
    shred_key: str | None
    files: list[str]


def add(conn: sqlite3.Connection, kind: str | None, details: dict[str, Any], shred_key: str | None,
        files: Iterable[str]) -> int:  # fmt: skip
    """Inside the caller's transaction: journal what remains to be done; return the entry's id."""
    cur = conn.execute(
        "INSERT INTO pending_purges (created_at, kind, details, shred_key) VALUES (?, ?, ?, ?)",
        (now_iso(), kind, json.dumps(details, ensure_ascii=False, sort_keys=True), shred_key),
    )
    purge_id = int(cur.lastrowid or 0)
    conn.executemany("INSERT INTO pending_purge_files (purge_id, path) VALUES (?, ?)",
                     [(purge_id, os.fsencode(p)) for p in files])  # fmt: skip
    return purge_id


def pending(db: Database) -> list[PendingPurge]:
    """Every entry not finished yet, oldest first (usually none)."""
    out = []
    for row in db.query("SELECT id, kind, details, shred_key FROM pending_purges ORDER BY id"):
        files = [os.fsdecode(bytes(r[0])) for r in db.query(
            "SELECT path FROM pending_purge_files WHERE purge_id = ? ORDER BY rowid", (row[0],))]  # fmt: skip
        out.append(PendingPurge(int(row[0]), row[1], json.loads(row[2]), row[3], files))
    return out


def done(conn: sqlite3.Connection, purge_id: int) -> bool:
    """Inside the caller's transaction: drop a finished entry; False if another process already did."""
    conn.execute("DELETE FROM pending_purge_files WHERE purge_id = ?", (purge_id,))
    return conn.execute("DELETE FROM pending_purges WHERE id = ?", (purge_id,)).rowcount > 0
