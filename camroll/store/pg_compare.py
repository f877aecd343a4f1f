"""Does a PostgreSQL catalog hold what the SQLite migrations say, for the tables a migration touched?

A migration that rebuilds a table (SQLite's create-copy-drop-rename) ships its own PostgreSQL
statements (``NNNN_name.pg.sql``, :mod:`pg_migrations`). Written by hand, they could drift from
the SQLite migration they stand for: a column left nullable, a CHECK that allows one value less.
So after they run, :func:`check_carried` compares each table the SQLite migration touched with
what :mod:`pg_schema` would make of it in a new catalog, and raises :class:`SchemaError` naming
every difference; the caller's transaction then leaves the catalog as it was.

How "what a new catalog would hold" is read: the translated tables and their indexes are made
as temporary tables (``pg_temp``, which every role may use: no ``CREATE`` right on the database
is needed) inside a savepoint that is always rolled back, and PostgreSQL's own catalog describes
both sides. So a ``CHECK`` is compared as PostgreSQL parsed it, not as someone spelled it. What a
temporary table cannot hold is compared from the translation's text instead: foreign keys (a
temporary table may not reference a permanent one: compared as columns, parent, parent columns
and actions, not by constraint name) and triggers (compared as definition and function body).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from camroll.store.pg_schema import (
    SchemaError,
    SqliteSchema,
    translate_index,
    translate_table,
    translate_trigger,
    trigger_table,
)

ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
"""``pg_constraint.confupdtype``/``confdeltype`` in the words SQLite's ``foreign_key_list`` uses."""

_COLUMNS = (
    "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,"
    " pg_get_expr(d.adbin, d.adrelid), co.collname"
    " FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
    " LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum"
    " LEFT JOIN pg_collation co ON co.oid = a.attcollation"
    " WHERE c.relnamespace = %(ns)s AND c.relkind = 'r' AND c.relname = ANY(%(tables)s) ORDER BY c.relname, a.attnum"
)
_CONSTRAINTS = (
    "SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid)"
    " FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid"
    " WHERE c.relnamespace = %(ns)s AND c.relname = ANY(%(tables)s) AND k.contype IN ('c', 'p', 'u', 'x')"
)
_FOREIGN_KEYS = (
    "SELECT c.relname,"
    " (SELECT array_agg(a.attname ORDER BY u.i) FROM unnest(k.conkey) WITH ORDINALITY u (n, i)"
    "  JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n),"
    " p.relname,"
    " (SELECT array_agg(a.attname ORDER BY u.i) FROM unnest(k.confkey) WITH ORDINALITY u (n, i)"
    "  JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n),"
    " k.confupdtype, k.confdeltype"
    " FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid"
    " WHERE c.relnamespace = %(ns)s AND c.relname = ANY(%(tables)s) AND k.contype = 'f'"
)
_INDEXES = (
    "SELECT c.relname, i.relname, pg_get_indexdef(i.oid)"
    " FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid"
    " WHERE c.relnamespace = %(ns)s AND c.relname = ANY(%(tables)s)"
)
_TRIGGERS = (
    "SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid), p.prosrc"
    " FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid"
    " WHERE NOT t.tgisinternal AND c.relnamespace = %(ns)s AND c.relname = ANY(%(tables)s)"
)


@dataclass
class Shape:
    """One table as PostgreSQL holds it, in terms that do not depend on its schema's name."""

    columns: list[tuple[Any, ...]] = field(
        default_factory=list
    )  # in order: name, type, not null, identity, default, collation
    constraints: set[tuple[str, ...]] = field(default_factory=set)  # CHECK, PRIMARY KEY, UNIQUE: name, kind, definition
    foreign_keys: set[str] = field(default_factory=set)
    indexes: set[tuple[str, str]] = field(default_factory=set)
    triggers: set[tuple[str, str, str]] = field(default_factory=set)  # name, definition, function body


def touched(old: SqliteSchema, new: SqliteSchema) -> tuple[set[str], set[str]]:
    """(tables a migration made or changed, itself or by its indexes or triggers; tables it dropped)."""
    old_tables = {t.name: t.sql for t in old.tables}
    changed = {t.name for t in new.tables if old_tables.get(t.name) != t.sql}
    names = {t.name for t in new.tables}
    for before, after, table_of in (
        (old.indexes, new.indexes, _index_table),
        (old.triggers, new.triggers, trigger_table),
    ):
        for _name, sql in set(before) ^ set(after):
            changed.add(table_of(sql))
    return changed & names, set(old_tables) - names


