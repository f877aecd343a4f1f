"""Home: where a person lives, estimated from every located photo, and correctable.

Home makes "at home" titles and trips possible ("a run of days away from home"). It is location
knowledge about a person, so in moments it exists only while the ``places`` capability is granted:
the estimate reads only coordinates whose place was named under that consent, and a home a person
set is used only while the consent holds.

The estimate (:mod:`home_estimate`: nights, recurring days, longest stays) is recomputed from the
library each time (it follows new photos, and it disappears with the consent); the exposure report
reads the same estimate. A person's correction (``camroll home set``) is stored and always wins,
and ``camroll home clear`` goes back to the estimate.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import cast

from camroll import thresholds
from camroll.config import AppContext
from camroll.errors import RequestError
from camroll.moments.home_estimate import Estimate, Grid, estimate_home, estimate_work
from camroll.moments.timeline import UNTRUSTED_TIME_SOURCES, Shot, distance_km, parse_local
from camroll.privacy import consent
from camroll.progress import Reporter, Silent
from camroll.store import moments as store_moments
from camroll.store import places as store_places
from camroll.store.db import now_iso
from camroll.timefmt import plausible_range


class HomeError(RequestError, ValueError):
    """A home that cannot be set; the message is for the person who asked."""


@dataclass
class Home:
    """A place a person lives (or works) at: set by them, or estimated."""

    lat: float
    lon: float
    name: str | None
    source: str
    """``auto`` (estimated from the photos) or ``user`` (set by the person)."""
    nights: int = 0
    """Different nights photographed there (evidence for an estimate)."""
    days: int = 0
    """Different days photographed there."""
    longest_stay: int = 0
    """The longest run of consecutive days photographed there."""
    confidence: str = "set by you"
    """``set by you``, or an estimate's ``high``, ``medium`` or ``low``."""
    reason: str = "you set it"
    role: str = "home"

    @property
    def clear(self) -> bool:
        """Set by the person, or estimated with enough evidence to act on (trips, "at home")."""
        return self.source == "user" or self.confidence in ("high", "medium")

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
            "confidence": self.confidence,
            "reason": self.reason,
            "nights": self.nights,
            "days": self.days,
            "longest_stay_days": self.longest_stay,
        }

    @classmethod
    def of(cls, found: Estimate) -> Home:
        e = found.evidence
        return cls(
            e.lat,
            e.lon,
            e.name(),
            "auto",
            len(e.nights),
            len(e.days),
            e.longest_stay,
            found.confidence,
            found.reason,
            found.role,
        )


@dataclass
class Whereabouts:
    """Home and work, as one estimate gives them."""

    home: Home | None
    work: Home | None


def places_granted(ctx: AppContext) -> bool:
    """Is the ``places`` capability granted anywhere (the pipeline's own test for a job)?"""
    return bool(consent.active_scopes(ctx, "places"))


def whereabouts(ctx: AppContext, placed_only: bool = True, reporter: Reporter | None = None) -> Whereabouts:
    """Home (the person's own setting while the places consent holds, else the estimate) and work
    (always estimated). ``placed_only`` (moments): only photos whose place the *places* capability
    named, and nothing at all without that consent; otherwise (the exposure report) every photo
    with GPS, as a service reading the files would see them.

    The answer is kept in the context until the database changes: one command or page asks
    several times (the moments' snapshot, then the home line), and each estimate reads every
    located photo."""
    key = f"moments:whereabouts:{placed_only}"
    cached = ctx.extras.get(key)
    if cached is not None and cached[0] == ctx.db.change_marker():
        return cast(Whereabouts, cached[1])
    found = _whereabouts(ctx, placed_only, reporter or Silent())
    ctx.extras[key] = (ctx.db.change_marker(), found)
    return found


def _whereabouts(ctx: AppContext, placed_only: bool, reporter: Reporter) -> Whereabouts:
    granted = places_granted(ctx)
    if placed_only and not granted:
        return Whereabouts(None, None)
    grid = read_grid(ctx, placed_only, reporter)
    row = store_moments.home(ctx.db) if granted else None
    home = Home(row["lat"], row["lon"], row["name"], row["source"]) if row is not None else None
    if home is None:
        found = estimate_home(grid)
        home = Home.of(found) if found else None
    work = estimate_work(grid, home.lat if home else None, home.lon if home else None)
    return Whereabouts(home, Home.of(work) if work else None)


def read_grid(ctx: AppContext, placed_only: bool, reporter: Reporter) -> Grid:
    """Every located photo with a trusted time, folded into the estimate's grid batch by batch."""
    first, last = plausible_range()
    args = (ctx.db, placed_only, UNTRUSTED_TIME_SOURCES, first, last)
    reporter.start("Estimating home", store_moments.located_count(*args))
    grid = Grid()
    for batch in store_moments.located_batches(*args, thresholds.HOME_READ_BATCH):
        for row in batch:
            local = parse_local(row["taken_local"])
            if local is not None:
                try:
                    grid.add(float(row["lat"]), float(row["lon"]), local, row["town"], row["country"])
                except OverflowError:  # at the very ends of the calendar
                    continue
        reporter.advance(len(batch))
    return grid


def estimate(ctx: AppContext, reporter: Reporter | None = None) -> Home | None:
    """Home as moments know it, however unsure (to show the person, with its reason)."""
    return whereabouts(ctx, reporter=reporter).home


def find_home(ctx: AppContext, reporter: Reporter | None = None) -> Home | None:
    """Home clear enough for moments to act on: the person's setting, else an estimate of medium
    or high confidence; None without the places consent or without enough evidence."""
    home = estimate(ctx, reporter)
    return home if home is not None and home.clear else None


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
            if found is None or not (found.town or found.city)
            else ", ".join(p for p in (found.town or found.city, found.country) if p)
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
