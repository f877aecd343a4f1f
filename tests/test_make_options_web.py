"""Collage and video options from a moment's page: layout, filter, length and music. The music
offered is what lies in the library's folders, and only that is accepted back (before: one
collage and one video with fixed settings)."""

from __future__ import annotations

import json
import re
import sqlite3
import wave
from pathlib import Path

import pytest
from PIL import Image

from camroll.config import AppContext, Config
from camroll.web.app import create_app
from camroll.web.routes_moments import _options
from tests.conftest import run_cli
from tests.test_web import browser, token

pytestmark = pytest.mark.photos


def test_a_collage_with_options_and_music_from_the_library(library_copy: Path, tmp_path: Path) -> None:
    con = sqlite3.connect(library_copy / "camroll.db")
    folder = tmp_path / "Music and photos"
    folder.mkdir()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(folder / "cover.jpg")
    run_cli(library_copy, "scan", str(folder), "--workers", "1")  # one more folder of the library
    song = (folder / "music-for-camroll-test.wav").resolve()
    with wave.open(str(song), "wb") as w:  # one second of silence, a real WAV
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 8000)
    app = create_app(Config(home=library_copy, workers=1))
    with browser(app) as c:
        moment = re.search(r'href="/moments/([^"]+)"', c.get("/moments").text)
        assert moment is not None
        page = c.get(f"/moments/{moment.group(1)}").text
        assert '<option value="grid">' in page and '<option value="mono">' in page
        assert f'<option value="{song}">{song.name}</option>' in page
        form = {"csrf": token(c, "/moments"), "kind": "collage", "layout": "grid", "filter": "mono"}
        r = c.post(f"/moments/{moment.group(1)}/make", data=form, follow_redirects=False)
        job = int(r.headers["location"].rsplit("=", 1)[1])
        done = app.state.web.library("local").jobs.wait(job, 240)
        assert done is not None and done.state == "done", done
        (params,) = con.execute("SELECT params FROM creations ORDER BY id DESC LIMIT 1").fetchone()
        assert json.loads(params)["layout"] == "grid" and json.loads(params)["filter"] == "mono", params
        bad = {**form, "kind": "video", "music": "/etc/passwd"}
        assert c.post(f"/moments/{moment.group(1)}/make", data=bad).status_code == 404
    ctx = AppContext(Config(home=library_copy))
    chosen = _options(ctx, "hero", "warm", "15", str(song))
    assert (chosen.layout, chosen.filter, chosen.seconds, chosen.music) == ("hero", "warm", 15.0, song)
    assert _options(ctx, "spiral", "x", "999", "").layout == "mosaic"
    ctx.close()


def test_a_filtered_copy_from_the_photo_page(library_copy: Path) -> None:
    con = sqlite3.connect(library_copy / "camroll.db")
    (photo,) = con.execute("SELECT id FROM photos WHERE kind = 'photo' ORDER BY id LIMIT 1").fetchone()
    app = create_app(Config(home=library_copy, workers=1))
    with browser(app) as c:
        page = c.get(f"/photo/{photo}").text
        assert f'action="/photo/{photo}/filtered"' in page and '<option value="vintage">' in page
        r = c.post(
            f"/photo/{photo}/filtered", data={"csrf": token(c, "/moments"), "filter": "vintage"}, follow_redirects=False
        )
        job = int(r.headers["location"].rsplit("=", 1)[1])
        done = app.state.web.library("local").jobs.wait(job, 120)
        assert done is not None and done.state == "done", done
        kind, params, path = con.execute("SELECT kind, params, path FROM creations ORDER BY id DESC LIMIT 1").fetchone()
        assert kind == "filtered" and json.loads(params)["filter"] == "vintage" and Path(path).is_file()
        with Image.open(path) as img:
            assert not img.getexif(), "a filtered copy carries no EXIF"
        assert c.post(f"/photo/{photo}/filtered", data={"csrf": token(c, "/moments"), "filter": "x"}).status_code == 404
