"""``camroll share``: safe copies of chosen photos, ready to send to someone.

What a person expects when they share a photo "safely":

* **Nothing but the picture leaves.** The copy is a new JPEG made from pixels
  (:mod:`camroll.sharing.strip`): no GPS, serial numbers, time, maker notes, XMP history, IPTC,
  comments, ICC profile or embedded thumbnail. ``--keep-time`` keeps when it was taken;
  ``--keep-place city|country`` keeps a coarse place as a caption ("Paris, France"), never
  coordinates. Copies are named ``shared-N.jpg``: an original's name can itself say when it was
  taken (``IMG_20190504_...``) or who is in it.
* **Only the people you chose are recognisable.** By default every face camroll found is masked
  (:mod:`camroll.sharing.mask`): named people, unknown people and ignored strangers alike.
  ``--person ID`` (or a name, repeatable) lists who may stay visible. ``--keep-faces`` masks
  nothing, for photos you mean to share as they are.
* **No silent gaps.** Faces can only be masked where camroll looked for them, which needs the
  ``faces`` consent and an analysis run. A photo whose faces were never looked for is refused
  (with the reason) unless ``--keep-faces`` says faces may stay: camroll does not run face
  detection behind a missing consent just to share.
* **Checked, logged, never beside originals.** Each copy is read back and checked before it is
  reported; a copy that fails is deleted. The output folder may not hold originals
  (:func:`camroll.creations.records.output_dir`). Each copy is recorded as a creation (so deleting
  the photo or revoking ``faces`` deletes the copy too), and each run is one audit record with
  counts and options only: no paths, names or hashes, since the audit log outlives the photos.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from camroll.config import AppContext
from camroll.creations import records
from camroll.errors import RequestError
from camroll.library.metadata import format_offset
from camroll.privacy import audit
from camroll.sharing import mask, strip
from camroll.store import analysis_state, faces, people, photos

PlaceDetail = Literal["city", "country"]


class ShareRequestError(RequestError, ValueError):
    """The request as a whole cannot be done (unknown person, bad folder); for a person to read."""


@dataclass
class ShareOptions:
    keep_time: bool = False
    keep_place: PlaceDetail | None = None
    persons: list[str] = field(default_factory=list)
    """People (ids or names) whose faces stay visible."""
    mask: mask.MaskStyle = "blur"
    keep_faces: bool = False


@dataclass
class SharedCopy:
    photo: str
    """The argument as given."""
    photo_id: int
    path: str
    faces_masked: int
    faces_visible: int
    kept: dict[str, str | None]
    notes: list[str] = field(default_factory=list)
    verified: bool = True


@dataclass
class ShareResult:
    out: str
    copies: list[SharedCopy] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    """``{"photo": argument, "error": why}`` for each photo not shared."""

    def summary(self) -> str:
        masked = sum(c.faces_masked for c in self.copies)
        visible = sum(c.faces_visible for c in self.copies)
        words = [f"{len(self.copies)} safe {'copy' if len(self.copies) == 1 else 'copies'} written to {self.out}"]
        if self.copies:
            words.append(f"{masked} faces masked, {visible} left visible")
        if self.failed:
            words.append(f"{len(self.failed)} not shared")
        return "; ".join(words) + "."


@dataclass
class _Photo:
    id: int
    path: str
    orientation: int
    width: int
    height: int
    kind: str
    serial: str | None


def resolve_photo(ctx: AppContext, arg: str) -> _Photo:
    """A photo from an id, a path of a catalogued file, or a content hash (at least 8 characters)."""
    r = None
    if arg.isdigit():
        r = photos.live_source(ctx.db, int(arg))
    if r is None and os.path.exists(arg):
        r = photos.live_source_of_file(ctx.db, os.fsencode(os.path.abspath(arg)))
        if r is None:
            raise strip.ShareError("this file is not in your library (`camroll scan` its folder first)")
    if r is None and len(arg) >= 8 and all(c in "0123456789abcdef" for c in arg.lower()):
        r = photos.live_source_by_hash_prefix(ctx.db, arg.lower())
    if r is None:
        raise strip.ShareError("no such photo (give a photo id, a path or a hash; see `camroll photos`)")
    if r["kind"] != "photo":
        raise strip.ShareError("videos cannot be shared safely yet: only photos")
    return _Photo(r["id"], r["path"], r["orientation"], r["width"] or 0, r["height"] or 0, r["kind"], r["serial"])


def resolve_people(ctx: AppContext, persons: Sequence[str]) -> set[int]:
    """Person ids for ``--person`` values: an id, or a name (case-insensitive, exact)."""
    out: set[int] = set()
    for value in persons:
        if value.isdigit() and people.exists(ctx.db, int(value)):
            out.add(int(value))
            continue
        ids = people.ids_named(ctx.db, value.strip())
        if len(ids) != 1:
            raise ShareRequestError(
                f"there is {'no' if not ids else 'more than one'} person {value!r} "
                "(see `camroll people`; give their id)"
            )
        out.add(ids[0])
    return out


def _faces(ctx: AppContext, photo_id: int) -> list[tuple[tuple[float, float, float, float], int | None]] | None:
    """The photo's face boxes and people, or None where faces were never looked for."""
    if not analysis_state.is_done(ctx.db, photo_id, "faces"):
        return None
    rows = faces.boxes_and_people(ctx.db, photo_id)
    return [((r["x"], r["y"], r["w"], r["h"]), r["person_id"]) for r in rows]


