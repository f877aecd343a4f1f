"""Vision speed, side by side on the same photos: camroll against a peer and a physical floor.

    .venv/bin/python -m bench.vision [--photos DIR] [--workers 2]

On the face photos of tests/data/photos (single-person and group photos), in one run:

* **floor**: decoding every photo at analysis size (camroll's own decoder), nothing else;
* **peer**: the ``face_recognition`` library's default pipeline (HOG detector + dlib 128-d print)
  on the same photos, in the same number of processes, then its prints clustered as its docs
  suggest (DBSCAN, eps 0.5) for precision and recall;
* **camroll faces + people**: ``camroll analyze`` with only those two granted;
* **camroll everything**: ``camroll analyze`` with every capability granted.

It prints photos/s, the ratios (goals: faces + people >= 3x the peer; everything within 10x of
the floor), clustering precision/recall of both, and the peak memory (all camroll processes
together, proportional set size sampled from /proc). The machine is noisy: compare ratios,
not seconds. Run it as a module from the repository root: ``python -m bench.vision``.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from bench.accuracy import PHOTOS, pairwise, people_by_photo
from camroll import capabilities
from camroll.analysis.decode import decode
from camroll.config import AppContext, Config

CLI = [sys.executable, "-m", "camroll.cli"]


def photo_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))


def _decode_one(path: Path) -> int:
    return int(decode(0, "", str(path), 1, None).pixels.size)


def _peer_one(path: Path) -> tuple[str, list[list[float]], list[int]]:
    import face_recognition

    image = face_recognition.load_image_file(str(path))
    boxes = face_recognition.face_locations(image)  # default: HOG, upsample once
    prints = face_recognition.face_encodings(image, boxes)
    areas = [(b - t) * (r - left) for t, r, b, left in boxes]
    return str(path), [list(map(float, p)) for p in prints], areas


def timed_pool(fn: Any, items: list[Path], workers: int) -> tuple[float, list[Any]]:
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        results = pool.map(fn, items, chunksize=1)
    return time.perf_counter() - start, results


class PeakMemory:
    """Samples the memory of a process and its children from /proc: the sum of their
    proportional set sizes (PSS), so libraries mapped by every worker count once, not per worker."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        pids, frontier = [self.pid], [self.pid]
        while frontier:
            pid = frontier.pop()
            try:
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:
                continue
            pids += [int(c) for c in children]
            frontier += [int(c) for c in children]
        return pids

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            for pid in self._tree():
                try:  # PSS: a page shared by several processes (libraries) is split between them
                    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                        if line.startswith("Pss:"):
                            total += int(line.split()[1]) * 1024
                except OSError:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(0.05)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def camroll_analyze(home: Path, folder: Path, caps: list[str], workers: int) -> tuple[float, int]:
    """Scan (untimed), grant ``caps``, then time ``camroll analyze``; return (seconds, peak bytes)."""
    env = {**os.environ, "CAMROLL_HOME": str(home)}
    subprocess.run([*CLI, "scan", "-q", str(folder)], env=env, check=True, capture_output=True)
    subprocess.run([*CLI, "consent", "grant", *caps], env=env, check=True, capture_output=True)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [*CLI, "analyze", "-q", "--json", "--workers", str(workers)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    memory = PeakMemory(proc.pid)
    out, _ = proc.communicate()
    seconds = time.perf_counter() - start
    per_cap = json.loads(out)["cpu_seconds"]
    print(
        f"  {'+'.join(caps) if len(caps) < 4 else 'every capability'}: worker time per photo, model loading included: "
        + ", ".join(
            f"{k} {1000 * v / max(1, len(photo_files(folder))):.0f} ms"
            for k, v in sorted(per_cap.items(), key=lambda kv: -kv[1])
        )
    )
    return seconds, memory.stop()


def peer_clusters(results: list[tuple[str, list[list[float]], list[int]]]) -> dict[str, int]:
    """The peer's largest face per photo, clustered with DBSCAN eps 0.5 (min_samples 1 is single
    linkage cut at 0.5), as face_recognition's documentation suggests."""
    paths, vectors = [], []
    for path, prints, areas in results:
        if prints:
            paths.append(str(Path(path).resolve()))
            vectors.append(prints[int(np.argmax(areas))])
    if len(vectors) < 2:
        return {p: 0 for p in paths}
    labels = fcluster(linkage(np.array(vectors), method="single"), t=0.5, criterion="distance")
    return dict(zip(paths, (int(x) for x in labels), strict=True))


def truth() -> dict[str, str]:
    with open(PHOTOS / "MANIFEST.tsv", encoding="utf-8", newline="") as f:
        return {
            str(PHOTOS / r["relative_path"]): r["identity"]
            for r in csv.DictReader(f, delimiter="\t")
            if r["relative_path"].startswith("faces/") and r["identity"]
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=Path, default=PHOTOS / "faces")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    files = photo_files(args.photos)
    n = len(files)
    for p in files:  # warm the page cache for everyone
        p.read_bytes()
    print(
        f"{n} photos in {args.photos}; {args.workers} processes each; {os.cpu_count()} cores;"
        f" load average {os.getloadavg()[0]:.2f}"
    )

    floor_s, _ = timed_pool(_decode_one, files, args.workers)
    peer_s, peer_results = timed_pool(_peer_one, files, args.workers)
    labels = {p: label for p, label in truth().items() if Path(p) in set(files)}
    peer_p, peer_r = pairwise(labels, peer_clusters(peer_results))
    with tempfile.TemporaryDirectory() as tmp:
        faces_s, faces_mem = camroll_analyze(Path(tmp) / "faces", args.photos, ["faces", "people"], args.workers)
        ctx = AppContext(Config(home=Path(tmp) / "faces"))
        ours_p, ours_r = pairwise(labels, people_by_photo(ctx))
        ctx.close()
        every = [c.id for c in capabilities.REGISTRY if not c.granted_by_scan]
        all_s, all_mem = camroll_analyze(Path(tmp) / "all", args.photos, every, args.workers)

    rows = [
        ("decode only (floor)", floor_s, None),
        ("face_recognition: HOG + dlib print (peer)", peer_s, None),
        ("camroll faces + people", faces_s, faces_mem),
        ("camroll, every capability", all_s, all_mem),
    ]
    print("\n| what | seconds | photos/s | peak memory |\n|---|---:|---:|---:|")
    for name, seconds, memory in rows:
        print(f"| {name} | {seconds:.1f} | {n / seconds:.1f} | {f'{memory / 2**20:.0f} MB' if memory else ''} |")
    print(f"\ncamroll faces + people vs peer: {peer_s / faces_s:.1f}x faster (goal >= 3x)")
    print(f"camroll every capability vs decode floor: {all_s / floor_s:.1f}x the floor's time (goal <= 10x)")
    print(
        f"clustering precision / recall on the labelled photos: camroll {ours_p:.3f} / {ours_r:.3f},"
        f" peer (DBSCAN eps 0.5) {peer_p:.3f} / {peer_r:.3f}"
    )


if __name__ == "__main__":
    main()
