"""Thumbnails and screen-sized views of photos, made once and cached under CAMROLL_HOME.

Files are ``cache/thumbs/<photo hash>-<side>-o<orientation>.jpg``: named by the photo's content
hash and the orientation it is shown with (a photo turned by hand, ``camroll edit --rotate``, keeps
its hash but needs new pixels; the turn also deletes the old ones), in the folder the *metadata*
capability's registry entry owns, so revoking it (or ``camroll forget``)
deletes them with the catalog. A request names a photo by its catalog id only; the original's
path comes from the catalog, never from the request.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PIL import Image

from camroll import thresholds
from camroll.analysis.decode import DecodeError, decode
from camroll.config import AppContext
from camroll.store import photos

SIDES = (thresholds.WEB_THUMB_SIDE, thresholds.WEB_VIEW_SIDE)
"""The only sizes made: a request cannot ask for arbitrary sizes and fill the disk."""


class NoPhoto(LookupError):
    """No catalogued photo with that id (or none of its files can be read now)."""


def source(ctx: AppContext, photo_id: int) -> tuple[str, str, str, int, int | None, int | None]:
    """(hash, kind, path, orientation, width, height) of a catalogued photo with a live file."""
    row = photos.live_source(ctx.db, photo_id)
    if row is None:
        raise NoPhoto(photo_id)
    return row["hash"], row["kind"], row["path"], int(row["orientation"] or 1), row["width"], row["height"]


def thumbnail(ctx: AppContext, photo_id: int, side: int) -> Path | None:
    """The cached JPEG of a photo at ``side`` (made now if needed); None if it cannot be decoded.
    Raises :class:`NoPhoto` for an unknown id."""
    if side not in SIDES:
        raise ValueError(f"unsupported thumbnail size {side}")
    photo_hash, kind, path, orientation, width, height = source(ctx, photo_id)
    folder = ctx.config.cache_dir / "thumbs"
    out = folder / f"{photo_hash}-{side}-o{orientation}.jpg"
    if out.is_file():
        return out
    try:
        img = (
            _video_frame(path, side)
            if kind == "video"
            else _photo(photo_id, photo_hash, path, orientation, width, height, side)
        )
    except (DecodeError, OSError, ValueError):
        return None
    if img is None:
        return None
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".jpg")
    try:
        with os.fdopen(fd, "wb") as f:
            img.convert("RGB").save(f, "JPEG", quality=thresholds.WEB_JPEG_QUALITY, optimize=True, progressive=True)
        os.replace(tmp, out)  # atomic: two requests making the same thumbnail both end with a whole file
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def _photo(
    photo_id: int, photo_hash: str, path: str, orientation: int, width: int | None, height: int | None, side: int
) -> Image.Image:
    decoded = decode(
        photo_id, photo_hash, path, orientation, (width, height) if width and height else None, max_side=side
    )
    return Image.fromarray(decoded.pixels)


def _video_frame(path: str, side: int) -> Image.Image | None:
    """The first frame of a video (PyAV opens the file read-only), scaled to ``side``."""
    import av

    with av.open(os.fsdecode(os.fsencode(path))) as container:
        for frame in container.decode(video=0):
            img: Image.Image = frame.to_image()  # type: ignore[no-untyped-call,unused-ignore]
            img.thumbnail((side, side), Image.Resampling.LANCZOS)
            return img
    return None
