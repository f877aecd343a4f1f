"""The web app through FastAPI's test client: every page on the analysed real photos, consent off
deletes, CSRF, path traversal, login when remote, and two users who never see each other's photos."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import piexif
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from typer.testing import CliRunner

from camroll import thresholds
from camroll.cli import app as cli_app
from camroll.config import Config
from camroll.privacy import audit
from camroll.report.worldmap import Marker, svg_map
from camroll.web.app import create_app
from camroll.web.security import Users, check_password, hash_password
from tests.conftest import copy_home

OPENED: list[str] = []
"""Files opened while a test listens (``sys.addaudithook`` cannot be removed, so it appends here
only while ``LISTENING`` holds a True)."""
LISTENING: list[bool] = []


def _audit_hook(event: str, args: tuple[Any, ...]) -> None:
    if LISTENING and event == "open" and isinstance(args[0], (str, bytes)):
        OPENED.append(args[0].decode("utf-8", "replace") if isinstance(args[0], bytes) else args[0])


sys.addaudithook(_audit_hook)


LOCAL = "http://127.0.0.1"
"""The address the tests' client names the server by, as a browser on this computer does: the
server refuses any other Host (``TestClient``'s own ``testserver`` included)."""


def browser(app: Any, **kwargs: Any) -> TestClient:
    """A test client for ``app`` that reaches it as a local browser would."""
    return TestClient(app, base_url=LOCAL, **kwargs)


def token(client: TestClient, url: str = "/consent") -> str:
    page = client.get(url)
    assert page.status_code == 200, page.text[:300]
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
    assert found
    return found.group(1)


def db(home: Path) -> sqlite3.Connection:
    """A connection to the home's catalog, on whichever engine it is (autocommit)."""
    return Config(home=home).open_database().conn


@pytest.fixture(scope="module")
def web_home(analysed_library: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the analysed library for the read-only page tests (pages write thumbnails and
    a session key, which the shared fixture must not get)."""
    copy = tmp_path_factory.mktemp("web") / "home"
    copy_home(analysed_library, copy)
    return copy


@pytest.fixture(scope="module")
def client(web_home: Path) -> Iterator[TestClient]:
    with browser(create_app(Config(home=web_home, workers=1))) as c:
        yield c


def test_every_page_renders(client: TestClient, web_home: Path) -> None:
    con = db(web_home)
    face_photo, face_id, person_id = con.execute(
        "SELECT photo_id, id, person_id FROM faces WHERE person_id IS NOT NULL ORDER BY id LIMIT 1"
    ).fetchone()
    placed = con.execute("SELECT photo_id, city, country FROM photo_places WHERE city IS NOT NULL LIMIT 1").fetchone()
    tagged = con.execute("SELECT photo_id, tag FROM tags ORDER BY score DESC LIMIT 1").fetchone()
    for url in [
        "/",
        "/consent",
        "/people",
        "/people?all=1",
        f"/people/{person_id}",
        "/places",
        "/moments",
        "/creations",
        "/search",
        "/search?q=beach",
        "/search?q=" + placed[1],
        "/report",
        "/report/page",
        "/report?metadata=1",
        "/jobs",
        f"/photo/{face_photo}",
        f"/photo/{placed[0]}",
        f"/photo/{tagged[0]}",
        f"/places/show?city={placed[1]}&country={placed[2]}",
    ]:
        r = client.get(url)
        assert r.status_code == 200, (url, r.text[:500])
        assert "text/html" in r.headers["content-type"]
        assert "Content-Security-Policy" in r.headers
        # Nothing is loaded from anywhere else: no absolute URL in any src, href or action.
        assert not re.search(r'(src|href|action)="(https?:)?//', r.text), url
    moments = client.get("/moments").text
    first_moment = re.search(r'href="/moments/([^"]+)"', moments)
    assert first_moment, "the real photos hold at least one moment"
    assert client.get(f"/moments/{first_moment.group(1)}").status_code == 200
    detail = client.get(f"/photo/{face_photo}").text
    assert "Why camroll knows this" in detail and "Capability: Faces" in detail and "facebox" in detail
    placed_page = client.get(f"/photo/{placed[0]}").text
    assert placed[1] in placed_page and "Capability: Places" in placed_page
    assert tagged[1] in client.get(f"/photo/{tagged[0]}").text
    face = client.get(f"/face/{face_id}.jpg")
    assert face.status_code == 200 and face.content[:2] == b"\xff\xd8"


def test_thumbnails_made_once_under_the_photo_hash(client: TestClient, web_home: Path) -> None:
    photo_id, photo_hash, o = (
        db(web_home).execute("SELECT id, hash, orientation FROM photos WHERE kind = 'photo' LIMIT 1").fetchone()
    )
    r = client.get(f"/thumb/{photo_id}.jpg")
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    cached = web_home / "cache" / "thumbs" / f"{photo_hash}-{thresholds.WEB_THUMB_SIDE}-o{o}.jpg"
    assert cached.is_file()
    with Image.open(io.BytesIO(r.content)) as img:
        assert max(img.size) <= thresholds.WEB_THUMB_SIDE
    before = cached.stat().st_mtime_ns
    assert client.get(f"/thumb/{photo_id}.jpg").content == r.content
    assert cached.stat().st_mtime_ns == before
    view = client.get(f"/view/{photo_id}.jpg")
    assert (
        view.status_code == 200
        and (web_home / "cache" / "thumbs" / f"{photo_hash}-{thresholds.WEB_VIEW_SIDE}-o{o}.jpg").is_file()
    )


def test_timeline_pages_cover_every_photo_once(
    client: TestClient, web_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from camroll.config import AppContext, Config
    from camroll.library.stacks import find_stacks, timeline_view

    monkeypatch.setattr(thresholds, "WEB_TIMELINE_PAGE", 40)
    ctx = AppContext(Config(home=web_home, workers=1))
    try:  # a stack shows its top only (a burst, a RAW+JPEG pair, near duplicates)
        under_a_top = timeline_view(find_stacks(ctx)).hidden
    finally:
        ctx.close()
    expected = {
        r[0] for r in db(web_home).execute("SELECT DISTINCT photo_id FROM files WHERE state IN ('ok', 'problem')")
    } - under_a_top
    assert under_a_top, "the test photos hold stacks (the orientation samples are one burst)"
    seen: list[int] = []
    url: str | None = "/"
    pages = 0
    while url:
        page = client.get(url).text
        # each item's thumbnail: a photo, or a stack's top (whose link leads to the stack's page)
        ids = [int(x) for x in re.findall(r'<a class="thumb" href="[^"]+"[^>]*><img src="/thumb/(\d+)\.jpg"', page)]
        assert len(ids) <= 40
        seen += ids
        nxt = re.search(r'rel="next" href="([^"]+)"', page)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
        pages += 1
        assert pages < 50
    assert pages > 1
    assert len(seen) == len(set(seen)) and set(seen) == expected
    months = re.findall(r'href="/\?month=([0-9-]+)"', client.get("/").text)
    jump = client.get(f"/?month={months[-1]}").text
    assert re.findall(r'href="/photo/(\d+)"', jump), "jumping to the oldest month shows its photos"


def test_consent_off_says_what_goes_then_deletes(library_copy: Path) -> None:
    with browser(create_app(Config(home=library_copy, workers=1))) as c:
        csrf = token(c)
        con = db(library_copy)
        faces = con.execute("SELECT count(*) FROM faces").fetchone()[0]
        face_id = con.execute("SELECT id FROM faces LIMIT 1").fetchone()[0]
        assert faces > 0 and con.execute("SELECT count(*) FROM people").fetchone()[0] > 0
        con.close()
        ask = c.post("/consent/faces/off", data={"csrf": csrf})
        assert ask.status_code == 200
        assert f"{faces:,} faces rows" in ask.text and "encryption key" in ask.text and "People" in ask.text
        # Asking is not deleting.
        assert db(library_copy).execute("SELECT count(*) FROM faces").fetchone()[0] == faces
        done = c.post("/consent/faces/revoke", data={"csrf": csrf, "confirm": "yes"})
        assert done.status_code == 200 and "is off" in done.text
        con = db(library_copy)
        for table in ("faces", "people", "expressions"):
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
        revoked = {r[0] for r in con.execute("SELECT capability FROM consent_events WHERE action = 'revoke'")}
        assert {"faces", "people", "expressions"} <= revoked
        assert not any((library_copy / "cache" / "faces").rglob("*"))
        assert not (library_copy / "keys" / "biometric.key").exists()
        assert c.get(f"/face/{face_id}.jpg").status_code == 404
        assert 'class="person' not in c.get("/people").text
        page = c.get("/consent").text
        assert 'aria-label="Faces: off. Turn on"' in page


def _jpeg(path: Path, when: str, colour: tuple[int, int, int]) -> None:
    img = Image.new("RGB", (160, 120), colour)
    exif = piexif.dump({"Exif": {piexif.ExifIFD.DateTimeOriginal: when.encode()}})
    img.save(path, "JPEG", exif=exif)


def test_scan_and_grant_run_as_jobs(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    _jpeg(photos / "a.jpg", "2021:07:01 10:00:00", (200, 80, 40))
    _jpeg(photos / "b.jpg", "2022:01:02 11:00:00", (40, 90, 200))
    web = create_app(Config(home=tmp_path / "home", workers=1), scan_roots=(tmp_path,))
    with browser(web) as c:
        csrf = token(c, "/")
        assert "No photos yet" in c.get("/").text
        r = c.post("/scan", data={"csrf": csrf, "folder": str(photos)}, follow_redirects=False)
        assert r.status_code == 303
        lib = web.state.web.library("local")
        job = lib.jobs.wait(1, 60)
        assert job is not None and job.state == "done", job
        status = c.get("/jobs/1").json()
        assert status["state"] == "done" and status["percent"] == 100.0 and "2 new photos" in status["message"]
        assert len(re.findall(r'href="/photo/\d+"', c.get("/").text)) == 2
        r = c.post("/consent/quality/on", data={"csrf": csrf}, follow_redirects=False)
        assert r.status_code == 303 and "job=" in r.headers["location"]
        job = lib.jobs.wait(2, 120)
        assert job is not None and job.state == "done", job
        assert db(tmp_path / "home").execute("SELECT count(*) FROM quality").fetchone()[0] == 2
        # A capability whose dependency is off cannot be turned on.
        assert c.post("/consent/people/on", data={"csrf": csrf}).status_code == 409
        bad = c.post("/scan", data={"csrf": csrf, "folder": "relative/path"})
        assert bad.status_code == 400


def test_people_edits(library_copy: Path) -> None:
    with browser(create_app(Config(home=library_copy, workers=1))) as c:
        csrf = token(c, "/people")
        con = db(library_copy)
        people = [
            r[0]
            for r in con.execute(
                "SELECT person_id FROM faces WHERE person_id IS NOT NULL GROUP BY person_id HAVING count(*) >= 3 ORDER BY person_id"
            )
        ]
        a, b = people[0], people[1]
        assert c.post(f"/people/{a}/name", data={"csrf": csrf, "name": "Ana  Lima"}).status_code == 200
        assert c.post(f"/people/{a}/birthday", data={"csrf": csrf, "birthday": "1990-05-17"}).status_code == 200
        page = c.get(f"/people/{a}").text
        assert "Ana Lima" in page and "1990-05-17" in page
        future = c.post(f"/people/{a}/birthday", data={"csrf": csrf, "birthday": "2999-01-01"})
        assert "cannot be in the future" in future.text
        b_faces = con.execute("SELECT count(*) FROM faces WHERE person_id = ?", (b,)).fetchone()[0]
        a_faces = con.execute("SELECT count(*) FROM faces WHERE person_id = ?", (a,)).fetchone()[0]
        c.post(f"/people/{a}/merge", data={"csrf": csrf, "others": str(b)})
        assert con.execute("SELECT count(*) FROM faces WHERE person_id = ?", (a,)).fetchone()[0] == a_faces + b_faces
        assert con.execute("SELECT count(*) FROM people WHERE id = ?", (b,)).fetchone()[0] == 0
        moved = [r[0] for r in con.execute("SELECT id FROM faces WHERE person_id = ? ORDER BY id LIMIT 2", (a,))]
        r = c.post(f"/people/{a}/split", data={"csrf": csrf, "faces": [str(f) for f in moved]}, follow_redirects=False)
        new = int(r.headers["location"].rsplit("/", 1)[1])
        assert {x[0] for x in con.execute("SELECT id FROM faces WHERE person_id = ?", (new,))} == set(moved)
        # The split-off person's page offers the people who look most like them, faces shown, the
        # one it was split from first; not every person of the library.
        offered = re.findall(r'name="others" value="(\d+)"', c.get(f"/people/{new}").text)
        assert offered and int(offered[0]) == a and len(offered) <= thresholds.PEOPLE_MERGE_CHOICES
        gone = con.execute("SELECT id FROM faces WHERE person_id = ? LIMIT 1", (a,)).fetchone()[0]
        c.post(f"/people/{a}/remove", data={"csrf": csrf, "faces": str(gone)})
        assert con.execute("SELECT person_id FROM faces WHERE id = ?", (gone,)).fetchone()[0] is None
        assert con.execute("SELECT count(*) FROM face_rejections WHERE face_id = ?", (gone,)).fetchone()[0] == 1
        # A face of another person cannot be removed through this person's page.
        stranger = con.execute("SELECT id FROM faces WHERE person_id = ? LIMIT 1", (new,)).fetchone()[0]
        refused = c.post(f"/people/{a}/remove", data={"csrf": csrf, "faces": str(stranger)})
        assert "not a face of this person" in refused.text
        c.post(f"/people/{new}/ignore", data={"csrf": csrf, "ignored": "yes"})
        assert con.execute("SELECT ignored FROM people WHERE id = ?", (new,)).fetchone()[0] == 1
        assert f'href="/people/{new}"' not in c.get("/people").text


def test_csrf_is_required(client: TestClient, web_home: Path) -> None:
    before = db(web_home).execute("SELECT count(*) FROM consent_events").fetchone()[0]
    assert client.post("/consent/tags/revoke", data={"confirm": "yes"}).status_code == 403
    assert client.post("/consent/tags/revoke", data={"confirm": "yes", "csrf": "forged"}).status_code == 403
    assert client.post("/consent/tags/revoke", headers={"x-csrf-token": "forged"}).status_code == 403
    assert client.post("/people/1/name", data={"name": "Mallory"}).status_code == 403
    assert client.post("/scan", data={"folder": "/etc"}).status_code == 403
    other = browser(client.app)  # another browser: its own session, so its own token
    stolen = token(other)
    assert client.post("/consent/tags/revoke", data={"confirm": "yes", "csrf": stolen}).status_code == 403
    assert db(web_home).execute("SELECT count(*) FROM consent_events").fetchone()[0] == before


@pytest.mark.parametrize(
    "url",
    [
        "/photo/../../etc/passwd",
        "/photo/%2e%2e/%2e%2e/etc/passwd",
        "/photo/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/thumb/..%2F..%2F..%2Fetc%2Fpasswd",
        "/view/%2Fetc%2Fpasswd",
        "/original/%2Fetc%2Fpasswd",
        "/original//etc/passwd",
        "/original/999999",
        "/photo/999999",
        "/thumb/999999.jpg",
        "/thumb/-1.jpg",
        "/face/1e3.jpg",
        "/face/999999.jpg",
        "/photo/1.0",
        "/photo/%EF%BC%91",
        "/static/../camroll.db",
        "/static/%2e%2e/%2e%2e/%2e%2e/keys/biometric.key",
        "/creations/999999/file",
        "/creations/..%2F..%2Fcamroll.db/file",
        "/jobs/../../etc/passwd",
        "/moments/..%2F..",
        "/people/%2e%2e",
        "/places/show?cell=..,/etc",
    ],
)
def test_no_path_from_a_request_reaches_the_file_system(client: TestClient, web_home: Path, url: str) -> None:
    OPENED.clear()
    LISTENING.append(True)
    try:
        r = client.get(url)
    finally:
        LISTENING.clear()
    assert r.status_code == 404, (url, r.status_code)
    assert "root:" not in r.text
    outside = [p for p in OPENED if "passwd" in p or ("camroll.db" not in p and str(web_home) in p and "keys" in p)]
    assert not outside, outside


def test_original_download_is_the_catalogued_file(client: TestClient, web_home: Path) -> None:
    photo_id, path = (
        db(web_home).execute("SELECT photo_id, path FROM files WHERE state = 'ok' ORDER BY id LIMIT 1").fetchone()
    )
    r = client.get(f"/original/{photo_id}")
    assert r.status_code == 200 and r.content == Path(path).read_bytes()
    assert "attachment" in r.headers["content-disposition"]


def test_passwords_are_scrypt_hashes(tmp_path: Path) -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    assert check_password("correct horse", stored) and not check_password("wrong horse", stored)
    assert hash_password("correct horse") != stored  # salted
    users = Users(tmp_path)
    users.add("ana", "correct horse")
    assert (users.path.stat().st_mode & 0o777) == 0o600
    assert "correct horse" not in users.path.read_text()


def _login(c: TestClient, name: str, password: str) -> int:
    csrf = token(c, "/login")
    return c.post("/login", data={"csrf": csrf, "name": name, "password": password}, follow_redirects=False).status_code


def test_login_required_when_remote(tmp_path: Path) -> None:
    home = tmp_path / "server"
    Users(home).add("ana", "ana-password")
    with browser(create_app(Config(home=home, workers=1), login=True)) as c:
        r = c.get("/", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"
        for url in ("/consent", "/people", "/search?q=x", "/photo/1"):
            assert c.get(url, follow_redirects=False).status_code == 303
        assert c.get("/thumb/1.jpg").status_code == 401 and c.get("/jobs/1").status_code == 401
        assert c.post("/consent/faces/on").status_code == 401
        assert _login(c, "ana", "wrong-password") == 401
        assert _login(c, "ana", "ana-password") == 303
        assert c.get("/").status_code == 200
        if "web.login" in audit.KINDS:
            events = db(home / "users" / "ana").execute("SELECT kind, details FROM audit_events").fetchall()
            assert any(k == "web.login" and json.loads(d)["user"] == "ana" for k, d in events)
        # A tampered cookie is no session at all.
        cookie = c.cookies.get("camroll_session")
        assert cookie
        tampered = cookie[:-3] + ("AAA" if not cookie.endswith("AAA") else "BBB")
        with browser(c.app, cookies={"camroll_session": tampered}) as forged:
            assert forged.get("/", follow_redirects=False).status_code == 303
        with browser(c.app, cookies={"camroll_session": cookie}) as same:
            assert same.get("/", follow_redirects=False).status_code == 200


def test_two_users_see_only_their_own_library(tmp_path: Path, analysed_library: Path) -> None:
    home = tmp_path / "server"
    users = Users(home)
    users.add("ana", "ana-password")
    users.add("ben", "ben-password")
    copy_home(analysed_library, home / "users" / "ana")
    con = db(home / "users" / "ana")
    photo_id = con.execute("SELECT photo_id FROM files WHERE state = 'ok' LIMIT 1").fetchone()[0]
    face_id, person_id = con.execute("SELECT id, person_id FROM faces WHERE person_id IS NOT NULL LIMIT 1").fetchone()
    web = create_app(Config(home=home, workers=1), login=True)
    with browser(web) as ana, browser(web) as ben:
        assert _login(ana, "ana", "ana-password") == 303 and _login(ben, "ben", "ben-password") == 303
        assert ana.get(f"/photo/{photo_id}").status_code == 200
        assert ana.get(f"/thumb/{photo_id}.jpg").status_code == 200
        assert ana.get(f"/face/{face_id}.jpg").status_code == 200
        for url in (
            f"/photo/{photo_id}",
            f"/thumb/{photo_id}.jpg",
            f"/original/{photo_id}",
            f"/face/{face_id}.jpg",
            f"/people/{person_id}",
        ):
            assert ben.get(url).status_code == 404, url
        assert "No photos yet" in ben.get("/").text
        assert 'href="/photo/' not in ben.get("/search?q=beach").text
        assert 'class="person' not in ben.get("/people").text
        # Ben's consent is his own: revoking in his library touches nothing of Ana's.
        csrf = token(ben)
        # A remote user cannot catalog the server's own files: no --scan-root was given.
        assert ben.post("/scan", data={"csrf": csrf, "folder": "/etc"}).status_code == 400
        assert ben.post("/consent/metadata/revoke", data={"csrf": csrf, "confirm": "yes"}).status_code == 200
        assert db(home / "users" / "ana").execute("SELECT count(*) FROM photos").fetchone()[0] > 0
    assert Config(home=home / "users" / "ben").has_library  # a catalog of her own (a file, or a database)


def test_serve_refuses_a_remote_address_without_the_flag(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli_app, ["serve", "--host", "0.0.0.0", "--home", str(tmp_path / "h")])
    assert result.exit_code == 2 and "--allow-remote" in result.output
    added = CliRunner().invoke(
        cli_app, ["serve", "--add-user", "ana", "--home", str(tmp_path / "h")], input="ana-password\nana-password\n"
    )
    assert added.exit_code == 0, added.output
    assert Users(tmp_path / "h").authenticate("ana", "ana-password")


def test_world_map_markers_link_and_escape() -> None:
    svg = svg_map([Marker(38.72, -9.14, "Lisbon <&>", 12, href="/places/show?city=Lisbon&x=1")], width=1000)
    assert "Lisbon &lt;&amp;&gt;" in svg and "&amp;x=1" in svg and "<script" not in svg
    assert svg.count('<path class="land"') == 1 and svg.count("<a href=") == 1


def test_make_a_video_of_a_moment_and_download_it(library_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from camroll.web import routes_moments

    monkeypatch.setattr(routes_moments, "VIDEO_SIZE", (320, 180))
    monkeypatch.setattr(routes_moments, "VIDEO_SECONDS", 6.0)
    web = create_app(Config(home=library_copy, workers=1))
    with browser(web) as c:
        page = c.get("/moments").text
        moment = re.search(r'href="/moments/(event-[^"]+)"', page)
        assert moment
        r = c.post(
            f"/moments/{moment.group(1)}/make",
            data={"csrf": token(c, "/moments"), "kind": "video"},
            follow_redirects=False,
        )
        assert r.status_code == 303  # to /jobs?started=ID (the library's scan was job 1)
        job = web.state.web.library("local").jobs.wait(int(r.headers["location"].rsplit("=", 1)[1]), 300)
        assert job is not None and job.state == "done" and job.link, job
        shown = c.get(job.link)
        assert shown.status_code == 200 and "<video" in shown.text
        played = c.get(job.link + "/file")
        assert played.headers["content-type"] == "video/mp4" and played.content[4:8] == b"ftyp"
        assert "attachment" in c.get(job.link + "/file?download=1").headers["content-disposition"]
        assert (
            c.post(f"/moments/{moment.group(1)}/make", data={"csrf": token(c, "/moments"), "kind": "gif"}).status_code
            == 404
        )
