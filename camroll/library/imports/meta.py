"""Meta (Facebook) "Download your information" exports, JSON format.

Media sit under ``your_facebook_activity/posts/media/``; the posts file
(``your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.json``) and each album
file (``your_facebook_activity/posts/album/N.json``: ``{"name", "photos": [...]}``) describe them
with entries ``{"uri", "creation_timestamp", "title", "description", "media_metadata":
{"photo_metadata": {"exif_data": [{"taken_timestamp", "latitude", "longitude", "upload_ip", ...}]}}}``.
``creation_timestamp`` is when it was posted, not taken; the taken time is ``taken_timestamp``.
``upload_ip`` and the other facts Meta kept go to the cloud audit, never the catalog.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from camroll.library.imports.common import MEDIA_SUFFIXES, Facts, Member

AUDIT_KEYS = ("upload_ip", "camera_make", "camera_model", "iso", "exposure", "orientation", "modified_timestamp")
"""exif_data keys Meta kept that the audit shows (the file's own EXIF is the catalog's source)."""


def _entries(doc: Any, album: str | None = None) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Every media entry (a dict with a ``uri``) in a JSON document, with its album's name."""
    if isinstance(doc, dict):
        if isinstance(doc.get("name"), str) and isinstance(doc.get("photos"), list):
            album = doc["name"]
        if isinstance(doc.get("uri"), str):
            yield doc, album
        for v in doc.values():
            yield from _entries(v, album)
    elif isinstance(doc, list):
        for v in doc:
            yield from _entries(v, album)


def _timestamp(v: Any) -> datetime | None:
    return datetime.fromtimestamp(int(v), tz=UTC) if isinstance(v, int) and v > 0 else None


def _fix_mojibake(s: str) -> str:
    """Meta writes UTF-8 text as Latin-1 escapes ("Ã©" for "é"); undo it where it round-trips."""
    try:
        return s.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s


def read_export(members: list[Member]) -> dict[str, Facts]:
    media = {m.name: m for m in members if PurePosixPath(m.name).suffix.lower() in MEDIA_SUFFIXES}
    out = {name: Facts(service="meta") for name in media}
    for m in members:
        if PurePosixPath(m.name).suffix.lower() != ".json":
            continue
        try:
            doc = json.loads(m.read(64 << 20))
        except ValueError:
            continue
        for entry, album in _entries(doc):
            uri = entry["uri"].lstrip("/")
            name = next((n for n in media if n == uri or n.endswith("/" + uri)), None)
            if name is None:
                continue
            f = out[name]
            f.sidecar = f.sidecar or m.name
            if album and album not in f.albums:
                f.albums.append(album)
            if isinstance(entry.get("title"), str) and entry["title"] and not f.title:
                f.title = _fix_mojibake(entry["title"])
            if isinstance(entry.get("description"), str) and entry["description"] and not f.description:
                f.description, f.description_source = _fix_mojibake(entry["description"]), "meta:description"
            posted = _timestamp(entry.get("creation_timestamp"))
            if posted:
                f.extra["posted_at"] = posted.isoformat()
            meta = (
                (entry.get("media_metadata") or {}).get("photo_metadata")
                or (entry.get("media_metadata") or {}).get("video_metadata")
                or {}
            )
            for exif in meta.get("exif_data") or []:
                if not isinstance(exif, dict):
                    continue
                taken = _timestamp(exif.get("taken_timestamp"))
                if taken and f.taken_at is None:
                    f.taken_at, f.taken_source = taken, "meta:taken_timestamp"
                lat, lon = exif.get("latitude"), exif.get("longitude")
                if isinstance(lat, (int, float)) and isinstance(lon, (int, float)) and (lat, lon) != (0, 0):
                    f.lat, f.lon, f.gps_source = float(lat), float(lon), "meta:exif_data"
                for key in AUDIT_KEYS:
                    if key in exif:
                        f.extra[key] = exif[key]
                if "camera_make" in exif or "camera_model" in exif:
                    f.extra["device"] = " ".join(str(exif.get(k, "")) for k in ("camera_make", "camera_model")).strip()
    return out
