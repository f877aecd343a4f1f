"""The catalog on SQLite and on PostgreSQL, side by side (issue 16).

``python -m bench.catalog_engines [--copies N] [--repeat R]`` copies the sample gallery N times
into a scratch folder (a few bytes appended to each copy, so every copy is a photo of its own), then, for each engine in the same run: scans it (metadata only), lists
every photo (``photos --json``'s records), reads the timeline's first page and month index, and
runs a filter search, each R times (median). PostgreSQL is a throwaway local server
(``tests/pg_server.py``: Unix socket, ``fsync=off``, so its disk costs are not measured). It prints
seconds and the PostgreSQL/SQLite ratio per step: the cost of the round trips and of the
translation layer, which a real server across a network adds to.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _timed(step: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _steps(home: Path, folder: Path, url: str | None, repeat: int) -> dict[str, float]:
    from camroll.config import AppContext, Config
    from camroll.library.scan import scan
    from camroll.search.engine import search
    from camroll.store import catalog, photos

    config = Config(home=home, workers=2, database=url)
    out: dict[str, float] = {}
    ctx = AppContext(config)
    started = time.perf_counter()
    scan(ctx, [str(folder)])
    out["scan (metadata, new files)"] = time.perf_counter() - started
    out["scan again (nothing changed)"] = _timed(lambda: scan(ctx, [str(folder)]), repeat)
    out["every photo's record"] = _timed(lambda: sum(1 for _ in catalog.iter_photo_records(ctx)), repeat)
    out["timeline: first page + months"] = _timed(
        lambda: (photos.dated_page(ctx.db, None, 60), photos.month_counts(ctx.db)), repeat
    )
    out["search 'Canon'"] = _timed(lambda: search(ctx, "Canon", limit=50), repeat)
    ctx.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=10, help="copies of the sample gallery to scan")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each read step (median)")
    args = parser.parse_args()
    from tests.pg_server import PgServer

    scratch = Path(tempfile.mkdtemp(prefix="camroll-engines-"))
    server = PgServer()
    server.start()
    try:
        folder = scratch / "photos"
        for i in range(args.copies):
            shutil.copytree(REPO / "samples" / "gallery", folder / f"copy{i}")
            for path in (folder / f"copy{i}").rglob("*"):  # a different hash each: distinct photos
                if path.is_file():
                    with path.open("ab") as f:
                        f.write(f"camroll-bench-{i}".encode())
        files = sum(len(names) for _d, _s, names in os.walk(folder))
        lite = _steps(scratch / "sqlite-home", folder, None, args.repeat)
        pg = _steps(scratch / "pg-home", folder, server.new_database(), args.repeat)
    finally:
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"{files} files ({args.copies} copies of samples/gallery); median of {args.repeat} for reads")
    print(f"{'step':34} {'SQLite s':>9} {'PostgreSQL s':>13} {'ratio':>7}")
    for step, seconds in lite.items():
        print(f"{step:34} {seconds:9.3f} {pg[step]:13.3f} {pg[step] / seconds:6.2f}x")


if __name__ == "__main__":
    main()
