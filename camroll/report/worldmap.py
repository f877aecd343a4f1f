"""A world map drawn offline: an SVG from coordinates, with no tile server and no request.

A map that fetches tiles tells the tile server where the photos were taken, which is exactly what
the exposure report warns about; so the land is drawn from an outline that ships with camroll
(``world_land.json``: the land time zones of timezone-boundary-builder, as packaged by
``timezonefinder-data``, unioned and simplified to about a quarter of a degree; ODbL, attribution
in the file and under every map). The projection is plain equirectangular: coarse, honest, and
the same arithmetic in Python and in a browser.

The web app's places page draws the same map, with a link on each marker.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from importlib import resources

from camroll import thresholds

LAND_FILE = "world_land.json"
LABEL_CHAR_PX = 6.2
"""Width of one character of an 11 px label, to keep labels from covering each other."""


@dataclass(frozen=True)
class Marker:
    lat: float
    lon: float
    label: str
    weight: int = 1
    """How many photos the marker stands for: its size grows with the square root of it."""
    kind: str = "place"
    """A CSS class suffix: ``place``, ``home``, ``work``."""
    href: str | None = None
    """Where a click on the marker leads (the web app's place pages); escaped like every text."""


@dataclass(frozen=True)
class View:
    """The part of the world shown, in degrees."""

    west: float = -180.0
    south: float = -60.0
    east: float = 180.0
    north: float = 84.0

    def project(self, lat: float, lon: float, width: float, height: float) -> tuple[float, float]:
        x = (lon - self.west) / (self.east - self.west) * width
        y = (self.north - lat) / (self.north - self.south) * height
        return x, y


def land() -> tuple[list[list[tuple[float, float]]], str]:
    """The land outline as rings of (lon, lat), and the attribution its licence asks for."""
    data = json.loads(resources.files("camroll.report").joinpath(LAND_FILE).read_text("utf-8"))
    rings = [[(ring[i] / 10, ring[i + 1] / 10) for i in range(0, len(ring), 2)] for ring in data["polygons"]]
    return rings, str(data["attribution"])


def fit(markers: Sequence[Marker], aspect: float = 2.0) -> View:
    """The whole world, unless every marker lies in a smaller region: then that region with a
    margin, widened to ``aspect`` (width / height in degrees) so the land is not distorted more
    than the projection already does."""
    if not markers:
        return View()
    lats, lons = [m.lat for m in markers], [m.lon for m in markers]
    span = max(max(lats) - min(lats), (max(lons) - min(lons)) / aspect)
    if span > thresholds.REPORT_MAP_WORLD_SPAN_DEG:
        return View()
    half_h = max(span / 2 * (1 + thresholds.REPORT_MAP_MARGIN), thresholds.REPORT_MAP_MIN_SPAN_DEG / 2)
    half_w = half_h * aspect
    lat0, lon0 = (max(lats) + min(lats)) / 2, (max(lons) + min(lons)) / 2
    return View(lon0 - half_w, max(-90.0, lat0 - half_h), lon0 + half_w, min(90.0, lat0 + half_h))


def svg_map(
    markers: Sequence[Marker],
    width: int = 720,
    height: int | None = None,
    view: View | None = None,
    title: str = "Where your photos were taken",
) -> str:
    """An inline ``<svg>``: land in grey, one circle per marker with a tooltip, and a label where
    it does not cover another (biggest places first); ``height`` follows the view when not given."""
    view = view or fit(markers, 2.0)
    if height is None:
        height = round(width * (view.north - view.south) / (view.east - view.west))
    rings, attribution = land()
    paths = []
    for ring in rings:
        if all(lon < view.west or lon > view.east for lon, _ in ring) or all(
            lat < view.south or lat > view.north for _, lat in ring
        ):
            continue
        pts = [view.project(lat, lon, width, height) for lon, lat in ring]
        paths.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in pts) + "Z")
    out = [
        f'<svg class="map" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img"'
        f' aria-label="{escape(title)}" data-west="{view.west:g}" data-east="{view.east:g}"'
        f' data-north="{view.north:g}" data-south="{view.south:g}">',
        f"<title>{escape(title)}</title>",
        f'<rect class="sea" width="{width}" height="{height}"/>',
        f'<path class="land" d="{" ".join(paths)}"/>',
    ]
    taken: list[tuple[float, float, float, float]] = [(width - 6.0 * len(attribution), height - 14.0, width, height)]
    for m in sorted(markers, key=lambda m: -m.weight):
        x, y = view.project(m.lat, m.lon, width, height)
        r = 4 + 3 * m.weight**0.5
        marker = (
            f'<g class="marker marker-{escape(m.kind)}"><title>{escape(m.label)}</title>'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"/></g>'
        )
        out.append(f'<a href="{escape(m.href)}">{marker}</a>' if m.href else marker)
        taken.append((x - r, y - r, x + r, y + r))
    for m in sorted(markers, key=lambda m: -m.weight):
        x, y = view.project(m.lat, m.lon, width, height)
        r = 4 + 3 * m.weight**0.5
        w = LABEL_CHAR_PX * len(m.label)
        for x0, anchor in ((x + r + 3, "start"), (x - r - 3 - w, "end")):
            box = (x0, y - 8, x0 + w, y + 6)
            if (
                box[0] >= 0
                and box[2] <= width
                and not any(_overlap(box, t) for t in taken[len(markers) + 1 :] + taken[:1])
            ):
                tx = x0 if anchor == "start" else x0 + w
                out.append(
                    f'<text class="label" x="{tx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}">{escape(m.label)}</text>'
                )
                taken.append(box)
                break
    out.append(
        f'<text class="attribution" x="{width - 4}" y="{height - 4}" text-anchor="end">{escape(attribution)}</text>'
    )
    out.append("</svg>")
    return "".join(out)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
