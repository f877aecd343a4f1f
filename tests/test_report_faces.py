"""People never appear as ids in the report (issue 14): a person not named shows as their cover
face, on the web page (``/face/ID``, behind the login) and in the report file (a small ``data:``
JPEG, the file still loading nothing), and a named person by name."""

from __future__ import annotations

import base64
import io
import re
import shutil
import sqlite3
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from camroll import thresholds
from camroll.config import Config
from camroll.web.app import create_app
from tests.conftest import PHOTOS, run_cli
from tests.test_web import browser

PERSON_ID = re.compile(r"person\s*#?\d+", re.IGNORECASE)


class _Text(HTMLParser):
    """The words a person reads on a page (text and alt/title attributes), not its markup."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []

    def handle_data(self, data: str) -> None:
        self.words.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.words += [v or "" for k, v in attrs if k in ("alt", "title", "aria-label")]


def _text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.words)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two people, neither named: three photos of one, one of the other."""
    root = tmp_path_factory.mktemp("report-faces")
    folder = root / "lib"
    folder.mkdir()
    for person, count in (("deepface_p01", 3), ("deepface_p02", 1)):
        for photo in sorted((PHOTOS / "faces" / person).glob("*.jpg"))[:count]:
            shutil.copyfile(photo, folder / f"{person}-{photo.name}")
    home = root / "home"
    run_cli(home, "scan", str(folder), "--no-analyze", "--quiet")
    run_cli(home, "consent", "grant", "faces", "people")
    run_cli(home, "analyze", "--quiet", "--workers", "1")
    with sqlite3.connect(home / "camroll.db") as con:
        assert con.execute("SELECT count(*) FROM people WHERE name IS NULL").fetchone()[0] >= 2
    return home


def test_the_report_file_embeds_the_face_and_loads_nothing(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    run_cli(home, "report", "--html", str(out))
    page = out.read_text(encoding="utf-8")
    sources = re.findall(r'<img class=unnamed-face src="data:image/jpeg;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(sources) >= 2
    with Image.open(io.BytesIO(base64.b64decode(sources[0]))) as img:
        assert max(img.size) <= thresholds.REPORT_FACE_SIDE
    assert "http://" not in page and "https://" not in page
    assert not PERSON_ID.search(_text(page))


def test_the_web_report_shows_an_unnamed_person_as_their_face(home: Path) -> None:
    with browser(create_app(Config(home=home, workers=1))) as client:
        page = client.get("/report").text
        people = page.split('id="finding-people"')[1].split("</section>")[0]
        faces = re.findall(r'<img class=unnamed-face src="(/face/(\d+)\.jpg)"', people)
        assert len(faces) >= 2, people[:1500]
        for url, _face in faces:
            r = client.get(url)
            assert r.status_code == 200 and r.content[:2] == b"\xff\xd8"
        assert not PERSON_ID.search(_text(page)), PERSON_ID.search(_text(page))
        # Named, a person is their name, and no longer a face (the last test: the fixture is shared).
        with sqlite3.connect(home / "camroll.db") as con:
            (person,) = con.execute(
                "SELECT person_id FROM faces WHERE person_id IS NOT NULL GROUP BY person_id ORDER BY count(*) DESC"
            ).fetchone()
        run_cli(home, "people", "name", str(person), "Ana")
        people = client.get("/report").text.split('id="finding-people"')[1].split("</section>")[0]
        assert "<b>Ana</b>" in people
        assert len(re.findall(r"<img class=unnamed-face ", people)) == len(faces) - 1


def test_pairs_and_children_show_unnamed_people_by_face_and_never_by_id() -> None:
    from camroll.report.html import item_html

    faces = {2: "/face/9.jpg", 4: "data:image/jpeg;base64,AAAA"}.get
    pair = item_html({"people": ["Ana", "someone not named"], "ids": [1, 2], "photos": [5, 6]}, faces)
    assert pair.startswith('<b>Ana</b> and <img class=unnamed-face src="/face/9.jpg"') and "(2 photos)" in pair
    child = item_html({"id": 4, "name": None, "age": 3, "photos": [7]}, faces)
    assert child.startswith('<img class=unnamed-face src="data:image/jpeg;base64,AAAA"') and ", 3" in child
    # Without a face (crop gone, faces revoked): words, never the number.
    alone = item_html({"id": 3, "name": None, "photos": [8]}, faces)
    assert alone.startswith("Someone not named") and "3" not in alone.split("(")[0]
    assert not PERSON_ID.search(_text(pair + child + alone))
