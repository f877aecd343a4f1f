"""Videos and motion-photo clips that play in the browser: served with HTTP range requests.

A ``<video>`` element asks for byte ranges (``Range: bytes=a-b``) so it can start playing and seek
without downloading the whole file. ``/media/{id}`` serves a catalogued video; ``/clip/{id}``
serves the MP4 a motion photo carries, as a byte range of the JPEG itself (no temporary file), or
the MOV of an Apple Live Photo's still.
Bytes are streamed in chunks from the original, opened read-only. Only ONE range per request is
served: several ranges (``bytes=0-1,5-9``) or a malformed header get 416 with
``Content-Range: bytes */SIZE``, never a multipart reply (which would let a request ask for the
same bytes many times over). Login, Host and Origin are checked by the app's middleware as for
every route.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from camroll.config import AppContext
from camroll.library.live_photos import clip_still_there
from camroll.store import live_photos as store_live
from camroll.web import thumbs
from camroll.web.common import Ctx, int_id, not_found

router = APIRouter()

CHUNK = 256 * 1024
"""Bytes read and sent at a time: large enough for few system calls, small enough that a slow
client does not hold much memory."""

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")

_VIDEO_TYPES = {".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime", ".webm": "video/webm"}


class BadRange(ValueError):
    """A ``Range`` header this server will not serve (unsatisfiable, several ranges, malformed)."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive (first, last) byte a ``Range`` header asks for, None for no header.
    Raises :class:`BadRange` for anything else than one satisfiable range."""
    if header is None:
        return None
    m = _RANGE.match(header.strip())
    if m is None:
        raise BadRange(header)
    first_s, last_s = m.groups()
    if not first_s and not last_s:
        raise BadRange(header)
    if not first_s:  # a suffix: the last N bytes
        n = int(last_s)
        if n == 0 or size == 0:
            raise BadRange(header)
        return max(0, size - n), size - 1
    first = int(first_s)
    last = int(last_s) if last_s else size - 1
    if first >= size or last < first:
        raise BadRange(header)
    return first, min(last, size - 1)


def _chunks(path: str, start: int, length: int) -> Iterator[bytes]:
    with open(path, "rb") as f:
        f.seek(start)
        left = length
        while left > 0:
            block = f.read(min(CHUNK, left))
            if not block:
                return
            left -= len(block)
            yield block


def ranged(request: Request, path: str, base: int, size: int, media_type: str) -> Response:
    """Bytes ``base .. base+size-1`` of ``path`` as a file of ``size`` bytes, honouring one range."""
    try:
        wanted = parse_range(request.headers.get("range"), size)
    except BadRange:
        return Response(status_code=416, headers={"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"})
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, max-age=3600"}
    if wanted is None:
        headers["Content-Length"] = str(size)
        return StreamingResponse(_chunks(path, base, size), media_type=media_type, headers=headers)
    first, last = wanted
    headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    headers["Content-Length"] = str(last - first + 1)
    return StreamingResponse(
        _chunks(path, base + first, last - first + 1), status_code=206, media_type=media_type, headers=headers
    )


def _path(ctx: AppContext, photo: str) -> tuple[str, str]:
    try:
        _hash, kind, path, *_ = thumbs.source(ctx, int_id(photo))
    except thumbs.NoPhoto:
        raise not_found() from None
    if not os.path.isfile(path):
        raise not_found("The file of this photo is not where it was catalogued.")
    return kind, path


@router.get("/media/{photo}")
def media(request: Request, photo: str, ctx: Ctx) -> Response:
    """A catalogued video, for a ``<video>`` element."""
    kind, path = _path(ctx, photo)
    if kind != "video":
        raise not_found("This item is not a video.")
    media_type = _VIDEO_TYPES.get(os.path.splitext(path)[1].lower(), "application/octet-stream")
    return ranged(request, path, 0, os.path.getsize(path), media_type)


@router.get("/clip/{photo}")
def clip(request: Request, photo: str, ctx: Ctx) -> Response:
    """The clip of a motion photo: the byte range of the JPEG the scan recorded, checked to still
    be there (the file's size and the clip's ``ftyp`` box) without reading the photo: a player
    asks for many ranges."""
    _kind, path = _path(ctx, photo)
    span = store_live.clip_span(ctx.db, int_id(photo))
    if span is None and (mov := store_live.live_clip_of(ctx.db, int_id(photo))) is not None:
        _mov_kind, mov_path = _path(ctx, str(mov))  # an Apple Live Photo: its MOV, whole
        return ranged(request, mov_path, 0, os.path.getsize(mov_path), "video/quicktime")
    if span is None or not clip_still_there(path, *span):
        raise not_found("This photo has no motion clip.")
    return ranged(request, path, span[0], span[1], "video/mp4")
