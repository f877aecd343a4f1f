"""The database handle: opening, pragmas, migrations and transactions.

One SQLite file under CAMROLL_HOME holds the catalog, the consent ledger and everything derived
(or, for a library that outgrew one machine, a PostgreSQL database: :meth:`Database.open_url`,
:mod:`camroll.store.postgres`; the keys stay in CAMROLL_HOME either way).
WAL mode lets readers (the web app's requests) run while one writer works; ``secure_delete``
overwrites deleted content so a purge does not leave old bytes in free pages.

Migrations are the numbered ``migrations/NNNN_name.sql`` files, applied in order inside one
transaction each; ``PRAGMA user_version`` records the last one applied. A schema change is a new
file, never an edit of an applied one.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, cast


class Row(Protocol):
    """A result row, read by position or by column name: ``sqlite3.Row`` or
    :class:`camroll.store.postgres.Row`."""

    def __getitem__(self, key: Any, /) -> Any: ...
    def keys(self) -> list[str]: ...
    def __iter__(self) -> Iterator[Any]: ...
    def __len__(self) -> int: ...


class Cursor(Protocol):
    """What ``execute`` returns on either engine (``sqlite3.Cursor``, ``postgres.PgCursor``)."""

    row_factory: Any

    @property
    def lastrowid(self) -> int | None: ...
    @property
    def rowcount(self) -> int: ...
    @property
    def description(self) -> Any: ...
    def execute(self, sql: str, parameters: Any = ..., /) -> Cursor: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def fetchmany(self, size: int = ..., /) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...
    def close(self) -> None: ...


class Connection(Protocol):
    """The part of a DB-API connection camroll's store uses, which both ``sqlite3.Connection``
    and :class:`camroll.store.postgres.PgConnection` offer: every layer above ``store/`` types
    its connections with it, so mypy checks the PostgreSQL path too."""

    @property
    def total_changes(self) -> int: ...
    @property
    def in_transaction(self) -> bool: ...
    def execute(self, sql: str, parameters: Any = ..., /) -> Cursor: ...
    def executemany(self, sql: str, parameters: Any, /) -> Cursor: ...
    def cursor(self) -> Cursor: ...
    def commit(self) -> None: ...
    def close(self) -> None: ...


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


_BEFORE_THE_TABLE = frozenset((1, 2, 3, 5, 7, 8, 10, 11, 12, 14, 15, 16, 17, 18, 21, 22, 23))
"""The migrations shipped before applied ones were recorded in ``schema_migrations``: a library
at ``user_version`` N had exactly those up to N."""


WRITER_LOCK = 0x63616D726F6C77  # 'camrolw'
"""The advisory lock every write transaction of a PostgreSQL library holds (see ``transaction``)."""


def migrations() -> list[tuple[int, str, str]]:
    """(number, name, sql) of every migration shipped with camroll, in order: the SQLite ones
    (a ``NNNN_name.pg.sql`` beside one holds its PostgreSQL statements: pg_migrations.pg_statements)."""
    found = []
    for entry in resources.files("camroll.store.migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and not name.endswith(".pg.sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


class Database:
    def __init__(self, conn: Connection, path: Path, url: str | None = None):
        self.conn = conn
        self.path = path
        self.url = url
        """The PostgreSQL URL the catalog lives at, or None for SQLite."""

    @property
    def engine(self) -> str:
        return "sqlite" if self.url is None else "postgresql"

    @classmethod
    def open_url(cls, url: str, home: Path) -> Database:
        """The catalog of the library at ``home`` kept in PostgreSQL at ``url``: its schema made or
        migrated (:mod:`camroll.store.pg_migrations`)."""
        from camroll.store import pg_migrations
        from camroll.store.postgres import PgConnection

        pg = PgConnection.connect(url, home)
        pg_migrations.migrate(pg)
        return cls(pg, home / "camroll.db", url)

    @classmethod
    def open(cls, path: Path) -> Database:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "foreign_keys=ON",
            "secure_delete=ON",
            "busy_timeout=30000",
        ):
            conn.execute(f"PRAGMA {pragma}")
        path.chmod(0o600)
        db = cls(conn, path)
        db.migrate()
        return db

    def migrate(self, only: set[int] | None = None) -> list[str]:
        """Apply what is new; return the names applied.

        Each applied migration is recorded by number in ``schema_migrations``, so one numbered
        below the newest applied (work done in parallel lands out of order) still runs.
        ``PRAGMA user_version`` keeps the highest number, as before; a library made before the
        table existed counts the migrations shipped until then (``_BEFORE_THE_TABLE``) up to its
        ``user_version`` as applied."""
        current = self.conn.execute("PRAGMA user_version").fetchone()[0]
        with self.transaction():
            self.conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations"
                " (number INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            done = {r[0] for r in self.conn.execute("SELECT number FROM schema_migrations")}
            if not done and current:
                for number, name, sql in migrations():
                    if number <= current and number in _BEFORE_THE_TABLE and _looks_applied(self.conn, sql):
                        self.conn.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", (number, name, now_iso()))
                        done.add(number)
        applied = []
        for number, name, sql in migrations():
            if number in done or (only is not None and number not in only):
                continue
            with self.transaction():
                for statement in split_sql(sql):
                    self.conn.execute(statement)
                self.conn.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", (number, name, now_iso()))
                self.conn.execute(f"PRAGMA user_version = {max(number, current)}")
                current = max(number, current)
            applied.append(name)
        return applied

    @property
    def schema_version(self) -> int:
        if self.url is not None:
            return int(self.scalar("SELECT max(number) FROM schema_migrations") or 0)
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception (Ctrl-C included).

        On PostgreSQL the transaction first takes the library's writer lock (an advisory lock held
        until it ends), the one-writer-at-a-time that ``BEGIN IMMEDIATE`` gives on SQLite: the
        store's read-then-write steps (the audit chain's next record, a person's next id) were
        written for it. Several processes (``serve``, ``watch``) still write, one transaction at a
        time; reads never wait for it."""
        self.conn.execute("BEGIN IMMEDIATE")
        if self.url is not None:
            self.conn.execute("SELECT pg_advisory_xact_lock(?)", (WRITER_LOCK,))
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def query(self, sql: str, params: Any = ()) -> list[Row]:
        return self.conn.execute(sql, params).fetchall()

    def stream(self, sql: str, params: Any = ()) -> Cursor:
        """A cursor over a read of many rows, to take in slices (``fetchmany`` or iteration):
        SQLite steps through its result as it is read; on PostgreSQL a server-side cursor keeps
        the rows there until they are asked for (a plain ``execute`` would bring them all)."""
        if self.url is not None:
            from camroll.store.postgres import PgConnection

            return cast(PgConnection, self.conn).stream(sql, params)
        return self.conn.execute(sql, params)

    def scalar(self, sql: str, params: Any = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def change_marker(self) -> tuple[int, int]:
        """A value that changes whenever anything in the database may have changed: commits by other
        connections (``PRAGMA data_version``) and this connection's own changes. What a cache of
        query results kept beside a connection is keyed by. (PostgreSQL: the next transaction id
        to be given, which moves whenever any session writes.)"""
        if self.url is not None:
            return int(self.scalar("SELECT pg_snapshot_xmax(pg_current_snapshot())::text")), self.conn.total_changes
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0]), self.conn.total_changes

    def integrity_ok(self) -> bool:
        """SQLite's own check of every page and index (``PRAGMA integrity_check``). PostgreSQL
        checks its pages as it reads them (and with data checksums, on every read): there, a
        catalog is whole when it records the migrations that made it."""
        if self.url is not None:
            return int(self.scalar("SELECT count(*) FROM schema_migrations") or 0) > 0
        return bool(self.scalar("PRAGMA integrity_check") == "ok")

    def snapshot(self, target: Path, progress: Callable[[int, int], None] | None = None) -> None:
        """A consistent copy of the whole database in ``target`` (a new file, 0600), made with
        SQLite's online backup while others may go on writing: the copy is the database as of one
        moment. ``progress(pages_done, pages_total)`` as it goes. (SQLite only: a PostgreSQL
        catalog is backed up with ``pg_dump``, :mod:`camroll.library.backup`.)"""
        if self.url is not None:
            raise RuntimeError("a PostgreSQL catalog is copied with pg_dump, not SQLite's backup")
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        dest = sqlite3.connect(target)
        try:

            def step(_status: int, remaining: int, total: int) -> None:
                if progress is not None:
                    progress(total - remaining, total)

            cast(sqlite3.Connection, self.conn).backup(dest, pages=1024, progress=step)  # SQLite: url is None
        finally:
            dest.close()

    def close(self) -> None:
        """Close, first letting SQLite refresh the planner's statistics where this connection's
        queries showed them missing or stale (``PRAGMA optimize``, bounded by ``analysis_limit``;
        SQLite's advice for connections that come and go). Without statistics the planner cannot
        tell a filter matching a quarter of the library from one matching ten photos."""
        if self.url is not None:
            self.conn.close()
            return
        try:
            self.conn.execute("PRAGMA analysis_limit=1000")
            self.conn.execute("PRAGMA optimize")
        except sqlite3.Error:
            pass  # read-only or busy: the statistics wait for the next close
        self.conn.close()


