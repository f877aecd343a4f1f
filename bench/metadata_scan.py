"""How fast camroll catalogs a folder, next to exiftool and a bare Pillow reader, in one run.

Every tool reads the same corpus with a warm page cache (each file is read once first), so the
figures compare readers, not disks. Measured: ``exiftool -json -n -r`` (the correct, complete
reference); ``camroll scan --quiet`` as a subprocess with a fresh home, with the default workers
(one process per core) and with ``--workers 1``, process start included as for exiftool;
``camroll.library.scan.scan()`` in-process with one worker (the same work without the process
start); a bare Pillow peer, ``Image.open(p).getexif()`` plus the Exif and GPS IFDs in one
process: the floor a naive reader reaches, not a correct one (no XMP, no hash, no catalog);
and a no-change rescan on a larger corpus, as the CLI and as ``scan()`` in-process, with
``camroll version`` for the process start. A rescan must cost a small part of a first scan.

The corpus is every photo under ``tests/data/photos`` (not the .json/.tsv/.md files) copied
``--copies`` times as ``copyNN/<path>``: real, byte-identical copies under other names, so
camroll catalogs each photo once and the other copies as exact duplicates. Each timing is the
median of ``--runs`` runs (``time.perf_counter``; these machines are noisy). The report on
stdout is Markdown; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import pillow_heif
from PIL import Image

from camroll.config import AppContext, Config
from camroll.library.scan import scan

REPO = Path(__file__).resolve().parent.parent
PHOTOS = REPO / "tests" / "data" / "photos"
SKIP_SUFFIXES = {".json", ".tsv", ".md"}
CAMROLL = str(Path(sys.executable).with_name("camroll"))


@dataclass
class Row:
    label: str
    files: int
    times: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def rate(self) -> float:
        return self.files / self.median if self.files and self.median else 0.0


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def source_photos(photos: Path) -> list[Path]:
    return sorted(p for p in photos.rglob("*") if p.is_file() and p.suffix.lower() not in SKIP_SUFFIXES)


def add_copies(corpus: Path, photos: Path, sources: list[Path], start: int, stop: int) -> None:
    """Copies number ``start`` to ``stop - 1`` of every source, as ``copyNN/<relative path>``."""
    for i in range(start, stop):
        for src in sources:
            dst = corpus / f"copy{i:02d}" / src.relative_to(photos)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)  # a real copy with default permissions (the sources are read-only)


def warm_cache(corpus: Path) -> int:
    """Read every file once so that all tools find them in the page cache; returns bytes read."""
    total = 0
    for dirpath, _dirs, names in os.walk(corpus):
        for name in names:
            with open(os.path.join(dirpath, name), "rb") as f:
                while chunk := f.read(1 << 20):
                    total += len(chunk)
    return total


def run_cmd(argv: list[str]) -> float:
    """Wall time of a command, process start included; its output is discarded."""
    started = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{shlex.join(argv)} failed ({done.returncode}): {done.stderr.decode(errors='replace')[-2000:]}")
    return elapsed


def fresh_home(base: Path) -> Path:
    """A new, empty camroll home outside the corpus."""
    base.mkdir(exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="home-", dir=base))


def inprocess_scan(home: Path, paths: list[Path], workers: int | None = None) -> tuple[float, int]:
    """``scan()`` in this process: (its own seconds, files it had to read)."""
    ctx = AppContext(Config(home=home))
    try:
        summary = scan(ctx, [str(p) for p in paths], workers=workers)
    finally:
        ctx.close()
    return summary.seconds, summary.read


def pillow_peer(corpus: Path) -> float:
    """The bare Pillow EXIF read over every file, walk included; failures are skipped."""
    started = time.perf_counter()
    for dirpath, _dirs, names in os.walk(corpus):
        for name in names:
            try:
                with Image.open(os.path.join(dirpath, name)) as im:
                    exif = im.getexif()
                    exif.get_ifd(0x8769)
                    exif.get_ifd(0x8825)
            except Exception:  # broken files: a naive reader just moves on
                pass
    return time.perf_counter() - started


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "?",
    )
    exiftool = subprocess.run(["exiftool", "-ver"], capture_output=True, text=True, check=False).stdout.strip()
    git = subprocess.run(
        ["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return (
        f"{len(os.sched_getaffinity(0))} cores (nproc), {model}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; exiftool {exiftool}; Pillow {version('pillow')}, "
        f"pillow-heif {version('pillow-heif')}; camroll {version('camroll')} at {git or '?'}; "
        f"{datetime.datetime.now().astimezone().isoformat(timespec='seconds')}"
    )


def table(rows: list[Row]) -> str:
    out = ["| What | Files | Median s | Files/s | Runs (s) |", "|---|---:|---:|---:|---|"]
    for r in rows:
        rate = f"{r.rate:,.0f}" if r.files else "–"
        runs = ", ".join(f"{t:.3f}" for t in r.times)
        out.append(f"| {r.label} | {r.files or '–'} | {r.median:.3f} | {rate} | {runs} |")
    return "\n".join(out)


def measure(corpus: Path, n: int, homes: Path, runs: int) -> list[Row]:
    """The side-by-side rows on the main corpus; camroll always starts from a fresh home."""
    scan_cli = [CAMROLL, "scan", str(corpus), "--quiet", "--home"]
    exiftool = ["exiftool", "-json", "-n", "-r", str(corpus)]
    cases: list[tuple[str, int, Callable[[], float]]] = [
        ("`exiftool -json -n -r`", n, lambda: run_cmd(exiftool)),
        (f"`camroll scan` ({os.cpu_count()} workers, CLI)", n, lambda: run_cmd([*scan_cli, str(fresh_home(homes))])),
        ("`camroll scan --workers 1` (CLI)", n, lambda: run_cmd([*scan_cli, str(fresh_home(homes)), "--workers", "1"])),
        ("camroll `scan()` in-process, 1 worker", n, lambda: inprocess_scan(fresh_home(homes), [corpus], 1)[0]),
        ("bare Pillow `getexif()` + Exif/GPS IFDs, in-process", n, lambda: pillow_peer(corpus)),
        ("process start: `camroll version`", 0, lambda: run_cmd([CAMROLL, "version"])),
    ]
    rows = []
    for label, files, fn in cases:
        log(label)
        rows.append(Row(label, files, [fn() for _ in range(runs)]))
    return rows


def measure_rescan(corpus: Path, n: int, homes: Path, runs: int) -> list[Row]:
    """A first scan, then the same scan again with nothing changed: as the CLI, then in-process."""
    log(f"first scan and rescan of {n} files")
    scan_cli = [CAMROLL, "scan", str(corpus), "--quiet", "--home"]
    times: list[list[float]] = [[], [], [], []]
    for _ in range(runs):
        home = str(fresh_home(homes))
        times[0].append(run_cmd([*scan_cli, home]))
        times[1].append(run_cmd([*scan_cli, home]))
        home = str(fresh_home(homes))
        times[2].append(inprocess_scan(Path(home), [corpus])[0])
        seconds, read = inprocess_scan(Path(home), [corpus])
        if read:
            log(f"warning: the in-process rescan read {read} files again")
        times[3].append(seconds)
    labels = [
        "first `camroll scan` (CLI)",
        "no-change rescan (CLI)",
        "first scan, `scan()` in-process",
        "no-change rescan, `scan()` in-process",
    ]
    return [Row(label, n, t) for label, t in zip(labels, times, strict=True)]


def ratios(rows: list[Row], rescan: list[Row]) -> str:
    exiftool, cli, one, inproc, bare, start = rows
    first, again, first_inproc, again_inproc = rescan
    lines = [
        ("camroll scan (CLI, default workers) / exiftool", f"{cli.rate / exiftool.rate:.1f}x", ">= 10x"),
        ("camroll scan --workers 1 (CLI) / exiftool", f"{one.rate / exiftool.rate:.1f}x", ""),
        ("camroll scan (CLI, default workers) / bare Pillow", f"{cli.rate / bare.rate:.2f}x", ""),
        ("camroll scan() in-process, 1 worker / bare Pillow", f"{inproc.rate / bare.rate:.2f}x", ""),
        ("no-change rescan / first scan (CLI)", f"{100 * again.median / first.median:.1f} %", "< 2 %"),
        (
            "no-change rescan / first scan (scan() in-process)",
            f"{100 * again_inproc.median / first_inproc.median:.1f} %",
            "< 2 %",
        ),
        ("process start / CLI rescan", f"{100 * start.median / again.median:.0f} %", ""),
    ]
    return "\n".join(["| Ratio | Value | Goal |", "|---|---:|---|", *(f"| {a} | {b} | {c} |" for a, b, c in lines)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--copies", type=int, default=10, help="copies of the photo set in the main corpus")
    ap.add_argument("--rescan-files", type=int, default=10_000, help="files in the rescan corpus (more copies)")
    ap.add_argument("--runs", type=int, default=3, help="runs per timing; the median is reported")
    ap.add_argument("--photos", type=Path, default=PHOTOS, help="the photo set to copy")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (corpus and homes)")
    args = ap.parse_args()
    sources = source_photos(args.photos)
    if not sources or shutil.which("exiftool") is None:
        sys.exit(f"need photos in {args.photos} and exiftool on PATH")
    pillow_heif.register_heif_opener()
    load_before = os.getloadavg()[0]  # other work on the machine skews everything: say so
    tmp = Path(tempfile.mkdtemp(prefix="camroll-bench-"))
    corpus, homes = tmp / "corpus", tmp / "homes"
    try:
        log(f"copying {len(sources)} photos x {args.copies} into {corpus}")
        add_copies(corpus, args.photos, sources, 0, args.copies)
        n, size = len(sources) * args.copies, warm_cache(corpus)
        rows = measure(corpus, n, homes, args.runs)
        copies = max(args.copies, math.ceil(args.rescan_files / len(sources)))
        log(f"extending the corpus to {copies} copies")
        add_copies(corpus, args.photos, sources, args.copies, copies)
        warm_cache(corpus)
        rescan = measure_rescan(corpus, len(sources) * copies, homes, args.runs)
        print(f"```\n$ {shlex.join([sys.executable, *sys.argv])}\n```\n")
        print(f"Machine: {machine()}; 1-min load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after\n")
        print(
            f"Corpus: {len(sources)} photos x {args.copies} copies = {n} files ({size / 1e6:.0f} MB), page cache "
            f"warm; rescan corpus: {copies} copies = {len(sources) * copies} files. Median of {args.runs} runs.\n"
        )
        print(table(rows), table(rescan), ratios(rows, rescan), sep="\n\n")
    finally:
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
