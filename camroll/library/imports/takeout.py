"""Google Takeout: match each photo to its JSON sidecar and read what Google kept.

Naming rules (docs/imports.md): ``NAME.ext.json`` or ``NAME.ext.supplemental-metadata.json``;
the whole sidecar name cut to :data:`~camroll.thresholds.TAKEOUT_SIDECAR_NAME_MAX` characters
(".json" included, so the cut applies to ``NAME.ext.supplemental-metadata``); a duplicate
``NAME(1).ext`` has its counter after the extension, ``NAME.ext(1).json``; ``NAME-edited.ext`` has
no sidecar of its own and takes its original's. An album folder's ``metadata.json`` holds its title.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from camroll.library.imports.common import MEDIA_SUFFIXES, Facts, Member
from camroll.thresholds import TAKEOUT_SIDECAR_NAME_MAX

SUPPLEMENTAL = ".supplemental-metadata"
_COUNTER = re.compile(r"^(?P<stem>.*)\((?P<n>\d+)\)$")
_EDITED = re.compile(r"^(?P<stem>.*)-(edited|bearbeitet|modifié|editado)$", re.IGNORECASE)


def _sidecar_keys(media_name: str) -> list[tuple[str, str]]:
    """(stem expected before ".json", counter suffix) pairs for a media file name, best first."""
    p = PurePosixPath(media_name)
    stem, ext = p.stem, p.suffix
    counter = ""
    m = _COUNTER.match(stem)
    if m:
        stem, counter = m["stem"], f"({m['n']})"
    bases = [stem + ext]
    e = _EDITED.match(stem)
    if e:
        bases.append(e["stem"] + ext)
    return [(b, counter) for b in bases]


def match_sidecars(members: list[Member]) -> dict[str, Member]:
    """Each media member's name → its sidecar member (those without one are left out)."""
    by_folder: dict[str, dict[str, Member]] = {}
    for m in members:
        p = PurePosixPath(m.name)
        if p.suffix.lower() == ".json" and p.name != "metadata.json":
            by_folder.setdefault(str(p.parent), {})[p.name[: -len(".json")]] = m
    out: dict[str, Member] = {}
    for m in members:
        p = PurePosixPath(m.name)
        if p.suffix.lower() not in MEDIA_SUFFIXES:
            continue
        jsons = by_folder.get(str(p.parent), {})
        found = _find(p.name, jsons)
        if found is not None:
            out[m.name] = found
    return out


def _find(media_name: str, jsons: dict[str, Member]) -> Member | None:
    for base, counter in _sidecar_keys(media_name):
        for full in (base + SUPPLEMENTAL, base):
            for candidate in (full + counter, full[: TAKEOUT_SIDECAR_NAME_MAX - 5] + counter):
                if candidate in jsons:
                    return jsons[candidate]
        if not counter:
            # A cut at another length: a unique sidecar whose name is a prefix of the full one.
            longest = base + SUPPLEMENTAL
            hits = [k for k in jsons if len(k) >= len(PurePosixPath(base).stem) and longest.startswith(k)]
            if len(hits) == 1:
                return jsons[hits[0]]
    return None


def _float(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) else None


def read_sidecar(data: bytes) -> Facts:
    """The facts of one Takeout sidecar. ``geoData`` of 0.0/0.0 means none (Google writes zeros)."""
    doc = json.loads(data)
    f = Facts(service="takeout")
    if not isinstance(doc, dict):
        return f
    taken = doc.get("photoTakenTime") or {}
    ts = taken.get("timestamp") if isinstance(taken, dict) else None
    if ts is not None and str(ts).lstrip("-").isdigit():
        f.taken_at, f.taken_source = datetime.fromtimestamp(int(ts), tz=UTC), "takeout:photoTakenTime"
    for key in ("geoData", "geoDataExif"):
        geo = doc.get(key)
        if isinstance(geo, dict):
            lat, lon = _float(geo.get("latitude")), _float(geo.get("longitude"))
            if lat is not None and lon is not None and (lat, lon) != (0.0, 0.0):
                f.lat, f.lon, f.gps_source = lat, lon, f"takeout:{key}"
                break
    f.title = doc.get("title") if isinstance(doc.get("title"), str) else None
    desc = doc.get("description")
    f.description = desc if isinstance(desc, str) and desc.strip() else None
    f.description_source = "takeout:description" if f.description else None
    f.favorite = bool(doc.get("favorited"))
    f.people = [p["name"] for p in doc.get("people") or [] if isinstance(p, dict) and isinstance(p.get("name"), str)]
    device = (doc.get("googlePhotosOrigin") or {}).get("mobileUpload", {}).get("deviceType")
    if device:
        f.extra["device"] = device
    return f


def album_titles(members: list[Member]) -> dict[str, str]:
    """Folder → album title, from each folder's ``metadata.json``."""
    out: dict[str, str] = {}
    for m in members:
        p = PurePosixPath(m.name)
        if p.name == "metadata.json":
            try:
                doc = json.loads(m.read(1 << 20))
            except (ValueError, OSError):
                continue
            if isinstance(doc, dict) and isinstance(doc.get("title"), str) and doc["title"]:
                out[str(p.parent)] = doc["title"]
    return out


def read_export(members: list[Member]) -> dict[str, Facts]:
    """Every media member's facts (empty Facts where no sidecar was found)."""
    sidecars = match_sidecars(members)
    albums = album_titles(members)
    out: dict[str, Facts] = {}
    for m in members:
        p = PurePosixPath(m.name)
        if p.suffix.lower() not in MEDIA_SUFFIXES:
            continue
        side = sidecars.get(m.name)
        facts = Facts(service="takeout")
        if side is not None:
            try:
                facts = read_sidecar(side.read(16 << 20))
                facts.sidecar = side.name
            except ValueError:
                facts = Facts(service="takeout")
        facts.album = albums.get(str(p.parent))
        out[m.name] = facts
    return out
