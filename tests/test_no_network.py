"""camroll makes no network connection: the whole pipeline runs with sockets refused.

The CLI runs in a fresh interpreter whose socket layer refuses every connection and name lookup
and writes down each attempt in a file (forked workers inherit the guard). Any attempt fails
the test, even one that camroll or a model library would have survived.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from camroll import capabilities

GUARD = r"""
import os, socket, sys
LOG = os.environ["CAMROLL_NET_LOG"]

def refuse(what):
    def blocked(*args, **kwargs):
        with open(LOG, "a") as f:
            f.write(f"{os.getpid()} {what} {args!r}\n")
        raise OSError(f"network blocked by test: {what}")
    return blocked

socket.socket.connect = refuse("connect")
socket.socket.connect_ex = refuse("connect_ex")
socket.socket.sendto = refuse("sendto")
socket.getaddrinfo = refuse("getaddrinfo")
socket.create_connection = refuse("create_connection")
"""
RUN_CLI = GUARD + "from camroll.cli import main\nsys.argv = ['camroll', *sys.argv[1:]]\nmain()\n"


def test_the_guard_catches_a_connection(tmp_path: Path) -> None:
    log = tmp_path / "attempts.log"
    code = (
        GUARD
        + "import urllib.request\ntry:\n    urllib.request.urlopen('http://example.org', timeout=2)\nexcept OSError:\n    pass\n"
    )
    subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, "CAMROLL_NET_LOG": str(log)}, check=True, timeout=60
    )
    assert "getaddrinfo" in log.read_text() or "connect" in log.read_text()


def test_the_whole_pipeline_runs_without_network(tmp_path: Path, photos_dir: Path) -> None:
    log = tmp_path / "attempts.log"
    env = {**os.environ, "CAMROLL_NET_LOG": str(log), "CAMROLL_HOME": str(tmp_path / "home")}
    everything = [c.id for c in capabilities.REGISTRY if not c.granted_by_scan]

    def camroll(*args: str) -> str:
        run = subprocess.run(
            [sys.executable, "-c", RUN_CLI, *args], env=env, capture_output=True, text=True, timeout=600
        )
        assert run.returncode == 0, run.stderr[-3000:]
        return run.stdout + run.stderr

    camroll(
        "scan",
        "--no-analyze",
        str(photos_dir / "faces" / "_groups"),
        str(photos_dir / "exif" / "photoprism"),
        str(photos_dir / "scenes" / "dog"),
    )
    camroll("consent", "grant", *everything)
    out = camroll("analyze", "--workers", "2")
    assert "analyses failed" not in out, out
    assert "Analysed" in out
    assert not log.exists(), log.read_text()
