"""The schema of a library kept on PostgreSQL: made from the same migrations as SQLite's.

The migrations are SQLite DDL (``store/migrations/NNNN_*.sql``), the one source of the schema.
A new PostgreSQL library gets the schema they produce: every migration is applied to a scratch
SQLite database in memory, and its result is read and translated (:mod:`pg_schema`, the code
``camroll db migrate-to`` proves on every copy). So both engines hold the same tables, keys,
indexes and triggers, and ``schema_migrations`` lists the same numbers.

A library made by an older camroll gets what is new, one migration at a time, in one
transaction each: the migration's statements are applied to a scratch SQLite database holding
the schema up to it, and the objects that appear or change there are carried over (a new table
or index, an added column); data statements (``UPDATE``, ``INSERT ... SELECT``) run through the
dialect translation. A migration that changes an existing table in any other way (SQLite's
create-copy-drop-rename rebuild) is not carried: it stops with :class:`SchemaError` naming the
table, and needs its own PostgreSQL statements before it ships.

An advisory lock (held for the transaction) keeps two camroll processes that open a new
library at the same moment from both making its schema.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from camroll.store.pg_schema import SchemaError, create_tables, finish, read_schema

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


def migrate(conn: PgConnection) -> list[str]:
    """Make or bring up to date the schema of the PostgreSQL library ``conn`` opens; the names
    of the migrations applied."""
    from camroll.store.db import migrations

    shipped = migrations()
    raw = conn.raw
    with raw.transaction():
        raw.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        if raw.execute("SELECT to_regprocedure('camroll_sum_bool(bigint, boolean)')").fetchone()[0] is None:
            for statement in COMPAT:  # a new catalog, or one `camroll db migrate-to` filled
                raw.execute(statement)
        exists = raw.execute("SELECT to_regclass('schema_migrations')").fetchone()[0]
        if exists is None:
            lite = scratch()
            try:
                schema = read_schema(lite)
                with raw.cursor() as cur:
                    create_tables(cur, schema)
                    finish(cur, schema)
                    cur.executemany(
                        "INSERT INTO schema_migrations (number, name, applied_at) VALUES (%s, %s, %s)",
                        [tuple(r) for r in lite.execute("SELECT number, name, applied_at FROM schema_migrations")],
                    )
            finally:
                lite.close()
            applied = [name for _n, name, _sql in shipped]
        else:
            done = {r[0] for r in raw.execute("SELECT number FROM schema_migrations").fetchall()}
            applied = []
            for number, name, _sql in shipped:
                if number not in done:
                    _carry(conn, number)
                    applied.append(name)
    conn.refresh_keys()
    return applied


def _carry(conn: PgConnection, number: int) -> None:
    """Apply migration ``number`` to a PostgreSQL library whose schema has every one before it."""
    from camroll.store.db import migrations, now_iso, split_sql
    from camroll.store.pg_schema import quote, translate_index, translate_table, translate_trigger, trigger_table

    before = scratch(number - 1)
    after = scratch(number)
    try:
        old, new = read_schema(before), read_schema(after)
        old_tables = {t.name: t for t in old.tables}
        raw = conn.raw
        sql = next(s for n, _name, s in migrations() if n == number)
        statements = [s for s in split_sql(sql) if not s.lstrip().upper().startswith(("CREATE", "ALTER", "DROP"))]
        for table in new.tables:
            was = old_tables.get(table.name)
            if was is None:
                raw.execute(translate_table(table))
                for clause in table.foreign_keys:
                    raw.execute(f"ALTER TABLE {quote(table.name)} ADD {clause}")
            elif was.sql != table.sql:
                names = {c.name for c in was.columns}
                added = [c for c in table.columns if c.name not in names]
                if not added or was.columns != table.columns[: len(was.columns)]:
                    raise SchemaError(f"migration {number} rebuilds {table.name}: write its PostgreSQL statements")
                for column in added:
                    raw.execute(f"ALTER TABLE {quote(table.name)} ADD COLUMN {quote(column.name)} {column.pg_type}")
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
        conn.refresh_keys()
        for statement in statements:
            conn.execute(statement)
        conn.execute(
            "INSERT INTO schema_migrations (number, name, applied_at) VALUES (?, ?, ?)",
            (number, next(name for n, name, _s in migrations() if n == number), now_iso()),
        )
    finally:
        before.close()
        after.close()
