"""``camroll export``: everything camroll derived, in open formats a person can take elsewhere.

The export folder holds:

* ``library.json``: photos (with their files and metadata), places, faces (boxes, points,
  person; face prints only with ``--include-face-prints``), people, expressions, tags, texts,
  sensitive-content findings, quality, near duplicates, analysis state, moments, creations and
  albums (a manual album's photos by content hash; a smart album by its search), and stacks
  (computed now: their photo ids, top first, why, and whether the person kept one whole).
  Everything is read from the tables the capability registry names, so what a revoked capability
  deleted is simply absent.
* ``sidecars/*.xmp``: one XMP sidecar per photo with faces, tags or a place, in the schema
  digiKam and Lightroom read (:mod:`camroll.library.sidecars`), named after the photo's file
  (``IMG_0001.xmp``; ``IMG_0001-<hash>.xmp`` when two photos share a name).
* ``consent.json``: the consent ledger, every grant and revoke.
* ``audit.json``: the audit log, with the result of verifying its hash chain.

Face prints are biometric data sealed at rest; exporting them writes them *decrypted*, so they
are left out unless asked for, and the command warns when they are written. The export itself
is recorded in the audit log (counts only). It is never written into a folder holding originals.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from camroll import __version__, thresholds
from camroll.config import AppContext
from camroll.creations import records
from camroll.errors import CamrollError
from camroll.library.metadata import format_offset
from camroll.library.sidecars import FaceRegion, Sidecar, to_xmp
from camroll.library.stacks import find_stacks
from camroll.privacy import audit, consent
from camroll.privacy.crypto import KeyDestroyed
from camroll.privacy.private_files import private_folder, write_private
from camroll.store import albums as album_rows
from camroll.store import curation
from camroll.store import export as rows_of
from camroll.store.db import Row, now_iso

FORMAT_VERSION = 1
"""Version of library.json's layout; raised when a key changes meaning."""


class ExportError(CamrollError):
    """The export cannot be written as asked; the message is for a person."""


@dataclass
class ExportResult:
    out: str
    counts: dict[str, int] = field(default_factory=dict)
    sidecars: int = 0
    face_prints: bool = False
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        c = self.counts
        return (
            f"Exported {c.get('photos', 0)} photos, {c.get('faces', 0)} faces, {c.get('people', 0)} people, "
            f"{c.get('tags', 0)} tags and {self.sidecars} XMP sidecars to {self.out}"
            + (" (face prints included, decrypted)" if self.face_prints else "")
            + "."
        )


