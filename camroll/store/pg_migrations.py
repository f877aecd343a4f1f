"""The schema of a library kept on PostgreSQL: made from the same migrations as SQLite's.

The migrations are SQLite DDL (``store/migrations/NNNN_*.sql``), the one source of the schema.
A new PostgreSQL library gets the schema they produce: every migration is applied to a scratch
SQLite database in memory, and its result is read and translated (:mod:`pg_schema`, the code
``camroll db migrate-to`` proves on every copy). So both engines hold the same tables, keys,
indexes and triggers, and ``schema_migrations`` lists the same numbers.

A library made by an older camroll gets what is new, one migration at a time, in the one
transaction that opening it runs. Most migrations are carried by derivation: the migration's
statements are applied to a scratch SQLite database holding the schema up to it, and the objects
that appear or change there are carried over (a new table, index or trigger; a column added with
its type, ``NOT NULL``, default and key); data statements (``UPDATE``, ``INSERT ... SELECT``) run
through the dialect translation. A migration that changes an existing table in any other way
(SQLite's create-copy-drop-rename rebuild, the only way it changes a ``CHECK``) cannot be
derived: it ships its own PostgreSQL statements beside it, ``NNNN_name.pg.sql`` next to
``NNNN_name.sql`` (:func:`pg_statements`; ``db.migrations()`` lists only the SQLite files), run
as written instead of the derivation. They are then checked (:mod:`pg_compare`): every table the
SQLite migration touched must be, column for column (type, ``NOT NULL``, default, identity,
collation), constraint for constraint (``CHECK`` as PostgreSQL parsed it, keys), index and
trigger, what a new catalog would hold; a difference stops the carry with :class:`SchemaError`
naming it, and the transaction leaves the catalog as it was. A rebuild without such a file stops
the same way, naming the file to write.

An advisory lock (held for the transaction) keeps two camroll processes that open a new
library at the same moment from both making its schema.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from camroll.store.pg_compare import check_carried
from camroll.store.pg_schema import SchemaError, SqliteSchema, create_tables, finish, read_schema

if TYPE_CHECKING:
    from camroll.store.postgres import PgConnection

SCHEMA_LOCK = 0x63616D726F6C6D  # 'camrolm'
"""The advisory lock a process holds while it makes or migrates a PostgreSQL library's schema."""


COMPAT = (
    "CREATE FUNCTION camroll_sum_bool(bigint, boolean) RETURNS bigint LANGUAGE sql IMMUTABLE"
    " AS 'SELECT CASE WHEN $2 IS NULL THEN $1 ELSE coalesce($1, 0) + CASE WHEN $2 THEN 1 ELSE 0 END END'",
    "CREATE AGGREGATE sum(boolean) (SFUNC = camroll_sum_bool, STYPE = bigint)",
)
"""What SQLite has and PostgreSQL lacks, made in the library's schema: ``sum`` of a comparison
(SQLite counts true as 1; the store counts with it, ``sum(score > ?)``), NULL over no rows as
SQLite's ``sum``."""


def scratch(upto: int | None = None) -> sqlite3.Connection:
    """An in-memory SQLite database with the migrations up to ``upto`` (all when None) applied."""
    from camroll.store.db import Database, migrations

    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys=ON")
    db = Database(conn, Path(":memory:"))
    db.migrate(only=None if upto is None else {n for n, _name, _sql in migrations() if n <= upto})
    return conn


def pg_statements(number: int) -> str | None:
    """Migration ``number``'s own PostgreSQL statements: the text of ``NNNN_name.pg.sql`` beside
    its ``NNNN_name.sql``, or None when it has none (its PostgreSQL form is then derived)."""
    from importlib import resources

    from camroll.store.db import migrations

    name = next((name for n, name, _sql in migrations() if n == number), None)
    if name is None:
        return None
    entry = resources.files("camroll.store.migrations").joinpath(name.removesuffix(".sql") + ".pg.sql")
    return entry.read_text(encoding="utf-8") if entry.is_file() else None


def make_schema(raw: Any, upto: int | None = None) -> list[str]:
    """In the empty database ``raw`` is connected to, inside the caller's transaction: the schema
    of the migrations up to ``upto`` (all when None), translated, with ``schema_migrations``
    listing them; their names. What a new catalog gets (an older camroll made its catalogs the
    same way, with the migrations it shipped: the tests make those with ``upto``)."""
    lite = scratch(upto)
    try:
        schema = read_schema(lite)
        with raw.cursor() as cur:
            create_tables(cur, schema)
            finish(cur, schema)
            done = [tuple(r) for r in lite.execute("SELECT number, name, applied_at FROM schema_migrations")]
            cur.executemany("INSERT INTO schema_migrations (number, name, applied_at) VALUES (%s, %s, %s)", done)
    finally:
        lite.close()
    return [str(name) for _n, name, _at in sorted(done)]


