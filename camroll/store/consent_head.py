"""The consent ledger's head, read on the caller's own connection, inside its transaction: the
analysis writer asks "has the ledger moved since I planned?" in the very transaction that stores
results, so a revoke committed a moment earlier is always seen.

Dialect: plain SQL.
"""

from __future__ import annotations

import sqlite3


def head(conn: sqlite3.Connection) -> int:
    """The id of the ledger's newest event (0 when it is empty). Events are only ever appended,
    so a different head means some grant or revoke happened since it was last read."""
    return int(conn.execute("SELECT coalesce(max(id), 0) FROM consent_events").fetchone()[0])
