"""The report is a page of the app: each finding shows the photos behind it as thumbnails, pages
through all of them, and offers its fixes as buttons (before: the report file in a 350 px frame,
photos named by file, fixes as shell commands)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from camroll.config import Config
from camroll.web.app import create_app
from tests.test_web import browser, token, web_home  # noqa: F401 (web_home: a fixture used below)

pytestmark = pytest.mark.photos


@pytest.fixture(scope="module")
def client(web_home: Path) -> Iterator[TestClient]:  # noqa: F811 (the fixture of test_web, reused)
    with browser(create_app(Config(home=web_home, workers=1))) as c:
        yield c


def test_findings_show_their_photos_and_fixes(client: TestClient) -> None:
    page = client.get("/report").text
    assert "<iframe" not in page
    findings = re.findall(r'<section class="report-finding (\w+)" id="finding-([\w_]+)"', page)
    assert findings and any(sev == "high" for sev, _ in findings), findings
    # Evidence is thumbnails of the app's own photos, each linking to its photo page.
    places = page.split('id="finding-places"')[1].split("</section>")[0]
    thumbs = re.findall(r'<a class="thumb" href="/photo/(\d+)"><img src="/thumb/\1\.jpg"', places)
    assert thumbs, places[:800]
    # A finding from a capability offers to turn it off, through the consent page's confirmation.
    people = page.split('id="finding-people"')[1].split("</section>")[0]
    assert 'action="/consent/faces/off"' in people and "Turn off Faces" in people
    assert 'name="csrf"' in people
    # The map and charts are inline SVG, styled by the app's own sheet (no inline style: the CSP forbids it).
    assert '<svg class="map"' in page and "style=" not in page.split('class="report-overview"')[1].split("</div>")[0]


def test_a_findings_photos_are_paged(client: TestClient) -> None:
    page = client.get("/report").text
    link = re.search(r'href="(/report/photos/places)">See all (\d+) photos', page)
    assert link is not None
    total = int(link.group(2))
    grid = client.get(link.group(1)).text
    shown = re.findall(r'<a class="thumb" href="/photo/(\d+)"', grid)
    assert len(shown) == min(total, 120) and len(set(shown)) == len(shown)
    assert client.get("/report/photos/no-such-finding").status_code == 404


def test_turning_off_from_the_report_asks_first(client: TestClient) -> None:
    csrf = token(client, "/report")
    r = client.post("/consent/faces/off", data={"csrf": csrf})
    assert r.status_code == 200 and "Turn off Faces?" in r.text  # the confirmation, nothing deleted yet
    assert "Turn off Faces" in client.get("/report").text
