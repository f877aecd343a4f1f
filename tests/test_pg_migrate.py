"""`camroll db migrate-to postgresql://...` against a real, throwaway PostgreSQL server
(tests/pg_server.py): an analysed library is copied, the command's own verification passes, and
independently of it every table's count, a photo row, a sealed face print, the audit log and the
append-only guard are checked on the PostgreSQL side. A second run into the filled database, a
row PostgreSQL cannot hold and wrong URLs fail clearly, leave the target as it was, and never
print the password."""

from __future__ import annotations

import itertools
import json
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from camroll.cli import app
from camroll.store.pg_copy import row_digest
from tests.pg_server import PgServer, pg_server  # noqa: F401  (the fixture)


def migrate_cli(home: Path, url: str, *extra: str) -> Any:
    return CliRunner().invoke(app, ["db", "migrate-to", url, *extra, "--home", str(home)], catch_exceptions=False)


def pg_tables(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").fetchall()
    return [r[0] for r in rows]


def test_migrate_copies_every_table_and_verifies(pg_server: PgServer, library_copy: Path) -> None:  # noqa: F811
    url = pg_server.new_database()
    result = migrate_cli(library_copy, url, "--json")
    assert result.exit_code == 0, result.output
    assert pg_server.password not in result.output
    report = json.loads(result.stdout)
    assert "***" in report["target"]
    lite = sqlite3.connect(library_copy / "camroll.db")
    sqlite_tables = [
        r[0] for r in lite.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    ]
    assert sorted(t["table"] for t in report["tables"]) == sorted(sqlite_tables)
    assert all(len(t["checksum"]) == 64 for t in report["tables"])

    with psycopg.connect(url) as pg:
        # Independently of the command: every table's count.
        for table in sqlite_tables:
            want = lite.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            got = pg.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            assert got == want, table
        counts = {t["table"]: t["rows"] for t in report["tables"]}
        assert counts["photos"] > 5 and counts["faces"] > 0 and counts["audit_events"] > 0

        # A photo row, value for value (its REAL columns come back as floats in both).
        columns = [r[1] for r in lite.execute("PRAGMA table_info(photos)")]
        names = ", ".join(f'"{c}"' for c in columns)
        photo_id = lite.execute("SELECT id FROM photos WHERE gps_lat IS NOT NULL ORDER BY id LIMIT 1").fetchone()[0]
        want_row = lite.execute(f"SELECT {names} FROM photos WHERE id = ?", (photo_id,)).fetchone()
        got_row = pg.execute(f"SELECT {names} FROM photos WHERE id = %s", (photo_id,)).fetchone()
        assert got_row == want_row

        # A face print: byte-equal, and still sealed (camroll's seal header, not a float vector).
        face_id, sealed = lite.execute(
            "SELECT id, embedding FROM faces WHERE embedding IS NOT NULL ORDER BY id LIMIT 1"
        ).fetchone()
        copied = pg.execute("SELECT embedding FROM faces WHERE id = %s", (face_id,)).fetchone()[0]
        assert bytes(copied) == sealed and sealed.startswith(b"cr1")

        # The audit log, every row in order, and its chain links unbroken on the PostgreSQL side.
        want_audit = lite.execute("SELECT id, at, actor, kind, details, prev_hash, hash FROM audit_events ORDER BY id")
        got_audit = pg.execute("SELECT id, at, actor, kind, details, prev_hash, hash FROM audit_events ORDER BY id")
        got_rows = got_audit.fetchall()
        assert got_rows == want_audit.fetchall()
        assert all(b[5] == a[6] for a, b in itertools.pairwise(got_rows))

        # The append-only guard came along: PostgreSQL refuses to edit or delete the audit log.
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            pg.execute("DELETE FROM audit_events WHERE id = %s", (got_rows[0][0],))
        pg.rollback()
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            pg.execute("UPDATE consent_events SET note = 'changed'")
        pg.rollback()
        # A new person without an id gets the next one, as SQLite's rowid would give it.
        next_id = lite.execute("SELECT max(id) + 1 FROM people").fetchone()[0]
        got_id = pg.execute("INSERT INTO people (created_at) VALUES ('now') RETURNING id").fetchone()[0]
        assert got_id == next_id
        pg.rollback()
        # And the foreign keys: a face cannot point at a photo that does not exist.
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            pg.execute("UPDATE faces SET photo_id = -1 WHERE id = %s", (face_id,))
        pg.rollback()

    # A second run into the now filled database is refused, and changes nothing there.
    again = migrate_cli(library_copy, url)
    assert again.exit_code == 1
    assert "is not empty" in again.output and pg_server.password not in again.output
    with psycopg.connect(url) as pg:
        assert pg.execute("SELECT count(*) FROM photos").fetchone()[0] == counts["photos"]


def test_the_checksum_tells_rows_apart_and_ignores_their_order() -> None:
    """Equal checksums must mean equal tables: values of another kind, split differently or in
    another column hash differently; the order rows are read in does not matter."""
    digests = {
        row_digest(row)
        for row in [(1, "ab"), ("1", "ab"), (1, "a", "b"), (1, b"ab"), (1.0, "ab"), (None, "ab"), ("", "ab"), ("ab", 1)]
    }
    assert len(digests) == 8
    rows = [(i, f"row {i}", i / 3, bytes([i])) for i in range(50)]
    assert sum(map(row_digest, rows)) % 2**256 == sum(map(row_digest, reversed(rows))) % 2**256
    assert sum(map(row_digest, rows)) != sum(map(row_digest, [*rows[:-1], (49, "row 49", 49 / 3, b"\x00")]))


def test_a_row_postgresql_cannot_hold_leaves_the_target_empty(pg_server: PgServer, library_copy: Path) -> None:  # noqa: F811
    """SQLite lets a TEXT column hold bytes; PostgreSQL would store their escaped spelling. The
    copy refuses, names the row, and the one transaction leaves nothing behind."""
    lite = sqlite3.connect(library_copy / "camroll.db")
    photo_id = lite.execute("SELECT min(id) FROM photos").fetchone()[0]
    lite.execute("UPDATE photos SET title = X'00ff' WHERE id = ?", (photo_id,))
    lite.commit()
    lite.close()
    url = pg_server.new_database()
    result = migrate_cli(library_copy, url)
    assert result.exit_code == 1
    assert "photos.title" in result.output
    assert pg_tables(url) == []


def test_wrong_urls_give_clear_errors_without_the_password(pg_server: PgServer, library_copy: Path) -> None:  # noqa: F811
    url = pg_server.new_database()
    wrong = pg_server.url(url.rsplit("/", 1)[1].split("?")[0], password="not-the-Secret-42")
    result = migrate_cli(library_copy, wrong)
    assert result.exit_code == 1
    assert "Cannot connect to PostgreSQL" in result.output and "password authentication failed" in result.output
    assert "not-the-Secret-42" not in result.output and "***" in result.output

    nowhere = "postgresql://someone:hunter2-secret@/camroll?host=/nonexistent-socket-dir"
    result = migrate_cli(library_copy, nowhere)
    assert result.exit_code == 1
    assert "Cannot connect to PostgreSQL" in result.output and "hunter2-secret" not in result.output

    result = migrate_cli(library_copy, "mysql://someone:pw12345678@localhost/camroll")
    assert result.exit_code == 1
    assert "Not a PostgreSQL URL" in result.output and "pw12345678" not in result.output
    assert pg_tables(url) == []
