"""The ``retention_policies`` table (a person's age limit per capability) and the counts the
retention status shows.

Dialect: ``INSERT ... ON CONFLICT (...) DO UPDATE SET ... = excluded....`` is shared by SQLite
(3.24+) and PostgreSQL; the rest is plain SQL. :func:`rows_held` writes a table name from the
registry (never from a person) into its query.
"""

from __future__ import annotations

from camroll.store.db import Connection, Database


def set_in(conn: Connection, capability: str, max_days: int, at: str) -> None:
    """Inside the caller's transaction: keep what ``capability`` derived at most ``max_days``."""
    conn.execute(
        "INSERT INTO retention_policies (capability, max_days, set_at) VALUES (?, ?, ?)"
        " ON CONFLICT (capability) DO UPDATE SET max_days = excluded.max_days, set_at = excluded.set_at",
        (capability, max_days, at),
    )


def clear_in(conn: Connection, capability: str) -> None:
    """Inside the caller's transaction: no age limit for ``capability`` (kept while consented)."""
    conn.execute("DELETE FROM retention_policies WHERE capability = ?", (capability,))


def policies(db: Database) -> dict[str, int]:
    """capability -> the most days what it derived is kept, for those with a limit."""
    return {str(r[0]): int(r[1]) for r in db.query("SELECT capability, max_days FROM retention_policies")}


def rows_held(db: Database, table: str) -> int:
    """How many rows ``table`` (a table the registry names) holds."""
    return int(db.scalar(f"SELECT count(*) FROM {table}") or 0)
