"""Stacks (issue 14): pairs, bursts and near duplicates found from real files, the best on top, the
timeline showing one item per stack, and the review's decisions on disk.

There are no RAW files among the test photos (tests/data/photos), and a TIFF renamed ``.dng``
would prove nothing, so the pair is a real HEIC (an iPhone 7's) and its JPEG export, made here
with the HEIC's own EXIF: the same rule (same folder, same name, two kinds of file, within
STACK_PAIR_SECONDS) that pairs a RAW with its JPEG. The RAW rule's ranking (the JPEG over the
RAW) is checked on the ranking function with members as the scan would describe them.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
from pathlib import Path

import piexif
import pillow_heif
from PIL import Image

from camroll.config import AppContext, Config
from camroll.library import stacks
from camroll.library.scan import scan
from camroll.web.app import create_app
from tests.conftest import run_cli
from tests.test_web import browser, token

PHOTOS = Path(__file__).parent / "data" / "photos"
HEIC = PHOTOS / "exif/photoprism/iphone_7.heic"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _jpeg(src: Path, dest: Path, make: str, model: str, when: str, subsec: str, shift: int = 0) -> None:
    """``src`` cropped by ``shift`` pixels (a burst frame moves a little), with camera EXIF."""
    img = Image.open(src).convert("RGB")
    img = img.crop((shift, shift, img.width - 12 + shift, img.height - 12 + shift))
    exif = piexif.dump(
        {
            "0th": {piexif.ImageIFD.Make: make.encode(), piexif.ImageIFD.Model: model.encode()},
            "Exif": {
                piexif.ExifIFD.DateTimeOriginal: when.encode(),
                piexif.ExifIFD.SubSecTimeOriginal: subsec.encode(),
            },
        }
    )
    img.save(dest, "JPEG", quality=90, exif=exif)


def _library(lib: Path) -> dict[str, Path]:
    """A HEIC and its JPEG export; a burst of five frames 0.3 s apart from one camera; a photo
    from a second camera in the middle of the burst; one from the first camera 4 s after it."""
    (lib / "phone").mkdir(parents=True)
    (lib / "burst").mkdir()
    files = {"IMG_0007.HEIC": lib / "phone" / "IMG_0007.HEIC", "IMG_0007.JPG": lib / "phone" / "IMG_0007.JPG"}
    shutil.copyfile(HEIC, files["IMG_0007.HEIC"])
    pillow_heif.register_heif_opener()
    with Image.open(HEIC) as heic:
        export = heic.convert("RGB").resize((heic.width // 4, heic.height // 4))
        exif = heic.getexif()
        exif[0x0112] = 1  # the pixels were turned upright on decoding, as an export's are
        export.save(files["IMG_0007.JPG"], "JPEG", quality=85, exif=exif)
    dog = PHOTOS / "scenes/dog/dog_orange.jpg"
    for i, (when, sub) in enumerate(
        [("10:00:00", "000"), ("10:00:00", "300"), ("10:00:00", "600"), ("10:00:00", "900"), ("10:00:01", "200")]
    ):
        name = f"DSC_{i + 1:04d}.JPG"
        files[name] = lib / "burst" / name
        _jpeg(dog, files[name], "Canon", "Canon EOS R6", f"2022:05:01 {when}", sub, shift=2 * i)
    files["other-camera.jpg"] = lib / "burst" / "other-camera.jpg"
    _jpeg(
        PHOTOS / "scenes/beach/beach_sand.jpg", files["other-camera.jpg"], "NIKON", "Z 6", "2022:05:01 10:00:00", "450"
    )
    files["DSC_0009.JPG"] = lib / "burst" / "DSC_0009.JPG"
    _jpeg(
        PHOTOS / "scenes/cat/cat_black.jpg", files["DSC_0009.JPG"], "Canon", "Canon EOS R6", "2022:05:01 10:00:05", "0"
    )
    return files


def _ids(home: Path) -> dict[str, int]:
    return {os.path.basename(r["path"]): int(r["id"]) for r in run_cli(home, "photos", "--json") if r["path"]}


def _names(stack: dict, ids: dict[str, int]) -> list[str]:
    by_id = {v: k for k, v in ids.items()}
    return [by_id[m["id"]] for m in stack["members"]]


def test_pairs_and_bursts_from_metadata_best_on_top_one_item_in_the_timeline(tmp_path: Path) -> None:
    home, lib = tmp_path / "home", tmp_path / "lib"
    files = _library(lib)
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet", "--workers", "1")
    ids = _ids(home)
    assert len(ids) == 9
    run_cli(home, "favourite", str(files["DSC_0003.JPG"]))

    found = run_cli(home, "stacks", "--json")
    assert len(found) == 2, found
    by_why = {" · ".join(s["why"]): s for s in found}
    pair = by_why["HEIC + JPEG"]
    # No quality analysis here: the HEIC has 16 times the pixels of its quarter-size export.
    assert _names(pair, ids) == ["IMG_0007.HEIC", "IMG_0007.JPG"]
    burst = by_why["burst of 5 in 1.2 s"]
    names = _names(burst, ids)
    assert names[0] == "DSC_0003.JPG", "a favourite is on top"
    assert sorted(names) == [f"DSC_{i:04d}.JPG" for i in range(1, 6)]
    # The other camera's shot in the middle of the burst and the shot 4 s later are not stacked.
    stacked = {m["id"] for s in found for m in s["members"]}
    assert ids["other-camera.jpg"] not in stacked and ids["DSC_0009.JPG"] not in stacked

    # The timeline: one item per stack (its top, leading to the stack, with its count), then
    # the two photos that are in none.
    with browser(create_app(Config(home=home, workers=1))) as client:
        page = client.get("/").text
        shown = [int(x) for x in re.findall(r'<img src="/thumb/(\d+)\.jpg"', page)]
        assert sorted(shown) == sorted(
            [ids["IMG_0007.HEIC"], ids["DSC_0003.JPG"], ids["other-camera.jpg"], ids["DSC_0009.JPG"]]
        )
        assert f'href="/stacks/{burst["id"]}"' in page and 'class="stack-badge"' in page
        assert re.search(r'class="stack-badge"[^>]*>5<', page) and re.search(r'class="stack-badge"[^>]*>2<', page)
        # The stack's page lists its members and why they are stacked.
        one = client.get(f"/stacks/{pair['id']}").text
        assert "HEIC + JPEG" in one and "IMG_0007.HEIC" in one and "IMG_0007.JPG" in one
        assert "burst of 5 in 1.2 s" in client.get(f"/stacks/{burst['id']}").text
        # A member's own page says which stack it is in.
        member = client.get(f"/photo/{ids['DSC_0002.JPG']}").text
        assert f'In a <a href="/stacks/{burst["id"]}">stack of 5</a> (burst of 5 in 1.2 s).' in member
        assert "the best, shown in the timeline" in client.get(f"/photo/{ids['DSC_0003.JPG']}").text

        # Keep all, from the web: remembered, so the stack is not offered again, and nothing moves.
        before = {n: _sha(p) for n, p in files.items()}
        seen = [m["id"] for m in burst["members"]]
        forged = client.post(f"/stacks/{burst['id']}/resolve", data={"action": "best", "seen": seen})
        assert forged.status_code == 403, "no CSRF token, no decision"
        form = {"csrf": token(client, "/stacks"), "action": "all", "seen": [m["id"] for m in burst["members"]]}
        done = client.post(f"/stacks/{burst['id']}/resolve", data=form, follow_redirects=False)
        assert done.status_code == 303, done.text[:300]
        assert "Kept all 5; that stack will not be offered again." in client.get(done.headers["location"]).text
        assert f'data-stack="{burst["id"]}"' not in client.get("/stacks").text
        assert f'data-stack="{pair["id"]}"' in client.get("/stacks").text
    assert {n: _sha(p) for n, p in files.items()} == before
    assert [s["id"] for s in run_cli(home, "stacks", "--json")] == [pair["id"]]
    kept = {s["id"]: s["kept"] for s in run_cli(home, "stacks", "--all", "--json")}
    assert kept == {burst["id"]: True, pair["id"]: False}
    # The export carries the stacks and the decision.
    run_cli(home, "export", "--out", str(tmp_path / "export"))
    exported = json.loads((tmp_path / "export" / "library.json").read_text(encoding="utf-8"))["stacks"]
    assert sorted((s["why"], s["top"], s["kept_whole"]) for s in exported) == sorted(
        [(["HEIC + JPEG"], ids["IMG_0007.HEIC"], False), (["burst of 5 in 1.2 s"], ids["DSC_0003.JPG"], True)]
    )

    # Keep all from the CLI too; then nothing is left to review.
    run_cli(home, "stacks", "resolve", str(files["IMG_0007.JPG"]), "--keep-all")
    assert run_cli(home, "stacks", "--json") == []
    assert not (home / "trash").exists() or not any((home / "trash").rglob("*.*"))


def test_keep_best_moves_the_near_duplicate_to_the_trash(tmp_path: Path) -> None:
    """A photo and its smaller re-encoded copy: near duplicates (the duplicates analysis, under
    its consent); keep best leaves the original and moves the copy, byte for byte, to the trash."""
    home, lib = tmp_path / "home", tmp_path / "lib"
    lib.mkdir()
    original = lib / "iceland.jpg"
    shutil.copyfile(PHOTOS / "exif/photoprism/Iceland-sRGB.jpg", original)
    copy = lib / "iceland-small.jpg"
    with Image.open(original) as img:
        buf = io.BytesIO()
        img.resize((img.width // 2, img.height // 2)).save(buf, "JPEG", quality=70)
    copy.write_bytes(buf.getvalue())
    original_sha, copy_sha = _sha(original), _sha(copy)
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet", "--workers", "1")
    assert run_cli(home, "stacks", "--json") == [], "no near duplicates before their consent"
    run_cli(home, "consent", "grant", "duplicates")
    run_cli(home, "analyze", "--workers", "1")
    ids = _ids(home)
    [stack] = run_cli(home, "stacks", "--json")
    assert stack["why"] == ["near duplicates"]
    assert _names(stack, ids) == ["iceland.jpg", "iceland-small.jpg"], "the one with more pixels on top"

    done = run_cli(home, "stacks", "resolve", str(stack["id"]), "--keep-best", "--json")
    assert done["trashed"] == [ids["iceland-small.jpg"]] and done["kept"] == [ids["iceland.jpg"]]
    assert not copy.exists() and _sha(original) == original_sha
    assert _sha(home / "trash" / "iceland-small.jpg") == copy_sha
    assert list(_ids(home)) == ["iceland.jpg"]
    assert run_cli(home, "stacks", "--json") == []
    # Restorable: the trash holds it; restored and analysed again, it is stacked again.
    run_cli(home, "trash", "restore", "--all")
    assert _sha(copy) == copy_sha
    run_cli(home, "analyze", "--workers", "1")
    assert len(run_cli(home, "stacks", "--json")) == 1


def _member(
    i: int, fmt: str, *, fav: bool = False, score: float | None = None, px: int = 100, size: int = 1
) -> stacks.Member:
    return stacks.Member(i, f"/p/IMG_{i}.{fmt}", fmt, size, px, score, fav, None, None, {"pair"})


def test_the_top_is_a_favourite_then_quality_then_the_jpeg_of_a_raw_pair_then_the_largest() -> None:
    raw, jpeg = _member(1, "cr2", px=24_000_000, size=30), _member(2, "jpeg", px=24_000_000, size=8)
    assert [m.id for m in stacks.rank([raw, jpeg])] == [2, 1], "the JPEG of a RAW pair"
    raw.score = 0.8
    jpeg.score = 0.6
    assert [m.id for m in stacks.rank([raw, jpeg])] == [1, 2], "a quality score first"
    jpeg.favourite = True
    assert [m.id for m in stacks.rank([raw, jpeg])] == [2, 1], "a favourite before all"
    small, large = _member(3, "jpeg", px=10), _member(4, "jpeg", px=20)
    small.ties = large.ties = {"near"}
    assert [m.id for m in stacks.rank([small, large])] == [4, 3], "else the largest"


def test_stacks_are_found_in_one_pass_with_a_progress_report(tmp_path: Path) -> None:
    """find_stacks reads the dated photos once, in time order, and says how many it will read."""
    ctx = AppContext(Config(home=tmp_path / "home", workers=1))
    _library(tmp_path / "lib")
    scan(ctx, [str(tmp_path / "lib")], workers=1)

    class Count:
        total: int | None = None
        seen = 0

        def start(self, phase: str, total: int | None) -> None:
            self.total = total

        def advance(self, n: int = 1) -> None:
            self.seen += n

        def problem(self, path: str, errors: list[str]) -> None:
            raise AssertionError(path)

    counted = Count()
    found = stacks.find_stacks(ctx, counted)
    assert counted.total == counted.seen == 9
    assert sorted(len(s.members) for s in found) == [2, 5]
    ctx.close()


def test_review_page_in_chromium_at_phone_width_keep_best_moves_the_rest(tmp_path: Path) -> None:
    """The review page fits 390 px; its Keep best moves the burst's other four frames to the trash,
    byte for byte, and the stack leaves the review. Screenshots: /tmp/stacks-*.png."""
    from playwright.sync_api import expect, sync_playwright

    from tests.test_phone_layout import WIDEST
    from tests.test_web_browser import serving

    home, lib = tmp_path / "home", tmp_path / "lib"
    files = _library(lib)
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet", "--workers", "1")
    ids = _ids(home)
    run_cli(home, "favourite", str(files["DSC_0003.JPG"]))
    burst = [f"DSC_{i:04d}.JPG" for i in range(1, 6)]
    digests = {n: _sha(files[n]) for n in burst}
    with serving(home) as base, sync_playwright() as pw:
        browser_ = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        desk = browser_.new_page(viewport={"width": 1280, "height": 900})
        desk.goto(base + "/")
        expect(desk.locator(".stack-badge")).to_have_count(2)
        desk.screenshot(path="/tmp/stacks-timeline.png")
        desk.locator(".thumb:has(.stack-badge:text-is('5'))").click()
        expect(desk.locator(".stack-why")).to_contain_text("burst of 5 in 1.2 s")
        desk.screenshot(path="/tmp/stacks-stack.png", full_page=True)

        phone = browser_.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
        phone.goto(base + "/stacks")
        expect(phone.locator(".stack-card")).to_have_count(2)
        overflow, worst = phone.evaluate(WIDEST)
        assert overflow <= 0, worst
        phone.screenshot(path="/tmp/stacks-review-phone.png", full_page=True)
        card = phone.locator(".stack-card", has_text="burst of 5")
        card.locator("button:has-text('Keep best')").click()
        expect(phone.locator(".notice")).to_contain_text("moved 4 to the trash")
        expect(phone.locator(".stack-card")).to_have_count(1)
        browser_.close()
    assert [n for n in burst if files[n].exists()] == ["DSC_0003.JPG"], "the favourite on top is kept"
    assert _ids(home)["DSC_0003.JPG"] == ids["DSC_0003.JPG"] and "DSC_0001.JPG" not in _ids(home)
    for n in burst:
        if n != "DSC_0003.JPG":
            assert _sha(home / "trash" / "burst" / n) == digests[n]


def _shot(lib: Path, n: int, when: str, subsec: str) -> None:
    """One shot of a phone set to keep HEIC and JPEG: IMG_n.HEIC and IMG_n.JPG, one instant."""
    pillow_heif.register_heif_opener()
    with Image.open(PHOTOS / "scenes/cat/cat_black.jpg") as src:
        img = src.convert("RGB").crop((n, 0, src.width - 8 + n, src.height))
    exif = piexif.dump(
        {
            "0th": {piexif.ImageIFD.Make: b"Apple", piexif.ImageIFD.Model: b"iPhone 15"},
            "Exif": {
                piexif.ExifIFD.DateTimeOriginal: f"2024:03:02 {when}".encode(),
                piexif.ExifIFD.SubSecTimeOriginal: subsec.encode(),
            },
        }
    )
    img.save(lib / f"IMG_{n}.HEIC", "HEIF", quality=80, exif=exif)
    img.save(lib / f"IMG_{n}.JPG", "JPEG", quality=85, exif=exif)


def test_a_burst_counts_shots_so_two_pairs_are_not_a_burst_and_three_are(tmp_path: Path) -> None:
    """HEIC+JPEG pairs half a second apart from one phone: two shots (four photos) are two
    pairs; a third shot makes them one burst of 3, with its pairs, in one stack."""
    home, lib = tmp_path / "home", tmp_path / "lib"
    lib.mkdir()
    _shot(lib, 1, "12:00:00", "000")
    _shot(lib, 2, "12:00:00", "500")
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet", "--workers", "1")
    found = run_cli(home, "stacks", "--json")
    assert sorted((s["why"], len(s["members"])) for s in found) == [(["HEIC + JPEG"], 2)] * 2
    _shot(lib, 3, "12:00:01", "000")
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet", "--workers", "1")
    [stack] = run_cli(home, "stacks", "--json")
    assert stack["why"] == ["HEIC + JPEG", "burst of 3 in 1 s"] and len(stack["members"]) == 6


def test_review_asks_stack_by_stack(tmp_path: Path) -> None:
    """`camroll stacks review`: keep the named photo of the first stack (the rest to the trash),
    keep all of the second; afterwards nothing is offered."""
    from typer.testing import CliRunner

    from camroll.cli import app

    home, lib = tmp_path / "home", tmp_path / "lib"
    files = _library(lib)
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet", "--workers", "1")
    order = [_names(s, _ids(home)) for s in run_cli(home, "stacks", "--json")]
    assert [len(o) for o in order] == [5, 2], "the newest stack first: the burst of 2022"
    out = CliRunner().invoke(app, ["stacks", "review", "--home", str(home)], input="x\n2\na\n").output
    out = " ".join(out.split())  # Rich wraps at the terminal's width
    assert "Answer b, a, s, q" in out and "burst of 5 in 1.2 s" in out and "HEIC + JPEG" in out
    assert "4 photos moved to the trash" in out and "1 stack kept whole" in out
    kept = order[0][1]
    assert [n for n in order[0] if files[n].exists()] == [kept]
    assert (home / "trash" / "burst" / order[0][0]).exists()
    assert run_cli(home, "stacks", "--json") == []
