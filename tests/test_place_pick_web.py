"""A photo's place is picked on a map in its edit form (issue 14: "place (pick on the map)"), with
the places page's map, zoom and pick, at a phone's width."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect, sync_playwright

from tests.conftest import run_cli
from tests.test_web_browser import serving, shot

pytestmark = pytest.mark.browser


def test_pick_where_a_photo_was_taken_on_the_map(tmp_path: Path) -> None:
    lib, home = tmp_path / "lib", tmp_path / "home"
    lib.mkdir()
    Image.new("RGB", (640, 480), (40, 120, 200)).save(lib / "no-gps.jpg", "JPEG")
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet")
    (photo,) = run_cli(home, "photos", "--json")
    assert photo["gps"] is None
    with serving(home, (lib,)) as url, sync_playwright() as pw:
        chrome = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = chrome.new_page(viewport={"width": 390, "height": 844})
        page.goto(f"{url}/photo/{photo['id']}")
        page.click("summary:has-text('Edit date, place')")
        page.click(".edit-map [data-pick]")
        where = page.evaluate(
            """() => { const s = document.querySelector('.edit-map svg.map'), d = s.dataset, b = s.getBoundingClientRect();
              const x = (-9.14 - d.west) / (d.east - d.west), y = (d.north - 38.72) / (d.north - d.south);
              return [b.left + x * b.width, b.top + y * b.height]; }"""
        )
        page.mouse.click(where[0], where[1])
        expect(page.locator("[data-pick-hint]")).to_contain_text("Taken here")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the photo page scrolls sideways on a phone by {overflow} px"
        shot(page, "photo-place-pick-phone")
        page.click(".edit-form button:has-text('Save')")
        page.wait_for_load_state()
        chrome.close()
    gps = run_cli(home, "photos", "--json")[0]["gps"]
    # One CSS pixel of a 390 px wide world map is about a degree: the click lands within two.
    assert gps is not None and abs(gps["lat"] - 38.72) < 2 and abs(gps["lon"] + 9.14) < 2, gps
    assert (lib / "no-gps.xmp").is_file()  # the edit went to the sidecar, never the photo
