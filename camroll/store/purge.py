"""The purge's SQL: the temporary table ``purge_scope(id, hash)`` of the photos a purge concerns,
the deletions the registry declares over it, and the WAL checkpoint that follows.

``privacy/purge.py`` decides what goes (from each capability's registry entry: its tables, their
photo or path key, its declared ``purge_sql``); these functions only run it. A purge fills the
scope (:func:`fill_all`, :func:`fill_folder` or :func:`fill_photos`), deletes, then empties it
(:func:`empty`), all inside the caller's transaction. Table and column names come from the
registry (``capabilities.py``), never from a person, so they are written into the SQL.

Dialect: SQLite's ``CREATE TEMP TABLE IF NOT EXISTS`` (PostgreSQL: the same words, but the table
lives per session and ``ON COMMIT DELETE ROWS`` would serve), ``INSERT OR IGNORE`` (PostgreSQL:
``ON CONFLICT DO NOTHING``), ``substr`` on bytes (both), ``PRAGMA wal_checkpoint`` (SQLite
only; PostgreSQL has no equivalent to run) and ``VACUUM`` (see :func:`vacuum`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from camroll.store.db import Database


def _fresh(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS purge_scope (id INTEGER PRIMARY KEY, hash TEXT)")
    conn.execute("DELETE FROM purge_scope")


def _hashes(conn: sqlite3.Connection) -> list[str]:
    return [str(r[0]) for r in conn.execute("SELECT hash FROM purge_scope")]


def fill_all(conn: sqlite3.Connection) -> list[str]:
    """(Re)fill ``purge_scope`` with every photo; return their content hashes."""
    _fresh(conn)
    conn.execute("INSERT INTO purge_scope SELECT id, hash FROM photos")
    return _hashes(conn)


def fill_folder(conn: sqlite3.Connection, folder: bytes) -> list[str]:
    """(Re)fill ``purge_scope`` with the photos that have a file (in any state) at ``folder`` or
    under it (``folder`` as bytes, no trailing slash); return their content hashes."""
    _fresh(conn)
    conn.execute(
        "INSERT OR IGNORE INTO purge_scope SELECT p.id, p.hash FROM photos p JOIN files f"
        " ON f.photo_id = p.id WHERE f.path_bytes = ? OR substr(f.path_bytes, 1, ?) = ?",
        (folder, len(folder) + 1, folder + b"/"),
    )
    return _hashes(conn)


def fill_photos(conn: sqlite3.Connection, photo_ids: Iterable[int]) -> list[str]:
    """(Re)fill ``purge_scope`` with these photos (unknown ids are left out); return their hashes."""
    _fresh(conn)
    conn.executemany(
        "INSERT OR IGNORE INTO purge_scope SELECT id, hash FROM photos WHERE id = ?", [(int(i),) for i in photo_ids]
    )
    return _hashes(conn)


def empty(conn: sqlite3.Connection) -> None:
    """Empty ``purge_scope`` once the purge is done with it."""
    conn.execute("DELETE FROM purge_scope")


def delete_in_scope(conn: sqlite3.Connection, table: str, photo_key: str) -> int:
    """Delete the rows of ``table`` whose ``photo_key`` is a photo in ``purge_scope``; return how many."""
    return conn.execute(f"DELETE FROM {table} WHERE {photo_key} IN (SELECT id FROM purge_scope)").rowcount


def delete_orphans_in_scope(conn: sqlite3.Connection, table: str, photo_key: str) -> int:
    """Delete the rows of ``table`` about photos in ``purge_scope`` that no catalogued file (in
    any state) backs any more; return how many. (The catalog's own rows: a photo is forgotten
    only when none of its files is left in the catalog.)"""
    return conn.execute(
        f"DELETE FROM {table} WHERE {photo_key} IN (SELECT id FROM purge_scope)"
        f" AND NOT EXISTS (SELECT 1 FROM files WHERE files.photo_id = {table}.{photo_key})"
    ).rowcount


def delete_under(conn: sqlite3.Connection, table: str, path_key: str, folder: bytes) -> int:
    """Delete the rows of ``table`` whose ``path_key`` (bytes) is ``folder`` or under it."""
    return conn.execute(
        f"DELETE FROM {table} WHERE {path_key} = ? OR substr({path_key}, 1, ?) = ?",
        (folder, len(folder) + 1, folder + b"/"),
    ).rowcount


def delete_all(conn: sqlite3.Connection, table: str) -> int:
    """Delete every row of ``table``; return how many."""
    return conn.execute(f"DELETE FROM {table}").rowcount


def run_declared(conn: sqlite3.Connection, sql: str) -> int:
    """Run one statement a capability declares in the registry (``Capability.purge_sql``: it
    stays declarative there, beside the tables it names); return the rows it changed."""
    return conn.execute(sql).rowcount


def checkpoint_wal(db: Database) -> None:
    """Copy the write-ahead log into the database and truncate it, so rows just deleted do not
    linger in the log (``secure_delete`` already zeroes them in the main file)."""
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def vacuum(db: Database) -> None:
    """Rebuild the database file from its live rows, so no page that held deleted data survives
    in it (``camroll forget``). Must run outside any transaction.

    Dialect: SQLite's ``VACUUM`` (PostgreSQL: ``VACUUM FULL`` rewrites a table, but deleted tuples
    may linger in its WAL and backups; a server needs its own answer)."""
    db.conn.execute("VACUUM")


@contextmanager
def rolled_back(db: Database) -> Iterator[sqlite3.Connection]:
    """A write transaction that is always rolled back, whatever happens inside: a dry run counts
    exactly what a purge would delete by running it, and nothing changes."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db.conn
    finally:
        db.conn.execute("ROLLBACK")
