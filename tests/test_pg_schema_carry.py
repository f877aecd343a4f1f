"""A PostgreSQL catalog made by an older camroll is carried to the latest schema, and ends up
exactly as a new catalog is made: on a real, throwaway PostgreSQL server (tests/pg_server.py).

The old catalog is made as camroll then made every new one (``pg_migrations.make_schema`` with
the migrations it shipped), holds a few rows, and is opened the normal way
(``Database.open_url``). The carry crosses added columns (0027, and 0029's ``NOT NULL DEFAULT
0``), new tables, and 0031's rebuild of photo_edits, which ships its own PostgreSQL statements
(0031_rotation_edits.pg.sql). Its schema is then read here (by this file's own queries, not the
store's check) and compared with a new catalog's, made in another database: relations,
columns, constraints, indexes, triggers and functions. Hand-written PostgreSQL statements that
drift from their SQLite migration are refused, and leave the catalog as it was.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import psycopg
import pytest

from camroll.store import pg_migrations
from camroll.store.db import Database, migrations
from camroll.store.pg_schema import SchemaError
from tests.pg_server import PgServer, pg_server  # noqa: F401  (the fixture)

OLD = 26
"""The last migration the older camroll shipped: the carry crosses 0027 (added columns), 0028 to
0030 (new tables, an added NOT NULL column with a default), 0031 (a rebuild, by its .pg.sql) and
whatever came after."""

ROTATION = 31

SCHEMA_QUERIES = {
    "relations": "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = 'public' ORDER BY 1, 2",
    "columns": "SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity,"
    " identity_generation, collation_name FROM information_schema.columns WHERE table_schema = 'public'"
    " ORDER BY table_name, ordinal_position",
    "constraints": "SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid) FROM pg_constraint k"
    " JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = 'public' ORDER BY 1, 2",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2",
    "triggers": "SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t"
    " JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = 'public' AND NOT t.tgisinternal ORDER BY 1, 2",
    "functions": "SELECT p.proname, p.prokind, pg_get_function_identity_arguments(p.oid), p.prosrc FROM pg_proc p"
    " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' ORDER BY 1, 3",
}


def schema_of(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Everything the catalog's schema holds, in PostgreSQL's own words (no data)."""
    with psycopg.connect(url) as pg:
        return {aspect: [tuple(r) for r in pg.execute(sql).fetchall()] for aspect, sql in SCHEMA_QUERIES.items()}


def old_catalog(url: str, upto: int = OLD) -> None:
    """The catalog an older camroll (the one that shipped migrations up to ``upto``) made at
    ``url``, with a photo, an edit of it, a person and a hand edit of a face."""
    with psycopg.connect(url, autocommit=True) as raw, raw.transaction():
        made = pg_migrations.make_schema(raw, upto)
        assert made == [name for n, name, _sql in migrations() if n <= upto]
        raw.execute(
            "INSERT INTO photos (id, hash, format, kind, size, metadata_version, created_at)"
            " VALUES (7, 'abc123', 'jpeg', 'photo', 1234, 1, '2026-01-02T03:04:05Z')"
        )
        raw.execute(
            "INSERT INTO photo_edits (photo_id, field, value, before, edited_at)"
            " VALUES (7, 'title', 'Harbour', '', '2026-01-03T00:00:00Z')"
        )
        raw.execute("INSERT INTO people (id, name, created_at) VALUES (3, 'Ada', '2026-01-02T03:04:05Z')")
        raw.execute(
            "INSERT INTO face_edits (photo_id, x, y, w, h, person_id, kind, at)"
            " VALUES (7, 10, 20, 30, 40, 3, 'is', '2026-01-03T00:00:00Z')"
        )


def applied(url: str) -> list[int]:
    with psycopg.connect(url) as pg:
        return [r[0] for r in pg.execute("SELECT number FROM schema_migrations ORDER BY number").fetchall()]


def field_check(url: str) -> str:
    with psycopg.connect(url) as pg:
        row = pg.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'photo_edits_field_check'"
        ).fetchone()
    assert row is not None
    return str(row[0])


