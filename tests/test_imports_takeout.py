"""Google Takeout imports (issue 13): sidecar naming rules, facts read, hostile zips refused."""

from __future__ import annotations

import io
import json
import stat
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from camroll.library.imports import common, takeout

PHOTOS = Path(__file__).resolve().parent / "data" / "photos"
pytestmark = pytest.mark.photos


def _no_exif_jpeg(n: int) -> bytes:
    """A real photo's pixels re-encoded with no EXIF, so the JSON is the only source of facts."""
    src = sorted((PHOTOS / "scenes").rglob("*.jpg"))[n]
    with Image.open(src) as im:
        im = im.convert("RGB")
        im.thumbnail((160, 160))
        out = io.BytesIO()
        im.save(out, "JPEG", quality=80)
    return out.getvalue()


def _sidecar(ts: int, lat: float = 0.0, lon: float = 0.0, **extra: object) -> bytes:
    doc: dict[str, object] = {
        "title": "x",
        "photoTakenTime": {"timestamp": str(ts), "formatted": "ignored"},
        "geoData": {"latitude": lat, "longitude": lon, "altitude": 0.0},
    }
    doc.update(extra)
    return json.dumps(doc).encode()


LONG = "PXL_20230704_181512345.PORTRAIT.ORIGINAL_LONGNAME"  # the sidecar name must be cut


def _export(tmp: Path) -> Path:
    """A two-part Takeout in the documented shapes, one photo per naming rule."""
    base = "Takeout/Google Photos/"
    trip = base + "Trip to Lisbon/"
    part1 = {
        trip + "metadata.json": json.dumps({"title": "Trip to Lisbon"}).encode(),
        trip + "IMG_0001.jpg": _no_exif_jpeg(0),
        trip + "IMG_0001.jpg.json": _sidecar(
            1688486112, 38.7223, -9.1393, favorited=True, people=[{"name": "Ana Souza"}], description="Tram 28"
        ),
        trip + "IMG_0002.jpg": _no_exif_jpeg(1),
        trip + "IMG_0002.jpg.supplemental-metadata.json": _sidecar(
            1688490000, geoDataExif={"latitude": 38.71, "longitude": -9.14}
        ),
    }
    year = base + "Photos from 2023/"
    long_media = LONG + ".jpg"
    cut = (long_media + takeout.SUPPLEMENTAL)[: 51 - 5] + ".json"
    part2 = {
        year + long_media: _no_exif_jpeg(2),
        year + cut: _sidecar(1690000000),
        year + "IMG_0003(1).jpg": _no_exif_jpeg(3),
        year + "IMG_0003.jpg(1).json": _sidecar(1690100000),
        year + "IMG_0003.jpg": _no_exif_jpeg(4),
        year + "IMG_0003.jpg.json": _sidecar(1690200000),
        year + "IMG_0004-edited.jpg": _no_exif_jpeg(5),
        year + "IMG_0004.jpg": _no_exif_jpeg(6),
        year + "IMG_0004.jpg.json": _sidecar(1690300000),
    }
    paths = []
    for i, members in enumerate((part1, part2), 1):
        p = tmp / f"takeout-20240101T000000Z-00{i}.zip"
        with zipfile.ZipFile(p, "w") as z:
            for name, data in members.items():
                z.writestr(name, data)
        paths.append(p)
    return tmp


def test_every_naming_rule_finds_its_sidecar(tmp_path: Path) -> None:
    assert len(LONG + ".jpg" + takeout.SUPPLEMENTAL + ".json") > 51
    _export(tmp_path)
    opened = common.open_exports(sorted(tmp_path.glob("*.zip")))
    facts = {Path(k).name: v for k, v in takeout.read_export(opened.members).items()}
    opened.close()

    def at(name: str) -> int:
        t = facts[name].taken_at
        assert t is not None, name
        return int(t.timestamp())

    assert facts["IMG_0001.jpg"].taken_at == datetime(2023, 7, 4, 15, 55, 12, tzinfo=UTC)
    assert (facts["IMG_0001.jpg"].lat, facts["IMG_0001.jpg"].lon) == (38.7223, -9.1393)
    assert facts["IMG_0001.jpg"].favorite and facts["IMG_0001.jpg"].people == ["Ana Souza"]
    assert facts["IMG_0001.jpg"].album == "Trip to Lisbon"
    assert facts["IMG_0001.jpg"].description == "Tram 28"
    assert at("IMG_0002.jpg") == 1688490000
    assert facts["IMG_0002.jpg"].gps_source == "takeout:geoDataExif"  # geoData was 0.0/0.0: none
    assert at(LONG + ".jpg") == 1690000000
    assert at("IMG_0003(1).jpg") == 1690100000
    assert at("IMG_0003.jpg") == 1690200000
    assert at("IMG_0004-edited.jpg") == 1690300000
    assert facts["IMG_0004-edited.jpg"].sidecar == facts["IMG_0004.jpg"].sidecar
    assert facts["IMG_0003.jpg"].album is None and not facts["IMG_0003.jpg"].favorite
    assert facts["IMG_0003.jpg"].lat is None


