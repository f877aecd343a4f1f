"""Uploads from a phone, in Chromium as a phone (issue 13): login required, a phone's viewport, a
throttled connection cut in the middle of a file, resuming, skipping what is already there, the
page's own hashing in pieces, and a service worker that keeps the page and never a photo."""

from __future__ import annotations

import hashlib
import io
import os
import random
import sqlite3
import time
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, Route, expect, sync_playwright

from camroll.web.security import Users
from tests.test_web_browser import serving, shot

pytestmark = pytest.mark.browser

PHOTOS = Path(__file__).parent / "data" / "photos"


def _big_photo(path: Path) -> None:
    """A real JPEG of about 5 MB (noise does not compress), so the upload takes several chunks."""
    rng = random.Random(7)
    img = Image.frombytes("RGB", (1800, 1400), bytes(rng.getrandbits(8) for _ in range(1800 * 1400 * 3)))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=95)
    path.write_bytes(buf.getvalue())


def _landed(drop: Path) -> dict[str, str]:
    return {
        hashlib.sha256(p.read_bytes()).hexdigest(): str(p.relative_to(drop))
        for p in drop.rglob("*")
        if p.is_file() and ".camroll-partial" not in p.parts
    }


def _pick(page: Page, files: list[Path], expect_sent: int, expect_here: int) -> None:
    page.set_input_files("#upload-files", [str(f) for f in files])
    root = page.locator("#upload")
    expect(root).not_to_have_attribute("data-busy", "1", timeout=180_000)
    expect(root).to_have_attribute("data-sent", str(expect_sent))
    expect(root).to_have_attribute("data-here", str(expect_here))


def test_a_phone_uploads_resumes_after_a_cut_and_skips_what_is_there(tmp_path: Path) -> None:
    home, drop, picked = tmp_path / "server", tmp_path / "uploads", tmp_path / "phone"
    Users(home).add("ana", "ana-password")
    picked.mkdir()
    small = sorted((PHOTOS / "scenes").rglob("*.jpg"))[:3]
    for p in small:
        (picked / p.name).write_bytes(p.read_bytes())
    big = picked / "PXL_20240501_big.jpg"
    _big_photo(big)
    os.utime(big, (1_714_567_890, 1_714_567_890))  # 1 May 2024: the month folder it lands in
    files = [picked / p.name for p in small] + [big]
    wanted = {hashlib.sha256(f.read_bytes()).hexdigest() for f in files}

    with serving(home, login=True, upload_dir=drop) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        phone = browser.new_context(**pw.devices["Pixel 7"])
        page = phone.new_page()
        # Login is required: the upload page sends a stranger to the login form.
        page.goto(f"{url}/upload/")
        expect(page).to_have_url(f"{url}/login")
        page.fill("input[name=name]", "ana")
        page.fill("input[name=password]", "ana-password")
        page.click('form[action="/login"] button')
        page.goto(f"{url}/upload/")
        expect(page.locator("h1")).to_have_text("Upload from this phone")
        assert page.evaluate("document.documentElement.scrollWidth") <= 412  # fits the phone

        # A slow connection, cut in the middle of the big photo's second chunk: the server gets
        # half of that chunk, the phone sees the connection die, and the network stays down a
        # while (every request fails) before it comes back.
        cdp = phone.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 80, "downloadThroughput": 500_000, "uploadThroughput": 250_000},
        )
        big_sha = hashlib.sha256(big.read_bytes()).hexdigest()
        cut: dict[str, int | bool] = {"puts": 0, "down": False, "kept": 0}
        offsets: list[int] = []

        def on_upload(route: Route) -> None:
            request = route.request
            if cut["down"]:
                route.abort("internetdisconnected")
                return
            if request.method == "PUT" and big_sha in request.url:
                cut["puts"] += 1
                offsets.append(int(request.url.split("offset=")[1].split("&")[0]))
                if cut["puts"] == 2:
                    body = request.post_data_buffer or b""
                    cut["kept"] = len(body) // 2
                    route.fetch(post_data=body[: cut["kept"]])  # what crossed before the cut
                    cut["down"] = True
                    route.abort("connectionreset")
                    return
            route.continue_()

        page.route("**/upload/**", on_upload)
        page.set_input_files("#upload-files", [str(f) for f in files])
        expect(page.locator("#upload")).to_have_attribute("data-waiting", "1", timeout=120_000)
        shot(page, "upload-waiting")
        assert cut["kept"] > 0
        cut["down"] = False  # the connection is back
        root = page.locator("#upload")
        expect(root).to_have_attribute("data-sent", "4", timeout=180_000)
        expect(root).not_to_have_attribute("data-busy", "1", timeout=60_000)
        shot(page, "upload-done")
        # Every byte arrived once: each file landed whole (its hash) and once (no second copy).
        landed = _landed(drop)
        assert set(landed) == wanted and len(landed) == 4
        assert landed[hashlib.sha256(big.read_bytes()).hexdigest()] == "2024/05/PXL_20240501_big.jpg"
        assert not any((drop / ".camroll-partial").iterdir())
        # It went on from what the server had kept (half a chunk), not from a chunk boundary.
        chunk = int(page.locator("#upload").get_attribute("data-chunk") or 0)
        assert offsets[:3] == [0, chunk, chunk + cut["kept"]], offsets
        page.unroute("**/upload/**")

        # The same photos again: all already here, nothing sent twice.
        page.reload()
        _pick(page, files, expect_sent=0, expect_here=4)
        assert len(_landed(drop)) == 4

        # A new photo hashed by the page itself in pieces (what a large video, or a page served
        # over plain HTTP without WebCrypto, uses): the server agrees with its hash.
        page.reload()
        page.evaluate("document.body.dataset.hashInPieces = '1'")
        fresh = picked / "made-here.jpg"
        Image.new("RGB", (640, 480), (30, 90, 160)).save(fresh, "JPEG", quality=90)
        dated = picked / "elephants.jpg"  # EXIF DateTimeOriginal 2013:11:26, the page reads it
        dated.write_bytes((PHOTOS / "scenes" / "elephant" / "elephants.jpg").read_bytes())
        _pick(page, [fresh, dated], expect_sent=2, expect_here=0)
        landed = _landed(drop)
        assert hashlib.sha256(fresh.read_bytes()).hexdigest() in landed
        assert landed[hashlib.sha256(dated.read_bytes()).hexdigest()] == "2013/11/elephants.jpg"

        # Installable, and its service worker keeps the page, never a photo.
        manifest = page.evaluate("fetch('/static/upload.webmanifest').then(r => r.json())")
        assert manifest["start_url"] == "/upload/" and {i["sizes"] for i in manifest["icons"]} >= {"192x192", "512x512"}
        scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
        assert scope == f"{url}/upload/"
        page.reload()
        kept = page.evaluate("caches.open('camroll-upload-v1').then(c => c.keys()).then(ks => ks.map(k => k.url))")
        assert kept and all(
            k.removeprefix(url)
            in ("/upload/", "/static/upload.js", "/static/camroll.css", "/static/camroll.js", "/static/icon.svg")
            for k in kept
        ), kept
        browser.close()

    # Catalogued as they landed, into ana's own library.
    deadline = time.monotonic() + 120
    db = home / "users" / "ana" / "camroll.db"
    while True:
        conn = sqlite3.connect(db)
        have = {r[0] for r in conn.execute("SELECT hash FROM photos")}
        conn.close()
        if wanted <= have or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert wanted <= have
