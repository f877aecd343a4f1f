"""Names for people from face regions other apps (or an earlier camroll export) wrote.

digiKam, Lightroom, Picasa and camroll's own export write named face regions in the Metadata
Working Group schema, in XMP sidecars or inside the photos. Importing them spares a person naming
everyone again:

1. **Find the photo.** A sidecar names its photo by camroll's content hash (camroll's export),
   else by file name: ``IMG_1.xmp`` (Lightroom) or ``IMG_1.jpg.xmp`` (digiKam) against the
   catalogued files. Several photos with that name and no hash: the sidecar is skipped, said why.
2. **Find the face.** Each named face region is turned into displayed pixels and matched to the
   camroll face of that photo it overlaps most, if their intersection over union reaches
   ``IMPORT_REGION_MIN_IOU`` (one region per face).
3. **Name the person.** The faces' people collect votes; a person takes the name most regions
   gave them, recorded as ``name_source = 'import:<file>'``. A name a person typed
   (``name_source = 'user'``, or a name of unknown origin) is never overwritten; a tie between
   two names names nobody. A later import may replace an earlier import's name.

Regions embedded in the photos themselves were read at scan time (``photos.regions``);
``from_photos`` uses them as one more source.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from camroll import thresholds
from camroll.config import AppContext
from camroll.library.sidecars import read_sidecar
from camroll.store import faces as store_faces
from camroll.store import files, people, photos

_HASH_SUFFIX = re.compile(r"^(?P<stem>.+)-(?P<hash>[0-9a-f]{12})$")
"""camroll's export names a sidecar ``<stem>-<hash prefix>.xmp`` when two photos share a stem."""


@dataclass
class NamedRegion:
    name: str
    x: float
    """Centre, as a fraction of the width (MWG ``stArea:x``)."""
    y: float
    w: float
    h: float


@dataclass
class ImportResult:
    sources: int = 0
    photos_matched: int = 0
    regions: int = 0
    faces_matched: int = 0
    faces_without_person: int = 0
    without_names: int = 0
    """Sources holding no named face region (nothing to import from them)."""
    named: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[dict[str, Any]] = field(default_factory=list)
    kept_user_names: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        words = [
            f"Read {self.sources} sources: {self.regions} named face regions on {self.photos_matched} photos, "
            f"{self.faces_matched} matched to faces camroll found",
            f"{len(self.named)} people named",
        ]
        if self.kept_user_names:
            words.append(f"{len(self.kept_user_names)} names you gave were kept")
        if self.conflicts:
            words.append(f"{len(self.conflicts)} people left unnamed (regions disagree)")
        if self.skipped:
            words.append(f"{len(self.skipped)} sources skipped")
        return "; ".join(words) + "."


def iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Intersection over union of two x, y, w, h boxes."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def sidecar_files(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*") if q.suffix.lower() == ".xmp" and q.is_file()))
        else:
            out.append(p)
    return out


def _photo_for(ctx: AppContext, sidecar: Path, content_hash: str | None, file_name: str | None) -> int | str:
    """The photo id a sidecar describes, or the reason none was found."""
    if content_hash:
        found = photos.id_by_hash(ctx.db, content_hash.lower())
        if found is not None:
            return found
    name = sidecar.name[: -len(sidecar.suffix)]  # IMG_1.jpg.xmp -> IMG_1.jpg; IMG_1.xmp -> IMG_1
    m = _HASH_SUFFIX.match(name)
    if m:
        found = photos.id_by_hash_prefix(ctx.db, m["hash"])
        if found is not None:
            return found
    candidates: set[int] = set()
    like = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    for photo_id, path in files.live_files_named_like(ctx.db, ("%/" + like, "%/" + like + ".%")):
        base = os.path.basename(path)
        if base in (name, file_name) or (Path(base).stem == name and "." not in name):
            candidates.add(photo_id)
    if len(candidates) == 1:
        return candidates.pop()
    return (
        "no photo in your library has this name"
        if not candidates
        else (f"{len(candidates)} photos have this name and the sidecar does not say which")
    )


