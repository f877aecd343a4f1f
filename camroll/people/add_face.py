"""Add a face the detector missed: the person draws a box on a photo, and camroll stores it as a
face like any other, with its print computed from the box (:mod:`camroll.analysis.drawn_face`).

Consent first: the box's pixels are read, and a print computed, only where the **Faces**
capability is granted for that photo's file (its scope may be a folder); otherwise nothing is
decoded and the request is refused. The face is stored with score 1.0 (a person saw it), model
``drawn:<faces version>``, its print and crop sealed under the biometric key like a detected
face's. When a person is named it is put there by hand (``assigned_by = 'user'``) and its hand
edit in ``face_edits`` is marked ``drawn``: like every hand edit, it outlives a revoke of faces
(the face itself, being derived, is deleted by the revoke; see the module's known gap below).

The detector that missed the face misses it again after a revoke and a new grant, or when a
new faces model analyses the photo again (which replaces every face of the photo). So the people
job draws it again first (:func:`redraw_missing`): each drawn hand edit with no face in its box
is computed again from the box, where Faces is granted for its photo, and put back on its person.
"""

from __future__ import annotations

import json

from camroll import thresholds
from camroll.analysis.decode import DecodeError, decode
from camroll.analysis.drawn_face import compute
from camroll.analysis.faces import FaceAnalyser
from camroll.config import AppContext
from camroll.people import review
from camroll.people.edit import PeopleError
from camroll.people.hand_edits import iou
from camroll.privacy import consent
from camroll.store import faces as store_faces
from camroll.store import people as store_people
from camroll.store import photos
from camroll.store import review as store

Box = tuple[float, float, float, float]


def parse_box(text: str) -> Box:
    """``x,y,w,h`` (displayed pixels) as four numbers."""
    try:
        parts = [float(p) for p in text.replace(" ", "").split(",")]
    except ValueError:
        raise PeopleError(f"{text!r} is not a box: give x,y,w,h in pixels, like 120,80,64,64") from None
    if len(parts) != 4:
        raise PeopleError(f"{text!r} is not a box: give four numbers x,y,w,h")
    return parts[0], parts[1], parts[2], parts[3]


REDRAW_BATCH = 500
"""Drawn faces' hand edits read at once by :func:`redraw_missing`."""


def add_face(
    ctx: AppContext,
    photo_id: int,
    box: Box,
    person_id: int | None = None,
    name: str | None = None,
    analyser: FaceAnalyser | None = None,
) -> tuple[int, int | None, bool]:
    """Store the face drawn in ``box`` on the photo, on ``person_id`` or the person ``name``
    names (a named person, else a new one), or on no one; return (face id, person id or None,
    whether it got a print). ``analyser``: a loaded one to reuse (else one is loaded)."""
    row = photos.live_source(ctx.db, photo_id)
    if row is None:
        raise PeopleError(f"there is no photo {photo_id} with a readable file")
    if row["kind"] == "video":
        raise PeopleError("a face can be drawn on a photo, not on a video")
    if not consent.allows(ctx, "faces", row["path"]):
        raise PeopleError(
            "Faces is not granted for this photo, so camroll may not look at its faces:"
            " grant it first (`camroll consent grant faces`, or the Consent page)"
        )
    width, height = int(row["width"] or 0), int(row["height"] or 0)
    x, y, w, h = box
    if w < thresholds.DRAWN_FACE_MIN_SIDE or h < thresholds.DRAWN_FACE_MIN_SIDE:
        raise PeopleError(f"the box is too small: draw at least {thresholds.DRAWN_FACE_MIN_SIDE} pixels each side")
    if width and height:
        x, y = max(0.0, x), max(0.0, y)
        w, h = min(w, width - x), min(h, height - y)
        if w < thresholds.DRAWN_FACE_MIN_SIDE or h < thresholds.DRAWN_FACE_MIN_SIDE:
            raise PeopleError("the box is outside the photo")
    for other in store_faces.boxes_and_people(ctx.db, photo_id):
        if iou((x, y, w, h), (other["x"], other["y"], other["w"], other["h"])) >= thresholds.FACE_EDIT_CARRY_MIN_IOU:
            raise PeopleError(f'this face was found already (face {other["id"]}): use its "Who is this?"')
    if person_id is not None and not store_people.exists(ctx.db, person_id):
        raise PeopleError(f"there is no person {person_id} (see `camroll people`)")
    try:
        pixels = decode(
            photo_id, row["hash"], row["path"], int(row["orientation"] or 1), (width, height) if width else None
        )
    except DecodeError as e:
        raise PeopleError(f"the photo cannot be read: {e}") from None
    analyser = analyser or _analyser(ctx)
    drawn = compute(analyser, pixels, (x, y, w, h))
    sealer = ctx.sealer("biometric")
    face = store.insert_drawn_face(
        ctx.db,
        photo_id,
        drawn.box,
        json.dumps(drawn.points),
        None if drawn.embedding is None else sealer.seal(drawn.embedding),
        f"drawn:{FaceAnalyser.version}",
        drawn.thumb,
        drawn.quality,
        person_id,
    )
    who = person_id
    if who is None and name and name.strip():
        who = review.who(ctx, face, name)
    return face, who, drawn.embedding is not None


def _analyser(ctx: AppContext) -> FaceAnalyser:
    analyser = FaceAnalyser(threads=1, cache_dir=ctx.config.cache_dir, sealer=ctx.sealer("biometric"))
    analyser.ensure_loaded()
    return analyser


def redraw_missing(ctx: AppContext) -> int:
    """Draw again each drawn face whose photo has no face in its box any more (after a revoke
    and a new grant, or a new faces model), where Faces is granted for the photo, and put it
    back on its person; return how many were drawn again. A face the detector now finds in the
    box takes the hand edit instead (:func:`camroll.people.hand_edits.apply_edits`)."""
    analyser: FaceAnalyser | None = None
    done, after = 0, -1
    while edits := store.drawn_edits(ctx.db, after, REDRAW_BATCH):
        after = int(edits[-1]["photo_id"])
        for e in edits:
            box = (float(e["x"]), float(e["y"]), float(e["w"]), float(e["h"]))
            found = store_faces.boxes_and_people(ctx.db, int(e["photo_id"]))
            if any(iou(box, (f["x"], f["y"], f["w"], f["h"])) >= thresholds.FACE_EDIT_CARRY_MIN_IOU for f in found):
                continue
            row = photos.live_source(ctx.db, int(e["photo_id"]))
            if row is None or not consent.allows(ctx, "faces", row["path"]):
                continue  # no file to read, or no consent to read its faces: the edit waits
            analyser = analyser or _analyser(ctx)
            try:
                add_face(ctx, int(e["photo_id"]), box, int(e["person_id"]), analyser=analyser)
            except PeopleError:
                continue
            done += 1
    return done