def test_hostile_members_are_refused_one_by_one(tmp_path: Path) -> None:
    z_path = tmp_path / "evil.zip"
    with zipfile.ZipFile(z_path, "w") as z:
        z.writestr("../evil.jpg", b"x")
        z.writestr("/etc/evil.jpg", b"x")
        link = zipfile.ZipInfo("Takeout/link.jpg")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "/etc/passwd")
        z.writestr("Takeout/run.sh", b"rm -rf /")
        z.writestr("Takeout/good.jpg", _no_exif_jpeg(0))
    opened = common.open_exports([z_path])
    refused = dict(opened.refused)
    assert set(refused) == {"../evil.jpg", "/etc/evil.jpg", "Takeout/link.jpg"}
    assert [m.name for m in opened.members] == ["Takeout/good.jpg"]
    into = tmp_path / "into"
    known: set[str] = set()
    dest, _ = common.copy_original(opened.members[0], into, known)
    assert dest is not None and dest.is_relative_to(into)
    again, _ = common.copy_original(opened.members[0], into, known)
    assert again is None  # same content: nothing copied twice
    assert not (tmp_path / "evil.jpg").exists()
    opened.close()


def test_a_member_larger_than_it_declares_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    m = common.Member("big.jpg", 10, "x", _path=tmp_path / "big.jpg")
    (tmp_path / "big.jpg").write_bytes(b"0" * 5000)
    with pytest.raises(common.Refused):
        m.read(limit=1000)


def test_import_catalogues_the_copies_with_sourced_facts_and_never_copies_twice(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    exports = tmp_path / "exports"
    exports.mkdir()
    _export(exports)
    zips = [str(p) for p in sorted(exports.glob("*.zip"))]
    home = tmp_path / "home"
    first = run_cli(home, "import", "takeout", *zips, "--audit", "--json")
    assert first["copied"] == 7 and first["already_in_library"] == 0 and first["refused"] == []
    assert first["photos"] == 7 and first["without_sidecar"] == []
    audit = first["audit"]
    assert audit["items"] == 7 and audit["people_named"] == {"Ana Souza": 1}
    assert audit["albums"] == {"Trip to Lisbon": 2} and audit["with_place"] == 2
    assert any("Empty trash" in line for line in audit["delete_there"])
    photos = {Path(p["path"]).name: p for p in run_cli(home, "photos", "--json")}
    lisbon = photos["IMG_0001.jpg"]
    # 1688486112 is 15:55:12 UTC; Lisbon is UTC+1 in July: the same instant, local wall clock.
    assert lisbon["taken_at"] == "2023-07-04T16:55:12+01:00"
    assert [p["name"] for p in lisbon["people"]] == ["Ana Souza"]
    assert photos["IMG_0003(1).jpg"]["taken_at"] == "2023-07-23T08:13:20+00:00"  # 1690100000, no GPS: UTC
    again = run_cli(home, "import", "takeout", *zips, "--json")
    assert again["copied"] == 0 and again["already_in_library"] == 7
    assert len(list((home / "imports" / "takeout").rglob("*.jpg"))) == 7


def test_why_camroll_knows_names_the_export(tmp_path: Path) -> None:
    from camroll.config import AppContext, Config
    from camroll.store import files, photos
    from camroll.web.routes_library import PhotoFacts
    from tests.conftest import run_cli

    exports = tmp_path / "exports"
    exports.mkdir()
    _export(exports)
    home = tmp_path / "home"
    run_cli(home, "import", "takeout", *[str(p) for p in sorted(exports.glob("*.zip"))], "--json")
    record = next(p for p in run_cli(home, "photos", "--json") if p["path"].endswith("IMG_0001.jpg"))
    ctx = AppContext(Config(home=home, workers=1))
    try:
        row = photos.live_photo_row(ctx.db, record["id"])
        path = files.live_files(ctx.db, record["id"])[0]["path"]
        sections = PhotoFacts(ctx, record["id"], path).sections(dict(row))
    finally:
        ctx.close()
    facts = {f["label"]: f for s in sections for f in s["facts"]}
    assert "takeout:photoTakenTime" in facts["Taken"]["why"]
    assert "takeout:geoData" in facts["GPS"]["why"]
    assert facts["Album"]["value"] == "Trip to Lisbon" and facts["Named there"]["value"] == "Ana Souza"


def test_a_newer_metadata_reader_keeps_what_the_export_said(tmp_path: Path) -> None:
    """Every file is read again when camroll's reader improves; a photo whose time and place came
    only from the export's JSON keeps them (the file still has none)."""
    from camroll.library import scan as scan_module
    from tests.conftest import run_cli

    exports = tmp_path / "exports"
    exports.mkdir()
    _export(exports)
    home = tmp_path / "home"
    run_cli(home, "import", "takeout", *[str(p) for p in sorted(exports.glob("*.zip"))], "--json")

    def lisbon() -> dict[str, object]:
        return next(p for p in run_cli(home, "photos", "--json") if p["path"].endswith("IMG_0001.jpg"))

    before = lisbon()
    assert before["taken_at"] == "2023-07-04T16:55:12+01:00" and before["gps"]
    old = scan_module.METADATA_VERSION
    try:
        scan_module.METADATA_VERSION = old + 1
        run_cli(home, "scan", str(home / "imports" / "takeout"), "--workers", "1")
    finally:
        scan_module.METADATA_VERSION = old
    after = lisbon()
    assert after["taken_at"] == before["taken_at"] and after["gps"] == before["gps"]
    assert after["taken_at_source"] == "takeout:photoTakenTime" and after["description"] == "Tram 28"
