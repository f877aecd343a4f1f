"""Revoking is atomic or finished by the next command, and honest about the person's own files.

The library is built in code: three small JPEGs scanned, then face rows, face crops, a key and
creations written as the analysers and creators would (no model runs), so each test is quick.
A crash is a real one: a subprocess ends with ``os._exit`` at the chosen point, with no clean-up.
"""

from __future__ import annotations

import ast
import os
import re
import sqlite3
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image
from typer.testing import CliRunner

from camroll import capabilities
from camroll.cli import app
from camroll.config import AppContext, Config
from camroll.creations.records import record
from camroll.privacy import audit, consent
from camroll.web.app import create_app
from tests.conftest import REPO, catalog, run_cli

LOCAL = "http://127.0.0.1"


@dataclass
class Library:
    home: Path
    crops: list[Path]
    own: Path
    """A creation camroll keeps itself (under its home)."""
    mine: list[Path]
    """Creations written with --out to folders the person chose."""


def _library(tmp_path: Path) -> Library:
    photos = tmp_path / "photos"
    photos.mkdir()
    for i, colour in enumerate([(200, 30, 30), (30, 200, 30), (30, 30, 200)]):
        Image.new("RGB", (64, 48), colour).save(photos / f"p{i}.jpg", "JPEG")
    home = tmp_path / "home"
    run_cli(home, "scan", str(photos), "--no-analyze", "--quiet")
    run_cli(home, "consent", "grant", "faces")
    ctx = AppContext(Config(home=home))
    try:
        crops = []
        (home / "cache" / "faces").mkdir(parents=True, exist_ok=True)
        with ctx.db.transaction() as conn:
            for pid, digest in conn.execute("SELECT id, hash FROM photos").fetchall():
                crop = home / "cache" / "faces" / f"{digest}-0.jpg"
                crop.write_bytes(b"sealed crop")
                crops.append(crop)
                conn.execute(
                    "INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, model, thumb)"
                    " VALUES (?, 1, 1, 10, 10, 0.9, '[]', 'test', ?)",
                    (pid, crop.name),
                )
        key = home / "keys" / "biometric.key"
        key.parent.mkdir(mode=0o700, exist_ok=True)
        key.write_bytes(os.urandom(32))
        ids = [r[0] for r in ctx.db.query("SELECT id FROM photos")]
        own = home / "creations" / "collage.jpg"
        mine = [tmp_path / "Desktop" / "shared-1.jpg", tmp_path / "Ana's [b]irthday" / "report.html"]
        for path in [own, *mine]:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"made with faces")
            record(ctx, "collage", path, ids, capabilities=["faces"])
    finally:
        ctx.close()
    return Library(home, crops, own, mine)


