"""One import run: read the export safely, copy its originals, catalogue them with the ordinary
scan, then record what the export's JSON said, each fact with its source.

The file wins: a fact from the JSON fills a photo's column only where the file itself said
nothing; where both speak and disagree, the file's value stays and the difference is reported.
Takeout times are UTC instants: the local wall-clock time is that instant in the zone of the
photo's GPS where one is known (``timezonefinder``, bundled, offline), otherwise UTC (offset 0).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from camroll.config import AppContext
from camroll.library.imports import common
from camroll.library.imports.common import Facts, Member
from camroll.privacy import audit
from camroll.progress import Reporter, Silent
from camroll.store import imports as store
from camroll.store.db import Connection, now_iso
from camroll.thresholds import IMPORT_SAME_PLACE_DEG

SERVICES = ("takeout", "meta", "apple")
WEAK_TIME_SOURCES = ("file-mtime", "filename")
"""A file's time from these is a guess (the copy's mtime is the import's; a name has no zone):
the export's recorded instant replaces it."""


@dataclass
class ImportSummary:
    service: str
    into: str
    copied: int = 0
    already: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)
    photos: int = 0
    facts_applied: int = 0
    differences: list[dict[str, Any]] = field(default_factory=list)
    without_sidecar: list[str] = field(default_factory=list)
    audit: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "into": self.into,
            "copied": self.copied,
            "already_in_library": self.already,
            "refused": [{"member": m, "why": why} for m, why in self.refused],
            "photos": self.photos,
            "facts_applied": self.facts_applied,
            "differences": self.differences,
            "without_sidecar": self.without_sidecar,
            "audit": self.audit,
        }


def read_facts(service: str, members: list[Member]) -> dict[str, Facts]:
    if service == "takeout":
        from camroll.library.imports import takeout

        return takeout.read_export(members)
    if service == "meta":
        from camroll.library.imports import meta

        return meta.read_export(members)
    from camroll.library.imports import apple

    return apple.read_export(members)


def default_into(ctx: AppContext, service: str) -> Path:
    return ctx.config.home / "imports" / service


def run_import(
    ctx: AppContext,
    service: str,
    paths: list[Path],
    into: Path | None = None,
    with_audit: bool = False,
    reporter: Reporter | None = None,
) -> ImportSummary:
    """Import the exports at ``paths`` (zips and folders of one service) into ``into``."""
    from camroll.library.scan import scan

    rep = reporter or Silent()
    target = (into or default_into(ctx, service)).resolve()
    target.mkdir(parents=True, exist_ok=True)
    summary = ImportSummary(service, str(target))
    opened = common.open_exports(paths)
    try:
        summary.refused = list(opened.refused)
        facts = read_facts(service, opened.members)
        catalog_before = store.known_hashes(ctx.db)
        known = catalog_before | _hashes_in(target)
        hashes: dict[str, str] = {}
        media = [m for m in opened.members if m.name in facts]
        rep.start("Copying originals", len(media))
        for m in media:
            try:
                dest, digest = common.copy_original(m, target, known)
            except common.Refused as e:
                summary.refused.append((m.name, str(e)))
                rep.advance()
                continue
            hashes[m.name] = digest
            if dest is None:
                summary.already += 1
            else:
                summary.copied += 1
            rep.advance()
    finally:
        opened.close()
    scan(ctx, [str(target)], rep)
    now = now_iso()
    with ctx.db.transaction() as conn:
        for name, digest in hashes.items():
            photo_id = store.photo_by_hash(conn, digest)
            if photo_id is None:
                continue
            summary.photos += 1
            f = facts[name]
            if f.sidecar is None and service != "apple":
                summary.without_sidecar.append(name)
            _apply(conn, photo_id, name, f, now, summary)
    if with_audit:
        from camroll.library.imports.audit import cloud_audit

        summary.audit = cloud_audit(service, facts, hashes, catalog_before)
    with ctx.db.transaction() as conn:
        store.save_run(
            conn,
            service,
            [str(p) for p in paths],
            str(target),
            (summary.copied, summary.already, len(summary.refused)),
            summary.audit,
            now,
        )
    audit.record(
        ctx, "import", service=service, copied=summary.copied, already=summary.already, refused=len(summary.refused)
    )
    return summary


