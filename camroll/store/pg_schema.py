"""The library's SQLite schema, read from ``sqlite_master`` and translated for PostgreSQL.

Why read the live schema instead of the migration files: the migrations are SQLite DDL applied
over years (tables rebuilt, columns added with ``ALTER TABLE``); what a library holds is the
result, and ``sqlite_master`` states it exactly. The translation is deliberately narrow: the
four storage classes SQLite declares here (``INTEGER``, ``REAL``, ``TEXT``, ``BLOB``), ``CHECK``
and ``FOREIGN KEY`` clauses kept as written, ``COLLATE NOCASE`` as a case-insensitive ICU
collation, plain and partial indexes, and the small trigger language the migrations use. A
declared type outside that set stops the translation (:class:`SchemaError`) rather than guess.

Types: SQLite's ``INTEGER`` is 64-bit (``files.mtime_ns`` needs it), so ``BIGINT``; an
``INTEGER PRIMARY KEY`` is SQLite's rowid and keeps its values as ``BIGINT PRIMARY KEY``.
``REAL`` is an 8-byte float (``DOUBLE PRECISION``), ``BLOB`` is ``BYTEA``, ``TEXT`` stays.

What is not carried, each with its reason (:attr:`SqliteSchema.skipped`): SQLite's own tables
(``sqlite_sequence``, ``sqlite_stat*``: bookkeeping PostgreSQL keeps itself), its automatic
indexes (``sqlite_autoindex_*``: PostgreSQL makes them from the ``UNIQUE`` and ``PRIMARY KEY``
constraints that are kept), virtual tables such as FTS5 and their shadow tables (derived from
other tables, and PostgreSQL's full-text search is another design), and views (none exist today;
a view's SQL would need translating by hand).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field

PG_TYPES = {"INTEGER": "BIGINT", "REAL": "DOUBLE PRECISION", "TEXT": "TEXT", "BLOB": "BYTEA"}
"""SQLite's declared type -> PostgreSQL's. Every column of camroll's schema declares one of these."""

NOCASE_COLLATION = "camroll_nocase"
NOCASE_DDL = (
    f"CREATE COLLATION IF NOT EXISTS {NOCASE_COLLATION}"
    " (provider = icu, locale = 'und-u-ks-level2', deterministic = false)"
)
"""SQLite's ``COLLATE NOCASE`` (an album name is unique whatever its case): ICU at strength 2
compares letters without case, and a nondeterministic collation is what a ``UNIQUE`` needs to
use it. (SQLite folds only ASCII; ICU folds every script: 'Été' and 'été' collide here too.)"""


class SchemaError(Exception):
    """The SQLite schema holds something this translation does not know how to carry."""


@dataclass(frozen=True)
class Column:
    name: str
    sqlite_type: str
    pg_type: str
    pk: int  # position in the primary key (1-based), 0 when not part of it


@dataclass(frozen=True)
class Table:
    name: str
    sql: str  # SQLite's CREATE TABLE as stored
    columns: tuple[Column, ...]
    foreign_keys: tuple[str, ...]  # ``FOREIGN KEY (...) REFERENCES ...`` clauses, added after the copy

    @property
    def key(self) -> tuple[str, ...]:
        """The primary key's columns, in key order (empty for a table without one)."""
        return tuple(c.name for c in sorted((c for c in self.columns if c.pk), key=lambda c: c.pk))


@dataclass
class SqliteSchema:
    tables: list[Table]  # in the order SQLite made them
    indexes: list[tuple[str, str]]  # (name, SQLite's CREATE INDEX)
    triggers: list[tuple[str, str]]  # (name, SQLite's CREATE TRIGGER)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name, why it is not carried)


def quote(name: str) -> str:
    """An identifier quoted for both engines."""
    return '"' + name.replace('"', '""') + '"'


def read_schema(conn: sqlite3.Connection) -> SqliteSchema:
    """Every object of the library's schema, with what will not be carried and why."""
    kinds = {row[1]: row[2] for row in conn.execute("PRAGMA main.table_list")}
    tables: dict[str, Table] = {}
    indexes: list[tuple[str, str]] = []
    triggers: list[tuple[str, str]] = []
    skipped: list[tuple[str, str]] = []
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid").fetchall()
    for kind, name, tbl_name, sql in rows:
        if kind == "table":
            if name.startswith("sqlite_"):
                skipped.append((name, "SQLite's own bookkeeping; PostgreSQL keeps its own"))
            elif kinds.get(name) in ("virtual", "shadow"):
                skipped.append((name, "a virtual (e.g. FTS) table or its shadow: derived data, rebuilt, not copied"))
            else:
                tables[name] = _table(conn, name, sql)
        elif kind == "index":
            if sql is None:
                skipped.append((name, "SQLite's automatic index; PostgreSQL makes it from the UNIQUE/PRIMARY KEY"))
            elif tbl_name in tables or kinds.get(tbl_name) == "table":
                indexes.append((name, sql))
            else:
                skipped.append((name, f"an index on {tbl_name}, which is not carried"))
        elif kind == "trigger":
            triggers.append((name, sql))
        elif kind == "view":
            skipped.append((name, "a view: none exists today, and its SQL would need translating by hand"))
    for name, _sql in [t for t in triggers if _trigger_table(t[1]) not in tables]:
        skipped.append((name, "a trigger on a table that is not carried"))
    triggers = [t for t in triggers if _trigger_table(t[1]) in tables]
    return SqliteSchema(list(tables.values()), indexes, triggers, skipped)


