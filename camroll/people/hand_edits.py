"""Upkeep the people job does before it clusters: a person's hand edits given back to faces found
again, and quality features measured for faces found before they were stored.

**Hand edits.** Revoking faces deletes every face (and with it the faces' ids); a new grant finds
them again under new ids. What the person said about them is kept in ``face_edits``, by photo
and box (:mod:`camroll.store.people`), and given back here to the new face whose box overlaps
the edit's by ``FACE_EDIT_CARRY_MIN_IOU`` or more (the best overlap first, one face per edit box):
``is`` puts the face on that person by hand, ``not`` records "not this person" (which the attach
step obeys). It runs in the people job, so nothing is put on a person without the people
consent; it is idempotent (a face that already agrees is left alone).

**Quality backfill.** Faces detected before migration 0020 have no sharpness or pose. Pose comes
from the five stored points; sharpness from the stored face crop (opened like the people page
opens it), since the photo's pixels are not decoded again for this. Faces are read
``BACKFILL_BATCH`` at a time by id, never all at once.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from camroll import thresholds
from camroll.analysis.face_quality import FACE_CROP_PAD, from_crop, pose
from camroll.config import AppContext
from camroll.privacy.crypto import KeyDestroyed, Sealer
from camroll.progress import Reporter, Silent
from camroll.store import faces
from camroll.store import people as store
from camroll.store.db import Row

EDIT_PHOTOS_BATCH = 500
"""Photos whose edits and faces are read at once when edits are given back."""
BACKFILL_BATCH = 500
"""Faces measured per batch (one transaction each) by the quality backfill."""

_Box = tuple[float, float, float, float]


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two x, y, w, h boxes."""
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def apply_edits(ctx: AppContext) -> int:
    """Give the stored hand edits to the faces they are about; return how many faces changed."""
    changed = 0
    for edits, found in store.edit_pages(ctx.db, EDIT_PHOTOS_BATCH):
        assign: list[tuple[int, int]] = []
        reject: list[tuple[int, int]] = []
        by_photo: dict[int, list[Row]] = {}
        for f in found:
            by_photo.setdefault(int(f["photo_id"]), []).append(f)
        boxes: dict[tuple[int, _Box], list[Row]] = {}
        for e in edits:
            boxes.setdefault((int(e["photo_id"]), (e["x"], e["y"], e["w"], e["h"])), []).append(e)
        pairs: list[tuple[float, tuple[int, _Box], Row, list[Row]]] = []
        for (photo, box), said in boxes.items():
            for f in by_photo.get(photo, []):
                overlap = iou(box, (f["x"], f["y"], f["w"], f["h"]))
                if overlap >= thresholds.FACE_EDIT_CARRY_MIN_IOU:
                    pairs.append((overlap, (photo, box), f, said))
        used_boxes: set[tuple[int, _Box]] = set()
        used_faces: set[int] = set()
        for _overlap, key, f, said in sorted(pairs, key=lambda p: -p[0]):
            if key in used_boxes or f["id"] in used_faces:
                continue
            used_boxes.add(key)
            used_faces.add(f["id"])
            rejected = {int(p) for p in (f["rejected"] or "").split(",") if p}
            for e in said:
                person = int(e["person_id"])
                if e["kind"] == "is" and (f["person_id"] != person or f["assigned_by"] != "user"):
                    assign.append((int(f["id"]), person))
                elif e["kind"] == "not" and person not in rejected:
                    reject.append((int(f["id"]), person))
        if assign or reject:
            store.give_back(ctx.db, assign, reject)
            changed += len({f for f, _ in assign} | {f for f, _ in reject})
    return changed


def measure_missing(ctx: AppContext, reporter: Reporter | None = None) -> int:
    """Measure the faces with no quality features yet; return how many were measured."""
    rep = reporter or Silent()
    sealer = ctx.sealer("biometric")
    folder = ctx.config.cache_dir / "faces"
    done, after = 0, -1
    started = False
    while rows := faces.unmeasured(ctx.db, after, BACKFILL_BATCH):
        if not started:
            rep.start("Measuring faces found before their quality was stored", None)
            started = True
        out: list[tuple[float | None, float, float, float, int]] = []
        for r in rows:
            box = (float(r["x"]), float(r["y"]), float(r["w"]), float(r["h"]))
            points = json.loads(r["landmarks"])
            kp = np.array(list(points.values()) if isinstance(points, dict) else points, np.float64).reshape(-1, 2)
            eye, nose, mouth = pose(kp, box[2]) if len(kp) == 5 else (0.0, 9.0, 0.0)
            out.append((_crop_sharpness(sealer, folder, r, box), eye, nose, mouth, int(r["id"])))
        faces.set_quality(ctx.db, out)
        after = int(rows[-1]["id"])
        done += len(rows)
        rep.advance(len(rows))
    return done


def _crop_sharpness(sealer: Sealer, folder: Path, row: Row, box: _Box) -> float | None:
    name = row["thumb"]
    if not name or not row["width"] or not row["height"]:
        return None
    path = folder / name
    if not path.is_file():
        return None
    try:
        data = path.read_bytes()
        if name.endswith(".sealed"):
            data = sealer.open(data)
        with Image.open(io.BytesIO(data)) as crop:
            return from_crop(crop.convert("RGB"), box, (int(row["width"]), int(row["height"])), FACE_CROP_PAD)
    except (OSError, ValueError, KeyDestroyed):
        return None
