"""Moments: events, home and trips, on this day, birthdays.

Most tests run on a small library made here: real pixels (scenes and one person's faces from the
test photos) saved with the time and GPS position of a story written below (piexif), scanned and
analysed (places, faces, people, quality) like any library. The story has known events, a home
(four nights photographed there), a trip to Porto and Ana's birthday; the tests check they are
found as built, with titles in the expected form. End-to-end tests read the shared analysed copy
of tests/data/photos.
"""

from __future__ import annotations

import io
import sqlite3
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import piexif
import pytest
from PIL import Image

from camroll.config import AppContext, Config
from camroll.moments import Moment, MomentNotFound
from camroll.moments.best import best_photo_ids
from camroll.moments.birthdays import birthday_moment
from camroll.moments.home import find_home
from camroll.moments.listing import all_moments, find_moment
from camroll.moments.titles import easter, event_title
from camroll.people import edit
from camroll.privacy import consent
from tests.conftest import copy_home, run_cli

HOME = (38.7139, -9.1334)  # Lisbon, Baixa
TOWN = (38.7253, -9.1500)  # Lisbon, 1.9 km from home
SETUBAL = (38.5244, -8.8882)  # 34 km from TOWN
PORTO = (41.1456, -8.6110)  # 275 km from home

SCENES = [
    "beach",
    "building",
    "cat",
    "clock",
    "dog",
    "eagle",
    "elephant",
    "ferriswheel",
    "giraffe",
    "horses",
    "jellyfish",
    "lime",
    "peacock",
    "turtle",
]
ANA = ["img1.jpg", "img2.jpg", "img4.jpg", "img5.jpg", "img6.jpg", "img7.jpg"]  # deepface_p01: one person

STORY: list[tuple[str, tuple[float, float] | None, str]] = [
    # (local time, GPS, pixels), "ana:N" = the N-th photo of Ana's face
    ("2022-07-01T12:00:00", TOWN, "ana:4"),
    ("2022-07-01T12:30:00", TOWN, "ana:5"),
    ("2023-03-10T12:00:00", TOWN, "ana:3"),  # two days after her birthday
    ("2024-03-08T18:00:00", HOME, "ana:0"),  # her birthday, at home
    ("2024-03-08T18:20:00", HOME, "ana:1"),
    ("2024-03-08T18:45:00", HOME, "ana:2"),
    ("2024-12-25T14:00:00", HOME, "scene"),  # Christmas at home
    ("2024-12-25T14:40:00", HOME, "scene"),
    ("2024-12-25T15:30:00", HOME, "scene"),
    ("2024-12-25T16:15:00", HOME, "scene"),
    ("2025-01-20T22:30:00", HOME, "scene"),  # four nights at home: where home is
    ("2025-01-21T22:30:00", HOME, "scene"),
    ("2025-01-22T23:10:00", HOME, "scene"),
    ("2025-01-24T00:20:00", HOME, "scene"),  # after midnight: the night of the 23rd
    ("2025-05-10T10:00:00", None, "scene"),  # a Saturday out, no GPS
    ("2025-05-10T10:30:00", None, "scene"),
    ("2025-05-10T11:15:00", None, "scene"),
    ("2025-05-10T16:00:00", None, "scene"),  # 4 h 45 later: not the same outing
    ("2025-05-17T10:00:00", TOWN, "scene"),  # a Saturday in town, then a drive to Setúbal
    ("2025-05-17T10:20:00", TOWN, "scene"),
    ("2025-05-17T10:40:00", TOWN, "scene"),
    ("2025-05-17T11:30:00", SETUBAL, "scene"),
    ("2025-05-17T11:50:00", SETUBAL, "scene"),
    ("2025-05-17T12:10:00", SETUBAL, "scene"),
    ("2025-06-13T11:00:00", PORTO, "scene"),  # a trip to Porto, Friday to Sunday
    ("2025-06-13T11:30:00", PORTO, "scene"),
    ("2025-06-13T12:00:00", PORTO, "scene"),
    ("2025-06-14T10:00:00", PORTO, "scene"),
    ("2025-06-14T10:30:00", PORTO, "scene"),
    ("2025-06-14T11:00:00", PORTO, "scene"),
    ("2025-06-15T16:00:00", PORTO, "scene"),
    ("2025-06-16T21:30:00", HOME, "scene"),  # back home
]


