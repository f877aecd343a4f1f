"""The pending-purge journal's queries (table ``pending_purges``, migration 0012).

A revoke commits its consent event, its row deletions and one journal entry together; the
entry lists what is left to do outside the database (files to delete, a key to shred). These
named functions are the only SQL that touches the journal, so :mod:`camroll.privacy.purge`
(which decides what goes) stays free of it and a second engine plugs in here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from camroll.store.db import Connection, Database, now_iso
from camroll.store.purge import note_deleted_tables


@dataclass
class PendingPurge:
    id: int
    kind: str | None
    details: dict[str, Any]
    shred_key: str | None


def add(
    conn: Connection, kind: str | None, details: dict[str, Any], shred_key: str | None, files: Iterable[str]
) -> int:
    """Inside the caller's transaction: journal what remains to be done; return the entry's id."""
    cur = conn.execute(
        "INSERT INTO pending_purges (created_at, kind, details, shred_key) VALUES (?, ?, ?, ?)",
        # ASCII JSON: a folder name with undecodable bytes (surrogates) survives the round trip.
        (now_iso(), kind, json.dumps(details, sort_keys=True), shred_key),
    )
    purge_id = int(cur.lastrowid or 0)
    conn.executemany(
        "INSERT INTO pending_purge_files (purge_id, path) VALUES (?, ?)", [(purge_id, os.fsencode(p)) for p in files]
    )
    note_deleted_tables(conn)  # PostgreSQL: the tables to rewrite once this commits (store/purge.py)
    return purge_id


def pending(db: Database) -> list[PendingPurge]:
    """Every entry not finished yet, oldest first (usually none)."""
    rows = db.query("SELECT id, kind, details, shred_key FROM pending_purges ORDER BY id")
    return [PendingPurge(int(r[0]), r[1], json.loads(r[2]), r[3]) for r in rows]


def files(db: Database, purge_id: int) -> Iterator[str]:
    """The files an entry lists, streamed (a revoke of a whole library lists every thumbnail)."""
    cur = db.stream("SELECT path FROM pending_purge_files WHERE purge_id = ? ORDER BY path", (purge_id,))
    while batch := cur.fetchmany(1000):
        yield from (os.fsdecode(bytes(r[0])) for r in batch)


def done(conn: Connection, purge_id: int) -> bool:
    """Inside the caller's transaction: drop a finished entry; False if another process already did."""
    conn.execute("DELETE FROM pending_purge_files WHERE purge_id = ?", (purge_id,))
    gone = conn.execute("DELETE FROM pending_purges WHERE id = ?", (purge_id,)).rowcount > 0
    note_deleted_tables(conn)  # the paths it listed go from the pages too, on PostgreSQL
    return gone