def _rows(rows: list[Row], json_cols: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Rows as dicts, with the JSON text of ``json_cols`` decoded (library.json nests it)."""
    out = []
    for r in rows:
        d = dict(r)
        for col in json_cols:
            if isinstance(d.get(col), str):
                d[col] = json.loads(d[col])
        out.append(d)
    return out


def _photos(ctx: AppContext) -> list[dict[str, Any]]:
    files: dict[int, list[dict[str, Any]]] = {}
    for r in rows_of.photo_files(ctx.db):
        files.setdefault(r["photo_id"], []).append({"path": r["path"], "size": r["size"], "state": r["state"]})
    favourites = set(curation.flagged(ctx.db, "favourite"))
    archived = set(curation.flagged(ctx.db, "archived"))
    out = []
    for r in rows_of.photos(ctx.db):
        offset = r["offset_minutes"]
        out.append(
            {
                "id": r["id"],
                "hash": r["hash"],
                "format": r["format"],
                "kind": r["kind"],
                "size": r["size"],
                "width": r["width"],
                "height": r["height"],
                "orientation": r["orientation"],
                "taken_at": (r["taken_local"] + (format_offset(offset) if offset is not None else ""))
                if r["taken_local"]
                else None,
                "taken_at_source": r["taken_at_source"],
                "gps": {"lat": r["gps_lat"], "lon": r["gps_lon"], "alt": r["gps_alt"]}
                if r["gps_lat"] is not None
                else None,
                "camera": {"make": r["make"], "model": r["model"], "lens": r["lens"], "serial": r["serial"]},
                "title": r["title"],
                "description": r["description"],
                "keywords": json.loads(r["keywords"]),
                "rating": r["rating"],
                "favourite": r["id"] in favourites,
                "archived": r["id"] in archived,
                "people_regions": json.loads(r["regions"]),
                "duration": r["duration"],
                "errors": json.loads(r["errors"]),
                "files": files.get(r["id"], []),
            }
        )
    return out


def _faces(ctx: AppContext, include_prints: bool, result: ExportResult) -> list[dict[str, Any]]:
    rows = rows_of.faces(ctx.db)
    sealer = ctx.sealer("biometric") if include_prints else None
    out = []
    for r in rows:
        face = {
            "id": r["id"],
            "photo_id": r["photo_id"],
            "box": [r["x"], r["y"], r["w"], r["h"]],
            "score": r["score"],
            "points": json.loads(r["landmarks"]),
            "model": r["model"],
            "person_id": r["person_id"],
            "confidence": r["confidence"],
            "assigned_by": r["assigned_by"],
        }
        if sealer is not None and r["embedding"] is not None:
            try:
                vector = np.frombuffer(sealer.open(r["embedding"]), np.float32)
                face["face_print"] = [round(float(v), 7) for v in vector]
            except KeyDestroyed:
                if "face prints" not in " ".join(result.warnings):
                    result.warnings.append("face prints cannot be exported: their key was destroyed")
        out.append(face)
    return out


def _moments(ctx: AppContext, result: ExportResult) -> list[dict[str, Any]]:
    """Moments, where the moments module offers a listing (it is computed, not stored)."""
    try:
        from camroll.moments import listing
    except ImportError:
        return []
    all_moments: Callable[[AppContext], list[Any]] | None = getattr(listing, "all_moments", None)
    if all_moments is None:
        return []
    try:
        return [asdict(m) for m in all_moments(ctx)]
    except Exception as e:  # a failing computed listing must not lose the rest of the export
        result.warnings.append(f"moments could not be listed ({type(e).__name__}: {e})")
        return []


def _albums(ctx: AppContext) -> list[dict[str, Any]]:
    """The person's albums: a manual one with its photos' content hashes in its order (hashes, so
    another library or a later camroll finds the same photos whatever their ids and paths), a
    smart one with its search (its photos are whatever the search finds when it is read)."""
    return [
        {"name": a.name, "kind": a.kind, "query": a.query, "photo_hashes": hashes, "created_at": a.created_at}
        for a, hashes in album_rows.for_export(ctx.db)
    ]


def _stacks(ctx: AppContext) -> list[dict[str, Any]]:
    """Stacks as they are now (library/stacks.py: computed, not stored), each with the decision a
    person made about it ("keep all" is the one decision kept)."""
    return [
        {"photos": [m.id for m in s.members], "top": s.top.id, "why": s.reasons(), "kept_whole": s.kept}
        for s in find_stacks(ctx)
    ]


def library(ctx: AppContext, include_prints: bool, result: ExportResult) -> dict[str, Any]:
    """Everything derived, as one JSON-ready dict (the ``library.json`` contract)."""
    people = _rows(rows_of.people(ctx.db))
    for p in people:
        p["ignored"] = bool(p["ignored"])
    data: dict[str, Any] = {
        "camroll": {
            "version": __version__,
            "format": FORMAT_VERSION,
            "exported_at": now_iso(),
            "schema_version": ctx.db.schema_version,
        },
        "photos": _photos(ctx),
        "places": _rows(rows_of.places(ctx.db)),
        "faces": _faces(ctx, include_prints, result),
        "face_rejections": _rows(rows_of.face_rejections(ctx.db)),
        "people_not_same": _rows(rows_of.people_not_same(ctx.db)),
        "face_dismissals": _rows(rows_of.face_dismissals(ctx.db)),
        "people": people,
        "expressions": _rows(rows_of.expressions(ctx.db), ("scores",)),
        "tags": _rows(rows_of.tags(ctx.db)),
        "texts": _rows(rows_of.texts(ctx.db), ("lines", "flags")),
        "sensitive": _rows(rows_of.sensitive(ctx.db), ("labels",)),
        "quality": _rows(rows_of.quality(ctx.db)),
        "duplicates": _rows(rows_of.near_duplicates(ctx.db)),
        "fingerprints": _rows(rows_of.fingerprints(ctx.db)),
        "analysis": _rows(rows_of.analysis_state(ctx.db)),
        "moments": _moments(ctx, result),
        "creations": [asdict(c) for c in records.listing(ctx)],
        "albums": _albums(ctx),
        "stacks": _stacks(ctx),
    }
    for s in data["sensitive"]:
        s["explicit"] = bool(s["explicit"])
    for e in data["expressions"]:
        e["smiling"] = bool(e["smiling"])
    return data


def sidecars(ctx: AppContext, data: dict[str, Any]) -> dict[int, Sidecar]:
    """One sidecar per photo with faces, tags worth keywords, a place, a rating, a favourite mark or
    an album; keyed by photo id."""
    names = {p["id"]: p["name"] for p in data["people"]}
    out: dict[int, Sidecar] = {}
    photos = {p["id"]: p for p in data["photos"] if p["kind"] == "photo"}

    def entry(photo_id: int) -> Sidecar | None:
        photo = photos.get(photo_id)
        if photo is None:
            return None
        if photo_id not in out:
            first = photo["files"][0]["path"] if photo["files"] else None
            out[photo_id] = Sidecar(
                width=photo["width"] or 0,
                height=photo["height"] or 0,
                content_hash=photo["hash"],
                file_name=os.path.basename(first) if first else None,
            )
        return out[photo_id]

    for f in data["faces"]:
        s = entry(f["photo_id"])
        if s is not None:
            x, y, w, h = f["box"]
            s.faces.append(FaceRegion(x, y, w, h, name=names.get(f["person_id"]) if f["person_id"] else None))
    for t in data["tags"]:
        s = entry(t["photo_id"]) if t["score"] >= thresholds.EXPORT_TAG_MIN_SCORE else None
        if s is not None and t["tag"] not in s.keywords:
            s.keywords.append(t["tag"])
    for p in data["places"]:
        if (p["city"] or p["country"]) and (s := entry(p["photo_id"])) is not None:
            s.city, s.region, s.country = p["city"], p["region"], p["country"]
    by_hash = {p["hash"]: pid for pid, p in photos.items()}
    for album in data["albums"]:  # manual albums: a smart one is a search, not a membership
        for h in album["photo_hashes"] or []:
            if h in by_hash and (s := entry(by_hash[h])) is not None and album["name"] not in s.albums:
                s.albums.append(album["name"])
    for pid, photo in photos.items():
        if photo.get("rating") or photo.get("favourite"):
            s = entry(pid)
            assert s is not None
            s.rating = photo.get("rating") or s.rating
            s.favourite = bool(photo.get("favourite"))
    return out


def sidecar_names(data: dict[str, Any], photo_ids: list[int]) -> dict[int, str]:
    """``<file stem>.xmp``, or ``<stem>-<hash prefix>.xmp`` where stems collide."""
    by_id = {p["id"]: p for p in data["photos"]}
    stems: dict[int, str] = {}
    for pid in photo_ids:
        files = by_id[pid]["files"]
        stems[pid] = Path(files[0]["path"]).stem if files else by_id[pid]["hash"][:16]
    counts: dict[str, int] = {}
    for stem in stems.values():
        counts[stem.lower()] = counts.get(stem.lower(), 0) + 1
    return {
        pid: (stem if counts[stem.lower()] == 1 else f"{stem}-{by_id[pid]['hash'][:12]}") + ".xmp"
        for pid, stem in stems.items()
    }


def export(
    ctx: AppContext,
    out: Path,
    include_prints: bool = False,
    advance: Callable[[str, int | None], None] = lambda step, total: None,
) -> ExportResult:
    """Write the export into ``out``; return what was written.

    Every file is written 0600, in folders made 0700: the export holds names, GPS, text and
    perhaps face prints. A folder the person already had is left as it was (with a warning when
    others can list it), unless it is empty or holds an earlier export."""
    existed = out.expanduser().exists()
    try:
        folder = records.output_dir(ctx, out)
    except records.CreationError as e:
        raise ExportError(str(e)) from e
    result = ExportResult(out=str(folder), face_prints=include_prints)
    ours = not existed or (folder / "library.json").exists() or not any(folder.iterdir())
    if (warning := private_folder(folder, ours)) is not None:
        result.warnings.append(warning)
    advance("Reading the library", None)
    data = library(ctx, include_prints, result)
    side = sidecars(ctx, data)
    names = sidecar_names(data, sorted(side))
    for p in data["photos"]:
        p["sidecar"] = f"sidecars/{names[p['id']]}" if p["id"] in names else None
    side_dir = folder / "sidecars"
    side_dir.mkdir(mode=0o700, exist_ok=True)
    private_folder(side_dir, ours=True)
    for old in side_dir.glob("*.xmp"):  # a re-export must not keep sidecars of photos deleted since
        old.unlink()
    advance("Writing sidecars", len(side))
    for pid in sorted(side):
        write_private(side_dir / names[pid], to_xmp(side[pid]).encode("utf-8"))
        advance("", 1)
    result.sidecars = len(side)
    _write_json(folder / "library.json", data)
    _write_json(
        folder / "consent.json", [{k: v for k, v in vars(e).items() if k != "token"} for e in consent.events(ctx)]
    )
    result.counts = {k: len(v) for k, v in data.items() if isinstance(v, list)}
    if include_prints:
        result.warnings.append(
            "library.json holds face prints in clear: biometric data that can recognise these "
            "people; keep it as safe as the photos themselves, or export again without them"
        )
    audit.record(
        ctx,
        "export",
        photos=result.counts["photos"],
        faces=result.counts["faces"],
        people=result.counts["people"],
        sidecars=result.sidecars,
        face_prints=include_prints,
    )
    problems, events = audit.verify(ctx), [vars(e) for e in audit.events(ctx)]
    _write_json(folder / "audit.json", {"intact": not problems, "problems": problems, "events": events})
    return result


def _write_json(path: Path, data: Any) -> None:
    write_private(path, json.dumps(data, ensure_ascii=False, indent=1, default=str).encode("utf-8", "surrogateescape"))
