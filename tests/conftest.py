"""Shared fixtures: an isolated camroll home per test, the real photos, a CLI runner."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
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


def analysed_faces(home: Path, lib: Path, photos_dir: Path, folders: dict[str, str]) -> Path:
    """A library at ``home`` of the test photos' face folders (``{name in lib: folder under
    faces/}``), scanned, with faces and people granted and analysed; returns ``home``."""
    for name, folder in folders.items():
        shutil.copytree(photos_dir / "faces" / folder, lib / name)
    run_cli(home, "scan", str(lib))
    run_cli(home, "consent", "grant", "faces", "people")
    run_cli(home, "analyze")
    return home


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
def analysed_library(tmp_path_factory: pytest.TempPathFactory, photos_dir: Path, pg_homes: _PgHomes | None) -> Path:
    """A camroll home with tests/data/photos scanned and every capability analysed, once per
    test session (about two minutes here). Read it, never change it: tests that revoke, delete or
    edit take ``library_copy``."""
    home = tmp_path_factory.mktemp("analysed") / "home"
    run_cli(home, "scan", str(photos_dir), "--no-analyze", "--quiet")
    run_cli(home, "consent", "grant", *ALL_CAPABILITIES)
    run_cli(home, "analyze", "--quiet", "--workers", "2")
    if pg_homes is not None:  # an untouched copy to clone from: the library itself has readers
        pg_homes.keep_pristine(home)
    return home


@pytest.fixture
def library_copy(analysed_library: Path, tmp_path: Path) -> Path:
    """A private copy of ``analysed_library`` (database, keys, caches) that a test may change."""
    copy = tmp_path / "home-copy"
    copy_home(analysed_library, copy)
    return copy


# --- the same tests on PostgreSQL ----------------------------------------------------------------
#
# ``CAMROLL_TEST_DATABASE=postgresql pytest tests/...`` runs tests with every camroll home keeping
# its catalog in PostgreSQL (a throwaway server, tests/pg_server.py): each home gets a database of
# its own, copied from a template holding the migrated schema, and recorded in the home's
# ``database.url`` as ``camroll --database`` records it, so subprocesses find it too. ``make test``
# runs the PostgreSQL contract suite this way (Makefile: PG_CONTRACT).

ON_POSTGRES = os.environ.get("CAMROLL_TEST_DATABASE") == "postgresql"


def _running() -> dict[str, Any]:
    """The session's PostgreSQL homes (``pg``), for :func:`copy_home`. Kept in ``tests.pg_server``:
    this file is loaded twice (pytest's ``conftest`` and ``tests.conftest``, which tests import)."""
    from tests import pg_server

    return pg_server.RUNNING


class _PgHomes:
    """Databases for homes, made on first use."""

    def __init__(self) -> None:
        from tests.pg_server import PgServer

        self.server = PgServer()
        self.server.start()
        self.template = self.server.new_database()
        from camroll.store.db import Database

        Database.open_url(self.template, Path(self.server.root)).close()
        self.template_name = self.template.split("/")[-1].split("?")[0]
        self.pristine: dict[str, str] = {}  # home -> a database no one connects to, to copy it from

    def keep_pristine(self, home: Path) -> None:
        from camroll.config import DATABASE_RECORD

        url = (home / DATABASE_RECORD).read_text(encoding="utf-8").strip()
        self.pristine[str(home)] = self.new(template=url.split("/")[-1].split("?")[0]).split("/")[-1].split("?")[0]

    def new(self, template: str | None = None) -> str:
        import psycopg

        self.server._databases += 1
        name = f"camroll_{self.server._databases}"
        source = template or self.template_name
        with psycopg.connect(self.server.url(), autocommit=True) as conn:
            try:
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
            except psycopg.errors.ObjectInUse:  # the source has readers: copy it the long way
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
                self._dump_restore(source, name)
        return self.server.url(name)

    def _dump_restore(self, source: str, target: str) -> None:
        import subprocess

        env = dict(os.environ, PGPASSWORD=self.server.password)
        common = ["-h", str(self.server.socket_dir), "-U", "camroll_test"]
        dump = subprocess.run(
            [str(self.server.bin / "pg_dump"), *common, "-Fc", source], env=env, capture_output=True, check=True
        )
        subprocess.run(
            [str(self.server.bin / "pg_restore"), *common, "-d", target],
            input=dump.stdout,
            env=env,
            capture_output=True,
            check=True,
        )


@pytest.fixture(scope="session")
def pg_homes() -> Iterator[_PgHomes | None]:
    if not ON_POSTGRES:
        yield None
        return
    homes = _running()["pg"] = _PgHomes()
    try:
        yield homes
    finally:
        _running().clear()
        homes.server.stop()


@pytest.fixture(scope="session", autouse=True)
def _catalog_on_postgres(pg_homes: _PgHomes | None) -> Iterator[None]:
    """In a PostgreSQL run, each home's catalog is a new database of the test server (from the
    start of the session: the shared analysed library is made before any test runs)."""
    if pg_homes is None:
        yield
        return
    from camroll.config import DATABASE_RECORD

    def database_url(self: Config) -> str:
        record = self.home / DATABASE_RECORD
        if record.is_file():
            return record.read_text(encoding="utf-8").strip()
        return pg_homes.new()

    def has_library(self: Config) -> bool:
        return (self.home / DATABASE_RECORD).is_file() or self.db_path.exists()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Config, "database_url", property(database_url))
        patch.setattr(Config, "has_library", property(has_library))
        yield


def copy_home(source: Path, target: Path) -> None:
    """Copy a camroll home (catalog, keys, caches); on PostgreSQL its database too."""
    import shutil

    shutil.copytree(source, target, symlinks=True)
    pg_homes = _running().get("pg")
    from camroll.config import DATABASE_RECORD

    record = target / DATABASE_RECORD
    if pg_homes is not None and record.is_file():
        name = (
            pg_homes.pristine.get(str(source))
            or record.read_text(encoding="utf-8").strip().split("/")[-1].split("?")[0]
        )
        record.write_text(pg_homes.new(template=name) + "\n", encoding="utf-8")


def catalog(home: Path) -> Any:
    """A connection to ``home``'s catalog on whichever engine keeps it (autocommit; rows by name
    and index): what a test reads or alters behind camroll's back."""
    return Config(home=home).open_database().conn
