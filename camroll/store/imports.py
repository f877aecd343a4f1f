"""What imports from cloud exports keep: facts with their source, albums, runs and audits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from camroll.store.db import Connection, Database, Row


def save_fact(
    conn: Connection,
    photo_id: int,
    field: str,
    value: Any,
    source: str,
    applied: bool,
    file_value: Any,
    now: str,
) -> None:
    conn.execute(
        "INSERT INTO import_facts (photo_id, field, value, source, applied, file_value, imported_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (photo_id, field, source) DO UPDATE SET"
        " value = excluded.value, applied = excluded.applied, file_value = excluded.file_value",
        (
            photo_id,
            field,
            json.dumps(value, ensure_ascii=False),
            source,
            int(applied),
            None if file_value is None else json.dumps(file_value, ensure_ascii=False),
            now,
        ),
    )


def add_album(conn: Connection, photo_id: int, service: str, album: str) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO import_albums (photo_id, service, album) VALUES (?, ?, ?)", (photo_id, service, album)
    )


def photo_columns(conn: Connection, photo_id: int) -> Row:
    row: Row | None = conn.execute(
        "SELECT taken_local, offset_minutes, taken_at_source, gps_lat, gps_lon, title, description"
        " FROM photos WHERE id = ?",
        (photo_id,),
    ).fetchone()
    assert row is not None
    return row


def set_taken(conn: Connection, photo_id: int, local: str, offset: int, source: str) -> None:
    conn.execute(
        "UPDATE photos SET taken_local = ?, offset_minutes = ?, taken_at_source = ?, offset_source = ? WHERE id = ?",
        (local, offset, source, source, photo_id),
    )


def set_gps(conn: Connection, photo_id: int, lat: float, lon: float) -> None:
    conn.execute("UPDATE photos SET gps_lat = ?, gps_lon = ? WHERE id = ?", (lat, lon, photo_id))


def set_text(conn: Connection, photo_id: int, column: str, value: str) -> None:
    assert column in ("title", "description")
    conn.execute(f"UPDATE photos SET {column} = ? WHERE id = ?", (value, photo_id))


def facts_of(db: Database, photo_id: int) -> list[dict[str, Any]]:
    """The imported facts of one photo, for "Why camroll knows this"."""
    rows = db.query(
        "SELECT field, value, source, applied, file_value FROM import_facts WHERE photo_id = ? ORDER BY field, source",
        (photo_id,),
    )
    return [
        {
            "field": r["field"],
            "value": json.loads(r["value"]),
            "source": r["source"],
            "applied": bool(r["applied"]),
            "file_value": None if r["file_value"] is None else json.loads(r["file_value"]),
        }
        for r in rows
    ]


def people_of(db: Database, photo_id: int) -> list[str]:
    """Names the service attached to the photo (Takeout ``people[].name``)."""
    rows = db.query("SELECT value FROM import_facts WHERE photo_id = ? AND field = 'people'", (photo_id,))
    names: list[str] = []
    for r in rows:
        names.extend(n for n in json.loads(r["value"]) if n not in names)
    return names


def albums_of(db: Database, photo_id: int) -> list[str]:
    return [
        r["album"] for r in db.query("SELECT album FROM import_albums WHERE photo_id = ? ORDER BY album", (photo_id,))
    ]


def photo_by_hash(conn: Connection, content_hash: str) -> int | None:
    row = conn.execute("SELECT id FROM photos WHERE hash = ?", (content_hash,)).fetchone()
    return None if row is None else int(row[0])


def known_hashes(db: Database) -> set[str]:
    return {r["hash"] for r in db.query("SELECT hash FROM photos")}


def save_run(
    conn: Connection,
    service: str,
    sources: list[str],
    into: str,
    counts: tuple[int, int, int],
    audit: Any,
    now: str,
) -> int:
    cur = conn.execute(
        "INSERT INTO import_runs (service, sources, into_dir, copied, skipped, refused, audit, started_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (service, json.dumps(sources), into, *counts, None if audit is None else json.dumps(audit), now),
    )
    return int(cur.lastrowid or 0)


def latest_audits(db: Database) -> list[dict[str, Any]]:
    """The newest cloud audit of each service, for the report."""
    rows = db.query(
        "SELECT service, audit, started_at FROM import_runs WHERE audit IS NOT NULL AND id IN"
        " (SELECT MAX(id) FROM import_runs WHERE audit IS NOT NULL GROUP BY service) ORDER BY service"
    )
    return [{"service": r["service"], "at": r["started_at"], **json.loads(r["audit"])} for r in rows]


def named_faces(db: Database) -> Iterator[tuple[str, int, int | None, str]]:
    """(name, photo id, person id or None, the fact's source) for every name an export gave a photo (the
    ``people`` facts: Takeout's ``people[].name``, Apple's named regions), once per person found
    in that photo (None: nobody camroll knows is in it). Streamed, photo by photo: a few rows per
    named photo. (The fact is a JSON list of names, read here rather than with SQLite's
    ``json_each``, which PostgreSQL does not have.)"""
    rows = db.conn.execute(
        "SELECT i.value, i.photo_id, p.id, i.source FROM import_facts i"
        " LEFT JOIN faces f ON f.photo_id = i.photo_id AND f.person_id IS NOT NULL"
        " LEFT JOIN people p ON p.id = f.person_id AND p.ignored = 0"
        " WHERE i.field = 'people' ORDER BY i.photo_id, p.id"
    )
    current: int | None = None
    seen: set[tuple[str, int | None, str]] = set()
    for value, photo_id, person_id, source in rows:
        if photo_id != current:
            current, seen = photo_id, set()
        try:
            names = json.loads(value)
        except (TypeError, ValueError):
            continue
        for name in names if isinstance(names, list) else ():
            if isinstance(name, str) and (name, person_id, source) not in seen:
                seen.add((name, person_id, source))
                yield name, int(photo_id), None if person_id is None else int(person_id), str(source)


def applied_facts(conn: Connection, photo_id: int) -> dict[str, tuple[Any, str]]:
    """field -> (value, source) of the export's facts that filled the photo's own fields."""
    rows = conn.execute(
        "SELECT field, value, source FROM import_facts WHERE photo_id = ? AND applied = 1 ORDER BY source",
        (photo_id,),
    ).fetchall()
    return {r[0]: (json.loads(r[1]), r[2]) for r in rows}
