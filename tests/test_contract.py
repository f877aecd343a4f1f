"""What checks outside the project rely on: command names, options and JSON keys."""

from __future__ import annotations

import ast
import re
from datetime import datetime
from pathlib import Path

import typer.main

from camroll import thresholds
from camroll.cli import app
from camroll.config import AppContext
from camroll.store.db import Database, migrations
from tests.conftest import REPO, SAMPLE, run_cli

CONTRACT_KEYS = {"path", "hash", "taken_at", "taken_at_source", "gps", "camera", "orientation", "width",
                 "height", "place", "errors"}  # fmt: skip


def test_photos_json_contract(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run_cli(home, "scan", str(SAMPLE))
    run_cli(home, "consent", "grant", "places")
    records = run_cli(home, "photos", "--json")
    assert isinstance(records, list) and len(records) > 70
    for r in records:
        assert r.keys() >= CONTRACT_KEYS
        assert Path(r["path"]).is_absolute() and Path(r["path"]).exists()
        assert isinstance(r["errors"], list) and all(isinstance(e, str) for e in r["errors"])
        assert isinstance(r["camera"], dict) and set(r["camera"]) == {"make", "model"}
        if r["state"] == "failed":
            continue
        assert re.fullmatch(r"[0-9a-f]{64}", r["hash"])
        assert r["orientation"] in range(1, 9)
        datetime.fromisoformat(r["taken_at"])
        assert r["taken_at_source"]
        if r["gps"] is not None:
            assert set(r["gps"]) == {"lat", "lon", "alt"} and -90 <= r["gps"]["lat"] <= 90
        if r["place"] is not None:
            assert set(r["place"]) == {"city", "region", "country"}
    assert any(r["place"] for r in records) and any(r["gps"] for r in records)
    assert any(r["state"] == "failed" or r["errors"] for r in records), "the sample shows what failing looks like"


def test_summary_speaks_plainly(tmp_path: Path) -> None:
    home = tmp_path / "home"
    out = run_cli(home, "scan", str(SAMPLE)).output
    assert re.search(r"Your library: \d+ photos, 0 videos, taken \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d", out)
    assert "Cameras (" in out and "camroll consent grant places" in out
    overview = run_cli(home, "summary", "--json")
    assert overview["photos"] > 60 and overview["with_gps"] > 5


def test_every_command_and_option_is_documented() -> None:
    """Like datasette's documentation test: an undocumented command or option fails the build."""
    click_app = typer.main.get_command(app)

    def walk(cmd: object, name: str) -> None:
        assert getattr(cmd, "help", None), f"command {name!r} has no help text"
        for param in getattr(cmd, "params", []):
            if param.param_type_name == "option":
                assert param.help, f"option {param.opts} of {name!r} has no help text"
        for sub_name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{name} {sub_name}")

    walk(click_app, "camroll")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for command in ("make run", "make test", *(f"camroll {name}" for name in getattr(click_app, "commands", {}))):
        assert command in readme, f"README does not mention {command}"


def test_every_threshold_says_why() -> None:
    tree = ast.parse(Path(thresholds.__file__).read_text(encoding="utf-8"))
    body = tree.body
    for i, node in enumerate(body):
        if isinstance(node, ast.Assign):
            name = node.targets[0].id  # type: ignore[attr-defined]
            follower = body[i + 1] if i + 1 < len(body) else None
            assert isinstance(follower, ast.Expr) and isinstance(follower.value, ast.Constant), f"{name} has no docstring"


def test_migrations_apply_once_in_order(ctx: AppContext) -> None:
    numbers = [n for n, _, _ in migrations()]
    assert numbers == sorted(set(numbers)) and numbers[0] == 1
    assert ctx.db.schema_version == numbers[-1]
    again = Database.open(ctx.config.db_path)
    assert again.migrate() == [] and again.schema_version == numbers[-1]
    again.close()


def test_database_and_home_are_private(ctx: AppContext) -> None:
    ctx.db  # noqa: B018 - opening creates them
    assert ctx.config.home.stat().st_mode & 0o777 == 0o700
    assert ctx.config.db_path.stat().st_mode & 0o777 == 0o600


def test_every_capability_is_documented() -> None:
    """A capability nobody can read about is one nobody can consent to knowingly: each registry
    entry must appear in the README's analysis table (or privacy section) and its model in
    docs/models.md when it has one."""
    from camroll import capabilities

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    models = (REPO / "docs" / "models.md").read_text(encoding="utf-8")
    for cap in capabilities.REGISTRY:
        assert f"| {cap.id}" in readme or f"`{cap.id}`" in readme or cap.granted_by_scan, f"{cap.id} missing from README"
        if cap.analyser:
            assert cap.id in models, f"{cap.id} missing from docs/models.md"
