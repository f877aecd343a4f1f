"""Queries for the consent ledger's stored scopes, the sealed folder names and the scan roots.

The ledger (``consent_events``) is append-only; the one controlled exception is
:func:`rewrite_legacy_scopes`, which converts rows written before folder names were sealed (see
migration 0011) and puts the append-only trigger back in the same transaction.

Dialect: plain SQL; parameters are qmark (``?``) placeholders, as everywhere in ``store/``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from camroll.store.db import Connection, Database, Row, guard_lifted

LEGACY_PREFIX = "path:/"
"""How a scope was stored before 0011: the folder in clear."""

NO_UPDATE_TRIGGER = (
    "CREATE TRIGGER consent_events_no_update BEFORE UPDATE ON consent_events\n"
    "BEGIN\n    SELECT RAISE(ABORT, 'the consent ledger is append-only');\nEND"
)
"""The trigger of migration 0001, recreated as it was after the one-time conversion."""


def head(conn: Connection) -> int:
    """The id of the ledger's newest event (0 when it is empty), read on the caller's own
    connection so that, inside its transaction, a revoke committed a moment earlier is seen.
    Events are only ever appended, so a different head means a grant or revoke happened since."""
    return int(conn.execute("SELECT coalesce(max(id), 0) FROM consent_events").fetchone()[0])


def database_file(conn: Connection) -> Path:
    """The main database file; its folder is CAMROLL_HOME, where ``keys/`` lives, for code that
    holds only a connection (an audit record written inside a caller's transaction)."""
    home = getattr(conn, "home", None)  # a PostgreSQL catalog's connection knows its home
    if home is not None:
        return Path(home) / "camroll.db"
    for row in conn.execute("PRAGMA database_list"):
        if row[1] == "main" and row[2]:
            return Path(row[2])
    raise RuntimeError("the camroll database has no file, so its keys have no folder")


def consent_rows(db: Database, capability: str | None = None) -> list[Row]:
    sql = "SELECT id, at, actor, action, capability, scope, policy_version, note FROM consent_events"
    if capability:
        return db.query(sql + " WHERE capability = ? ORDER BY id", (capability,))
    return db.query(sql + " ORDER BY id")


def append_event(
    conn: Connection,
    at: str,
    actor: str,
    action: str,
    capability: str,
    scope: str,
    policy_version: str,
    note: str | None,
) -> None:
    """Inside the caller's transaction: append one grant or revoke (``scope`` in its stored form,
    a folder as its keyed hash). The only write the ledger takes; its triggers refuse the rest."""
    conn.execute(
        "INSERT INTO consent_events (at, actor, action, capability, scope, policy_version, note)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (at, actor, action, capability, scope, policy_version, note),
    )


def sealed_names(db: Database) -> dict[str, bytes]:
    return {str(r[0]): bytes(r[1]) for r in db.query("SELECT token, name FROM ledger_names")}


def name_known(conn: Connection, token: str) -> bool:
    return conn.execute("SELECT 1 FROM ledger_names WHERE token = ?", (token,)).fetchone() is not None


def insert_name(conn: Connection, token: str, sealed: bytes, at: str) -> None:
    conn.execute("INSERT OR IGNORE INTO ledger_names (token, name, added_at) VALUES (?, ?, ?)", (token, sealed, at))


def delete_names(conn: Connection, tokens: Iterable[str]) -> int:
    return conn.executemany("DELETE FROM ledger_names WHERE token = ?", [(t,) for t in tokens]).rowcount


def delete_all_names(conn: Connection) -> int:
    return conn.execute("DELETE FROM ledger_names").rowcount


def has_legacy_scopes(db: Database) -> bool:
    return db.scalar("SELECT 1 FROM consent_events WHERE substr(scope, 1, 6) = ? LIMIT 1", (LEGACY_PREFIX,)) is not None


def legacy_scopes(conn: Connection) -> list[tuple[int, str]]:
    rows = conn.execute("SELECT id, scope FROM consent_events WHERE substr(scope, 1, 6) = ?", (LEGACY_PREFIX,))
    return [(int(r[0]), str(r[1])) for r in rows]


def rewrite_legacy_scopes(conn: Connection, stored: Sequence[tuple[str, int]]) -> None:
    """Replace plain scopes by their stored form, (new scope, row id) each, inside the caller's
    transaction: the trigger is dropped, only ``scope`` of rows still in the legacy form is
    written, and the trigger is recreated before the transaction can commit."""
    with guard_lifted(conn, "consent_events", "consent_events_no_update", NO_UPDATE_TRIGGER):
        conn.executemany("UPDATE consent_events SET scope = ? WHERE id = ? AND substr(scope, 1, 6) = 'path:/'", stored)


def clear_roots(conn: Connection) -> int:
    """Forget every scanned folder (``camroll forget``): their files are gone with the catalog."""
    return conn.execute("DELETE FROM roots").rowcount


def own_roots_in_purge_scope(conn: Connection) -> list[bytes]:
    """Roots that are a file of a photo in ``purge_scope`` (a photo scanned by its own path)."""
    rows = conn.execute(
        "SELECT r.path_bytes FROM roots r JOIN files f ON f.path_bytes = r.path_bytes"
        " WHERE f.photo_id IN (SELECT id FROM purge_scope)"
    )
    return [bytes(r[0]) for r in rows]


def delete_roots(conn: Connection, paths: Iterable[bytes]) -> int:
    return conn.executemany("DELETE FROM roots WHERE path_bytes = ?", [(p,) for p in paths]).rowcount
