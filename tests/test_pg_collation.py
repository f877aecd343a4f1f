"""A PostgreSQL catalog sorts text as SQLite does, whatever its server's default collation.

SQLite compares text byte by byte (``BINARY``): 'Bob' before 'alice', 'zed' before 'Émile', and
its ``lower`` folds ASCII only. A PostgreSQL database sorts by the locale it was made with, so
without care the same library would list people, paths and tags in another order there. The
catalog's text columns are collated ``"C"`` (``pg_schema.BINARY_COLLATION``); the throwaway server
of the tests is made with an ICU ``en-US`` default collation (tests/pg_server.py), under which a
plain sort of the same words comes out differently, so this test could fail.
"""

from __future__ import annotations

from pathlib import Path

import psycopg

from camroll.store import review
from camroll.store.db import Database
from tests.pg_server import PgServer, pg_server  # noqa: F401  (the fixture)

NAMES = ["zed", "Émile", "alice", "Bob", "bob", "Zoë", "_x", "10", "9"]


def _catalogs(url: str, tmp_path: Path) -> list[Database]:
    lite = Database.open(tmp_path / "camroll.db")
    pg = Database.open_url(url, tmp_path / "pg-home")
    for db in (lite, pg):
        with db.transaction() as conn:
            for name in NAMES:
                conn.execute("INSERT INTO people (name, created_at) VALUES (?, '2026-01-01')", (name,))
    return [lite, pg]


def test_names_sort_as_in_sqlite_on_a_server_with_a_linguistic_default(
    pg_server: PgServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    url = pg_server.new_database()
    with psycopg.connect(url) as raw:
        linguistic = raw.execute("SELECT array_agg(x ORDER BY x) FROM unnest(%s::text[]) AS x", (NAMES,)).fetchone()
    assert linguistic is not None and linguistic[0] != sorted(NAMES), "the server's default is not byte order"

    lite, pg = _catalogs(url, tmp_path)
    try:
        for sql in (
            "SELECT name FROM people ORDER BY name, id",
            "SELECT name FROM people ORDER BY lower(name), id",
            "SELECT max(name) || ' ' || min(name) FROM people",
            "SELECT name FROM people WHERE name > 'Z' ORDER BY name",
        ):
            assert [r[0] for r in pg.query(sql)] == [r[0] for r in lite.query(sql)], sql
        assert [r[0] for r in lite.query("SELECT name FROM people ORDER BY name")] == sorted(NAMES)
        assert [r["name"] for r in review.named_people(pg)] == [r["name"] for r in review.named_people(lite)]
    finally:
        lite.close()
        pg.close()
