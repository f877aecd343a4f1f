"""Retention: limits per capability, the 30-day ceiling on trash, staging and backups, the sweeper."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from camroll import thresholds
from camroll.cli import app
from camroll.config import AppContext, Config
from camroll.privacy import audit
from camroll.privacy.retention import RetentionError, parse_duration, set_policy, status, sweep
from tests.conftest import run_cli

DAY = 86400.0


def _file(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_durations() -> None:
    assert parse_duration("90d") == 90 and parse_duration("12w") == 84 and parse_duration("1y") == 365
    assert parse_duration("keep") is None
    for bad in ("0d", "90", "soon", "-3d"):
        with pytest.raises(RetentionError):
            parse_duration(bad)


def test_nothing_is_kept_past_the_ceiling(ctx: AppContext) -> None:
    home = ctx.config.home
    ctx.db.scalar("SELECT 1")  # the home and its database exist
    trash = _file(home / "trash" / "old-collage" / "collage.jpg")
    backup = _file(home / "backups" / "camroll-2026-01-01.db")
    beside = _file(home / "camroll.db.bak")
    stale = _file(home / "cache" / "thumbs" / ".tmp-abc.jpg")
    partial = _file(home / "cache" / "models" / "x.onnx.partial")
    keep = _file(home / "cache" / "thumbs" / ("a" * 64 + "-256.jpg"))
    key = _file(home / "keys" / "unrelated.tmp")  # keys are never staging, whatever their name

    first = sweep(ctx, force=True)  # everything just arrived: nothing is due
    assert first.full and first.total == 0 and trash.exists() and stale.exists()

    hours = sweep(ctx, force=True, now=time.time() + (thresholds.RETENTION_STAGING_GRACE_HOURS + 1) * 3600)
    assert hours.destroyed["staging"] == 2 and not stale.exists() and not partial.exists()
    assert trash.exists() and backup.exists() and beside.exists()

    later = sweep(ctx, force=True, now=time.time() + (thresholds.RETENTION_CEILING_DAYS + 1) * DAY)
    assert later.destroyed == {"trash": 1, "backups": 2, "staging": 0}
    assert not trash.exists() and not trash.parent.exists() and not backup.exists() and not beside.exists()
    assert keep.exists() and key.exists() and (home / "camroll.db").exists()
    assert [e.kind for e in audit.events(ctx)].count("retention.sweep") == 2


def test_the_sweeper_is_cheap_when_nothing_is_due(tmp_path: Path) -> None:
    ctx = AppContext(Config(home=tmp_path / "never-used"))
    assert not sweep(ctx).full and not (tmp_path / "never-used").exists()  # no home is made just to sweep it
    ctx.close()
    ctx = AppContext(Config(home=tmp_path / "home"))
    ctx.db.scalar("SELECT 1")
    assert sweep(ctx).full
    for _ in range(3):
        assert not sweep(ctx).full  # the stamp is fresh: one stat of its file
    ctx.close()


def test_the_sweeper_empties_the_write_ahead_log(ctx: AppContext) -> None:
    with ctx.db.transaction() as conn:
        conn.execute("INSERT INTO roots (path, path_bytes, added_at) VALUES ('/x', x'2f78', 'now')")
    wal = ctx.config.home / "camroll.db-wal"
    assert wal.stat().st_size > 0
    report = sweep(ctx, force=True)
    assert report.wal_checkpointed and wal.stat().st_size == 0


def test_a_limit_deletes_only_what_is_older(library_copy: Path) -> None:
    ctx = AppContext(Config(home=library_copy, workers=1))
    try:
        faced = [r[0] for r in ctx.db.query("SELECT DISTINCT photo_id FROM faces ORDER BY photo_id LIMIT 3")]
        tagged = [r[0] for r in ctx.db.query("SELECT DISTINCT photo_id FROM tags ORDER BY photo_id LIMIT 2")]
        old = "2020-01-01T00:00:00+00:00"
        with ctx.db.transaction() as conn:
            conn.executemany(
                "UPDATE analysis_state SET at = ? WHERE photo_id = ? AND capability = 'faces'",
                [(old, p) for p in faced],
            )
            conn.executemany(
                "UPDATE analysis_state SET at = ? WHERE photo_id = ? AND capability = 'tags'",
                [(old, p) for p in tagged],
            )
        faces_before = int(ctx.db.scalar("SELECT count(*) FROM faces"))
        tags_before = int(ctx.db.scalar("SELECT count(*) FROM tags"))
        mine = int(ctx.db.scalar(f"SELECT count(*) FROM faces WHERE photo_id IN ({','.join(map(str, faced))})"))
        crops = [r[0] for r in ctx.db.query(f"SELECT thumb FROM faces WHERE photo_id IN ({','.join(map(str, faced))})")]
        hashes = [r[0] for r in ctx.db.query(f"SELECT hash FROM photos WHERE id IN ({','.join(map(str, faced))})")]
        assert all((library_copy / "cache" / "faces" / c).exists() for c in crops)

        set_policy(ctx, "faces", 365)
        set_policy(ctx, "tags", 365)
        report = sweep(ctx, force=True)
        assert set(report.expired) == {"faces", "tags"}
        assert int(ctx.db.scalar("SELECT count(*) FROM faces")) == faces_before - mine
        assert ctx.db.scalar(f"SELECT count(*) FROM expressions WHERE photo_id IN ({','.join(map(str, faced))})") == 0
        assert ctx.db.scalar(f"SELECT count(*) FROM tags WHERE photo_id IN ({','.join(map(str, tagged))})") == 0
        assert int(ctx.db.scalar("SELECT count(*) FROM tags")) < tags_before
        assert not any(n.startswith(tuple(hashes)) for n in os.listdir(library_copy / "cache" / "faces"))
        assert report.expired["faces"]["files"] == len(crops)
        # the photos themselves and their other data stay
        assert ctx.db.scalar(f"SELECT count(*) FROM photos WHERE id IN ({','.join(map(str, faced))})") == len(faced)
        assert ctx.db.scalar(f"SELECT count(*) FROM quality WHERE photo_id IN ({','.join(map(str, faced))})") == len(
            faced
        )
        # a second sweep finds nothing more to do
        assert sweep(ctx, force=True).expired == {}
        held = {c["id"]: c for c in status(ctx)["capabilities"]}
        assert held["faces"]["max_days"] == 365 and held["text"]["until"] == "until you revoke it"
        with pytest.raises(RetentionError):
            set_policy(ctx, "metadata", 30)
    finally:
        ctx.close()


def test_retention_commands(home: Path) -> None:
    held = run_cli(home, "retention", "status", "--json")
    assert held["ceiling_days"] == 30 and {h["what"] for h in held["held"]} == {"trash", "backups"}
    assert {c["id"] for c in held["capabilities"]} >= {"faces", "text", "metadata"}
    run_cli(home, "retention", "set", "tags", "90d")
    assert (
        next(c for c in run_cli(home, "retention", "status", "--json")["capabilities"] if c["id"] == "tags")["max_days"]
        == 90
    )
    run_cli(home, "retention", "set", "tags", "keep")
    db = sqlite3.connect(home / "camroll.db")
    assert db.execute("SELECT count(*) FROM retention_policies").fetchone()[0] == 0
    db.close()
    ran = run_cli(home, "retention", "run", "--json")
    assert ran["full"] and ran["total"] == 0
    for bad in (["metadata", "30d"], ["tags", "soon"], ["nonsense", "30d"]):
        result = CliRunner().invoke(app, ["retention", "set", *bad, "--home", str(home)])
        assert result.exit_code == 2, result.output
