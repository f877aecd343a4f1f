"""The photo page's turn buttons, in Chromium: a sideways photo turned right shows turned, an
analysis is queued at once, and its face is found again and boxed on the turned photo."""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from tests.conftest import PHOTOS, run_cli
from tests.test_web_browser import serving, shot, wait_for_job


def test_turn_buttons_turn_the_photo_and_find_its_face_again(tmp_path: Path) -> None:
    home, folder = tmp_path / "home", tmp_path / "lib"
    folder.mkdir()
    photo = folder / "portrait.jpg"
    shutil.copyfile(PHOTOS / "faces" / "deepface_p01" / "img1.jpg", photo)
    original = hashlib.sha256(photo.read_bytes()).hexdigest()
    run_cli(home, "scan", str(folder), "--no-analyze", "--quiet")
    run_cli(home, "consent", "grant", "faces", "people")
    run_cli(home, "analyze", "--quiet", "--workers", "1")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for name, viewport in (("desktop", {"width": 1280, "height": 820}), ("phone", {"width": 390, "height": 844})):
            page = browser.new_page(viewport=viewport)
            with serving(home) as base:
                page.goto(base + "/photo/1")
                img = page.locator("figure.frame img")
                expect(page.locator(".facebox")).to_have_count(1)
                tall = img.evaluate("i => i.naturalHeight > i.naturalWidth")
                page.click("button:has-text('Turn right')")
                expect(page).to_have_url(re.compile(r"/photo/1\?turned=1&job=\d+"))
                expect(page.locator(".turned")).to_contain_text("found again")
                page.wait_for_function("() => document.querySelector('figure.frame img').complete")
                assert img.evaluate("i => i.naturalHeight > i.naturalWidth") != tall, "the photo shows turned"
                page.goto(base + "/jobs")
                wait_for_job(page)
                page.goto(base + "/photo/1")
                expect(page.locator(".facebox")).to_have_count(1)
                assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
                shot(page, f"rotated-{name}")
                page.screenshot(path=f"/tmp/rotate-{name}.png")
                # Turning left gives the file's own orientation back: no edit is left.
                page.click("button:has-text('Turn left')")
                expect(page).to_have_url(re.compile(r"/photo/1\?turned=1"))
                page.goto(base + "/jobs")
                wait_for_job(page)
            page.close()
        browser.close()
    con = sqlite3.connect(home / "camroll.db")
    assert con.execute("SELECT count(*) FROM photo_edits").fetchone()[0] == 0
    assert con.execute("SELECT orientation FROM photos").fetchone()[0] == 1
    assert hashlib.sha256(photo.read_bytes()).hexdigest() == original