def test_an_old_catalog_is_carried_to_exactly_a_new_catalogs_schema(pg_server: PgServer, tmp_path: Path) -> None:  # noqa: F811
    url = pg_server.new_database()
    old_catalog(url)
    assert applied(url) == [n for n, _name, _sql in migrations() if n <= OLD]
    assert "rotation" not in field_check(url)
    before = schema_of(url)

    db = Database.open_url(url, tmp_path / "home")
    db.close()

    assert applied(url) == [n for n, _name, _sql in migrations()], "every migration is recorded"
    assert max(applied(url)) >= ROTATION
    with psycopg.connect(url) as pg:
        # The rows survived: 0031 changed photo_edits in place, 0029 gave the hand edit drawn = 0.
        assert pg.execute("SELECT id, hash, size FROM photos").fetchall() == [(7, "abc123", 1234)]
        assert pg.execute("SELECT photo_id, field, value FROM photo_edits").fetchall() == [(7, "title", "Harbour")]
        assert pg.execute("SELECT person_id, kind, drawn FROM face_edits").fetchall() == [(3, "is", 0)]
        # 0031's point: a rotation is an edit now, and the CHECK still refuses what it should.
        pg.execute(
            "INSERT INTO photo_edits (photo_id, field, value, before, edited_at)"
            " VALUES (7, 'rotation', '90', '{}', '2026-01-04T00:00:00Z')"
        )
        with pytest.raises(psycopg.errors.CheckViolation):
            pg.execute(
                "INSERT INTO photo_edits (photo_id, field, value, before, edited_at)"
                " VALUES (7, 'colour', 'x', '', '2026-01-04T00:00:00Z')"
            )
        pg.rollback()

    fresh = pg_server.new_database()
    Database.open_url(fresh, tmp_path / "fresh").close()
    carried, made = schema_of(url), schema_of(fresh)
    assert carried["columns"] != before["columns"], "the carry changed the schema"
    for aspect in SCHEMA_QUERIES:
        lost = [r for r in made[aspect] if r not in carried[aspect]]
        extra = [r for r in carried[aspect] if r not in made[aspect]]
        assert (lost, extra) == ([], []), f"{aspect}: the new catalog has {lost}, the carried one {extra}"
        assert carried[aspect] == made[aspect], f"{aspect}: the same, in another order"
    assert any(r[1] == "photo_edits_field_check" and "rotation" in r[3] for r in carried["constraints"])
    assert len(carried["triggers"]) > 0 and len(carried["constraints"]) > 50

    # Opening it again applies nothing and changes nothing.
    assert pg_migrations.migrate(_connect(url, tmp_path)) == []
    assert schema_of(url) == carried


def _connect(url: str, home: Path) -> Any:
    from camroll.store.postgres import PgConnection

    return PgConnection.connect(url, home)


