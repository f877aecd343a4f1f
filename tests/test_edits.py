"""Edits of a photo's facts: kept in camroll, winning over the file even when it is read again,
written to an XMP sidecar beside the photo (never to the original), restored from that sidecar
when the library is rebuilt, and undone on request."""

from __future__ import annotations

import hashlib
from pathlib import Path

import piexif
import pytest
from PIL import Image

from camroll.config import AppContext, Config
from camroll.library import scan as scan_module
from camroll.library.edits import EditError, edit
from camroll.library.xmp import read_user_fields
from tests.conftest import catalog, run_cli


def _photo(folder: Path) -> Path:
    folder.mkdir(parents=True)
    exif = piexif.dump({"Exif": {piexif.ExifIFD.DateTimeOriginal: b"2019:03:04 10:00:00"}})
    path = folder / "IMG_0001.jpg"
    Image.new("RGB", (120, 80), (200, 90, 40)).save(path, "JPEG", exif=exif)
    return path


def _record(home: Path) -> dict[str, object]:
    (found,) = run_cli(home, "photos", "--json")
    return found  # type: ignore[no-any-return]


def test_edit_wins_is_written_beside_the_photo_and_undone(tmp_path: Path) -> None:
    home, photo = tmp_path / "home", _photo(tmp_path / "lib")
    original = hashlib.sha256(photo.read_bytes()).hexdigest()
    run_cli(home, "scan", str(photo.parent), "--workers", "1")
    assert _record(home)["taken_at"] == "2019-03-04T10:00:00"
    out = run_cli(
        home,
        "edit",
        str(photo),
        "--date",
        "2018-12-24 18:30",
        "--tz",
        "+01:00",
        "--title",
        "Christmas eve",
        "--rating",
        "5",
        "--keyword",
        "family",
        "--keyword",
        "snow",
        "--place",
        "47.2692,11.4041",
        "--json",
    )
    assert out["changed"] == ["keywords", "place", "rating", "taken", "title"] and out["sidecar"]
    rec = _record(home)
    assert rec["taken_at"] == "2018-12-24T18:30:00+01:00" and rec["taken_at_source"] == "user"
    assert rec["offset_source"] == "user" and rec["title"] == "Christmas eve" and rec["rating"] == 5
    assert rec["keywords"] == ["family", "snow"] and rec["gps"] == {"lat": 47.2692, "lon": 11.4041, "alt": None}
    # The sidecar holds the edits in the properties other apps read; the original is untouched.
    sidecar = photo.with_name("IMG_0001.xmp")
    fields = read_user_fields(sidecar.read_bytes(), None)
    assert fields.title == "Christmas eve" and fields.rating == 5 and fields.keywords == ["family", "snow"]
    assert fields.dates["xmp:exif:DateTimeOriginal"] == "2018-12-24T18:30:00+01:00"
    assert fields.gps is not None and abs(fields.gps[0] - 47.2692) < 1e-5 and abs(fields.gps[1] - 11.4041) < 1e-5
    assert hashlib.sha256(photo.read_bytes()).hexdigest() == original
    # Read again by a newer metadata reader: the file says 2019, the edit still wins.
    old = scan_module.METADATA_VERSION
    try:
        scan_module.METADATA_VERSION = old + 1
        run_cli(home, "scan", str(photo.parent), "--workers", "1")
    finally:
        scan_module.METADATA_VERSION = old
    assert _record(home)["taken_at"] == "2018-12-24T18:30:00+01:00"
    # Undo one field: the file's own value is back, the others stay.
    run_cli(home, "edit", "1", "--undo", "taken", "--json")
    rec = _record(home)
    assert rec["taken_at"] == "2019-03-04T10:00:00" and rec["title"] == "Christmas eve"
    assert "taken" not in run_cli(home, "edit", "1", "--json")["edits"]
    events = run_cli(home, "audit", "--json")
    kinds = [e["kind"] for e in (events["events"] if isinstance(events, dict) else events)]
    assert "edit" in kinds and "edit.undo" in kinds


