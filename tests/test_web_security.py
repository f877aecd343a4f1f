"""The web server as an attacker meets it: a page elsewhere that rebinds its name to 127.0.0.1 or
posts from its own origin, a scan of a folder nobody chose, a replayed cookie after logout, an old
or idle session, password guessing, user-name probing by timing, ``--allow-remote`` on loopback,
and TLS. Every library here is built in the test; time is moved by an injected clock."""

from __future__ import annotations

import datetime
import hashlib
import re
import socket
import sqlite3
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from typer.testing import CliRunner

from camroll import thresholds
from camroll.cli import app as cli_app
from camroll.config import Config
from camroll.web.app import create_app
from camroll.web.security import HostPolicy, SecurityError, Users, folder_under_roots, host_name
from camroll.web.sessions import LoginThrottle
from tests.conftest import run_cli

LOCAL = "http://127.0.0.1"


def browser(app: FastAPI, base_url: str = LOCAL, **kwargs: Any) -> TestClient:
    return TestClient(app, base_url=base_url, **kwargs)


def csrf_of(client: TestClient, url: str = "/consent") -> str:
    page = client.get(url)
    assert page.status_code == 200, page.text[:300]
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
    assert found
    return found.group(1)


def _jpeg(path: Path, colour: tuple[int, int, int] = (200, 80, 40)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (64, 48), colour).save(path, "JPEG")


@pytest.fixture
def one_photo(tmp_path: Path) -> tuple[Path, Path, int]:
    """(home, photos folder, photo id): a library that ``camroll scan`` built from one photo."""
    photos = tmp_path / "photos"
    _jpeg(photos / "a.jpg")
    home = tmp_path / "home"
    run_cli(home, "scan", str(photos), "--no-analyze", "--quiet")
    con = sqlite3.connect(home / "camroll.db")
    photo_id = int(con.execute("SELECT photo_id FROM files LIMIT 1").fetchone()[0])
    con.close()
    return home, photos, photo_id


FOREIGN_HOSTS = [
    "evil.example",
    "evil.example:8765",
    "127.0.0.1.evil.example",
    "localhost.evil.example:8765",
    "testserver",
    "[::2]:8765",
    "192.168.1.5",
    "evil.example/",
    "loc@lhost",
    "",
]


def test_a_foreign_host_is_refused_on_every_kind_of_request(one_photo: tuple[Path, Path, int]) -> None:
    """DNS rebinding: a page at evil.example points its name at 127.0.0.1 and asks for the photos."""
    home, _photos, photo_id = one_photo
    with browser(create_app(Config(home=home, workers=1))) as c:
        token = csrf_of(c)
        assert c.get(f"/original/{photo_id}").status_code == 200  # as the person's own browser sees it
        for host in FOREIGN_HOSTS:
            for method, url in [
                ("GET", f"/original/{photo_id}"),
                ("GET", "/"),
                ("GET", "/consent"),
                ("GET", f"/thumb/{photo_id}.jpg"),
                ("GET", "/static/camroll.css"),
                ("GET", "/login"),
                ("POST", "/consent/metadata/revoke"),
                ("POST", "/scan"),
                ("POST", "/logout"),
            ]:
                form = {"csrf": token, "confirm": "yes", "folder": "/"} if method == "POST" else None
                r = c.request(method, url, headers={"host": host}, data=form)
                assert r.status_code == 421, (host, method, url, r.status_code)
                assert r.headers["content-type"].startswith("text/plain")
                assert "does not answer to this address" in r.text and "set-cookie" not in r.headers
        for host in ["localhost", "LOCALHOST:8765", "127.0.0.1:8765", "[::1]:8765", "localhost.:8765"]:
            assert c.get(f"/original/{photo_id}", headers={"host": host}).status_code == 200, host
    con = sqlite3.connect(home / "camroll.db")
    assert con.execute("SELECT count(*) FROM consent_events WHERE action = 'revoke'").fetchone()[0] == 0


