"""A motion photo plays on hover in the web grid (issue 13), in real Chromium: its thumbnail has
a "motion" badge; a mouse over it puts a muted <video> of /clip/ID in place of the still, which
really decodes (readyState >= 2 or time passing), and leaving removes it; on a phone a tap on the
badge plays it without opening the photo, and a second tap stops it. An Apple Live Photo's still
plays its MOV the same way. The CSP is not violated."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, sync_playwright

from tests.conftest import run_cli
from tests.test_apple_live import CID, apple_exif, apple_maker_note, jpeg_with_exif, live_mov
from tests.test_live_photos import _gcamera_xmp, _with_xmp
from tests.test_video_analysis import _clip
from tests.test_web_browser import serving

pytestmark = [pytest.mark.photos, pytest.mark.browser]

DOG = Path(__file__).parent / "data" / "photos" / "scenes" / "dog"

DECODING = """(id) => {
  const v = document.querySelector(`a.thumb[data-clip="/clip/${id}"] video.motion-clip`);
  return v !== null && (v.readyState >= 2 || v.currentTime > 0);
}"""


def _library(tmp_path: Path) -> tuple[Path, int, int, int]:
    """A library with one motion photo (a real still with a real H.264 clip appended, declared by
    the XMP a Pixel writes), one Apple Live Photo (a still and its H.264 MOV sharing a content
    identifier) and one plain photo; the ids of the motion photo, the plain one and the Live still."""
    lib, home = tmp_path / "lib", tmp_path / "home"
    lib.mkdir()
    stills = sorted(DOG.glob("*.jpg"))
    mp4 = tmp_path / "clip.mp4"
    _clip(mp4, stills[0], seconds=2.0)
    clip = mp4.read_bytes()
    (lib / "PXL_motion.MP.jpg").write_bytes(_with_xmp(stills[0].read_bytes(), _gcamera_xmp(len(clip))) + clip)
    (lib / "plain.jpg").write_bytes(stills[1].read_bytes())
    (lib / "IMG_0001.JPG").write_bytes(
        jpeg_with_exif(stills[2].read_bytes(), apple_exif(apple_maker_note(CID.encode())))
    )
    live_mov(lib / "IMG_0001.MOV", stills[2], CID)
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet")
    with sqlite3.connect(home / "camroll.db") as con:
        ids = {Path(p).name: int(i) for i, p in con.execute("SELECT photo_id, path FROM files")}
    return home, ids["PXL_motion.MP.jpg"], ids["plain.jpg"], ids["IMG_0001.JPG"]


def _watch_console(page: Page) -> list[str]:
    errors: list[str] = []

    def seen(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            errors.append(msg.text)

    page.on("console", seen)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_a_motion_photo_plays_on_hover_and_on_a_tap_of_its_badge(tmp_path: Path) -> None:
    home, motion, plain, live = _library(tmp_path)
    with serving(home) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            errors = _watch_console(page)
            page.goto(base + "/")
            thumb = page.locator(f'a.thumb[data-clip="/clip/{motion}"]')
            assert thumb.locator(".motion-badge").count() == 1
            assert page.locator(f'a.thumb[href="/photo/{plain}"] .motion-badge').count() == 0
            assert page.locator(".motion-badge").count() == 2  # the motion photo and the Live still
            assert page.locator("a.thumb").count() == 3  # the Live Photo's MOV is not an item of its own
            assert page.locator("video").count() == 0  # nothing plays, or downloads, unasked
            thumb.hover()
            video = thumb.locator("video.motion-clip")
            video.wait_for(state="attached", timeout=10_000)
            assert video.get_attribute("src") == f"/clip/{motion}"
            assert video.evaluate("v => v.muted && v.playsInline")
            page.wait_for_function(DECODING, arg=motion, timeout=15_000)
            page.screenshot(path=str(tmp_path / "hover.png"))
            page.mouse.move(5, 790)  # leave
            page.wait_for_function("() => document.querySelectorAll('video').length === 0", timeout=5_000)
            page.locator(f'a.thumb[data-clip="/clip/{live}"]').hover()  # the MOV, served as QuickTime
            page.wait_for_function(DECODING, arg=live, timeout=15_000)
            assert page.locator("video").count() == 1  # one clip at a time
            page.mouse.move(5, 790)
            page.wait_for_function("() => document.querySelectorAll('video').length === 0", timeout=5_000)
            assert errors == [], errors

            phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
            errors = _watch_console(phone)
            phone.goto(base + "/")
            badge = phone.locator(f'a.thumb[data-clip="/clip/{motion}"] .motion-badge')
            box = badge.bounding_box()
            assert box is not None and box["height"] >= 24 and box["width"] >= 24  # a finger's target
            badge.tap()
            phone.wait_for_function(DECODING, arg=motion, timeout=15_000)
            assert phone.url == base + "/", "the tap on the badge opened the photo instead of playing it"
            assert badge.get_attribute("aria-pressed") == "true"
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390
            badge.tap()
            phone.wait_for_function("() => document.querySelectorAll('video').length === 0", timeout=5_000)
            assert errors == [], errors
        finally:
            browser.close()
