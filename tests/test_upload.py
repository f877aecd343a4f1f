"""Uploads from a phone (``serve --upload-dir``, issue 13): the protocol, against the real app.

The browser side (hashing in the page, resuming after a cut, a phone's viewport) is in
``test_upload_browser.py``; here each rule of the server is tried with plain requests.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from camroll.config import Config
from camroll.library.uploads import Announced, UploadFolder, UploadRefused, month_of, safe_name
from camroll.web.app import create_app
from camroll.web.security import Users
from tests.test_web_security import browser, csrf_of

PHOTOS = Path(__file__).parent / "data" / "photos"
MAY_2021_MS = 1_620_000_000_000  # 2021-05-03 UTC


def _photo(n: int = 0) -> bytes:
    return sorted((PHOTOS / "scenes").rglob("*.jpg"))[n].read_bytes()


def _server(tmp_path: Path, *users: str) -> tuple[TestClient, Path, Path]:
    home, drop = tmp_path / "server", tmp_path / "phone-uploads"
    for user in users or ("ana",):
        Users(home).add(user, f"{user}-password")
    client = browser(create_app(Config(home=home, workers=1), login=True, upload_dir=drop))
    return client, home, drop


def _login(client: TestClient, user: str = "ana") -> dict[str, str]:
    token = csrf_of(client, "/login")
    answer = client.post(
        "/login", data={"csrf": token, "name": user, "password": f"{user}-password"}, follow_redirects=False
    )
    assert answer.status_code == 303
    return {"X-CSRF-Token": csrf_of(client, "/upload/")}


def _send(client: TestClient, csrf: dict[str, str], data: bytes, name: str, chunk: int = 40_000) -> dict[str, object]:
    sha = hashlib.sha256(data).hexdigest()
    answer = None
    for at in range(0, len(data), chunk):
        answer = client.put(
            f"/upload/{sha}/{len(data)}",
            params={"offset": at, "name": name, "modified": MAY_2021_MS},
            content=data[at : at + chunk],
            headers=csrf,
        )
        assert answer.status_code in (200, 201), answer.text
    assert answer is not None and answer.status_code == 201
    result: dict[str, object] = answer.json()
    return result


def _wait_for_catalogue(home: Path, sha: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db = home / "users" / "ana" / "camroll.db"
        if db.exists():
            conn = sqlite3.connect(db)
            try:
                if conn.execute("SELECT 1 FROM photos WHERE hash = ?", (sha,)).fetchone():
                    return
            except sqlite3.OperationalError:
                pass
            finally:
                conn.close()
        time.sleep(0.2)
    raise AssertionError("the uploaded photo was not catalogued")


def test_uploads_need_a_login(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="login"):
        create_app(Config(home=tmp_path / "h"), upload_dir=tmp_path / "drop")
    client, _home, drop = _server(tmp_path)
    with client:
        assert client.get("/upload/", follow_redirects=False).headers["location"] == "/login"
        data = _photo()
        sha = hashlib.sha256(data).hexdigest()
        answer = client.put(f"/upload/{sha}/{len(data)}", params={"offset": 0, "name": "a.jpg"}, content=data)
        assert answer.status_code in (401, 403)
    assert not any(p.is_file() for p in drop.rglob("*"))


def test_a_photo_sent_in_chunks_lands_whole_in_its_month_and_is_catalogued(tmp_path: Path) -> None:
    client, home, drop = _server(tmp_path)
    data = _photo()
    sha = hashlib.sha256(data).hexdigest()
    with client:
        csrf = _login(client)
        asked = client.post(
            "/upload/check", json={"files": [{"sha256": sha, "size": len(data), "name": "IMG_1.jpg"}]}, headers=csrf
        )
        assert asked.json() == {"have": [], "offsets": {sha: 0}, "refused": {}}
        first = client.put(
            f"/upload/{sha}/{len(data)}", params={"offset": 0, "name": "IMG_1.jpg"}, content=data[:1000], headers=csrf
        )
        assert first.json() == {"offset": 1000, "done": False}
        # The same chunk again (its answer was lost): refused, with where to go on; nothing doubled.
        again = client.put(
            f"/upload/{sha}/{len(data)}", params={"offset": 0, "name": "IMG_1.jpg"}, content=data[:1000], headers=csrf
        )
        assert again.status_code == 409 and again.json()["offset"] == 1000
        ahead = client.put(
            f"/upload/{sha}/{len(data)}", params={"offset": 5000, "name": "IMG_1.jpg"}, content=b"x", headers=csrf
        )
        assert ahead.status_code == 409 and ahead.json()["offset"] == 1000
        assert client.get(f"/upload/{sha}/{len(data)}").json() == {"offset": 1000}
        assert client.post(
            "/upload/check", json={"files": [{"sha256": sha, "size": len(data), "name": "IMG_1.jpg"}]}, headers=csrf
        ).json()["offsets"] == {sha: 1000}
        last = client.put(
            f"/upload/{sha}/{len(data)}",
            params={"offset": 1000, "name": "IMG_1.jpg", "modified": MAY_2021_MS},
            content=data[1000:],
            headers=csrf,
        )
        assert last.status_code == 201 and last.json()["path"] == "2021/05/IMG_1.jpg"
        landed = drop / "2021" / "05" / "IMG_1.jpg"
        assert hashlib.sha256(landed.read_bytes()).hexdigest() == sha
        assert not list((drop / ".camroll-partial").iterdir())
        # Asked again before the catalog job ran or after: already here, so never sent twice.
        asked = client.post(
            "/upload/check", json={"files": [{"sha256": sha, "size": len(data), "name": "x.jpg"}]}, headers=csrf
        )
        assert asked.json()["have"] == [sha]
        _wait_for_catalogue(home, sha)
        # Another photo with the same name gets a name of its own; neither is overwritten.
        other = _send(client, csrf, _photo(1), "IMG_1.jpg")
        assert other["path"] == "2021/05/IMG_1 (1).jpg"
    assert hashlib.sha256(landed.read_bytes()).hexdigest() == sha


def test_a_file_that_arrives_different_is_thrown_away(tmp_path: Path) -> None:
    client, _home, drop = _server(tmp_path)
    data = _photo()
    sha = hashlib.sha256(data).hexdigest()
    with client:
        csrf = _login(client)
        bad = data[:-1] + bytes([data[-1] ^ 1])
        answer = client.put(
            f"/upload/{sha}/{len(data)}", params={"offset": 0, "name": "a.jpg"}, content=bad, headers=csrf
        )
        assert answer.status_code == 422
        assert not any(p.is_file() for p in drop.rglob("*"))
        # too many bytes for the size announced
        answer = client.put(
            f"/upload/{sha}/{len(data)}", params={"offset": 0, "name": "a.jpg"}, content=data + b"!", headers=csrf
        )
        assert answer.status_code == 400


def test_what_a_phone_sends_is_checked(tmp_path: Path) -> None:
    client, _home, drop = _server(tmp_path)
    data = _photo()
    sha = hashlib.sha256(data).hexdigest()
    with client:
        csrf = _login(client)
        refused = [
            ("zz", len(data), "a.jpg", 400),  # not a SHA-256
            (sha, 0, "a.jpg", 413),
            (sha, 9 * 1024**3, "a.jpg", 413),
            (sha, len(data), "setup.exe", 415),
            (sha, len(data), ".bashrc", 415),
        ]
        for s, size, name, status in refused:
            answer = client.put(
                f"/upload/{s}/{size}", params={"offset": 0, "name": name}, content=data[:10], headers=csrf
            )
            assert answer.status_code == status, (s, size, name, answer.text)
        no_csrf = client.put(f"/upload/{sha}/{len(data)}", params={"offset": 0, "name": "a.jpg"}, content=data)
        assert no_csrf.status_code == 403
        huge = client.put(
            f"/upload/{sha}/{len(data)}", params={"offset": 0, "name": "a.jpg"}, content=b"\0" * (9 << 20), headers=csrf
        )
        assert huge.status_code == 413
        asked = client.post(
            "/upload/check",
            json={
                "files": [
                    {"sha256": "../../x", "size": 3, "name": "a.jpg"},
                    {"sha256": sha, "size": 1, "name": "a.txt"},
                ]
            },
            headers=csrf,
        )
        assert asked.status_code == 200 and len(asked.json()["refused"]) == 2
        assert (
            client.post(
                "/upload/check", content=b"{not json", headers={**csrf, "Content-Type": "application/json"}
            ).status_code
            == 400
        )
        # A name that climbs out lands as a plain name in its month's folder.
        landed = _send(client, csrf, data, "../../../etc/cron.d/evil.jpg")
        assert landed["path"] == "2021/05/evil.jpg"
    files = sorted(str(p.relative_to(drop)) for p in drop.rglob("*") if p.is_file())
    assert files == ["2021/05/evil.jpg"]


def test_names_and_months() -> None:
    assert safe_name("DCIM/Camera/IMG_2024.HEIC") == "IMG_2024.heic"
    assert safe_name("C:\\Users\\me\\..\\pic.JPG") == "pic.jpg"
    assert safe_name("\u202etxt.jpg") == "txt.jpg"  # a right-to-left override would hide the real extension
    assert safe_name("..jpg.mp4") == "jpg.mp4"
    assert len(safe_name("a" * 400 + ".jpg").encode()) <= 200
    with pytest.raises(UploadRefused):
        safe_name("photo.jpg.sh")
    now = 1_700_000_000  # November 2023
    assert month_of(MAY_2021_MS, now) == (2021, 5)
    assert month_of(None, now) == (2023, 11)
    assert month_of(5_000_000_000_000, now) == (2023, 11)  # in the future: when it arrived
    assert month_of(0, now) == (2023, 11)
    assert month_of(MAY_2021_MS, now, "2019-08") == (2019, 8)  # what the photo's EXIF says wins
    for lie in ("2019-13", "1850-01", "2999-01", "2019-8", "../.."):
        assert month_of(MAY_2021_MS, now, lie) == (2021, 5), lie


def test_a_cut_keeps_what_arrived_and_a_symlinked_partial_folder_is_refused(tmp_path: Path) -> None:
    folder = UploadFolder(tmp_path / "drop")
    data = _photo()
    file = Announced.of(hashlib.sha256(data).hexdigest(), len(data))

    def cut_after_two() -> object:
        yield data[:100]
        yield data[100:300]
        raise ConnectionResetError("the phone went to sleep")

    with pytest.raises(ConnectionResetError):
        folder.append(file, 0, cut_after_two())  # type: ignore[arg-type]
    assert folder.offset(file) == 300
    folder.append(file, 300, [data[300:]])
    assert folder.finish(file, "a.jpg", (2020, 1)).path.read_bytes() == data

    trap = UploadFolder(tmp_path / "trap")
    trap.root.mkdir()
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", trap.partial)
    with pytest.raises(UploadRefused):
        trap.append(file, 0, [data[:10]])
    assert not list((tmp_path / "elsewhere").iterdir())


def test_several_users_each_have_a_folder_of_their_own(tmp_path: Path) -> None:
    client, _home, drop = _server(tmp_path, "ana", "ben")
    with client:
        csrf = _login(client, "ben")
        _send(client, csrf, _photo(), "b.jpg")
    assert (drop / "ben" / "2021" / "05" / "b.jpg").is_file()
    assert not (drop / "2021").exists()


def test_the_upload_page_is_off_without_an_upload_folder(tmp_path: Path) -> None:
    home = tmp_path / "server"
    Users(home).add("ana", "ana-password")
    with browser(create_app(Config(home=home), login=True)) as client:
        _login_page = csrf_of(client, "/login")
        client.post("/login", data={"csrf": _login_page, "name": "ana", "password": "ana-password"})
        assert client.get("/upload/").status_code == 404
        assert "Upload" not in client.get("/").text.split("<main")[0]
