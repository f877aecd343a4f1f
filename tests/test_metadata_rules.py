"""Capture time, offset and GPS rules, on JPEGs written in code with piexif over real pixels,
checked against exiftool itself where exiftool has an opinion."""

from __future__ import annotations

import io
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import piexif
import pytest
from PIL import Image

from camroll.library.metadata import filename_datetime, parse_offset
from tests.conftest import run_cli


def _jpeg(path: Path, exif: dict[str, Any] | None = None, size: tuple[int, int] = (320, 200)) -> Path:
    """Real pixels (a gradient), with an EXIF block built by piexif."""
    img = Image.linear_gradient("L").resize(size).convert("RGB")
    buf = io.BytesIO()
    if exif is None:
        img.save(buf, "JPEG")
    else:
        img.save(buf, "JPEG", exif=piexif.dump({"0th": {}, "Exif": {}, "GPS": {}, "1st": {}, **exif}))
    path.write_bytes(buf.getvalue())
    return path


def _deg(value: float) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    d = int(value)
    m = int((value - d) * 60)
    s = round(((value - d) * 60 - m) * 60 * 10000)
    return ((d, 1), (m, 1), (s, 10000))


def _scan(tmp_path: Path) -> dict[str, dict[str, Any]]:
    home = tmp_path / "home"
    run_cli(home, "scan", str(tmp_path / "lib"))
    return {Path(r["path"]).name: r for r in run_cli(home, "photos", "--json")}


def _exiftool(path: Path) -> dict[str, Any]:
    out = subprocess.run(["exiftool", "-json", "-n", "-G", str(path)], capture_output=True, check=True, text=True)
    return dict(json.loads(out.stdout)[0])


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    (tmp_path / "lib").mkdir()
    return tmp_path / "lib"


def test_full_exif_agrees_with_exiftool(tmp_path: Path, lib: Path) -> None:
    path = _jpeg(
        lib / "full.jpg",
        {
            "0th": {piexif.ImageIFD.Make: b"Fujifilm", piexif.ImageIFD.Model: b"X-T30", piexif.ImageIFD.Orientation: 6},
            "Exif": {
                piexif.ExifIFD.DateTimeOriginal: b"2022:03:04 05:06:07",
                piexif.ExifIFD.SubSecTimeOriginal: b"045",
                piexif.ExifIFD.OffsetTimeOriginal: b"-03:00",
                piexif.ExifIFD.LensModel: b"XF35mm",
                piexif.ExifIFD.BodySerialNumber: b"9AB12345",
            },
            "GPS": {
                piexif.GPSIFD.GPSLatitudeRef: b"S",
                piexif.GPSIFD.GPSLatitude: _deg(22.9519),
                piexif.GPSIFD.GPSLongitudeRef: b"W",
                piexif.GPSIFD.GPSLongitude: _deg(43.2105),
                piexif.GPSIFD.GPSAltitudeRef: 1,
                piexif.GPSIFD.GPSAltitude: (125, 10),
            },
        },
    )
    ours, truth = _scan(tmp_path)["full.jpg"], _exiftool(path)
    assert ours["taken_at"] == "2022-03-04T05:06:07.045-03:00"
    assert ours["taken_at_source"] == "exif:DateTimeOriginal"
    assert ours["gps"]["lat"] == pytest.approx(truth["Composite:GPSLatitude"], abs=1e-7)
    assert ours["gps"]["lon"] == pytest.approx(truth["Composite:GPSLongitude"], abs=1e-7)
    assert ours["gps"]["lat"] < 0 and ours["gps"]["lon"] < 0
    assert ours["gps"]["alt"] == pytest.approx(-12.5) and truth["Composite:GPSAltitude"] == pytest.approx(-12.5)
    assert (ours["camera"]["make"], ours["camera"]["model"]) == (truth["EXIF:Make"], truth["EXIF:Model"])
    assert ours["orientation"] == truth["EXIF:Orientation"] == 6
    assert (ours["width"], ours["height"]) == (200, 320), "orientation 6 shows the photo portrait"
    assert ours["lens"] == "XF35mm" and ours["serial"] == "9AB12345"


def test_offset_from_the_gps_clock(tmp_path: Path, lib: Path) -> None:
    """Camera clock 12:00 local, GPS fix 10:01 UTC: the camera was two hours east of UTC."""
    _jpeg(
        lib / "gpsclock.jpg",
        {
            "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2021:08:01 12:00:00"},
            "GPS": {piexif.GPSIFD.GPSDateStamp: b"2021:08:01", piexif.GPSIFD.GPSTimeStamp: ((10, 1), (1, 1), (30, 1))},
        },
    )
    rec = _scan(tmp_path)["gpsclock.jpg"]
    assert rec["taken_at"] == "2021-08-01T12:00:00+02:00" and rec["offset_source"] == "gps-time"