def _rational(value: float) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    value = abs(value)
    deg = int(value)
    minutes = int((value - deg) * 60)
    seconds = Fraction((value - deg - minutes / 60) * 3600).limit_denominator(10000)
    return (deg, 1), (minutes, 1), (seconds.numerator, seconds.denominator)


def write_photo(path: Path, pixels: Path, taken: str | None, gps: tuple[float, float] | None, jitter: int = 0) -> None:
    """A JPEG of ``pixels`` (shrunk to 640 px) taken at ``taken`` (local) at ``gps``, via piexif."""
    with Image.open(pixels) as original:
        im = original.convert("RGB")
        im.thumbnail((640, 640))
        exif: dict[str, Any] = {"0th": {piexif.ImageIFD.Make: b"camroll-test"}, "Exif": {}, "GPS": {}}
        if taken:
            stamp = datetime.fromisoformat(taken).strftime("%Y:%m:%d %H:%M:%S").encode()
            exif["Exif"][piexif.ExifIFD.DateTimeOriginal] = stamp
        if gps:
            lat, lon = gps[0] + jitter * 0.0002, gps[1] - jitter * 0.0002  # a few tens of metres apart
            exif["GPS"] = {
                piexif.GPSIFD.GPSLatitudeRef: b"N" if lat >= 0 else b"S",
                piexif.GPSIFD.GPSLatitude: _rational(lat),
                piexif.GPSIFD.GPSLongitudeRef: b"E" if lon >= 0 else b"W",
                piexif.GPSIFD.GPSLongitude: _rational(lon),
            }
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=88, exif=piexif.dump(exif))
    path.write_bytes(buf.getvalue())


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory, photos_dir: Path) -> dict[str, Any]:
    """The story above as a scanned and analysed library; read-only (tests that change it copy it)."""
    root = tmp_path_factory.mktemp("story")
    folder = root / "photos"
    folder.mkdir()
    files: dict[str, Path] = {}
    scenes = [next((photos_dir / "scenes" / s).glob("*.jpg")) for s in SCENES]
    for i, (taken, gps, pixels) in enumerate(STORY):
        source = (
            photos_dir / "faces" / "deepface_p01" / ANA[int(pixels[4:])]
            if pixels.startswith("ana:")
            else scenes[i % len(scenes)]
        )
        path = folder / f"{taken[:10]}_{i:02d}.jpg"
        write_photo(path, source, taken, gps, jitter=i % 3)
        files[taken] = path
    write_photo(folder / "undated.jpg", scenes[0], None, HOME)  # only a file time: in no moment
    home = root / "home"
    run_cli(home, "scan", str(folder), "--no-analyze", "--quiet")
    run_cli(home, "consent", "grant", "places", "faces", "people", "quality")
    run_cli(home, "analyze", "--quiet", "--workers", "2")
    ctx = AppContext(Config(home=home, workers=2))
    ana_photo = ctx.db.scalar(
        "SELECT p.id FROM photos p JOIN files f ON f.photo_id = p.id WHERE f.path = ?",
        (str(files["2024-03-08T18:00:00"]),),
    )
    ana = ctx.db.scalar("SELECT person_id FROM faces WHERE photo_id = ? AND person_id IS NOT NULL", (ana_photo,))
    assert ana is not None, "Ana's face was not recognised: the story cannot be told"
    edit.name(ctx, ana, "Ana")
    edit.set_birthday(ctx, ana, "1990-03-08")
    ids = {taken: ctx.db.scalar("SELECT photo_id FROM files WHERE path = ?", (str(p),)) for taken, p in files.items()}
    ctx.close()
    return {"home": home, "ana": ana, "ids": ids}


def _ctx(home: Path) -> AppContext:
    return AppContext(Config(home=home, workers=2))


def _copy(story: dict[str, Any], tmp_path: Path) -> Path:
    copy = tmp_path / "home"
    copy_home(story["home"], copy)
    return copy


def _ids(story: dict[str, Any], *prefixes: str) -> list[int]:
    return [pid for taken, pid in sorted(story["ids"].items()) if taken.startswith(prefixes)]


def _by_title(moments: list[Moment]) -> dict[str, Moment]:
    return {m.title: m for m in moments}


