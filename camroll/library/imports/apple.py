"""Apple Photos "Export Unmodified Original" folders, with XMP sidecars (``IMG_0001.xmp`` or
``IMG_0001.HEIC.xmp`` beside the file), read with camroll's own XMP reader. Live Photo pairs
(``IMG_0001.HEIC`` + ``IMG_0001.MOV``) are both imported as they are; pairing them into one item
is the Live Photos code's work."""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePosixPath

from camroll.library.imports.common import MEDIA_SUFFIXES, Facts, Member
from camroll.library.xmp import read_user_fields


def _date(raw: dict[str, str]) -> datetime | None:
    """The first XMP date that carries a zone (an instant); one without a zone is not used."""
    for value in raw.values():
        try:
            t = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            continue
        if t.tzinfo is not None:
            return t
    return None


def read_export(members: list[Member]) -> dict[str, Facts]:
    xmps = {m.name.lower(): m for m in members if m.name.lower().endswith(".xmp")}
    out: dict[str, Facts] = {}
    for m in members:
        p = PurePosixPath(m.name)
        if p.suffix.lower() not in MEDIA_SUFFIXES:
            continue
        f = Facts(service="apple")
        side = xmps.get(str(p.with_suffix(".xmp")).lower()) or xmps.get((m.name + ".xmp").lower())
        if side is not None:
            fields = read_user_fields(side.read(16 << 20), None)
            f.sidecar = side.name
            f.taken_at = _date(fields.dates)
            f.taken_source = "apple:xmp" if f.taken_at else None
            if fields.gps:
                f.lat, f.lon, f.gps_source = fields.gps[0], fields.gps[1], "apple:xmp"
            f.title = fields.title
            if fields.description:
                f.description, f.description_source = fields.description, "apple:xmp"
            f.people = [r.name for r in fields.regions if r.name]
            f.favorite = (fields.rating or 0) >= 5
            if fields.keywords:
                f.extra["keywords"] = fields.keywords
        out[m.name] = f
    return out
