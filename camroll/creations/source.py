"""The pixels and face boxes a creation starts from.

A creation reads a photo the way a viewer shows it: the right way up (EXIF orientation, or the
HEIF container's rotation), RGB, from any current file of that photo (a photo copied to two
folders has two files; either will do). Decoding reuses :func:`camroll.analysis.decode.decode`,
so a face box stored by the faces analyser (displayed, oriented pixels of the full photo) lands
on the same pixels here, scaled by the same factor.

Face boxes come only from the ``faces`` table, which holds rows only while the ``faces``
capability is granted (revoking it purges them): a creation never runs face detection itself,
so it never learns more than a person allowed.
"""

from __future__ import annotations

from PIL import Image

from camroll import thresholds
from camroll.analysis.decode import DecodeError, decode, to_pil
from camroll.config import AppContext
from camroll.creations.clips import Clip
from camroll.creations.records import CreationError
from camroll.store import faces, files, photos

Box = tuple[float, float, float, float]
"""x, y, w, h in displayed pixels of the full-size photo."""

_FULL_SIZE = 1 << 16
"""A max side no photo reaches: 'no shrinking' for :func:`decode`."""


def open_photo(ctx: AppContext, photo_id: int, max_side: int | None = None) -> Image.Image:
    """The photo as displayed, RGB, its longest side at most ``max_side`` (full size when None).

    Tries each current file of the photo in turn (one may have become unreadable since the scan).
    Raises :class:`CreationError` with a sentence for a person when there is no such photo, it is
    a video, or no file of it can be decoded.
    """
    photo = photos.decode_facts(ctx.db, photo_id)
    if photo is None:
        raise CreationError(f"photo {photo_id} is not in the library")
    if photo["kind"] != "photo":
        raise CreationError(f"photo {photo_id} is a video, not a still photo")
    paths = files.readable_paths(ctx.db, photo_id)
    if not paths:
        raise CreationError(f"photo {photo_id} has no file on disk any more (all its files are missing)")
    size = (photo["width"] or 0, photo["height"] or 0)
    problems: list[str] = []
    for path in paths:
        try:
            decoded = decode(photo_id, photo["hash"], path, photo["orientation"], size, max_side or _FULL_SIZE)
        except DecodeError as e:
            problems.append(f"{path}: {e}")
            continue
        return to_pil(decoded)
    raise CreationError(f"photo {photo_id} cannot be read: {'; '.join(problems)}")


def clip_of(ctx: AppContext, photo_id: int) -> Clip | None:
    """Where a memory video's clip of this video starts: a second before its largest face was
    seen, else ``VIDEO_FRAME_AT`` of the way in; None for a photo, or a video with no file left."""
    facts = photos.clip_facts(ctx.db, photo_id)
    paths = files.readable_paths(ctx.db, photo_id) if facts is not None else []
    if facts is None or not paths:
        return None
    if facts["face_at"] is not None:
        start = max(0.0, float(facts["face_at"]) - 1.0)
    else:
        start = float(facts["duration"] or 0.0) * thresholds.VIDEO_FRAME_AT
    if facts["duration"]:  # leave room for a slide's length before the end
        start = max(0.0, min(start, float(facts["duration"]) - thresholds.VIDEO_SECONDS_PER_PHOTO))
    return Clip(paths[0], round(start, 3), int(facts["orientation"] or 1))


def displayed_size(ctx: AppContext, photo_id: int) -> tuple[int, int] | None:
    """The photo's displayed (oriented) size as the catalog recorded it; None when unknown."""
    size = photos.displayed_size(ctx.db, photo_id)
    return size if size is not None and size[0] and size[1] else None


def face_boxes(ctx: AppContext, photo_id: int) -> list[Box]:
    """Every face box found on the photo (x, y, w, h in displayed full-size pixels), largest
    first; empty when faces were not analysed or not consented to."""
    return faces.boxes(ctx.db, photo_id)


def scale_boxes(boxes: list[Box], factor: float) -> list[Box]:
    """Boxes in full-size pixels mapped onto a copy resized by ``factor``."""
    return [(x * factor, y * factor, w * factor, h * factor) for x, y, w, h in boxes]
