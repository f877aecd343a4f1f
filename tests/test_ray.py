"""`camroll analyze --ray` on a real local Ray cluster (issue 16): a head and a second node started
with `ray start` on this machine, token authentication on, usage stats, metrics and the dashboard
off. The cluster gives the same results as local workers, and a worker killed mid-run costs
nothing. One node declares a GPU: an actor is given it, and its models fall back to the CPU
where onnxruntime has no CUDA provider (the summary says so)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.ray_local import local_cluster
from tests.conftest import run_cli

pytestmark = pytest.mark.slow

PHOTOS = Path(__file__).parent / "data" / "photos"
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[str, dict[str, str]]]:
    """(address, environment) of a two-node Ray cluster, stopped afterwards: a head of 1 CPU, and a
    node of 2 CPUs declaring 1 GPU (Ray's resource; this machine has no such device)."""
    with local_cluster(nodes=2, cpus=1, gpus=1) as running:
        yield running


def _library(root: Path, scenes: int = 4) -> Path:
    """Eight photos of two people and ``scenes`` scenes."""
    lib = root / "lib"
    lib.mkdir(parents=True)
    for who in ("deepface_p01", "deepface_p02"):
        for photo in sorted((PHOTOS / "faces" / who).glob("*.jpg"))[:4]:
            shutil.copy(photo, lib / f"{who}_{photo.name}")
    for photo in sorted((PHOTOS / "scenes").rglob("*.jpg"))[:scenes]:
        shutil.copy(photo, lib / photo.name)
    return lib


def _analyse(home: Path, lib: Path, env: dict[str, str] | None, address: str | None) -> subprocess.Popen[str]:
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet")
    run_cli(home, "consent", "grant", "faces", "people", "tags")
    args = [str(BIN / "camroll"), "analyze", "--home", str(home), "--json", "--workers", "2"]
    if address is not None:
        args += ["--ray", address]
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _outcome(home: Path) -> dict[str, Any]:
    """What analysis left, in a form independent of write order: per file the face count and tags,
    and the people as sets of files."""
    records = run_cli(home, "photos", "--json")
    per_file = {Path(r["path"]).name: (r["faces"], sorted(t["tag"] for t in r["tags"])) for r in records}
    people: dict[int, set[str]] = {}
    for r in records:
        for p in r["people"]:
            people.setdefault(p["id"], set()).add(Path(r["path"]).name)
    return {"files": per_file, "people": sorted(sorted(s) for s in people.values())}


def test_the_cluster_gives_what_local_workers_give(cluster: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    address, env = cluster
    lib = _library(tmp_path)
    local = _analyse(tmp_path / "local", lib, None, None)
    out, err = local.communicate(timeout=600)
    assert local.returncode == 0, err
    assert json.loads(out)["ray"] == {}, "a local run uses no cluster"
    on_ray = _analyse(tmp_path / "ray", lib, env, address)
    out, err = on_ray.communicate(timeout=600)
    assert on_ray.returncode == 0, err
    summary = json.loads(out)
    assert summary["analysed"] == 12 and not summary["failures"]
    assert _outcome(tmp_path / "ray") == _outcome(tmp_path / "local")
    # The GPU path as far as a machine without one can go: one actor asked Ray for the declared
    # GPU and was placed on its node; onnxruntime there has no CUDA provider (the CPU build), so
    # its models ran on the CPU, which the summary says, and the results are the same.
    assert summary["ray"] == {"actors": 2, "given_a_gpu": 1, "on_cuda": 0}
    # Face crops written by the actors reached the library's cache, sealed by the driver.
    crops = list((tmp_path / "ray" / "cache" / "faces").glob("*.sealed"))
    assert crops and all(not c.read_bytes().startswith(b"\xff\xd8") for c in crops)


def _analysed(home: Path) -> int:
    try:
        conn = sqlite3.connect(home / "camroll.db", timeout=5)
        try:
            return int(conn.execute("SELECT count(*) FROM analysis_state WHERE capability = 'tags'").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def _actor_pids() -> list[int]:
    out = subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True).stdout
    return [int(line.split()[0]) for line in out.splitlines() if "ray::PhotoActor" in line]


def test_a_worker_killed_mid_run_costs_nothing(cluster: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    address, env = cluster
    lib = _library(tmp_path, scenes=17)
    home = tmp_path / "home"
    run = _analyse(home, lib, env, address)
    deadline = time.monotonic() + 300
    while (_analysed(home) < 1 or not _actor_pids()) and run.poll() is None:
        assert time.monotonic() < deadline, "the analysis never got going"
        time.sleep(0.2)
    victims = _actor_pids()
    assert victims, "no actor to kill: the run ended before"
    os.kill(victims[0], signal.SIGKILL)
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err
    summary = json.loads(out)
    assert summary["analysed"] == 25 and not summary["failures"], summary
    assert _analysed(home) == 25


def test_an_actor_that_died_before_saying_its_device_is_counted_without_it() -> None:
    """The device report is read as the run ends (in its ``finally``): an actor killed before it
    answered must not turn a finished run into a crash."""
    from ray.exceptions import RayActorError

    from camroll.analysis.ray_backend import _devices

    class _Ray:
        def wait(self, refs: list[str], num_returns: int, timeout: float) -> tuple[list[str], list[str]]:
            return refs[:2], refs[2:]  # the third never answered

        def get(self, ref: str, timeout: float) -> str:
            if ref == "dead":
                raise RayActorError()
            return "cuda"

    said = _devices(_Ray(), {"dead": True, "alive": True, "silent": True, "cpu-only": False})
    assert said == {"actors": 4, "given_a_gpu": 3, "on_cuda": 1}