def _table(conn: sqlite3.Connection, name: str, sql: str) -> Table:
    columns = []
    for _cid, col, decl, _notnull, _default, pk in conn.execute(f"PRAGMA main.table_info({quote(name)})"):
        sqlite_type = (decl or "").upper()
        if sqlite_type not in PG_TYPES:
            raise SchemaError(f"{name}.{col} is declared {decl or 'without a type'}: no PostgreSQL type is set for it")
        columns.append(Column(col, sqlite_type, PG_TYPES[sqlite_type], pk))
    keys: dict[int, list[tuple[str, str, str | None, str, str]]] = {}
    for fk_id, _seq, parent, child_col, parent_col, on_update, on_delete, _match in conn.execute(
        f"PRAGMA main.foreign_key_list({quote(name)})"
    ):
        keys.setdefault(fk_id, []).append((parent, child_col, parent_col, on_update, on_delete))
    clauses = []
    for parts in keys.values():
        parent, _c, _p, on_update, on_delete = parts[0]
        child_cols = ", ".join(quote(p[1]) for p in parts)
        target = "" if parts[0][2] is None else " (" + ", ".join(quote(str(p[2])) for p in parts) + ")"
        clauses.append(
            f"FOREIGN KEY ({child_cols}) REFERENCES {quote(parent)}{target} ON UPDATE {on_update} ON DELETE {on_delete}"
        )
    return Table(name, sql, tuple(columns), tuple(clauses))


_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/|\s+|[A-Za-z_][A-Za-z0-9_]*|.", re.S)


def _tokens(sql: str) -> list[str]:
    """SQL split into strings, quoted names, words, spaces and single characters, comments
    dropped: words are replaced only where they are words, never inside a string."""
    return [t for t in _TOKEN.findall(sql) if not t.startswith("--") and not t.startswith("/*")]


def _join(tokens: list[str]) -> str:
    return re.sub(r"\s+", " ", "".join(tokens)).strip()


def translate_table(table: Table) -> str:
    """``CREATE TABLE`` for PostgreSQL: declared types mapped, ``COLLATE NOCASE`` onto the ICU
    collation, constraints and defaults as written, and the foreign keys taken out: camroll's
    schema has cycles (a person's cover face is a face, a face's person is a person), so the keys
    are added once every table is filled (:attr:`Table.foreign_keys`), which also checks every
    copied row against them in one pass."""
    header, *defs, close = _items(_tokens(table.sql))
    kept = []
    for item in defs:
        words = [t.upper() for t in item if not t.isspace()]
        if words[:2] == ["FOREIGN", "KEY"] or (words[:1] == ["CONSTRAINT"] and words[2:4] == ["FOREIGN", "KEY"]):
            continue
        kept.append(_join(_translate_item(item)))
    return _join(header) + " " + ", ".join(kept) + " " + _join(close)


def _items(tokens: list[str]) -> list[list[str]]:
    """The column definitions and table constraints of a CREATE TABLE, split at its top-level
    commas; the text before the opening parenthesis and the closing one are items of their own."""
    items: list[list[str]] = [[]]
    depth = 0
    for t in tokens:
        if t == "(":
            depth += 1
            if depth == 1:
                items[-1].append(t)
                items.append([])
                continue
        elif t == ")":
            depth -= 1
            if depth == 0:
                items.append([t])
                continue
        elif t == "," and depth == 1:
            items.append([])
            continue
        items[-1].append(t)
    return [i for i in items if any(not t.isspace() for t in i)]


