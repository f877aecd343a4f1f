"""Consent for one folder from the web: turned on for one of the library's folders, analysis
runs on that folder's photos alone, and turning it off for that folder deletes only what was
learned there (before: the page could only grant or revoke everything)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
from PIL import Image

from camroll.config import Config
from camroll.web.app import create_app
from tests.conftest import run_cli
from tests.test_web import browser, token


def _photos(folder: Path, n: int, seed: int) -> None:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, size=(80, 120, 3), dtype=np.uint8)).save(folder / f"p{i}.jpg")


def _quality_rows(home: Path) -> dict[str, int]:
    con = sqlite3.connect(home / "camroll.db")
    rows = con.execute(
        "SELECT f.path FROM quality q JOIN files f ON f.photo_id = q.photo_id ORDER BY f.path"
    ).fetchall()
    con.close()
    out: dict[str, int] = {}
    for (path,) in rows:
        out[Path(path).parent.name] = out.get(Path(path).parent.name, 0) + 1
    return out


def test_grant_and_revoke_one_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _photos(tmp_path / "family", 2, 1)
    _photos(tmp_path / "work", 3, 2)
    for folder in ("family", "work"):
        run_cli(home, "scan", str(tmp_path / folder), "--workers", "1")
    app = create_app(Config(home=home, workers=1))
    family = str((tmp_path / "family").resolve())
    with browser(app) as c:
        page = c.get("/consent").text
        assert "Only for one folder" in page and f'<option value="{family}">' in page
        csrf = token(c)
        r = c.post("/consent/quality/on", data={"csrf": csrf, "folder": family}, follow_redirects=False)
        assert r.status_code == 303
        job = int(r.headers["location"].rsplit("job=", 1)[1])
        done = app.state.web.library("local").jobs.wait(job, 120)
        assert done is not None and done.state == "done", done
        assert _quality_rows(home) == {"family": 2}, "only the folder's photos were analysed"
        page = c.get("/consent").text
        assert f"<code>{family}</code>" in page and "Turn off for this folder" in page

        confirm = c.post("/consent/quality/off", data={"csrf": csrf, "folder": family}).text
        assert f"Turn off Quality for {family}?" in confirm.replace("&#39;", "'") or family in confirm
        assert f'name="folder" value="{family}"' in confirm
        r = c.post("/consent/quality/revoke", data={"csrf": csrf, "confirm": "yes", "folder": family})
        assert r.status_code == 200 and "is off for" in r.text
        assert _quality_rows(home) == {}

        # A folder that is not in the library is refused, and nothing is recorded.
        before = c.get("/consent").text.count("<tr>")
        assert c.post("/consent/quality/on", data={"csrf": csrf, "folder": "/etc"}).status_code == 404
        assert c.get("/consent").text.count("<tr>") == before
