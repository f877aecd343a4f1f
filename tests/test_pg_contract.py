"""The same library on PostgreSQL gives the same answers as on SQLite (issue 16).

The test photos are scanned and analysed twice: once into the shared SQLite library
(``analysed_library``) and once into a throwaway PostgreSQL server (tests/pg_server.py) through
``camroll --database``. Then every answer a person or a check outside the project reads is
compared: photos with every derived fact, people (as sets of photos), moments, searches, the
report's findings, a revoke, the audit chain, and ``camroll forget``. Ids are compared through
what they name (paths): the scan's and analysis's workers number photos and faces in the order
they finish. The web's pages are compared word for word between the SQLite library and the same
library carried into PostgreSQL by ``camroll db migrate-to`` (same rows, same ids).

The rest of the suite runs on PostgreSQL too, module by module, with
``CAMROLL_TEST_DATABASE=postgresql`` (``make test`` runs the contract modules that way: see the
Makefile's PG_CONTRACT).
"""

from __future__ import annotations

import difflib
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from camroll.config import DATABASE_RECORD, Config
from camroll.web.app import create_app
from tests.conftest import ALL_CAPABILITIES, copy_home, run_cli
from tests.pg_server import PgServer, pg_server  # noqa: F401 (a fixture)
from tests.test_web import browser

VOLATILE = {"id", "ids", "thumbnail", "scanned_at", "analysed_at", "mtime", "mtime_ns"}
"""Keys whose values say when or under which number, not what: left out of the comparisons
(with every ``ids``, ``*_id``/``*_ids``: faces and people are numbered in the order the workers finish;
people and moments are compared as groups of photos instead)."""


def _strip(value: Any) -> Any:
    """``value`` without volatile keys, recursively, with ids that name photos made comparable."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in sorted(value.items()) if k not in VOLATILE and not k.endswith(("_id", "_ids"))}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    if isinstance(value, float):
        return round(value, 6)
    return value


@pytest.fixture(scope="module")
def pg_library(analysed_library: Path, photos_dir: Path, pg_server: PgServer, tmp_path_factory: Any) -> Path:  # noqa: F811
    """The test photos, analysed with every capability, in a catalog on PostgreSQL."""
    home = tmp_path_factory.mktemp("pg-contract") / "home"
    url = pg_server.new_database()
    try:
        run_cli(home, "--database", url, "scan", str(photos_dir), "--no-analyze", "--quiet")
    finally:  # ``camroll --database`` sets it for its process: here it must not outlive the command
        os.environ.pop("CAMROLL_DATABASE", None)
    assert (home / DATABASE_RECORD).read_text().strip() == url, "the home remembers where its catalog is"
    assert not (home / "camroll.db").exists(), "nothing of the catalog is in a SQLite file"
    run_cli(home, "consent", "grant", *ALL_CAPABILITIES)
    run_cli(home, "analyze", "--quiet", "--workers", "2")
    return home


def _by_path(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {r["path"]: _strip(r) for r in records}


def test_photos_and_every_derived_fact_are_equal(analysed_library: Path, pg_library: Path) -> None:
    lite = _by_path(run_cli(analysed_library, "photos", "--json"))
    pg = _by_path(run_cli(pg_library, "photos", "--json"))
    assert lite.keys() == pg.keys() and len(lite) > 250
    differing = {
        p: {k: (lite[p].get(k), pg[p].get(k)) for k in lite[p].keys() | pg[p].keys() if lite[p].get(k) != pg[p].get(k)}
        for p in lite
        if lite[p] != pg[p]
    }
    assert not differing, f"{len(differing)} photos differ (SQLite, PostgreSQL): {list(differing.items())[:4]}"


def _people(home: Path) -> set[tuple[str | None, frozenset[str]]]:
    return {(p["name"], frozenset(f["path"] for f in p["faces"])) for p in run_cli(home, "people", "--json")}


def test_people_are_the_same_groups_of_faces(analysed_library: Path, pg_library: Path) -> None:
    lite, pg = _people(analysed_library), _people(pg_library)
    assert len(lite) > 20
    assert lite == pg


def _moments(home: Path) -> list[tuple[str, str, frozenset[str]]]:
    paths = {r["id"]: r["path"] for r in run_cli(home, "photos", "--json")}
    found = run_cli(home, "moments", "--json")
    return sorted((m["kind"], m["title"], frozenset(paths[i] for i in m["photo_ids"])) for m in found)


def test_moments_are_equal(analysed_library: Path, pg_library: Path) -> None:
    lite = _moments(analysed_library)
    assert lite, "the test photos hold moments"
    assert _moments(pg_library) == lite


@pytest.mark.parametrize("query", ["beach", "dog", "2019", "Canon", "Lisbon", "smiling", "text"])
def test_searches_find_the_same_photos(analysed_library: Path, pg_library: Path, query: str) -> None:
    """The same hits in the same order; hits that tie (equal score and time) follow the photos'
    ids, which differ between two analyses (see VOLATILE), so each run of ties is compared as a set."""

    def found(home: Path) -> list[tuple[float, str | None, list[tuple[str, list[str]]]]]:
        answer = run_cli(home, "search", query, "--limit", "500", "--json")
        runs: list[tuple[float, str | None, list[tuple[str, list[str]]]]] = []
        for h in answer["hits"]:
            key = (round(h["score"], 6), h["taken_at"])
            if not runs or runs[-1][:2] != key:
                runs.append((*key, []))
            runs[-1][2].append((h["path"], h["why"]))
        return [(score, taken, sorted(hits)) for score, taken, hits in runs]

    assert found(pg_library) == found(analysed_library)


@pytest.fixture(scope="module")
def migrated(analysed_library: Path, pg_server: PgServer, tmp_path_factory: Any) -> Path:  # noqa: F811
    """The SQLite library itself carried into PostgreSQL by ``camroll db migrate-to``: the same
    rows with the same ids, so what differs between the two can only be the engine (the two
    analyses above number photos and faces in the order their workers finish)."""
    import shutil

    home = tmp_path_factory.mktemp("pg-migrated") / "home"
    shutil.copytree(analysed_library, home, symlinks=True, ignore=shutil.ignore_patterns("camroll.db*"))
    url = pg_server.new_database()
    run_cli(analysed_library, "db", "migrate-to", url)
    (home / DATABASE_RECORD).write_text(url + "\n", encoding="utf-8")
    return home


def _text(html: str) -> list[str]:
    """What a person reads on a page, word by word, with every number folded (the session's
    and the page's tokens are attributes, gone with the tags)."""
    return re.sub(r"\d+", "#", re.sub(r"<[^>]+>", " ", html)).split()


def test_every_page_reads_the_same_on_both_engines(analysed_library: Path, migrated: Path, tmp_path: Path) -> None:
    pages = ["/", "/people", "/places", "/moments", "/search?q=beach", "/report", "/jobs", "/consent", "/albums"]
    pages += ["/stacks", "/trash", "/people/review", "/photo/1", "/photo/40", "/people/1"]
    texts: dict[str, dict[str, list[str]]] = {}
    for name, source in (("sqlite", analysed_library), ("postgresql", migrated)):
        home = tmp_path / name
        copy_home(source, home)  # pages write thumbnails and a session key
        with browser(create_app(Config(home=home, workers=1))) as client:
            texts[name] = {}
            for url in pages:
                r = client.get(url)
                assert r.status_code == 200, (name, url, r.text[:300])
                texts[name][url] = _text(r.text)
    for url in pages:
        lite, pg = texts["sqlite"][url], texts["postgresql"][url]
        changed = [
            (" ".join(lite[max(0, i1 - 8) : i2 + 8]), " ".join(pg[max(0, j1 - 8) : j2 + 8]))
            for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=lite, b=pg, autojunk=False).get_opcodes()
            if op != "equal"
        ]
        assert not changed, (url, changed[:6])


