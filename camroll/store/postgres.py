"""The catalog on PostgreSQL: a connection that speaks to the rest of camroll as SQLite's does.

Every layer above ``store/`` holds a connection and calls ``execute``, ``executemany``,
``fetchone``/``fetchall``, ``rowcount``, ``lastrowid`` and rows read by index or by name: the
part of Python's DB-API that ``sqlite3`` and camroll share. :class:`PgConnection` offers exactly
that over psycopg, so the same store functions, transactions and tests run on either engine:

- statements are translated once each (:func:`camroll.store.dialect.to_postgres`) and kept;
- rows are :class:`Row`: a tuple that also answers ``row["name"]`` and ``keys()``;
- ``lastrowid`` is the inserted row's identity, asked for with ``RETURNING``;
- errors are raised as ``sqlite3``'s classes (``IntegrityError`` for a broken constraint,
  ``OperationalError`` otherwise), which is what the callers already catch;
- PostgreSQL's ``numeric`` (what ``SUM`` and ``AVG`` of integers return) comes back as ``int``
  or ``float``, not ``Decimal``, and a Python ``bool`` is stored as 0/1 as SQLite stores it;
- strings are sent untyped, so PostgreSQL types them by where they go (``id = '5'`` works as
  it does in SQLite).

One difference is not hidden: a failed statement inside a transaction aborts the whole
transaction on PostgreSQL, where SQLite would let it go on. camroll's transactions end on the
first exception anyway (:meth:`camroll.store.db.Database.transaction`), and the store does not
catch a constraint error inside one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from camroll.store.dialect import to_postgres

CONNECT_TIMEOUT_S = 10
"""A wrong host fails in seconds with a clear message rather than hanging a command."""

STREAM_ROWS = 2000
"""Rows a streamed read (:meth:`PgConnection.stream`) fetches per round trip when iterated."""


class Row(tuple[Any, ...]):
    """A result row, read by position or (case-blind) by column name, as ``sqlite3.Row``."""

    _names: dict[str, int]
    _keys: list[str]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            try:
                return tuple.__getitem__(self, self._names[key.lower()])
            except KeyError:
                raise IndexError(f"No item with that key: {key}") from None
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return self._keys


def _row_maker(description: Sequence[Any] | None) -> Any:
    names = [d.name for d in description] if description else []
    index = {n.lower(): i for i, n in reversed(list(enumerate(names)))}

    def make(values: Sequence[Any]) -> Row:
        row = Row(values)
        row._names = index
        row._keys = names
        return row

    return make


def _row_factory(cursor: Any) -> Any:
    return _row_maker(cursor.description)


@contextmanager
def _sqlite_errors(sql: str) -> Iterator[None]:
    """psycopg's errors raised as sqlite3's classes, which the callers catch: a broken constraint
    (or a trigger's ``RAISE``, which SQLite reports as one) is an ``IntegrityError``, anything
    else an ``OperationalError``; the message names the statement as sent."""
    import psycopg

    try:
        yield
    except psycopg.Error as e:
        message = f"{str(e).strip()} (PostgreSQL, in: {sql[:600]})"
        if isinstance(e, psycopg.errors.IntegrityError | psycopg.errors.RaiseException):
            raise sqlite3.IntegrityError(message) from e
        raise sqlite3.OperationalError(message) from e


def _params(params: Any) -> Any:
    if isinstance(params, dict):
        raise TypeError("camroll's SQL uses positional ? parameters only")
    return tuple(int(v) if isinstance(v, bool) else v for v in params)


class PgCursor:
    """What ``conn.execute`` returns: psycopg's cursor, with ``lastrowid`` as sqlite3 has it; or,
    from ``conn.cursor()``, a cursor to ``execute`` on (``row_factory`` is accepted and ignored:
    a :class:`Row` compares equal to the plain tuple of its values)."""

    def __init__(self, cur: Any, lastrowid: int | None = None, conn: PgConnection | None = None) -> None:
        self._cur = cur
        self.lastrowid = lastrowid
        self._conn = conn
        self.row_factory: Any = None

    def execute(self, sql: str, params: Iterable[Any] = ()) -> PgCursor:
        assert self._conn is not None
        done = self._conn.execute(sql, params)
        self._cur, self.lastrowid = done._cur, done.lastrowid
        return self

    def executemany(self, sql: str, seq: Iterable[Iterable[Any]]) -> PgCursor:
        assert self._conn is not None
        self._cur = self._conn.executemany(sql, seq)._cur
        return self

    @property
    def rowcount(self) -> int:
        return int(self._cur.rowcount)

    @property
    def description(self) -> Any:
        return self._cur.description

    def fetchone(self) -> Row | None:
        if self._cur.description is None:
            return None
        row: Row | None = self._cur.fetchone()
        return row

    def fetchall(self) -> list[Row]:
        if self._cur.description is None:
            return []
        rows: list[Row] = self._cur.fetchall()
        return rows

    def fetchmany(self, size: int = 1) -> list[Row]:
        if self._cur.description is None:
            return []
        rows: list[Row] = self._cur.fetchmany(size)
        return rows

    def __iter__(self) -> Iterator[Row]:
        if self._cur.description is None:
            return iter(())
        return iter(self._cur)

    def close(self) -> None:
        self._cur.close()


class PgConnection:
    """A psycopg connection in autocommit mode that camroll's store can use as it uses SQLite's:
    ``BEGIN``/``COMMIT``/``ROLLBACK`` are sent as statements by :class:`~camroll.store.db.Database`."""

    engine = "postgresql"

    def __init__(self, raw: Any, home: Path | None, url: str | None = None) -> None:
        self.raw = raw
        self.url = url
        self.home = home
        self.total_changes = 0
        self._translated: dict[str, tuple[str, bool]] = {}
        self.keys: dict[str, tuple[str, ...]] = {}
        self.identities: dict[str, str] = {}
        self.row_factory: Any = None  # accepted and ignored: rows are always :class:`Row`
        self._streams = 0

    @classmethod
    def connect(cls, url: str, home: Path | None = None) -> PgConnection:
        import psycopg
        from psycopg.types.numeric import NumericLoader
        from psycopg.types.string import StrDumperUnknown

        class Numbers(NumericLoader):
            """``numeric`` as ``int`` when whole, else ``float``: what SQLite gives for the same sums."""

            def load(self, data: Any) -> Any:
                text = bytes(data).decode()
                if text.lstrip("-").isdigit():
                    return int(text)
                return float(text)

        raw = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S, row_factory=_row_factory)
        raw.adapters.register_dumper(str, StrDumperUnknown)
        raw.adapters.register_loader("numeric", Numbers)
        conn = cls(raw, home, url)
        conn.refresh_keys()
        return conn

    def refresh_keys(self) -> None:
        """Read each table's primary key and identity column from the catalog (after a migration)."""
        rows = self.raw.execute(
            "SELECT c.relname, a.attname, array_position(i.indkey::int2[], a.attnum) AS pos"
            " FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()"
            " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)"
            " WHERE i.indisprimary ORDER BY 1, 3"
        ).fetchall()
        keys: dict[str, list[str]] = {}
        for table, column, _pos in rows:
            keys.setdefault(table, []).append(column)
        self.keys = {t: tuple(c) for t, c in keys.items()}
        self.identities = {
            r[0]: r[1]
            for r in self.raw.execute(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND is_identity = 'YES'"
            ).fetchall()
        }
        self._translated.clear()

    def translate(self, sql: str) -> tuple[str, bool]:
        """``sql`` in PostgreSQL's dialect, and whether it was made to return the inserted row's
        identity (for ``lastrowid``)."""
        done = self._translated.get(sql)
        if done is None:
            text = to_postgres(sql, self.keys)
            identity = None
            if text.lstrip()[:6].upper() == "INSERT" and " RETURNING " not in text.upper():
                table = _insert_table(text)
                identity = self.identities.get(table) if table else None
                if identity:
                    text = f'{text} RETURNING "{identity}"'
            done = (text, identity is not None)
            if len(self._translated) < 4096:  # bounded: statements built with values inline are not kept forever
                self._translated[sql] = done
        return done

    def execute(self, sql: str, params: Iterable[Any] = ()) -> PgCursor:
        """Run one statement (SQLite's dialect). A ``PRAGMA`` is SQLite's own tuning and does
        nothing here; what it stands for on SQLite is done otherwise on PostgreSQL (the purge's
        ``VACUUM (FULL)``, ``schema_migrations`` for the version)."""
        if sql.lstrip()[:6].upper() == "PRAGMA":
            return PgCursor(self.raw.cursor())
        text, returns_id = self.translate(sql)
        cur = self.raw.cursor()
        with _sqlite_errors(text):
            cur.execute(text, _params(params))
        lastrowid = None
        if cur.rowcount and cur.rowcount > 0 and text.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            self.total_changes += cur.rowcount
            if returns_id:
                row = cur.fetchone()
                lastrowid = int(row[0]) if row is not None and row[0] is not None else None
        return PgCursor(cur, lastrowid)

    def executemany(self, sql: str, seq: Iterable[Iterable[Any]]) -> PgCursor:
        text, returns_id = self.translate(sql)
        if returns_id:
            text = text[: text.rindex(" RETURNING ")]
        cur = self.raw.cursor()
        with _sqlite_errors(text):
            cur.executemany(text, [_params(p) for p in seq])
        if cur.rowcount and cur.rowcount > 0:
            self.total_changes += cur.rowcount
        return PgCursor(cur)

    def stream(self, sql: str, params: Iterable[Any] = ()) -> PgCursor:
        """``execute`` for a read of many rows that the caller takes in slices (``fetchmany``,
        iteration): a server-side cursor, so the rows stay on the server until asked for, where
        ``execute`` receives the whole result at once (libpq's way). ``WITH HOLD``: it outlives the
        statement's own transaction in autocommit, read ``STREAM_ROWS`` at a time."""
        text, _ = self.translate(sql)
        self._streams += 1
        cur = self.raw.cursor(name=f"camroll_stream_{self._streams}", withhold=True)
        cur.itersize = STREAM_ROWS
        with _sqlite_errors(text):
            cur.execute(text, _params(params))
        return PgCursor(cur)

    def cursor(self) -> PgCursor:
        return PgCursor(self.raw.cursor(), conn=self)

    def commit(self) -> None:
        """Autocommit: a statement outside ``BEGIN`` is committed as it runs (as camroll uses SQLite)."""

    def close(self) -> None:
        self.raw.close()

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return bool(self.raw.info.transaction_status != TransactionStatus.IDLE)


def _insert_table(sql: str) -> str | None:
    words = sql.replace("(", " ( ").split()
    try:
        at = [w.upper() for w in words].index("INTO")
    except ValueError:
        return None
    return words[at + 1].strip('"') if at + 1 < len(words) else None
