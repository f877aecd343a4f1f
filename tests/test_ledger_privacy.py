"""Folder names in the consent ledger and the audit log (issue 10, privacy residue): stored as keyed
hashes with the names sealed apart; `forget` leaves no scanned path in the database or in keys/;
`remove` of a photo scanned by its own path leaves that path readable nowhere."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from camroll.config import AppContext, Config
from camroll.privacy import audit, consent, ledger_keys
from tests.conftest import run_cli

FOLDER = "Ana-birthday-at-the-clinic-7Q"
"""A folder name that says as much as a photo; unique, so finding it in bytes means a leak."""
SINGLE = "lone-photo-of-Zed-3K"


def _raw(home: Path) -> bytes:
    """Every byte camroll keeps: the database, its WAL and shared memory, and keys/."""
    files = [*home.glob("camroll.db*"), *(home / "keys").glob("*")]
    return b"".join(p.read_bytes() for p in files if p.is_file())


def _library(tmp_path: Path, photos_dir: Path) -> tuple[Path, Path, Path]:
    lib = tmp_path / "lib" / FOLDER
    shutil.copytree(photos_dir / "exif" / "photoprism", lib / "trip")
    single = tmp_path / "lib" / SINGLE / "IMG_ZED.jpg"
    single.parent.mkdir()
    shutil.copyfile(photos_dir / "exif" / "exifr" / "IMG_5910.jpg", single)
    return tmp_path / "home", lib, single


def test_the_ledger_and_audit_log_store_no_folder_name(tmp_path: Path, photos_dir: Path) -> None:
    home, lib, _single = _library(tmp_path, photos_dir)
    run_cli(home, "scan", str(lib))
    run_cli(home, "consent", "grant", "places", "--scope", str(lib / "trip"))
    run_cli(home, "consent", "revoke", "places", "--scope", str(lib / "trip" / "none"))
    db = sqlite3.connect(home / "camroll.db")
    stored = [r[0] for r in db.execute("SELECT scope FROM consent_events")]
    details = " ".join(r[0] for r in db.execute("SELECT details FROM audit_events"))
    db.close()
    assert all(s.startswith("path:#") for s in stored) and FOLDER not in details
    status = {r["id"]: r for r in run_cli(home, "consent", "status", "--json")}
    assert status["places"]["scopes"] == [f"path:{lib / 'trip'}"], "readable while the key exists"
    assert status["places"]["except"] == [f"path:{lib / 'trip' / 'none'}"]
    scans = [e for e in run_cli(home, "audit", "--json", "--last", "0") if e["kind"] == "scan"]
    assert scans[0]["details"]["roots"] == [str(lib)]
    assert run_cli(home, "audit", "verify", "--json")["intact"]


def test_forget_leaves_no_scanned_path_in_the_database_or_keys(tmp_path: Path, photos_dir: Path) -> None:
    home, lib, single = _library(tmp_path, photos_dir)
    run_cli(home, "scan", str(lib))
    run_cli(home, "scan", str(single))
    run_cli(home, "consent", "grant", "places", "--scope", str(lib / "trip"))
    assert FOLDER.encode() in b"".join(p.read_bytes() for p in home.glob("camroll.db*")), "the catalog has it"
    run_cli(home, "forget", "--yes")
    raw = _raw(home)
    for secret in (FOLDER, SINGLE, "IMG_ZED"):
        assert secret.encode() not in raw, f"{secret} is still in the database or keys/"
    assert not (home / "keys" / "ledger.key").exists()
    db = sqlite3.connect(home / "camroll.db")
    assert db.execute("SELECT count(*) FROM roots").fetchone()[0] == 0
    db.close()
    ctx = AppContext(Config(home=home))
    scopes = {e.scope for e in consent.events(ctx)}
    assert f"path:{ledger_keys.FORGOTTEN}" in scopes and not any(FOLDER in s for s in scopes)
    assert audit.verify(ctx) == [], "the chain covers the stored bytes: forgetting names breaks nothing"
    ctx.close()


def test_removing_a_photo_scanned_by_its_own_path_forgets_the_path(tmp_path: Path, photos_dir: Path) -> None:
    home, lib, single = _library(tmp_path, photos_dir)
    run_cli(home, "scan", str(lib))
    run_cli(home, "scan", str(single))
    db = sqlite3.connect(home / "camroll.db")
    [(photo_id,)] = db.execute("SELECT photo_id FROM files WHERE path LIKE ?", (f"%{SINGLE}%",)).fetchall()
    db.close()
    run_cli(home, "remove", str(photo_id))
    db = sqlite3.connect(home / "camroll.db")
    kept = {t: repr(db.execute(f"SELECT * FROM {t}").fetchall()) for t in ("roots", "consent_events", "audit_events")}
    db.close()
    for table, rows in kept.items():
        assert SINGLE not in rows, f"the single photo's path is still readable in {table}"
    assert FOLDER in kept["roots"], "the other scanned folder stays"
    ctx = AppContext(Config(home=home))
    metadata = [e.scope for e in consent.events(ctx, "metadata")]
    assert metadata == [f"path:{lib}", f"path:{ledger_keys.FORGOTTEN}"]
    assert not any(SINGLE in str(e.details) for e in audit.events(ctx))
    assert audit.verify(ctx) == []
    ctx.close()


def test_scopes_match_by_keyed_hash(ctx: AppContext) -> None:
    """Grant a folder, revoke a folder inside it, grant one file in the revoked part; odd names."""
    odd = "/photos/\udcff undecodable"  # a byte that is not UTF-8: stored and matched as bytes
    consent.grant(ctx, "tags", consent.path_scope(odd))
    assert consent.allows(ctx, "tags", odd + "/x.jpg") and consent.active_scopes(ctx, "tags") == [f"path:{odd}"]
    top = "/photos/odd [bold]name\n"  # markup, newline
    consent.grant(ctx, "places", consent.path_scope(top))
    consent.revoke(ctx, "places", consent.path_scope(top + "/private"))
    assert consent.revoked_within(ctx, "places") == [consent.path_scope(top + "/private")]
    consent.grant(ctx, "places", consent.path_scope(top + "/private/ok.jpg"))
    assert consent.allows(ctx, "places", top + "/a/b/c.jpg")
    assert not consent.allows(ctx, "places", top + "/private/x.jpg")
    assert consent.allows(ctx, "places", top + "/private/ok.jpg")
    assert not consent.allows(ctx, "places", "/photos/other.jpg")
    assert not consent.allows(ctx, "places", top + "-sibling/x.jpg"), "a prefix of a name is not a folder"
    assert consent.revoked_within(ctx, "places") == [], "a grant inside it since: the old rule, kept"
    consent.grant(ctx, "places")
    assert consent.allows(ctx, "places", top + "/private/x.jpg"), "a later grant of everything wins"


def test_a_ledger_from_before_sealing_is_converted_once(ctx: AppContext) -> None:
    """Rows with plain paths (written by an older camroll) become tokens; the ledger stays
    append-only, and what they meant is unchanged."""
    folder = f"/photos/{FOLDER}"
    ctx.db.conn.executemany(
        "INSERT INTO consent_events (at, actor, action, capability, scope, policy_version, note)"
        " VALUES ('2025-01-01T00:00:00+00:00', 'local-user', ?, 'places', ?, 'v0', NULL)",
        [("grant", f"path:{folder}"), ("revoke", f"path:{folder}/x")],
    )
    with ctx.db.transaction():  # read first inside a writer's transaction: no conversion, still right
        assert consent.allows(ctx, "places", f"{folder}/a.jpg") and not consent.allows(
            ctx, "places", f"{folder}/x/a.jpg"
        )
    assert [e.scope for e in consent.events(ctx)] == [f"path:{folder}", f"path:{folder}/x"]
    stored = [r[0] for r in ctx.db.query("SELECT scope FROM consent_events")]
    assert all(s.startswith("path:#") for s in stored)
    assert consent.allows(ctx, "places", f"{folder}/a.jpg") and not consent.allows(ctx, "places", f"{folder}/x/a.jpg")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        ctx.db.conn.execute("UPDATE consent_events SET note = 'x'")


def test_forget_takes_folder_names_out_of_audit_records_from_before_keys(ctx: AppContext, home: Path) -> None:
    """Records written by an older camroll (plain SHA-256 chain) named folders in clear; they
    cannot be sealed without breaking the chain, so forget redacts them, in a keyed record."""
    import hashlib
    import json

    prev = audit.GENESIS
    for i, details in enumerate([{"roots": [f"/photos/{FOLDER}"], "files": 3}, {"scope": f"path:/photos/{FOLDER}"}], 1):
        text = json.dumps(details, sort_keys=True, separators=(",", ":"))
        at = f"2025-01-0{i}T00:00:00+00:00"
        body = json.dumps([i, at, "local-user", "scan", text], ensure_ascii=False, separators=(",", ":"))
        digest = hashlib.sha256((prev + body).encode()).hexdigest()
        ctx.db.conn.execute(
            "INSERT INTO audit_events VALUES (?, ?, 'local-user', 'scan', ?, ?, ?)", (i, at, text, prev, digest)
        )
        prev = digest
    assert audit.check(ctx).legacy == 2 and audit.verify(ctx) == []
    consent.forget(ctx)
    raw = b"".join(p.read_bytes() for p in home.glob("camroll.db*"))
    assert FOLDER.encode() not in raw
    result = audit.check(ctx)
    assert result.problems == [] and result.legacy == 2 and result.legacy_redacted
    assert audit.events(ctx)[0].details["roots"] == [ledger_keys.FORGOTTEN]
    assert audit.REDACTED in [e.kind for e in audit.events(ctx)]
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        ctx.db.conn.execute("UPDATE audit_events SET actor = 'x'")


def test_a_folder_name_with_undecodable_bytes_can_be_revoked(tmp_path: Path, photos_dir: Path) -> None:
    """The pending-purge journal once stored its details as non-ASCII JSON, which SQLite cannot
    encode when a folder name holds bytes that are not UTF-8: the revoke crashed."""
    import os

    odd = os.fsencode(tmp_path) + b"/caf\xe9-\xff"
    os.mkdir(odd)
    shutil.copy(next((photos_dir / "scenes" / "cat").glob("*.jpg")), os.fsdecode(odd) + "/a.jpg")
    home = tmp_path / "home"
    run_cli(home, "scan", os.fsdecode(odd), "--no-analyze", "--quiet")
    run_cli(home, "consent", "grant", "quality", "--scope", os.fsdecode(odd))
    run_cli(home, "analyze", "--quiet", "--workers", "1")
    reports = run_cli(home, "consent", "revoke", "quality", "--scope", os.fsdecode(odd), "--json")
    assert [r["rows"].get("quality") for r in reports if r["capability"] == "quality"] == [1]
    assert run_cli(home, "consent", "status", "--json")