def _regions_of(items: Iterable[Any]) -> list[NamedRegion]:
    """Named face regions from :class:`Region` objects or their stored dicts (``photos.regions``)."""
    out = []
    for item in items:
        r = item if isinstance(item, dict) else vars(item)
        name, kind = r.get("name"), r.get("type")
        if not name or not str(name).strip() or (kind and str(kind).lower() != "face"):
            continue
        try:
            out.append(
                NamedRegion(" ".join(str(name).split()), float(r["x"]), float(r["y"]), float(r["w"]), float(r["h"]))
            )
        except (KeyError, TypeError, ValueError):
            continue
    return out


def _match(ctx: AppContext, photo_id: int, regions: list[NamedRegion]) -> list[tuple[int | None, str]]:
    """(person id or None, name) for each region matched to a face of the photo."""
    width, height = photos.displayed_size(ctx.db, photo_id) or (0, 0)
    faces = store_faces.boxes_and_people(ctx.db, photo_id)
    if not width or not height or not faces:
        return []
    pairs = []
    for i, r in enumerate(regions):
        box = ((r.x - r.w / 2) * width, (r.y - r.h / 2) * height, r.w * width, r.h * height)
        for f in faces:
            overlap = iou(box, (f["x"], f["y"], f["w"], f["h"]))
            if overlap >= thresholds.IMPORT_REGION_MIN_IOU:
                pairs.append((overlap, i, f["id"], f["person_id"]))
    used_regions: set[int] = set()
    used_faces: set[int] = set()
    out: list[tuple[int | None, str]] = []
    for _overlap, i, face_id, person in sorted(pairs, reverse=True):
        if i in used_regions or face_id in used_faces:
            continue
        used_regions.add(i)
        used_faces.add(face_id)
        out.append((person, regions[i].name))
    return out


def import_names(ctx: AppContext, paths: Iterable[Path], from_photos: bool = False) -> ImportResult:
    """Read the sources, vote, and name people; a user's names always stay."""
    result = ImportResult()
    votes: dict[int, Counter[str]] = {}
    first_source: dict[tuple[int, str], str] = {}

    def collect(photo_id: int, regions: list[NamedRegion], source: str) -> None:
        result.photos_matched += 1
        result.regions += len(regions)
        for person, name in _match(ctx, photo_id, regions):
            result.faces_matched += 1
            if person is None:
                result.faces_without_person += 1
                continue
            votes.setdefault(person, Counter())[name] += 1
            first_source.setdefault((person, name), source)

    for path in sidecar_files(paths):
        result.sources += 1
        try:
            read = read_sidecar(path)
        except OSError as e:
            result.skipped.append({"source": str(path), "reason": f"cannot be read: {e.strerror}"})
            continue
        regions = _regions_of(read.regions)
        if not regions:
            result.without_names += 1
            continue
        photo = _photo_for(ctx, path, read.content_hash, read.file_name)
        if isinstance(photo, str):
            result.skipped.append({"source": str(path), "reason": photo})
            continue
        collect(photo, regions, path.name)
    if from_photos:
        for r in photos.with_regions(ctx.db):
            regions = _regions_of(json.loads(r["regions"]))
            if regions:
                result.sources += 1
                collect(r["id"], regions, os.path.basename(r["path"] or f"photo {r['id']}"))
    apply_votes(ctx, votes, first_source, result)
    return result


def apply_votes(
    ctx: AppContext, votes: dict[int, Counter[str]], first_source: dict[tuple[int, str], str], result: ImportResult
) -> None:
    """Name each person by the name most of its votes gave (a tie names nobody), recorded as
    ``import:<first source>``; a name the person typed is kept."""
    with ctx.db.transaction() as conn:
        for person, counter in sorted(votes.items()):
            ranked = counter.most_common()
            row = people.name_and_source(conn, person)
            if row is None:
                continue
            current, source = row
            if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
                result.conflicts.append({"person_id": person, "names": dict(counter)})
                continue
            name = ranked[0][0]
            entry = {"person_id": person, "name": name, "regions": ranked[0][1]}
            if current is not None and not (source or "").startswith("import:"):
                result.kept_user_names.append({**entry, "kept": current})
            elif current == name:
                result.unchanged.append(entry)
            else:
                tag = "import:" + first_source[(person, name)]
                people.set_imported_name(conn, person, name, tag)
                result.named.append({**entry, "source": tag, "was": current})
