"""Favourites and the archive: flags a person sets on photos, shown in `photos --json`; an
archived photo leaves the timeline and moments and stays searchable; each change is audited;
the flags go with the photo."""

from __future__ import annotations

from pathlib import Path

import piexif
from PIL import Image

from camroll.config import Config
from camroll.web.app import create_app
from tests.conftest import catalog, run_cli
from tests.test_web import browser


def _day(folder: Path, n: int) -> None:
    """``n`` photos a minute apart on one day: one event."""
    folder.mkdir(parents=True)
    for i in range(n):
        exif = piexif.dump({"Exif": {piexif.ExifIFD.DateTimeOriginal: f"2021:05:01 10:{i:02d}:00".encode()}})
        Image.new("RGB", (90, 60), (40 * i % 255, 90, 140)).save(folder / f"p{i}.jpg", "JPEG", exif=exif)


def _flags(home: Path) -> dict[int, tuple[bool, bool]]:
    return {int(r["id"]): (r["favourite"], r["archived"]) for r in run_cli(home, "photos", "--json")}


def test_favourite_and_archive(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _day(tmp_path / "lib", 6)
    run_cli(home, "scan", str(tmp_path / "lib"), "--workers", "1")
    assert set(_flags(home).values()) == {(False, False)}
    run_cli(home, "favourite", "1", "2")
    run_cli(home, "archive", "2", "3", "4", "5", "6")
    flags = _flags(home)
    assert flags[1] == (True, False) and flags[2] == (True, True) and flags[3] == (False, True)
    # The archive leaves the timeline and the moments (6 photos made an event; 1 is not one).
    moments = run_cli(home, "moments", "--json")
    assert not [m for m in moments if 2 in m["photo_ids"]]
    with browser(create_app(Config(home=home, workers=1))) as c:
        page = c.get("/").text
        assert 'href="/photo/1"' in page and 'href="/photo/2"' not in page
        assert c.get("/photo/2").status_code == 200  # its own page stays
    run_cli(home, "unarchive", "2", "3", "4", "5", "6")
    assert any(2 in m["photo_ids"] for m in run_cli(home, "moments", "--json"))
    run_cli(home, "unfavourite", "1")
    assert _flags(home)[1] == (False, False)
    kinds = [e["kind"] for e in run_cli(home, "audit", "--json")]
    assert {"curation.favourite", "curation.archive", "curation.unarchive", "curation.unfavourite"} <= set(kinds)
    # The flags go with the photo.
    run_cli(home, "remove", "2")
    con = catalog(home)
    assert con.execute("SELECT count(*) FROM photo_flags WHERE photo_id = 2").fetchone()[0] == 0


def test_a_removed_photo_takes_what_the_registry_ties_to_it(tmp_path: Path) -> None:
    """``camroll remove`` deletes every table ``capabilities.TIES`` ties to a photo (favourite,
    edits, albums...), by the registry, and says so in its report; the other photos keep theirs."""
    from camroll import capabilities

    home = tmp_path / "home"
    _day(tmp_path / "lib", 2)
    run_cli(home, "scan", str(tmp_path / "lib"), "--workers", "1")
    for pid in ("1", "2"):
        run_cli(home, "favourite", pid)
        run_cli(home, "edit", pid, "--title", f"photo {pid}")
    run_cli(home, "album", "create", "Both")
    run_cli(home, "album", "add", "Both", "1", "2")
    report = run_cli(home, "remove", "1", "--json")
    for table in ("photo_flags", "photo_edits", "album_photos"):
        assert report["rows"].get(table) == 1, (table, report["rows"])
    conn = catalog(home)
    try:
        for tie in capabilities.ties_with_photos():
            left = conn.execute(f"SELECT count(*) FROM {tie.table} WHERE {tie.photo_key} = 1").fetchone()[0]
            assert left == 0, tie.table
        assert conn.execute("SELECT count(*) FROM photo_flags WHERE photo_id = 2").fetchone()[0] == 1
    finally:
        conn.close()
