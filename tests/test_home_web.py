"""Home on the web: the places page shows camroll's estimate with its reason, and sets home by a
town's name or by a point picked on a map that zooms and pans (before: only `camroll home set`)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from playwright.sync_api import expect, sync_playwright

from camroll.config import Config
from camroll.web.app import create_app
from tests.conftest import run_cli
from tests.test_web import browser, token
from tests.test_web_browser import shot

pytestmark = pytest.mark.photos


@pytest.fixture
def client(library_copy: Path) -> Iterator[tuple[TestClient, Path]]:
    with browser(create_app(Config(home=library_copy, workers=1))) as c:
        yield c, library_copy


def _home(home: Path) -> dict[str, object]:
    """``camroll home --json``'s home (empty when none is known)."""
    return run_cli(home, "home", "--json")["home"] or {}  # type: ignore[no-any-return]


def test_set_home_by_town_and_by_point_then_forget(client: tuple[TestClient, Path]) -> None:
    c, home = client
    page = c.get("/places").text
    assert 'id="home"' in page and 'action="/home"' in page
    csrf = token(c, "/places")
    r = c.post("/home", data={"csrf": csrf, "place": "Berlin"}, follow_redirects=False)
    assert r.status_code == 303 and "error" not in r.headers["location"]
    found = _home(home)
    assert found["source"] == "user" and "Berlin" in str(found["name"]), found
    assert "You set your home" in c.get("/places").text
    r = c.post("/home", data={"csrf": csrf, "lat": "38.7223", "lon": "-9.1393"}, follow_redirects=False)
    assert r.status_code == 303
    found = _home(home)
    assert abs(float(found["lat"]) - 38.7223) < 1e-6 and found["source"] == "user"  # type: ignore[arg-type]
    assert c.post("/home/forget", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert _home(home).get("source") != "user"
    r = c.post("/home", data={"csrf": csrf, "lat": "nan", "lon": "200"}, follow_redirects=False)
    assert r.status_code == 303 and "error=" in r.headers["location"]
    assert c.post("/home", data={"place": "Berlin"}).status_code == 403  # no CSRF token, no change


def test_pick_home_on_the_zoomed_map(library_copy: Path, tmp_path: Path) -> None:
    app = create_app(Config(home=library_copy, workers=1))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        threading.Event().wait(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        with sync_playwright() as p:
            chrome = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = chrome.new_page(viewport={"width": 390, "height": 844})
            page.goto(f"http://127.0.0.1:{port}/places")
            svg = page.locator("svg.map")
            before = svg.get_attribute("viewBox")
            page.click("[data-zoom=in]")
            page.click("[data-zoom=in]")
            after = svg.get_attribute("viewBox")
            assert before != after and float(after.split()[2]) < float(before.split()[2]) / 2  # type: ignore[union-attr]
            page.click("[data-zoom=reset]")
            assert svg.get_attribute("viewBox") == before
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"the places page scrolls sideways on a phone by {overflow} px"
            page.click("[data-pick-home]")
            # Click where Lisbon is, computed from the bounds the SVG carries.
            where = page.evaluate(
                """() => { const s = document.querySelector('svg.map'), d = s.dataset, b = s.getBoundingClientRect();
                  const x = (-9.14 - d.west) / (d.east - d.west), y = (d.north - 38.72) / (d.north - d.south);
                  return [b.left + x * b.width, b.top + y * b.height]; }"""
            )
            page.mouse.click(where[0], where[1])
            expect(page.locator("[data-pick-hint]")).to_contain_text("Home here")
            lat = float(page.locator("[data-home-lat]").input_value())
            lon = float(page.locator("[data-home-lon]").input_value())
            page.click("[data-zoom=in]")
            shot(page, "places-pick-phone")
            page.click("button:has-text('Set home')")
            expect(page.locator("#home")).to_contain_text("You set your home")
            page.set_viewport_size({"width": 1280, "height": 820})
            page.click("[data-zoom=in]")
            shot(page, "places-home")
            chrome.close()
    finally:
        server.should_exit = True
        thread.join(10)
    found = _home(library_copy)
    # One CSS pixel of a 390 px wide world map is about a degree: the click lands within two.
    assert abs(float(found["lat"]) - 38.72) < 2 and abs(float(found["lon"]) + 9.14) < 2, found  # type: ignore[arg-type]
    assert abs(float(found["lat"]) - lat) < 1e-4 and abs(float(found["lon"]) - lon) < 1e-4  # type: ignore[arg-type]
    assert re.match(r"^-?\d+\.\d+$", str(lat))
