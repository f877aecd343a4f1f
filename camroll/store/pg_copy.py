"""Copy a library's SQLite catalog into an empty PostgreSQL database, and prove the copy.

``camroll db migrate-to postgresql://...`` is the first step of issue 16: the catalog cannot yet
*run* on PostgreSQL (docs/scale-out.md says what that takes), but a library can be carried over
whole, so what is there is checked against what was here.

How, and why so:

- **One snapshot.** The SQLite file is read through one read-only transaction (WAL keeps it
  stable while ``serve`` or ``watch`` go on writing), so every table is copied as of one moment.
- **One PostgreSQL transaction.** Schema, rows, indexes, triggers and the verification happen in
  a single transaction: a failure anywhere (a row PostgreSQL rejects, a checksum that differs)
  rolls everything back and leaves the target as empty as it was. A transaction-scoped advisory
  lock keeps two runs from filling the same database at once.
- **Empty targets only.** Merging two catalogs would mix ids; a database holding any table,
  view, sequence or function of its own is refused.
- **Streaming.** Rows go through ``COPY ... FROM STDIN`` in batches of :data:`BATCH_ROWS`,
  read with ``fetchmany`` and read back with a server-side cursor: no table is ever held whole.
- **Verified.** Per table, the row count and a checksum computed the same way on both sides
  (:func:`row_digest`, summed modulo 2**256 so the order rows come back in does not matter: no
  reliance on the two engines sorting text alike). The SQLite side is hashed as rows stream out,
  the PostgreSQL side by reading every row back after the copy. Any difference fails the run.
- **Sealed stays sealed.** Face prints, sealed folder names and every other BLOB are copied as
  bytes; the keys stay in the camroll home, outside both databases.
"""

from __future__ import annotations

import hashlib
import sqlite3
import struct
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from camroll.store.pg_schema import (
    OWN_OBJECTS_SQL,
    SchemaError,
    SqliteSchema,
    Table,
    create_tables,
    finish,
    quote,
    read_schema,
)

BATCH_ROWS = 2000
"""Rows read from SQLite and written to COPY at a time: large enough that per-batch overhead
vanishes, small enough (a few MB even for face prints) that memory stays flat on any table."""

CONNECT_TIMEOUT_S = 10
"""A wrong host should fail in seconds with a clear message, not hang the command."""

ADVISORY_LOCK = 0x63616D726F6C6C  # 'camroll'
"""The key of the advisory lock a run holds on the target for its transaction."""

Progress = Callable[[str, int, int], None]
"""progress(table, rows done over all tables, rows in all tables)."""


class MigrationError(Exception):
    """Why the catalog was not copied; the target was left as it was."""


@dataclass
class TableCheck:
    table: str
    rows: int
    checksum: str  # hex, equal on both sides


@dataclass
class MigrationResult:
    target: str  # the URL without its password
    tables: list[TableCheck]
    foreign_keys: int
    indexes: int
    triggers: int
    skipped: list[tuple[str, str]]
    seconds: float

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def sentence(self) -> str:
        return (
            f"Copied {self.rows:,} rows in {len(self.tables)} tables, with {self.foreign_keys} foreign keys, "
            f"{self.indexes} indexes and {self.triggers} triggers, to {self.target} in {self.seconds:.1f} s; every table's row count "
            f"and checksum are equal on both sides. {len(self.skipped)} SQLite objects were not carried "
            "(SQLite's own indexes and tables; --json says why for each). The keys stay in camroll's home: "
            "the sealed columns were copied sealed and need them."
        )


def redact(url: str) -> str:
    """The URL as it may be shown: any password replaced by ``***`` (in the userinfo and in a
    ``password=`` query parameter)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(an unreadable URL)"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            userinfo = userinfo.split(":", 1)[0] + ":***"
        netloc = f"{userinfo}@{host}"
    query = "&".join(("password=***" if q.lower().startswith("password=") else q) for q in parts.query.split("&") if q)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _password(url: str) -> str | None:
    try:
        from psycopg.conninfo import conninfo_to_dict

        value = conninfo_to_dict(url).get("password")
    except Exception:
        return None
    return str(value) if value else None


def _scrub(message: str, url: str) -> str:
    secret = _password(url)
    return message.replace(secret, "***") if secret else message


# --- the checksum --------------------------------------------------------------------------


def _value_bytes(value: Any) -> bytes:
    """One value, tagged by kind and length-prefixed, so that no two rows of different values
    hash alike (``'1'`` vs ``1``, ``b'ab'`` vs ``'ab'``, ``('a', 'bc')`` vs ``('ab', 'c')``)."""
    if value is None:
        return b"N"
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        raw = str(value).encode()
        tag = b"i"
    elif isinstance(value, float):
        raw = value.hex().encode()
        tag = b"f"
    elif isinstance(value, str):
        raw = value.encode("utf-8", "surrogatepass")
        tag = b"s"
    elif isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        tag = b"b"
    else:
        raise MigrationError(f"a value of an unexpected kind: {type(value).__name__}")
    return tag + struct.pack(">Q", len(raw)) + raw


def row_digest(row: Iterable[Any]) -> int:
    """sha256 of one row's values, as an integer (summed into the table's checksum)."""
    h = hashlib.sha256()
    for value in row:
        h.update(_value_bytes(value))
    return int.from_bytes(h.digest(), "big")


MOD = 1 << 256


def _hex(total: int) -> str:
    return f"{total % MOD:064x}"


# --- the copy ------------------------------------------------------------------------------


def _conform(table: Table, row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A SQLite row as PostgreSQL's columns take it, or a clear error. SQLite's columns take any
    value whatever their declared type; PostgreSQL's do not, and a bytes value sent into a TEXT
    column would arrive as its escaped spelling: refused here rather than silently changed.
    An integer in a REAL column becomes a float (SQLite reads it back as one too)."""
    out = list(row)
    for i, (col, value) in enumerate(zip(table.columns, row, strict=True)):
        if value is None:
            continue
        kind = col.sqlite_type
        ok = (
            (kind == "INTEGER" and isinstance(value, int))
            or (kind == "REAL" and isinstance(value, (int, float)))
            or (kind == "TEXT" and isinstance(value, str) and "\x00" not in value)
            or (kind == "BLOB" and isinstance(value, bytes))
        )
        if not ok:
            raise MigrationError(
                f"{table.name}.{col.name} holds a {type(value).__name__} value that PostgreSQL's "
                f"{col.pg_type} cannot hold as is (key {[row[j] for j, c in enumerate(table.columns) if c.pk]})"
            )
        if kind == "REAL":
            out[i] = float(value)
    return tuple(out)


