"""Sharing from the web: a photo, a moment or a report finding -> a form showing who is in the
photos as faces (never ids) -> a job that makes verified safe copies -> one zip, listed with the
creations and deleted with them (before, safe copies existed only in the CLI)."""

from __future__ import annotations

import io
import re
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from camroll.config import Config
from camroll.web.app import create_app
from tests.test_web import browser, token

pytestmark = pytest.mark.photos


@pytest.fixture
def client(library_copy: Path) -> Iterator[tuple[TestClient, Path]]:
    app = create_app(Config(home=library_copy, workers=1))
    with browser(app) as c:
        yield c, library_copy


def _job_result(c: TestClient, location: str) -> dict[str, object]:
    job = int(location.rsplit("=", 1)[1])
    lib = c.app.state.web.library("local")  # type: ignore[attr-defined]
    done = lib.jobs.wait(job, 300)
    assert done is not None and done.state == "done", done
    return c.get(f"/jobs/{job}").json()  # type: ignore[no-any-return]


def test_share_a_photo_keeping_one_person_visible(client: tuple[TestClient, Path]) -> None:
    c, home = client
    con = sqlite3.connect(home / "camroll.db")
    photo, person, n_faces = con.execute(
        "SELECT photo_id, min(person_id), count(*) FROM faces WHERE person_id IS NOT NULL"
        " GROUP BY photo_id HAVING count(*) >= 2 ORDER BY photo_id LIMIT 1"
    ).fetchone()
    form = c.get(f"/share?photos={photo}").text
    assert f'name="person" value="{person}"' in form
    assert re.search(r'<img src="/face/\d+\.jpg"', form), "people are shown by their faces"
    assert not re.search(r"person \d+", form, re.I), "no person is named by an id"
    r = c.post(
        "/share",
        data={"csrf": token(c, f"/share?photos={photo}"), "photos": str(photo), "person": str(person)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    job = _job_result(c, r.headers["location"])
    assert "1 safe copies are ready" in str(job["message"]) and f"{n_faces - 1} faces masked" in str(job["message"])
    creation = str(job["link"])
    page = c.get(creation).text
    assert "A zip of safe copies" in page
    data = c.get(creation + "/file?download=1")
    assert data.status_code == 200
    with zipfile.ZipFile(io.BytesIO(data.content)) as zf:
        names = zf.namelist()
        assert len(names) == 1 and names[0].endswith(".jpg")
        with Image.open(io.BytesIO(zf.read(names[0]))) as img:
            assert not img.getexif().get_ifd(0x8825), "no GPS"
    kind, caps = con.execute("SELECT kind, capabilities FROM creations ORDER BY id DESC LIMIT 1").fetchone()
    assert kind == "share" and "faces" in caps and "people" in caps
    # Deleted with the consent it used, like every creation.
    assert con.execute("SELECT count(*) FROM creations WHERE kind = 'share'").fetchone()[0] == 1, "the zip alone"
    zip_path = Path(con.execute("SELECT path FROM creations WHERE kind = 'share'").fetchone()[0])
    assert zip_path.is_file() and zip_path.parent == home / "creations"
    r = c.post("/consent/faces/revoke", data={"csrf": token(c), "confirm": "yes"})
    assert r.status_code == 200, r.text[:300]
    assert con.execute("SELECT count(*) FROM creations WHERE kind = 'share'").fetchone()[0] == 0
    assert not zip_path.exists() and not list((home / "creations").glob("safe-copies-*"))


def test_a_moment_and_a_report_finding_open_the_form(client: tuple[TestClient, Path]) -> None:
    c, _home = client
    moments = c.get("/moments").text
    moment = re.search(r'href="/moments/([^"]+)"', moments)
    assert moment is not None
    page = c.get(f"/moments/{moment.group(1)}").text
    link = re.search(r'href="(/share\?moment=[^"]+)"', page)
    assert link is not None
    assert "Share safe copies" in c.get(link.group(1).replace("&amp;", "&")).text
    report = c.get("/report").text
    finding = re.search(r'href="(/share\?finding=\w+)"', report)
    assert finding is not None and "Share safe copies" in c.get(finding.group(1)).text
    assert c.get("/share?photos=").status_code == 404
    assert c.get("/share?finding=nothing-like-it").status_code == 404
