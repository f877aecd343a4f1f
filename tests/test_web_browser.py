"""End to end in a real headless Chromium (Debian's, driven by Playwright): grant consent, scan a
folder, name a person, search, open a moment, make a collage, revoke faces and see faces gone; and
a page whose name was rebound to 127.0.0.1 (DNS rebinding) gets a refusal, not the library.
Screenshots of each page go to $CAMROLL_SCREENSHOTS (docs/screenshots for the README; each under 300 kB)."""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import piexif
import uvicorn
from PIL import Image
from playwright.sync_api import Page, expect, sync_playwright

from camroll.config import Config
from camroll.web.app import create_app

REPO = Path(__file__).resolve().parents[1]
SHOTS = Path(os.environ.get("CAMROLL_SCREENSHOTS") or Path(tempfile.gettempdir()) / "camroll-screenshots")
"""Where the page screenshots go: a temporary folder, or ``docs/screenshots`` when refreshing the
README's pictures (``CAMROLL_SCREENSHOTS=docs/screenshots``), so a test run never edits the repo."""
MAX_SHOT_BYTES = 300_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(home: Path, scan_roots: tuple[Path, ...] = (), **options: Any) -> Iterator[str]:
    """``camroll serve``'s app on a free loopback port, in a thread (``options``: more of
    :func:`create_app`'s, such as ``login`` and ``upload_dir``)."""
    port = _free_port()
    app = create_app(Config(home=home, workers=1), scan_roots=scan_roots, **options)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def shot(page: Page, name: str) -> None:
    """Save a screenshot, made smaller (a 256-colour palette) if it would pass 300 kB."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    data = page.screenshot(type="png")
    path = SHOTS / f"web-{name}.png"
    if len(data) > MAX_SHOT_BYTES:
        with Image.open(io.BytesIO(data)) as img:
            small = img.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
            buf = io.BytesIO()
            small.save(buf, "PNG", optimize=True)
            data = buf.getvalue()
        if len(data) > MAX_SHOT_BYTES:
            with Image.open(io.BytesIO(data)) as opened:
                rgb = opened.convert("RGB")
            rgb.thumbnail((rgb.width * 3 // 4, rgb.height * 3 // 4))
            buf = io.BytesIO()
            rgb.quantize(colors=256, dither=Image.Dither.NONE).save(buf, "PNG", optimize=True)
            data = buf.getvalue()
    path.write_bytes(data)
    assert len(data) <= MAX_SHOT_BYTES, (name, len(data))


def wait_for_job(page: Page, timeout_ms: int = 240_000) -> None:
    """On /jobs: wait until the job's bar says done (drawn by the page's own polling script)."""
    job = page.locator("[data-job]").first
    expect(job).to_have_attribute("data-state", re.compile("done|failed"), timeout=timeout_ms)
    assert job.get_attribute("data-state") == "done", job.inner_text()


def _small_folder(folder: Path, photos_dir: Path) -> None:
    """Four real photos from the test set (read-only originals are copied, never moved)."""
    folder.mkdir()
    picked = sorted((photos_dir / "scenes").rglob("*.jpg"))[:4]
    assert len(picked) == 4
    for p in picked:
        shutil.copy(p, folder / p.name)
    # and one made here, with a date, so the timeline has a month of its own
    exif = piexif.dump({"Exif": {piexif.ExifIFD.DateTimeOriginal: b"2020:02:29 12:00:00"}})
    Image.new("RGB", (400, 300), (90, 140, 120)).save(folder / "made.jpg", "JPEG", exif=exif)


def test_browser_end_to_end(tmp_path: Path, library_copy: Path, photos_dir: Path) -> None:
    folder = tmp_path / "few"
    _small_folder(folder, photos_dir)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 820})
        outside: list[str] = []
        page.on(
            "request", lambda r: outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:")) else None
        )

        # 1. A new library: grant a consent, scan a folder through the page, watch the job.
        with serving(tmp_path / "fresh", scan_roots=(tmp_path,)) as base:
            page.goto(base + "/consent")
            expect(page.locator("#cap-quality .switch")).to_have_attribute("aria-checked", "false")
            shot(page, "consent")
            page.click("#cap-quality .switch")
            expect(page.locator("#cap-quality .switch")).to_have_attribute("aria-checked", "true")
            page.goto(base + "/")
            page.click("summary:has-text('Add photos')")
            page.fill("input[name=folder]", str(folder))
            page.click("button:has-text('Scan folder')")
            expect(page).to_have_url(re.compile(r"/jobs\?started="))
            wait_for_job(page)
            expect(page.locator(".job-message")).to_contain_text("5 new photos")
            shot(page, "job")
            page.goto(base + "/")
            expect(page.locator(".grid .thumb")).to_have_count(5)

        # 2. The analysed real photos: people, search, moments, a collage, revoking faces.
        with serving(library_copy) as base:
            page.goto(base + "/")
            expect(page.locator(".grid .thumb").first).to_be_visible()
            page.wait_for_load_state("networkidle")
            shot(page, "library")

            page.goto(base + "/people")
            expect(page.locator(".person").first).to_be_visible()
            page.wait_for_load_state("networkidle")
            shot(page, "people")
            page.locator(".person").first.click()
            face_photo = page.locator(".face a").first.get_attribute("href")
            assert face_photo and face_photo.startswith("/photo/")
            page.fill("input[name=name]", "Ana Example")
            page.click("button:has-text('Save name')")
            expect(page.locator("h1")).to_have_text("Ana Example")
            page.wait_for_load_state("networkidle")
            shot(page, "person")

            page.fill("header input[name=q]", "Ana Example")
            page.press("header input[name=q]", "Enter")
            expect(page.locator(".result").first).to_be_visible()
            assert "Ana Example" in page.locator(".results").inner_text()
            page.fill("header input[name=q]", "beach")
            page.press("header input[name=q]", "Enter")
            expect(page.locator(".result").first).to_be_visible()
            page.wait_for_load_state("networkidle")
            shot(page, "search")

            page.locator(".result").first.click()
            expect(page.locator(".facts")).to_be_visible()
            page.wait_for_load_state("networkidle")
            page.locator("details.why").first.click()
            shot(page, "photo")

            page.goto(base + "/places")
            expect(page.locator("svg.map circle").first).to_be_visible()
            page.wait_for_load_state("networkidle")
            shot(page, "places")

            page.goto(base + "/moments")
            expect(page.locator(".moment").first).to_be_visible()
            page.wait_for_load_state("networkidle")
            shot(page, "moments")
            page.locator("a.moment[href^='/moments/']").first.click()
            expect(page.locator("button:has-text('Make a collage')")).to_be_visible()
            page.wait_for_load_state("networkidle")
            shot(page, "moment")
            page.click("button:has-text('Make a collage')")
            wait_for_job(page)
            page.locator(".job-message a").first.click()
            expect(page.locator("img.creation")).to_be_visible()
            page.wait_for_load_state("networkidle")
            assert page.evaluate("document.querySelector('img.creation').naturalWidth") > 0
            shot(page, "collage")

            page.goto(base + "/report")
            expect(page.locator("#finding-places .thumb img").first).to_be_visible(timeout=60_000)
            shot(page, "report")
            page.locator("#finding-people").scroll_into_view_if_needed()
            page.evaluate("window.scrollBy(0, -80)")
            page.wait_for_load_state("networkidle")
            shot(page, "report-finding")
            page.set_viewport_size({"width": 390, "height": 844})
            page.reload()
            expect(page.locator(".report-finding").first).to_be_visible(timeout=60_000)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"the report scrolls sideways on a phone by {overflow} px"
            page.locator("#finding-places").scroll_into_view_if_needed()
            page.wait_for_load_state("networkidle")
            shot(page, "report-phone")
            page.locator("#finding-places a:has-text('Share these safely')").click()
            expect(page.locator("h1")).to_have_text("Share safe copies")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"the share form scrolls sideways on a phone by {overflow} px"
            page.wait_for_load_state("networkidle")
            shot(page, "share-phone")
            page.set_viewport_size({"width": 1280, "height": 820})

            # Revoke faces: asked first, then everything derived from faces is gone.
            page.goto(base + "/consent")
            page.click("#cap-faces .switch")
            expect(page.locator("h1")).to_contain_text("Turn off Faces?")
            expect(page.locator(".deletion")).to_contain_text("faces rows")
            shot(page, "revoke")
            page.click("button:has-text('Turn off and delete')")
            expect(page.locator("h1")).to_have_text("Faces is off")
            page.goto(base + "/people")
            expect(page.locator(".person")).to_have_count(0)
            page.goto(base + face_photo)
            expect(page.locator(".facts")).to_be_visible()
            expect(page.locator(".facebox")).to_have_count(0)
            assert "Capability: Faces" not in page.content()
        browser.close()
    assert not outside, f"the pages asked for something outside camroll: {outside[:5]}"


def test_the_default_server_refuses_a_foreign_host(tmp_path: Path) -> None:
    """A page at evil.example rebinds its name to 127.0.0.1 (Chromium is told so with a resolver
    rule): the default server answers it with a refusal, never the library, a CSRF token or a photo."""
    folder = tmp_path / "photos"
    folder.mkdir()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(folder / "a.jpg", "JPEG")
    home = tmp_path / "home"
    with serving(home, scan_roots=(folder,)) as base:
        port = base.rsplit(":", 1)[1]
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--host-resolver-rules=MAP evil.example 127.0.0.1"],
            )
            page = browser.new_page()
            # The person's own tab works: its POSTs carry camroll's own Origin and go through.
            page.goto(base + "/consent")
            expect(page.locator('meta[name="csrf-token"]')).to_have_count(1)
            page.click("#cap-quality .switch")
            expect(page.locator("#cap-quality .switch")).to_have_attribute("aria-checked", "true")
            for url in ("/", "/consent", "/original/1", "/login"):
                response = page.goto(f"http://evil.example:{port}{url}")
                assert response is not None and response.status == 421, (url, response and response.status)
                body = page.locator("body").inner_text()
                assert "does not answer to this address" in body, body
                assert 'name="csrf-token"' not in page.content()
            # Script on the rebound page cannot post either (and gets no cookie to post with).
            status = page.evaluate(
                """async () => (await fetch('/consent/quality/on', {method: 'POST', body: new URLSearchParams({csrf: 'x'})})).status"""
            )
            assert status == 421
            assert not [c for c in page.context.cookies() if "evil.example" in c.get("domain", "")]
            browser.close()
