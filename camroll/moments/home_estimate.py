"""Where a person lives and works, estimated from every located photo's place and time.

One estimate serves the moments ("at home", trips) and the exposure report ("your likely home"),
so the two never disagree. The evidence, per place (photos within ``HOME_RADIUS_KM``):

- the different days photographed there (a place a person keeps coming back to),
- the nights among them (where a person sleeps) and the days with photos outside weekday working
  hours (evenings, weekends), which weigh more,
- the longest run of consecutive days there (a stay).

A library photographed only in daylight still has a home: the place that recurs on the most days.
Each estimate has a confidence (``high``, ``medium``, ``low``) and the reason in words; only a
clear one (medium or high) is used to find trips without help. Work is the place, away from home,
photographed on the most weekdays in working hours, when that is most of what is taken there.

The photos are read in batches from one cursor and folded into a grid of cells of the home radius
(per cell: a count, a coordinate sum and sets of days), so memory grows with the places and days a
library covers, not with its photos.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from camroll import thresholds
from camroll.moments.cells import Cell, Cells
from camroll.moments.timeline import distance_km, moment_day


@dataclass
class CellStats:
    """What the photos of one grid cell say."""

    n: int = 0
    lat_sum: float = 0.0
    lon_sum: float = 0.0
    days: set[date] = field(default_factory=set)
    nights: set[date] = field(default_factory=set)
    off_hours: set[date] = field(default_factory=set)
    """Days with a photo at night, in the evening or at a weekend."""
    work_hours: set[date] = field(default_factory=set)
    """Weekdays with a photo in working hours."""
    names: Counter[tuple[str, str | None]] = field(default_factory=Counter)

    @property
    def lat(self) -> float:
        return self.lat_sum / self.n

    @property
    def lon(self) -> float:
        return self.lon_sum / self.n


@dataclass
class Evidence:
    """What the photos within the home radius of one place say."""

    lat: float
    lon: float
    photos: int
    days: set[date]
    nights: set[date]
    off_hours: set[date]
    work_hours: set[date]
    names: Counter[tuple[str, str | None]]

    @property
    def home_score(self) -> int:
        return home_score(self)

    @property
    def longest_stay(self) -> int:
        """The longest run of consecutive days photographed there."""
        return longest_run(self.days)

    def name(self) -> str | None:
        if not self.names:
            return None
        (town, country), _n = max(self.names.items(), key=lambda kv: (kv[1], kv[0][0]))
        return f"{town}, {country}" if country else town


@dataclass
class Estimate:
    """A place the estimate found, with its confidence and the reason in words."""

    role: str
    """``home`` or ``work``."""
    evidence: Evidence
    confidence: str
    """``high``, ``medium`` or ``low``."""
    reason: str

    @property
    def clear(self) -> bool:
        """Clear enough to act on without asking (trips, "at home")."""
        return self.confidence in ("high", "medium")


def longest_run(days: Iterable[date]) -> int:
    best = run = 0
    previous: date | None = None
    for day in sorted(days):
        run = run + 1 if previous is not None and (day - previous).days == 1 else 1
        best, previous = max(best, run), day
    return best


def is_night(local: datetime) -> bool:
    return local.hour >= thresholds.HOME_NIGHT_FROM_HOUR or local.hour < thresholds.HOME_NIGHT_UNTIL_HOUR


def is_work_hours(local: datetime) -> bool:
    return local.weekday() < 5 and thresholds.REPORT_WORK_HOURS[0] <= local.hour < thresholds.REPORT_WORK_HOURS[1]


class Grid:
    """Located photos folded into cells of ``HOME_RADIUS_KM``; fed batch by batch."""

    def __init__(self) -> None:
        self.cells: dict[Cell, CellStats] = {}
        self.all_days: set[date] = set()
        self._geometry = Cells(thresholds.HOME_RADIUS_KM)

    def add(self, lat: float, lon: float, local: datetime, town: str | None, country: str | None) -> None:
        stats = self.cells.setdefault(self._geometry.cell_of(lat, lon), CellStats())
        day = moment_day(local)
        stats.n += 1
        stats.lat_sum += lat
        stats.lon_sum += lon
        stats.days.add(day)
        self.all_days.add(day)
        if is_night(local):
            stats.nights.add(day)
        if is_work_hours(local):
            stats.work_hours.add(day)
        else:
            stats.off_hours.add(day)
        if town:
            stats.names[(town, country)] += 1

    def around(self, lat: float, lon: float) -> Evidence:
        """The evidence of every cell whose photos' centre is within the home radius of a point."""
        found = Evidence(lat, lon, 0, set(), set(), set(), set(), Counter())
        lat_sum = lon_sum = 0.0
        for cell in self._geometry.near(lat, lon):
            stats = self.cells.get(cell)
            if stats is None or distance_km(lat, lon, stats.lat, stats.lon) > thresholds.HOME_RADIUS_KM:
                continue
            found.photos += stats.n
            lat_sum += stats.lat_sum
            lon_sum += stats.lon_sum
            found.days |= stats.days
            found.nights |= stats.nights
            found.off_hours |= stats.off_hours
            found.work_hours |= stats.work_hours
            found.names.update(stats.names)
        if found.photos:
            found.lat, found.lon = lat_sum / found.photos, lon_sum / found.photos
        return found

    def places(self, by: Callable[[CellStats], int]) -> list[Evidence]:
        """The neighbourhoods of the ``HOME_CANDIDATE_CELLS`` cells with the most evidence ``by``
        their own photos, the most telling first. A home or a workplace has cells of its own among
        them (its photos fall in at most a few cells); every other cell is left out so a library of
        ten thousand cells is not unioned ten thousand times."""
        top = heapq.nlargest(thresholds.HOME_CANDIDATE_CELLS, self.cells.values(), key=lambda s: (by(s), s.n))
        seen: list[Evidence] = [self.around(s.lat, s.lon) for s in top]
        seen.sort(key=lambda e: (-e.home_score, -e.longest_stay, -e.photos, e.lat, e.lon))
        return seen


