"""The audit log: one sink for every event that touches a person's data, hash-chained.

Each record is ``(id, at, actor, kind, details)``; its hash is the SHA-256 of the previous
record's hash and its own canonical JSON. The database refuses UPDATE and DELETE on the table;
:func:`verify` recomputes the chain, so an edit made around that guard (another tool, a copied
database file) is found: an edited record no longer matches its hash, a removed or reordered one
breaks the link to its neighbour.

What a chain alone cannot show is the newest records cut off the end; the count and the last
hash are printed by ``camroll audit verify`` so a person can compare them with an earlier run.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from camroll.config import AppContext
from camroll.store.db import now_iso

GENESIS = "0" * 64
KINDS = ("consent.grant", "consent.revoke", "purge", "scan", "analysis", "report", "remove", "retention.set",
         "retention.sweep", "share", "export", "web.login")
"""Every kind of event, declared once: recording an unknown kind is a programming error."""


@dataclass
class AuditEvent:
    id: int
    at: str
    actor: str
    kind: str
    details: dict[str, Any]
    prev_hash: str
    hash: str


def _digest(prev_hash: str, event_id: int, at: str, actor: str, kind: str, details: str) -> str:
    body = json.dumps([event_id, at, actor, kind, details], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def record_in(conn: sqlite3.Connection, actor: str, kind: str, details: dict[str, Any]) -> None:
    """Append one event inside the caller's transaction (so the event and the act commit together)."""
    if kind not in KINDS:
        raise ValueError(f"unknown audit event kind {kind!r}")
    last = conn.execute("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()
    event_id, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at, text = now_iso(), json.dumps(details, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    conn.execute(
        "INSERT INTO audit_events (id, at, actor, kind, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (event_id, at, actor, kind, text, prev, _digest(prev, event_id, at, actor, kind, text)),
    )


def record(ctx: AppContext, kind: str, **details: Any) -> None:
    with ctx.db.transaction() as conn:
        record_in(conn, ctx.actor, kind, details)


def events(ctx: AppContext) -> list[AuditEvent]:
    rows = ctx.db.query("SELECT id, at, actor, kind, details, prev_hash, hash FROM audit_events ORDER BY rowid")
    return [AuditEvent(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6]) for r in rows]


def verify(ctx: AppContext) -> list[str]:
    """Problems found in the chain, in words; empty when it is intact."""
    problems: list[str] = []
    prev, expected_id = GENESIS, 1
    rows = ctx.db.query("SELECT id, at, actor, kind, details, prev_hash, hash FROM audit_events ORDER BY rowid")
    for event_id, at, actor, kind, details, prev_hash, stored in rows:
        if event_id != expected_id:
            problems.append(f"record {event_id} follows record {expected_id - 1}: records are missing or reordered")
        if prev_hash != prev:
            problems.append(f"record {event_id} does not link to the record before it")
        if _digest(prev_hash, event_id, at, actor, kind, details) != stored:
            problems.append(f"record {event_id} ({kind} at {at}) was changed after it was written")
        prev, expected_id = stored, event_id + 1
    return problems