def test_events_are_found_as_built_with_titles_a_person_would_write(story: dict[str, Any]) -> None:
    ctx = _ctx(story["home"])
    events = all_moments(ctx, ["event"])
    assert [e.title for e in events] == [
        "Ana's birthday 2024",
        "Christmas 2024 at home",
        "Saturday, 10 May 2025",
        "Saturday in Lisbon",
        "Saturday in Setúbal",
        "Friday in Porto",
        "Saturday in Porto",
    ]
    got = _by_title(events)
    assert got["Ana's birthday 2024"].photo_ids == _ids(story, "2024-03-08")
    assert got["Ana's birthday 2024"].people == ["Ana"]
    assert got["Ana's birthday 2024"].details["birthday_person_id"] == story["ana"]
    assert got["Christmas 2024 at home"].photo_ids == _ids(story, "2024-12-25")
    assert got["Christmas 2024 at home"].place == "home"
    assert got["Christmas 2024 at home"].capabilities == ["places"]
    assert got["Ana's birthday 2024"].capabilities == ["places", "people"]
    assert got["Saturday, 10 May 2025"].capabilities == []
    # The gap of 4 h 45 leaves the afternoon photo out; the drive to Setúbal cuts the Saturday in two.
    assert got["Saturday, 10 May 2025"].photo_ids == _ids(story, "2025-05-10T1")[:3]
    assert got["Saturday in Lisbon"].photo_ids == _ids(story, "2025-05-17T10")
    assert got["Saturday in Setúbal"].photo_ids == _ids(story, "2025-05-17T11", "2025-05-17T12")
    assert got["Saturday in Setúbal"].place == "Setúbal, Portugal"
    for event in events:
        assert event.kind == "event" and event.id.startswith(f"event-{event.start[:10].replace('-', '')}-")
        assert event.cover_id in event.photo_ids
        assert event.start <= event.end
    undated = set(story["ids"].values())
    everything = {pid for m in all_moments(ctx, today=date(2026, 6, 14)) for pid in m.photo_ids}
    assert everything <= undated, "the undated photo (only a file time) made it into a moment"
    ctx.close()


def test_home_is_guessed_from_nights_and_the_trip_is_found(story: dict[str, Any]) -> None:
    ctx = _ctx(story["home"])
    home = find_home(ctx)
    assert home is not None and home.source == "auto" and home.name == "Lisbon, Portugal"
    assert home.nights == 5  # 20-23 January (00:20 on the 24th is the night of the 23rd) and 16 June
    assert abs(home.lat - HOME[0]) < 0.001 and abs(home.lon - HOME[1]) < 0.001
    trips = all_moments(ctx, ["trip"])
    assert [t.title for t in trips] == ["Trip to Porto, June 2025"]
    trip = trips[0]
    assert trip.photo_ids == _ids(story, "2025-06-13", "2025-06-14", "2025-06-15")
    assert trip.details["days"] == 3 and trip.details["cities"] == ["Porto"]
    assert 270 < float(str(trip.details["farthest_km"])) < 285
    ctx.close()


def test_a_home_set_by_the_user_wins_and_clear_goes_back_to_the_guess(story: dict[str, Any], tmp_path: Path) -> None:
    home = _copy(story, tmp_path)
    out = run_cli(home, "home", "set", "Porto")
    assert "Porto" in out.stdout
    shown = run_cli(home, "home", "--json")
    assert shown["home"]["source"] == "user" and shown["home"]["name"] == "Porto, Portugal"
    ctx = _ctx(home)
    # Now Lisbon is away: Christmas is no longer "at home", and Porto is no trip.
    titles = [m.title for m in all_moments(ctx, ["event", "trip"])]
    assert "Christmas 2024 in Lisbon" in titles and "Christmas 2024 at home" not in titles
    assert not any(t.startswith("Trip to Porto") for t in titles)
    user_home = find_home(ctx)
    assert user_home is not None and user_home.source == "user"
    ctx.close()
    run_cli(home, "home", "set", "38.7139", "-9.1334")
    assert run_cli(home, "home", "--json")["home"]["name"] == "Lisbon, Portugal"
    run_cli(home, "home", "clear")
    assert run_cli(home, "home", "--json")["home"]["source"] == "auto"


def test_without_places_consent_there_is_no_home_no_trip_and_no_place(story: dict[str, Any], tmp_path: Path) -> None:
    home = _copy(story, tmp_path)
    run_cli(home, "home", "set", "Porto")
    ctx = _ctx(home)
    consent.revoke(ctx, "places")
    assert find_home(ctx) is None
    moments = all_moments(ctx, ["event", "trip"])
    assert not [m for m in moments if m.kind == "trip"]
    titles = [m.title for m in moments]
    assert "Christmas 2024" in titles and "Saturday, 14 June 2025" in titles
    assert not any(" in " in t or "at home" in t for t in titles), titles
    assert all(m.place is None and "places" not in m.capabilities for m in moments)
    # Without places, positions are not used at all: the Saturday is no longer cut at the drive.
    assert "Saturday, 17 May 2025" in titles and len(_by_title(moments)["Saturday, 17 May 2025"].photo_ids) == 6
    out = run_cli(home, "moments")
    assert "consent for places" in out.stdout
    ctx.close()


