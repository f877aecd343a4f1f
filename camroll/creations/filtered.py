"""A filtered copy of one photo: the look applied to its pixels, written as a new file without
EXIF (no place, no camera), recorded as a creation of that photo. ``camroll make filtered`` and
the photo page's "Filtered copy" both make it here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from camroll.config import AppContext
from camroll.creations import records
from camroll.store import files as store_files


def filtered_copy(
    ctx: AppContext, photo_id: int, filter_name: str, max_side: int | None, fmt: str, folder: Path
) -> dict[str, Any]:
    """Write and record the copy; a dict of what was made (id, photo_id, path, size, capabilities)."""
    from camroll.creations.filters import apply_filter
    from camroll.creations.source import displayed_size, face_boxes, open_photo, scale_boxes

    img = open_photo(ctx, photo_id, max_side)
    full = displayed_size(ctx, photo_id) or img.size
    faces = face_boxes(ctx, photo_id) if filter_name == "portrait" else []
    result = apply_filter(img, filter_name, faces=scale_boxes(faces, img.width / full[0]), seed=photo_id)
    stem = _file_stem(ctx, photo_id)
    path = records.unique_path(folder, f"{stem}-{filter_name}", ".jpg" if fmt == "jpeg" else ".png")
    if fmt == "jpeg":
        result.save(path, "JPEG", quality=92, optimize=True)
    else:
        result.save(path, "PNG", optimize=True)
    caps = ["faces"] if faces else []
    cid = records.record(
        ctx,
        "filtered",
        path,
        [photo_id],
        capabilities=caps,
        title=None,
        source=str(photo_id),
        params={"filter": filter_name, "max_side": max_side, "format": fmt},
    )
    return {"id": cid, "photo_id": photo_id, "path": str(path), "size": list(result.size), "capabilities": caps}


def _file_stem(ctx: AppContext, photo_id: int) -> str:
    path = store_files.first_live(ctx.db, photo_id)
    return Path(path).stem if path else f"photo-{photo_id}"
