"""Analysis on local workers against Ray with one node and with two, on this machine (issue 16).

    .venv/bin/python -m bench.scale_out [--photos N] [--capabilities faces,people,tags]

The same photos (the first N of tests/data/photos' faces and scenes) are scanned into a fresh
library for each run, the same capabilities granted, and ``camroll analyze`` timed:

* **local**: camroll's own worker processes (``--workers`` = the nodes' CPUs together);
* **ray 1 node**: a Ray cluster of one node of 2 CPUs, ``analyze --ray``;
* **ray 2 nodes**: two nodes of 1 CPU each on this machine, ``analyze --ray``.

It prints photos/s and the seconds each photo costs over the local run (Ray's overhead: actor
start and model loading on every actor, sending jobs and files, the object store), with the
cluster start-up time apart. On one machine Ray cannot be faster than local workers; what a real
cluster adds is in docs/scale-out.md. The machine is noisy: compare ratios, run it twice.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.ray_local import local_cluster

PHOTOS = Path(__file__).resolve().parent.parent / "tests" / "data" / "photos"
CAMROLL = str(Path(sys.executable).parent / "camroll")


def _library(root: Path, n: int) -> Path:
    lib = root / "lib"
    lib.mkdir(parents=True)
    photos = sorted((PHOTOS / "faces").rglob("*.jpg")) + sorted((PHOTOS / "scenes").rglob("*.jpg"))
    for i, photo in enumerate(photos[:n]):
        shutil.copy(photo, lib / f"{i:04d}{photo.suffix}")
    return lib


def _run(root: Path, lib: Path, caps: list[str], env: dict[str, str] | None, extra: list[str]) -> tuple[float, int]:
    home = root / "home"
    for args in (["scan", str(lib), "--no-analyze", "--quiet"], ["consent", "grant", *caps]):
        subprocess.run([CAMROLL, *args, "--home", str(home)], check=True, capture_output=True)
    started = time.perf_counter()
    done = subprocess.run(
        [CAMROLL, "analyze", "--home", str(home), "--json", "--quiet", *extra],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    return seconds, int(json.loads(done.stdout)["analysed"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=60)
    parser.add_argument("--capabilities", default="faces,people,tags")
    args = parser.parse_args()
    caps = args.capabilities.split(",")
    rows: list[tuple[str, float, int, float]] = []
    with tempfile.TemporaryDirectory(prefix="camroll-scale-out-") as tmp:
        base = Path(tmp)
        lib = _library(base / "photos", args.photos)
        seconds, n = _run(base / "local", lib, caps, None, ["--workers", "2"])
        rows.append(("local workers (2 processes)", seconds, n, 0.0))
        for label, nodes, cpus in (("ray, 1 node of 2 CPUs", 1, 2), ("ray, 2 nodes of 1 CPU", 2, 1)):
            started = time.perf_counter()
            with local_cluster(nodes=nodes, cpus=cpus) as (address, env):
                up = time.perf_counter() - started
                seconds, n = _run(base / label.replace(" ", "-").replace(",", ""), lib, caps, env, ["--ray", address])
            rows.append((label, seconds, n, up))
    local_per_photo = rows[0][1] / max(1, rows[0][2])
    print(f"{args.photos} photos, capabilities {', '.join(caps)}")
    print(f"{'run':32} {'seconds':>8} {'photos/s':>9} {'x local':>8} {'overhead s/photo':>17} {'cluster start s':>16}")
    for label, seconds, n, up in rows:
        per_photo = seconds / max(1, n)
        print(
            f"{label:32} {seconds:8.1f} {n / seconds:9.2f} {seconds / rows[0][1]:8.2f}"
            f" {per_photo - local_per_photo:17.3f} {up:16.1f}"
        )


if __name__ == "__main__":
    main()
