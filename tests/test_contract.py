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

CONTRACT_KEYS = {
    "path",
    "hash",
    "taken_at",
    "taken_at_source",
    "gps",
    "camera",
    "orientation",
    "width",
    "height",
    "place",
    "errors",
}


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
            assert isinstance(follower, ast.Expr) and isinstance(follower.value, ast.Constant), (
                f"{name} has no docstring"
            )


def test_migrations_apply_once_in_order(ctx: AppContext) -> None:
    numbers = [n for n, _, _ in migrations()]
    assert numbers == sorted(set(numbers)) and numbers[0] == 1
    assert ctx.db.schema_version == numbers[-1]
    again = Database.open(ctx.config.db_path)
    assert again.migrate() == [] and again.schema_version == numbers[-1]
    again.close()


def test_a_migration_numbered_below_the_newest_applied_still_runs(tmp_path: Path) -> None:
    """Work done in parallel lands out of order: a library already at 0023 that was made before
    0019 existed must still get 0019 (``user_version`` alone would skip it)."""
    import sqlite3

    from camroll.store import db as store_db

    shipped = store_db.migrations()
    legacy = [m for m in shipped if m[0] in store_db._BEFORE_THE_TABLE]
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for number, _name, sql in legacy:  # the library as the old migrator left it
        for statement in store_db.split_sql(sql):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
    conn.close()
    db = Database.open(path)
    try:
        applied = db.query("SELECT name FROM schema_migrations ORDER BY number")
        assert [r[0] for r in applied] == [name for _, name, _ in shipped]
        assert db.schema_version == shipped[-1][0]
        assert db.migrate() == []
    finally:
        db.close()


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
        assert f"| {cap.id}" in readme or f"`{cap.id}`" in readme or cap.granted_by_scan, (
            f"{cap.id} missing from README"
        )
        if cap.analyser:
            assert cap.id in models, f"{cap.id} missing from docs/models.md"


# The layers, bottom to top. A module may import its own layer and any layer below it, never one
# above (like beets, whose dbcore never imports the library or the UI). The bottom layer is what
# everything shares and nothing of camroll's features: the error model, the context, thresholds,
# progress, the worker pool, the capability registry (declarative: analysers are dotted paths,
# loaded on use) and time formatting. privacy sits under library: scanning asks consent, consent
# never reads photos. creations may use moments and analysis; sharing uses creations' records;
# report reads all of them; the web app is served by the CLI's `serve`, so cli is the very top.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("camroll", "errors", "config", "thresholds", "progress", "workers", "capabilities", "timefmt"),
    ("store",),
    ("privacy",),
    ("library",),
    ("analysis",),
    ("people",),
    ("moments",),
    ("search",),
    ("creations",),
    ("sharing",),
    ("report",),
    ("web",),
    ("cli",),
)

ALLOWED_UPWARD = {
    # AppContext is the composition root: its lazy properties build the store's Database, the
    # geocoder and the sealer on first use, so every other module receives them through it.
    ("camroll.config", "camroll.store.db"),
    ("camroll.config", "camroll.library.places"),
    ("camroll.config", "camroll.privacy.crypto"),
}

KNOWN_UPWARD: set[tuple[str, str]] = set()
"""Upward imports tolerated while being moved (none now): a line here is a debt, with its issue."""


def _layer_of(module: str) -> int:
    area = module.split(".")[1] if "." in module else module
    for rank, names in enumerate(LAYERS):
        if area in names:
            return rank
    raise AssertionError(f"{module}: its area {area!r} is in no layer; add it to LAYERS in tests/test_contract.py")


