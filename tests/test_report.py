"""The exposure report: what a gallery reveals, from real photos and from photos made in code."""

from __future__ import annotations

import io
import json
import re
import sqlite3
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import piexif
import pytest
from PIL import Image

from camroll.config import AppContext, Config
from camroll.moments.timeline import distance_km as km
from camroll.report import exposure
from camroll.report.exposure import VISION_TABLES
from camroll.report.worldmap import Marker, View, fit, svg_map
from tests.conftest import catalog, run_cli

HOME = (52.52000, 13.40500)  # Berlin Mitte
WORK = (52.50720, 13.42100)  # 1.8 km away
TRIP = (48.85840, 2.29450)  # Paris


def _dms(value: float) -> tuple[tuple[int, int], ...]:
    v = abs(value)
    deg, minutes = int(v), int((v - int(v)) * 60)
    sec = Fraction((v - deg - minutes / 60) * 3600).limit_denominator(10000)
    return (deg, 1), (minutes, 1), (sec.numerator, sec.denominator)


def _photo(
    folder: Path,
    name: str,
    pixels: Image.Image,
    when: datetime,
    where: tuple[float, float] | None,
    serial: str | None = None,
) -> None:
    exif: dict[str, Any] = {
        "0th": {piexif.ImageIFD.Make: b"Testcam", piexif.ImageIFD.Model: b"Testcam One"},
        "Exif": {piexif.ExifIFD.DateTimeOriginal: when.strftime("%Y:%m:%d %H:%M:%S").encode()},
        "GPS": {},
    }
    if serial:
        exif["Exif"][piexif.ExifIFD.BodySerialNumber] = serial.encode()
    if where:
        exif["GPS"] = {
            piexif.GPSIFD.GPSLatitudeRef: b"N" if where[0] >= 0 else b"S",
            piexif.GPSIFD.GPSLatitude: _dms(where[0]),
            piexif.GPSIFD.GPSLongitudeRef: b"E" if where[1] >= 0 else b"W",
            piexif.GPSIFD.GPSLongitude: _dms(where[1]),
        }
    img = pixels.copy()
    img.putpixel((0, 0), (len(name) * 7 % 256, when.day * 8 % 256, when.hour * 10 % 256))  # a distinct file each
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90, exif=piexif.dump(exif))
    (folder / name).write_bytes(buf.getvalue())


def test_home_and_work_come_from_night_and_weekday_clusters(tmp_path: Path, photos_dir: Path) -> None:
    pixels = Image.open(photos_dir / "exif" / "exifr" / "IMG_5910.jpg").convert("RGB").resize((160, 120))
    lib, home = tmp_path / "lib", tmp_path / "home"
    lib.mkdir()
    monday = datetime(2024, 3, 4)
    for d in range(4):  # four weeknights at home, a few metres apart
        _photo(lib, f"home{d}.jpg", pixels, monday + timedelta(days=d, hours=21), (HOME[0] + d * 1e-4, HOME[1]))
    for d in range(3):  # three weekdays at work, mid-morning
        _photo(lib, f"work{d}.jpg", pixels, monday + timedelta(days=d, hours=10), WORK, serial="SN12345678")
    _photo(lib, "trip.jpg", pixels, monday + timedelta(days=12, hours=15), TRIP)
    _photo(lib, "no-gps.jpg", pixels, monday + timedelta(days=1, hours=13), None)
    run_cli(home, "scan", str(lib), "--no-analyze")
    report = run_cli(home, "report", "--json", "--metadata-only")
    by_id = {f["id"]: f for f in report["findings"]}
    paths = {int(k): Path(v).name for k, v in report["paths"].items()}

    [home_place] = by_id["home"]["items"]
    assert km(home_place["lat"], home_place["lon"], *HOME) < 0.05
    assert sorted(paths[p] for p in by_id["home"]["photos"]) == [f"home{d}.jpg" for d in range(4)]
    assert 10 <= home_place["precision_m"] < 50  # the four points span about 33 m
    [work_place] = by_id["work"]["items"]
    assert km(work_place["lat"], work_place["lon"], *WORK) < 0.05 and work_place["days"] == 3
    assert {paths[p] for p in by_id["places"]["photos"]} == {f"home{d}.jpg" for d in range(4)} | {
        f"work{d}.jpg" for d in range(3)
    } | {"trip.jpg"}
    assert len(by_id["places"]["items"]) == 3
    assert by_id["routine"]["items"][0]["hours"][21] == 4 and by_id["routine"]["count"] == 9
    assert by_id["serials"]["count"] == 3 and by_id["serials"]["items"][0]["serial"] == "…5678"
    assert "SN12345678" not in json.dumps(report)
    assert all(f["advice"] for f in report["findings"] if f["severity"] != "none")
    assert not any(f["id"] in ("people", "explicit", "id_documents") for f in report["findings"])


