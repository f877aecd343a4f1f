"""What search reads: the words a library can name, the filters as a WHERE fragment on
``photos p``, and each way a term can match (tags, text, flags, smiles, birthdays).

Search keeps no index of its own: every query reads the capabilities' tables, so revoking one
removes, with its rows, every way to find a photo through it (see ``search/engine.py``). A
:class:`Where` always holds "live photos only" (:func:`camroll.store.files.live_photo`).

Dialect: ``IS ?`` as a null-safe equality (PostgreSQL: ``IS NOT DISTINCT FROM``), ``substr`` on the
ISO local time for month-day ranges (PostgreSQL has ``substr``; with a timestamp column it would
be ``to_char``), ``LIKE`` (case-insensitive for ASCII in SQLite, case-sensitive in PostgreSQL:
``ILIKE`` there).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from camroll.store.db import Database, Row
from camroll.store.files import first_live_path, live_photo
from camroll.store.live_photos import not_live_clip


@dataclass
class Where:
    """A WHERE fragment on ``photos p`` and its parameters: the query's filters, and live files only."""

    sql: str
    params: list[Any]


def _marks(n: int) -> str:
    return ",".join("?" * n)


# --- the words a library can name --------------------------------------------------------------


def distinct_tags(db: Database) -> list[str]:
    """Every tag some photo has."""
    return [str(r[0]) for r in db.query("SELECT DISTINCT tag FROM tags")]


def named_people(db: Database, with_birthday: bool = False) -> list[Row]:
    """id, name, birthday of the people with a name who are not ignored (with a birthday only, if
    asked)."""
    extra = " AND birthday IS NOT NULL" if with_birthday else ""
    return db.query(f"SELECT id, name, birthday FROM people WHERE name IS NOT NULL{extra} AND ignored = 0")


def distinct_cameras(db: Database) -> list[tuple[str | None, str | None]]:
    """Every (make, model) pair some photo was taken with."""
    return [
        (r[0], r[1])
        for r in db.query("SELECT DISTINCT make, model FROM photos WHERE make IS NOT NULL OR model IS NOT NULL")
    ]


# --- filters -----------------------------------------------------------------------------------


def taken_in(first: str, end: str, column: str = "taken_local") -> tuple[str, list[str]]:
    """A WHERE fragment true for ISO local times from the day ``first`` up to, not including,
    the day ``end``."""
    return f"({column} >= ? AND {column} < ?)", [first, end]


def taken_on_days(first: str, last: str, column: str = "taken_local") -> tuple[str, list[str]]:
    """A WHERE fragment true for local times whose month-day (``MM-DD``) is in [first, last] of any
    year; a range that wraps the new year (``12-01`` to ``02-28``) is two halves."""
    md = f"substr({column}, 6, 5)"
    if first <= last:
        return f"({md} BETWEEN ? AND ?)", [first, last]
    return f"({md} >= ? OR {md} <= ?)", [first, last]


def filters(
    people: list[list[int]],
    places: list[tuple[str, str]],
    dates: list[tuple[str, list[str]]],
    cameras: list[tuple[str | None, str | None]],
) -> Where:
    """Live photos passing every filter: for each name said, a face of one of the people it may
    be; one of the places (column, value) with column one of city/region/country; one of the
    date fragments (from :func:`taken_in` / :func:`taken_on_days` on ``p.taken_local``); one of
    the (make, model) cameras."""
    conds: list[str] = [live_photo(), not_live_clip()]
    params: list[Any] = []
    for ids in people:
        conds.append(f"p.id IN (SELECT photo_id FROM faces WHERE person_id IN ({_marks(len(ids))}))")
        params += ids
    if places:
        ors = []
        for column, value in places:
            if column not in ("city", "region", "country"):
                raise ValueError(f"not a place column: {column!r}")
            ors.append(f"pp.{column} = ?")
            params.append(value)
        conds.append(f"p.id IN (SELECT photo_id FROM photo_places pp WHERE {' OR '.join(ors)})")
    if dates:
        conds.append(f"({' OR '.join(sql for sql, _ in dates)})")
        params += [v for _, values in dates for v in values]
    if cameras:
        conds.append(f"({' OR '.join('(p.make IS ? AND p.model IS ?)' for _ in cameras)})")
        params += [v for camera in cameras for v in camera]
    return Where(" AND ".join(conds), params)


