"""The places part of the exposure report: where the photos were taken, and home and work.

Home and work come from the one estimate moments use (:func:`camroll.moments.home.whereabouts`),
read here over every photo with GPS (what a service reading the files learns, whether or not the
places consent named them); a home the person set wins, as it does in moments. The places
themselves are the photos grouped at the scale of a street block, each with its days.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from camroll import thresholds
from camroll.config import AppContext
from camroll.moments.cells import Cell, Cells
from camroll.moments.home import Home, whereabouts
from camroll.moments.timeline import distance_km
from camroll.progress import Reporter
from camroll.report.records import Finding, Photo

SHARE_ADVICE = "Share copies made with `camroll share PHOTO... --out DIR`: it strips GPS, serial numbers and time."


@dataclass
class Place:
    lat: float
    lon: float
    name: str
    photos: list[int]
    days: list[str]
    home_days: int
    work_days: int
    spread_m: float
    first: str | None
    last: str | None

    @property
    def precision_m(self) -> float:
        return max(self.spread_m, thresholds.REPORT_GPS_ACCURACY_M)


def cluster_places(photos: list[Photo]) -> list[Place]:
    """Located photos grouped into places of REPORT_PLACE_RADIUS_KM (greedy, in time order: the
    first photo of a place is its seed), with the days they were taken and when."""
    seeds: list[tuple[float, float, list[Photo]]] = []
    radius = thresholds.REPORT_PLACE_RADIUS_KM
    cells, filed = Cells(radius), defaultdict[Cell, list[int]](list)
    for p in photos:
        if p.lat is None or p.lon is None:
            continue
        # The first seed within the radius, as a scan of every seed would find it, but looking only
        # at the seeds of the cells around (a scan took 400 s for 20,000 photos over many places).
        near = sorted(i for cell in cells.near(p.lat, p.lon) for i in filed.get(cell, ()))
        found = next((i for i in near if distance_km(seeds[i][0], seeds[i][1], p.lat, p.lon) <= radius), None)
        if found is not None:
            seeds[found][2].append(p)
        else:
            filed[cells.cell_of(p.lat, p.lon)].append(len(seeds))
            seeds.append((p.lat, p.lon, [p]))
    places = []
    for _lat, _lon, members in seeds:
        lat = sum(m.lat or 0.0 for m in members) / len(members)
        lon = sum(m.lon or 0.0 for m in members) / len(members)
        spread = max(distance_km(lat, lon, m.lat or 0.0, m.lon or 0.0) for m in members) * 1000
        days: dict[str, tuple[bool, bool]] = {}
        for m in members:
            if (t := m.when) is None:
                continue
            night = t.hour >= thresholds.REPORT_NIGHT_HOURS[0] or t.hour < thresholds.REPORT_NIGHT_HOURS[1]
            weekday = t.weekday() < 5
            work = weekday and thresholds.REPORT_WORK_HOURS[0] <= t.hour < thresholds.REPORT_WORK_HOURS[1]
            home, was_work = days.get(t.date().isoformat(), (False, False))
            days[t.date().isoformat()] = (home or night or not weekday, was_work or work)
        names = Counter(m.place for m in members if m.place)
        name = names.most_common(1)[0][0] if names else f"{lat:.3f}, {lon:.3f}"
        taken = sorted(m.taken for m in members if m.taken)
        places.append(
            Place(
                lat,
                lon,
                name,
                [m.id for m in members],
                sorted(days),
                sum(h for h, _w in days.values()),
                sum(w for _h, w in days.values()),
                spread,
                taken[0] if taken else None,
                taken[-1] if taken else None,
            )
        )
    return places


def place_at(places: list[Place], where: Home) -> Place | None:
    """The report's place for an estimated (or set) home or work: the nearest one within two home
    radii of it (the estimate's centre and a place's centre differ by the photos at its edge)."""
    near = [(distance_km(pl.lat, pl.lon, where.lat, where.lon), pl) for pl in places]
    near = [(d, pl) for d, pl in near if d <= 2 * thresholds.HOME_RADIUS_KM]
    return min(near, key=lambda dp: (dp[0], -len(dp[1].photos)))[1] if near else None


def _why(where: Home) -> str:
    if where.source == "user":
        return "You set this place as your home in camroll (`camroll home`); "
    return f"camroll's estimate ({where.confidence} confidence): {where.reason}. "


def place_findings(
    ctx: AppContext, places: list[Place], photos: list[Photo], reporter: Reporter | None = None
) -> list[Finding]:
    """Home, work, the places a person returns to, and every place photographed. ``reporter``
    shows the home estimate reading every located photo."""
    located = [pid for pl in places for pid in pl.photos]
    if not located:
        return [
            Finding(
                "places",
                "Places you have been",
                "None of your photos has GPS coordinates.",
                "none",
                0,
                [],
                [],
                ["metadata"],
            )
        ]
    out = []
    known = whereabouts(ctx, placed_only=False, reporter=reporter)
    # Only a clear estimate is called a likely home or work, as moments act only on a clear one; a
    # low-confidence one stays among the places a person returns to.
    home = place_at(places, known.home) if known.home is not None and known.home.clear else None
    work = place_at(places, known.work) if known.work is not None and known.work.clear else None
    if work is home:
        work = None
    for role, pl, where in (("home", home, known.home), ("work", work, known.work)):
        if pl is None or where is None:
            continue
        out.append(
            Finding(
                role,
                f"Your likely {role}",
                f"{_why(where)}Photos taken on {len(pl.days)} different days place you near {where.name or pl.name} "
                f"to within about {_metres(pl.precision_m)}.",
                "high",
                len(pl.photos),
                pl.photos,
                [SHARE_ADVICE, "Turn off location in your camera app for photos taken at " + role + "."],
                ["metadata", "places"],
                [
                    _place_item(pl)
                    | {"name": where.name or pl.name, "confidence": where.confidence, "reason": where.reason}
                ],
            )
        )
    regular = [pl for pl in places if len(pl.days) >= thresholds.REPORT_MIN_DAYS_FOR_ROUTINE]
    others = [pl for pl in regular if pl is not home and pl is not work]
    if others:
        out.append(
            Finding(
                "regular_places",
                "Places you return to",
                f"{_n(others, 'place')} {'appear' if len(others) != 1 else 'appears'} on several different days; "
                f"not enough to tell home from work here, but enough to know you keep coming back.",
                "high",
                sum(len(pl.photos) for pl in others),
                [p for pl in others for p in pl.photos],
                [SHARE_ADVICE],
                ["metadata", "places"],
                [_place_item(pl) for pl in others],
            )
        )
    countries = {pl.name.rsplit(", ", 1)[-1] for pl in places if "," in pl.name and not pl.name[0].isdigit()}
    out.append(
        Finding(
            "places",
            "Places you have been",
            f"{len(located)} of {len(photos)} photos carry GPS coordinates, in {len(places)} distinct place"
            f"{'s' if len(places) != 1 else ''}"
            + (f" in {len(countries)} countries" if len(countries) > 1 else "")
            + ", each with the date you were there.",
            "high",
            len(located),
            located,
            [SHARE_ADVICE, "Remove photos from camroll's catalog with `camroll remove PHOTO_ID` (the files stay)."],
            ["metadata", "places"],
            [_place_item(pl) for pl in places],
        )
    )
    return out


def _place_item(pl: Place) -> dict[str, Any]:
    return {
        "name": pl.name,
        "lat": round(pl.lat, 5),
        "lon": round(pl.lon, 5),
        "photos": pl.photos,
        "days": len(pl.days),
        "first": pl.first,
        "last": pl.last,
        "precision_m": round(pl.precision_m),
    }


def _metres(m: float) -> str:
    return f"{m / 1000:.1f} km" if m >= 1000 else f"{round(m, -1):.0f} m"


def _n(items: list[Any], word: str) -> str:
    return f"{len(items)} {word}{'s' if len(items) != 1 else ''}"
