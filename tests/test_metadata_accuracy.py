"""camroll's metadata agrees with exiftool's on the real photos (issue: at least 99% of fields).

Ground truth is tests/data/photos/exiftool.json (``exiftool -json -n -G``). The fields
compared: capture time (with sub-seconds and offset where exiftool composes them), GPS latitude
and longitude (to 1e-5 degrees), camera make and model, EXIF orientation, and the displayed
width and height. One deliberate difference is not counted as a field: an orientation of 0
(invalid; exiftool prints it as is, camroll's contract is 1-8 and it reports 1 with an error).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli

_COMPOSITE = re.compile(r"^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d+)?([+-]\d{2}:\d{2}|Z)?$")


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory, photos_dir: Path) -> dict[str, dict[str, Any]]:
    home = tmp_path_factory.mktemp("accuracy-home")
    run_cli(home, "scan", str(photos_dir))
    return {r["path"]: r for r in run_cli(home, "photos", "--json")}


def _expected_time(truth: dict[str, Any]) -> tuple[str, float, str | None] | None:
    raw = truth.get("Composite:SubSecDateTimeOriginal") or truth.get("EXIF:DateTimeOriginal")
    if not isinstance(raw, str):
        return None
    m = _COMPOSITE.match(raw.strip())
    if not m:
        return None
    y, mo, d, h, mi, s, frac, off = m.groups()
    return f"{y}-{mo}-{d}T{h}:{mi}:{s}", float(frac or 0), off


def _ours_time(taken_at: str | None) -> tuple[str, float, str | None] | None:
    if not taken_at:
        return None
    m = re.match(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?([+-]\d{2}:\d{2})?$", taken_at)
    assert m, taken_at
    return m.group(1), float(m.group(2) or 0), m.group(3)


def _displayed_size(truth: dict[str, Any]) -> tuple[int, int] | None:
    w, h = truth.get("File:ImageWidth"), truth.get("File:ImageHeight")
    if not isinstance(w, int) or not isinstance(h, int):
        return None
    if truth.get("File:FileType") in ("HEIC", "HEIF", "AVIF"):
        rotation = truth.get("QuickTime:Rotation")
        swap = rotation in (90, 270) if rotation is not None else truth.get("EXIF:Orientation") in (5, 6, 7, 8)
    else:
        swap = truth.get("EXIF:Orientation") in (5, 6, 7, 8)
    return (h, w) if swap else (w, h)


def compare(ours: dict[str, Any], truth: dict[str, Any]) -> list[tuple[str, Any, Any, bool]]:
    """(field, exiftool, camroll, agree) for every field exiftool reports for this file."""
    out = []
    expected = _expected_time(truth)
    if expected:
        got = _ours_time(ours["taken_at"])
        agree = got is not None and got[0] == expected[0] and abs(got[1] - expected[1]) < 1e-6
        if expected[2] is not None:
            agree = agree and got is not None and got[2] == expected[2]
        out.append(("taken_at", expected, got, agree))
    lat, lon = truth.get("Composite:GPSLatitude"), truth.get("Composite:GPSLongitude")
    if isinstance(lat, float | int) and isinstance(lon, float | int):
        gps = ours["gps"] or {}
        out.append(("gps.lat", lat, gps.get("lat"), gps.get("lat") is not None and abs(gps["lat"] - lat) <= 1e-5))
        out.append(("gps.lon", lon, gps.get("lon"), gps.get("lon") is not None and abs(gps["lon"] - lon) <= 1e-5))
    elif lat == "" or lon == "":  # exiftool could not compute a position either
        out.append(("gps", None, ours["gps"], ours["gps"] is None))
    for key, name in (("EXIF:Make", "make"), ("EXIF:Model", "model")):
        if key in truth:
            out.append(
                (name, str(truth[key]).strip(), ours["camera"][name], str(truth[key]).strip() == ours["camera"][name])
            )
    orientation = truth.get("EXIF:Orientation")
    if isinstance(orientation, int) and 1 <= orientation <= 8:
        out.append(("orientation", orientation, ours["orientation"], orientation == ours["orientation"]))
    size = _displayed_size(truth)
    if size:
        out.append(("size", size, (ours["width"], ours["height"]), size == (ours["width"], ours["height"])))
    return out


def test_agreement_with_exiftool_is_at_least_99_percent(
    scanned: dict[str, dict[str, Any]], exiftool_truth: dict[str, dict[str, Any]]
) -> None:
    fields, disagreements = 0, []
    for path, truth in exiftool_truth.items():
        assert path in scanned, f"{path} was not catalogued"
        for field, expected, got, agree in compare(scanned[path], truth):
            fields += 1
            if not agree:
                disagreements.append(f"{Path(path).name} {field}: exiftool {expected!r}, camroll {got!r}")
    rate = 1 - len(disagreements) / fields
    print(f"\nmetadata agreement with exiftool: {rate:.4f} over {fields} fields")
    assert fields > 500, "the comparison lost most of its fields"
    assert rate >= 0.99, "\n".join(disagreements)


def test_every_timed_photo_keeps_its_camera_time_to_the_second(
    scanned: dict[str, dict[str, Any]], exiftool_truth: dict[str, dict[str, Any]]
) -> None:
    """A stricter look at the field people notice first: no photo with a DateTimeOriginal is off."""
    for path, truth in exiftool_truth.items():
        expected = _expected_time(truth)
        if expected:
            got = _ours_time(scanned[path]["taken_at"])
            assert got and got[0] == expected[0], path
            assert scanned[path]["taken_at_source"] == "exif:DateTimeOriginal"


def test_invalid_orientation_is_reported_and_shown_unrotated(
    scanned: dict[str, dict[str, Any]], exiftool_truth: dict[str, dict[str, Any]]
) -> None:
    bad = [p for p, t in exiftool_truth.items() if t.get("EXIF:Orientation") == 0]
    assert bad, "the test set lost its photo with orientation 0"
    for path in bad:
        assert scanned[path]["orientation"] == 1
        assert any("orientation 0" in e for e in scanned[path]["errors"])


def test_heic_rotation_follows_the_container(scanned: dict[str, dict[str, Any]], photos_dir: Path) -> None:
    """iPhone 15 Pro HEIC: irot says 90 degrees, EXIF says 6: displayed portrait, not rotated twice.
    iPhone 7 HEIC converted without irot: EXIF 6 is the only transform, so it applies."""
    pro = scanned[str(photos_dir / "exif/photoprism/iphone_15_pro.heic")]
    assert (pro["width"], pro["height"], pro["orientation"]) == (3024, 4032, 6)
    seven = scanned[str(photos_dir / "exif/photoprism/iphone_7.heic")]
    assert (seven["width"], seven["height"], seven["orientation"]) == (3024, 4032, 6)


def test_xmp_and_iptc_fields(scanned: dict[str, dict[str, Any]], exiftool_truth: dict[str, dict[str, Any]]) -> None:
    """Titles, keywords and ratings a person set in other software are read."""
    checked = 0
    for path, truth in exiftool_truth.items():
        ours = scanned[path]
        keywords = truth.get("XMP:Subject") or truth.get("IPTC:Keywords")
        if keywords:
            expected = [str(k) for k in (keywords if isinstance(keywords, list) else [keywords])]
            assert ours["keywords"] == expected, path
            checked += 1
        if isinstance(truth.get("XMP:Rating"), int):
            assert ours["rating"] == truth["XMP:Rating"], path
            checked += 1
        if isinstance(truth.get("XMP:Title"), str):
            assert ours["title"] == truth["XMP:Title"], path
            checked += 1
        if truth.get("XMP:RegionName"):
            names = [r["name"] for r in ours["people_regions"]]
            assert truth["XMP:RegionName"] in names, path
            checked += 1
    assert checked >= 6