def _translate_item(item: list[str]) -> list[str]:
    """One column or constraint: its type mapped, a foreign key dropped, and ``COLLATE NOCASE``
    moved next to the type (PostgreSQL wants it there, SQLite takes it among the constraints)."""
    out: list[str] = []
    type_at = -1
    i = 0
    while i < len(item):
        word = item[i].upper()
        if word == "REFERENCES":  # a column's foreign key: added after the copy instead
            i = _skip_references(item, i)
            continue
        if word in PG_TYPES and type_at < 0:
            out.append(PG_TYPES[word])
            type_at = len(out)
        elif word == "NOCASE" and _last_word(out) == "COLLATE":
            while out and (out[-1].isspace() or out[-1].upper() == "COLLATE"):
                out.pop()
            if type_at >= 0:
                out.insert(type_at, f" COLLATE {NOCASE_COLLATION}")
            else:
                out.append(f" COLLATE {NOCASE_COLLATION}")
        else:
            out.append(item[i])
        i += 1
    return out


def _skip_references(item: list[str], i: int) -> int:
    """The index just past ``REFERENCES parent [(cols)] [ON DELETE|UPDATE action]... [MATCH x]
    [[NOT] DEFERRABLE [INITIALLY DEFERRED|IMMEDIATE]]`` starting at ``item[i]``."""
    words = [(j, t.upper()) for j, t in enumerate(item) if j > i and not t.isspace()]
    k = 1  # words[0] is the parent table
    if k < len(words) and words[k][1] == "(":
        while k < len(words) and words[k][1] != ")":
            k += 1
        k += 1
    while k < len(words):
        w = words[k][1]
        nxt = words[k + 1][1] if k + 1 < len(words) else ""
        if w == "ON":
            k += 3 if nxt in ("DELETE", "UPDATE") and words[k + 2][1] in ("CASCADE", "RESTRICT") else 4
        elif w in ("MATCH", "INITIALLY"):
            k += 2
        elif w == "DEFERRABLE":
            k += 1
        elif w == "NOT" and nxt == "DEFERRABLE":
            k += 2
        else:
            return words[k][0]
    return len(item)


def _last_word(out: list[str]) -> str:
    for t in reversed(out):
        if not t.isspace():
            return t.upper()
    return ""


def translate_index(sql: str) -> str:
    """Indexes (plain, unique, partial) are the same SQL in both engines, comments aside and
    ``COLLATE NOCASE`` named as the ICU collation."""
    out: list[str] = []
    for t in _tokens(sql):
        out.append(NOCASE_COLLATION if t.upper() == "NOCASE" and _last_word(out) == "COLLATE" else t)
    return _join(out)


_TRIGGER = re.compile(
    r"CREATE TRIGGER (?:IF NOT EXISTS )?(?P<name>\S+) (?P<when>BEFORE|AFTER) (?P<event>DELETE|INSERT|UPDATE)"
    r"(?: OF [^O]+?)? ON (?P<table>\S+)(?: FOR EACH ROW)?(?: WHEN (?P<cond>.+?))? BEGIN (?P<body>.+) END;?$",
    re.I | re.S,
)
_RAISE = re.compile(r"SELECT RAISE\s*\(\s*(ABORT|FAIL|ROLLBACK)\s*,\s*('(?:[^']|'')*')\s*\)", re.I)


def _trigger_table(sql: str) -> str:
    m = _TRIGGER.match(_join(_tokens(sql)))
    return m.group("table").strip('"') if m else ""


def translate_trigger(name: str, sql: str) -> list[str]:
    """A SQLite row trigger as a PL/pgSQL function and a ``FOR EACH ROW`` trigger calling it.

    The migrations use two shapes: the append-only guards (``BEFORE UPDATE/DELETE ... SELECT
    RAISE(ABORT, '...')``, which keep the audit log and the consent ledger append-only: a
    privacy promise, so it must hold on PostgreSQL too) and a clean-up (``AFTER DELETE ... WHEN
    ... BEGIN DELETE ...; END``). Both read ``OLD``/``NEW`` the way PL/pgSQL does. A BEFORE
    trigger returns the row so the change goes on when it does not raise."""
    m = _TRIGGER.match(_join(_tokens(sql)))
    if not m:
        raise SchemaError(f"trigger {name}: a shape this translation does not know: {_join(_tokens(sql))}")
    body = _RAISE.sub(lambda r: f"RAISE EXCEPTION {r.group(2)}", m.group("body").strip())
    if not body.endswith(";"):
        body += ";"
    if m.group("cond"):
        body = f"IF {m.group('cond')} THEN {body} END IF;"
    when, event = m.group("when").upper(), m.group("event").upper()
    returned = "NULL" if when == "AFTER" else ("OLD" if event == "DELETE" else "NEW")
    function = quote(f"{name}_fn")
    return [
        f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $body$ "
        f"BEGIN {body} RETURN {returned}; END $body$",
        f"CREATE TRIGGER {quote(name)} {when} {event} ON {quote(m.group('table').strip(chr(34)))} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}()",
    ]
