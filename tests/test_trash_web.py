"""The trash and a photo's curation buttons in a real Chromium: favourite and archive a photo from
its page, delete it (the page says it goes to the trash for 30 days), find it on the Trash page,
restore it, and check the file on disk at each step; the photo page with its delete confirmation
open and the Trash page fit a 390 px phone. Screenshots go to /tmp/trash-*.png."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from tests.conftest import run_cli
from tests.test_phone_layout import WIDEST
from tests.test_trash import _ids, _library
from tests.test_web_browser import serving

SHOTS = Path(os.environ.get("CAMROLL_TRASH_SHOTS", "/tmp"))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_delete_from_the_photo_page_and_restore_from_the_trash(tmp_path: Path) -> None:
    home, lib = tmp_path / "home", tmp_path / "lib"
    files = _library(lib)
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet", "--workers", "1")
    ids = _ids(home)
    name = sorted(n for n, p in files.items() if p.parent.name == "beach")[0]
    original, digest = files[name], _sha(files[name])
    with serving(home) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(f"{base}/photo/{ids[name]}")

        # Favourite and archive, each a button that says what it will do next.
        page.click("button:has-text('☆ Favourite')")
        expect(page.locator("button:has-text('★ Favourite')")).to_have_attribute("aria-pressed", "true")
        page.click("button:has-text('Archive')")
        expect(page.locator(".curate .badge")).to_contain_text("archived")
        page.click("button:has-text('Unarchive')")
        expect(page.locator(".curate .badge")).to_have_count(0)
        flags = {r["id"]: (r["favourite"], r["archived"]) for r in run_cli(home, "photos", "--json")}
        assert flags[ids[name]] == (True, False)

        # Delete: the page asks first, and says where the photo goes and for how long.
        page.click("summary:has-text('Delete')")
        confirm = page.locator(".delete-photo form")
        expect(confirm).to_contain_text("trash")
        expect(confirm).to_contain_text("30 days")
        page.screenshot(path=str(SHOTS / "trash-photo-delete.png"))
        confirm.locator("button:has-text('Move to the trash')").click()
        expect(page).to_have_url(re.compile(r"/trash\?deleted=1$"))
        item = page.locator(".trash-item", has_text=name)
        expect(item).to_be_visible()
        expect(item).to_contain_text("30 days left")
        page.screenshot(path=str(SHOTS / "trash-page.png"))
        held = home / "trash" / "2019" / "beach" / name
        assert not original.exists() and _sha(held) == digest
        assert ids[name] not in _ids(home).values()

        # The Trash link is in the navigation, and both pages fit a phone.
        expect(page.locator("nav.nav a[href='/trash']")).to_have_attribute("aria-current", "page")
        phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
        other = next(n for n in ids if n != name)
        for url in ("/trash", f"/photo/{ids[other]}"):
            phone.goto(base + url)
            if url.startswith("/photo/"):
                phone.click("summary:has-text('Delete')")
            overflow, worst = phone.evaluate(WIDEST)
            assert overflow <= 0, (url, overflow, worst)
        phone.goto(base + "/trash")
        phone.screenshot(path=str(SHOTS / "trash-page-phone.png"))

        # Restore: back on its photo page, the file back where it was, catalogued again.
        item.locator("button:has-text('Restore')").click()
        expect(page).to_have_url(re.compile(r"/photo/\d+$"))
        expect(page.locator("h1.filename")).to_have_text(name)
        assert original.is_file() and _sha(original) == digest and not held.exists()
        assert name in _ids(home)
        page.goto(base + "/trash")
        expect(page.locator(".trash-item")).to_have_count(0)
        expect(page.locator("main")).to_contain_text("The trash is empty.")
        browser.close()
