"""The photos moments are made of: current, with a time worth trusting, in time order.

Moments say "Saturday in Lisbon" and "six years ago today", so a photo whose only date is its
file's modification time (a copy made last week, a download) is left out: putting it in would
invent an event on the day the library was copied. Such photos are still in the library, in
search and in people's pages; they just do not make up moments.

A photo's coordinates are used only when the ``places`` capability named its place (a
``photo_places`` row exists): those rows exist only under that consent and are purged with it, so
moments never learn more about where a photo was taken than a person allowed. People come from
``faces.person_id``, which holds values only under the ``people`` consent; ignored people are
never shown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from camroll import thresholds
from camroll.config import AppContext
from camroll.library.places import EARTH_KM
from camroll.store import moments as store_moments
from camroll.store import people
from camroll.timefmt import plausible_range

UNTRUSTED_TIME_SOURCES = ("file-mtime",)
"""``photos.taken_at_source`` values that say when a file was written, not when a photo was taken."""


@dataclass
class Shot:
    """One current photo (or video) with what moments need of it."""

    id: int
    hash: str
    local: datetime
    """Wall-clock time where it was taken."""
    utc: datetime
    """Naive UTC when an offset is known, else the local time (for ordering and gaps only)."""
    kind: str
    lat: float | None = None
    lon: float | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None
    town: str | None = None
    """The town or city a person would name (``city`` may be a neighbourhood entry)."""
    person_ids: list[int] = field(default_factory=list)
    day: date = field(init=False)
    """The day a person would say it was taken (before dawn counts for the evening before)."""

    def __post_init__(self) -> None:
        self.day = moment_day(self.local)

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None


def moment_day(local: datetime) -> date:
    return (local - timedelta(hours=thresholds.DAY_STARTS_AT_HOUR)).date()


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def parse_local(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=None)


def load_shots(ctx: AppContext) -> list[Shot]:
    """Every current photo with a trusted time, in time order (UTC where known, then id).

    A capture time before the first photograph or ahead of now (``timefmt.plausible_range``)
    is a broken clock or a forged field: such photos stay in the library, flagged, but make no
    moments (and 0001-01-01 at +14:00 would not even have a UTC time to sort by)."""
    first, last = plausible_range()
    rows = store_moments.timeline(ctx.db, UNTRUSTED_TIME_SOURCES, first, last)
    shots: dict[int, Shot] = {}
    for r in rows:
        local = parse_local(r["taken_local"])
        if local is None:
            continue
        try:
            utc = local - timedelta(minutes=r["offset"]) if r["offset"] is not None else local
            moment_day(utc)
        except OverflowError:  # at the very ends of the calendar: no moment can hold it
            continue
        shots[r["id"]] = Shot(
            r["id"],
            r["hash"],
            local,
            utc,
            r["kind"],
            r["lat"],
            r["lon"],
            r["city"],
            r["region"],
            r["country"],
            r["town"],
        )
    for r in store_moments.people_per_photo(ctx.db):
        shot = shots.get(r["photo_id"])
        if shot is not None:
            shot.person_ids.append(int(r["person_id"]))
    return sorted(shots.values(), key=lambda s: (s.utc, s.id))


def person_names(ctx: AppContext) -> dict[int, str]:
    """Shown names of the people not ignored (``person <id>`` until named)."""
    return {int(r["id"]): r["name"] or f"person {r['id']}" for r in people.all_people(ctx.db, include_ignored=False)}


def people_of(shots: Iterable[Shot]) -> list[int]:
    """Person ids appearing in ``shots``, most photos first (then by id)."""
    counts: dict[int, int] = {}
    for shot in shots:
        for pid in shot.person_ids:
            counts[pid] = counts.get(pid, 0) + 1
    return sorted(counts, key=lambda pid: (-counts[pid], pid))


def main_place(shots: Iterable[Shot]) -> Shot | None:
    """A shot naming the town most of the named ones were taken in, if any."""
    by_town: dict[str, list[Shot]] = {}
    for shot in shots:
        if shot.town or shot.city:
            by_town.setdefault(shot.town or shot.city or "", []).append(shot)
    if not by_town:
        return None
    return max(by_town.values(), key=lambda group: (len(group), -group[0].id))[0]


def place_name(shots: Iterable[Shot]) -> str | None:
    """The place a person would name for a moment: the town most of its photos were taken in
    ("Berlin", not the neighbourhood entry "Kreuzberg" the geocoder found), with the neighbourhood
    only when every named photo is in that one town and that one neighbourhood ("Kreuzberg,
    Berlin")."""
    shots = [s for s in shots if s.town or s.city]
    main = main_place(shots)
    if main is None:
        return None
    town = main.town or main.city
    towns = {s.town or s.city for s in shots}
    cities = {s.city for s in shots}
    if len(towns) == 1 and len(cities) == 1 and main.city and main.city != town:
        return f"{main.city}, {town}"
    return town


def capabilities_of(shots: Iterable[Shot], place_used: bool = False) -> list[str]:
    """The capabilities whose data a moment of ``shots`` rests on (see ``Moment.capabilities``)."""
    shots = list(shots)
    used = []
    if place_used or any(s.located for s in shots):
        used.append("places")
    if any(s.person_ids for s in shots):
        used.append("people")
    return used