def _imports_of(path: Path, module: str) -> set[str]:
    """Every camroll module ``path`` imports: at the top, inside functions and under TYPE_CHECKING."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            for alias in node.names:  # `from camroll import thresholds` imports camroll.thresholds
                sub = REPO.joinpath(*f"{base}.{alias.name}".split("."))
                found.add(f"{base}.{alias.name}" if sub.with_suffix(".py").is_file() or sub.is_dir() else base)
    return {m for m in found if m == "camroll" or m.startswith("camroll.")}


def _upward_imports() -> set[tuple[str, str]]:
    upward: set[tuple[str, str]] = set()
    for path in sorted((REPO / "camroll").rglob("*.py")):
        module = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        for target in _imports_of(path, module):
            if _layer_of(target) > _layer_of(module):
                upward.add((module, target))
    return upward


def test_layers_only_point_down() -> None:
    """No module imports from a layer above its own (the order is LAYERS, above)."""
    wrong = sorted(_upward_imports() - ALLOWED_UPWARD - KNOWN_UPWARD)
    assert not wrong, "imports that point up a layer:\n" + "\n".join(f"  {a} -> {b}" for a, b in wrong)


def test_the_layer_test_sees_imports_inside_functions_and_relative_ones(tmp_path: Path) -> None:
    """The checker itself: a function-level import and a relative one are both found."""
    source = tmp_path / "mod.py"
    source.write_text("def f():\n    from camroll.cli import common\n    from ..web import app\n", encoding="utf-8")
    assert _imports_of(source, "camroll.store.mod") == {"camroll.cli.common", "camroll.web.app"}


def test_every_table_tied_to_a_photo_or_a_person_is_declared(ctx: AppContext) -> None:
    """A table with a photo, face or person in it is owned by a capability (its ``tables``) or
    declared in ``capabilities.TIES``: what purges, removals and exports derive from. A new
    table that is neither fails here, before a removal forgets it."""
    from camroll import capabilities

    owned = {t.name for cap in capabilities.REGISTRY for t in cap.tables}
    tied = {t.table for t in capabilities.TIES}
    undeclared = []
    for (table,) in ctx.db.query("SELECT name FROM sqlite_master WHERE type = 'table'"):
        columns = {r[1] for r in ctx.db.query(f"PRAGMA table_info({table})")}
        targets = {r[2] for r in ctx.db.query(f"PRAGMA foreign_key_list({table})")}
        if (targets & {"photos", "faces", "people"} or "photo_id" in columns) and table not in owned | tied:
            undeclared.append(table)
    assert not undeclared, f"declare these in capabilities.TIES or a capability's tables: {undeclared}"
    assert not owned & tied
    for tie in capabilities.ties_with_photos():  # and each names a real photo column
        assert tie.photo_key in {r[1] for r in ctx.db.query(f"PRAGMA table_info({tie.table})")}, tie


def test_what_the_ties_say_is_exported_is_in_library_json(ctx: AppContext) -> None:
    from camroll import capabilities
    from camroll.report.export import ExportResult, library

    keys = set(library(ctx, False, ExportResult(out=str(ctx.config.home))))
    missing = {t.table: t.export for t in capabilities.TIES if t.export and t.export not in keys}
    assert not missing, missing


def test_the_tests_need_nothing_beside_the_clone() -> None:
    """A plain `git clone` + `make test` must pass: no test, benchmark or make rule reads the
    workspace's shared folder; the test photos, their MANIFEST.tsv and exiftool.json are in the
    repository, tracked by git."""
    import subprocess

    repo = Path(__file__).resolve().parent.parent
    for path in [repo / "Makefile", *repo.joinpath("tests").rglob("*.py"), *repo.joinpath("bench").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        folder = "sha" + "red"  # spelt apart, so this file does not find itself
        assert f"../{folder}" not in text and f"/work/{folder}" not in text, path
    tracked = subprocess.run(
        ["git", "ls-files", "tests/data/photos"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.split()
    assert {"tests/data/photos/MANIFEST.tsv", "tests/data/photos/exiftool.json"} <= set(tracked)
    assert len([t for t in tracked if t.lower().endswith((".jpg", ".jpeg", ".heic", ".png", ".tiff"))]) >= 250