def test_birthdays_across_the_years_and_of_one_year(story: dict[str, Any]) -> None:
    ctx = _ctx(story["home"])
    ana = story["ana"]
    across = birthday_moment(ctx, ana)
    assert across.id == f"birthday-{ana}" and across.title == "Ana over the years"
    best = across.details["best_per_year"]
    assert isinstance(best, dict) and [int(y) for y in best] == [2022, 2023, 2024]
    assert across.photo_ids == list(best.values())
    assert across.photo_ids[0] in _ids(story, "2022-07-01") and across.photo_ids[2] in _ids(story, "2024-03-08")
    assert across.details["ages"] == {"2022": 32, "2023": 33, "2024": 34}
    birthday_event = _by_title(all_moments(ctx, ["event"]))["Ana's birthday 2024"]
    assert across.details["event_ids"] == [birthday_event.id]

    one = birthday_moment(ctx, ana, 2024)
    assert one.id == f"birthday-{ana}-2024" and one.title == "Ana's birthday 2024"
    assert one.photo_ids == _ids(story, "2024-03-08")  # time order, not best first
    assert one.details["best_per_year"] == across.details["best_per_year"]
    assert one.details["age"] == 34 and one.details["event_ids"] == [birthday_event.id]
    # Two days after the birthday is within the window; July is not.
    assert birthday_moment(ctx, ana, 2023).photo_ids == _ids(story, "2023-03-10")
    with pytest.raises(MomentNotFound, match="within"):
        birthday_moment(ctx, ana, 2022)
    listed = [m.id for m in all_moments(ctx, ["birthday"])]
    assert listed == [f"birthday-{ana}", f"birthday-{ana}-2023", f"birthday-{ana}-2024"]
    ctx.close()


def test_a_person_without_birthday_or_photos_has_no_birthday_moment(story: dict[str, Any], tmp_path: Path) -> None:
    home = _copy(story, tmp_path)
    ctx = _ctx(home)
    edit.set_birthday(ctx, story["ana"], None)
    with pytest.raises(MomentNotFound, match="no birthday set"):
        birthday_moment(ctx, story["ana"])
    with pytest.raises(MomentNotFound, match="no person"):
        birthday_moment(ctx, 999_999)
    assert all_moments(ctx, ["birthday"]) == []
    # Without a birthday the event is an ordinary evening at home.
    assert "Friday at home" in [m.title for m in all_moments(ctx, ["event"])]
    ctx.close()


def test_on_this_day_looks_back_at_the_same_date(story: dict[str, Any]) -> None:
    ctx = _ctx(story["home"])
    found = all_moments(ctx, ["on_this_day"], today=date(2026, 6, 14))
    assert [(m.id, m.title) for m in found] == [("onthisday-0614-2025", "1 year ago: Saturday in Porto")]
    assert found[0].photo_ids == _ids(story, "2025-06-14")
    # Two years with photos on 8-10 March? Only 8 March 2024: nothing gathers years.
    march = all_moments(ctx, ["on_this_day"], today=date(2026, 3, 8))
    assert [m.title for m in march] == ["2 years ago: Ana's birthday 2024"] and march[0].people == ["Ana"]
    assert all_moments(ctx, ["on_this_day"], today=date(2026, 4, 1)) == []
    # A photo taken at 00:20 belongs to the evening before.
    night = all_moments(ctx, ["on_this_day"], today=date(2026, 1, 23))
    assert night[0].photo_ids == _ids(story, "2025-01-24")
    ctx.close()


def test_ids_are_stable_and_found_again(story: dict[str, Any]) -> None:
    ctx = _ctx(story["home"])
    first = all_moments(ctx, today=date(2026, 6, 14))
    again = all_moments(ctx, today=date(2026, 6, 14))
    assert [m.id for m in first] == [m.id for m in again] and len({m.id for m in first}) == len(first)
    for moment in first:
        assert find_moment(ctx, moment.id, today=date(2026, 6, 14)) == moment
    for bad in ("event-20250101-deadbeef", "nonsense", "onthisday-1399", f"birthday-{story['ana']}-1999"):
        with pytest.raises(MomentNotFound):
            find_moment(ctx, bad)
    ctx.close()


