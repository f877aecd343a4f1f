"""Reading the catalog: one record per file, and the overview a person reads after a scan.

The record's keys are a contract (``camroll photos --json``): path, hash, taken_at,
taken_at_source, taken_at_implausible (why the capture time cannot be right, e.g. "before
1826-01-01, the first photograph", or null; such photos make no moments), gps, camera,
orientation, width, height, place, errors; and, from the vision
capabilities, faces (a count), expressions, tags, text, sensitive, duplicate_of. New keys may be
added; none of these may change meaning. ``motion`` is a still's clip ({kind, duration_s}) and
``clip_of`` the path of the still whose Live Photo clip this MOV is (it is no item of its own).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from camroll import thresholds
from camroll.config import AppContext
from camroll.store import curation, live_photos
from camroll.timefmt import format_offset, implausible_date, plausible_range

_RECORD_SQL = """
SELECT f.id AS file_id, f.path, f.size AS file_size, f.state, f.errors AS file_errors,
       p.*, pp.city, pp.region, pp.country, pp.time_zone, pp.tz_offset_minutes,
       (SELECT d.path FROM files d WHERE d.photo_id = f.photo_id AND d.state != 'missing'
          AND d.id < f.id ORDER BY d.id LIMIT 1) AS exact_copy_of,
       (SELECT d.path FROM files d WHERE d.photo_id = nd.best_id AND d.state != 'missing'
          ORDER BY d.id LIMIT 1) AS near_duplicate_of, nd.distance AS near_distance
FROM files f
LEFT JOIN photos p ON p.id = f.photo_id
LEFT JOIN photo_places pp ON pp.photo_id = p.id
LEFT JOIN near_duplicates nd ON nd.photo_id = p.id AND nd.best_id != p.id
WHERE f.state != 'missing' {where}
ORDER BY coalesce(p.taken_local, '9999'), f.path
"""


def photo_records(ctx: AppContext, where: str = "", params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """Every record at once: for tests and small selections. The CLI streams
    :func:`iter_photo_records` instead."""
    return list(iter_photo_records(ctx, where, params))


def iter_photo_records(ctx: AppContext, where: str = "", params: tuple[Any, ...] = ()) -> Iterator[dict[str, Any]]:
    """The records one page at a time, in the order of :data:`_RECORD_SQL`: the rows come from
    one cursor, and what the vision capabilities derived is asked for each page's photos only, so
    memory does not grow with the library (SQLite sorts within its own cache, spilling to a
    temporary file)."""
    cursor = ctx.db.stream(_RECORD_SQL.format(where=where), params)
    while rows := cursor.fetchmany(thresholds.CATALOG_RECORDS_PAGE):
        vision = _vision(ctx, sorted({int(r["id"]) for r in rows if r["id"] is not None}))
        ids = sorted({int(r["id"]) for r in rows if r["id"] is not None})
        motion = live_photos.motion_of(ctx.db, ids)
        clip_of = live_photos.stills_of(ctx.db, ids)
        flags = curation.flags_of(ctx.db, ids)
        for r in rows:
            flag = flags.get(r["id"], {})
            yield (
                _record(dict(r))
                | (vision.get(r["id"]) or _no_vision())
                | {
                    "motion": motion.get(r["id"]),
                    "clip_of": clip_of.get(r["id"]),
                    "favourite": flag.get("favourite", False),
                    "archived": flag.get("archived", False),
                }
            )


def _no_vision() -> dict[str, Any]:
    """A photo's vision keys before any analysis (a new dict each time: records are mutable)."""
    return {"faces": 0, "people": [], "expressions": [], "tags": [], "text": None, "sensitive": None, "found_at": None}