def _crash(home: Path, where: str) -> subprocess.CompletedProcess[str]:
    """Revoke faces in a subprocess that dies (``os._exit``, no clean-up) at ``where``:
    ``after-commit`` (the revoke committed, its files not deleted yet) or ``before-commit``."""
    script = textwrap.dedent(f"""
        import os
        from pathlib import Path
        from camroll.config import AppContext, Config
        from camroll.privacy import consent

        real_purge_in = consent.purge_in

        def purge_then_die(*args, **kwargs):
            result = real_purge_in(*args, **kwargs)
            os._exit(9)

        if {where!r} == "after-commit":
            consent.finish_pending = lambda ctx, only=None: os._exit(9)
        else:
            consent.purge_in = purge_then_die
        consent.revoke(AppContext(Config(home=Path({str(home)!r}))), "faces")
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 9, done.stderr
    return done


def _db(home: Path) -> sqlite3.Connection:
    return catalog(home)


def _count(home: Path, sql: str) -> int:
    con = _db(home)
    try:
        return int(con.execute(sql).fetchone()[0])
    finally:
        con.close()


def _purge_records(home: Path) -> list[dict[str, object]]:
    ctx = AppContext(Config(home=home))
    try:
        return [e.details for e in audit.events(ctx) if e.kind == "purge"]
    finally:
        ctx.close()


def _faces_allowed(home: Path, path: Path) -> bool:
    ctx = AppContext(Config(home=home))
    try:
        return consent.allows(ctx, "faces", str(path))
    finally:
        ctx.close()


def test_a_revoke_killed_after_its_commit_is_finished_by_the_next_command(tmp_path: Path) -> None:
    lib = _library(tmp_path)
    photo = tmp_path / "photos" / "p0.jpg"
    _crash(lib.home, "after-commit")
    # Killed: the consent is off and the rows are gone (one transaction), the files are journalled.
    assert not _faces_allowed(lib.home, photo)
    assert _count(lib.home, "SELECT count(*) FROM faces") == 0
    assert _count(lib.home, "SELECT count(*) FROM creations") == 0
    assert _count(lib.home, "SELECT count(*) FROM pending_purges") >= 1
    assert all(c.exists() for c in lib.crops) and lib.own.exists(), "the crash came before the files went"
    # The next command, whatever it is, finishes the purge first.
    run_cli(lib.home, "consent", "status")
    assert not any(c.exists() for c in lib.crops) and not lib.own.exists()
    assert not (lib.home / "keys" / "biometric.key").exists(), "the face key is shredded"
    assert all(p.exists() for p in lib.mine), "files in folders the person chose are kept"
    assert _count(lib.home, "SELECT count(*) FROM pending_purges") == 0
    assert _count(lib.home, "SELECT count(*) FROM pending_purge_files") == 0
    [faces] = [d for d in _purge_records(lib.home) if d["capability"] == "faces"]
    assert faces["finished_by_a_later_command"] is True and faces["files"] == len(lib.crops) + 1
    assert sorted(faces["my_files_kept"]) == sorted(map(str, lib.mine))  # type: ignore[arg-type]
    assert run_cli(lib.home, "audit", "verify", "--json")["intact"]


def test_a_revoke_killed_before_its_commit_changes_nothing(tmp_path: Path) -> None:
    lib = _library(tmp_path)
    faces = _count(lib.home, "SELECT count(*) FROM faces")
    _crash(lib.home, "before-commit")
    assert _faces_allowed(lib.home, tmp_path / "photos" / "p0.jpg"), "no revoke event was committed"
    assert _count(lib.home, "SELECT count(*) FROM faces") == faces == 3
    assert _count(lib.home, "SELECT count(*) FROM creations") == 3
    assert _count(lib.home, "SELECT count(*) FROM pending_purges") == 0
    assert all(c.exists() for c in lib.crops) and lib.own.exists() and all(p.exists() for p in lib.mine)
    assert (lib.home / "keys" / "biometric.key").exists(), "the key is intact while its data is"
    run_cli(lib.home, "consent", "status")
    assert all(c.exists() for c in lib.crops) and _count(lib.home, "SELECT count(*) FROM faces") == 3


def test_the_web_finishes_a_killed_revoke_when_it_starts(tmp_path: Path) -> None:
    lib = _library(tmp_path)
    _crash(lib.home, "after-commit")
    assert all(c.exists() for c in lib.crops)
    with TestClient(create_app(Config(home=lib.home, workers=1)), base_url=LOCAL) as c:
        assert c.get("/consent").status_code == 200
    assert not any(c.exists() for c in lib.crops) and not lib.own.exists()
    assert _count(lib.home, "SELECT count(*) FROM pending_purges") == 0


def test_cli_revoke_lists_and_keeps_files_in_folders_the_person_chose(tmp_path: Path) -> None:
    lib = _library(tmp_path)
    runner = CliRunner()
    dry = runner.invoke(app, ["consent", "revoke", "faces", "--dry-run", "--home", str(lib.home)])
    assert dry.exit_code == 0, dry.output
    for path in lib.mine:
        assert str(path) in dry.output
    assert "would be kept" in dry.output and "3 faces rows" in dry.output
    assert all(c.exists() for c in lib.crops) and _count(lib.home, "SELECT count(*) FROM faces") == 3, "a dry run"
    done = runner.invoke(app, ["consent", "revoke", "faces", "--home", str(lib.home)])
    assert done.exit_code == 0, done.output
    kept = done.output[done.output.index("in folders you chose") :]
    assert all(str(p) in kept for p in lib.mine) and "kept" in kept
    assert all(p.exists() for p in lib.mine) and not lib.own.exists() and not any(c.exists() for c in lib.crops)
    assert _count(lib.home, "SELECT count(*) FROM creations") == 0
    [faces] = [d for d in _purge_records(lib.home) if d["capability"] == "faces"]
    assert sorted(faces["my_files_kept"]) == sorted(map(str, lib.mine)) and faces["my_files_deleted"] == []  # type: ignore[arg-type]

    # Granted again and made again: now the person asks for their files to go too.
    run_cli(lib.home, "consent", "grant", "faces")
    ctx = AppContext(Config(home=lib.home))
    try:
        ids = [r[0] for r in ctx.db.query("SELECT id FROM photos")]
        for path in lib.mine:
            path.write_bytes(b"made again")
            record(ctx, "video", path, ids, capabilities=["people"])
    finally:
        ctx.close()
    reports = run_cli(lib.home, "consent", "revoke", "faces", "--include-my-files", "--json")
    assert not any(p.exists() for p in lib.mine)
    assert sorted(p for r in reports for p in r["my_files_deleted"]) == sorted(map(str, lib.mine))
    people = [d for d in _purge_records(lib.home) if d["capability"] == "people"][-1]
    assert sorted(people["my_files_deleted"]) == sorted(map(str, lib.mine)) and people["my_files_kept"] == []  # type: ignore[arg-type]


def test_forget_keeps_the_persons_files_unless_asked(tmp_path: Path) -> None:
    lib = _library(tmp_path)
    out = CliRunner().invoke(app, ["forget", "--yes", "--home", str(lib.home)])
    assert out.exit_code == 0, out.output
    assert all(p.exists() for p in lib.mine) and not lib.own.exists()
    assert all(str(p) in out.output for p in lib.mine)


def test_web_revoke_lists_the_persons_files_and_deletes_them_only_when_ticked(tmp_path: Path) -> None:
    lib = _library(tmp_path)
    with TestClient(create_app(Config(home=lib.home, workers=1)), base_url=LOCAL) as c:
        page = c.get("/consent")
        csrf = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
        assert csrf
        ask = c.post("/consent/faces/off", data={"csrf": csrf[1]})
        assert ask.status_code == 200
        assert "3 faces rows" in ask.text and 'name="include_my_files"' in ask.text
        for path in lib.mine:
            assert _escaped(path) in ask.text
        assert all(c.exists() for c in lib.crops) and lib.own.exists(), "asking is not deleting"
        done = c.post("/consent/faces/revoke", data={"csrf": csrf[1], "confirm": "yes"})
        assert done.status_code == 200 and "Kept where you put them" in done.text
        assert all(p.exists() for p in lib.mine) and not lib.own.exists()

        c.post("/consent/faces/on", data={"csrf": csrf[1]})
        ctx = AppContext(Config(home=lib.home))
        try:
            ids = [r[0] for r in ctx.db.query("SELECT id FROM photos")]
            for path in lib.mine:
                record(ctx, "share", path, ids[:1], capabilities=["faces"])
        finally:
            ctx.close()
        done = c.post("/consent/faces/revoke", data={"csrf": csrf[1], "confirm": "yes", "include_my_files": "yes"})
        assert done.status_code == 200 and "Deleted, as you asked" in done.text
        assert not any(p.exists() for p in lib.mine)
    [*_, faces] = [d for d in _purge_records(lib.home) if d["capability"] == "faces"]
    assert sorted(faces["my_files_deleted"]) == sorted(map(str, lib.mine))  # type: ignore[arg-type]


def _escaped(path: Path) -> str:
    return str(path).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")


def test_privacy_reaches_creations_only_through_the_registry() -> None:
    """privacy sits below creations: the purge step is named in the registry and loaded on use."""
    for name in ("purge.py", "removal.py", "consent.py", "retention.py"):
        tree = ast.parse((REPO / "camroll" / "privacy" / name).read_text(encoding="utf-8"))
        imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        upward = [
            m
            for m in imported
            if m.split(".")[:2] not in (["camroll", "privacy"], ["camroll", "store"])
            and m.startswith("camroll.")
            and m not in ("camroll.capabilities", "camroll.config", "camroll.thresholds", "camroll.errors")
        ]
        assert not upward, f"privacy/{name} imports {upward}"
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, camroll.privacy.consent, camroll.privacy.removal,"
            " camroll.privacy.retention; print(sorted(m for m in sys.modules if m.startswith('camroll.')))",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "camroll.creations" not in loaded.stdout, loaded.stdout
    for store in capabilities.DERIVED_STORES:
        module, attr = store.purge_step.split(":")
        assert callable(getattr(__import__(module, fromlist=[attr]), attr))


def test_grant_help_says_what_really_happens(tmp_path: Path) -> None:
    lib = _library(tmp_path)
    helped = CliRunner().invoke(app, ["consent", "grant", "--help"], env={"COLUMNS": "200"})
    text = " ".join(helped.output.split())
    assert "derive it now" not in text and "camroll analyze" in text and "next camroll scan" in text.replace("`", "")
    out = run_cli(lib.home, "consent", "grant", "tags", "quality").output
    assert "Nothing was analysed yet" in " ".join(out.split())
    assert _count(lib.home, "SELECT count(*) FROM tags") == 0 and _count(lib.home, "SELECT count(*) FROM quality") == 0