def test_cli_lists_and_shows_moments(story: dict[str, Any]) -> None:
    listed = run_cli(story["home"], "moments", "--json", "--date", "2026-06-14")
    assert {m["kind"] for m in listed} == {"event", "trip", "on_this_day", "birthday"}
    for key in ("id", "kind", "title", "start", "end", "photo_ids", "people", "cover_id", "place"):
        assert key in listed[0]
    trips = run_cli(story["home"], "moments", "--json", "--kind", "trip")
    assert [t["title"] for t in trips] == ["Trip to Porto, June 2025"]
    shown = run_cli(story["home"], "moments", "show", trips[0]["id"], "--json")
    assert shown["photo_ids"] == trips[0]["photo_ids"] and len(shown["paths"]) == len(shown["photo_ids"])
    table = run_cli(story["home"], "moments", "--date", "2026-06-14").stdout
    assert "Found 7 events, 1 trip, 1 on this day, 3 birthdays." in table and "Home: Lisbon, Portugal" in table
    from typer.testing import CliRunner

    from camroll.cli import app

    missing = CliRunner().invoke(app, ["moments", "show", "event-20000101-00000000", "--home", str(story["home"])])
    assert missing.exit_code == 2 and "no moment" in missing.output


def test_best_photo_prefers_quality_and_smiles_and_skips_duplicate_losers(ctx: AppContext) -> None:
    db = ctx.db
    with db.transaction() as conn:
        for pid in range(1, 7):
            conn.execute(
                "INSERT INTO photos (id, hash, format, kind, size, metadata_version, created_at)"
                " VALUES (?, ?, 'jpeg', 'photo', 1, 1, '')",
                (pid, f"{pid:064x}"),
            )
        for pid, score in ((1, 0.9), (2, 0.95), (3, 0.7), (4, 0.72), (5, 0.99), (6, 0.6)):
            conn.execute("INSERT INTO quality VALUES (?, 1, 0.5, 0, NULL, ?, 't')", (pid, score))
        # 2 is the near-duplicate loser of 1 (the duplicates job kept 1); 5 is explicit.
        conn.execute("INSERT INTO near_duplicates VALUES (1, 1, 1, 0), (2, 1, 1, 3)")
        conn.execute("INSERT INTO sensitive VALUES (5, 1, 0.9, '[]', 't')")
        for fid, pid, smiling in ((1, 3, 1), (2, 4, 0)):
            conn.execute(
                "INSERT INTO faces (id, photo_id, x, y, w, h, score, landmarks, model) VALUES (?, ?, 0, 0, 9, 9, 1, '[]', 't')",
                (fid, pid),
            )
            conn.execute("INSERT INTO expressions VALUES (?, ?, 'happy', 0.9, ?, '{}', 't')", (fid, pid, smiling))
    assert best_photo_ids(ctx, [1, 2, 3, 4, 5, 6, 99], 6) == [3, 1, 4, 6, 5]
    assert best_photo_ids(ctx, [2, 4], 1) == [2], "a loser whose best copy is not among them is fine"
    assert best_photo_ids(ctx, [], 3) == [] and best_photo_ids(ctx, [1], 0) == []


def test_titles() -> None:
    assert [easter(y) for y in (2019, 2024, 2025)] == [date(2019, 4, 21), date(2024, 3, 31), date(2025, 4, 20)]
    d = date(2025, 6, 14)
    assert event_title(d, d, "Lisbon", False) == "Saturday in Lisbon"
    assert event_title(d, d, None, False) == "Saturday, 14 June 2025"
    assert event_title(d, d, "Lisbon", True) == "Saturday at home"
    assert event_title(d, date(2025, 6, 15), "Lisbon", False) == "Weekend in Lisbon"
    assert event_title(date(2025, 6, 30), date(2025, 7, 2), None, False) == "30 June – 2 July 2025"
    assert event_title(date(2023, 12, 25), date(2023, 12, 25), "Lisbon", True) == "Christmas 2023 at home"
    assert event_title(date(2023, 12, 31), date(2023, 12, 31), None, False) == "New Year's Eve 2023"
    assert event_title(date(2025, 4, 20), date(2025, 4, 20), "Porto", False) == "Easter 2025 in Porto"
    assert event_title(d, d, "Lisbon", True, ("Ana", date(2024, 6, 14))) == "Ana's birthday 2024"
    assert event_title(d, d, None, False, ("James", date(2024, 6, 14))) == "James' birthday 2024"