def migrate(conn: PgConnection) -> list[str]:
    """Make or bring up to date the schema of the PostgreSQL library ``conn`` opens; the names
    of the migrations applied."""
    from camroll.store.db import migrations

    raw = conn.raw
    with raw.transaction():
        raw.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        if raw.execute("SELECT to_regprocedure('camroll_sum_bool(bigint, boolean)')").fetchone()[0] is None:
            for statement in COMPAT:  # a new catalog, or one `camroll db migrate-to` filled
                raw.execute(statement)
        if raw.execute("SELECT to_regclass('schema_migrations')").fetchone()[0] is None:
            applied = make_schema(raw)
        else:
            done = {r[0] for r in raw.execute("SELECT number FROM schema_migrations").fetchall()}
            applied = []
            for number, name, _sql in migrations():
                if number not in done:
                    _carry(conn, number)
                    applied.append(name)
    conn.refresh_keys()
    return applied


def _carry(conn: PgConnection, number: int) -> None:
    """Apply migration ``number`` to a PostgreSQL library whose schema has every one before it:
    its own PostgreSQL statements, checked against the SQLite migration, or else derived."""
    from camroll.store.db import migrations, now_iso

    before = scratch(number - 1)
    after = scratch(number)
    try:
        old, new = read_schema(before), read_schema(after)
        written = pg_statements(number)
        if written is None:
            _derive(conn, number, old, new)
        else:
            conn.raw.execute(written)
            conn.refresh_keys()
            check_carried(conn.raw, number, old, new)
        conn.execute(
            "INSERT INTO schema_migrations (number, name, applied_at) VALUES (?, ?, ?)",
            (number, next(name for n, name, _s in migrations() if n == number), now_iso()),
        )
    finally:
        before.close()
        after.close()


def _derive(conn: PgConnection, number: int, old: SqliteSchema, new: SqliteSchema) -> None:
    """Carry what migration ``number`` changed from ``old`` to ``new`` (the scratch schemas around
    it): new tables, indexes and triggers made as a new catalog's are, added columns added with
    their constraints and keys, dropped objects dropped, then the migration's data statements."""
    from camroll.store.db import migrations, split_sql
    from camroll.store.pg_schema import (
        appended_columns,
        quote,
        translate_column,
        translate_index,
        translate_table,
        translate_trigger,
        trigger_table,
    )

    old_tables = {t.name: t for t in old.tables}
    raw = conn.raw
    file, sql = next((name, s) for n, name, s in migrations() if n == number)
    statements = [s for s in split_sql(sql) if not s.lstrip().upper().startswith(("CREATE", "ALTER", "DROP"))]
    for table in new.tables:
        was = old_tables.get(table.name)
        if was is None:
            raw.execute(translate_table(table))
            for clause in table.foreign_keys:
                raw.execute(f"ALTER TABLE {quote(table.name)} ADD {clause}")
        elif was.sql != table.sql:
            added = appended_columns(was, table)
            if added is None:
                raise SchemaError(
                    f"migration {number} rebuilds {table.name}: write its PostgreSQL statements"
                    f" in {file.removesuffix('.sql')}.pg.sql"
                )
            for column in added:
                raw.execute(f"ALTER TABLE {quote(table.name)} ADD COLUMN {translate_column(table, column)}")
            for clause in table.foreign_keys:
                if clause not in was.foreign_keys:
                    raw.execute(f"ALTER TABLE {quote(table.name)} ADD {clause}")
    for name in {t.name for t in old.tables} - {t.name for t in new.tables}:
        raw.execute(f"DROP TABLE IF EXISTS {quote(name)} CASCADE")
    old_indexes = dict(old.indexes)
    for name, index_sql in new.indexes:
        if old_indexes.get(name) != index_sql:
            raw.execute(f"DROP INDEX IF EXISTS {quote(name)}")
            raw.execute(translate_index(index_sql))
    for name in set(old_indexes) - {n for n, _s in new.indexes}:
        raw.execute(f"DROP INDEX IF EXISTS {quote(name)}")
    old_triggers = dict(old.triggers)
    for name, trigger_sql in new.triggers:
        if old_triggers.get(name) != trigger_sql:
            table_name = trigger_table(trigger_sql)
            raw.execute(f"DROP TRIGGER IF EXISTS {quote(name)} ON {quote(table_name)}")
            raw.execute(f"DROP FUNCTION IF EXISTS {quote(name + '_fn')}()")
            for statement in translate_trigger(name, trigger_sql):
                raw.execute(statement)
    for name in set(old_triggers) - {n for n, _s in new.triggers}:
        if trigger_table(old_triggers[name]) not in {t.name for t in new.tables}:
            continue  # went with its table
        raw.execute(f"DROP TRIGGER IF EXISTS {quote(name)} ON {quote(trigger_table(old_triggers[name]))}")
        raw.execute(f"DROP FUNCTION IF EXISTS {quote(name + '_fn')}()")
    conn.refresh_keys()
    for statement in statements:
        conn.execute(statement)
