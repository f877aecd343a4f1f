"""A purge on PostgreSQL leaves none of the deleted values in the catalog's pages.

A ``DELETE`` there only marks a tuple dead: its bytes stay in the page until something overwrites
them (SQLite's ``secure_delete`` has no equivalent), so a purge ends with ``VACUUM (FULL)`` of the
tables it changed (store/purge.py). The check reads every block of every relation of the catalog
(tables, their TOAST tables, indexes) with ``pageinspect``'s ``get_raw_page`` on a throwaway server
(tests/pg_server.py), for a face's sealed print, its crop's file name and its landmarks: found
there before the revoke, and in a scratch table right after a plain ``DELETE`` (so the search
does see deleted tuples), gone after the revoke; and, for a revoke killed between its commit and
the rewrite, gone once the next command starts.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from camroll.config import AppContext, Config
from camroll.privacy.retention import STAMP, sweep
from camroll.store import purge as store_purge
from camroll.store.db import Database
from tests.conftest import analysed_faces, run_cli
from tests.pg_server import PgServer, pg_server  # noqa: F401  (the fixture)


def relations(pg: psycopg.Connection[Any]) -> list[str]:
    """Every relation with pages in the catalog's schema: tables, TOAST tables, indexes."""
    rows = pg.execute(
        "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i')"
        " UNION SELECT t.reltoastrelid::regclass::text FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace"
        " WHERE n.nspname = current_schema() AND t.reltoastrelid <> 0"
        " UNION SELECT i.indexrelid::regclass::text FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace"
        " JOIN pg_index i ON i.indrelid = t.reltoastrelid WHERE n.nspname = current_schema()"
    ).fetchall()
    return sorted(r[0] for r in rows)


def pages(pg: psycopg.Connection[Any], relation: str) -> bytes:
    """The raw bytes of every block of ``relation``'s main fork, as the server holds them now."""
    blocks = pg.execute(
        "SELECT pg_relation_size(%s::regclass) / current_setting('block_size')::bigint", (relation,)
    ).fetchone()
    assert blocks is not None
    return b"".join(
        bytes(pg.execute("SELECT get_raw_page(%s, 'main', %s)", (relation, n)).fetchone()[0])  # type: ignore[index]
        for n in range(int(blocks[0]))
    )


def holding(pg: psycopg.Connection[Any], needles: list[bytes], only: list[str] | None = None) -> dict[str, int]:
    """Which relations' pages hold any of ``needles``, and how many of them."""
    found: dict[str, int] = {}
    for relation in only or relations(pg):
        raw = pages(pg, relation)
        n = sum(1 for needle in needles if needle in raw)
        if n:
            found[relation] = n
    return found


def _needles(rows: list[Any]) -> list[bytes]:
    """A face's sealed print whole (~0.5 kB, kept inline), a slice of it, its crop's file name,
    its landmarks (JSON text)."""
    prints = [bytes(r[0]) for r in rows]
    found = prints + [p[40:72] for p in prints] + [r[1].encode() for r in rows] + [r[2].encode() for r in rows]
    assert all(len(n) >= 24 for n in found)
    return found


