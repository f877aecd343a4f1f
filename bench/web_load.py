"""Load test of the web app on loopback: several clients browsing a library of 10,000 photos.

Bounded: a fixed number of requests per client, so it ends on its own. The library is made in
the catalog directly (rows, not files: the timeline and search pages read the catalog only; a
thumbnail is one cached file read, not measured here), with dates over ten years, places and
tags, so the timeline has ~120 months and search has something to rank. The server is
``camroll serve`` in its own process, as a person would run it; the clients are threads with one
HTTP connection each.

    python bench/web_load.py [--photos 10000] [--clients 8] [--requests 40]

Prints requests/s and latency percentiles for a timeline page and for a search; the goals are a
p95 under 100 ms for a timeline page and under 300 ms for a search.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from camroll.config import AppContext, Config
from camroll.privacy import consent
from camroll.store.db import now_iso

TAGS = ("beach", "dog", "cake", "car", "food", "mountain", "document", "cat", "flower", "bicycle")
PLACES = (
    ("Lisbon", "Lisbon", "Portugal", 38.72, -9.14),
    ("Berlin", "Berlin", "Germany", 52.52, 13.40),
    ("Kyoto", "Kyoto", "Japan", 35.01, 135.77),
    ("Reykjavik", "Capital Region", "Iceland", 64.15, -21.94),
)
SEARCHES = ("beach", "dog in Lisbon", "Berlin 2019", "cake", "mountain last summer", "cat", "Kyoto 2021", "food")


def make_library(home: Path, n: int, seed: int = 7) -> None:
    """``n`` catalogued photos with dates, GPS, places and tags, inserted in one transaction."""
    rng = random.Random(seed)
    ctx = AppContext(Config(home=home))
    root = str(home / "photos")
    now = now_iso()
    with ctx.db.transaction() as conn:
        root_id = conn.execute(
            "INSERT INTO roots (path, path_bytes, added_at) VALUES (?, ?, ?)", (root, root.encode(), now)
        ).lastrowid
        for i in range(n):
            day = 1_420_070_400 + rng.randrange(10 * 365 * 86400)
            taken = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(day))
            place = PLACES[i % len(PLACES)] if rng.random() < 0.4 else None
            pid = conn.execute(
                "INSERT INTO photos (hash, format, kind, size, width, height, taken_local, taken_at_source, gps_lat,"
                " gps_lon, make, model, metadata_version, created_at) VALUES (?, 'jpeg', 'photo', ?, 4032, 3024, ?,"
                " 'exif:DateTimeOriginal', ?, ?, 'Apple', 'iPhone 12', 1, ?)",
                (
                    f"{i:064x}",
                    2_000_000 + i,
                    taken,
                    place[3] + rng.uniform(-0.05, 0.05) if place else None,
                    place[4] + rng.uniform(-0.05, 0.05) if place else None,
                    now,
                ),
            ).lastrowid
            path = f"{root}/{taken[:4]}/IMG_{i:05d}.jpg"
            conn.execute(
                "INSERT INTO files (root_id, path_bytes, path, size, mtime_ns, photo_id, state, first_seen,"
                " scanned_at) VALUES (?, ?, ?, ?, 0, ?, 'ok', ?, ?)",
                (root_id, path.encode(), path, 2_000_000 + i, pid, now, now),
            )
            if place:
                conn.execute(
                    "INSERT INTO photo_places (photo_id, city, region, country, source, updated_at)"
                    " VALUES (?, ?, ?, ?, 'auto:bench', ?)",
                    (pid, place[0], place[1], place[2], now),
                )
            for tag in rng.sample(TAGS, 2):
                conn.execute(
                    "INSERT INTO tags (photo_id, tag, score, evidence, model) VALUES (?, ?, ?, ?, 'bench')",
                    (pid, tag, round(rng.uniform(0.3, 0.95), 3), tag),
                )
    for cap in ("metadata", "places", "tags"):
        consent.grant(ctx, cap, consent.EVERYTHING, note="bench")
    ctx.close()


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _client(base: str, urls: list[str], out: list[tuple[str, float, int]], lock: threading.Lock) -> None:
    with httpx.Client(base_url=base, timeout=60) as client:
        for url in urls:
            kind = "search" if url.startswith("/search") else "timeline"
            t0 = time.perf_counter()
            r = client.get(url)
            elapsed = time.perf_counter() - t0
            with lock:
                out.append((kind, elapsed, r.status_code))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--photos", type=int, default=10_000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=40, help="requests per client (3 timeline pages : 1 search)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        t0 = time.perf_counter()
        make_library(home, args.photos)
        made = time.perf_counter() - t0
        port = _port()
        server = subprocess.Popen(
            [sys.executable, "-m", "camroll.cli", "serve", "--home", str(home), "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**os.environ},
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(base + "/consent", timeout=2)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("the server did not start") from None
                    time.sleep(0.2)
            page = httpx.get(base + "/", timeout=30).text
            months = [m.split('"', 1)[0] for m in page.split('href="/?month=')[1:]]
            for q in SEARCHES:  # warm up: the text model loads on the first free word
                httpx.get(base + "/search", params={"q": q}, timeout=120)
            httpx.get(base + "/", timeout=10)
            plans = []
            for _ in range(args.clients):
                urls = []
                for i in range(args.requests):
                    if i % 4 == 3:
                        urls.append("/search?q=" + rng.choice(SEARCHES).replace(" ", "+"))
                    else:
                        urls.append("/" if i % 4 == 0 else f"/?month={rng.choice(months)}")
                plans.append(urls)
            results: list[tuple[str, float, int]] = []
            lock = threading.Lock()
            threads = [threading.Thread(target=_client, args=(base, urls, results, lock)) for urls in plans]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - start
        finally:
            server.terminate()
            server.wait(10)
    errors = [r for r in results if r[2] != 200]
    report: dict[str, object] = {
        "photos": args.photos,
        "clients": args.clients,
        "requests": len(results),
        "seconds": round(wall, 2),
        "requests_per_s": round(len(results) / wall, 1),
        "errors": len(errors),
        "library_made_s": round(made, 1),
        "cpus": os.cpu_count(),
    }
    for kind, goal in (("timeline", 100), ("search", 300)):
        ms = [r[1] * 1000 for r in results if r[0] == kind]
        report[kind] = {
            "requests": len(ms),
            "p50_ms": round(statistics.median(ms), 1),
            "p95_ms": round(percentile(ms, 95), 1),
            "max_ms": round(max(ms), 1),
            "goal_p95_ms": goal,
            "met": percentile(ms, 95) < goal,
        }
    if args.json:
        print(json.dumps(report, indent=1))
        return
    print(
        f"{args.clients} clients, {len(results)} requests in {wall:.1f} s: {len(results) / wall:.1f} requests/s, "
        f"{len(errors)} errors ({args.photos:,} photos; {os.cpu_count()} CPUs, server and clients on one machine)"
    )
    for kind in ("timeline", "search"):
        k = report[kind]
        assert isinstance(k, dict)
        print(
            f"  {kind:8s} p50 {k['p50_ms']:6.1f} ms  p95 {k['p95_ms']:6.1f} ms  max {k['max_ms']:6.1f} ms"
            f"  (goal p95 < {k['goal_p95_ms']} ms: {'met' if k['met'] else 'NOT met'})"
        )


if __name__ == "__main__":
    main()
