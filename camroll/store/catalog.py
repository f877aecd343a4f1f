"""Reading the catalog: one record per file, and the overview a person reads after a scan.

The record's keys are a contract (``camroll photos --json``): path, hash, taken_at,
taken_at_source, taken_at_implausible (why the capture time cannot be right, e.g. "before
1826-01-01, the first photograph", or null; such photos make no moments), gps, camera,
orientation, width, height, place, errors; and, from the vision
capabilities, faces (a count), expressions, tags, text, sensitive, duplicate_of. New keys may be
added; none of these may change meaning.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from camroll.config import AppContext
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
    rows = ctx.db.query(_RECORD_SQL.format(where=where), params)
    vision = _vision(ctx)
    return [_record(dict(r)) | (vision.get(r["id"]) or _no_vision()) for r in rows]


def _no_vision() -> dict[str, Any]:
    """A photo's vision keys before any analysis (a new dict each time: records are mutable)."""
    return {"faces": 0, "people": [], "expressions": [], "tags": [], "text": None, "sensitive": None}


def _vision(ctx: AppContext) -> dict[int, dict[str, Any]]:
    """What the vision capabilities derived, per photo (only what consent allowed exists)."""
    out: dict[int, dict[str, Any]] = {}

    def entry(photo_id: int) -> dict[str, Any]:
        return out.setdefault(photo_id, _no_vision())

    for photo_id, n in ctx.db.query("SELECT photo_id, count(*) FROM faces GROUP BY photo_id"):
        entry(photo_id)["faces"] = n
    for photo_id, person_id, name in ctx.db.query(
        "SELECT DISTINCT f.photo_id, p.id, p.name FROM faces f JOIN people p ON p.id = f.person_id WHERE p.ignored = 0"
    ):
        entry(photo_id)["people"].append({"id": person_id, "name": name})
    for photo_id, face_id, label, score, smiling in ctx.db.query(
        "SELECT photo_id, face_id, label, score, smiling FROM expressions ORDER BY face_id"
    ):
        entry(photo_id)["expressions"].append(
            {"face_id": face_id, "label": label, "score": round(score, 3), "smiling": bool(smiling)}
        )
    for photo_id, tag, score in ctx.db.query("SELECT photo_id, tag, score FROM tags ORDER BY photo_id, score DESC"):
        entry(photo_id)["tags"].append({"tag": tag, "score": round(score, 3)})
    for photo_id, text, flags in ctx.db.query("SELECT photo_id, text, flags FROM texts"):
        entry(photo_id)["text"] = {"text": text, "flags": json.loads(flags)}
    for photo_id, explicit, score in ctx.db.query("SELECT photo_id, explicit, score FROM sensitive"):
        entry(photo_id)["sensitive"] = {"explicit": bool(explicit), "score": round(score, 3)}
    return out


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
    after every scan; building every record for it took longer than a no-change scan)."""
    db = ctx.db
    live = f"SELECT * FROM photos WHERE id IN ({_LIVE})"
    kinds: dict[str, int] = {r[0]: r[1] for r in db.query(f"SELECT kind, count(*) FROM ({live}) GROUP BY kind")}
    readable_files = db.scalar("SELECT count(*) FROM files WHERE state IN ('ok', 'problem')")
    first, last = db.query(
        f"SELECT min(substr(taken_local, 1, 10)), max(substr(taken_local, 1, 10)) FROM ({live})"
        " WHERE taken_at_source != 'file-mtime' AND taken_local >= ? AND taken_local <= ?",
        plausible_range(),  # a clock set to year 1 or 9999 says nothing about the library's span
    )[0]
    sources = {
        (r[0] or "unknown").split(":")[0]: r[1]
        for r in db.query(f"SELECT taken_at_source, count(*) FROM ({live}) GROUP BY taken_at_source ORDER BY 2 DESC")
    }
    cameras: Counter[str] = Counter()
    for make, model, n in db.query(
        f"SELECT make, model, count(*) FROM ({live}) WHERE make IS NOT NULL OR model IS NOT NULL GROUP BY make, model"
    ):
        cameras[camera_name(make, model)] += n
    places = Counter(
        {
            ", ".join(x for x in (city, country) if x): n
            for city, country, n in db.query(
                f"SELECT city, country, count(*) FROM photo_places WHERE photo_id IN ({_LIVE}) AND (city IS NOT NULL OR country IS NOT NULL)"
                " GROUP BY city, country"
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
        "files": db.scalar("SELECT count(*) FROM files WHERE state != 'missing'"),
        "photos": kinds.get("photo", 0),
        "videos": kinds.get("video", 0),
        "exact_duplicates": readable_files - sum(kinds.values()),
        "date_range": [first, last] if first else None,
        "date_sources": sources,
        "with_gps": db.scalar(f"SELECT count(*) FROM ({live}) WHERE gps_lat IS NOT NULL"),
        "cameras": dict(cameras.most_common()),
        "places": dict(places.most_common()),
        "places_named": bool(places),
        "with_problems": [{"path": r[0], "errors": errors(r)} for r in problems if r[1] == "problem"],
        "failed": [{"path": r[0], "errors": errors(r)} for r in problems if r[1] == "failed"],
        "formats": {
            r[0]: r[1] for r in db.query(f"SELECT format, count(*) FROM ({live}) GROUP BY format ORDER BY 2 DESC")
        },
    }
