"""The home estimate at library scale (issue 15): 200,000 synthetic located photos (a home, a
workplace, 40 trips of 4 days, scattered outings) folded into the estimate's grid, against the
floor of merely reading the same rows, side by side. Run: .venv/bin/python -m bench.home_estimate"""

from __future__ import annotations

import random
import time
import tracemalloc
from datetime import datetime, timedelta

from camroll.moments.home_estimate import Grid, estimate_home, estimate_work

N = 200_000


def rows(seed: int = 1) -> list[tuple[float, float, datetime]]:
    rng = random.Random(seed)
    start = datetime(2015, 1, 1, 8)
    out = []
    for i in range(N):
        when = start + timedelta(minutes=i * 26 + rng.randrange(60))  # ten years
        r = rng.random()
        if r < 0.45:
            lat, lon = 38.7139, -9.1334  # home
        elif r < 0.6:
            lat, lon = 38.7360, -9.1450  # work, 2.6 km
        elif r < 0.8:
            k = (when - start).days // 90  # a trip every three months
            lat, lon = 40 + k % 13, -3 + k % 7
        else:
            lat, lon = 38.5 + rng.random(), -9.5 + rng.random()  # outings within 100 km
        out.append((lat + rng.gauss(0, 0.0003), lon + rng.gauss(0, 0.0003), when))
    return out


def main() -> None:
    data = rows()
    t = time.perf_counter()
    floor = sum(lat + lon + w.hour for lat, lon, w in data)
    t_floor = time.perf_counter() - t
    tracemalloc.start()
    t = time.perf_counter()
    grid = Grid()
    for lat, lon, when in data:
        grid.add(lat, lon, when, "Lisbon", "Portugal")
    t_add = time.perf_counter() - t
    t = time.perf_counter()
    home = estimate_home(grid)
    work = estimate_work(grid, home.evidence.lat if home else None, home.evidence.lon if home else None)
    t_est = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{N} photos, {len(grid.cells)} grid cells (floor checksum {floor:.0f})")
    print(f"floor (read the rows)  {t_floor:6.2f} s")
    print(f"fold into the grid     {t_add:6.2f} s  ({t_add / t_floor:.1f}x the floor)")
    print(f"estimate home + work   {t_est:6.2f} s  ({t_est / t_floor:.1f}x the floor)")
    print(f"peak memory while estimating {peak / 2**20:.0f} MiB (the rows themselves are not counted)")
    print(f"home: {home.confidence if home else None} - {home.reason if home else ''}")
    print(f"work: {work.confidence if work else None} - {work.reason if work else ''}")


if __name__ == "__main__":
    main()
