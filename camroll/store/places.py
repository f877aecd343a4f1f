"""The ``photo_places`` table (owned by the *places* capability) and the located live photos the
places page groups on a map.

Dialect: plain SQL (``avg``, ``coalesce``, ``NOT EXISTS``); :func:`insert_new` uses
``INSERT ... ON CONFLICT (...) DO NOTHING``, shared by SQLite (3.24+) and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence

from camroll.store.db import Database, Row
from camroll.store.files import first_live_path, live_photo
from camroll.store.live_photos import not_live_clip


def named_groups(db: Database) -> list[tuple[str | None, str | None, float, float, int, int]]:
    """Live located photos with a named place, by (town, country): (town, country, mean lat, mean
    lon, photo count, highest photo id), largest first (ties by name, so both engines list alike). The town is the place a person names
    (Berlin), where GeoNames' nearest entry may be a district (Steglitz); the city where no town
    was found."""
    rows = db.query(
        "SELECT coalesce(pp.town, pp.city) AS town, pp.country, avg(p.gps_lat), avg(p.gps_lon), count(*), max(p.id)"
        f" FROM photos p JOIN photo_places pp ON pp.photo_id = p.id WHERE p.gps_lat IS NOT NULL AND {live_photo()} AND {not_live_clip()}"
        " GROUP BY coalesce(pp.town, pp.city), pp.country ORDER BY count(*) DESC, coalesce(pp.town, pp.city), pp.country"
    )
    return [(r[0], r[1], float(r[2]), float(r[3]), int(r[4]), int(r[5])) for r in rows]


def unnamed_positions(db: Database) -> list[tuple[float, float, int]]:
    """(lat, lon, photo id) of the live located photos without a named place."""
    rows = db.query(
        f"SELECT p.gps_lat, p.gps_lon, p.id FROM photos p WHERE p.gps_lat IS NOT NULL AND {live_photo()} AND {not_live_clip()}"
        " AND NOT EXISTS (SELECT 1 FROM photo_places pp WHERE pp.photo_id = p.id)"
    )
    return [(float(r[0]), float(r[1]), int(r[2])) for r in rows]


def unnamed_in_box(db: Database, lat: tuple[float, float], lon: tuple[float, float]) -> list[int]:
    """Ids of the live photos without a named place whose position is in [lat0, lat1) x [lon0,
    lon1), newest first."""
    rows = db.query(
        f"SELECT p.id FROM photos p WHERE {live_photo()} AND {not_live_clip()} AND p.gps_lat >= ? AND p.gps_lat < ? AND p.gps_lon >= ?"
        " AND p.gps_lon < ? AND NOT EXISTS (SELECT 1 FROM photo_places pp WHERE pp.photo_id = p.id)"
        " ORDER BY p.taken_local DESC",
        (lat[0], lat[1], lon[0], lon[1]),
    )
    return [int(r[0]) for r in rows]


def named_photos(db: Database, city: str, country: str) -> list[int]:
    """Ids of the live photos whose place is this town (or city, as :func:`named_groups` groups
    them) and country ('' for an unnamed part), newest first."""
    rows = db.query(
        f"SELECT p.id FROM photos p JOIN photo_places pp ON pp.photo_id = p.id WHERE {live_photo()} AND {not_live_clip()}"
        " AND coalesce(pp.town, pp.city, '') = ? AND coalesce(pp.country, '') = ? ORDER BY p.taken_local DESC",
        (city, country),
    )
    return [int(r[0]) for r in rows]


def photo_place(db: Database, photo_id: int) -> Row | None:
    """Every column of a photo's place, or None when it has none."""
    row: Row | None = db.conn.execute("SELECT * FROM photo_places WHERE photo_id = ?", (photo_id,)).fetchone()
    return row


def distinct_names(db: Database) -> list[tuple[str | None, str | None, str | None]]:
    """Every (city, region, country) some photo was placed in."""
    return [(r[0], r[1], r[2]) for r in db.query("SELECT DISTINCT city, region, country FROM photo_places")]


def named_before(db: Database, cutoff: str) -> list[int]:
    """Photos whose place was named before ``cutoff`` (ISO time)."""
    return [int(r[0]) for r in db.query("SELECT photo_id FROM photo_places WHERE updated_at < ?", (cutoff,))]


def oldest_named(db: Database) -> str | None:
    """When the oldest place name still held was given (ISO), or None."""
    found = db.scalar("SELECT min(updated_at) FROM photo_places")
    return None if found is None else str(found)


def located_in_town(db: Database, city: str, country: str) -> list[Row]:
    """gps_lat, gps_lon, city (the town's name when the name given is the town's), country of
    every located photo placed in a town (or a neighbourhood entry) called ``city`` (any case) and,
    unless ``country`` is '', in that country (its name or its code, any case)."""
    return db.query(
        "SELECT p.gps_lat, p.gps_lon, CASE WHEN lower(pp.city) = lower(?) THEN pp.city ELSE pp.town END AS city,"
        " pp.country FROM photo_places pp JOIN photos p ON p.id = pp.photo_id"
        " WHERE (lower(pp.city) = lower(?) OR lower(pp.town) = lower(?)) AND (? = '' OR lower(pp.country) = lower(?) OR lower(pp.country_code) = lower(?))"
        " AND p.gps_lat IS NOT NULL",
        (city, city, city, country, country, country),
    )


def unplaced(db: Database) -> list[tuple[int, float, float, str | None, str | None]]:
    """(id, lat, lon, taken_local, path of its first live file or None) of every photo with GPS
    whose place is not named yet (the path is what the *places* consent is checked against)."""
    rows = db.query(
        f"SELECT p.id, p.gps_lat, p.gps_lon, p.taken_local, {first_live_path('p.id')} FROM photos p"
        " LEFT JOIN photo_places pp ON pp.photo_id = p.id WHERE p.gps_lat IS NOT NULL AND pp.photo_id IS NULL"
    )
    return [(int(r[0]), float(r[1]), float(r[2]), r[3], r[4]) for r in rows]


def insert_new(db: Database, rows: Sequence[tuple[object, ...]]) -> None:
    """Name places in one transaction: each row is (photo_id, city, region, country, country_code,
    distance_km, time_zone, tz_offset_minutes, source, updated_at, town); a photo already placed
    keeps its place."""
    with db.transaction() as conn:
        conn.executemany(
            "INSERT INTO photo_places (photo_id, city, region, country, country_code, distance_km,"
            " time_zone, tz_offset_minutes, source, updated_at, town) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (photo_id) DO NOTHING",
            rows,
        )


def without_town(db: Database) -> list[tuple[int, float, float]]:
    """(photo_id, lat, lon) of the placed photos with a city but no town yet (named before the
    town column existed)."""
    rows = db.query(
        "SELECT pp.photo_id, p.gps_lat, p.gps_lon FROM photo_places pp JOIN photos p ON p.id = pp.photo_id"
        " WHERE pp.town IS NULL AND pp.city IS NOT NULL AND p.gps_lat IS NOT NULL AND p.gps_lon IS NOT NULL"
    )
    return [(int(r[0]), float(r[1]), float(r[2])) for r in rows]


def set_towns(db: Database, rows: Sequence[tuple[str, int]]) -> None:
    """Fill in towns in one transaction: each row is (town, photo_id)."""
    with db.transaction() as conn:
        conn.executemany("UPDATE photo_places SET town = ? WHERE photo_id = ?", rows)