def _vision(ctx: AppContext, photo_ids: list[int]) -> dict[int, dict[str, Any]]:
    """What the vision capabilities derived for these photos (only what consent allowed exists)."""
    out: dict[int, dict[str, Any]] = {}
    if not photo_ids:
        return out
    ids = f"({','.join('?' * len(photo_ids))})"
    db, args = ctx.db, tuple(photo_ids)

    def entry(photo_id: int) -> dict[str, Any]:
        return out.setdefault(photo_id, _no_vision())

    for photo_id, n in db.query(
        f"SELECT photo_id, count(*) FROM faces WHERE photo_id IN {ids} GROUP BY photo_id", args
    ):
        entry(photo_id)["faces"] = n
    for photo_id, person_id, name in db.query(
        "SELECT DISTINCT f.photo_id, p.id, p.name FROM faces f JOIN people p ON p.id = f.person_id"
        f" WHERE p.ignored = 0 AND f.photo_id IN {ids}",
        args,
    ):
        entry(photo_id)["people"].append({"id": person_id, "name": name})
    for photo_id, names, source in db.query(  # names a cloud export attached to the photo (issue 13)
        f"SELECT photo_id, value, source FROM import_facts WHERE field = 'people' AND photo_id IN {ids}", args
    ):
        for name in json.loads(names):
            if all(p["name"] != name for p in entry(photo_id)["people"]):
                entry(photo_id)["people"].append({"id": None, "name": name, "source": source})
    for photo_id, face_id, label, score, smiling in db.query(
        f"SELECT photo_id, face_id, label, score, smiling FROM expressions WHERE photo_id IN {ids} ORDER BY face_id",
        args,
    ):
        entry(photo_id)["expressions"].append(
            {"face_id": face_id, "label": label, "score": round(score, 3), "smiling": bool(smiling)}
        )
    for photo_id, tag, score in db.query(
        f"SELECT photo_id, tag, score FROM tags WHERE photo_id IN {ids} ORDER BY photo_id, score DESC", args
    ):
        entry(photo_id)["tags"].append({"tag": tag, "score": round(score, 3)})
    for photo_id, text, flags, lines in db.query(
        f"SELECT photo_id, text, flags, lines FROM texts WHERE photo_id IN {ids}", args
    ):
        entry(photo_id)["text"] = {"text": text, "flags": json.loads(flags)}
        timed = [{"text": line["text"], "at_s": line["at_s"]} for line in json.loads(lines) if "at_s" in line]
        if timed:
            _found(entry(photo_id))["text"] = timed
    for photo_id, face_id, person_id, at_s in db.query(  # a video's faces, tags and text: when (issue 13)
        f"SELECT photo_id, id, person_id, at_s FROM faces WHERE at_s IS NOT NULL AND photo_id IN {ids} ORDER BY at_s",
        args,
    ):
        _found(entry(photo_id))["faces"].append({"face_id": face_id, "person_id": person_id, "at_s": at_s})
    for photo_id, tag, at_s in db.query(
        f"SELECT photo_id, tag, at_s FROM tags WHERE at_s IS NOT NULL AND photo_id IN {ids}", args
    ):
        _found(entry(photo_id))["tags"][tag] = at_s
    for photo_id, explicit, score in db.query(
        f"SELECT photo_id, explicit, score FROM sensitive WHERE photo_id IN {ids}", args
    ):
        entry(photo_id)["sensitive"] = {"explicit": bool(explicit), "score": round(score, 3)}
    return out


def _found(entry: dict[str, Any]) -> dict[str, Any]:
    """A video's ``found_at``: when (seconds from its start) each face, tag and line of text was
    seen; None for a photo."""
    if entry["found_at"] is None:
        entry["found_at"] = {"faces": [], "tags": {}, "text": []}
    found: dict[str, Any] = entry["found_at"]
    return found


def _record(r: dict[str, Any]) -> dict[str, Any]:
    has_photo = r["id"] is not None
    offset, offset_source = r["offset_minutes"], r["offset_source"]
    if offset is None and r["tz_offset_minutes"] is not None:
        offset, offset_source = r["tz_offset_minutes"], "places:time_zone"
    taken_at = None
    if r["taken_local"]:
        taken_at = r["taken_local"] + (format_offset(offset) if offset is not None else "")
    errors = json.loads(r["file_errors"]) + (json.loads(r["errors"]) if has_photo else [])
    return {
        "id": r["id"],
        "path": r["path"],
        "hash": r["hash"],
        "format": r["format"],
        "kind": r["kind"],
        "size": r["file_size"],
        "taken_at": taken_at,
        "taken_at_source": r["taken_local"] and r["taken_at_source"],
        "taken_at_implausible": implausible_date(r["taken_local"]),
        "offset_source": offset_source if taken_at and offset is not None else None,
        "time_zone": r["time_zone"],
        "gps": {"lat": r["gps_lat"], "lon": r["gps_lon"], "alt": r["gps_alt"]} if r["gps_lat"] is not None else None,
        "camera": {"make": r["make"], "model": r["model"]},
        "lens": r["lens"],
        "serial": r["serial"],
        "orientation": r["orientation"] if has_photo else None,
        "width": r["width"],
        "height": r["height"],
        "place": {"city": r["city"], "region": r["region"], "country": r["country"]}
        if r["city"] or r["country"]
        else None,
        "title": r["title"],
        "description": r["description"],
        "keywords": json.loads(r["keywords"]) if has_photo else [],
        "rating": r["rating"],
        "people_regions": json.loads(r["regions"]) if has_photo else [],
        "duration": r["duration"],
        "duplicate_of": r["exact_copy_of"] or r["near_duplicate_of"],
        "duplicate_kind": "exact" if r["exact_copy_of"] else ("near" if r["near_duplicate_of"] else None),
        "state": r["state"],
        "errors": errors,
    }


