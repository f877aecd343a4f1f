"""Places: the photos with a position, on an offline world map, clustered by place.

With *places* consent a cluster is a named town ("Lisbon, Portugal"); without it camroll shows
only what the metadata capability already holds (the cameras' raw coordinates), grouped by a
grid of ``thresholds.WEB_MAP_GRID_DEGREES``, and says that naming them needs consent.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from camroll import thresholds
from camroll.config import AppContext
from camroll.privacy import consent
from camroll.report.worldmap import Marker, svg_map
from camroll.store import places
from camroll.web.common import Ctx, not_found, render

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
    found = clusters(ctx)
    svg = svg_map([Marker(c["lat"], c["lon"], c["label"], c["count"], href=c["href"]) for c in found], width=1000)
    return render(
        request,
        "places.html",
        title="Places",
        nav="places",
        places=found,
        map_svg=svg,
        places_on=bool(consent.active_scopes(ctx, "places")),
    )


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
    return render(request, "grid.html", title=title, nav="places", photo_ids=ids, back="/places")