def kept_fields(ctx: AppContext, photo_id: int, options: ShareOptions, notes: list[str]) -> strip.Kept:
    kept = strip.Kept()
    row = photos.time_and_place(ctx.db, photo_id)
    assert row is not None, "the photo was resolved from the catalog just before"
    if options.keep_time:
        if row["taken_local"] and row["taken_at_source"] == "file-mtime":
            notes.append("only the file's modification date is known, not when it was taken: no time kept")
        elif row["taken_local"]:
            kept.taken = row["taken_local"][:19].replace("-", ":", 2).replace("T", " ")
            offset = row["offset_minutes"] if row["offset_minutes"] is not None else row["tz_offset_minutes"]
            kept.offset = format_offset(offset) if offset is not None else None
        else:
            notes.append("no time known for this photo: none kept")
    if options.keep_place:
        parts = [row["city"], row["country"]] if options.keep_place == "city" else [row["country"]]
        caption = ", ".join(p for p in parts if p)
        if caption:
            kept.caption = caption
        else:
            notes.append("no place known for this photo (it needs GPS and the places consent): none kept")
    return kept


def share(
    ctx: AppContext,
    photos: Sequence[str],
    out: Path | None,
    options: ShareOptions,
    advance: Callable[[], None] = lambda: None,
) -> ShareResult:
    """Write a safe copy of each photo into ``out``; bad items are reported, the rest goes on."""
    try:
        folder = records.output_dir(ctx, out)
    except records.CreationError as e:
        raise ShareRequestError(str(e)) from e
    visible_people = resolve_people(ctx, options.persons)
    result = ShareResult(out=str(folder))
    for arg in photos:
        try:
            result.copies.append(_share_one(ctx, arg, folder, options, visible_people))
        except strip.ShareError as e:
            result.failed.append({"photo": arg, "error": str(e)})
        advance()
    audit.record(
        ctx,
        "share",
        photos=len(photos),
        copies=len(result.copies),
        failed=len(result.failed),
        faces_masked=sum(c.faces_masked for c in result.copies),
        faces_visible=sum(c.faces_visible for c in result.copies),
        people_visible=len(visible_people),
        mask="none" if options.keep_faces else options.mask,
        keep_time=options.keep_time,
        keep_place=options.keep_place,
    )
    return result


def _share_one(ctx: AppContext, arg: str, folder: Path, options: ShareOptions, visible_people: set[int]) -> SharedCopy:
    photo = resolve_photo(ctx, arg)
    notes: list[str] = []
    faces = _faces(ctx, photo.id)
    if faces is None and not options.keep_faces:
        raise strip.ShareError(
            "camroll never looked for faces in this photo (the faces consent is missing or it was not analysed "
            "yet), so it cannot mask them: `camroll consent grant faces` and `camroll analyze`, or share it "
            "with --keep-faces if every face in it may be seen"
        )
    pixels = strip.load_pixels(photo.path, photo.orientation, (photo.width, photo.height) if photo.width else None)
    height, width = pixels.shape[:2]
    to_mask, kept_visible = [], 0
    sx, sy = (width / photo.width, height / photo.height) if photo.width and photo.height else (1.0, 1.0)
    for (x, y, w, h), person in faces or []:
        if options.keep_faces or (person is not None and person in visible_people):
            kept_visible += 1
        else:
            to_mask.append((x * sx, y * sy, w * sx, h * sy))
    if to_mask:
        pixels = mask.mask_faces(pixels, to_mask, options.mask)
    kept = kept_fields(ctx, photo.id, options, notes)
    target = _next_name(folder)
    try:
        strip.write_jpeg(pixels, target, kept)
    except OSError as e:
        raise strip.ShareError(f"the copy cannot be written to {folder}: {e.strerror or e}") from e
    problems = strip.verify(target, kept, (width, height), [photo.serial] if photo.serial else [])
    if problems:
        target.unlink(missing_ok=True)
        raise strip.ShareError("the copy did not pass the check and was deleted: " + "; ".join(problems))
    capabilities = [] if options.keep_faces else ["faces", "people"]
    if kept.caption:
        capabilities.append("places")
    records.record(
        ctx,
        "share",
        target,
        [photo.id],
        capabilities=capabilities,
        source=f"photo {photo.id}",
        params={
            "mask": "none" if options.keep_faces else options.mask,
            "keep_time": options.keep_time,
            "keep_place": options.keep_place,
            "people_visible": sorted(visible_people),
        },
    )
    return SharedCopy(
        photo=arg,
        photo_id=photo.id,
        path=str(target),
        faces_masked=len(to_mask),
        faces_visible=kept_visible,
        kept={"time": kept.taken and (kept.taken + (kept.offset or "")), "place": kept.caption},
        notes=notes,
    )


def _next_name(folder: Path) -> Path:
    """``shared-N.jpg`` with the first free N (never overwriting an earlier copy)."""
    n = 1
    while (folder / f"shared-{n}.jpg").exists():
        n += 1
    return folder / f"shared-{n}.jpg"
