"""Meta and Apple imports (issue 13): taken time, GPS, albums, titles from the export's JSON or
XMP, the post time and upload IP kept for the audit only; the file wins over the export."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import run_cli

PHOTOS = Path(__file__).resolve().parent / "data" / "photos"
pytestmark = pytest.mark.photos


def _jpeg(n: int, exif: bytes | None = None) -> bytes:
    src = sorted((PHOTOS / "scenes").rglob("*.jpg"))[n]
    with Image.open(src) as im:
        im = im.convert("RGB")
        im.thumbnail((160, 160))
        out = io.BytesIO()
        if exif is None:
            im.save(out, "JPEG", quality=80)
        else:
            im.save(out, "JPEG", quality=80, exif=exif)
    return out.getvalue()


def _exif_taken(when: str) -> bytes:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = when  # DateTimeOriginal
    exif.get_ifd(0x8769)[0x9011] = "+00:00"  # OffsetTimeOriginal
    return exif.tobytes()


def _entry(uri: str, taken: int, lat: float, lon: float, title: str) -> dict[str, object]:
    return {
        "uri": uri,
        "creation_timestamp": taken + 86400,  # posted a day later: not the taken time
        "title": title,
        "description": "Caf\u00c3\u00a9 au lait",  # Meta's mojibake for "Café au lait"
        "media_metadata": {
            "photo_metadata": {
                "exif_data": [{"taken_timestamp": taken, "latitude": lat, "longitude": lon, "upload_ip": "203.0.113.7"}]
            }
        },
    }


def test_meta_export(tmp_path: Path) -> None:
    media = "your_facebook_activity/posts/media/Summer_abc123/"
    album = {
        "name": "Summer in Porto",
        "photos": [
            _entry(media + "101.jpg", 1688486112, 41.1496, -8.6110, "Ribeira"),
            _entry(media + "102.jpg", 1688500000, 41.15, -8.61, "Clérigos"),
        ],
    }
    posts = [
        {
            "timestamp": 1688600000,
            "attachments": [{"data": [{"media": _entry(media + "103.jpg", 1688400000, 0, 0, "")}]}],
        }
    ]
    z = tmp_path / "facebook-me.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("your_facebook_activity/posts/album/0.json", json.dumps(album))
        zf.writestr("your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.json", json.dumps(posts))
        zf.writestr(media + "101.jpg", _jpeg(0))
        zf.writestr(media + "102.jpg", _jpeg(1, _exif_taken("2020:01:02 03:04:05")))  # the file's own time
        zf.writestr(media + "103.jpg", _jpeg(2))
    home = tmp_path / "home"
    out = run_cli(home, "import", "meta", str(z), "--audit", "--json")
    assert out["copied"] == 3 and out["photos"] == 3
    assert out["audit"]["upload_ips"] == {"203.0.113.7": 3} and out["audit"]["albums"] == {"Summer in Porto": 2}
    diff = [d for d in out["differences"] if d["field"] == "taken_at"]
    assert len(diff) == 1 and diff[0]["member"].endswith("102.jpg") and diff[0]["source"] == "meta:taken_timestamp"
    photos = {Path(p["path"]).name: p for p in run_cli(home, "photos", "--json")}
    assert photos["101.jpg"]["taken_at"] == "2023-07-04T16:55:12+01:00"  # Porto, UTC+1 in July
    assert photos["101.jpg"]["title"] == "Ribeira" and photos["101.jpg"]["description"] == "Café au lait"
    assert photos["102.jpg"]["taken_at"].startswith("2020-01-02T03:04:05")  # the file wins
    assert photos["103.jpg"]["gps"] is None  # 0/0 is no place
    assert "203.0.113.7" not in json.dumps(photos)  # the upload IP is the audit's, not the catalog's
    from camroll.config import AppContext, Config
    from camroll.report.cloud_audit import html_section

    ctx = AppContext(Config(home=home, workers=1))
    try:
        section = html_section(ctx)  # the audit was stored for the report
    finally:
        ctx.close()
    assert "203.0.113.7" in section and "Delete photo" in section
    # ... and the report shows it: in its JSON, its HTML file and the web's report page.
    report = run_cli(home, "report", "--json", "--html", str(tmp_path / "out" / "report.html"))
    assert report["cloud_audits"][0]["upload_ips"] == {"203.0.113.7": 3}
    assert "What the clouds hold" in (tmp_path / "out" / "report.html").read_text()
    from camroll.web.app import create_app
    from tests.test_web import browser

    with browser(create_app(Config(home=home, workers=1))) as c:
        assert "What the clouds hold" in c.get("/report").text


def test_apple_export_with_xmp_sidecars_and_live_pair(tmp_path: Path) -> None:
    export = tmp_path / "Exported"
    export.mkdir()
    (export / "IMG_0001.jpg").write_bytes(_jpeg(3))
    (export / "IMG_0001.xmp").write_text(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"'
        ' exif:DateTimeOriginal="2022-05-06T07:08:09+02:00" exif:GPSLatitude="48,51.4N"'
        ' exif:GPSLongitude="2,21.1E"><dc:title><rdf:Alt><rdf:li xml:lang="x-default">Paris</rdf:li></rdf:Alt>'
        "</dc:title></rdf:Description></rdf:RDF></x:xmpmeta>",
        encoding="utf-8",
    )
    (export / "IMG_0002.jpg").write_bytes(_jpeg(4))
    (export / "IMG_0002.mov").write_bytes(b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ")
    home = tmp_path / "home"
    out = run_cli(home, "import", "apple", str(export), "--json")
    assert out["copied"] == 3 and out["refused"] == []
    photos = {Path(p["path"]).name: p for p in run_cli(home, "photos", "--json")}
    one = photos["IMG_0001.jpg"]
    assert one["taken_at"] == "2022-05-06T07:08:09+02:00" and one["title"] == "Paris"
    assert one["gps"] is not None and abs(one["gps"]["lat"] - 48.8567) < 1e-3
    assert "IMG_0002.mov" in photos and (export / "IMG_0001.xmp").exists()
