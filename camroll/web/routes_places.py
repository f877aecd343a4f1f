"""Places: the photos with a position, on an offline world map, clustered by place.

With *places* consent a cluster is a named town ("Lisbon, Portugal"); without it camroll shows
only what the metadata capability already holds (the cameras' raw coordinates), grouped by a
grid of ``thresholds.WEB_MAP_GRID_DEGREES``, and says that naming them needs consent.

Home is shown and set here too: camroll's estimate with its confidence and reason, or the
person's own setting, set by a town's name or by a point picked on the map (``places.js``: the
map zooms and pans in the browser, and a click is turned back into degrees with the map's own
equirectangular bounds, which the SVG carries).
"""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from camroll import thresholds
from camroll.config import AppContext
from camroll.privacy import consent
from camroll.report.worldmap import Marker, svg_map
from camroll.store import places
from camroll.web.common import Ctx, Lib, csrf, not_found, render
from camroll.web.motion import with_motion

router = APIRouter()


def clusters(ctx: AppContext) -> list[dict[str, Any]]:
    """One entry per place (or grid cell): where, how many photos, a cover photo, a link."""
    out: list[dict[str, Any]] = []
    for city, country, lat, lon, n, cover in places.named_groups(ctx.db):
        label = ", ".join(x for x in (city, country) if x) or "Somewhere unnamed"
        out.append(
            {
                "label": label,
                "lat": lat,
                "lon": lon,
                "count": n,
                "cover": cover,
                "href": "/places/show?" + urlencode({"city": city or "", "country": country or ""}),
            }
        )
    step = thresholds.WEB_MAP_GRID_DEGREES
    cells: dict[tuple[int, int], list[Any]] = {}
    for lat, lon, pid in places.unnamed_positions(ctx.db):
        cells.setdefault((math.floor(lat / step), math.floor(lon / step)), []).append((lat, lon, pid))
    for (i, j), members in sorted(cells.items(), key=lambda kv: -len(kv[1])):
        lat = sum(m[0] for m in members) / len(members)
        lon = sum(m[1] for m in members) / len(members)
        out.append(
            {
                "label": f"Near {lat:.1f}, {lon:.1f}",
                "lat": lat,
                "lon": lon,
                "count": len(members),
                "cover": max(m[2] for m in members),
                "href": f"/places/show?cell={i},{j}",
            }
        )
    return out


@router.get("/places")
def places_page(request: Request, ctx: Ctx) -> Response:
    from camroll.moments.home import estimate

    found = clusters(ctx)
    places_on = bool(consent.active_scopes(ctx, "places"))
    home = estimate(ctx) if places_on else None
    markers = [Marker(c["lat"], c["lon"], c["label"], c["count"], href=c["href"]) for c in found]
    if home is not None:
        markers.append(Marker(home.lat, home.lon, "Home", 1, "home"))
    return render(
        request,
        "places.html",
        title="Places",
        nav="places",
        places=found,
        map_svg=svg_map(markers, width=1000),
        places_on=places_on,
        home=home,
        error=request.query_params.get("error"),
    )


@router.post("/home", dependencies=[Depends(csrf)])
def set_home_page(
    ctx: Ctx,
    lib: Lib,
    place: Annotated[str, Form()] = "",
    lat: Annotated[str, Form()] = "",
    lon: Annotated[str, Form()] = "",
) -> Response:
    """Set home from the places page: a town's name, or a point picked on the map."""
    from camroll.moments.home import HomeError, set_home

    try:
        with lib.write_lock:
            if place.strip():
                set_home(ctx, place=place.strip()[:200])
            else:
                set_home(ctx, lat=_degrees(lat), lon=_degrees(lon))
    except HomeError as e:
        return RedirectResponse(f"/places?error={quote(str(e)[:300])}#home", status_code=303)
    return RedirectResponse("/places#home", status_code=303)


@router.post("/home/forget", dependencies=[Depends(csrf)])
def forget_home_page(ctx: Ctx, lib: Lib) -> Response:
    """Forget the home the person set: camroll goes back to its estimate."""
    from camroll.moments.home import clear_home

    with lib.write_lock:
        clear_home(ctx)
    return RedirectResponse("/places#home", status_code=303)


def _degrees(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@router.get("/places/show")
def place_page(request: Request, ctx: Ctx) -> Response:
    q = request.query_params
    if "cell" in q:
        try:
            i, j = (int(v) for v in q["cell"].split(","))
        except ValueError:
            raise not_found() from None
        step = thresholds.WEB_MAP_GRID_DEGREES
        ids = places.unnamed_in_box(ctx.db, (i * step, (i + 1) * step), (j * step, (j + 1) * step))
        title = f"Near {(i + 0.5) * step:.1f}, {(j + 0.5) * step:.1f}"
    else:
        city, country = q.get("city", ""), q.get("country", "")
        ids = places.named_photos(ctx.db, city, country)
        title = ", ".join(x for x in (city, country) if x) or "Somewhere unnamed"
    if not ids:
        raise not_found("No photos were taken there.")
    return render(
        request, "grid.html", title=title, nav="places", photo_ids=ids, motion=with_motion(ctx, ids), back="/places"
    )