def test_names_given_with_host_and_allow_host_are_accepted(tmp_path: Path) -> None:
    app = create_app(Config(home=tmp_path / "h", workers=1), bind_host="192.168.1.5", allow_hosts=("Photos.LAN",))
    with browser(app) as c:
        for host in ("192.168.1.5:8765", "photos.lan", "photos.lan:443", "127.0.0.1"):
            assert c.get("/", headers={"host": host}).status_code == 200, host
        assert c.get("/", headers={"host": "other.lan"}).status_code == 421
    # "Every address" is not a name a browser uses: it adds nothing.
    assert HostPolicy.for_server("0.0.0.0").names == HostPolicy.for_server().names
    with pytest.raises(SecurityError):
        HostPolicy.for_server("127.0.0.1", ["http://photos.lan/"])


def test_host_names_are_read_strictly() -> None:
    assert host_name("LocalHost:8765") == "localhost"
    assert host_name("[::1]:80") == "::1" and host_name("::1") == "::1"
    assert host_name("example.org.") == "example.org"
    for bad in ("", "a b", "evil.example/x", "user@host", "host:port", "[::1]x", "[::1", "host\r\nx: y"):
        assert host_name(bad) is None, bad


def test_a_post_from_a_foreign_page_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with browser(create_app(Config(home=home, workers=1))) as c:
        token = csrf_of(c)

        def granted() -> int:
            con = sqlite3.connect(home / "camroll.db")
            try:
                return int(
                    con.execute("SELECT count(*) FROM consent_events WHERE capability = 'quality'").fetchone()[0]
                )
            finally:
                con.close()

        for headers in (
            {"origin": "http://evil.example"},
            {"origin": "http://evil.example:8765"},
            {"origin": "null"},
            {"origin": "http://127.0.0.1.evil.example"},
            {"referer": "http://evil.example/page"},
            {"origin": "file://"},
            {"origin": "http://[::1"},
            {"origin": "http://evil.example", "referer": "http://127.0.0.1:8765/consent"},
        ):
            r = c.post("/consent/quality/on", data={"csrf": token}, headers=headers, follow_redirects=False)
            assert r.status_code == 403, (headers, r.status_code)
            assert "not camroll's" in r.text
        assert granted() == 0
        # camroll's own page (Origin as a browser sends it) and a client that sends neither header
        # (curl, this test client: the CSRF token still has to match) go through.
        own = c.post(
            "/consent/quality/on",
            data={"csrf": token},
            headers={"origin": "http://127.0.0.1:8765"},
            follow_redirects=False,
        )
        assert own.status_code == 303 and granted() == 1
        assert c.post("/consent/quality/on", data={"csrf": token}, follow_redirects=False).status_code == 303
        assert c.post("/consent/quality/on", data={"csrf": "forged"}, follow_redirects=False).status_code == 403


def test_scan_accepts_only_folders_below_a_configured_root(one_photo: tuple[Path, Path, int], tmp_path: Path) -> None:
    home, photos, _photo_id = one_photo
    _jpeg(photos / "sub" / "b.jpg", (20, 200, 90))
    outside = tmp_path / "outside"
    _jpeg(outside / "secret.jpg", (1, 2, 3))
    (photos / "escape").symlink_to(outside, target_is_directory=True)
    extra = tmp_path / "extra"
    _jpeg(extra / "c.jpg", (90, 90, 200))
    web = create_app(Config(home=home, workers=1), scan_roots=(extra,))
    with browser(web) as c:
        token = csrf_of(c, "/")
        for folder in (
            str(outside),
            str(photos / ".." / "outside"),
            str(photos / "escape"),
            str(tmp_path),
            str(home),
            str(extra) + "x",
            "relative/photos",
            "~",
            str(photos / "a.jpg"),
            "\x00",
        ):
            r = c.post("/scan", data={"csrf": token, "folder": folder}, follow_redirects=False)
            assert r.status_code == 400, (folder, r.status_code)
            assert "camroll scan" in r.text and "--scan-root" in r.text
        # Below a root `camroll scan` catalogued, and below a --scan-root: accepted.
        lib = web.state.web.library("local")
        for folder in (str(photos / "sub"), str(extra) + "/."):
            r = c.post("/scan", data={"csrf": token, "folder": folder}, follow_redirects=False)
            assert r.status_code == 303, (folder, r.text[:300])
            job = lib.jobs.wait(int(r.headers["location"].rsplit("=", 1)[1]), 60)
            assert job is not None and job.state == "done", job
    con = sqlite3.connect(home / "camroll.db")
    paths = [r[0] for r in con.execute("SELECT path FROM files")]
    assert not any("secret" in p for p in paths) and any(p.endswith("c.jpg") for p in paths), paths


