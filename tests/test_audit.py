"""The audit log: every grant, revoke, purge, scan and analysis is a record; tampering is found."""

from __future__ import annotations

from pathlib import Path

import pytest

from camroll.config import AppContext, Config
from camroll.privacy import audit
from tests.conftest import run_cli


@pytest.fixture
def logged(tmp_path: Path, photos_dir: Path) -> Path:
    home = tmp_path / "home"
    run_cli(home, "scan", str(photos_dir / "exif" / "photoprism"))
    run_cli(home, "consent", "grant", "places", "quality")
    run_cli(home, "analyze")
    run_cli(home, "consent", "revoke", "places")
    return home


def _tamper(home: Path, *statements: str) -> list[str]:
    """Alter the log the way an attacker with the database file would: around the triggers."""
    ctx = AppContext(Config(home=home))
    conn = ctx.db.conn
    conn.execute("DROP TRIGGER audit_events_no_update")
    conn.execute("DROP TRIGGER audit_events_no_delete")
    for sql in statements:
        conn.execute(sql)
    problems = audit.verify(ctx)
    ctx.close()
    return problems


def test_everything_that_happened_is_recorded_and_the_chain_verifies(logged: Path) -> None:
    kinds = [e["kind"] for e in run_cli(logged, "audit", "--json", "--last", "0")]
    assert kinds[0] == "consent.grant" and "scan" in kinds and "analysis" in kinds
    assert kinds.count("consent.grant") == 3, "metadata (by scanning), places, quality"
    assert kinds[-2:] == ["consent.revoke", "purge"]
    purge = run_cli(logged, "audit", "--json")[-1]["details"]
    assert purge["capability"] == "places" and purge["rows"]["photo_places"] > 0
    report = run_cli(logged, "audit", "verify", "--json")
    assert report["intact"] and report["records"] == len(kinds) and report["problems"] == []


def test_the_log_refuses_edits_through_the_database(logged: Path) -> None:
    import sqlite3

    ctx = AppContext(Config(home=logged))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        ctx.db.conn.execute("UPDATE audit_events SET actor = 'someone else'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        ctx.db.conn.execute("DELETE FROM audit_events WHERE id = 2")
    ctx.close()


def test_an_edited_record_is_found(logged: Path) -> None:
    problems = _tamper(logged, "UPDATE audit_events SET details = '{}' WHERE id = 2")
    assert any("record 2" in p and "changed" in p for p in problems)


def test_a_removed_record_is_found(logged: Path) -> None:
    problems = _tamper(logged, "DELETE FROM audit_events WHERE id = 3")
    assert any("missing or reordered" in p for p in problems)
    assert any("does not link" in p for p in problems)


def test_reordered_records_are_found(logged: Path) -> None:
    """Records 2 and 3 swap places, each keeping its own content and hash."""
    problems = _tamper(
        logged,
        "CREATE TEMP TABLE copy AS SELECT * FROM audit_events",
        "DELETE FROM audit_events WHERE id IN (2, 3)",
        "INSERT INTO audit_events SELECT 5 - id, at, actor, kind, details, prev_hash, hash FROM copy WHERE id IN (2, 3)",
    )
    assert any("record 2" in p for p in problems) and any("record 3" in p for p in problems)


def test_verify_says_so_on_the_command_line(logged: Path) -> None:
    assert "intact" in run_cli(logged, "audit", "verify").output
    _tamper(logged, "UPDATE audit_events SET actor = 'mallory' WHERE id = 1")
    from typer.testing import CliRunner

    from camroll.cli import app

    result = CliRunner().invoke(app, ["audit", "verify", "--home", str(logged)])
    assert result.exit_code == 1 and "altered" in result.output