def test_text_flags_become_findings(ctx: AppContext, tmp_path: Path, photos_dir: Path) -> None:
    pixels = Image.open(photos_dir / "exif" / "exifr" / "IMG_5910.jpg").convert("RGB").resize((64, 48))
    lib = tmp_path / "lib"
    lib.mkdir()
    for n in range(3):
        _photo(lib, f"p{n}.jpg", pixels, datetime(2024, 1, 1 + n, 12), None)
    run_cli(ctx.config.home, "scan", str(lib), "--no-analyze")
    ids = [r[0] for r in ctx.db.query("SELECT id FROM photos ORDER BY id")]
    flags = [
        [{"kind": "payment_card", "evidence": "card number ending 1111"}],
        [{"kind": "mrz", "evidence": "TD3 passport MRZ, issuer D, 4/5 check digits valid"}],
        [],
    ]
    with ctx.db.transaction() as conn:  # as the text capability would have stored them
        conn.executemany(
            "INSERT INTO texts (photo_id, text, lines, flags, model) VALUES (?, ?, '[]', ?, 'test')",
            [(i, f"words {i}", json.dumps(f)) for i, f in zip(ids, flags, strict=True)],
        )
    report = exposure.build(ctx)
    by_id = {f.id: f for f in report.findings}
    assert by_id["payment_cards"].photos == [ids[0]] and by_id["payment_cards"].severity == "high"
    assert by_id["id_documents"].photos == [ids[1]]
    assert by_id["contact_details"].severity == "none"
    assert by_id["readable_text"].photos == ids
    assert any("no age model" in f.summary for f in report.findings if f.id == "children")


def _tables_read(ctx: AppContext, metadata_only: bool) -> set[str]:
    read: set[str] = set()

    def authorizer(action: int, arg1: str | None, _arg2: str | None, _db: str | None, _src: str | None) -> int:
        if action == sqlite3.SQLITE_READ and arg1:
            read.add(arg1)
        return sqlite3.SQLITE_OK

    ctx.db.conn.set_authorizer(authorizer)
    try:
        exposure.build(ctx, metadata_only=metadata_only)
    finally:
        ctx.db.conn.set_authorizer(None)
    return read


@pytest.mark.sqlite_only  # SQLite's authorizer sees every table read
def test_metadata_only_reads_no_vision_table(analysed_library: Path) -> None:
    ctx = AppContext(Config(home=analysed_library, workers=1))
    try:
        dry, full = _tables_read(ctx, True), _tables_read(ctx, False)
    finally:
        ctx.close()
    assert "photos" in dry and not dry & set(VISION_TABLES), dry
    assert {"faces", "texts", "tags", "sensitive"} <= full  # the authorizer does see them when they are read