def _open_sqlite(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    conn.execute("BEGIN")  # one read transaction: every table as of one moment
    return conn


def _target_objects(cur: Any) -> list[str]:
    cur.execute(OWN_OBJECTS_SQL)
    return [r[0] for r in cur.fetchall()]


def migrate(source: Path, url: str, progress: Progress | None = None) -> MigrationResult:
    """Copy the SQLite catalog at ``source`` into the empty PostgreSQL database at ``url``,
    verify it, and commit; or raise :class:`MigrationError` having changed nothing there."""
    import psycopg

    started = time.monotonic()
    shown = redact(url)
    if urlsplit(url).scheme not in ("postgresql", "postgres"):
        raise MigrationError(f"Not a PostgreSQL URL: {shown} (expected postgresql://user@host/database)")
    lite = _open_sqlite(source)
    try:
        try:
            schema = read_schema(lite)
        except SchemaError as e:
            raise MigrationError(f"The library's schema cannot be carried: {e}") from e
        counts = {t.name: lite.execute(f"SELECT count(*) FROM {quote(t.name)}").fetchone()[0] for t in schema.tables}
        try:
            pg = psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.Error as e:
            raise MigrationError(f"Cannot connect to PostgreSQL at {shown}: {_scrub(str(e).strip(), url)}") from e
        try:
            with pg.transaction(), pg.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (ADVISORY_LOCK,))
                found = _target_objects(cur)
                if found:
                    raise MigrationError(
                        f"{shown} is not empty (it holds {', '.join(found)}...): camroll copies a catalog only "
                        "into an empty database, so no two catalogs' ids mix. Create a new database for it."
                    )
                checks, n_keys, n_triggers = _copy_all(pg, lite, schema, counts, progress)
        except psycopg.Error as e:
            raise MigrationError(f"PostgreSQL refused the copy, nothing was kept: {_scrub(str(e).strip(), url)}") from e
        finally:
            pg.close()
    finally:
        lite.close()
    return MigrationResult(
        shown, checks, n_keys, len(schema.indexes), n_triggers, schema.skipped, time.monotonic() - started
    )


def _copy_all(
    pg: Any, lite: sqlite3.Connection, schema: SqliteSchema, counts: dict[str, int], progress: Progress | None
) -> tuple[list[TableCheck], int, int]:
    total = sum(counts.values())
    done = 0
    sums: dict[str, tuple[int, int]] = {}
    with pg.cursor() as cur:
        create_tables(cur, schema)
        for table in schema.tables:
            names = ", ".join(quote(c.name) for c in table.columns)
            acc = rows = 0
            src = lite.execute(f"SELECT {names} FROM {quote(table.name)}")
            with cur.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
                while batch := src.fetchmany(BATCH_ROWS):
                    for row in batch:
                        conformed = _conform(table, row)
                        acc += row_digest(conformed)
                        copy.write_row(conformed)
                    rows += len(batch)
                    done += len(batch)
                    if progress:
                        progress(table.name, done, total)
            if rows != counts[table.name]:
                raise MigrationError(f"{table.name}: {rows} rows read, but the snapshot counted {counts[table.name]}")
            sums[table.name] = (rows, acc % MOD)
            if table.identity and rows:
                column = quote(table.identity)
                cur.execute(f"SELECT max({column}) FROM {quote(table.name)}")
                cur.execute(
                    f"ALTER TABLE {quote(table.name)} ALTER COLUMN {column} RESTART WITH {cur.fetchone()[0] + 1}"
                )
        n_keys, n_triggers = finish(cur, schema)
        if progress:
            progress("verifying", 0, total)
    checks: list[TableCheck] = []
    verified = 0
    for table in schema.tables:
        names = ", ".join(quote(c.name) for c in table.columns)
        with pg.cursor() as count_cur:
            count_cur.execute(f"SELECT count(*) FROM {quote(table.name)}")
            count = count_cur.fetchone()[0]
        acc = 0
        with pg.cursor(name=f"verify_{len(checks)}") as read:
            read.itersize = BATCH_ROWS
            read.execute(f"SELECT {names} FROM {quote(table.name)}")
            for row in read:
                acc += row_digest(row)
                verified += 1
                if progress and verified % BATCH_ROWS == 0:
                    progress(f"verifying {table.name}", verified, total)
        rows, expected = sums[table.name]
        if count != rows or acc % MOD != expected:
            raise MigrationError(
                f"Verification failed on {table.name}: SQLite {rows} rows, checksum {_hex(expected)[:16]}; "
                f"PostgreSQL {count} rows, checksum {_hex(acc)[:16]}. Nothing was kept."
            )
        checks.append(TableCheck(table.name, rows, _hex(expected)))
    if progress:
        progress("verified", total, total)
    return checks, n_keys, n_triggers