def test_revoking_faces_in_a_folder_on_postgres_leaves_no_print_in_any_page(
    pg_server: PgServer,  # noqa: F811
    tmp_path: Path,
    photos_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = pg_server.new_database()
    monkeypatch.setenv("CAMROLL_DATABASE", url)
    lib = tmp_path / "lib"
    home = analysed_faces(tmp_path / "home", lib, photos_dir, {"p05": "deepface_p05", "groups": "_groups"})
    assert (home / "database.url").exists() and not (home / "camroll.db").exists(), "the catalog is on PostgreSQL"

    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        faces = pg.execute(
            "SELECT f.embedding, f.thumb, f.landmarks, fi.path FROM faces f JOIN files fi ON fi.photo_id = f.photo_id"
            " WHERE f.embedding IS NOT NULL ORDER BY f.id"
        ).fetchall()
        rows = [r for r in faces if "/groups/" in r[3]]  # revoked below: one folder's faces
        kept = [r for r in faces if "/groups/" not in r[3]]  # the other folder's stay, in the same pages
        assert len(rows) >= 4 and len(kept) >= 4
        needles, kept_needles = _needles(rows), _needles(kept)
        assert len(set(needles + kept_needles)) == len(needles + kept_needles)
        before = holding(pg, needles + kept_needles)
        assert before.get("faces") == len(needles + kept_needles), f"the search finds every value: {before}"

        # The check sees deleted tuples: a plain DELETE leaves them in the pages.
        pg.execute("CREATE TABLE scratch (b bytea, t text)")
        pg.cursor().executemany("INSERT INTO scratch VALUES (%s, %s)", [(bytes(r[0]), r[1]) for r in rows])
        pg.execute("DELETE FROM scratch")
        assert pg.execute("SELECT count(*) FROM scratch").fetchone() == (0,)
        assert holding(pg, needles, ["scratch"]) == {"scratch": 3 * len(rows)}, "deleted, still in the pages"
        pg.execute("DROP TABLE scratch")

    rewritten: list[list[str]] = []
    took: list[float] = []
    real = store_purge.vacuum_noted

    def timed(db: Database) -> list[str]:
        start = time.perf_counter()
        tables = real(db)
        took.append(time.perf_counter() - start)
        rewritten.append(tables)
        return tables

    monkeypatch.setattr(store_purge, "vacuum_noted", timed)
    reports = {
        r["capability"]: r
        for r in run_cli(home, "consent", "revoke", "faces", "--scope", str(lib / "groups"), "--json")
    }
    assert reports["faces"]["rows"]["faces"] == len(rows)
    # the command starts by rewriting what an earlier one left (nothing here), then the revoke's own
    assert rewritten[0] == [] and {"faces", "pending_purges", "pending_purge_files"} <= set(rewritten[-1])
    print(f"\nVACUUM (FULL) after the revoke: {took} s for {rewritten}")

    with psycopg.connect(url, autocommit=True) as pg:
        assert pg.execute("SELECT count(*) FROM faces").fetchone() == (len(kept),)
        assert holding(pg, needles) == {}, "a deleted value is still in the catalog's pages"
        assert holding(pg, kept_needles).get("faces") == len(kept_needles), "the faces of the other folder stay"
        assert pg.execute("SELECT count(*) FROM purge_vacuum").fetchone() == (0,), "nothing waits to be rewritten"

    # A purge killed after its commit, before the rewrite: the list of tables to rewrite was
    # committed with the deletions, and the next command to start rewrites them.
    monkeypatch.setattr(store_purge, "vacuum_noted", lambda db: [])
    run_cli(home, "consent", "revoke", "faces", "--scope", str(lib / "p05"), "--json")
    with psycopg.connect(url, autocommit=True) as pg:
        assert pg.execute("SELECT count(*) FROM faces").fetchone() == (0,)
        assert holding(pg, kept_needles, ["faces"]), "not rewritten yet: the deleted prints are in the pages"
        waiting = {r[0] for r in pg.execute("SELECT name FROM purge_vacuum").fetchall()}
        assert "faces" in waiting
    monkeypatch.setattr(store_purge, "vacuum_noted", real)
    run_cli(home, "photos", "--json")  # any command: it starts by finishing what a purge left
    with psycopg.connect(url, autocommit=True) as pg:
        assert holding(pg, needles + kept_needles) == {}, "the next command rewrote what the killed purge left"
        assert pg.execute("SELECT count(*) FROM purge_vacuum").fetchone() == (0,)


def test_the_retention_sweep_runs_for_a_catalog_on_postgres(
    pg_server: PgServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A home whose catalog is on PostgreSQL has no camroll.db: the sweeper must still see a library
    there (it once looked for the file, so retention limits were never enforced on PostgreSQL)."""
    monkeypatch.setenv("CAMROLL_DATABASE", pg_server.new_database())
    home = tmp_path / "home"
    run_cli(home, "retention", "set", "tags", "90d")
    assert not (home / "camroll.db").exists()
    ctx = AppContext(Config(home=home))
    try:
        (home / STAMP).unlink(missing_ok=True)
        assert sweep(ctx).full, "a full sweep is due and runs"
        assert not sweep(ctx).full, "then not again until the interval has passed"
    finally:
        ctx.close()
