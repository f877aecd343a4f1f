"""Vision speed, side by side on the same photos: camroll against a peer and a physical floor.

    .venv/bin/python -m bench.vision [--photos DIR] [--workers 2] [--quick]

On the face photos of tests/data/photos (single-person and group photos), in one run:

* **floor**: decoding every photo at analysis size (camroll's own decoder), nothing else;
* **peer**: the ``face_recognition`` library's default pipeline (HOG detector + dlib 128-d print)
  on the same photos, in the same number of processes, then its prints clustered as its docs
  suggest (DBSCAN, eps 0.5) for precision and recall;
* **camroll, one capability at a time**: ``camroll analyze`` with only that capability (and
  what it depends on) granted, each in a fresh library: faces + people, expressions, tags,
  text, sensitive, duplicates, quality;
* **camroll everything**: ``camroll analyze`` with every capability granted;
* **OCR alone**: camroll's text analyser in a plain pool, with and without its survey
  (``TEXT_SURVEY_SIDE``), side by side, for the survey's gain;
* **full-resolution OCR**: camroll's OCR with its detector at the whole analysis size
  (``ANALYSIS_MAX_SIDE``, not ``TEXT_DET_MAX_SIDE``) and no survey, for text recall: the test photos have no
  text labels, so a photo "has text" when either it or the everything run reads a line there,
  and each one's recall is the share of those photos it read text in.

It prints one table (photos/s, times the floor's time, peak memory: every camroll process
together, proportional set size sampled from /proc), the goals (faces + people >= 3x the peer;
everything within 10x of the floor, under 1.5 GB), clustering precision/recall of both, and
worker time per photo and capability. ``--quick`` takes every third photo and skips the peer;
``--threads`` adds every capability in one process whose models use every core as threads.
The machine is noisy: compare ratios, not seconds. Run it as a module from the repository root.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from bench.accuracy import PHOTOS, pairwise, people_by_photo
from camroll import capabilities, thresholds
from camroll.analysis import pipeline
from camroll.analysis.decode import DecodeError, decode
from camroll.analysis.text import TextAnalyser
from camroll.config import AppContext, Config
from camroll.store import analysis_results, photos

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


@dataclass
class Run:
    """One timed ``camroll analyze``."""

    seconds: float
    peak: int
    """Peak memory, bytes: PSS of the CLI and its workers together."""
    worker: dict[str, float]
    """Worker seconds per capability ("decode" included), model loading included."""


def camroll_analyze(home: Path, folder: Path, caps: list[str], workers: int) -> Run:
    """Scan (untimed), grant ``caps``, then time ``camroll analyze``."""
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
    return Run(seconds, memory.stop(), json.loads(out)["cpu_seconds"])


def with_dependencies(cap_id: str) -> list[str]:
    """A capability and every capability it depends on (people for faces: the README's row)."""
    caps = [*reversed(pipeline._all_dependencies(capabilities.get(cap_id))), cap_id]
    return ["faces", "people"] if cap_id == "faces" else list(dict.fromkeys(caps))


def texts_found(home: Path) -> set[str]:
    """Paths (resolved) of the photos in which a camroll library read some text."""
    ctx = AppContext(Config(home=home))
    try:
        path_of = {int(row["id"]): paths[0] for row, paths in photos.analysable(ctx.db)}
        return {str(Path(path_of[i]).resolve()) for i, _ in analysis_results.texts_read(ctx.db) if i in path_of}
    finally:
        ctx.close()


def _ocr_init(side: int, surveys: bool) -> None:
    global _OCR
    _OCR = TextAnalyser(threads=1)
    _OCR.surveys = surveys
    _OCR.ensure_loaded()
    _OCR._engine._load_det_model().limit_side_len = side  # type: ignore[no-untyped-call]


_OCR: TextAnalyser | None = None  # one per OCR worker process


def _ocr_one(path: Path) -> tuple[str, bool]:
    assert _OCR is not None
    try:
        photo = decode(0, "", str(path), 1, None)
    except DecodeError:
        return str(path.resolve()), False
    return str(path.resolve()), bool(_OCR.analyse(photo, {}).lines)


def ocr_pool(files: list[Path], workers: int, side: int, surveys: bool) -> tuple[float, set[str]]:
    """Time camroll's OCR alone over ``files`` in a pool (model loading included), its detector at
    ``side``, with or without the survey; the photos where it reads at least one line."""
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers, initializer=_ocr_init, initargs=(side, surveys)) as pool:
        found = pool.map(_ocr_one, files, chunksize=1)
    return time.perf_counter() - start, {p for p, has in found if has}


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