DRIFTS = {
    "a value left out of the CHECK": (
        "ALTER TABLE photo_edits DROP CONSTRAINT photo_edits_field_check;"
        " ALTER TABLE photo_edits ADD CONSTRAINT photo_edits_field_check"
        " CHECK (field IN ('taken', 'place', 'title', 'description', 'rating', 'rotation'))",
        ["photo_edits's constraints differ", "keywords"],
    ),
    "the CHECK named otherwise": (
        "ALTER TABLE photo_edits DROP CONSTRAINT photo_edits_field_check;"
        " ALTER TABLE photo_edits ADD CONSTRAINT field_allowed"
        " CHECK (field IN ('taken', 'place', 'title', 'description', 'rating', 'keywords', 'rotation'))",
        ["photo_edits's constraints differ", "field_allowed"],
    ),
    "a column made nullable on the way": (
        "ALTER TABLE photo_edits DROP CONSTRAINT photo_edits_field_check;"
        " ALTER TABLE photo_edits ADD CONSTRAINT photo_edits_field_check"
        " CHECK (field IN ('taken', 'place', 'title', 'description', 'rating', 'keywords', 'rotation'));"
        " ALTER TABLE photo_edits ALTER COLUMN before DROP NOT NULL",
        ["photo_edits's columns differ", "before text True", "before text False"],
    ),
    "the foreign key's action changed": (
        "ALTER TABLE photo_edits DROP CONSTRAINT photo_edits_field_check;"
        " ALTER TABLE photo_edits ADD CONSTRAINT photo_edits_field_check"
        " CHECK (field IN ('taken', 'place', 'title', 'description', 'rating', 'keywords', 'rotation'));"
        " ALTER TABLE photo_edits DROP CONSTRAINT photo_edits_photo_id_fkey;"
        " ALTER TABLE photo_edits ADD FOREIGN KEY (photo_id) REFERENCES photos (id) ON DELETE SET NULL",
        ["photo_edits's foreign keys differ", "ON DELETE CASCADE", "ON DELETE SET NULL"],
    ),
    "an index of its own": (
        "ALTER TABLE photo_edits DROP CONSTRAINT photo_edits_field_check;"
        " ALTER TABLE photo_edits ADD CONSTRAINT photo_edits_field_check"
        " CHECK (field IN ('taken', 'place', 'title', 'description', 'rating', 'keywords', 'rotation'));"
        " CREATE INDEX photo_edits_field ON photo_edits (field)",
        ["photo_edits's indexes differ", "photo_edits_field"],
    ),
}


@pytest.mark.parametrize("drift", sorted(DRIFTS))
def test_postgresql_statements_that_drift_from_the_sqlite_migration_are_refused(
    pg_server: PgServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    drift: str,
) -> None:
    written, said = DRIFTS[drift]
    url = pg_server.new_database()
    old_catalog(url, upto=ROTATION - 1)
    real = pg_migrations.pg_statements
    monkeypatch.setattr(pg_migrations, "pg_statements", lambda n: written if n == ROTATION else real(n))
    with pytest.raises(SchemaError) as refused:
        Database.open_url(url, tmp_path / "home")
    message = str(refused.value)
    assert f"migration {ROTATION}'s PostgreSQL statements" in message
    for words in said:
        assert words in message, message
    # The transaction is undone: the catalog stays where it was, its old CHECK in place.
    assert applied(url) == [n for n, _name, _sql in migrations() if n < ROTATION]
    assert "rotation" not in field_check(url)

    # The shipped statements carry the same catalog.
    monkeypatch.setattr(pg_migrations, "pg_statements", real)
    Database.open_url(url, tmp_path / "home").close()
    assert ROTATION in applied(url) and "rotation" in field_check(url)


def test_a_rebuild_without_postgresql_statements_is_refused(
    pg_server: PgServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = pg_server.new_database()
    old_catalog(url, upto=ROTATION - 1)
    monkeypatch.setattr(pg_migrations, "pg_statements", lambda n: None)
    with pytest.raises(SchemaError, match=r"rebuilds photo_edits: write its PostgreSQL statements in 0031_rotation"):
        Database.open_url(url, tmp_path / "home")
    assert max(applied(url)) == ROTATION - 1


def test_migrations_lists_only_sqlite_files_and_each_pg_file_has_one() -> None:
    names = [name for _n, name, _sql in migrations()]
    assert names and not any(name.endswith(".pg.sql") for name in names)
    assert "0031_rotation_edits.sql" in names
    files = [e.name for e in resources.files("camroll.store.migrations").iterdir()]
    pg_files = [f for f in files if f.endswith(".pg.sql")]
    assert "0031_rotation_edits.pg.sql" in pg_files
    for f in pg_files:
        assert f.removesuffix(".pg.sql") + ".sql" in names, f"{f} stands for no SQLite migration"
    statements = pg_migrations.pg_statements(ROTATION)
    assert statements is not None and "photo_edits_field_check" in statements
    assert pg_migrations.pg_statements(ROTATION - 1) is None
    assert pg_migrations.pg_statements(9999) is None
