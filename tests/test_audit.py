"""The audit log: every grant, revoke, purge, scan and analysis is a record; tampering is found."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def _lift_guards(conn: Any) -> None:
    """Take the append-only triggers away, as an attacker with the database would (SQLite: drop
    them; PostgreSQL: disable them, which its table owner may)."""
    if getattr(conn, "engine", "sqlite") == "postgresql":
        conn.execute("ALTER TABLE audit_events DISABLE TRIGGER USER")
        return
    conn.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")


def _tamper(home: Path, *statements: str) -> list[str]:
    """Alter the log the way an attacker with the database file would: around the triggers."""
    ctx = AppContext(Config(home=home))
    conn = ctx.db.conn
    _lift_guards(conn)
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


# --- the keyed chain and its head (issue 10) --------------------------------------------------


def _plain_digest(prev: str, event_id: int, at: str, actor: str, kind: str, details: str) -> str:
    """What anyone can compute without keys/audit.key: the old, unkeyed SHA-256 chain."""
    import hashlib
    import json

    body = json.dumps([event_id, at, actor, kind, details], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev + body).encode("utf-8")).hexdigest()


def _fresh(home: Path, records: int = 4) -> AppContext:
    ctx = AppContext(Config(home=home))
    for i in range(records):
        audit.record(ctx, "retention.sweep", destroyed={"staging": i}, expired={})
    return ctx


def _rewrite_all(ctx: AppContext, rows: list[tuple[int, str, str, str, str]]) -> None:
    """Replace the whole log by ``rows`` (id, at, actor, kind, details), chained with plain SHA-256."""
    conn = ctx.db.conn
    _lift_guards(conn)
    conn.execute("DELETE FROM audit_events")
    prev = audit.GENESIS
    for event_id, at, actor, kind, details in rows:
        digest = _plain_digest(prev, event_id, at, actor, kind, details)
        conn.execute(
            "INSERT INTO audit_events VALUES (?, ?, ?, ?, ?, ?, ?)", (event_id, at, actor, kind, details, prev, digest)
        )
        prev = digest


def test_a_chain_recomputed_without_the_key_is_found(tmp_path: Path) -> None:
    """An attacker with the database edits a record and recomputes every hash after it: the old
    chain verified; the keyed one does not."""
    ctx = _fresh(tmp_path / "home")
    assert audit.verify(ctx) == []
    rows = [tuple(r)[:5] for r in ctx.db.query("SELECT id, at, actor, kind, details FROM audit_events ORDER BY id")]
    rows[1] = (*rows[1][:4], '{"destroyed":{"staging":99},"expired":{}}')
    _rewrite_all(ctx, rows)  # type: ignore[arg-type]
    problems = audit.verify(ctx)
    assert any("record 1 " in p and "not by camroll" in p for p in problems)
    assert any("record 2 " in p for p in problems)
    ctx.close()


def test_a_cut_off_tail_is_found_through_the_head(tmp_path: Path) -> None:
    ctx = _fresh(tmp_path / "home", records=5)
    conn = ctx.db.conn
    _lift_guards(conn)
    conn.execute("DELETE FROM audit_events WHERE id > 3")
    problems = audit.verify(ctx)
    assert problems and any("ended at record 3" in p and "record 5" in p for p in problems), problems
    audit.record(ctx, "retention.sweep", destroyed={}, expired={})  # camroll goes on writing
    assert any("ended at record 3" in p for p in audit.verify(ctx)), "the finding stays in the head"
    ctx.close()


@pytest.mark.sqlite_only
def test_a_database_put_back_to_an_older_copy_is_found(tmp_path: Path) -> None:
    import shutil

    home = tmp_path / "home"
    ctx = _fresh(home, records=3)
    ctx.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    ctx.close()
    shutil.copyfile(home / "camroll.db", tmp_path / "old.db")
    ctx = _fresh(home, records=2)
    ctx.close()
    for suffix in ("-wal", "-shm"):
        (home / f"camroll.db{suffix}").unlink(missing_ok=True)
    shutil.copyfile(tmp_path / "old.db", home / "camroll.db")
    ctx = AppContext(Config(home=home))
    assert any("older copy" in p for p in audit.verify(ctx))
    ctx.close()


def test_the_key_and_head_are_private_and_verify_names_the_head(logged: Path) -> None:
    keys = logged / "keys"
    assert oct(keys.stat().st_mode & 0o777) == "0o700"
    for name in ("audit.key", "audit.head", "ledger.key"):
        assert oct((keys / name).stat().st_mode & 0o777) == "0o600", name
    report = run_cli(logged, "audit", "verify", "--json")
    assert report["intact"] and report["head"]["records"] == report["records"]
    assert report["head"]["mac"] == report["last_hash"] and report["legacy_records"] == 0


def test_a_rolled_back_record_and_an_unconfirmed_commit_both_verify(tmp_path: Path) -> None:
    """A crash at any point of writing a record leaves a head that agrees with the database."""
    ctx = _fresh(tmp_path / "home", records=2)
    with pytest.raises(KeyboardInterrupt), ctx.db.transaction() as conn:
        audit.record_in(conn, "me", "retention.sweep", {"destroyed": {}, "expired": {}})
        audit.record_in(conn, "me", "retention.sweep", {"destroyed": {}, "expired": {}})
        raise KeyboardInterrupt
    assert audit.verify(ctx) == []
    with ctx.db.transaction() as conn:  # committed, then killed before the head is confirmed
        audit.record_in(conn, "me", "retention.sweep", {"destroyed": {}, "expired": {}})
    assert audit.verify(ctx) == []
    audit.record(ctx, "retention.sweep", destroyed={}, expired={})
    assert audit.verify(ctx) == [] and audit.read_head(ctx.config.home).records == 4  # type: ignore[union-attr]
    ctx.close()


def test_a_log_from_before_keys_stays_checkable_as_legacy(tmp_path: Path) -> None:
    """An existing plain chain is not re-MACed: its records verify as legacy, and a keyed mark
    pins them, so rewriting them afterwards is found even with the hashes recomputed."""
    home = tmp_path / "home"
    ctx = AppContext(Config(home=home))
    legacy = [(i, f"2025-01-0{i}T10:00:00+00:00", "local-user", "scan", f'{{"files":{i}}}') for i in (1, 2, 3)]
    _rewrite_all(ctx, legacy)
    result = audit.check(ctx)
    assert result.problems == [] and result.legacy == 3
    audit.record(ctx, "retention.sweep", destroyed={}, expired={})
    kinds = [e.kind for e in audit.events(ctx)]
    assert kinds == ["scan", "scan", "scan", audit.MARK, "retention.sweep"]
    result = audit.check(ctx)
    assert result.problems == [] and result.legacy == 3 and result.records == 5
    rows = [tuple(r)[:5] for r in ctx.db.query("SELECT id, at, actor, kind, details FROM audit_events ORDER BY id")]
    marked = [tuple(r) for r in ctx.db.query("SELECT * FROM audit_events WHERE id > 3 ORDER BY id")]
    rows[0] = (*rows[0][:4], '{"files":0}')
    _rewrite_all(ctx, rows[:3])  # type: ignore[arg-type]
    for r in marked:  # the keyed records put back as they were
        ctx.db.conn.execute("INSERT INTO audit_events VALUES (?, ?, ?, ?, ?, ?, ?)", r)
    assert any("record 4 does not link" in p for p in audit.verify(ctx))
    ctx.close()