def test_the_report_finds_the_same(analysed_library: Path, pg_library: Path) -> None:
    """Every finding of ``camroll report --json``, its entries compared as a set (see _words)."""

    def findings(home: Path) -> dict[str, Any]:
        report = run_cli(home, "report", "--json")
        paths = report["paths"]

        def named(value: Any) -> Any:  # photo ids as the paths they name
            if isinstance(value, dict):
                return {
                    k: sorted(str(paths.get(str(p))) for p in v)
                    if k == "photos" and isinstance(v, list) and all(isinstance(p, int) for p in v)
                    else named(v)
                    for k, v in value.items()
                }
            return [named(v) for v in value] if isinstance(value, list) else value

        return {
            f["id"]: (
                f["title"],
                f["severity"],
                f["summary"],
                sorted(str(paths.get(str(p))) for p in f["photos"]),
                sorted(json.dumps(_strip(named(i)), sort_keys=True) for i in f["items"]),
            )
            for f in report["findings"]
        }

    lite = findings(analysed_library)
    assert len(lite) > 5
    assert findings(pg_library) == lite


def test_revoke_deletes_the_same_and_the_audit_chain_verifies(
    analysed_library: Path, pg_library: Path, tmp_path: Path
) -> None:
    said = {}
    for name, source in (("sqlite", analysed_library), ("postgresql", pg_library)):
        home = tmp_path / name
        copy_home(source, home)
        said[name] = _strip(run_cli(home, "consent", "revoke", "faces", "--json"))
        assert run_cli(home, "people", "--json") == []
        assert all(not r.get("faces") for r in run_cli(home, "photos", "--json"))
        verified = run_cli(home, "audit", "verify", "--json")
        assert verified["intact"] is True and verified["records"] > 3, verified
    assert said["postgresql"] == said["sqlite"]


def test_forget_leaves_nothing_in_the_catalog(pg_library: Path, tmp_path: Path) -> None:
    home = tmp_path / "forget"
    copy_home(pg_library, home)
    run_cli(home, "forget", "--yes")
    db = Config(home=home).open_database()
    try:
        assert db.url is not None
        for table in ("photos", "files", "faces", "people", "tags", "texts", "photo_places", "roots"):
            assert db.scalar(f"SELECT count(*) FROM {table}") == 0, table
    finally:
        db.close()


def test_database_takes_only_a_postgresql_url(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from camroll.cli import app

    result = CliRunner().invoke(app, ["--database", "/tmp/some.db", "photos", "--home", str(tmp_path / "home")])
    assert result.exit_code == 2 and "postgresql://" in result.output
    assert "CAMROLL_DATABASE" not in os.environ and not (tmp_path / "home").exists()
