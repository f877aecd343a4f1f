"""Shared fixtures: an isolated camroll home per test, the real photos, a CLI runner."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from camroll import capabilities
from camroll.cli import app
from camroll.config import AppContext, Config

REPO = Path(__file__).resolve().parents[1]
PHOTOS = (REPO / "tests" / "data" / "photos").resolve()
SAMPLE = REPO / "samples" / "gallery"


PHOTO_FIXTURES = frozenset({"photos_dir", "exiftool_truth", "analysed_library", "library_copy"})
"""Fixtures that read tests/data/photos: a test using any of them is marked ``photos``."""
SLOW_FIXTURES = frozenset({"analysed_library", "library_copy"})
"""Fixtures that analyse the real photos with every model (minutes): a test using one is ``slow``."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the test tiers by what a test uses, so no module has to remember to: ``photos`` (the
    real photos), ``slow`` (the analysed library), ``browser`` (a module that drives Chromium via
    Playwright). ``make test-fast`` runs the rest; ``make test`` runs everything. A module that
    reads the photos through a constant instead of a fixture marks itself (``pytestmark``)."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & PHOTO_FIXTURES:
            item.add_marker(pytest.mark.photos)
        if used & SLOW_FIXTURES:
            item.add_marker(pytest.mark.slow)
        module = getattr(item, "module", None)
        if module is not None and any(
            getattr(v, "__module__", "").startswith("playwright") for v in vars(module).values()
        ):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def ctx(home: Path) -> Iterator[AppContext]:
    context = AppContext(Config(home=home, workers=2))
    yield context
    context.close()


@pytest.fixture(scope="session")
def photos_dir() -> Path:
    assert PHOTOS.is_dir(), f"the real test photos are missing at {PHOTOS}"
    return PHOTOS


@pytest.fixture(scope="session")
def exiftool_truth(photos_dir: Path) -> dict[str, dict[str, Any]]:
    """exiftool -json -n -G, keyed by absolute path."""
    rows = json.loads((photos_dir / "exiftool.json").read_text(encoding="utf-8"))
    return {str((photos_dir / r["SourceFile"]).resolve()): r for r in rows}


def run_cli(home: Path, *args: str) -> Any:
    """Run ``camroll ARGS --home HOME``; return parsed JSON if --json was asked, else the result."""
    result = CliRunner().invoke(app, [*args, "--home", str(home)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if "--json" in args else result


def tree_hashes(root: Path) -> dict[str, str]:
    """sha256 and mtime of every file under root, to prove originals were not touched."""
    out = {}
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            p = os.path.join(dirpath, name)
            st = os.stat(p)
            with open(p, "rb") as f:
                out[p] = hashlib.sha256(f.read()).hexdigest() + f":{st.st_mtime_ns}:{st.st_mode}"
    return out


ALL_CAPABILITIES = tuple(c.id for c in capabilities.REGISTRY if not c.granted_by_scan)
"""Every capability a person grants (all but what a scan reads by itself), from the registry: a
new capability is analysed in the shared library without anyone editing this file."""


@pytest.fixture(scope="session")
def analysed_library(tmp_path_factory: pytest.TempPathFactory, photos_dir: Path) -> Path:
    """A camroll home with tests/data/photos scanned and every capability analysed, once per
    test session (about two minutes here). Read it, never change it: tests that revoke, delete or
    edit take ``library_copy``."""
    home = tmp_path_factory.mktemp("analysed") / "home"
    run_cli(home, "scan", str(photos_dir), "--no-analyze", "--quiet")
    run_cli(home, "consent", "grant", *ALL_CAPABILITIES)
    run_cli(home, "analyze", "--quiet", "--workers", "2")
    return home


@pytest.fixture
def library_copy(analysed_library: Path, tmp_path: Path) -> Path:
    """A private copy of ``analysed_library`` (database, keys, caches) that a test may change."""
    import shutil

    copy = tmp_path / "home-copy"
    shutil.copytree(analysed_library, copy, symlinks=True)
    return copy
