"""Trips: runs of days spent away from home, "Trip to Lisbon and Porto, June 2025".

A day is away when one of its located photos was taken at least ``TRIP_MIN_KM`` from home, and
at home when it has located photos and none is that far. Away days follow one another into a trip
across at most ``TRIP_MAX_QUIET_DAYS`` days without located photos; a day at home ends it. A trip
is a stay: photos taken away on at least ``TRIP_MIN_DAYS`` different days, at least
``TRIP_MIN_PHOTOS`` of them, so a couple of stray photos (two countries in one day) make none.
Trips need a clear home (set by the person, or estimated with medium or high confidence, see
:mod:`home_estimate`), and so the places consent: "away" means nothing without it. Places are
named by town ("Porto", not the neighbourhood entry "Ribeira").
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from camroll import thresholds
from camroll.config import AppContext
from camroll.moments import Moment
from camroll.moments.best import best_photo_ids
from camroll.moments.home import Home
from camroll.moments.snapshot import Snapshot
from camroll.moments.timeline import Shot, capabilities_of, distance_km, people_of
from camroll.moments.titles import day_span, join_words, month_span


def _km(home: Home, shot: Shot) -> float:
    return distance_km(home.lat, home.lon, shot.lat or 0.0, shot.lon or 0.0)


def away_runs(shots: list[Shot], home: Home) -> list[tuple[date, date]]:
    """(first, last) away day of every run of at least ``TRIP_MIN_DAYS`` photographed away days."""
    status: dict[date, bool] = {}
    for shot in shots:
        if shot.located:
            status[shot.day] = status.get(shot.day, False) or _km(home, shot) >= thresholds.TRIP_MIN_KM
    runs: list[list[date]] = []
    previous_away: date | None = None
    for day in sorted(status):
        if not status[day]:
            previous_away = None
            continue
        if previous_away is not None and (day - previous_away).days - 1 <= thresholds.TRIP_MAX_QUIET_DAYS:
            runs[-1].append(day)
        else:
            runs.append([day])
        previous_away = day
    return [(run[0], run[-1]) for run in runs if len(run) >= thresholds.TRIP_MIN_DAYS]


def find_trips(ctx: AppContext, snap: Snapshot) -> list[Moment]:
    """Every trip of the library, oldest first (none without a home)."""
    home = snap.home
    if home is None or not home.clear:
        return []
    by_day: dict[date, list[Shot]] = {}
    for shot in snap.shots:
        by_day.setdefault(shot.day, []).append(shot)
    trips = []
    for first_day, last_day in away_runs(snap.shots, home):
        run = [s for d in range((last_day - first_day).days + 1) for s in by_day.get(first_day + timedelta(days=d), [])]
        away = [s for s in run if s.located and _km(home, s) >= thresholds.TRIP_MIN_KM]
        if len(away) < thresholds.TRIP_MIN_PHOTOS:
            continue
        ids = [s.id for s in sorted(run, key=lambda s: (s.local, s.id))]
        first = min(run, key=lambda s: (s.local, s.id))
        person_ids = people_of(run)
        cities = Counter(town for s in away if (town := s.town or s.city))
        countries = Counter(s.country for s in away if s.country)
        where = _destination(cities, countries)
        title = (
            f"Trip to {where}, {month_span(first_day, last_day)}" if where else f"Trip, {day_span(first_day, last_day)}"
        )
        cover = best_photo_ids(ctx, [s.id for s in away] or ids, 1)
        trips.append(
            Moment(
                id=f"trip-{first.local:%Y%m%d}-{first.hash[:8]}",
                kind="trip",
                title=title,
                start=min(s.local for s in run).isoformat(),
                end=max(s.local for s in run).isoformat(),
                photo_ids=ids,
                people=snap.names_of(person_ids),
                person_ids=person_ids,
                cover_id=cover[0] if cover else None,
                place=where or None,
                details={
                    "days": (last_day - first_day).days + 1,
                    "first_day": first_day.isoformat(),
                    "last_day": last_day.isoformat(),
                    "farthest_km": round(max(_km(home, s) for s in away), 1),
                    "cities": [c for c, _ in cities.most_common()],
                    "countries": [c for c, _ in countries.most_common()],
                },
                capabilities=capabilities_of(run, place_used=True),
            )
        )
    return trips


def _destination(cities: Counter[str], countries: Counter[str]) -> str:
    """One or two towns by name; more towns in one country by the country; else the countries."""
    if len(cities) <= 2:
        return join_words([c for c, _ in cities.most_common()])
    if len(countries) == 1:
        return next(iter(countries))
    return join_words([c for c, _ in countries.most_common(3)])
