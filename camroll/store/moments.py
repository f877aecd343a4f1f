"""What the moments read: the timeline's photos (live, with a trusted time and the place the
*places* capability named), who is in them, a photo's merits as a cover or a pick (quality,
nudity, near-duplicate group, faces and smiles), and the home a person set.

Dialect: plain SQL (``coalesce``, ``CASE``, ``LEFT JOIN``, ``IN (?, ...)``, ``EXISTS``);
:func:`set_home` uses ``INSERT ... ON CONFLICT (...) DO UPDATE``, shared by SQLite (3.24+) and
PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from camroll.store.curation import not_archived
from camroll.store.db import Database, Row
from camroll.store.files import live_photo
from camroll.store.live_photos import not_live_clip


def _marks(n: int) -> str:
    return ",".join("?" * n)


def merits(db: Database, photo_ids: list[int]) -> list[Row]:
    """id, taken ('' when undated), kind, quality score (NULL if not measured), explicit (0 if not
    analysed), near-duplicate group_id and best_id (NULL if none) of each known photo of
    ``photo_ids`` (keep the list to a few hundred ids: one parameter each)."""
    return db.query(
        "SELECT p.id, COALESCE(p.taken_local, '') AS taken, p.kind, q.score, COALESCE(s.explicit, 0) AS explicit,"
        " d.group_id, d.best_id FROM photos p LEFT JOIN quality q ON q.photo_id = p.id"
        " LEFT JOIN sensitive s ON s.photo_id = p.id LEFT JOIN near_duplicates d ON d.photo_id = p.id"
        f" WHERE p.id IN ({_marks(len(photo_ids))})",
        photo_ids,
    )


def faces_not_ignored(db: Database, photo_ids: list[int]) -> list[Row]:
    """photo_id, person_id (NULL if on nobody) and smiling (NULL if not read) of each face in
    ``photo_ids`` that is not on a person marked ignored."""
    return db.query(
        "SELECT f.photo_id, f.person_id, e.smiling FROM faces f LEFT JOIN expressions e ON e.face_id = f.id"
        " LEFT JOIN people pe ON pe.id = f.person_id"
        f" WHERE f.photo_id IN ({_marks(len(photo_ids))}) AND COALESCE(pe.ignored, 0) = 0",
        photo_ids,
    )


def timeline(db: Database, untrusted_sources: Sequence[str], first: str, last: str) -> list[Row]:
    """The live photos moments are made of: dated, the source of their date not one of
    ``untrusted_sources``, taken between ``first`` and ``last`` (ISO, inclusive). Each row: id,
    hash, kind, taken_local, offset (the photo's own, else its place's time zone's), lat and lon
    (NULL unless the *places* capability named the photo's place), city, region, country, town
    (the place a person would name; the city for places named before towns were known)."""
    return db.query(
        "SELECT p.id, p.hash, p.kind, p.taken_local, COALESCE(p.offset_minutes, pp.tz_offset_minutes) AS offset,"
        " CASE WHEN pp.photo_id IS NULL THEN NULL ELSE p.gps_lat END AS lat,"
        " CASE WHEN pp.photo_id IS NULL THEN NULL ELSE p.gps_lon END AS lon,"
        " pp.city, pp.region, pp.country, COALESCE(pp.town, pp.city) AS town"
        " FROM photos p LEFT JOIN photo_places pp ON pp.photo_id = p.id"
        " WHERE p.taken_local IS NOT NULL"
        f" AND COALESCE(p.taken_at_source, '') NOT IN ({_marks(len(untrusted_sources))})"
        f" AND p.taken_local >= ? AND p.taken_local <= ? AND {live_photo()} AND {not_archived()} AND {not_live_clip()}",
        (*untrusted_sources, first, last),
    )


def _located_where(placed_only: bool, n_untrusted: int) -> str:
    return (
        f"{'JOIN' if placed_only else 'LEFT JOIN'} photo_places pp ON pp.photo_id = p.id"
        " WHERE p.gps_lat IS NOT NULL AND p.gps_lon IS NOT NULL AND p.taken_local IS NOT NULL"
        f" AND COALESCE(p.taken_at_source, '') NOT IN ({_marks(n_untrusted)})"
        f" AND p.taken_local >= ? AND p.taken_local <= ? AND {live_photo()} AND {not_live_clip()}"
    )


def located_count(db: Database, placed_only: bool, untrusted_sources: Sequence[str], first: str, last: str) -> int:
    """How many rows :func:`located_batches` yields with the same arguments."""
    where = _located_where(placed_only, len(untrusted_sources))
    return int(db.scalar(f"SELECT count(*) FROM photos p {where}", (*untrusted_sources, first, last)))


def located_batches(
    db: Database, placed_only: bool, untrusted_sources: Sequence[str], first: str, last: str, size: int
) -> Iterator[list[Row]]:
    """The live located photos with a trusted time (as :func:`timeline`), ``size`` rows at a time
    from one cursor (a whole library is never held): lat, lon, taken_local, town and country (NULL
    unless the *places* capability named the place). ``placed_only``: only photos whose place the
    *places* capability named (what moments may use); otherwise every photo with GPS (what any
    service reading the files' metadata learns, as the exposure report shows it)."""
    where = _located_where(placed_only, len(untrusted_sources))
    cursor = db.stream(
        f"SELECT p.gps_lat AS lat, p.gps_lon AS lon, p.taken_local, COALESCE(pp.town, pp.city) AS town, pp.country"
        f" FROM photos p {where}",
        (*untrusted_sources, first, last),
    )
    try:
        while batch := cursor.fetchmany(size):
            yield batch
    finally:
        cursor.close()


def people_per_photo(db: Database) -> list[Row]:
    """photo_id, person_id, n (faces of that person in it) for every person not ignored, by
    photo, then most faces first, then person id."""
    return db.query(
        "SELECT f.photo_id, f.person_id, COUNT(*) AS n FROM faces f JOIN people pe ON pe.id = f.person_id"
        " WHERE pe.ignored = 0 GROUP BY f.photo_id, f.person_id ORDER BY f.photo_id, n DESC, f.person_id"
    )


def home(db: Database) -> Row | None:
    """The home a person set (lat, lon, name, source), or None."""
    rows = db.query("SELECT lat, lon, name, source FROM home_place WHERE id = 1")
    return rows[0] if rows else None


def set_home(db: Database, lat: float, lon: float, name: str | None, now: str) -> None:
    """Store the home a person set, replacing any earlier one (one transaction)."""
    with db.transaction() as conn:
        conn.execute(
            "INSERT INTO home_place (id, lat, lon, name, source, updated_at) VALUES (1, ?, ?, ?, 'user', ?)"
            " ON CONFLICT (id) DO UPDATE SET lat = excluded.lat, lon = excluded.lon, name = excluded.name,"
            " source = 'user', updated_at = excluded.updated_at",
            (lat, lon, name, now),
        )


def clear_home(db: Database) -> bool:
    """Forget the home a person set; True if there was one."""
    with db.transaction() as conn:
        return conn.execute("DELETE FROM home_place WHERE id = 1").rowcount > 0