def filtered_newest_first(db: Database, where: Where, limit: int) -> list[int]:
    """Ids of the first ``limit`` photos passing ``where``, newest first, photos taken at the same
    moment by id, the last catalogued first, so the order is the same on every engine and every
    call (read in index order where an index covers the filter: ``photos_taken``, ``photos_camera``;
    an index holds the rowid after its key)."""
    rows = db.query(
        f"SELECT p.id FROM photos p WHERE {where.sql} ORDER BY p.taken_local DESC, p.id DESC LIMIT ?",
        [*where.params, limit],
    )
    return [int(r[0]) for r in rows]


def filtered_count(db: Database, where: Where) -> int:
    """How many photos pass ``where``."""
    return int(db.scalar(f"SELECT count(*) FROM photos p WHERE {where.sql}", where.params))


# --- what a term can match; each row starts with the photo id and ends with its local time -----


def _rows(db: Database, sql: str, params: list[Any], where: Where) -> list[Row]:
    return db.query(f"{sql} AND {where.sql}", [*params, *where.params])


def tag_rows(db: Database, tags: list[str], where: Where) -> list[Row]:
    """(photo id, tag, score, taken_local) for each of ``tags`` on a photo passing ``where``."""
    return _rows(
        db,
        "SELECT t.photo_id, t.tag, t.score, p.taken_local FROM tags t"
        f" JOIN photos p ON p.id = t.photo_id WHERE t.tag IN ({_marks(len(tags))})",
        list(tags),
        where,
    )


def flagged_text_rows(db: Database, where: Where) -> list[Row]:
    """(photo id, flags JSON, taken_local) of the photos with flagged text."""
    return _rows(
        db,
        "SELECT x.photo_id, x.flags, p.taken_local FROM texts x CROSS JOIN photos p ON p.id = x.photo_id"
        " WHERE x.flags != '[]'",
        [],
        where,
    )


def smiling_face_rows(db: Database, where: Where) -> list[Row]:
    """(photo id, the expression scores JSON, taken_local), once per smiling face."""
    return _rows(
        db,
        "SELECT e.photo_id, e.scores, p.taken_local FROM expressions e JOIN photos p ON p.id = e.photo_id"
        " WHERE e.smiling = 1",
        [],
        where,
    )


def taken_on_day_rows(db: Database, month_day: str, where: Where) -> list[Row]:
    """(photo id, taken_local) of the photos taken on this ``MM-DD``, any year."""
    return _rows(
        db, "SELECT p.id, p.taken_local FROM photos p WHERE substr(p.taken_local, 6, 5) = ?", [month_day], where
    )


def text_like_rows(db: Database, like: str, where: Where) -> list[Row]:
    """(photo id, text read in it, taken_local) where that text is LIKE ``like``. CROSS JOIN keeps
    SQLite reading the texts first (one photo in several has any): left to itself it walked every
    photo and its files before looking at a text, 1.3 s at 200,000 photos against 0.1 s."""
    return _rows(
        db,
        "SELECT x.photo_id, x.text, p.taken_local FROM texts x CROSS JOIN photos p ON p.id = x.photo_id"
        " WHERE x.text LIKE ?",
        [like],
        where,
    )


def caption_like_rows(db: Database, like: str, where: Where) -> list[Row]:
    """(photo id, title, description, keywords JSON, taken_local) where one of them is LIKE ``like``."""
    return _rows(
        db,
        "SELECT p.id, p.title, p.description, p.keywords, p.taken_local FROM photos p"
        " WHERE (p.title LIKE ? OR p.description LIKE ? OR p.keywords LIKE ?)",
        [like, like, like],
        where,
    )


def hit_rows(db: Database, ids: list[int]) -> list[Row]:
    """What a result shows of each photo: id, taken_local, offset_minutes, make, model, city,
    region, country, tz_offset_minutes and the path of its first live file (NULL if none)."""
    return db.query(
        "SELECT p.id, p.taken_local, p.offset_minutes, p.make, p.model, pp.city, pp.region, pp.country,"
        f" pp.tz_offset_minutes, {first_live_path('p.id')} AS path"
        f" FROM photos p LEFT JOIN photo_places pp ON pp.photo_id = p.id WHERE p.id IN ({_marks(len(ids))})",
        ids,
    )


# --- what forgiving search reads (issue 15) ----------------------------------------------------