def test_a_rebuilt_library_gets_its_edits_back_from_the_sidecar(tmp_path: Path) -> None:
    photo = _photo(tmp_path / "lib")
    run_cli(tmp_path / "first", "scan", str(photo.parent), "--workers", "1")
    run_cli(tmp_path / "first", "edit", "1", "--title", "Ana's first steps", "--rating", "4", "--json")
    run_cli(tmp_path / "second", "scan", str(photo.parent), "--workers", "1")  # a new library, same folder
    rec = _record(tmp_path / "second")
    assert rec["title"] == "Ana's first steps" and rec["rating"] == 4
    assert run_cli(tmp_path / "second", "edit", "1", "--json")["edits"] == {"rating": 4, "title": "Ana's first steps"}


def test_another_apps_sidecar_is_never_overwritten_and_hostile_ones_are_ignored(tmp_path: Path) -> None:
    photo = _photo(tmp_path / "lib")
    theirs = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><!-- Lightroom --></x:xmpmeta>'
    photo.with_name("IMG_0001.xmp").write_bytes(theirs)
    home = tmp_path / "home"
    run_cli(home, "scan", str(photo.parent), "--workers", "1")
    out = run_cli(home, "edit", "1", "--title", "mine", "--json")
    assert out["sidecar"] is None and "another app" in out["notes"][0]
    assert photo.with_name("IMG_0001.xmp").read_bytes() == theirs
    assert _record(home)["title"] == "mine"
    # A sidecar that claims to be camroll's but is garbage costs nothing on a scan.
    other = _photo(tmp_path / "lib2")
    other.with_name("IMG_0001.xmp").write_bytes(
        b'<x camroll:Edits xmlns:camroll="https://camroll.invalid/ns/export/1.0/" exif:DateTimeOriginal="99999">'
    )
    run_cli(home, "scan", str(other.parent), "--workers", "1")
    assert len(run_cli(home, "photos", "--json")) == 2


def test_bad_edits_are_refused_with_a_reason(tmp_path: Path) -> None:
    home, photo = tmp_path / "home", _photo(tmp_path / "lib")
    run_cli(home, "scan", str(photo.parent), "--workers", "1")
    ctx = AppContext(Config(home=home))
    for changes, words in (
        ({"rating": 7}, "0 to 5"),
        ({"place": [91, 0]}, "latitude"),
        ({"place": [float("nan"), 0]}, "latitude"),
        ({"keywords": [str(i) for i in range(60)]}, "50 keywords"),
        ({"orientation": 6}, "cannot be edited"),
        ({}, "nothing to change"),
    ):
        with pytest.raises(EditError, match=words):
            edit(ctx, 1, changes)
    con = catalog(home)
    assert con.execute("SELECT count(*) FROM photo_edits").fetchone()[0] == 0
    ctx.close()


def test_edit_from_the_photo_page(tmp_path: Path) -> None:
    from camroll.web.app import create_app
    from tests.test_web import browser, token

    home, photo = tmp_path / "home", _photo(tmp_path / "lib")
    run_cli(home, "scan", str(photo.parent), "--workers", "1")
    with browser(create_app(Config(home=home, workers=1))) as c:
        page = c.get("/photo/1").text
        assert 'action="/photo/1/edit"' in page and 'value="2019-03-04T10:00"' in page
        csrf = token(c, "/photo/1")
        unchanged = {"csrf": csrf, "taken": "2019-03-04T10:00", "rating": "0", "keywords": ""}
        r = c.post("/photo/1/edit", data=unchanged, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].endswith("edited=0"), "saving as is edits nothing"
        form = {**unchanged, "taken": "2019-03-05T09:15", "tz": "-05:00", "title": "Brooklyn", "rating": "3"}
        r = c.post("/photo/1/edit", data=form, follow_redirects=False)
        assert r.headers["location"].endswith("edited=3")
        page = c.get("/photo/1").text
        assert "2019-03-05 09:15:00 -05:00" in page and "Brooklyn" in page and "★★★" in page
        assert "You set this on" in page
        r = c.post("/photo/1/edit", data={**form, "lat": "95", "lon": "0"}, follow_redirects=False)
        assert "error=" in r.headers["location"]
        assert c.post("/photo/1/undo/title", data={"csrf": csrf}, follow_redirects=False).status_code == 303
        assert "Brooklyn" not in c.get("/photo/1").text
        assert c.post("/photo/1/edit", data={"title": "no token"}).status_code == 403
    assert _record(home)["taken_at"] == "2019-03-05T09:15:00-05:00"