def _hashes_in(folder: Path) -> set[str]:
    """Content hashes of files already in the import folder (a rerun copies nothing twice even
    when the first run's scan was interrupted)."""
    out: set[str] = set()
    for p in folder.rglob("*"):
        if p.is_file() and not p.is_symlink() and p.suffix.lower() in common.MEDIA_SUFFIXES:
            h = hashlib.sha256()
            with p.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
            out.add(h.hexdigest())
    return out


def local_time(instant: datetime, lat: float | None, lon: float | None) -> tuple[str, int]:
    """(local wall-clock ISO time, offset minutes) of an instant, in the GPS zone if known."""
    zone: Any = UTC
    if lat is not None and lon is not None:
        from timezonefinder import TimezoneFinder

        name = TimezoneFinder().timezone_at(lat=lat, lng=lon)
        if name:
            zone = ZoneInfo(name)
    local = instant.astimezone(zone)
    offset = local.utcoffset() or timedelta(0)
    return local.replace(tzinfo=None).isoformat(timespec="seconds"), int(offset.total_seconds() // 60)


def _instant(local: str | None, offset: int | None) -> datetime | None:
    if local is None:
        return None
    try:
        t = datetime.fromisoformat(local)
    except ValueError:
        return None
    return t.replace(tzinfo=UTC) - timedelta(minutes=offset or 0) if offset is not None else None


def _apply(conn: Connection, photo_id: int, name: str, f: Facts, now: str, summary: ImportSummary) -> None:
    cur = store.photo_columns(conn, photo_id)

    def record(fld: str, value: Any, source: str, applied: bool, file_value: Any = None) -> None:
        store.save_fact(conn, photo_id, fld, value, source, applied, file_value, now)
        if applied:
            summary.facts_applied += 1
        elif file_value is not None:
            summary.differences.append(
                {"member": name, "photo": photo_id, "field": fld, "file": file_value, "export": value, "source": source}
            )

    lat = cur["gps_lat"] if cur["gps_lat"] is not None else f.lat
    lon = cur["gps_lon"] if cur["gps_lon"] is not None else f.lon
    if f.lat is not None and f.lon is not None and f.gps_source:
        if cur["gps_lat"] is None:
            store.set_gps(conn, photo_id, f.lat, f.lon)
            record("gps", [f.lat, f.lon], f.gps_source, True)
        else:
            same = (
                abs(cur["gps_lat"] - f.lat) < IMPORT_SAME_PLACE_DEG
                and abs(cur["gps_lon"] - f.lon) < IMPORT_SAME_PLACE_DEG
            )
            record("gps", [f.lat, f.lon], f.gps_source, False, None if same else [cur["gps_lat"], cur["gps_lon"]])
    if f.taken_at is not None and f.taken_source:
        instant = f.taken_at.astimezone(UTC).isoformat(timespec="seconds")
        if cur["taken_local"] is None or cur["taken_at_source"] in WEAK_TIME_SOURCES:
            local, offset = local_time(f.taken_at, lat, lon)
            store.set_taken(conn, photo_id, local, offset, f.taken_source)
            record("taken_at", instant, f.taken_source, True)
        else:
            file_instant = _instant(cur["taken_local"], cur["offset_minutes"])
            differs = file_instant is not None and abs((file_instant - f.taken_at).total_seconds()) >= 1
            if file_instant is None:  # the file has a time with no zone: compare wall clocks is unsafe
                differs = False
            record("taken_at", instant, f.taken_source, False, cur["taken_local"] if differs else None)
    for column, value, source in (
        ("description", f.description, f.description_source),
        ("title", f.title if f.service != "takeout" else None, f"{f.service}:title"),
    ):
        if value and source:
            if not cur[column]:
                store.set_text(conn, photo_id, column, value)
                record(column, value, source, True)
            else:
                record(column, value, source, False, cur[column] if cur[column] != value else None)
    if f.favorite:
        record("favorite", True, f"{f.service}:favorited", False)
    if f.people:
        record("people", f.people, f"{f.service}:people", False)
    for album in f.albums:
        store.add_album(conn, photo_id, f.service, album)
        record("album", album, f"{f.service}:album", False)