def subset(files: list[Path], folder: Path, into: Path) -> list[Path]:
    """Every third photo, copied into ``into`` under the same relative paths (for ``--quick``)."""
    out = []
    for path in files[::3]:
        target = into / path.relative_to(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        out.append(target)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=Path, default=PHOTOS / "faces")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="every third photo, and no peer")
    parser.add_argument(
        "--threads",
        action="store_true",
        help="also every capability in one worker process whose models get all the cores as threads",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder, files = args.photos.resolve(), photo_files(args.photos.resolve())
        origin = {str(p): str(p) for p in files}
        if args.quick:
            copies = subset(files, folder, Path(tmp) / "photos")
            origin = {str(c.resolve()): str(p) for c, p in zip(copies, files[::3], strict=True)}
            folder, files = Path(tmp) / "photos", copies
        peer = not args.quick and importlib.util.find_spec("face_recognition") is not None
        if not args.quick and not peer:
            print("the peer is skipped: face_recognition is not installed in this environment")
        measure(folder, files, origin, args.workers, Path(tmp), peer=peer, threads=args.threads)


def measure(
    folder: Path, files: list[Path], origin: dict[str, str], workers: int, tmp: Path, peer: bool, threads: bool
) -> None:
    n = len(files)
    for p in files:  # warm the page cache for everyone
        p.read_bytes()
    print(
        f"{n} photos in {folder}; {workers} processes each; {os.cpu_count()} cores;"
        f" load average {os.getloadavg()[0]:.2f}"
    )
    floor_s, _ = timed_pool(_decode_one, files, workers)
    labels = {p: label for p, label in truth().items() if p in set(origin.values())}
    rows: list[tuple[str, float, int | None]] = [("decode only (floor)", floor_s, None)]
    if peer:
        peer_s, peer_results = timed_pool(_peer_one, files, workers)
        peer_p, peer_r = pairwise(labels, {origin[p]: c for p, c in peer_clusters(peer_results).items()})
        rows.append(("face_recognition: HOG + dlib print (peer)", peer_s, None))
    runs: dict[str, Run] = {}
    for cap in pipeline.per_photo_capabilities():
        caps = with_dependencies(cap.id)
        runs[" + ".join(caps)] = camroll_analyze(tmp / cap.id, folder, caps, workers)
        rows.append((f"camroll {' + '.join(caps)}", runs[" + ".join(caps)].seconds, runs[" + ".join(caps)].peak))
    ctx = AppContext(Config(home=tmp / "faces"))
    ours_p, ours_r = pairwise(labels, {origin[p]: c for p, c in people_by_photo(ctx).items() if p in origin})
    ctx.close()
    every = [c.id for c in capabilities.REGISTRY if not c.granted_by_scan]
    everything = camroll_analyze(tmp / "all", folder, every, workers)
    rows.append(("camroll, every capability", everything.seconds, everything.peak))
    if threads:  # onnxruntime's intra-op threads instead of processes: one worker, cpu_count threads
        one = camroll_analyze(tmp / "threads", folder, every, 1)
        rows.append((f"camroll, every capability, 1 process x {os.cpu_count()} threads", one.seconds, one.peak))
    side = thresholds.TEXT_DET_MAX_SIDE
    for surveys in (True, False):  # the survey's gain, side by side: OCR alone, the same pool
        survey_s, _ = ocr_pool(files, workers, side, surveys)
        rows.append((f"OCR alone, {side} px detector, {'with' if surveys else 'no'} survey", survey_s, None))
    # the reference: every photo read with the detector at the whole analysis size
    ocr_s, with_text = ocr_pool(files, workers, thresholds.ANALYSIS_MAX_SIDE, surveys=False)
    rows.append(
        (f"full-resolution OCR ({thresholds.ANALYSIS_MAX_SIDE} px detector, no survey; reference)", ocr_s, None)
    )

    print("\n| what | seconds | photos/s | x floor's time | peak memory |\n|---|---:|---:|---:|---:|")
    for name, seconds, memory in rows:
        mem = f"{memory / 2**20:,.0f} MB" if memory else ""
        print(f"| {name} | {seconds:.1f} | {n / seconds:.1f} | {seconds / floor_s:.1f}x | {mem} |")
    if peer:
        faces_s = runs["faces + people"].seconds
        print(f"\ncamroll faces + people vs peer: {peer_s / faces_s:.1f}x faster (goal >= 3x)")
    print(
        f"camroll every capability: {everything.seconds / floor_s:.1f}x the floor's time (goal <= 10x),"
        f" peak memory {everything.peak / 2**20:,.0f} MB (goal < 1,536 MB)"
    )
    found = texts_found(tmp / "all")
    either = found | with_text  # no labels for text: a photo has text when either reads a line there
    print(
        f"text recall (photos with text found / the {len(either)} photos where camroll or the full-resolution"
        f" OCR read a line): camroll {len(found)}/{len(either)} = {len(found) / max(1, len(either)):.3f},"
        f" full-resolution OCR {len(with_text)}/{len(either)} = {len(with_text) / max(1, len(either)):.3f}"
    )
    for name, missed in (("camroll", either - found), ("full-resolution OCR", either - with_text)):
        if missed:
            print(f"  {name} read nothing in: {', '.join(sorted(Path(origin.get(p, p)).name for p in missed))}")
    print(
        f"clustering precision / recall on the labelled photos: camroll {ours_p:.3f} / {ours_r:.3f}"
        + (f", peer (DBSCAN eps 0.5) {peer_p:.3f} / {peer_r:.3f}" if peer else "")
    )
    print("\nworker time per photo, model loading included (every capability together):")
    print(
        "  "
        + ", ".join(f"{k} {1000 * v / n:.0f} ms" for k, v in sorted(everything.worker.items(), key=lambda kv: -kv[1]))
    )


if __name__ == "__main__":
    main()