def test_report_on_the_real_photos(library_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "report.html"
    report = run_cli(library_copy, "report", "--json", "--html", str(out))
    db = catalog(library_copy)
    located = {r[0] for r in db.execute("SELECT id FROM photos WHERE gps_lat IS NOT NULL")}
    with_text = {r[0] for r in db.execute("SELECT photo_id FROM texts WHERE text != ''")}
    flagged = {r[0] for r in db.execute("SELECT photo_id FROM texts WHERE flags != '[]'")}
    berlin = {r[0] for r in db.execute("SELECT photo_id FROM photo_places WHERE city = 'Steglitz'")}
    db.close()
    by_id = {f["id"]: f for f in report["findings"]}
    assert located and set(by_id["places"]["photos"]) == located
    assert report["located"] == len(located)
    names = {i["name"] for i in by_id["places"]["items"]}
    assert "Laugar, Iceland" in names and "Berkeley, United States" in names
    # digikam.jpg and iphone_15_pro.heic: 0.6 km apart in Berlin, three years apart: a place you return to.
    # named by town, as a person names it (GeoNames calls the nearest entry Steglitz, a district)
    assert {i["name"] for i in by_id["regular_places"]["items"]} == {"Berlin, Germany"}
    assert set(by_id["regular_places"]["photos"]) == berlin
    # and `camroll summary` names them the same way
    places = run_cli(library_copy, "summary", "--json")["places"]
    assert "Berlin, Germany" in places and not any("Steglitz" in name for name in places), places
    assert with_text and set(by_id["readable_text"]["photos"]) == with_text
    text_flagged = {
        p
        for f in report["findings"]
        if f["id"] in ("id_documents", "payment_cards", "contact_details")
        for p in f["photos"]
    }
    assert text_flagged == flagged
    assert by_id["people"]["count"] > 0 and by_id["devices"]["count"] > 0 and by_id["serials"]["count"] > 0

    html = out.read_text(encoding="utf-8")
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    # The only pictures are the small faces of people not named, inside the page (data: URIs).
    faces = r'<img class=unnamed-face src="data:image/jpeg;base64,[A-Za-z0-9+/=]+" height=\d+ alt="[^"<>]*" title="[^"<>]*">'
    assert not re.search(r"https?://|(?:src|href)\s*=|<script|<link|<img|@import|url\(", re.sub(faces, "", html), re.I)
    assert html.count("<svg") == 3 and "Laugar, Iceland" in html
    assert report["html"] == str(out.resolve())
    again = run_cli(library_copy, "report", "--json", "--html", str(out))  # the same file: still one creation
    assert again["html"] == report["html"]
    db = catalog(library_copy)
    assert db.execute("SELECT count(*) FROM creations WHERE kind = 'report'").fetchone()[0] == 1
    db.close()

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(out.as_uri())
        shot = page.screenshot(full_page=True)
        browser.close()
    assert requests == [out.as_uri()]
    assert Image.open(io.BytesIO(shot)).size[1] > 2000


def test_map_zooms_to_the_places_and_keeps_labels_apart() -> None:
    assert fit([]) == View()
    berlin = fit([Marker(52.5, 13.4, "Berlin")], 2.0)
    assert berlin.west < 13.4 < berlin.east and berlin.north - berlin.south >= 12
    assert fit([Marker(52.5, 13.4, "a"), Marker(-33.9, 151.2, "b")]) == View()
    same_spot = [Marker(52.5, 13.4, "Berlin", 3), Marker(52.51, 13.41, "Berlin again"), Marker(52.5, 13.4, "third")]
    svg = svg_map(same_spot, width=720)
    # one label right of the spot, one left of it; the third would cover one of them and is a tooltip only
    assert svg.count("<circle") == 3 and svg.count('class="label"') == 2 and svg.count("<title>third</title>") == 1
    assert "<path" in svg and "ODbL" in svg


def test_places_filed_by_cells_are_the_places_of_the_full_comparison() -> None:
    # The report's places used to compare each photo with every place found so far (400 s for
    # 20,000 photos over many places); filed by cells it must still pick the first place within
    # the radius, everywhere on Earth, near the poles too.
    import random

    from camroll import thresholds
    from camroll.report.places import cluster_places
    from camroll.report.records import Photo

    rng = random.Random(7)
    centres = [(rng.uniform(-89.5, 89.5), rng.uniform(-179, 179)) for _ in range(40)] + [(89.9, 10.0), (-89.95, 0.0)]
    photos = []
    for i in range(1500):
        lat, lon = rng.choice(centres)
        spread = rng.choice([0.002, 0.01, 0.03])
        photos.append(
            Photo(
                i,
                None,
                None,
                max(-90.0, min(90.0, lat + rng.gauss(0, spread))),
                lon + rng.gauss(0, spread * 3),
                None,
                None,
                None,
                "jpeg",
                None,
            )
        )
    seeds: list[tuple[float, float, list[int]]] = []
    for p in photos:
        assert p.lat is not None and p.lon is not None
        for lat, lon, members in seeds:
            if km(lat, lon, p.lat, p.lon) <= thresholds.REPORT_PLACE_RADIUS_KM:
                members.append(p.id)
                break
        else:
            seeds.append((p.lat, p.lon, [p.id]))
    assert len(seeds) > 100, "the photos make many places"
    assert [pl.photos for pl in cluster_places(photos)] == [members for _, _, members in seeds]
