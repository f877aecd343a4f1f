"""An offline world map: a coarse outline of the land as SVG, and dots on it. No tile server.

The outline ships as ``data/world-outline.txt`` (about 10,000 points): the land time zones of
the ``timezonefinder-data`` package (timezone-boundary-builder, built from OpenStreetMap, ODbL:
"© OpenStreetMap contributors") merged into one shape and simplified to about 15 km. Ocean zones
(``Etc/GMT±N``) are left out, so what remains is land (with territorial waters, invisible at this
scale). ``python -m camroll.web.worldmap`` rebuilds the file; nothing is downloaded.

The projection is plain equirectangular, cut at 84°N and 60°S (no photos from Antarctica are
worth half the map's height). The exposure report reuses :func:`world_svg`.
"""

from __future__ import annotations

import functools
import html
import math
from dataclasses import dataclass
from pathlib import Path

OUTLINE_FILE = Path(__file__).parent / "data" / "world-outline.txt"
ATTRIBUTION = "Land outline © OpenStreetMap contributors (ODbL), via timezone-boundary-builder"
WIDTH = 1000.0
NORTH, SOUTH = 84.0, -60.0
HEIGHT = WIDTH * (NORTH - SOUTH) / 360.0


@dataclass
class MapPoint:
    lat: float
    lon: float
    label: str
    count: int = 1
    href: str | None = None


def project(lat: float, lon: float) -> tuple[float, float]:
    """Map coordinates (x right, y down) of a position, in the map's 1000-wide frame."""
    lat = max(SOUTH, min(NORTH, lat))
    return (lon + 180.0) / 360.0 * WIDTH, (NORTH - lat) / 360.0 * WIDTH


@functools.cache
def outline_path() -> str:
    """The land as one SVG path (``fill-rule: evenodd`` keeps lakes and inland seas open)."""
    parts = []
    for line in OUTLINE_FILE.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        pts = [project(float(lat), float(lon)) for lon, lat in (p.split(",") for p in line.split())]
        parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + "Z")
    return "".join(parts)


def world_svg(points: list[MapPoint], title: str = "Where your photos were taken") -> str:
    """A standalone ``<svg>`` element: the outline and one dot per point, its area growing with
    its count, each a link when it has ``href``. All text is escaped."""
    out = [f'<svg class="worldmap" viewBox="0 0 {WIDTH:.0f} {HEIGHT:.0f}" role="img" aria-label="{html.escape(title)}"'
           ' xmlns="http://www.w3.org/2000/svg">',
           f"<title>{html.escape(title)}</title>",
           f'<rect class="sea" x="0" y="0" width="{WIDTH:.0f}" height="{HEIGHT:.0f}"/>',
           f'<path class="land" fill-rule="evenodd" d="{outline_path()}"/>']  # fmt: skip
    for p in sorted(points, key=lambda p: -p.count):  # big dots first, small ones stay clickable on top
        x, y = project(p.lat, p.lon)
        r = 3.0 + 2.2 * math.sqrt(max(1, p.count))
        dot = (f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"><title>{html.escape(p.label)}: '
               f'{p.count} photo{"s" if p.count != 1 else ""}</title></circle>')  # fmt: skip
        if p.count > 1:
            dot += f'<text class="count" x="{x:.1f}" y="{y + 3.5:.1f}">{p.count}</text>'
        out.append(f'<a href="{html.escape(p.href)}">{dot}</a>' if p.href else dot)
    out.append(f'<text class="attribution" x="{WIDTH - 6:.0f}" y="{HEIGHT - 6:.0f}">{html.escape(ATTRIBUTION)}</text>')
    out.append("</svg>")
    return "".join(out)


def build_outline(tolerance: float = 0.15, min_area: float = 0.3) -> list[list[tuple[float, float]]]:
    """Rings (lon, lat) of the land, from the installed time zone polygons (about a minute)."""
    import shapely
    from shapely.geometry import Polygon
    from timezonefinder import TimezoneFinder

    finder = TimezoneFinder(in_memory=True)
    shapes = []
    for boundary in range(finder.nr_of_polygons):
        if finder.zone_name_from_boundary_id(boundary).startswith("Etc/"):
            continue
        coords = finder.coords_of(boundary).T / 1e7
        if len(coords) < 4:
            continue
        ring = shapely.simplify(shapely.linearrings(coords), tolerance / 2)
        shape = shapely.make_valid(Polygon(ring))
        if shape.area >= min_area:
            shapes.append(shape)
    land = shapely.unary_union(shapes).simplify(tolerance)
    rings: list[list[tuple[float, float]]] = []
    for poly in getattr(land, "geoms", [land]):
        if poly.geom_type != "Polygon" or poly.area < min_area:
            continue
        for ring in [poly.exterior, *(r for r in poly.interiors if Polygon(r).area >= min_area)]:
            if len(ring.coords) >= 4:
                rings.append([(round(x, 2), round(y, 2)) for x, y in ring.coords[:-1]])
    return rings


def main() -> None:
    rings = build_outline()
    lines = ["# lon,lat rings of the world's land: see camroll/web/worldmap.py (" + ATTRIBUTION + ")"]
    lines += [" ".join(f"{x:g},{y:g}" for x, y in ring) for ring in rings]
    OUTLINE_FILE.parent.mkdir(exist_ok=True)
    OUTLINE_FILE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(rings)} rings, {sum(map(len, rings))} points to {OUTLINE_FILE}")


if __name__ == "__main__":
    main()