def test_login_mode_scans_only_below_scan_roots(tmp_path: Path) -> None:
    """With login, the server's own catalogued folders are not the users' to scan."""
    assert folder_under_roots(str(tmp_path), []) is None
    inside = tmp_path / "a" / "b"
    inside.mkdir(parents=True)
    assert folder_under_roots(str(inside) + "/", [tmp_path / "a"]) == inside.resolve()
    assert folder_under_roots(str(inside / ".." / ".."), [tmp_path / "a"]) is None


def _server(tmp_path: Path, clock: Callable[[], float] | None = None) -> tuple[FastAPI, Path]:
    home = tmp_path / "server"
    Users(home).add("ana", "ana-password")
    return create_app(Config(home=home, workers=1), login=True, **({"clock": clock} if clock else {})), home


def _login(c: TestClient, name: str, password: str) -> httpx.Response:
    token = csrf_of(c, "/login")
    return c.post("/login", data={"csrf": token, "name": name, "password": password}, follow_redirects=False)


def test_logout_ends_the_session_on_the_server(tmp_path: Path) -> None:
    app, _home = _server(tmp_path)
    with browser(app) as c:
        assert _login(c, "ana", "ana-password").status_code == 303
        assert c.get("/", follow_redirects=False).status_code == 200
        cookie = c.cookies.get("camroll_session")
        assert cookie
        assert c.post("/logout", data={"csrf": csrf_of(c, "/")}, follow_redirects=False).status_code == 303
        # The old cookie, replayed (copied off the machine before logout): nobody's session.
        with browser(app, cookies={"camroll_session": cookie}) as replay:
            r = replay.get("/", follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"] == "/login"
            assert replay.get("/thumb/1.jpg").status_code == 401
        assert app.state.web.logins.count("ana") == 0


def test_only_a_hash_of_the_session_id_is_stored(tmp_path: Path) -> None:
    """A copy of the sessions database (a backup, a stolen disk) opens no session."""
    app, home = _server(tmp_path)
    with browser(app) as c:
        assert _login(c, "ana", "ana-password").status_code == 303
        cookie = c.cookies.get("camroll_session")
        assert cookie
        sid = app.state.web.sessions.load(cookie).sid
        stored = b"".join(f.read_bytes() for f in (home / "web").glob("sessions.db*"))
        assert sid.encode() not in stored and hashlib.sha256(sid.encode()).hexdigest().encode() in stored
        assert (home / "web" / "sessions.db").stat().st_mode & 0o777 == 0o600


def test_a_new_password_ends_the_users_sessions(tmp_path: Path) -> None:
    app, home = _server(tmp_path)
    with browser(app) as c:
        assert _login(c, "ana", "ana-password").status_code == 303
        result = CliRunner().invoke(
            cli_app, ["serve", "--add-user", "ana", "--home", str(home)], input="new-password\nnew-password\n"
        )
        assert result.exit_code == 0, result.output
        assert "Ended 1 open session" in result.output
        assert c.get("/", follow_redirects=False).status_code == 303


def test_sessions_end_when_idle_and_when_old(tmp_path: Path) -> None:
    now = [1_000_000.0]
    app, _home = _server(tmp_path, clock=lambda: now[0])
    with browser(app) as c:
        assert _login(c, "ana", "ana-password").status_code == 303
        now[0] += thresholds.WEB_SESSION_IDLE_SECONDS + thresholds.WEB_SESSION_TOUCH_SECONDS + 1
        assert c.get("/", follow_redirects=False).status_code == 303, "idle past the limit: logged out"
    with browser(app) as c:
        assert _login(c, "ana", "ana-password").status_code == 303
        start, step = now[0], thresholds.WEB_SESSION_IDLE_SECONDS / 2
        while now[0] + step - start <= thresholds.WEB_SESSION_MAX_SECONDS:
            now[0] += step
            assert c.get("/", follow_redirects=False).status_code == 200, "used within the idle limit: still in"
        now[0] += step
        assert c.get("/", follow_redirects=False).status_code == 303, "past the absolute limit, however busy"
    assert app.state.web.logins.count() == 0


def test_failed_logins_wait_longer_and_longer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [5_000.0]
    app, _home = _server(tmp_path, clock=lambda: now[0])
    with browser(app) as c:
        for _ in range(thresholds.WEB_LOGIN_FREE_FAILURES):
            assert _login(c, "ana", "wrong-password").status_code == 401
        calls = _count_scrypt(monkeypatch)
        waits = []
        for _ in range(4):
            refused = _login(c, "ana", "ana-password")  # even the right password waits its turn
            assert refused.status_code == 429 and "Try again in" in refused.text
            waits.append(int(refused.headers["retry-after"]))
            now[0] += waits[-1]
            assert _login(c, "ana", "wrong-password").status_code == 401
        assert waits == [int(thresholds.WEB_LOGIN_DELAY_SECONDS * 2**i) for i in range(4)]
        assert calls[0] == 4, "a refused try checks no password"
        # Another name from the same address waits too (per client); later the right one gets in.
        assert _login(c, "ben", "ben-password").status_code == 429
        now[0] += thresholds.WEB_LOGIN_MAX_DELAY_SECONDS
        assert _login(c, "ana", "ana-password").status_code == 303


def test_the_throttle_counts_per_user_and_per_client_and_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]
    throttle = LoginThrottle(lambda: now[0])
    for i in range(thresholds.WEB_LOGIN_FREE_FAILURES):
        assert throttle.begin("ana", f"10.0.0.{i}") == 0
    assert throttle.begin("ana", "10.0.0.99") > 0, "a user guessed from many addresses is still braked"
    assert throttle.begin("ben", "10.0.0.99") == 0
    for _ in range(thresholds.WEB_LOGIN_FREE_FAILURES - 1):
        throttle.begin(f"name{_}", "10.0.0.99")
    assert throttle.begin("carla", "10.0.0.99") > 0, "an address trying many names is braked"
    now[0] += thresholds.WEB_LOGIN_FORGET_SECONDS + thresholds.WEB_LOGIN_MAX_DELAY_SECONDS + 1
    assert throttle.begin("ana", "10.0.0.1") == 0, "old failures are forgotten"
    monkeypatch.setattr(thresholds, "WEB_LOGIN_TRACKED", 50)
    for i in range(500):
        throttle.begin(f"made-up-{i}", f"172.16.{i // 256}.{i % 256}")
    assert len(throttle._seen) <= 50


