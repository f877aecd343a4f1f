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
only) and ``VACUUM`` (see :func:`vacuum`).

**After a purge on PostgreSQL.** A ``DELETE`` there only marks a tuple dead: its bytes stay in the
table's pages (and in its TOAST table and indexes), and a plain ``VACUUM`` only frees the space for
reuse, leaving the bytes until a later row happens to overwrite them. SQLite's ``secure_delete``
has no equivalent. So a purge lists, inside its own transaction (:func:`note_deleted_tables`,
called where the journal entry is written), which of the catalog's tables that transaction
deleted or updated rows in (table ``purge_vacuum``, committed with the deletions), and
:func:`checkpoint_wal` (which every purge runs once committed; the next command does it for one
killed first) rewrites those tables with ``VACUUM (FULL)``: new files holding only the live rows, indexes and
TOAST rebuilt, the old files unlinked. What stays outside camroll's reach there: the server's
write-ahead log (the rows were logged when written; segments are recycled, but an archive or a
replica keeps them), its backups and dumps, and the old files' blocks on disk until the
filesystem reuses them. Those need the server's own answer (encrypted storage, WAL archive and
backup retention), as docs/privacy.md says.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from camroll.store.db import Connection, Database, on_postgres


def _fresh(conn: Connection) -> None:
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS purge_scope (id INTEGER PRIMARY KEY, hash TEXT)")
    conn.execute("DELETE FROM purge_scope")


def _hashes(conn: Connection) -> list[str]:
    return [str(r[0]) for r in conn.execute("SELECT hash FROM purge_scope")]


def fill_all(conn: Connection) -> list[str]:
    """(Re)fill ``purge_scope`` with every photo; return their content hashes."""
    _fresh(conn)
    conn.execute("INSERT INTO purge_scope SELECT id, hash FROM photos")
    return _hashes(conn)


def fill_folder(conn: Connection, folder: bytes) -> list[str]:
    """(Re)fill ``purge_scope`` with the photos that have a file (in any state) at ``folder`` or
    under it (``folder`` as bytes, no trailing slash); return their content hashes."""
    _fresh(conn)
    conn.execute(
        "INSERT OR IGNORE INTO purge_scope SELECT p.id, p.hash FROM photos p JOIN files f"
        " ON f.photo_id = p.id WHERE f.path_bytes = ? OR substr(f.path_bytes, 1, ?) = ?",
        (folder, len(folder) + 1, folder + b"/"),
    )
    return _hashes(conn)


def fill_photos(conn: Connection, photo_ids: Iterable[int]) -> list[str]:
    """(Re)fill ``purge_scope`` with these photos (unknown ids are left out); return their hashes."""
    _fresh(conn)
    conn.executemany(
        "INSERT OR IGNORE INTO purge_scope SELECT id, hash FROM photos WHERE id = ?", [(int(i),) for i in photo_ids]
    )
    return _hashes(conn)


def empty(conn: Connection) -> None:
    """Empty ``purge_scope`` once the purge is done with it."""
    conn.execute("DELETE FROM purge_scope")


def delete_in_scope(conn: Connection, table: str, photo_key: str) -> int:
    """Delete the rows of ``table`` whose ``photo_key`` is a photo in ``purge_scope``; return how many."""
    return conn.execute(f"DELETE FROM {table} WHERE {photo_key} IN (SELECT id FROM purge_scope)").rowcount


def delete_orphans_in_scope(conn: Connection, table: str, photo_key: str) -> int:
    """Delete the rows of ``table`` about photos in ``purge_scope`` that no catalogued file (in
    any state) backs any more; return how many. (The catalog's own rows: a photo is forgotten
    only when none of its files is left in the catalog.)"""
    return conn.execute(
        f"DELETE FROM {table} WHERE {photo_key} IN (SELECT id FROM purge_scope)"
        f" AND NOT EXISTS (SELECT 1 FROM files WHERE files.photo_id = {table}.{photo_key})"
    ).rowcount


def delete_under(conn: Connection, table: str, path_key: str, folder: bytes) -> int:
    """Delete the rows of ``table`` whose ``path_key`` (bytes) is ``folder`` or under it."""
    return conn.execute(
        f"DELETE FROM {table} WHERE {path_key} = ? OR substr({path_key}, 1, ?) = ?",
        (folder, len(folder) + 1, folder + b"/"),
    ).rowcount


def delete_all(conn: Connection, table: str) -> int:
    """Delete every row of ``table``; return how many."""
    return conn.execute(f"DELETE FROM {table}").rowcount


