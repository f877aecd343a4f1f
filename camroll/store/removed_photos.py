"""The ``removed_photos`` table: the keyed tokens of the photos a person removed, so a rescan does
not bring them back (``privacy/removal.py`` says why a token and not the content hash).

Dialect: ``INSERT OR IGNORE`` is SQLite's (PostgreSQL: ``ON CONFLICT DO NOTHING``).
"""

from __future__ import annotations

from collections.abc import Iterable

from camroll.store.db import Connection, Database


def tokens(db: Database) -> set[str]:
    """Every removed photo's token."""
    return {str(r[0]) for r in db.query("SELECT token FROM removed_photos")}


def remember_in(conn: Connection, removed: Iterable[str], at: str) -> None:
    """Inside the removal's transaction: remember these tokens (one already known stays as it was)."""
    conn.executemany(
        "INSERT OR IGNORE INTO removed_photos (token, removed_at) VALUES (?, ?)", [(token, at) for token in removed]
    )


def clear(db: Database) -> int:
    """Forget every removed photo, in a transaction of its own; return how many there were."""
    with db.transaction() as conn:
        return int(conn.execute("DELETE FROM removed_photos").rowcount)


def count(db: Database) -> int:
    """How many removed photos are remembered."""
    return int(db.scalar("SELECT count(*) FROM removed_photos") or 0)
