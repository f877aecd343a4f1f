"""Every page fits a phone: at 390 CSS pixels wide (an iPhone 12-15) no page scrolls sideways.
Each page is opened in Chromium and its document width compared with the window's; the element
that sticks out is named when one does."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.test_web_browser import serving

pytestmark = [pytest.mark.photos, pytest.mark.browser]

WIDEST = """() => {
  const w = window.innerWidth;
  let worst = null;
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > w + 1 && (!worst || r.right > worst.right)) {
      worst = {right: Math.round(r.right), tag: el.tagName.toLowerCase(), cls: el.className && String(el.className)};
    }
  }
  return [document.documentElement.scrollWidth - w, worst];
}"""


def _pages(home: Path) -> list[str]:
    con = sqlite3.connect(home / "camroll.db")
    person = con.execute("SELECT person_id FROM faces WHERE person_id IS NOT NULL LIMIT 1").fetchone()[0]
    photo = con.execute("SELECT photo_id FROM faces LIMIT 1").fetchone()[0]
    placed = con.execute("SELECT photo_id FROM photo_places LIMIT 1").fetchone()[0]
    # An album with a long name and a few photos (issue 14), made as `camroll album` would.
    album = con.execute(
        "INSERT INTO albums (name, kind, created_at, changed_at) VALUES (?, 'manual', '2024-01-01', '2024-01-01')",
        ("Summer at grandma's house by the lake with everyone " * 2,),
    ).lastrowid
    con.execute("INSERT INTO album_photos SELECT ?, id, id, '2024-01-01' FROM photos ORDER BY id LIMIT 7", (album,))
    con.commit()
    con.close()
    return [
        "/",
        "/consent",
        "/people",
        f"/people/{person}",
        "/people/review",
        "/places",
        "/moments",
        "/creations",
        "/search?q=beach",
        "/search?q=" + "unbrokenwordsthatneverend" * 12,  # a long word in the box and the page
        "/report",
        "/report/photos/places",
        f"/share?photos={photo}",
        "/jobs",
        "/trash",
        "/stacks",  # the review of stacks (issue 14): the analysed library's near duplicates
        "/albums",
        f"/albums/{album}",
        f"/photo/{photo}/albums",
        f"/photo/{photo}",
        f"/photo/{placed}",
    ]


def test_no_page_scrolls_sideways_at_390px(library_copy: Path) -> None:
    pages = _pages(library_copy)
    with serving(library_copy) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
        moments = page.goto(base + "/moments")
        assert moments is not None and moments.ok
        first = page.locator("a.moment[href^='/moments/']").first.get_attribute("href")
        too_wide = {}
        for url in [*pages, *([first] if first else [])]:
            response = page.goto(base + url)
            assert response is not None and response.ok, url
            page.wait_for_load_state("networkidle")
            overflow, worst = page.evaluate(WIDEST)
            if overflow > 0:
                too_wide[url] = (overflow, worst)
        browser.close()
    assert not too_wide, f"pages wider than a 390 px phone: {too_wide}"