def run_declared(conn: Connection, sql: str) -> int:
    """Run one statement a capability declares in the registry (``Capability.purge_sql``: it
    stays declarative there, beside the tables it names); return the rows it changed."""
    return conn.execute(sql).rowcount


VACUUM_LIST = "purge_vacuum"
"""The table (migration 0032) of the tables purges changed that wait for :func:`vacuum_noted` to
rewrite them; committed with the purge, so a command killed before the rewrite leaves it for the
next one. Empty on SQLite."""


def note_deleted_tables(conn: Connection) -> None:
    """Inside a purge's transaction, on PostgreSQL: list the catalog's tables this transaction
    deleted or updated rows in (the server counts them per transaction, cascades and triggers
    included: ``pg_stat_xact_user_tables``) in ``purge_vacuum``, so :func:`vacuum_noted`
    rewrites exactly those once the purge is committed, or, if the command is killed first,
    when the next command starts. A dry run's rollback takes the list back with the rows. With
    the server's ``track_counts`` off nothing is counted, so every table of the catalog is
    listed. On SQLite this does nothing: ``secure_delete`` already zeroed the rows."""
    if not on_postgres(conn):
        return
    conn.execute(
        f"INSERT INTO {VACUUM_LIST} (name) SELECT relname FROM pg_stat_xact_user_tables"
        " WHERE schemaname = current_schema()"
        " AND (n_tup_del + n_tup_upd > 0 OR current_setting('track_counts') = 'off')"
    )


def _vacuum_full(conn: Connection, tables: Iterable[str]) -> None:
    for table in tables:
        conn.execute('VACUUM (FULL) "{}"'.format(table.replace('"', '""')))


def vacuum_noted(db: Database) -> list[str]:
    """PostgreSQL, outside any transaction: ``VACUUM (FULL)`` the tables purges listed
    (:func:`note_deleted_tables`) and drop those entries; return the tables rewritten (none on
    SQLite, or when nothing waits: one indexed read).

    Why FULL: it writes the table anew from its live rows and unlinks the old files, so the
    deleted rows' bytes leave the table's pages, its TOAST and its indexes. Plain ``VACUUM`` would
    leave them in free space. The price: each table is locked (readers wait) while it is
    rewritten, for a time that grows with its size. A transaction still open in another session
    that began before the purge keeps the deleted rows visible to it, and FULL then copies them
    too; camroll's own connections hold none open between statements.

    Only the entries read here are dropped, by id: a purge that commits while this runs keeps
    its own, and its table is rewritten again (by that purge, or the next command)."""
    conn = db.conn
    if not on_postgres(conn):
        return []
    entries = conn.execute(f"SELECT id, name FROM {VACUUM_LIST} ORDER BY id").fetchall()
    if not entries:
        return []
    tables = sorted({str(r[1]) for r in entries} - {VACUUM_LIST})
    # Only names the catalog holds are rewritten (a table dropped since is skipped).
    present = {str(r[0]) for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}
    rewritten = [t for t in tables if t in present]
    _vacuum_full(conn, rewritten)
    conn.executemany(f"DELETE FROM {VACUUM_LIST} WHERE id = ?", [(int(r[0]),) for r in entries])
    return rewritten


def checkpoint_wal(db: Database) -> None:
    """Copy the write-ahead log into the database and truncate it, so rows just deleted do not
    linger in the log (``secure_delete`` already zeroes them in the main file).

    PostgreSQL has no such step to run (its log is the server's: see the module's docstring);
    what it needs instead after a purge is the rewrite of the tables the purge changed
    (:func:`vacuum_noted`), so every purge gets it here, where each already ends."""
    if on_postgres(db.conn):
        vacuum_noted(db)
        return
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def vacuum(db: Database) -> None:
    """Rebuild the database file from its live rows, so no page that held deleted data survives
    in it (``camroll forget``). Must run outside any transaction.

    Dialect: SQLite's ``VACUUM``. PostgreSQL: ``VACUUM (FULL)`` of every table of the catalog's
    schema (not the whole database, which may hold other homes' schemas): each is rewritten from
    its live rows. Deleted rows may still linger in the server's write-ahead log, its backups and
    the old files' disk blocks; a server needs its own answer there."""
    if on_postgres(db.conn):
        names = db.conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")
        _vacuum_full(db.conn, [str(r[0]) for r in names])
        return
    db.conn.execute("VACUUM")


@contextmanager
def rolled_back(db: Database) -> Iterator[Connection]:
    """A write transaction that is always rolled back, whatever happens inside: a dry run counts
    exactly what a purge would delete by running it, and nothing changes."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db.conn
    finally:
        db.conn.execute("ROLLBACK")