def photo_text_batches(db: Database, batch: int = 2_000) -> Iterator[list[str]]:
    """The words read from photos (OCR text, titles, captions, keywords JSON), a batch of live and
    gone photos' texts at a time, in photo id order: a 200,000-photo library is read in pages of
    ``batch`` rows (keyset pagination), never all at once."""
    for sql in (
        "SELECT photo_id, text FROM texts WHERE photo_id > ? AND text != '' ORDER BY photo_id LIMIT ?",
        "SELECT id, coalesce(title, '') || ' ' || coalesce(description, '') || ' ' || keywords FROM photos"
        " WHERE id > ? AND (title IS NOT NULL OR description IS NOT NULL OR keywords != '[]') ORDER BY id LIMIT ?",
    ):
        after = 0
        while True:
            rows = db.query(sql, [after, batch])
            if not rows:
                break
            after = int(rows[-1][0])
            yield [str(r[1]) for r in rows]


def photo_text_fingerprint(db: Database) -> str:
    """Changes whenever a text read from a photo, or a title, caption or keywords, is added, changed
    or deleted (rows, last id and total length of each): what a cache of their words is keyed by."""
    return str(
        db.scalar(
            "SELECT (SELECT count(*) || ':' || coalesce(max(photo_id), 0) || ':' || total(length(text)) FROM texts)"
            " || '/' || (SELECT count(*) || ':' || coalesce(max(id), 0) || ':' || total(length(coalesce(title, ''))"
            " + length(coalesce(description, '')) + length(keywords)) FROM photos)"
        )
    )


def expression_face_rows(db: Database, labels: list[str], where: Where) -> list[Row]:
    """(photo id, label, score, scores, taken_local) once per face whose stored expression is one
    of ``labels`` (which may include the label stored for "no clear expression"; ``scores`` is
    every class's probability, as JSON)."""
    return _rows(
        db,
        "SELECT e.photo_id, e.label, e.score, e.scores, p.taken_local FROM expressions e"
        f" JOIN photos p ON p.id = e.photo_id WHERE e.label IN ({_marks(len(labels))})",
        list(labels),
        where,
    )


def latest_taken(db: Database, condition: tuple[str, list[str]], before: str, where: Where) -> str | None:
    """The latest local time before ``before`` (ISO) of a photo passing ``where`` and ``condition``
    (a fragment on ``p.taken_local`` from :func:`taken_on_days`), or None."""
    sql, params = condition
    found = db.scalar(
        f"SELECT max(p.taken_local) FROM photos p WHERE p.taken_local < ? AND {sql} AND {where.sql}",
        [before, *params, *where.params],
    )
    return str(found) if found else None


def sun_rows(db: Database, where: Where) -> list[Row]:
    """(photo id, taken_local, UTC offset in minutes, latitude, longitude, taken_local) of the photos
    with a place on Earth and a local time; the offset is the file's own, else the place's time zone's."""
    return _rows(
        db,
        "SELECT p.id, p.taken_local, coalesce(p.offset_minutes, pp.tz_offset_minutes) AS offset_minutes,"
        " p.gps_lat, p.gps_lon, p.taken_local FROM photos p LEFT JOIN photo_places pp ON pp.photo_id = p.id"
        " WHERE p.gps_lat IS NOT NULL AND p.gps_lon IS NOT NULL AND p.taken_local IS NOT NULL",
        [],
        where,
    )


def local_hour_rows(db: Database, hours: list[int], where: Where) -> list[Row]:
    """(photo id, taken_local) of the photos taken at one of these local hours (0-23)."""
    return _rows(
        db,
        "SELECT p.id, p.taken_local FROM photos p WHERE p.taken_local IS NOT NULL"
        f" AND CAST(substr(p.taken_local, 12, 2) AS INTEGER) IN ({_marks(len(hours))})",
        list(hours),
        where,
    )


def front_camera_face_rows(db: Database, where: Where) -> list[Row]:
    """(photo id, face width, face height, photo width, photo height, lens, taken_local) of each face
    in a photo whose lens the camera named a front one (EXIF LensModel "... front camera ...")."""
    return _rows(
        db,
        "SELECT f.photo_id, f.w, f.h, p.width, p.height, p.lens, p.taken_local FROM faces f"
        " JOIN photos p ON p.id = f.photo_id WHERE p.lens LIKE '%front%'",
        [],
        where,
    )
