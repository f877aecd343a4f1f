"""Albums on the web (issue 14): the Albums page, an album's page, "Add to album" from a photo,
and "Save this search as an album" from the search page.

``/albums`` lists the person's albums with a cover and a count, then the albums their cloud
exports named (read-only, with "Make it an album of your own"). ``/albums/{id}`` shows a page of
photos; a manual album has "Remove from album" on each, a smart album shows its search, run now
(:mod:`camroll.search.albums`). ``/photo/{id}/albums`` is where a photo is put in an album: each
manual album is one button, and a new album can be made there.

Names are the person's own text and reach HTML only through Jinja's autoescape. Every route that
changes something is a POST with the page's CSRF token (the app's middleware has already checked
the Origin), and takes the library's write lock like the web's other writers. A refused name or
search comes back to the page it was typed on, in words (``?error=``), rather than as an error page.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from camroll.errors import RequestError
from camroll.search import albums
from camroll.store import albums as album_rows
from camroll.store import photos
from camroll.web.common import Ctx, Lib, csrf, int_id, not_found, render

router = APIRouter()


def _to(path: str, **params: str | int) -> RedirectResponse:
    query = urlencode({k: str(v)[:300] for k, v in params.items() if v != ""})
    return RedirectResponse(f"{path}?{query}" if query else path, status_code=303)


def _album(ctx: Ctx, album: str) -> album_rows.Album:
    found = album_rows.by_id(ctx.db, int_id(album))
    if found is None:
        raise not_found("There is no such album (any more).")
    return found


def _photo(ctx: Ctx, photo: str) -> int:
    photo_id = int_id(photo)
    if photos.live_photo_row(ctx.db, photo_id) is None:
        raise not_found("There is no such photo in your library.")
    return photo_id


def _page_number(request: Request) -> int:
    text = request.query_params.get("page", "1")
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) < 7 else 1


@router.get("/albums")
def albums_page(request: Request, ctx: Ctx) -> Response:
    q = request.query_params
    return render(
        request,
        "albums.html",
        title="Albums",
        nav="albums",
        albums=albums.listing(ctx),
        imported=albums.imported(ctx),
        services=albums.SERVICES,
        error=q.get("error", ""),
        deleted=q.get("deleted", ""),
    )


@router.post("/albums", dependencies=[Depends(csrf)])
def create(
    ctx: Ctx, lib: Lib, name: Annotated[str, Form()] = "", query: Annotated[str | None, Form()] = None
) -> Response:
    """A new album: smart when ``query`` comes (the search page's "Save this search"), else manual."""
    try:
        with lib.write_lock:
            album = albums.create(ctx, name, query)
    except RequestError as e:
        if query is not None:
            return _to("/search", q=query, album_error=e.message)
        return _to("/albums", error=e.message)
    return _to(f"/albums/{album.id}")


@router.get("/albums/imported")
def imported_page(request: Request, ctx: Ctx) -> Response:
    q = request.query_params
    found = albums.imported_album(ctx, q.get("service", ""), q.get("name", ""))
    page = albums.imported_page(ctx, found, _page_number(request))
    here = f"/albums/imported?service={quote(found.service)}&name={quote(found.name)}"
    return render(
        request,
        "album.html",
        title=found.name,
        nav="albums",
        album=None,
        imported=found,
        service=albums.SERVICES.get(found.service, found.service),
        page=page,
        here=here,
        error=q.get("error", ""),
    )


@router.post("/albums/imported/copy", dependencies=[Depends(csrf)])
def copy_imported(
    ctx: Ctx,
    lib: Lib,
    service: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    new_name: Annotated[str, Form()] = "",
) -> Response:
    found = albums.imported_album(ctx, service, name)
    try:
        with lib.write_lock:
            album = albums.copy_imported(ctx, found, new_name or None)
    except RequestError as e:
        return _to("/albums/imported", service=service, name=name, error=e.message)
    return _to(f"/albums/{album.id}")


@router.get("/albums/{album}")
def album_page(request: Request, album: str, ctx: Ctx) -> Response:
    chosen = _album(ctx, album)
    page = albums.page_of(ctx, chosen, _page_number(request))
    q = request.query_params
    return render(
        request,
        "album.html",
        title=chosen.name,
        nav="albums",
        album=chosen,
        imported=None,
        page=page,
        here=f"/albums/{chosen.id}",
        error=q.get("error", ""),
        removed=q.get("removed", ""),
    )


@router.post("/albums/{album}/remove", dependencies=[Depends(csrf)])
def remove(
    ctx: Ctx, lib: Lib, album: str, photo: Annotated[str, Form()] = "", page: Annotated[int, Form()] = 1
) -> Response:
    """Take one photo out of a manual album; the photo stays in the library."""
    chosen = _album(ctx, album)
    photo_id = int_id(photo)
    try:
        with lib.write_lock:
            gone = albums.remove(ctx, chosen, [photo_id])
    except RequestError as e:
        return _to(f"/albums/{chosen.id}", error=e.message)
    return _to(f"/albums/{chosen.id}", page=max(1, page), removed=len(gone))


@router.post("/albums/{album}/rename", dependencies=[Depends(csrf)])
def rename(ctx: Ctx, lib: Lib, album: str, name: Annotated[str, Form()] = "") -> Response:
    chosen = _album(ctx, album)
    try:
        with lib.write_lock:
            albums.rename(ctx, chosen, name)
    except RequestError as e:
        return _to(f"/albums/{chosen.id}", error=e.message)
    return _to(f"/albums/{chosen.id}")


@router.post("/albums/{album}/delete", dependencies=[Depends(csrf)])
def delete(ctx: Ctx, lib: Lib, album: str) -> Response:
    """Delete the album, never its photos."""
    chosen = _album(ctx, album)
    with lib.write_lock:
        albums.delete(ctx, chosen)
    return _to("/albums", deleted=chosen.name)


@router.post("/albums/{album}/cover", dependencies=[Depends(csrf)])
def cover(ctx: Ctx, lib: Lib, album: str, photo: Annotated[str, Form()] = "") -> Response:
    chosen = _album(ctx, album)
    photo_id = _photo(ctx, photo)
    with lib.write_lock:
        albums.set_cover(ctx, chosen, photo_id)
    return _to(f"/albums/{chosen.id}")


@router.get("/photo/{photo}/albums")
def photo_albums(request: Request, photo: str, ctx: Ctx) -> Response:
    """Choose an album for this photo, or make one."""
    photo_id = _photo(ctx, photo)
    q = request.query_params
    manual = [a for a in album_rows.listing(ctx.db) if a.kind == "manual"]
    return render(
        request,
        "photo_albums.html",
        title="Add to album",
        nav="albums",
        photo_id=photo_id,
        albums=manual,
        member_of={a for a, _name in album_rows.albums_of(ctx.db, photo_id)},
        error=q.get("error", ""),
        added=q.get("added", ""),
    )


@router.post("/photo/{photo}/albums", dependencies=[Depends(csrf)])
def add_to_album(
    ctx: Ctx,
    lib: Lib,
    photo: str,
    album: Annotated[str, Form()] = "",
    new_name: Annotated[str, Form()] = "",
) -> Response:
    """Put this photo in the album ``album`` (an id), or in a new manual album ``new_name``."""
    photo_id = _photo(ctx, photo)
    try:
        with lib.write_lock:
            if album:
                chosen = _album(ctx, album)
            else:
                chosen = albums.create(ctx, new_name)
            albums.add(ctx, chosen, [photo_id])
    except RequestError as e:
        return _to(f"/photo/{photo_id}/albums", error=e.message)
    return _to(f"/photo/{photo_id}/albums", added=chosen.name)