def home_score(place: CellStats | Evidence) -> int:
    """A day there counts 1, a day with photos outside working hours 2, a night 3."""
    return len(place.days) + len(place.off_hours) + len(place.nights)


def _work_evidence(stats: CellStats) -> int:
    return len(stats.work_hours)


def _days(n: int, word: str = "day") -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def estimate_home(grid: Grid) -> Estimate | None:
    """The place with the most home evidence, or None when no place was photographed on two days."""
    candidates = grid.places(home_score)
    if not candidates or len(candidates[0].days) < thresholds.HOME_MIN_DAYS:
        return None
    best = candidates[0]
    # Re-centre once on the neighbourhood's own photos, then take its evidence from there.
    best = grid.around(best.lat, best.lon)
    far = 2 * thresholds.HOME_RADIUS_KM
    runner_up = next((c for c in candidates if distance_km(best.lat, best.lon, c.lat, c.lon) > far), None)
    second = runner_up.home_score if runner_up else 0
    days, nights = len(best.days), len(best.nights)
    share = days / max(1, len(grid.all_days))
    if share < thresholds.HOME_MIN_SHARE:
        confidence = "low"
    elif days >= thresholds.HOME_CLEAR_DAYS and best.home_score >= thresholds.HOME_CLEAR_LEAD * second:
        confidence = "high"
    elif days >= thresholds.HOME_LIKELY_DAYS and best.home_score > second:
        confidence = "medium"
    else:
        confidence = "low"
    parts = [f"photos on {_days(days)} within {thresholds.HOME_RADIUS_KM:g} km"]
    if nights:
        parts.append(f"{_days(nights, 'night')}")
    if len(best.off_hours) > nights:
        parts.append(f"{_days(len(best.off_hours))} with photos in evenings or at weekends")
    if best.longest_stay > 1:
        parts.append(f"the longest stay {_days(best.longest_stay)} in a row")
    reason = ", ".join(parts) + f", out of {_days(len(grid.all_days))} with located photos"
    if runner_up is not None:
        reason += f"; the next place ({runner_up.name() or 'unnamed'}) has {_days(len(runner_up.days))}"
    return Estimate("home", best, confidence, reason)


def estimate_work(grid: Grid, home_lat: float | None, home_lon: float | None) -> Estimate | None:
    """The place away from home photographed on the most weekdays in working hours, when those
    are most of its days; None when no place has ``HOME_MIN_DAYS`` such days. Work is any place
    not "at home" (beyond ``HOME_RADIUS_KM`` of it): an office a short walk away is still work;
    and within a commute (``TRIP_MIN_KM``): weekdays far from home are a trip, not a workplace."""
    found = [
        c
        for c in grid.places(_work_evidence)
        if len(c.work_hours) >= thresholds.HOME_MIN_DAYS
        and len(c.work_hours) > len(c.off_hours)
        and (
            home_lat is None
            or home_lon is None
            or thresholds.HOME_RADIUS_KM < distance_km(home_lat, home_lon, c.lat, c.lon) < thresholds.TRIP_MIN_KM
        )
    ]
    if not found:
        return None
    best = max(found, key=lambda c: (len(c.work_hours), c.photos, -c.lat, -c.lon))
    best = grid.around(best.lat, best.lon)
    weekdays = len(best.work_hours)
    confidence = (
        "high"
        if weekdays >= thresholds.HOME_CLEAR_DAYS
        else "medium"
        if weekdays >= thresholds.HOME_LIKELY_DAYS
        else "low"
    )
    reason = (
        f"photos on {_days(weekdays, 'weekday')} in working hours within {thresholds.HOME_RADIUS_KM:g} km, "
        f"and on {_days(len(best.off_hours))} outside them"
    )
    return Estimate("work", best, confidence, reason)
