"""Forgiving search at scale (issue 15): typo tolerance, sun-position scenes and "last christmas"
on a generated catalog of up to 200,000 photos, each beside the plain search it extends.

    python bench/search_forgiving.py [--count 200000] [--dir /tmp/camroll-search-forgiving]

The catalog is written straight into the tables (no files are read): a local time over 2008-2025,
GPS and a UTC offset on three photos in five, two tags each, and OCR text on one photo in five made
of words drawn from 60,000 made-up words (so the library's distinct words are many, as in a real
library of receipts, signs and screenshots). Measured in one run, medians of ``--rounds`` runs:

- collecting the words read from photos (what a misspelt word is compared with): time and the
  Python heap's peak (tracemalloc), against the cap ``SEARCH_TYPO_MAX_PHOTO_WORDS``;
- ``beahc`` (corrected) against ``beach`` (the same search without a typo);
- ``sunset`` (sun positions for every photo with GPS) against ``beach``;
- ``last christmas`` (falls back to an earlier year) against ``christmas 2025`` (the generated photos end in 2025, "today" is 10 January 2027).

The machine is shared and noisy: read the ratios, and the load average printed with them.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import time
import tracemalloc
from datetime import date
from pathlib import Path

from camroll.config import AppContext, Config
from camroll.search import typos
from camroll.search.engine import search
from camroll.search.query import words_of

TAGS = ["dog", "cat", "beach", "sea", "car", "food", "mountain", "building", "flower", "bird"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(rng.randint(2, 5)))


def generate(home: Path, count: int) -> None:
    ctx = AppContext(Config(home=home))
    ctx.db.query("SELECT 1")  # creates the catalog
    ctx.close()
    rng = random.Random(15)
    vocabulary = [_word(rng) for _ in range(60_000)]
    con = sqlite3.connect(home / "camroll.db")
    now = "2026-12-03T00:00:00+00:00"
    root = con.execute(
        "INSERT INTO roots (path, path_bytes, added_at) VALUES ('/b', ?, ?)", (os.urandom(8), now)
    ).lastrowid
    for start in range(0, count, 10_000):
        photos, files, tags, texts = [], [], [], []
        for i in range(start, min(count, start + 10_000)):
            pid = i + 1
            taken = f"{rng.randint(2008, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00"
            lat, lon, offset = (
                (rng.uniform(35, 60), rng.uniform(-10, 30), 60) if rng.random() < 0.6 else (None, None, None)
            )
            photos.append((pid, os.urandom(16).hex(), taken, lat, lon, offset, now))
            files.append((root, f"/b/{pid}.jpg".encode(), f"/b/{pid}.jpg", pid, now, now))
            tags += [(pid, t, round(rng.uniform(0.2, 1), 3)) for t in rng.sample(TAGS, 2)]
            if rng.random() < 0.2:
                texts.append((pid, " ".join(rng.choice(vocabulary) for _ in range(rng.randint(3, 12)))))
        con.executemany(
            "INSERT INTO photos (id, hash, format, kind, size, taken_local, gps_lat, gps_lon, offset_minutes,"
            " metadata_version, created_at) VALUES (?, ?, 'jpeg', 'photo', 1, ?, ?, ?, ?, 1, ?)",
            photos,
        )
        con.executemany(
            "INSERT INTO files (root_id, path_bytes, path, size, mtime_ns, photo_id, state, first_seen, scanned_at)"
            " VALUES (?, ?, ?, 1, 0, ?, 'ok', ?, ?)",
            files,
        )
        con.executemany("INSERT INTO tags (photo_id, tag, score, evidence, model) VALUES (?, ?, ?, '', 'b')", tags)
        con.executemany("INSERT INTO texts (photo_id, text, lines, flags, model) VALUES (?, ?, '[]', '[]', 'b')", texts)
        con.commit()
    con.close()


def timed(ctx: AppContext, query: str, rounds: int) -> tuple[float, int]:
    times, total = [], 0
    for _ in range(rounds):
        started = time.perf_counter()
        total = search(ctx, query, limit=50, today=date(2027, 1, 10)).total
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/camroll-search-forgiving"))
    args = parser.parse_args()
    home = args.dir / f"home-{args.count}"
    if not (home / "camroll.db").exists():
        started = time.perf_counter()
        home.mkdir(parents=True, exist_ok=True)
        generate(home, args.count)
        print(f"generated {args.count:,} photos in {time.perf_counter() - started:.0f} s")
    ctx = AppContext(Config(home=home))
    print(f"load average {os.getloadavg()[0]:.1f} (2-core machine shared with other work)")
    tracemalloc.start()
    started = time.perf_counter()
    words = typos.photo_words(ctx.db, words_of)
    took = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"words read from photos: {len(words):,} distinct, {took * 1000:.0f} ms, Python heap peak {peak / 1e6:.1f} MB"
    )
    for query, peer in (("beahc", "beach"), ("sunset", "beach"), ("last christmas", "christmas 2025")):
        ms, total = timed(ctx, query, args.rounds)
        peer_ms, peer_total = timed(ctx, peer, args.rounds)
        print(
            f"{query!r}: {ms:.0f} ms ({total:,} photos) | {peer!r}: {peer_ms:.0f} ms ({peer_total:,})"
            f" | ratio {ms / peer_ms:.1f}x"
        )
    ctx.close()


if __name__ == "__main__":
    main()
