"""Editing a photo's facts from its page: date and time zone, place, title, caption, rating and
keywords (:mod:`camroll.library.edits`: kept in camroll, written to a sidecar, never to the
original). The form sends every field; only those that differ from what the photo shows now
become edits, so saving the form unchanged edits nothing.

The turn buttons turn the photo a quarter left or right (:mod:`camroll.library.rotation`); what
was found in it the other way up is purged, so an analysis is queued at once (the one queue: an
analysis already waiting takes it) and the faces come back on the page when it is done."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response

from camroll.library import rotation
from camroll.library.edits import EditError, edit, parse_taken, rotate, undo
from camroll.privacy import consent
from camroll.store import photos
from camroll.web.common import Ctx, Lib, csrf, int_id, not_found
from camroll.web.routes_jobs import start_analysis

router = APIRouter()


def _changes(p: dict[str, Any], form: dict[str, str]) -> dict[str, Any]:
    """The edits the form asks for: each field whose value differs from the photo's."""
    out: dict[str, Any] = {}
    taken = form["taken"].strip()
    shown_taken = (p["taken_local"] or "")[:16]
    if taken and (taken[:16] != shown_taken or form["tz"].strip()):
        out["taken"] = parse_taken(taken, form["tz"].strip() or None)
    lat, lon = form["lat"].strip(), form["lon"].strip()
    if lat and lon:
        try:
            place = [float(lat), float(lon)]
        except ValueError:
            raise EditError(f"{lat!r}, {lon!r} is not a latitude and a longitude") from None
        if p["gps_lat"] is None or abs(place[0] - p["gps_lat"]) > 1e-7 or abs(place[1] - p["gps_lon"]) > 1e-7:
            out["place"] = place
    for key, column in (("title", "title"), ("description", "description")):
        if form[key].strip() != (p[column] or ""):
            out[key] = form[key]
    if form["rating"].strip() and int(form["rating"]) != (p["rating"] or 0):
        out["rating"] = int(form["rating"])
    words = [w.strip() for w in form["keywords"].split(",") if w.strip()]
    if words != json.loads(p["keywords"] or "[]"):
        out["keywords"] = words
    return out


@router.post("/photo/{photo}/edit", dependencies=[Depends(csrf)])
def edit_photo(
    photo: str,
    ctx: Ctx,
    lib: Lib,
    taken: Annotated[str, Form()] = "",
    tz: Annotated[str, Form()] = "",
    lat: Annotated[str, Form()] = "",
    lon: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    rating: Annotated[str, Form()] = "",
    keywords: Annotated[str, Form()] = "",
) -> Response:
    photo_id = int_id(photo)
    p = photos.live_photo_row(ctx.db, photo_id)
    if p is None:
        raise not_found("There is no such photo in your library.")
    form = {
        "taken": taken,
        "tz": tz,
        "lat": lat,
        "lon": lon,
        "title": title,
        "description": description,
        "rating": rating if rating.strip().isdigit() else "",
        "keywords": keywords,
    }
    try:
        changes = _changes(p, form)
        if changes:
            with lib.write_lock:
                edit(ctx, photo_id, changes)
    except EditError as e:
        return RedirectResponse(f"/photo/{photo_id}?error={quote(str(e)[:300])}#edit", status_code=303)
    return RedirectResponse(f"/photo/{photo_id}?edited={len(changes)}", status_code=303)


@router.post("/photo/{photo}/undo/{field}", dependencies=[Depends(csrf)])
def undo_edit(photo: str, field: str, ctx: Ctx, lib: Lib) -> Response:
    """Forget one edit: the file's own value comes back."""
    photo_id = int_id(photo)
    try:
        with lib.write_lock:
            undo(ctx, photo_id, field)
    except EditError as e:
        return RedirectResponse(f"/photo/{photo_id}?error={quote(str(e)[:300])}#edit", status_code=303)
    return RedirectResponse(f"/photo/{photo_id}", status_code=303)


TURNS = {"right": 90, "left": 270}
"""The turn buttons: a quarter clockwise, a quarter anticlockwise."""


@router.post("/photo/{photo}/rotate/{direction}", dependencies=[Depends(csrf)])
def rotate_photo(photo: str, direction: str, ctx: Ctx, lib: Lib) -> Response:
    """Turn the photo a quarter; queue the analysis that finds its faces and text again."""
    photo_id = int_id(photo)
    if direction not in TURNS:
        raise not_found()
    try:
        with lib.write_lock:
            rotate(ctx, photo_id, TURNS[direction])
    except EditError as e:
        return RedirectResponse(f"/photo/{photo_id}?error={quote(str(e)[:300])}#edit", status_code=303)
    redo = any(consent.active_scopes(ctx, cap.id) for cap in rotation.redone_capabilities() if cap.analyser)
    job = start_analysis(lib) if redo else None
    return RedirectResponse(f"/photo/{photo_id}?turned=1" + (f"&job={job}" if job else ""), status_code=303)
