"""Videos and motion-photo clips are served with HTTP range requests: exactly the bytes asked for
(206 + Content-Range), 416 for a range past the end, several ranges or a malformed header."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from camroll.config import Config
from camroll.web.app import create_app
from camroll.web.routes_media import BadRange, parse_range
from tests.conftest import run_cli
from tests.test_live_photos import _gcamera_xmp, _with_xmp
from tests.test_video_analysis import _clip
from tests.test_web import browser


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, photos_dir: Path
) -> Iterator[tuple[TestClient, dict[str, int], bytes, bytes]]:
    root = tmp_path_factory.mktemp("media")
    lib, home = root / "lib", root / "home"
    lib.mkdir()
    still = sorted((photos_dir / "scenes" / "dog").glob("*.jpg"))[0]
    _clip(lib / "walk.mp4", still, seconds=1.0)
    mp4 = (lib / "walk.mp4").read_bytes()
    (lib / "motion.jpg").write_bytes(_with_xmp(still.read_bytes(), _gcamera_xmp(len(mp4))) + mp4)
    run_cli(home, "scan", str(lib), "--no-analyze")
    with sqlite3.connect(home / "camroll.db") as con:
        ids = {Path(p).name: int(i) for i, p in con.execute("SELECT photo_id, path FROM files")}
    with browser(create_app(Config(home=home, workers=1))) as c:
        yield c, ids, mp4, (lib / "motion.jpg").read_bytes()


def test_parse_range() -> None:
    assert parse_range(None, 100) is None
    assert parse_range("bytes=0-9", 100) == (0, 9)
    assert parse_range("bytes=90-", 100) == (90, 99)
    assert parse_range("bytes=-10", 100) == (90, 99)
    assert parse_range("bytes=95-500", 100) == (95, 99)
    for bad in ("bytes=100-", "bytes=5-1", "bytes=0-1,5-9", "bytes=-", "items=0-1", "bytes=-0", "bytes=a-b"):
        with pytest.raises(BadRange):
            parse_range(bad, 100)


def test_a_video_is_served_in_exact_ranges(served: tuple[TestClient, dict[str, int], bytes, bytes]) -> None:
    c, ids, mp4, _ = served
    url = f"/media/{ids['walk.mp4']}"
    whole = c.get(url)
    assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes"
    assert _sha(whole.content) == _sha(mp4)
    part = c.get(url, headers={"Range": "bytes=100-1099"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-1099/{len(mp4)}"
    assert _sha(part.content) == _sha(mp4[100:1100])
    tail = c.get(url, headers={"Range": "bytes=-500"})
    assert tail.status_code == 206 and _sha(tail.content) == _sha(mp4[-500:])
    for bad in (f"bytes={len(mp4)}-", "bytes=0-1,5-9", "bytes=x"):
        r = c.get(url, headers={"Range": bad})
        assert r.status_code == 416 and r.headers["content-range"] == f"bytes */{len(mp4)}"
    assert c.get(f"/media/{ids['motion.jpg']}").status_code == 404  # a still is not a video


def test_a_motion_photo_clip_is_a_range_of_the_jpeg(served: tuple[TestClient, dict[str, int], bytes, bytes]) -> None:
    c, ids, mp4, jpeg = served
    url = f"/clip/{ids['motion.jpg']}"
    whole = c.get(url)
    assert whole.status_code == 200 and _sha(whole.content) == _sha(mp4) == _sha(jpeg[-len(mp4) :])
    part = c.get(url, headers={"Range": "bytes=0-15"})
    assert part.status_code == 206 and part.content == mp4[:16] and part.content[4:8] == b"ftyp"
    assert c.get(f"/clip/{ids['walk.mp4']}").status_code == 404


def test_a_video_plays_on_its_photo_page(served: tuple[TestClient, dict[str, int], bytes, bytes]) -> None:
    c, ids, _mp4, _jpeg = served
    page = c.get(f"/photo/{ids['walk.mp4']}")
    assert page.status_code == 200 and f'src="/media/{ids["walk.mp4"]}"' in page.text
    assert "<video" not in c.get(f"/photo/{ids['motion.jpg']}").text