def on_postgres(conn: Connection) -> bool:
    """Is ``conn`` a PostgreSQL catalog's connection (:class:`camroll.store.postgres.PgConnection`)?
    For the few steps that differ by engine and are not SQL the dialect translates: advisory
    locks, ``VACUUM (FULL)``, triggers lifted."""
    return getattr(conn, "engine", "sqlite") == "postgresql"


@contextmanager
def guard_lifted(conn: Connection, table: str, trigger: str, create_sql: str) -> Iterator[None]:
    """Inside the caller's transaction, lift the append-only trigger ``trigger`` of ``table`` for
    the statements run in the block, and put it back before the transaction can commit. SQLite
    drops and recreates it (``create_sql``); PostgreSQL disables and enables it (the translated
    trigger of :mod:`pg_schema`), which is transactional there too."""
    if on_postgres(conn):
        conn.execute(f'ALTER TABLE {table} DISABLE TRIGGER "{trigger}"')
        yield
        conn.execute(f'ALTER TABLE {table} ENABLE TRIGGER "{trigger}"')
        return
    conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    yield
    conn.execute(create_sql)


_CREATES = re.compile(r"^\s*CREATE\s+(TABLE|INDEX|UNIQUE\s+INDEX|TRIGGER)\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.I)
_ADDS = re.compile(r"^\s*ALTER\s+TABLE\s+(\w+)\s+ADD\s+COLUMN\s+(\w+)", re.I)


def _looks_applied(conn: Connection, sql: str) -> bool:
    """Whether a migration ran, judged by what it creates (tables, indexes, triggers, added
    columns): a library made while migrations landed out of order can have a ``user_version``
    past one it never ran. Any one of its objects being there says it ran (a later migration may
    have dropped or rebuilt others); a migration that creates nothing is taken as run."""
    checks: list[bool] = []
    for statement in split_sql(sql):
        if m := _CREATES.match(statement):
            kind = "index" if "INDEX" in m.group(1).upper() else m.group(1).lower()
            found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = ? AND name = ?", (kind, m.group(2)))
            checks.append(found.fetchone() is not None)
        elif m := _ADDS.match(statement):
            checks.append(m.group(2) in {r[1] for r in conn.execute(f"PRAGMA table_info({m.group(1)})")})
    return not checks or any(checks)


def split_sql(sql: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies (BEGIN ... END;) whole."""
    statements, current = [], []
    for line in sql.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("--"):
            continue
        current.append(line)
        text = "\n".join(current)
        if sqlite3.complete_statement(text):  # a trailing "-- comment" after the ";" is fine
            statements.append(text)
            current = []
    if current:
        statements.append("\n".join(current))
    return statements
