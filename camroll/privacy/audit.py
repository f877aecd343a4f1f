"""The audit log: one sink for every event that touches a person's data, as a keyed chain.

Each record is ``(id, at, actor, kind, details)``; its MAC is the HMAC-SHA256, under
``keys/audit.key`` (made 0600 on first use), of the previous record's MAC and its own canonical
JSON. The database refuses UPDATE and DELETE on the table; :func:`verify` recomputes the chain, so
an edit made around that guard (another tool, a copied database file) is found. Without the key,
nobody can write a record that verifies: an edited, inserted, removed or reordered record breaks
the chain even when whoever changed it recomputed plain SHA-256 hashes.

The head (record count and last MAC) is also kept outside the database, in ``keys/audit.head``,
written atomically (temporary file, fsync, rename) with each record: records cut off the end, or
a database put back to an older copy, no longer reach the head. Writing a record first marks it
*pending* in the head (inside the database transaction) and then confirms it after the commit, so
a crash at any point leaves a head that agrees with the database. When camroll finds the database
behind its head while writing, it keeps that finding in the head as an alarm that every later
``verify`` reports.

Paths in details (anything absolute, and ``path:`` scopes) are stored as keyed hashes with the
name sealed apart (:mod:`camroll.privacy.ledger_keys`): the chain covers the stored bytes, so it
still verifies after ``forget`` made those names unreadable.

Logs written before the key existed (plain SHA-256 chains) are not re-MACed: that would bless
whatever was in them. The first keyed record, kind ``audit.keyed``, names how many records came
before it and the last one's hash; those are checked as *legacy* records (a plain chain, which
finds damage but not a rewrite made before the upgrade), pinned from then on by the keyed mark.
Those old records named folders in clear; ``camroll forget`` takes the names out of them
(:func:`redact_legacy`) and says so in a keyed ``audit.redacted`` record, after which their content
is no longer checked, only their place in the chain (their stored hashes are kept).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from camroll.config import AppContext
from camroll.privacy import ledger_keys
from camroll.privacy.crypto import load_key
from camroll.privacy.private_files import write_private
from camroll.store import audit_log
from camroll.store.db import Connection, Row, now_iso
from camroll.store.ledger import database_file

GENESIS = "0" * 64
MARK = "audit.keyed"
REDACTED = "audit.redacted"
KINDS = (
    "consent.grant",
    "consent.revoke",
    "purge",
    "scan",
    "analysis",
    "report",
    "remove",
    "retention.set",
    "retention.sweep",
    "share",
    "export",
    "web.login",
    "edit",
    "edit.undo",
    "curation.favourite",  # favourites and archive (issue 14)
    "curation.unfavourite",
    "curation.archive",
    "curation.unarchive",
    "curation.stack_kept",  # a stack kept whole, or the photos kept of it (issue 14)
    "trash.delete",  # the trash (issue 14): counts only, like "remove"
    "trash.restore",
    "trash.empty",
    "album.create",  # albums (issue 14): the album's id, kind and photo ids; never its name or query
    "album.add",
    "album.remove",
    "album.rename",
    "album.delete",
    "album.cover",
    "import",  # a cloud export imported (issue 13)
    "upload",  # a file sent from a phone landed (issue 13)
    "db.backup",  # the library sealed into a backup, restored from one (issue 16)
    "db.restore",
    MARK,
    REDACTED,
)
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


@dataclass
class Head:
    """What ``keys/audit.head`` holds: the last record camroll committed, one it is committing."""

    records: int = 0
    mac: str = GENESIS
    pending: tuple[int, str] | None = None
    alarms: list[str] = field(default_factory=list)

    def knows(self, last: tuple[int, str] | None) -> bool:
        last = last or (0, GENESIS)
        return last == (self.records, self.mac) or last == self.pending


@dataclass
class Verification:
    records: int = 0
    legacy: int = 0
    legacy_redacted: bool = False
    last_mac: str = GENESIS
    head: Head | None = None
    problems: list[str] = field(default_factory=list)


def key_file(home: Path) -> Path:
    return home / "keys" / "audit.key"


def head_file(home: Path) -> Path:
    return home / "keys" / "audit.head"


def _body(event_id: int, at: str, actor: str, kind: str, details: str) -> bytes:
    return json.dumps([event_id, at, actor, kind, details], ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _legacy_digest(prev_hash: str, event_id: int, at: str, actor: str, kind: str, details: str) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + _body(event_id, at, actor, kind, details)).hexdigest()


def _mac(key: bytes, prev_hash: str, event_id: int, at: str, actor: str, kind: str, details: str) -> str:
    return hmac.new(
        key, prev_hash.encode("ascii") + _body(event_id, at, actor, kind, details), hashlib.sha256
    ).hexdigest()


# --- the head -----------------------------------------------------------------------------------


def read_head(home: Path) -> Head | None:
    try:
        data = json.loads(head_file(home).read_text(encoding="utf-8"))
        pending = data.get("pending")
        return Head(
            int(data["records"]),
            str(data["mac"]),
            (int(pending[0]), str(pending[1])) if pending else None,
            [str(a) for a in data.get("alarms", [])],
        )
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError, IndexError):
        return Head(-1, "", None, ["keys/audit.head is damaged: it could not be read"])


def _write_head(home: Path, head: Head) -> None:
    data = {
        "format": 1,
        "records": head.records,
        "mac": head.mac,
        "pending": list(head.pending) if head.pending else None,
        "alarms": head.alarms,
    }
    write_private(head_file(home), json.dumps(data, indent=1).encode("utf-8"), durable=True)


@contextmanager
def _head_lock(home: Path) -> Iterator[None]:
    """One writer of the head at a time, across processes (a web server and a command)."""
    lock = home / "keys" / "audit.head.lock"
    lock.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(lock, "a", opener=lambda p, f: os.open(p, f, 0o600)) as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _describe_gap(head: Head, last: tuple[int, str] | None) -> str:
    found = last[0] if last else 0
    if found < head.records:
        return (
            f"the log ended at record {found} although record {head.records} had been written: records were "
            "cut off, or the database was put back to an older copy"
        )
    return (
        f"the log's last record ({found}) is not one camroll wrote last (it knew record {head.records}): "
        "the database was replaced, or keys/audit.head is from another copy"
    )


# --- writing ------------------------------------------------------------------------------------


def record_in(conn: Connection, actor: str, kind: str, details: dict[str, Any]) -> None:
    """Append one event inside the caller's transaction (so the event and the act commit together).

    The head is marked pending here; :func:`confirm` (called by :func:`record`, and by callers
    that commit their own transaction) makes it final. Several records in one transaction keep
    the head's committed part where it was until then: a rollback leaves a head that agrees."""
    if kind not in KINDS:
        raise ValueError(f"unknown audit event kind {kind!r}")
    db_file = database_file(conn)
    home = db_file.parent
    sealed = ledger_keys.seal_details(conn, home, details)
    text = json.dumps(sealed, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    had_key = key_file(home).exists()
    key = load_key(key_file(home), create=True)
    assert key is not None
    with _head_lock(home):
        head = read_head(home)
        last = audit_log.last_record(conn)
        if head is None:
            head = Head()
            if had_key and last is not None:
                head.alarms.append(f"{now_iso()}: keys/audit.head was missing when record {last[0] + 1} was written")
        elif not head.knows(last):
            head.alarms.append(f"{now_iso()}: {_describe_gap(head, last)}")
        event_id, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        at = now_iso()
        if not had_key and last is not None:  # the first keyed record after a legacy chain
            mark = json.dumps({"legacy_head": prev, "legacy_records": last[0]}, sort_keys=True, separators=(",", ":"))
            mark_mac = _mac(key, prev, event_id, at, actor, MARK, mark)
            audit_log.insert_record(conn, event_id, at, actor, MARK, mark, prev, mark_mac)
            event_id, prev = event_id + 1, mark_mac
        mac = _mac(key, prev, event_id, at, actor, kind, text)
        audit_log.insert_record(conn, event_id, at, actor, kind, text, prev, mac)
        base = (head.records, head.mac)  # stays until a record is known to be committed
        if (
            last is not None
            and last == head.pending
            and audit_log.committed_hash(db_file, last[0], getattr(conn, "url", None)) == last[1]
        ):
            base = last
        elif last is None or not head.knows(last):
            base = last or (0, GENESIS)
        _write_head(home, Head(base[0], base[1], (event_id, mac), head.alarms))


def confirm(ctx: AppContext) -> None:
    """After the commit of a transaction that wrote a record: the head now names it for sure."""
    home = ctx.config.home
    with _head_lock(home):
        head = read_head(home)
        if head is None or head.pending is None:
            return
        last = audit_log.last_record(ctx.db.conn)
        if last == head.pending:
            _write_head(home, Head(last[0], last[1], None, head.alarms))


def record(ctx: AppContext, kind: str, **details: Any) -> None:
    with ctx.db.transaction() as conn:
        record_in(conn, ctx.actor, kind, details)
    confirm(ctx)


# --- reading ------------------------------------------------------------------------------------


def events(ctx: AppContext) -> list[AuditEvent]:
    """Every record, with the paths its details name readable again while their names exist."""
    names = ledger_keys.view(ctx)
    return [
        AuditEvent(r[0], r[1], r[2], r[3], names.details(json.loads(r[4])), r[5], r[6])
        for r in audit_log.all_records(ctx.db)
    ]


def check(ctx: AppContext) -> Verification:
    """Recompute the chain and compare its end with the head; every problem in words."""
    home = ctx.config.home
    out = Verification(head=read_head(home))
    key = load_key(key_file(home), create=False)
    rows = audit_log.all_records(ctx.db)
    mark_at = next((i for i, r in enumerate(rows) if r[3] == MARK), None)
    out.legacy = mark_at if mark_at is not None else 0
    out.legacy_redacted = key is not None and any(
        i > (mark_at or 0) and r[3] == REDACTED and hmac.compare_digest(_mac(key, *_fields(r)), r[6])
        for i, r in enumerate(rows)
    )
    if rows and key is None:
        if mark_at is None and out.head is None:  # a log from before keys: nothing was ever keyed
            out.legacy = len(rows)
        else:
            out.problems.append("keys/audit.key is missing: the keyed records cannot be checked")
    prev, expected_id = GENESIS, 1
    for i, (event_id, at, actor, kind, details, prev_hash, stored) in enumerate(rows):
        if event_id != expected_id:
            out.problems.append(f"record {event_id} follows record {expected_id - 1}: records are missing or reordered")
        if prev_hash != prev:
            out.problems.append(f"record {event_id} does not link to the record before it")
        if i < out.legacy:
            good = out.legacy_redacted or _legacy_digest(prev_hash, event_id, at, actor, kind, details) == stored
        else:
            good = key is not None and hmac.compare_digest(
                _mac(key, prev_hash, event_id, at, actor, kind, details), stored
            )
        if not good and (key is not None or i < out.legacy):
            out.problems.append(
                f"record {event_id} ({kind} at {at}) was changed after it was written, or not by camroll"
            )
        if i == mark_at and good and json.loads(details).get("legacy_records") != i:
            out.problems.append(
                f"record {event_id} marks {json.loads(details).get('legacy_records')} legacy records, "
                f"but {i} come before it"
            )
        prev, expected_id = stored, event_id + 1
    out.records, out.last_mac = len(rows), prev
    _check_head(out, rows, key is not None)
    return out


def _check_head(out: Verification, rows: list[Row], keyed: bool) -> None:
    head = out.head
    if head is None:
        if keyed and out.records > out.legacy:
            out.problems.append("keys/audit.head is missing: records cut off the end could not be seen")
        return
    out.problems.extend(head.alarms)
    last = (int(rows[-1][0]), str(rows[-1][6])) if rows else None
    if head.records < 0 or head.knows(last):
        return
    found = last[0] if last else 0
    newest = max(head.records, head.pending[0] if head.pending else 0)
    on_chain = any(int(r[0]) == head.records and str(r[6]) == head.mac for r in rows) or head.records == 0
    if found > newest and on_chain:
        out.problems.append(
            f"keys/audit.head names record {head.records} but the log goes on to record {found}: the "
            "head is older than the log (put back from a copy?), so a cut-off end cannot be ruled out"
        )
    else:
        out.problems.append(_describe_gap(head, last))


def _fields(r: Row) -> tuple[str, int, str, str, str, str]:
    return r[5], r[0], r[1], r[2], r[3], r[4]


def redact_legacy(ctx: AppContext) -> int:
    """Take folder names out of the records written before the log was keyed (``camroll forget``):
    they cannot be sealed after the fact. Returns how many records changed (and records that)."""
    rows = audit_log.all_records(ctx.db)
    mark_at = next((i for i, r in enumerate(rows) if r[3] == MARK), None)
    if not mark_at:
        return 0
    changed = []
    for r in rows[:mark_at]:
        details = json.loads(r[4])
        clean = _forget_paths(details)
        if clean != details:
            changed.append((json.dumps(clean, ensure_ascii=False, sort_keys=True, separators=(",", ":")), int(r[0])))
    if changed:
        with ctx.db.transaction() as conn:
            audit_log.redact(conn, changed)
            record_in(conn, ctx.actor, REDACTED, {"legacy_records": mark_at, "redacted": len(changed)})
        confirm(ctx)
    return len(changed)


def _forget_paths(value: Any) -> Any:
    if isinstance(value, str) and (value.startswith("/") or value.startswith("path:/")):
        return ("path:" if value.startswith("path:") else "") + ledger_keys.FORGOTTEN
    if isinstance(value, dict):
        return {k: _forget_paths(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_forget_paths(v) for v in value]
    return value


def verify(ctx: AppContext) -> list[str]:
    """Problems found in the chain and its head, in words; empty when both are intact."""
    return check(ctx).problems
