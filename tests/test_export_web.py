"""Export from the web: one button on the consent page, a job, one zip of `camroll export`'s
folder, listed with the creations and deleted with them (before: only `camroll export --out`)."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

from camroll.config import Config
from camroll.web.app import create_app
from tests.conftest import run_cli
from tests.test_web import browser, token


def test_export_everything_from_the_web_and_lose_it_with_the_consent(tmp_path: Path) -> None:
    home, lib = tmp_path / "home", tmp_path / "lib"
    lib.mkdir()
    rng = np.random.default_rng(3)
    for i in range(3):
        Image.fromarray(rng.integers(0, 255, size=(60, 90, 3), dtype=np.uint8)).save(lib / f"p{i}.jpg")
    run_cli(home, "scan", str(lib), "--workers", "1")
    run_cli(home, "consent", "grant", "quality")
    run_cli(home, "analyze", "--workers", "1")
    app = create_app(Config(home=home, workers=1))
    with browser(app) as c:
        page = c.get("/consent").text
        assert 'action="/export"' in page
        r = c.post("/export", data={"csrf": token(c)}, follow_redirects=False)
        assert r.status_code == 303
        job = int(r.headers["location"].rsplit("=", 1)[1])
        done = app.state.web.library("local").jobs.wait(job, 120)
        assert done is not None and done.state == "done", done
        link = c.get(f"/jobs/{job}").json()["link"]
        assert "Everything camroll knew" in c.get(link).text
        data = c.get(link + "/file?download=1").content
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
            library = json.loads(zf.read(next(n for n in names if n.endswith("/library.json"))))
        assert any(n.endswith("/consent.json") for n in names) and any(n.endswith("/audit.json") for n in names)
        assert len(library["photos"]) == 3 and len(library["quality"]) == 3
        assert not any("face_prints" in n for n in names)
        con = sqlite3.connect(home / "camroll.db")
        (path,) = con.execute("SELECT path FROM creations WHERE kind = 'export'").fetchone()
        assert Path(path).is_file() and not list((home / "creations").glob("camroll-export-*/"))
        # Turning off a capability whose data it holds deletes the export with it.
        r = c.post("/consent/quality/revoke", data={"csrf": token(c), "confirm": "yes"})
        assert r.status_code == 200
        assert con.execute("SELECT count(*) FROM creations WHERE kind = 'export'").fetchone()[0] == 0
        assert not Path(path).exists()
