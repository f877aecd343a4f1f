"""`camroll db backup` / `db restore` of a library whose catalog is kept in PostgreSQL (issue 16),
against a throwaway server (tests/pg_server.py): pg_dump's output sealed into the same backup
format, restored with pg_restore into a new, empty database, the same rows on both sides and the
audit chain verifying; a filled target, a missing --database and a cut backup are refused, the
last leaving the target empty."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from camroll.cli import app
from camroll.library import backup as backup_module
from camroll.store import pg_dump
from tests.conftest import PHOTOS, run_cli
from tests.pg_server import PgServer, pg_server  # noqa: F401  (the fixture)

PASS = "correct horse battery"


def _pass_file(tmp_path: Path) -> Path:
    f = tmp_path / "pass.txt"
    f.write_text(PASS + "\n")
    return f


def _restore(tmp_path: Path, backup: Path, home: Path, *extra: str) -> Any:
    args = ["db", "restore", str(backup), "--passphrase-file", str(_pass_file(tmp_path)), "--home", str(home), *extra]
    return CliRunner().invoke(app, args)


def _rows(url: str, table: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


@pytest.fixture
def pg_home(pg_server: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str, list[Path]]:  # noqa: F811
    """A home whose catalog is in PostgreSQL: a few photos scanned and a consent given."""
    photos = tmp_path / "photos"
    photos.mkdir()
    picked = sorted(PHOTOS.rglob("*.jpg"))[:4]
    for p in picked:
        shutil.copy2(p, photos / p.name)
    url = pg_server.new_database()
    home = tmp_path / "home"
    monkeypatch.setenv("CAMROLL_DATABASE", url)  # as `camroll --database` does; the home records it
    run_cli(home, "scan", str(photos), "--no-analyze", "--quiet")
    monkeypatch.delenv("CAMROLL_DATABASE")
    run_cli(home, "consent", "grant", "quality")  # found through the home's database.url
    return home, url, sorted(photos.iterdir())


def test_a_postgresql_catalog_comes_back_whole_from_its_backup(
    pg_server: PgServer,  # noqa: F811
    pg_home: tuple[Path, str, list[Path]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home, source_url, photos = pg_home
    monkeypatch.setattr(backup_module, "DUMP_PART", 16 << 10)  # the dump goes in several parts
    assert (home / "database.url").is_file() and not (home / "camroll.db").exists()
    before_photos = run_cli(home, "photos", "--json")
    assert len(before_photos) == len(photos)
    out = tmp_path / "elsewhere" / "library.backup"
    made = run_cli(home, "db", "backup", "--out", str(out), "--passphrase-file", str(_pass_file(tmp_path)), "--json")
    assert made["engine"] == "postgresql" and made["keys"] >= 1 and made["database_bytes"] > 3 * (16 << 10)
    assert out.stat().st_size == made["bytes"]

    # Sealed: neither a photo's path, nor pg_dump's archive header or a table name, nor a key.
    sealed = out.read_bytes()
    for photo in photos:
        assert str(photo).encode() not in sealed and photo.name.encode() not in sealed
    assert b"PGDMP" not in sealed and b"consent_events" not in sealed and b"camroll.pgdump" not in sealed
    for key in (home / "keys").glob("*.key"):
        assert key.read_bytes() not in sealed

    # Without a database to restore into, and into one that is not empty: refused, nothing written.
    target_home = tmp_path / "restored"
    refused = _restore(tmp_path, out, target_home)
    assert refused.exit_code != 0 and "--database" in refused.output
    refused = _restore(tmp_path, out, target_home, "--database", source_url)
    assert refused.exit_code != 0 and "is not empty" in refused.output
    assert pg_server.password not in refused.output
    assert not list(target_home.rglob("*.key")) and not (target_home / "database.url").exists()

    target_url = pg_server.new_database()
    restored = _restore(tmp_path, out, target_home, "--database", target_url, "--json")
    assert restored.exit_code == 0, restored.output
    report = json.loads(restored.stdout)
    assert report["photos"] == len(photos) and report["audit_problems"] == []
    assert pg_server.password not in restored.output and "***" in report["database"]
    assert (target_home / "database.url").read_text().strip() == target_url
    assert (target_home / "database.url").stat().st_mode & 0o777 == 0o600
    assert not list(target_home.glob(".restore-*"))

    for table in ("photos", "consent_events"):
        want = _rows(source_url, table)
        assert want and _rows(target_url, table) == want, table
    # The audit chain: the source's events as of the backup, in order, then the restore's own (the
    # backup's record is written after the dump, in the source only).
    source_audit, target_audit = _rows(source_url, "audit_events"), _rows(target_url, "audit_events")
    assert source_audit[-1][3] == "db.backup"
    assert target_audit[: len(source_audit) - 1] == source_audit[:-1]
    assert [r[3] for r in target_audit[len(source_audit) - 1 :]] == ["db.restore"]
    run_cli(target_home, "audit", "verify")
    assert run_cli(target_home, "photos", "--json") == before_photos


def test_a_cut_postgresql_backup_leaves_the_target_empty(
    pg_server: PgServer,  # noqa: F811
    pg_home: tuple[Path, str, list[Path]],
    tmp_path: Path,
) -> None:
    home, _url, _photos = pg_home
    out = tmp_path / "b.backup"
    run_cli(home, "db", "backup", "--out", str(out), "--passphrase-file", str(_pass_file(tmp_path)), "--json")
    cut = tmp_path / "cut.backup"
    cut.write_bytes(out.read_bytes()[:-100])
    target_url = pg_server.new_database()
    target_home = tmp_path / "restored"
    result = _restore(tmp_path, cut, target_home, "--database", target_url)
    assert result.exit_code != 0 and "cut short" in result.output, result.output
    assert pg_dump.objects_in(target_url) == []
    assert not [p for p in target_home.rglob("*") if p.is_file()]
    # The whole backup then goes into that same database.
    result = _restore(tmp_path, out, target_home, "--database", target_url)
    assert result.exit_code == 0, result.output