def camera_name(make: str | None, model: str | None) -> str:
    """'Canon' + 'Canon EOS 6D' -> 'Canon EOS 6D'; 'NIKON CORPORATION' + 'NIKON D800E' -> 'NIKON D800E'."""
    if not make or not model:
        return (make or model or "").strip()
    brand = make.split()[0].lower()
    return model if model.lower().startswith(brand) else f"{make} {model}"


_LIVE = "SELECT DISTINCT photo_id FROM files WHERE state IN ('ok', 'problem')"


def overview(ctx: AppContext) -> dict[str, Any]:
    """What a person wants to know about their library at a glance, counted in SQL (this runs
    after every scan; building every record for it took longer than a no-change scan). The live
    photos are read once, grouped by everything counted (a few hundred groups at most), and the
    counts are summed here: at 200,000 photos one pass took 2.3 s where one query per count took
    2.9 s, on a shared 2-core machine at load 6 (the sort of the grouping is most of it)."""
    db = ctx.db
    kinds: Counter[str] = Counter()
    formats: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    cameras: Counter[str] = Counter()
    with_gps, first, last = 0, None, None
    for kind, fmt, source, make, model, gps, n, low, high in db.query(
        "SELECT kind, format, taken_at_source, make, model, gps_lat IS NOT NULL, count(*),"
        " min(CASE WHEN dated THEN day END), max(CASE WHEN dated THEN day END)"
        " FROM (SELECT *, substr(taken_local, 1, 10) AS day,"
        "   taken_at_source != 'file-mtime' AND taken_local >= ? AND taken_local <= ? AS dated"
        f"   FROM photos WHERE id IN ({_LIVE}))"
        " GROUP BY kind, format, taken_at_source, make, model, gps_lat IS NOT NULL",
        plausible_range(),  # a clock set to year 1 or 9999 says nothing about the library's span
    ):
        kinds[kind] += n
        formats[fmt] += n
        sources[(source or "unknown").split(":")[0]] += n
        if make is not None or model is not None:
            cameras[camera_name(make, model)] += n
        with_gps += n if gps else 0
        first = low if first is None or (low is not None and low < first) else first
        last = high if last is None or (high is not None and high > last) else last
    states = {r[0]: int(r[1]) for r in db.query("SELECT state, count(*) FROM files GROUP BY state")}
    readable_files = states.get("ok", 0) + states.get("problem", 0)
    places = Counter(
        {
            ", ".join(x for x in (city, country) if x): n
            for city, country, n in db.query(  # by town, as the report names places (Berlin, not Steglitz)
                "SELECT coalesce(town, city) AS place, country, count(*) FROM photo_places"
                f" WHERE photo_id IN ({_LIVE}) AND (city IS NOT NULL OR country IS NOT NULL) GROUP BY place, country"
            )
        }
    )
    problems = db.query(
        "SELECT f.path, f.state, f.errors, p.errors FROM files f LEFT JOIN photos p ON p.id = f.photo_id"
        " WHERE f.state IN ('problem', 'failed') ORDER BY f.path"
    )

    def errors(row: Any) -> list[str]:
        return [*json.loads(row[2]), *(json.loads(row[3]) if row[3] else [])]

    return {
        "files": sum(states.values()) - states.get("missing", 0),
        "photos": kinds.get("photo", 0),
        "videos": kinds.get("video", 0),
        "live_photo_clips": int(
            db.scalar(
                "SELECT count(DISTINCT clip_photo_id) FROM motion_clips WHERE kind = 'apple-live'"
                f" AND clip_photo_id IN ({_LIVE})"
            )
        ),
        "exact_duplicates": readable_files - sum(kinds.values()),
        "date_range": [first, last] if first else None,
        "date_sources": dict(sources.most_common()),
        "with_gps": with_gps,
        "cameras": dict(cameras.most_common()),
        "places": dict(places.most_common()),
        "places_named": bool(places),
        "with_problems": [{"path": r[0], "errors": errors(r)} for r in problems if r[1] == "problem"],
        "failed": [{"path": r[0], "errors": errors(r)} for r in problems if r[1] == "failed"],
        "formats": dict(formats.most_common()),
    }