def test_time_fallbacks_in_order(tmp_path: Path, lib: Path) -> None:
    _jpeg(
        lib / "gps-only.jpg",
        {"GPS": {piexif.GPSIFD.GPSDateStamp: b"2020:02:29", piexif.GPSIFD.GPSTimeStamp: ((23, 1), (59, 1), (58, 1))}},
    )
    _jpeg(lib / "IMG_20180725_163423.jpg", size=(321, 200))  # distinct content: a copy would be one photo
    _jpeg(lib / "no-date-at-all.jpg", size=(322, 200))
    os.utime(lib / "no-date-at-all.jpg", (1_600_000_000, 1_600_000_000))
    recs = _scan(tmp_path)
    assert recs["gps-only.jpg"]["taken_at"] == "2020-02-29T23:59:58+00:00"
    assert recs["gps-only.jpg"]["taken_at_source"] == "exif:GPSDateStamp"
    assert recs["IMG_20180725_163423.jpg"]["taken_at"] == "2018-07-25T16:34:23"
    assert recs["IMG_20180725_163423.jpg"]["taken_at_source"] == "filename"
    nodate = recs["no-date-at-all.jpg"]
    assert nodate["taken_at_source"] == "file-mtime"
    from datetime import datetime

    assert datetime.fromisoformat(nodate["taken_at"]).timestamp() == 1_600_000_000


def test_unusable_gps_is_reported_not_used(tmp_path: Path, lib: Path) -> None:
    _jpeg(
        lib / "nan.jpg",
        {
            "GPS": {
                piexif.GPSIFD.GPSLatitudeRef: b"N",
                piexif.GPSIFD.GPSLatitude: ((0, 0), (0, 0), (0, 0)),
                piexif.GPSIFD.GPSLongitudeRef: b"E",
                piexif.GPSIFD.GPSLongitude: ((0, 0), (0, 0), (0, 0)),
            }
        },
    )
    _jpeg(
        lib / "nullisland.jpg",
        {
            "GPS": {
                piexif.GPSIFD.GPSLatitudeRef: b"N",
                piexif.GPSIFD.GPSLatitude: ((0, 1), (0, 1), (0, 1)),
                piexif.GPSIFD.GPSLongitudeRef: b"E",
                piexif.GPSIFD.GPSLongitude: ((0, 1), (0, 1), (0, 1)),
            }
        },
    )
    recs = _scan(tmp_path)
    assert recs["nan.jpg"]["gps"] is None and any("GPS" in e for e in recs["nan.jpg"]["errors"])
    assert recs["nullisland.jpg"]["gps"] is None and any("0, 0" in e for e in recs["nullisland.jpg"]["errors"])


def test_xmp_date_with_offset(tmp_path: Path, photos_dir: Path) -> None:
    """BlueSquare.jpg has no EXIF date; its XMP says 2005-09-07T15:07:40-07:00."""
    home = tmp_path / "home"
    run_cli(home, "scan", str(photos_dir / "exif/ianare/xmp"))
    [rec] = run_cli(home, "photos", "--json")
    assert rec["taken_at"] == "2005-09-07T15:07:40-07:00" and rec["taken_at_source"].startswith("xmp:")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("IMG_20180725_163423.jpg", "2018-07-25T16:34:23"),
        ("PXL_20210101_123456789.jpg", "2021-01-01T12:34:56"),
        ("2018-07-25 16.34.23.jpg", "2018-07-25T16:34:23"),
        ("Screenshot_2019-03-02-10-11-12.png", "2019-03-02T10:11:12"),
        ("IMG-20170101-WA0001.jpg", "2017-01-01T00:00:00"),
        ("DSC01234.JPG", None),
        ("IMG_20181399_000000.jpg", None),
    ],
)
def test_dates_in_file_names(name: str, expected: str | None) -> None:
    assert filename_datetime(name) == expected


@pytest.mark.parametrize(
    ("text", "minutes"), [("+02:00", 120), ("-0530", -330), ("Z", 0), ("+15:00", None), ("   ", None), ("+2", None)]
)
def test_offsets(text: str, minutes: int | None) -> None:
    assert parse_offset(text) == minutes
