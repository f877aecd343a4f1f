"""One home, trips found without help, places named at a person's level (issue 15).

A library made here: real pixels from the test photos, saved with the time and GPS of a timeline
written below (piexif), every photo in daylight (no night photo says where home is). Home is the
Lisbon flat photographed on six weekend days; a four-day stay in Berlin (photos in the
"Kreuzberg" neighbourhood entry and in Berlin itself) is the trip; one day with a photo in
Strasbourg and one in Kehl, across the French-German border, is no trip, nor are one photo in each
on two days running (too few photos for a stay).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from camroll.config import AppContext, Config
from camroll.library.places import Geocoder
from camroll.moments.home import whereabouts
from camroll.moments.listing import all_moments
from camroll.moments.timeline import distance_km as km
from tests.conftest import run_cli
from tests.test_moments import SCENES, write_photo

ALFAMA = (38.7112, -9.1277)  # GeoNames names it "Alfama", a neighbourhood of Lisbon
KREUZBERG = (52.4997, 13.4034)  # "Kreuzberg", a neighbourhood entry 2.7 km from Berlin's centre
MITTE = (52.5200, 13.4050)  # Berlin
STRASBOURG = (48.5839, 7.7455)  # France
KEHL = (48.5725, 7.8155)  # Germany, across the Rhine

TIMELINE: list[tuple[str, tuple[float, float]]] = [
    *((f"2024-05-{d:02d}T{h}:00:00", ALFAMA) for d in (4, 5, 11, 12) for h in (11, 15)),  # weekends at home
    ("2024-06-03T10:00:00", KREUZBERG),  # Monday to Thursday in Berlin
    ("2024-06-03T16:00:00", MITTE),
    ("2024-06-04T11:00:00", KREUZBERG),
    ("2024-06-04T15:00:00", KREUZBERG),
    ("2024-06-05T12:00:00", MITTE),
    ("2024-06-05T17:00:00", KREUZBERG),
    ("2024-06-06T10:30:00", KREUZBERG),
    ("2024-06-06T14:00:00", MITTE),
    ("2024-06-08T11:00:00", ALFAMA),  # back home, the weekend
    ("2024-06-09T12:00:00", ALFAMA),
    ("2024-09-17T10:00:00", STRASBOURG),  # two photos, two countries, one day
    ("2024-09-17T16:00:00", KEHL),
    ("2024-10-01T12:00:00", STRASBOURG),  # and one photo in each on two days running
    ("2024-10-02T12:00:00", KEHL),
]


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, photos_dir: Path) -> Path:
    """The timeline as a scanned library with its places named (read-only: a test that sets home
    clears it again)."""
    root = tmp_path_factory.mktemp("home_trips")
    folder = root / "photos"
    folder.mkdir()
    scenes = [next((photos_dir / "scenes" / s).glob("*.jpg")) for s in SCENES]
    for i, (taken, gps) in enumerate(TIMELINE):
        assert 9 <= int(taken[11:13]) <= 17, "every photo is taken in daylight"
        write_photo(folder / f"{taken[:10]}_{i:02d}.jpg", scenes[i % len(scenes)], taken, gps, jitter=i % 3)
    home = root / "home"
    run_cli(home, "scan", str(folder), "--no-analyze", "--quiet")
    run_cli(home, "consent", "grant", "places")
    run_cli(home, "analyze", "--quiet", "--workers", "1")
    return home


def _trips(home: Path) -> list[Any]:
    ctx = AppContext(Config(home=home, workers=1))
    try:
        return [m for m in all_moments(ctx) if m.kind == "trip"]
    finally:
        ctx.close()


def test_home_is_found_from_daylight_photos_and_the_report_names_the_same(library: Path) -> None:
    ctx = AppContext(Config(home=library, workers=1))
    try:
        known = whereabouts(ctx)
    finally:
        ctx.close()
    found = known.home
    assert known.work is None  # four weekdays in Berlin are a trip, not a workplace
    assert found is not None and found.source == "auto" and found.clear
    assert found.nights == 0 and found.days == 6  # no night photo: the days keep coming back
    assert found.name == "Lisbon, Portugal"  # the town, not the neighbourhood entry "Alfama"
    assert km(found.lat, found.lon, *ALFAMA) < 0.1
    assert "6 days" in found.reason

    shown = run_cli(library, "home", "--json")["home"]
    report = run_cli(library, "report", "--json", "--metadata-only")
    [item] = next(f for f in report["findings"] if f["id"] == "home")["items"]
    assert item["name"] == shown["name"] == "Lisbon, Portugal"
    assert km(item["lat"], item["lon"], shown["lat"], shown["lon"]) < 0.1
    assert item["confidence"] == shown["confidence"] and item["reason"] == shown["reason"]


def test_a_four_day_stay_is_one_trip_titled_by_its_city(library: Path) -> None:
    [trip] = _trips(library)
    assert trip.title == "Trip to Berlin, June 2024"  # not "Berlin and Kreuzberg"
    assert len(trip.photo_ids) == 8
    assert trip.start.startswith("2024-06-03") and trip.end.startswith("2024-06-06")


def test_two_photos_in_two_countries_are_no_trip_even_with_home_set_by_hand(library: Path) -> None:
    run_cli(library, "home", "set", str(ALFAMA[0]), str(ALFAMA[1]))
    try:
        titles = [t.title for t in _trips(library)]
    finally:
        run_cli(library, "home", "clear")
    assert titles == ["Trip to Berlin, June 2024"]


def test_a_neighbourhood_entry_is_named_by_its_city_a_separate_town_keeps_its_name() -> None:
    geo = Geocoder()
    kreuzberg, kehl, strasbourg = geo.place(*KREUZBERG), geo.place(*KEHL), geo.place(*STRASBOURG)
    assert kreuzberg is not None and kreuzberg.city == "Kreuzberg" and kreuzberg.town == "Berlin"
    assert kehl is not None and kehl.town == "Kehl"  # 5 km from Strasbourg, another country
    assert strasbourg is not None and strasbourg.town == "Strasbourg"


def test_a_place_of_a_few_days_among_thousands_is_no_confident_home() -> None:
    """HOME_LIKELY_DAYS alone is absolute: 5 days in one place among 2,000 days spread over a
    continent made that place home with medium confidence. A home is a share of a life's days."""
    from datetime import datetime, timedelta

    from camroll.moments.home_estimate import Grid, estimate_home

    grid, start = Grid(), datetime(2015, 1, 1, 18, 0)
    for i in range(2000):  # one evening photo a day, each in another place, 0.2 degrees apart
        grid.add(40.0 + (i % 50) * 0.2, -3.0 + (i // 50) * 0.2, start + timedelta(days=i), None, None)
    for i in range(5):  # and five more evenings in one town
        grid.add(48.85, 2.35, start + timedelta(days=2000 + i), "Paris", "France")
    found = estimate_home(grid)
    assert found is not None and round(found.evidence.lat, 1) == 48.9
    assert found.confidence == "low", found.reason

    for i in range(200):  # the same town on a tenth of the days: a home
        grid.add(48.85, 2.35, start + timedelta(days=3000 + i), "Paris", "France")
    found = estimate_home(grid)
    assert found is not None and found.confidence in ("medium", "high"), found.reason
