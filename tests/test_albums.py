"""Albums (issue 14): manual albums and smart albums (saved searches) through the CLI and the
web. A CLI round trip, audited with ids and never names; a smart album follows the library and
stores no membership; a removed or deleted photo leaves every album, and deleting an album keeps
its photos; hostile names are refused in words or escaped in the page; the web's forms need the
CSRF token; export writes the albums and forget deletes them; the album page fits a 390 px phone
in Chromium (screenshots in /tmp/albums-*.png)."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import piexif
from PIL import Image
from playwright.sync_api import expect, sync_playwright
from typer.testing import CliRunner

from camroll.cli import app
from camroll.config import Config
from camroll.web.app import create_app
from tests.conftest import catalog, run_cli
from tests.test_phone_layout import WIDEST
from tests.test_web import browser, token
from tests.test_web_browser import serving


def _photo(path: Path, year: int, day: int, colour: tuple[int, int, int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    exif = piexif.dump({"Exif": {piexif.ExifIFD.DateTimeOriginal: f"{year}:05:{day:02d} 10:00:00".encode()}})
    Image.new("RGB", (120, 90), colour).save(path, "JPEG", exif=exif)


def _library(tmp_path: Path) -> tuple[Path, Path]:
    """Three photos of 2021 and one of 2019, scanned (no analysis: nothing else is needed)."""
    home, lib = tmp_path / "home", tmp_path / "lib"
    for i, (year, colour) in enumerate(
        [(2021, (200, 40, 40)), (2021, (40, 200, 40)), (2021, (40, 40, 200)), (2019, (90, 90, 90))]
    ):
        _photo(lib / f"p{i}.jpg", year, i + 1, colour)
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet", "--workers", "1")
    return home, lib


def _ids(home: Path) -> dict[str, int]:
    return {Path(r["path"]).name: int(r["id"]) for r in run_cli(home, "photos", "--json") if r["path"]}


def _shown(home: Path, name: str) -> list[int]:
    return [p["id"] for p in run_cli(home, "album", "show", name, "--json")["photos"]]


def _fails(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--home", str(home)])
    return result.exit_code, " ".join(result.output.split())


def _db(home: Path) -> sqlite3.Connection:
    return catalog(home)


def test_cli_round_trip_audited_exported_and_forgotten(tmp_path: Path) -> None:
    home, lib = _library(tmp_path)
    ids = _ids(home)
    made = run_cli(home, "album", "create", "Lisbon 2021", "--json")
    assert made["kind"] == "manual" and made["photos"] == 0
    # PHOTO as an id, a path and a hash, in the order given; a second add changes nothing.
    digest = next(r["hash"] for r in run_cli(home, "photos", "--json") if r["id"] == ids["p0.jpg"])
    added = run_cli(home, "album", "add", "Lisbon 2021", str(ids["p2.jpg"]), str(lib / "p1.jpg"), digest[:12], "--json")
    assert added["changed"] == [ids["p2.jpg"], ids["p1.jpg"], ids["p0.jpg"]]
    assert run_cli(home, "album", "add", "lisbon 2021", str(ids["p1.jpg"]), "--json")["changed"] == []
    assert _shown(home, "Lisbon 2021") == [ids["p2.jpg"], ids["p1.jpg"], ids["p0.jpg"]]
    assert run_cli(home, "album", "remove", "Lisbon 2021", str(ids["p1.jpg"]), "--json")["changed"] == [ids["p1.jpg"]]
    assert _shown(home, "Lisbon 2021") == [ids["p2.jpg"], ids["p0.jpg"]]
    run_cli(home, "album", "create", "Old ones", "--query", "2019")
    listed = {a["name"]: a for a in run_cli(home, "album", "list", "--json")}
    assert listed["Lisbon 2021"]["photos"] == 2 and listed["Lisbon 2021"]["cover"] == ids["p2.jpg"]
    assert listed["Old ones"] == {**listed["Old ones"], "kind": "smart", "query": "2019", "photos": 1}
    # A smart album's photos are its search's: adding to one is refused, in words.
    code, out = _fails(home, "album", "add", "Old ones", str(ids["p0.jpg"]))
    assert code == 2 and "smart album" in out
    # Names are unique whatever their case.
    code, out = _fails(home, "album", "create", "LISBON 2021")
    assert code == 2 and "already an album" in out
    run_cli(home, "album", "rename", "Lisbon 2021", "Lisboa")
    assert _shown(home, "Lisboa") == [ids["p2.jpg"], ids["p0.jpg"]]
    assert _fails(home, "album", "show", "Lisbon 2021")[0] == 2

    # Audited as album.*, with ids: the names and searches are nowhere in the log.
    events = [e for e in run_cli(home, "audit", "--json") if e["kind"].startswith("album.")]
    assert {e["kind"] for e in events} == {"album.create", "album.add", "album.remove", "album.rename"}
    assert any(e["details"].get("photos") == [ids["p1.jpg"]] for e in events if e["kind"] == "album.remove")
    log = json.dumps(events)
    assert "Lisbo" not in log and "Old ones" not in log and "2019" not in log

    # Export writes each album: a manual one by its photos' hashes, a smart one by its search.
    run_cli(home, "export", "--out", str(tmp_path / "out"))
    exported = {a["name"]: a for a in json.loads((tmp_path / "out" / "library.json").read_text())["albums"]}
    hashes = {r["id"]: r["hash"] for r in run_cli(home, "photos", "--json")}
    assert exported["Lisboa"]["photo_hashes"] == [hashes[ids["p2.jpg"]], hashes[ids["p0.jpg"]]]
    assert exported["Old ones"]["query"] == "2019" and exported["Old ones"]["kind"] == "smart"

    # Deleting an album keeps its photos.
    run_cli(home, "album", "delete", "Lisboa")
    assert len(run_cli(home, "photos", "--json")) == 4
    assert {a["name"] for a in run_cli(home, "album", "list", "--json")} == {"Old ones"}
    # forget deletes the albums too (their names and searches describe the library).
    run_cli(home, "forget", "--yes")
    assert _db(home).execute("SELECT count(*) FROM albums").fetchone()[0] == 0


def test_a_smart_album_follows_the_library_and_stores_no_membership(tmp_path: Path) -> None:
    home, lib = _library(tmp_path)
    run_cli(home, "album", "create", "2021", "--query", "2021")
    before = _shown(home, "2021")
    assert len(before) == 3
    _photo(lib / "new" / "later.jpg", 2021, 20, (250, 200, 10))
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet", "--workers", "1")
    after = _shown(home, "2021")
    assert len(after) == 4 and set(before) < set(after) and _ids(home)["later.jpg"] in after
    # An edit of the date moves a photo out of it, with nothing to update.
    run_cli(home, "edit", str(_ids(home)["p0.jpg"]), "--date", "2018-01-01 10:00")
    assert _ids(home)["p0.jpg"] not in _shown(home, "2021")
    assert _db(home).execute("SELECT count(*) FROM album_photos").fetchone()[0] == 0


def test_a_removed_or_deleted_photo_leaves_its_albums(tmp_path: Path) -> None:
    home, _lib = _library(tmp_path)
    ids = _ids(home)
    for name in ("One", "Two"):
        run_cli(home, "album", "create", name)
        run_cli(home, "album", "add", name, *(str(i) for i in ids.values()))
    run_cli(home, "album", "cover", "One", str(ids["p1.jpg"]))
    run_cli(home, "remove", str(ids["p1.jpg"]))
    run_cli(home, "delete", str(ids["p2.jpg"]), "--yes")
    kept = sorted([ids["p0.jpg"], ids["p3.jpg"]])
    assert sorted(_shown(home, "One")) == kept and sorted(_shown(home, "Two")) == kept
    con = _db(home)
    assert (
        con.execute(
            "SELECT count(*) FROM album_photos WHERE photo_id IN (?, ?)", (ids["p1.jpg"], ids["p2.jpg"])
        ).fetchone()[0]
        == 0
    )
    assert con.execute("SELECT cover_id FROM albums WHERE name = 'One'").fetchone()[0] is None
    listed = {a["name"]: a for a in run_cli(home, "album", "list", "--json")}
    assert listed["One"]["photos"] == 2 and listed["One"]["cover"] in kept


def test_hostile_names_are_refused_in_words_or_escaped(tmp_path: Path) -> None:
    home, _lib = _library(tmp_path)
    for bad, why in [
        ("x" * 121, "at most 120"),
        ("evil\x1b[31mred", "control characters"),
        ("two\nlines", "control characters"),
        ("right\u202eto left", "control characters"),
        ("   ", "needs a name"),
    ]:
        code, out = _fails(home, "album", "create", bad)
        assert code == 2 and why in out, (bad, out)
    assert _db(home).execute("SELECT count(*) FROM albums").fetchone()[0] == 0
    html = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    album_id = run_cli(home, "album", "create", html, "--json")["id"]
    assert _shown(home, html) == []
    run_cli(home, "album", "create", "x" * 120)  # the longest name is kept whole
    with browser(create_app(Config(home=home, workers=1))) as c:
        for url in ("/albums", f"/albums/{album_id}"):
            page = c.get(url).text
            assert "<script>alert" not in page and "<img src=x" not in page
            assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
        assert "x" * 120 in c.get("/albums").text


def test_web_forms_need_the_csrf_token(tmp_path: Path) -> None:
    home, _lib = _library(tmp_path)
    ids = _ids(home)
    con = _db(home)
    con.execute("INSERT INTO import_albums VALUES (?, 'takeout', 'Holiday from Google')", (ids["p3.jpg"],))
    con.commit()
    with browser(create_app(Config(home=home, workers=1))) as c:
        csrf = token(c, "/albums")
        assert c.post("/albums", data={"name": "Forged"}).status_code == 403
        made = c.post("/albums", data={"name": "Beach", "csrf": csrf}, follow_redirects=False)
        assert made.status_code == 303
        beach = int(re.fullmatch(r"/albums/(\d+)", made.headers["location"])[1])  # type: ignore[index]
        add = f"/photo/{ids['p0.jpg']}/albums"
        assert c.post(add, data={"album": str(beach)}).status_code == 403
        assert c.post(add, data={"album": str(beach), "csrf": csrf}, follow_redirects=False).status_code == 303
        c.post(f"/photo/{ids['p1.jpg']}/albums", data={"album": str(beach), "csrf": csrf})
        made_new = c.post(add, data={"new_name": "Made from the photo", "csrf": csrf}, follow_redirects=False)
        assert "added=Made" in made_new.headers["location"]
        assert _shown(home, "Beach") == [ids["p0.jpg"], ids["p1.jpg"]]
        assert _shown(home, "Made from the photo") == [ids["p0.jpg"]]
        assert "✓ in it" in c.get(add).text
        page = c.get(f"/albums/{beach}").text
        assert f'href="/photo/{ids["p1.jpg"]}"' in page and "Remove from album" in page
        remove = f"/albums/{beach}/remove"
        assert c.post(remove, data={"photo": str(ids["p1.jpg"])}).status_code == 403
        assert _shown(home, "Beach") == [ids["p0.jpg"], ids["p1.jpg"]]
        c.post(remove, data={"photo": str(ids["p1.jpg"]), "csrf": csrf})
        assert _shown(home, "Beach") == [ids["p0.jpg"]]
        assert len(run_cli(home, "photos", "--json")) == 4  # out of the album, still in the library
        assert c.post(f"/albums/{beach}/cover", data={"photo": str(ids["p3.jpg"])}).status_code == 403
        c.post(f"/albums/{beach}/cover", data={"photo": str(ids["p3.jpg"]), "csrf": csrf})
        assert (
            f'<a class="album-card" href="/albums/{beach}">\n  <img src="/thumb/{ids["p3.jpg"]}.jpg"'
            in c.get("/albums").text
        )
        # A refused name comes back to the page in words.
        refused = c.post("/albums", data={"name": "a\tb", "csrf": csrf})
        assert refused.status_code == 200 and "control characters" in refused.text
        # Save this search as an album, from the search page.
        assert "Save this search as an album" in c.get("/search?q=2021").text
        smart = c.post("/albums", data={"name": "All of 2021", "query": "2021", "csrf": csrf}, follow_redirects=False)
        smart_page = c.get(smart.headers["location"]).text
        assert (
            "smart album" in smart_page
            and smart_page.count('class="thumb"') == 3
            and "Remove from album" not in smart_page
        )
        # An imported album is listed, read-only, and can become one of the person's own.
        listing = c.get("/albums").text
        assert "Holiday from Google" in listing and "From your cloud exports" in listing
        assert (
            c.post("/albums/imported/copy", data={"service": "takeout", "name": "Holiday from Google"}).status_code
            == 403
        )
        c.post("/albums/imported/copy", data={"service": "takeout", "name": "Holiday from Google", "csrf": csrf})
        assert _shown(home, "Holiday from Google") == [ids["p3.jpg"]]
        # Rename and delete, each with the token only.
        assert c.post(f"/albums/{beach}/delete").status_code == 403
        c.post(f"/albums/{beach}/rename", data={"name": "Beach days", "csrf": csrf})
        c.post(f"/albums/{beach}/delete", data={"csrf": csrf})
        assert "Beach" not in {a["name"] for a in run_cli(home, "album", "list", "--json")}
        assert c.get(f"/albums/{beach}").status_code == 404
    assert len(run_cli(home, "photos", "--json")) == 4


def test_album_page_at_390px_in_chromium(tmp_path: Path) -> None:
    home, _lib = _library(tmp_path)
    ids = _ids(home)
    long_name = "Summer at grandma's house by the lake, with everyone who came " * 2
    run_cli(home, "album", "create", long_name[:120])
    run_cli(home, "album", "add", long_name[:120], *(str(i) for i in ids.values()))
    run_cli(home, "album", "create", "Twenty twenty-one", "--query", "2021")
    album_id = run_cli(home, "album", "list", "--json")[0]["id"]
    with serving(home) as base, sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = chromium.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
        too_wide = {}
        for url, shot in [
            ("/albums", "list"),
            (f"/albums/{album_id}", "album"),
            (f"/photo/{ids['p0.jpg']}/albums", "add"),
        ]:
            response = page.goto(base + url)
            assert response is not None and response.ok, url
            page.wait_for_load_state("networkidle")
            overflow, worst = page.evaluate(WIDEST)
            if overflow > 0:
                too_wide[url] = (overflow, worst)
            page.screenshot(path=f"/tmp/albums-{shot}.png", full_page=True)
        assert not too_wide, f"pages wider than a 390 px phone: {too_wide}"
        # Every thumbnail loaded, and Remove from album works from the phone.
        page.goto(f"{base}/albums/{album_id}")
        expect(page.locator(".album-item")).to_have_count(4)
        assert page.evaluate("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
        page.locator(".album-item").first.locator("button:has-text('Remove from album')").click()
        expect(page.locator(".album-item")).to_have_count(3)
        expect(page.locator("p.notice")).to_contain_text("still in your library")
        # From a photo's page: Add to album, then make a new album there.
        page.goto(f"{base}/photo/{ids['p3.jpg']}")
        page.click("a:has-text('Add to album')")
        page.fill("input[name=new_name]", "From my phone")
        page.click("button:has-text('Make it and add')")
        expect(page.locator("p.notice")).to_contain_text("From my phone")
        page.screenshot(path="/tmp/albums-added.png", full_page=True)
        chromium.close()
    assert _shown(home, "From my phone") == [ids["p3.jpg"]]


def test_albums_from_cloud_exports_are_listed_read_only_and_copied(tmp_path: Path) -> None:
    home, _lib = _library(tmp_path)
    ids = _ids(home)
    con = _db(home)
    for name, service in (("p0.jpg", "takeout"), ("p3.jpg", "takeout"), ("p1.jpg", "meta")):
        con.execute("INSERT INTO import_albums VALUES (?, ?, 'Holiday')", (ids[name], service))
    con.commit()
    listed = [a for a in run_cli(home, "album", "list", "--json") if a["kind"] == "imported"]
    assert sorted((a["service"], a["photos"]) for a in listed) == [("meta", 1), ("takeout", 2)]
    code, out = _fails(home, "album", "show", "Holiday")
    assert code == 2 and "SERVICE:NAME" in out  # two services named an album so: say which
    assert sorted(_shown(home, "takeout:Holiday")) == sorted([ids["p0.jpg"], ids["p3.jpg"]])
    assert run_cli(home, "album", "create", "Mine", "--from-import", "meta:Holiday", "--json")["photos"] == 1
    assert _shown(home, "Mine") == [ids["p1.jpg"]]
    run_cli(home, "album", "remove", "Mine", str(ids["p1.jpg"]))
    assert _shown(home, "meta:Holiday") == [ids["p1.jpg"]]  # the export's own album is as it was
    assert con.execute("SELECT count(*) FROM import_albums").fetchone()[0] == 3


def test_pages_cover_each_photo_once(tmp_path: Path) -> None:
    """A manual album pages in its own order; a smart one pages through its ranked search."""
    from camroll.config import AppContext
    from camroll.search import albums

    home, _lib = _library(tmp_path)
    ids = list(_ids(home).values())
    run_cli(home, "album", "create", "All")
    run_cli(home, "album", "add", "All", *(str(i) for i in ids))
    run_cli(home, "album", "create", "2021", "--query", "2021")
    ctx = AppContext(Config(home=home, workers=1))
    try:
        manual, smart = albums.get(ctx, "All"), albums.get(ctx, "2021")
        pages = [albums.page_of(ctx, manual, n, size=3) for n in (1, 2, 3)]
        assert [p.photo_ids for p in pages] == [ids[:3], ids[3:], []] and pages[0].pages == 2
        first, second = albums.page_of(ctx, smart, 1, size=2), albums.page_of(ctx, smart, 2, size=2)
        assert first.total == 3 and first.pages == 2 and len(first.photo_ids) == 2 and len(second.photo_ids) == 1
        assert len(set(first.photo_ids + second.photo_ids)) == 3
    finally:
        ctx.close()