def _count_scrypt(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]
    real = hashlib.scrypt

    def counted(*args: Any, **kwargs: Any) -> bytes:
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counted)
    return calls


def test_an_unknown_user_costs_the_same_scrypt_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    users = Users(tmp_path)
    users.add("ana", "ana-password")
    calls = _count_scrypt(monkeypatch)
    assert not users.authenticate("ana", "wrong-password")
    known = calls[0]
    assert not users.authenticate("nobody", "wrong-password")
    assert calls[0] - known == known == 1
    # ...and through the login form.
    app, _home = _server(tmp_path)
    with browser(app) as c:
        before = calls[0]
        assert _login(c, "ana", "wrong-password").status_code == 401
        mid = calls[0]
        assert _login(c, "nobody", "wrong-password").status_code == 401
        assert calls[0] - mid == mid - before == 1


def test_local_is_not_a_user_name(tmp_path: Path) -> None:
    with pytest.raises(SecurityError):
        Users(tmp_path).add("local", "long-enough")


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What ``camroll serve`` would hand uvicorn (the app and its arguments), without serving."""
    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: seen.append({"app": app, **kwargs}))
    return seen


def _serve(home: Path, *args: str) -> Any:
    return CliRunner().invoke(cli_app, ["serve", "--home", str(home), *args])


def test_allow_remote_always_asks_for_a_login(tmp_path: Path, served: list[dict[str, Any]]) -> None:
    home = tmp_path / "h"
    Users(home).add("ana", "ana-password")
    result = _serve(home, "--host", "127.0.0.1", "--allow-remote")
    assert result.exit_code == 0, result.output
    assert "login required" in result.output and "plain HTTP" not in result.output
    with browser(served[-1]["app"]) as c:
        r = c.get("/", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"
    # Without --allow-remote, loopback asks nobody.
    assert _serve(home).exit_code == 0
    with browser(served[-1]["app"]) as c:
        assert c.get("/", follow_redirects=False).status_code == 200


def test_serve_options_for_names_roots_and_warnings(tmp_path: Path, served: list[dict[str, Any]]) -> None:
    home = tmp_path / "h"
    Users(home).add("ana", "ana-password")
    result = _serve(home, "--host", "0.0.0.0", "--allow-remote", "--allow-host", "photos.lan")
    assert result.exit_code == 0, result.output
    assert "plain HTTP" in result.output and "--tls-cert" in result.output
    with browser(served[-1]["app"]) as c:
        assert c.get("/login", headers={"host": "photos.lan:8765"}).status_code == 200
        assert c.get("/login", headers={"host": "evil.example"}).status_code == 421
    assert "not a host name" in _serve(home, "--allow-host", "http://photos.lan/").output
    assert _serve(home, "--scan-root", str(tmp_path / "nope")).exit_code == 2
    assert _serve(home, "--tls-cert", str(tmp_path / "cert.pem")).exit_code == 2
    assert len(served) == 1


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _running(app: FastAPI, port: int, **kwargs: Any) -> Iterator[None]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **kwargs))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(10)


def test_tls_is_spoken_and_the_cookie_is_secure(tmp_path: Path, served: list[dict[str, Any]]) -> None:
    cert, key = _self_signed(tmp_path)
    home = tmp_path / "h"
    Users(home).add("ana", "ana-password")
    port = _free_port()
    result = _serve(home, "--allow-remote", "--port", str(port), "--tls-cert", str(cert), "--tls-key", str(key))
    assert result.exit_code == 0, result.output
    assert f"https://127.0.0.1:{port}/" in result.output
    given = dict(served[-1])
    app = given.pop("app")
    assert given["ssl_certfile"] == str(cert) and given["ssl_keyfile"] == str(key)
    trust = ssl.create_default_context(cafile=str(cert))
    with _running(app, port, ssl_certfile=given["ssl_certfile"], ssl_keyfile=given["ssl_keyfile"]):
        with httpx.Client(base_url=f"https://127.0.0.1:{port}", verify=trust) as c:
            page = c.get("/login")
            assert page.status_code == 200 and "Log in" in page.text
            assert "; secure" in page.headers["set-cookie"].lower()
            token = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
            assert token
            # The Secure cookie still goes back over HTTPS: logging in works.
            r = c.post(
                "/login",
                data={"csrf": token.group(1), "name": "ana", "password": "ana-password"},
                follow_redirects=False,
            )
            assert r.status_code == 303 and "; secure" in r.headers["set-cookie"].lower()
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=5)
