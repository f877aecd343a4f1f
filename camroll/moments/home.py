"""Home: where a person sleeps, guessed from where they take photos at night, and correctable.

Home makes "at home" titles and trips possible ("a run of days away from home"). It is location
knowledge about a person, so it exists only while the ``places`` capability is granted: the guess
reads only coordinates whose place was named under that consent, and a home a person set is used
only while the consent holds.

The guess is recomputed from the library each time (it follows new photos, and it disappears with
the consent); a person's correction (``camroll home set``) is stored and always wins, and
``camroll home clear`` goes back to the guess.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from camroll import thresholds
from camroll.config import AppContext
from camroll.errors import RequestError
from camroll.moments.timeline import Shot, distance_km, load_shots
from camroll.privacy import consent
from camroll.store import moments as store_moments
from camroll.store import places as store_places
from camroll.store.db import now_iso


class HomeError(RequestError, ValueError):
    """A home that cannot be set; the message is for the person who asked."""


@dataclass
class Home:
    lat: float
    lon: float
    name: str | None
    source: str
    """``auto`` (guessed from night photos) or ``user`` (set by the person)."""
    nights: int = 0
    """Different nights photographed there (the evidence for a guess)."""
    night_share: float = 0.0
    photo_ids: list[int] = field(default_factory=list)
    """Night photos the guess rests on (empty for a home the person set)."""

    def contains(self, shot: Shot) -> bool:
        return (
            shot.lat is not None
            and shot.lon is not None
            and distance_km(self.lat, self.lon, shot.lat, shot.lon) <= thresholds.HOME_RADIUS_KM
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "lat": round(self.lat, 5),
            "lon": round(self.lon, 5),
            "name": self.name,
            "source": self.source,
            "nights": self.nights,
            "night_share": round(self.night_share, 3),
            "photo_ids": self.photo_ids,
        }


def places_granted(ctx: AppContext) -> bool:
    """Is the ``places`` capability granted anywhere (the pipeline's own test for a job)?"""
    return bool(consent.active_scopes(ctx, "places"))


def find_home(ctx: AppContext, shots: list[Shot] | None = None) -> Home | None:
    """The person's home: their own setting, else the guess; None without the places consent
    or without enough evidence."""
    if not places_granted(ctx):
        return None
    row = store_moments.home(ctx.db)
    if row is not None:
        return Home(row["lat"], row["lon"], row["name"], row["source"])
    return guess_home(load_shots(ctx) if shots is None else shots)


def is_night(shot: Shot) -> bool:
    hour = shot.local.hour
    return hour >= thresholds.HOME_NIGHT_FROM_HOUR or hour < thresholds.HOME_NIGHT_UNTIL_HOUR


def guess_home(shots: list[Shot]) -> Home | None:
    """The place photographed on the most different nights, if it stands out (see thresholds)."""
    night = [s for s in shots if s.located and is_night(s)]
    if not night:
        return None
    all_nights = {s.day for s in night}
    radius = thresholds.HOME_RADIUS_KM
    lat_step = radius / 111.2
    cells: dict[tuple[int, int], list[Shot]] = defaultdict(list)
    for s in night:
        cells[_cell(s, lat_step)].append(s)

    def around(cell: tuple[int, int]) -> list[Shot]:
        return [s for di in (-1, 0, 1) for dj in (-1, 0, 1) for s in cells.get((cell[0] + di, cell[1] + dj), [])]

    best = max(cells, key=lambda c: (len({s.day for s in around(c)}), len(around(c)), c))
    near = around(best)
    lat = statistics.median(s.lat for s in near if s.lat is not None)
    lon = statistics.median(s.lon for s in near if s.lon is not None)
    there = [
        s for s in night if s.lat is not None and s.lon is not None and distance_km(lat, lon, s.lat, s.lon) <= radius
    ]
    nights = {s.day for s in there}
    share = len(nights) / len(all_nights)
    if len(nights) < thresholds.HOME_MIN_NIGHTS or share < thresholds.HOME_MIN_SHARE:
        return None
    named = [
        s
        for s in shots
        if s.city and s.lat is not None and s.lon is not None and distance_km(lat, lon, s.lat, s.lon) <= radius
    ]
    return Home(lat, lon, _place_name(named), "auto", len(nights), share, sorted(s.id for s in there))


def _cell(shot: Shot, lat_step: float) -> tuple[int, int]:
    assert shot.lat is not None and shot.lon is not None
    row = math.floor(shot.lat / lat_step)
    lon_step = lat_step / max(0.01, math.cos(math.radians((row + 0.5) * lat_step)))
    return row, math.floor(shot.lon / lon_step)


def _place_name(shots: list[Shot]) -> str | None:
    counts: dict[tuple[str, str | None], int] = defaultdict(int)
    for s in shots:
        if s.city:
            counts[(s.city, s.country)] += 1
    if not counts:
        return None
    city, country = max(counts, key=lambda k: (counts[k], k[0]))
    return f"{city}, {country}" if country else city


def set_home(ctx: AppContext, lat: float | None = None, lon: float | None = None, place: str | None = None) -> Home:
    """Set home by coordinates, or by the name of a town where the library has located photos.
    Needs the places consent: home is place knowledge, and places can be revoked with it."""
    if not places_granted(ctx):
        raise HomeError("home is a place: it needs your consent for places first (`camroll consent grant places`)")
    name: str | None
    if place is not None:
        lat, lon, name = _locate_town(ctx, place)
    else:
        if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise HomeError("give a latitude (-90..90) and a longitude (-180..180), or the name of a town")
        found = ctx.geocoder.place(lat, lon)
        name = (
            None
            if found is None or not found.city
            else (f"{found.city}, {found.country}" if found.country else found.city)
        )
    store_moments.set_home(ctx.db, lat, lon, name, now_iso())
    return Home(lat, lon, name, "user")


def _locate_town(ctx: AppContext, place: str) -> tuple[float, float, str]:
    """The centre of the library's located photos in a town named like ``place`` (``Lisbon`` or
    ``Lisbon, Portugal``); camroll has no map to look a name up in, only the photos' places."""
    city, _, country = (part.strip() for part in place.partition(","))
    rows = store_places.located_in_town(ctx.db, city, country)
    if not rows:
        raise HomeError(
            f"no photo of yours was taken in {place!r}; set home by coordinates instead (`camroll home set LAT LON`)"
        )
    countries = {r["country"] for r in rows}
    if len(countries) > 1:
        raise HomeError(
            f"{city!r} is a town in several countries ({', '.join(sorted(c or '?' for c in countries))}); "
            f'say which: `camroll home set "{city}, <country>"`'
        )
    lat = statistics.median(r["gps_lat"] for r in rows)
    lon = statistics.median(r["gps_lon"] for r in rows)
    return lat, lon, f"{rows[0]['city']}, {rows[0]['country']}" if rows[0]["country"] else rows[0]["city"]


def clear_home(ctx: AppContext) -> bool:
    """Forget the home a person set (camroll goes back to guessing). True if there was one."""
    return store_moments.clear_home(ctx.db)