# --- end to end on the real test photos -------------------------------------------------------


def test_real_photos_moments(analysed_library: Path) -> None:
    """The real photos are mostly undated (240 of 306 have only a file time): moments come only
    from the dated ones; their GPS positions are scattered over the world, with too few nights in
    one place to call it home, so there is no trip."""
    ctx = _ctx(analysed_library)
    moments = all_moments(ctx, today=date(2026, 11, 26))
    events = [m for m in moments if m.kind == "event"]
    assert events, "the 7 scene photos created within an hour on 4 May 2019 make an event"
    may = [e for e in events if e.start.startswith("2019-05-04")]
    assert len(may) == 1 and len(may[0].photo_ids) == 7 and may[0].title == "Saturday, 4 May 2019"
    assert find_home(ctx) is None and not [m for m in moments if m.kind == "trip"]
    undated = {r[0] for r in ctx.db.query("SELECT id FROM photos WHERE taken_at_source = 'file-mtime'")}
    assert not undated & {pid for m in moments for pid in m.photo_ids}
    today = [m for m in moments if m.kind == "on_this_day"]
    assert [m.id for m in today] == ["onthisday-1126-2013"] and today[0].place == "Nomathamasanqa, South Africa"
    ctx.close()


def test_real_photos_birthday(library_copy: Path) -> None:
    """The person with the most dated photos gets a birthday on the date of one of them."""
    ctx = _ctx(library_copy)
    rows = ctx.db.query(
        "SELECT f.person_id, p.id, p.taken_local FROM faces f JOIN photos p ON p.id = f.photo_id"
        " WHERE f.person_id IS NOT NULL AND p.taken_at_source != 'file-mtime' ORDER BY p.taken_local"
    )
    by_person: dict[int, list[sqlite3.Row]] = {}
    for r in rows:
        by_person.setdefault(r["person_id"], []).append(r)
    person, photos = max(by_person.items(), key=lambda kv: (len({r["taken_local"][:4] for r in kv[1]}), -kv[0]))
    day = date.fromisoformat(photos[-1]["taken_local"][:10])
    edit.name(ctx, person, "Sam")
    edit.set_birthday(ctx, person, day.replace(year=day.year - 30).isoformat())
    across = birthday_moment(ctx, person)
    assert len(across.photo_ids) == len({r["taken_local"][:4] for r in photos})
    one = birthday_moment(ctx, person, day.year)
    assert one.title == f"Sam's birthday {day.year}" and photos[-1]["id"] in one.photo_ids
    assert one.details["age"] == 30
    ctx.close()


def test_no_page_or_text_names_a_person_by_id(story: dict[str, Any], tmp_path: Path) -> None:
    """People are never named to a person by a catalog id: an unnamed person is left out of text
    ("with Ana and 2 others") or shown as a face. Before: "with person 18" on a moment page, "person
    18's birthday 2024" as a title, "Unnamed person 22" in the report."""
    import re

    from camroll.web.app import create_app
    from tests.test_web import browser

    home = tmp_path / "home"
    copy_home(story["home"], home)
    db = Config(home=home).open_database()  # whichever engine the home's catalog is on
    db.conn.execute("UPDATE people SET name = NULL")  # Ana, with her birthday, is now not named
    db.close()
    an_id = re.compile(r"\bperson \d+", re.IGNORECASE)
    moments = run_cli(home, "moments", "--json")
    assert any(m["person_ids"] for m in moments), "the story's moments have people"
    texts = {m["id"]: m["title"] for m in moments}
    texts["camroll moments"] = run_cli(home, "moments").output
    texts["camroll report"] = run_cli(home, "report").output
    with browser(create_app(Config(home=home, workers=1))) as c:
        urls = ["/moments", "/report", "/report/page", "/search?q=beach"]
        urls += [f"/moments/{m['id']}" for m in moments if m["person_ids"]]
        for url in urls:
            r = c.get(url)
            assert r.status_code == 200, url
            texts[url] = r.text
    found = {where: an_id.findall(text)[:3] for where, text in texts.items() if an_id.search(text)}
    assert not found, f"people named by id: {found}"
    people = next(f for f in run_cli(home, "report", "--json")["findings"] if f["id"] == "people")
    assert all(i["name"] is None and isinstance(i["id"], int) for i in people["items"])
