"""A photo's curation buttons (favourite, archive, delete) and the Trash page (issue 14).

Delete moves the photo's files into the trash and removes the photo from the library at once
(``library/trash.py`` says why removed and not hidden); the Trash page lists what is there with
the days left before the sweep destroys it, and restores it or destroys it for good. Its photos
left the catalog with their derived data, thumbnails included, so the page names each one by its
file name, folder and dates, and shows a small preview drawn from the file in the trash on each
request and kept nowhere (``no-store``: not in camroll's cache, not in the browser's), so
nothing derived from a deleted photo is held anywhere. A file Pillow cannot read (a video, a RAW)
shows the "cannot show" picture and its name.

Every route here changes something: POST only, with the page's CSRF token, and the app's
middleware has already checked the Origin. Each takes the library's write lock, like the other
writers of the web app.
"""

from __future__ import annotations

import io
import os
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from PIL import Image, ImageOps

from camroll import thresholds
from camroll.library import trash
from camroll.privacy import audit
from camroll.privacy.trash import TrashError, safe_parts, trash_dirs
from camroll.store import curation, photos
from camroll.store import trash as store
from camroll.web.common import Ctx, Lib, csrf, int_id, not_found, render

router = APIRouter()


def _live(ctx: Ctx, photo: str) -> int:
    photo_id = int_id(photo)
    if photos.live_photo_row(ctx.db, photo_id) is None:
        raise not_found("There is no such photo in your library.")
    return photo_id


def _flag(ctx: Ctx, lib: Lib, photo: str, flag: curation.Flag, value: str) -> Response:
    photo_id = _live(ctx, photo)
    on = value == "1"
    with lib.write_lock:
        changed = curation.set_flag(ctx.db, [photo_id], flag, on)
        if changed:
            word = "favourite" if flag == "favourite" else "archive"
            audit.record(ctx, f"curation.{'' if on else 'un'}{word}", photos=changed)
    return RedirectResponse(f"/photo/{photo_id}", status_code=303)


@router.post("/photo/{photo}/favourite", dependencies=[Depends(csrf)])
def favourite(photo: str, ctx: Ctx, lib: Lib, value: Annotated[str, Form()] = "1") -> Response:
    """``value`` 1: a favourite; 0: no longer one."""
    return _flag(ctx, lib, photo, "favourite", value)


@router.post("/photo/{photo}/archive", dependencies=[Depends(csrf)])
def archive(photo: str, ctx: Ctx, lib: Lib, value: Annotated[str, Form()] = "1") -> Response:
    """``value`` 1: archived (out of the timeline and moments); 0: back in them."""
    return _flag(ctx, lib, photo, "archived", value)


@router.post("/photo/{photo}/delete", dependencies=[Depends(csrf)])
def delete(photo: str, ctx: Ctx, lib: Lib) -> Response:
    photo_id = _live(ctx, photo)
    with lib.write_lock:
        report = trash.delete_photos(ctx, [photo_id])
    if report.refused:
        why = "; ".join(f"{os.path.basename(what)}: {reason}" for what, reason in report.refused)
        return RedirectResponse(f"/trash?refused={len(report.refused)}&why={_q(why)}", status_code=303)
    return RedirectResponse(f"/trash?deleted={len(report.files)}", status_code=303)


def _q(text: str) -> str:
    from urllib.parse import quote

    return quote(text[:300])


@router.get("/trash")
def trash_page(request: Request, ctx: Ctx) -> Response:
    items = [
        {
            "id": i.id,
            "name": os.path.basename(i.original_path),
            "folder": os.path.dirname(i.original_path),
            "taken": (i.taken_local or "")[:10],
            "deleted": i.deleted_at[:10],
            "days_left": trash.days_left(i.deleted_at),
        }
        for i in store.items(ctx.db)
    ]
    q = request.query_params
    return render(
        request,
        "trash.html",
        title="Trash",
        nav="trash",
        items=items,
        keep_days=thresholds.TRASH_KEEP_DAYS,
        deleted=q.get("deleted", ""),
        restored=q.get("restored", ""),
        destroyed=q.get("destroyed", ""),
        refused=q.get("why", ""),
    )


def _item(ctx: Ctx, item: str) -> store.Item:
    found = store.get(ctx.db, int_id(item))
    if found is None:
        raise not_found("This is not in the trash (any more).")
    return found


@router.get("/trash/{item}/preview.jpg")
def preview(item: str, ctx: Ctx) -> Response:
    """A small JPEG of a file in the trash, made from it now and stored nowhere."""
    chosen = _item(ctx, item)
    try:
        data = _preview(ctx, chosen, thresholds.WEB_THUMB_SIDE)
    except (OSError, ValueError, TrashError, Image.DecompressionBombError):
        data = None
    if data is None:
        return RedirectResponse("/static/unreadable.svg", status_code=302)
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


def _preview(ctx: Ctx, item: store.Item, side: int) -> bytes | None:
    parts = safe_parts(item.trash_rel)
    with trash_dirs(ctx, parts[:-1], create=False) as dirs:
        fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dirs.fd)
    with os.fdopen(fd, "rb") as f, Image.open(f) as img:
        if img.width * img.height > thresholds.MAX_PIXELS:
            return None
        img.draft("RGB", (side, side))  # a JPEG decodes at 1/2, 1/4 or 1/8 of its size
        shown = ImageOps.exif_transpose(img).convert("RGB")
        shown.thumbnail((side, side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        shown.save(out, "JPEG", quality=thresholds.WEB_JPEG_QUALITY)
    return out.getvalue()


@router.post("/trash/{item}/restore", dependencies=[Depends(csrf)])
def restore(item: str, ctx: Ctx, lib: Lib) -> Response:
    chosen = _item(ctx, item)
    with lib.write_lock:
        report = trash.restore(ctx, [chosen])
    if report.refused:
        return RedirectResponse(f"/trash?why={_q(report.refused[0][1])}", status_code=303)
    back = photos.live_source_of_file(ctx.db, os.fsencode(report.restored[0][1])) if report.restored else None
    return RedirectResponse(f"/photo/{back['id']}" if back else "/trash?restored=1", status_code=303)


@router.post("/trash/{item}/destroy", dependencies=[Depends(csrf)])
def destroy(item: str, ctx: Ctx, lib: Lib) -> Response:
    chosen = _item(ctx, item)
    with lib.write_lock:
        n = trash.empty(ctx, [chosen])
    return RedirectResponse(f"/trash?destroyed={n}", status_code=303)


@router.post("/trash/empty", dependencies=[Depends(csrf)])
def empty(ctx: Ctx, lib: Lib) -> Response:
    with lib.write_lock:
        n = trash.empty(ctx, store.items(ctx.db))
    return RedirectResponse(f"/trash?destroyed={n}", status_code=303)