def check_carried(raw: Any, number: int, old: SqliteSchema, new: SqliteSchema) -> None:
    """Raise :class:`SchemaError` unless every table migration ``number`` touched (``old`` ->
    ``new``, the scratch SQLite schemas around it) is, in the catalog ``raw`` is connected to, what
    a new catalog would hold; and every table it dropped is gone. Runs in the caller's transaction."""
    tables, dropped = touched(old, new)
    schema = raw.execute("SELECT current_schema()").fetchone()[0]
    ns = raw.execute("SELECT oid FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()[0]
    actual = describe(raw, ns, tables | dropped)
    expected = expect(raw, new, tables)
    problems = []
    for name in sorted(dropped & set(actual)):
        problems.append(f"{name} is still there (the SQLite migration drops it)")
    for name in sorted(tables):
        problems += _differences(name, expected.get(name, Shape()), actual.get(name))
    if problems:
        raise SchemaError(
            f"migration {number}'s PostgreSQL statements do not give what its SQLite migration does: "
            + "; ".join(problems)
        )


def expect(raw: Any, schema: SqliteSchema, tables: set[str]) -> dict[str, Shape]:
    """``tables`` of ``schema`` as a new catalog would hold them: made as temporary tables in a
    savepoint that is rolled back, and described (foreign keys and triggers from the translation)."""
    chosen = [t for t in schema.tables if t.name in tables]
    with raw.transaction(force_rollback=True):
        for table in chosen:
            raw.execute(re.sub(r"^CREATE TABLE", "CREATE TEMPORARY TABLE", translate_table(table), flags=re.I))
        for _name, sql in schema.indexes:
            if _index_table(sql) in tables:
                raw.execute(translate_index(sql))  # unqualified: the temporary table is found first
        shapes = describe(raw, raw.execute("SELECT pg_my_temp_schema()").fetchone()[0], tables, keys=False)
    keys = {t.name: t.key for t in schema.tables}
    for table in chosen:
        shape = shapes.setdefault(table.name, Shape())
        shape.foreign_keys = {_sqlite_key(clause, keys) for clause in table.foreign_keys}
    for name, sql in schema.triggers:
        table_name = trigger_table(sql)
        if table_name in tables:
            function, trigger = translate_trigger(name, sql)
            body = function.split("$body$")[1]
            shapes.setdefault(table_name, Shape()).triggers.add((name, _plain(trigger), body.strip()))
    return shapes


def describe(raw: Any, ns: int, tables: set[str], keys: bool = True) -> dict[str, Shape]:
    """The shape of each of ``tables`` found in the schema whose oid is ``ns``."""
    args = {"ns": ns, "tables": sorted(tables)}
    shapes: dict[str, Shape] = {}
    for table, *column in raw.execute(_COLUMNS, args).fetchall():
        shapes.setdefault(table, Shape()).columns.append(tuple(column))
    for table, *constraint in raw.execute(_CONSTRAINTS, args).fetchall():
        shapes.setdefault(table, Shape()).constraints.add(tuple(constraint))
    for table, index, definition in raw.execute(_INDEXES, args).fetchall():
        shapes.setdefault(table, Shape()).indexes.add(
            (index, re.sub(r" ON (ONLY )?\S+?\.", " ON ", definition, count=1))
        )
    if keys:
        for table, columns, parent, parent_columns, on_update, on_delete in raw.execute(_FOREIGN_KEYS, args):
            shapes.setdefault(table, Shape()).foreign_keys.add(
                _key(list(columns), parent, list(parent_columns), ACTIONS[on_update], ACTIONS[on_delete])
            )
        for table, name, definition, body in raw.execute(_TRIGGERS, args).fetchall():
            shapes.setdefault(table, Shape()).triggers.add((name, _plain(definition), body.strip()))
    return shapes


def _differences(name: str, want: Shape, got: Shape | None) -> list[str]:
    if got is None:
        return [f"{name} is missing"]
    found = []
    if want.columns != got.columns:
        wanted, have = set(want.columns), set(got.columns)
        lost, extra = [c for c in want.columns if c not in have], [c for c in got.columns if c not in wanted]
        found.append(
            f"{name}'s columns differ (expected {_listed(lost) or 'the same, in another order'}, found {_listed(extra) or '-'})"
        )
    for aspect in ("constraints", "foreign_keys", "indexes", "triggers"):
        wanted, have = getattr(want, aspect), getattr(got, aspect)
        if wanted != have:
            found.append(
                f"{name}'s {aspect.replace('_', ' ')} differ"
                f" (expected {_listed(sorted(wanted - have)) or '-'}, found {_listed(sorted(have - wanted)) or '-'})"
            )
    return found


def _listed(items: list[Any]) -> str:
    return ", ".join(" ".join(str(v) for v in item) if isinstance(item, tuple) else str(item) for item in items)


def _key(columns: list[str], parent: str, parent_columns: list[str], on_update: str, on_delete: str) -> str:
    return f"({', '.join(columns)}) REFERENCES {parent} ({', '.join(parent_columns)}) ON UPDATE {on_update} ON DELETE {on_delete}"


_SQLITE_KEY = re.compile(
    r'FOREIGN KEY \((?P<cols>[^)]*)\) REFERENCES (?P<parent>"(?:[^"]|"")*")(?: \((?P<pcols>[^)]*)\))?'
    r" ON UPDATE (?P<upd>.+?) ON DELETE (?P<del>.+)$"
)


def _sqlite_key(clause: str, keys: dict[str, tuple[str, ...]]) -> str:
    """A :attr:`Table.foreign_keys` clause in :func:`_key`'s words; a key that names no parent
    columns references the parent's primary key (in both engines)."""
    m = _SQLITE_KEY.match(clause)
    if m is None:
        raise SchemaError(f"a foreign key this check does not read: {clause}")
    parent = _unquote(m.group("parent"))
    parent_columns = [_unquote(c) for c in m.group("pcols").split(", ")] if m.group("pcols") else list(keys[parent])
    columns = [_unquote(c) for c in m.group("cols").split(", ")]
    return _key(columns, parent, parent_columns, m.group("upd"), m.group("del"))


def _unquote(name: str) -> str:
    name = name.strip()
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def _plain(definition: str) -> str:
    """A trigger's definition without quotes and schema names, as both sides write it."""
    return re.sub(r"(ON|FUNCTION) [A-Za-z0-9_]+\.", r"\1 ", definition.replace('"', ""))


def _index_table(sql: str) -> str:
    m = re.search(r"\bON\s+(\"(?:[^\"]|\"\")*\"|\w+)", sql, re.I)
    return _unquote(m.group(1)) if m else ""
