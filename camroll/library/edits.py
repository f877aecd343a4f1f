"""A person's edits of a photo's facts: date and time (with its time zone), place, title,
description, rating, keywords and rotation.

An edit is kept in the catalog (``photo_edits``, with what the file said, for undo) and applied
to the photo's row, so every page, search, moment and export sees it; when the file is read again
(a newer metadata reader) the edits are applied again: an edit always wins over the file. The
original is never written. The edit is also written to an XMP sidecar beside the file
(``NAME.xmp``, the name digiKam, Lightroom and darktable's "NAME.xmp" option read), marked as
camroll's, so other photo apps see it and a library rebuilt from scratch gets the edits back: a
scan that reads a file restores the edits of its camroll sidecar. A sidecar another app wrote is
never overwritten.

A rotation (:func:`rotate`) is an edit too, written to the sidecar as ``tiff:Orientation``; it
changes the pixels every analysis measured in, so :mod:`camroll.library.rotation` purges what
must be redone for that photo.

Not here yet: reading sidecars another app changed after the file was read.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from camroll.config import AppContext
from camroll.errors import RequestError
from camroll.library import rotation
from camroll.library.sidecars import CAMROLL_NS, packet
from camroll.library.xmp import read_user_fields
from camroll.privacy import audit
from camroll.store import edits as store
from camroll.store import files as store_files
from camroll.store.db import Connection, now_iso

FIELDS = tuple(store.FIELD_COLUMNS)
SIDECAR_MAX_BYTES = 1 << 20
"""A camroll sidecar is a few hundred bytes; a larger file beside a photo is not read back."""
EDITS_MARK = "Edits"
"""The property (in camroll's namespace) that marks a sidecar as holding camroll's edits."""


class EditError(RequestError, ValueError):
    """An edit that cannot be made; the message is for the person who asked."""


@dataclass
class EditResult:
    photo_id: int
    changed: list[str]
    sidecar: str | None = None
    notes: list[str] = field(default_factory=list)


def parse_taken(text: str, zone: str | None) -> dict[str, Any]:
    """``2024-06-01 14:30`` (local wall-clock time) and an optional ``+02:00`` / ``Z`` / ``-0530``."""
    try:
        local = datetime.fromisoformat(text.strip().replace(" ", "T"))
    except ValueError:
        raise EditError(f"{text!r} is not a date and time like 2024-06-01 14:30") from None
    if local.tzinfo is not None:
        raise EditError("give the time zone with --tz, not inside the date")
    offset = None
    if zone:
        z = zone.strip().upper()
        try:
            offset = 0 if z in ("Z", "UTC") else _offset_minutes(z)
        except ValueError:
            raise EditError(f"{zone!r} is not a time zone offset like +02:00") from None
    if not (1826 <= local.year <= datetime.now().year + 1):
        raise EditError(f"{local.year} is not a year a photo was taken in")
    return {"local": local.isoformat(timespec="seconds"), "offset": offset}


def _offset_minutes(z: str) -> int:
    sign = -1 if z.startswith("-") else 1
    digits = z.lstrip("+-").replace(":", "")
    if len(digits) not in (2, 4) or not digits.isdigit():
        raise ValueError(z)
    minutes = int(digits[:2]) * 60 + (int(digits[2:]) if len(digits) == 4 else 0)
    if minutes > 14 * 60:
        raise ValueError(z)
    return sign * minutes


def check(field_name: str, value: Any) -> Any:
    """The value of an edit as stored, or :class:`EditError` with what is wrong."""
    if field_name == "place":
        lat, lon = (float(v) for v in value)
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            raise EditError("a place is a latitude (-90..90) and a longitude (-180..180)")
        return [round(lat, 7), round(lon, 7)]
    if field_name in ("title", "description"):
        text = str(value).strip()
        if len(text) > 2000:
            raise EditError(f"the {field_name} is longer than 2,000 characters")
        return text or None
    if field_name == "rating":
        rating = int(value)
        if not 0 <= rating <= 5:
            raise EditError("a rating is 0 to 5 stars")
        return rating
    if field_name == "keywords":
        words = [str(k).strip()[:100] for k in value if str(k).strip()]
        if len(words) > 50:
            raise EditError("at most 50 keywords")
        return list(dict.fromkeys(words))
    if field_name == "taken":
        return dict(value)
    if field_name == "rotation":
        degrees = int(value) % 360
        if degrees not in (90, 180, 270):
            raise EditError("a photo turns by 90, 180 or 270 degrees clockwise")
        return degrees
    raise EditError(f"{field_name!r} cannot be edited; edit one of {', '.join(FIELDS)}")


def _columns(conn: Connection, photo_id: int, field_name: str, value: Any) -> list[Any]:
    """The photos columns an edit sets (a date without a zone keeps the offset the file gave)."""
    if field_name == "taken":
        _local, offset, _src, offset_source = store.current(conn, photo_id, "taken")
        if value["offset"] is None:
            return [value["local"], offset, "user", offset_source]
        return [value["local"], value["offset"], "user", "user"]
    if field_name == "place":
        return list(value)
    if field_name == "keywords":
        return [json.dumps(value, ensure_ascii=False)]
    if field_name == "rotation":  # the file was just read (again): turn what it says now
        base = store.current(conn, photo_id, "rotation")
        store.set_before(conn, photo_id, "rotation", base)
        return rotation.columns(base, int(value))
    return [value]


def edit(ctx: AppContext, photo_id: int, changes: dict[str, Any]) -> EditResult:
    """Apply ``changes`` (field -> value as :func:`check` takes it) to a photo, record them, write
    the sidecar, and name the new place where places are granted."""
    if "rotation" in changes:
        raise EditError("a turn is relative to how the photo shows: use rotate()")
    checked = {name: check(name, value) for name, value in changes.items()}
    if not checked:
        raise EditError("nothing to change: give a date, place, title, description, rating or keywords")
    if not store_files.live_files(ctx.db, photo_id):
        raise EditError(f"there is no photo {photo_id} with a file in the library")
    now = now_iso()
    with ctx.db.transaction() as conn:
        for name, value in checked.items():
            store.save(conn, photo_id, name, value, now)
            store.set_columns(conn, photo_id, name, _columns(conn, photo_id, name, value))
        if "place" in checked:
            store.forget_place(conn, photo_id)
    result = EditResult(photo_id, sorted(checked))
    _after(ctx, result, "place" in checked)
    audit.record(ctx, "edit", photo=photo_id, fields=result.changed)
    return result


def rotate(ctx: AppContext, photo_id: int, degrees: int) -> EditResult:
    """Turn a photo ``degrees`` clockwise (90, 180, 270; -90 is 270) from how it shows now: the
    turns add up, and a full turn is no edit at all. What depends on which way up the photo is
    will be analysed again (:mod:`camroll.library.rotation`)."""
    try:
        total = rotation.turn(ctx, photo_id, check("rotation", degrees))
    except rotation.RotateError as e:
        raise EditError(str(e)) from None
    result = EditResult(photo_id, ["rotation"])
    if not total:
        result.notes.append("turned all the way round: the photo shows as its file does again")
    _after(ctx, result, False)
    return result


def undo(ctx: AppContext, photo_id: int, field_name: str) -> bool:
    """Forget one edit: the photo gets the file's own value back. False if it was not edited."""
    if field_name not in FIELDS:
        raise EditError(f"{field_name!r} cannot be edited; edit one of {', '.join(FIELDS)}")
    if field_name == "rotation":
        if not rotation.undo(ctx, photo_id):  # audited there, with what it purged
            return False
        _after(ctx, EditResult(photo_id, [field_name]), False)
        return True
    with ctx.db.transaction() as conn:
        before = store.remove(conn, photo_id, field_name)
        if before is None:
            return False
        store.set_columns(conn, photo_id, field_name, before)
        if field_name == "place":
            store.forget_place(conn, photo_id)
    _after(ctx, EditResult(photo_id, [field_name]), field_name == "place")
    audit.record(ctx, "edit.undo", photo=photo_id, fields=[field_name])
    return True


def _after(ctx: AppContext, result: EditResult, place_changed: bool) -> None:
    if place_changed:
        from camroll.library.places import update_places

        update_places(ctx)
    result.sidecar, note = write_sidecar(ctx, result.photo_id)
    if note:
        result.notes.append(note)


def reapply(conn: Connection, photo_id: int) -> None:
    """After the scan wrote the file's values again: the person's edits win."""
    for name, value in store.of_photo(conn, photo_id).items():
        store.set_columns(conn, photo_id, name, _columns(conn, photo_id, name, value))


def sidecar_path(photo_path: str) -> Path:
    """``IMG_0001.jpg`` -> ``IMG_0001.xmp``, beside it."""
    path = Path(photo_path)
    return path.with_name(path.stem + ".xmp")


def write_sidecar(ctx: AppContext, photo_id: int) -> tuple[str | None, str | None]:
    """Write the photo's edits to its sidecar; (path written, or None; a note for the person)."""
    paths = store_files.readable_paths(ctx.db, photo_id)
    if not paths:
        return None, "the photo has no file on disk: no sidecar written"
    target = sidecar_path(paths[0])
    if target.exists() and not _ours(target):
        return None, f"{target.name} was written by another app: left as it is (the edit is kept in camroll)"
    values = store.of_photo(ctx.db, photo_id)
    shown = store.current(ctx.db.conn, photo_id, "rotation")[0] if "rotation" in values else None
    tmp = target.with_name(f".{target.name}.camroll-tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(to_xmp(values, shown))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        return (
            None,
            f"the sidecar could not be written beside the photo ({e.strerror or e}); the edit is kept in camroll",
        )
    return str(target), None


def _ours(path: Path) -> bool:
    try:
        if path.stat().st_size > SIDECAR_MAX_BYTES:
            return False
        data = path.read_bytes()
    except OSError:
        return False
    return CAMROLL_NS.encode() in data and f"camroll:{EDITS_MARK}".encode() in data


def to_xmp(values: dict[str, Any], orientation: int | None = None) -> str:
    """An XMP packet of camroll's edits, in the properties other photo apps read. A turned photo
    (``orientation``: how it shows now) gets ``tiff:Orientation``, which digiKam and Lightroom
    read from a sidecar, and camroll's own ``camroll:Rotation`` (the turn on top of the file)."""
    attrs = [f"camroll:{EDITS_MARK}={quoteattr(','.join(sorted(values)))}"]
    body: list[str] = []
    if values.get("rotation") and orientation:
        attrs.append(f'tiff:Orientation="{int(orientation)}"')
        attrs.append(f'camroll:Rotation="{int(values["rotation"])}"')
    if values.get("rating") is not None:
        attrs.append(f'xmp:Rating="{int(values["rating"])}"')
    taken = values.get("taken")
    if taken:
        offset = taken.get("offset")
        zone = "" if offset is None else f"{'+' if offset >= 0 else '-'}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"
        attrs.append(f"exif:DateTimeOriginal={quoteattr(taken['local'] + zone)}")
    place = values.get("place")
    if place:
        attrs.append(f"exif:GPSLatitude={quoteattr(_xmp_degrees(place[0], 'NS'))}")
        attrs.append(f"exif:GPSLongitude={quoteattr(_xmp_degrees(place[1], 'EW'))}")
    for prop in ("title", "description"):
        if values.get(prop):
            body.append(
                f'   <dc:{prop}><rdf:Alt><rdf:li xml:lang="x-default">{escape(values[prop])}</rdf:li></rdf:Alt></dc:{prop}>'
            )
    if values.get("keywords"):
        items = "".join(f"<rdf:li>{escape(k)}</rdf:li>" for k in values["keywords"])
        body.append(f"   <dc:subject><rdf:Bag>{items}</rdf:Bag></dc:subject>")
    namespaces = [
        'xmlns:dc="http://purl.org/dc/elements/1.1/"',
        'xmlns:xmp="http://ns.adobe.com/xap/1.0/"',
        'xmlns:exif="http://ns.adobe.com/exif/1.0/"',
        'xmlns:tiff="http://ns.adobe.com/tiff/1.0/"',
        f"xmlns:camroll={quoteattr(CAMROLL_NS)}",
    ]
    return packet(namespaces + attrs, body)


def _xmp_degrees(value: float, hemispheres: str) -> str:
    """XMP's GPS coordinate form: ``DDD,MM.mmmmmk``."""
    letter = hemispheres[0] if value >= 0 else hemispheres[1]
    degrees = int(abs(value))
    return f"{degrees},{(abs(value) - degrees) * 60:.5f}{letter}"


def restore_from_sidecar(conn: Connection, photo_id: int, photo_path: str, now: str) -> list[str]:
    """Inside the scan's write: a photo read for the first time whose camroll sidecar holds edits
    gets them back (what a rebuilt library needs). Returns the fields restored."""
    target = sidecar_path(photo_path)
    if not _ours(target):
        return []
    try:
        values = _sidecar_values(target.read_bytes())
    except (OSError, ValueError, IndexError, OverflowError):  # a sidecar is hostile input like a photo
        return []
    restored = []
    for name, value in values.items():
        try:
            checked = check(name, value)
        except (EditError, ValueError, TypeError):
            continue
        store.save(conn, photo_id, name, checked, now)
        store.set_columns(conn, photo_id, name, _columns(conn, photo_id, name, checked))
        restored.append(name)
    return restored


def _sidecar_values(data: bytes) -> dict[str, Any]:
    """The edits a camroll sidecar marks as edits, as :func:`check` takes them."""
    fields = read_user_fields(data, None)
    marked = data.split(f"camroll:{EDITS_MARK}=".encode(), 1)[1][1:].split(b'"', 1)[0].decode("utf-8", "replace")
    wanted = set(marked.split(",")) & set(FIELDS)
    values: dict[str, Any] = {}
    if "title" in wanted:
        values["title"] = fields.title
    if "description" in wanted:
        values["description"] = fields.description
    if "rating" in wanted and fields.rating is not None:
        values["rating"] = fields.rating
    if "keywords" in wanted:
        values["keywords"] = fields.keywords
    if "rotation" in wanted and b'camroll:Rotation="' in data:
        values["rotation"] = int(data.split(b'camroll:Rotation="', 1)[1].split(b'"', 1)[0])
    if "place" in wanted and fields.gps is not None:
        values["place"] = list(fields.gps)
    taken = fields.dates.get("xmp:exif:DateTimeOriginal")
    if "taken" in wanted and taken:
        stamp = datetime.fromisoformat(taken)
        offset = stamp.utcoffset()
        values["taken"] = {
            "local": stamp.replace(tzinfo=None).isoformat(timespec="seconds"),
            "offset": None if offset is None else int(offset.total_seconds() // 60),
        }
    return values
