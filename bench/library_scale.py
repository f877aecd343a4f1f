"""The catalog at scale: a generated library of up to 200,000 unique photos, measured end to end.

    python bench/library_scale.py [--count 200000] [--small 20000] [--dir /tmp/camroll-library-scale]
    python bench/library_scale.py --quick        # 20,000 photos, small part 2,000

**The library.** Real test photos under 20 kB from ``tests/data/photos`` (faces, expressions, a
few camera samples), each copy given its own EXIF with piexif: a capture date spread over 2008 to
2025, one of eight cameras, GPS near one of eight cities (three photos in four; the rest have
none), and unique bytes after the JPEG's end-of-image marker, so every file is a distinct photo
(its own SHA-256). Files lie in ``import-KK/YYYY/MM/IMG_NNNNNNN.jpg`` with ``--small`` files per
``import-KK`` folder, so ``import-00`` alone is the small library. The tree is kept and reused
(generation is resumable: a file already there is not written again), so reruns are cheap.

**Measured, side by side in one run** (each command in its own process, its peak RSS read
from /proc while it runs):

- the first ``camroll scan`` of the small part against ``exiftool -json -n -r`` on the same
  files (the peer: a complete reader of every tag, one process), then the first scan of all;
- a no-change rescan against the floor: walking the tree with ``os.scandir`` and ``stat`` on
  every file, in a process of its own (goal: rescan under 2 s at 200,000 files);
- the catalog's size per photo;
- ``camroll photos --json`` at both sizes: its peak memory must not grow with the library;
- ``camroll moments`` and ``camroll report`` time and memory at both sizes;
- ``camroll serve``: timeline page and search latency with 4 clients (goals p95 100 ms and
  300 ms), and the server's peak memory.

The machine is shared and noisy: read the ratios, and the load average printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
GENERATOR_VERSION = 1
"""Bump when the generated files change: a tree made by another version is made again."""

CAMERAS = (
    ("Apple", "iPhone 12"),
    ("Apple", "iPhone 8"),
    ("samsung", "SM-G991B"),
    ("Google", "Pixel 7"),
    ("Canon", "Canon EOS 6D"),
    ("NIKON CORPORATION", "NIKON D750"),
    ("FUJIFILM", "X-T3"),
    ("SONY", "ILCE-7M3"),
)
CITIES = (  # (name, lat, lon): GPS is spread up to ~2 degrees north-east of each
    ("Lisbon", 38.72, -9.14),
    ("Berlin", 52.52, 13.40),
    ("Kyoto", 35.01, 135.77),
    ("Reykjavik", 64.15, -21.94),
    ("New York", 40.71, -74.01),
    ("Sydney", -33.87, 151.21),
    ("Nairobi", -1.29, 36.82),
    ("Buenos Aires", -34.60, -58.38),
)
DATE_MARK = b"2000:01:01 00:00:00"
"""Written by piexif into each template, replaced per file (same length, so no offset moves)."""
GPS_MARKS = tuple(0x5AFE0000 + i for i in range(1, 7))
"""Numerators of the template's GPS rationals (lat d, m, s*100; lon d, m, s*100), patched per file."""
START, SPAN = 1_199_145_600, 18 * 365 * 86400  # 2008-01-01 UTC, 18 years


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def sources() -> list[Path]:
    """Small, readable test JPEGs (not the deliberately broken ones)."""
    photos = REPO / "tests" / "data" / "photos"
    return sorted(
        p
        for p in photos.rglob("*")
        if p.suffix.lower() in (".jpg", ".jpeg") and p.stat().st_size < 20_000 and "broken" not in p.parts
    )


def _templates() -> list[tuple[bytes, int]]:
    """(JPEG bytes with placeholder EXIF, city index or -1) for every source, camera and GPS
    choice; the date and the GPS numerators are patched per file."""
    import piexif

    out = []
    for n, src in enumerate(sources()):
        data = src.read_bytes()
        make, model = CAMERAS[n % len(CAMERAS)]
        for city in (-1, -1, -1, *range(len(CITIES))):  # about three photos in four have GPS
            exif: dict[str, dict[int, object]] = {
                "0th": {piexif.ImageIFD.Make: make.encode(), piexif.ImageIFD.Model: model.encode()},
                "Exif": {
                    piexif.ExifIFD.DateTimeOriginal: DATE_MARK,
                    piexif.ExifIFD.DateTimeDigitized: DATE_MARK,
                },
            }
            if city >= 0:
                lat, lon = CITIES[city][1], CITIES[city][2]
                m = GPS_MARKS
                exif["GPS"] = {
                    piexif.GPSIFD.GPSLatitudeRef: b"N" if lat >= 0 else b"S",
                    piexif.GPSIFD.GPSLatitude: ((m[0], 1), (m[1], 1), (m[2], 100)),
                    piexif.GPSIFD.GPSLongitudeRef: b"E" if lon >= 0 else b"W",
                    piexif.GPSIFD.GPSLongitude: ((m[3], 1), (m[4], 1), (m[5], 100)),
                }
            out_bytes = _insert_exif(data, piexif.dump(exif))
            out.append((out_bytes, city))
    return out


def _insert_exif(jpeg: bytes, exif: bytes) -> bytes:
    """The JPEG with its APP1 EXIF segment replaced by ``exif`` (piexif.insert, in memory)."""
    import io

    import piexif

    out = io.BytesIO()
    piexif.insert(exif, jpeg, out)
    return out.getvalue()


def _dms(value: float) -> tuple[int, int, int]:
    value = abs(value)
    d = int(value)
    m = int((value - d) * 60)
    s = round(((value - d) * 60 - m) * 6000)
    return d, m, min(s, 5999)


def photo(i: int, templates: list[tuple[bytes, int]]) -> tuple[str, bytes]:
    """The relative path and bytes of photo ``i`` (the same for the same ``i``, every run)."""
    rng = random.Random(i * 7919 + GENERATOR_VERSION)
    data, city = templates[rng.randrange(len(templates))]
    stamp = time.gmtime(START + rng.randrange(SPAN))
    when = time.strftime("%Y:%m:%d %H:%M:%S", stamp).encode()
    data = data.replace(DATE_MARK, when)
    if city >= 0:
        _name, lat, lon = CITIES[city]
        lat += rng.uniform(0, 2) * (1 if lat >= 0 else -1)
        lon += rng.uniform(0, 2) * (1 if lon >= 0 else -1)
        for mark, value in zip(GPS_MARKS, (*_dms(lat), *_dms(lon)), strict=True):
            data = data.replace(struct.pack(">I", mark), struct.pack(">I", value), 1)
    trailer = b"camroll-bench-%d-%d" % (GENERATOR_VERSION, i)  # after EOI: a unique hash per file
    return f"{time.strftime('%Y/%m', stamp)}/IMG_{i:07d}.jpg", data + trailer


def generate(root: Path, count: int, per_part: int) -> float:
    """Make (or finish making) ``count`` photos under ``root``; returns the seconds it took."""
    marker = root / f".generated-v{GENERATOR_VERSION}-{per_part}"
    done = int(marker.read_text()) if marker.is_file() else 0
    if done >= count:
        return 0.0
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    started = time.perf_counter()
    templates = _templates()
    made_dirs: set[Path] = set()
    with Progress(
        TextColumn("Generating photos"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        transient=True,
    ) as progress:
        task = progress.add_task("gen", total=count, completed=done, rate="")
        for i in range(done, count):
            rel, data = photo(i, templates)
            path = root / f"import-{i // per_part:02d}" / rel
            if path.parent not in made_dirs:
                path.parent.mkdir(parents=True, exist_ok=True)
                made_dirs.add(path.parent)
            if not path.exists():
                path.write_bytes(data)
            if i % 1000 == 999:
                elapsed = time.perf_counter() - started
                progress.update(task, completed=i + 1, rate=f"{(i + 1 - done) / elapsed:,.0f}/s")
                marker.write_text(str(i + 1 - (i + 1) % 1000))
    marker.write_text(str(count))
    return time.perf_counter() - started


# --- measuring ---------------------------------------------------------------------------------


@dataclass
class Run:
    """One command in its own process: wall seconds (process start included), peak RSS."""

    seconds: float
    rss_mb: float
    rc: int
    err: str = ""
    out: str = ""


def run(argv: list[str], keep_output: bool = False, timeout: float = 1800) -> Run:
    """Run ``argv``, with its peak RSS: the largest VmHWM read from /proc while it runs (that
    process only, not its children). ``wait4``'s ru_maxrss is not used: it keeps the high-water mark
    of the forked copy of this benchmark before exec, so every command measured at least this
    process's size (113 MB, for exiftool too)."""
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, cwd=REPO)
        deadline = started + timeout
        peak_kb = 0
        while True:
            peak_kb = max(peak_kb, _hwm_kb(proc.pid))
            pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, _ = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        out.seek(0)
        text = out.read().decode("utf-8", "replace") if keep_output else f"{out.seek(0, 2)} bytes"
        return Run(seconds, peak_kb / 1024, proc.returncode, err.read()[-1500:].decode("utf-8", "replace"), text)


def _hwm_kb(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM, kB; reset by exec), 0 when gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def camroll(*args: str) -> list[str]:
    return [sys.executable, "-m", "camroll.cli", *args]


def floor_walk(root: str) -> None:
    """The floor of a no-change rescan, in a process of its own: every folder listed, every file
    stat'ed, nothing compared or written. Prints files and seconds (this process's own time)."""
    started = time.perf_counter()
    n, stack = 0, [os.fsencode(root)]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir():
                    stack.append(entry.path)
                elif not entry.name.startswith(b"."):
                    entry.stat()
                    n += 1
    print(json.dumps({"files": n, "seconds": time.perf_counter() - started}))


def warm(root: Path) -> int:
    """Read every file once, so every reader finds the same warm page cache."""
    total = 0
    for path in root.rglob("*.jpg"):
        total += len(path.read_bytes())
    return total


def scan_json(run_: Run) -> dict[str, object]:
    try:
        out: dict[str, object] = json.loads(run_.out)
        return out
    except ValueError:
        raise SystemExit(f"camroll scan failed ({run_.rc}): {run_.err}") from None


def _wait_for(base: str, proc: subprocess.Popen[bytes]) -> None:
    import httpx

    deadline = time.monotonic() + 120
    while True:
        try:
            httpx.get(base + "/consent", timeout=5)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit("the server did not start") from None
            time.sleep(0.3)


SEARCHES = ("Canon", "2019", "iPhone 12", "March 2015", "SONY 2021", "Pixel 7", "NIKON D750 2010", "samsung")


def serve_load(home: Path, clients: int, requests: int) -> dict[str, object]:
    """``camroll serve`` on loopback with ``clients`` threads, each ``requests`` requests (three
    timeline pages to one search), reusing bench/web_load.py's client and percentile."""
    import httpx

    sys.path.insert(0, str(REPO))
    from bench.web_load import _client, _port, percentile

    port = _port()
    server = subprocess.Popen(
        camroll("serve", "--home", str(home), "--port", str(port)), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    rng = random.Random(5)
    try:
        _wait_for(base, server)
        page = httpx.get(base + "/", timeout=120).text
        months = [m.split('"', 1)[0] for m in page.split('href="/?month=')[1:]] or [""]
        for q in SEARCHES:  # warm up (models or indexes a first search loads)
            httpx.get(base + "/search", params={"q": q}, timeout=300)
        plans = [
            [
                ("/search?q=" + rng.choice(SEARCHES).replace(" ", "+"))
                if i % 4 == 3
                else ("/" if i % 4 == 0 else f"/?month={rng.choice(months)}")
                for i in range(requests)
            ]
            for _ in range(clients)
        ]
        results: list[tuple[str, float, int]] = []
        lock = threading.Lock()
        threads = [threading.Thread(target=_client, args=(base, urls, results, lock)) for urls in plans]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        status = Path(f"/proc/{server.pid}/status").read_text()
        hwm = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
    finally:
        server.terminate()
        server.wait(30)
    out: dict[str, object] = {
        "requests": len(results),
        "errors": sum(1 for r in results if r[2] != 200),
        "seconds": round(wall, 1),
        "server_rss_mb": round(hwm / 1024),
        "months": len(months),
    }
    for kind in ("timeline", "search"):
        ms = [r[1] * 1000 for r in results if r[0] == kind]
        out[kind] = {"p50_ms": round(percentile(ms, 50), 1), "p95_ms": round(percentile(ms, 95), 1), "n": len(ms)}
    return out


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def measure(args: argparse.Namespace) -> dict[str, Any]:
    base = Path(args.dir)
    root = base / "lib"
    small_root = root / "import-00"
    res: dict[str, Any] = {"count": args.count, "small": args.small, "load_before": os.getloadavg()}
    log(f"library: {args.count:,} photos under {root}")
    res["generate_s"] = round(generate(root, args.count, args.small), 1)
    log(f"warming the page cache: {warm(root) / 1e9:.1f} GB read")
    homes = {"small": base / "home-small", "all": base / "home-all"}
    trees = {"small": small_root, "all": root}
    if args.count == args.small:
        homes, trees = {"all": homes["all"]}, {"all": root}
    first: dict[str, object] = {}
    for size, home in homes.items():
        if args.reuse and (home / "camroll.db").is_file():
            continue
        subprocess.run(["rm", "-rf", str(home)], check=True)
        log(f"first scan of {size}")
        r = run(camroll("scan", str(trees[size]), "--home", str(home), "--no-analyze", "--quiet", "--json"), True)
        summary = scan_json(r)
        first[size] = {"files": summary["seen"], "wall_s": r.seconds, "scan_s": summary["seconds"], "rss_mb": r.rss_mb}
    res["first_scan"] = first
    if not args.no_peer:
        log("exiftool on the small part")
        peer_tree = trees.get("small", root)
        r = run(["exiftool", "-json", "-n", "-r", str(peer_tree)])
        res["exiftool"] = {"files": args.small, "wall_s": r.seconds, "rss_mb": r.rss_mb, "rc": r.rc}
    log("no-change rescans and the floor")
    floors, rescans = [], []
    for _ in range(args.runs):
        f = run([sys.executable, str(Path(__file__).resolve()), "--floor-walk", str(root)], True)
        floor = json.loads(f.out)
        floors.append({"wall_s": f.seconds, "walk_s": floor["seconds"], "rss_mb": f.rss_mb, "files": floor["files"]})
        r = run(camroll("scan", str(root), "--home", str(homes["all"]), "--no-analyze", "--quiet", "--json"), True)
        s = scan_json(r)
        assert s["unchanged"] == args.count and s["read"] == 0, s
        rescans.append({"wall_s": r.seconds, "scan_s": s["seconds"], "rss_mb": r.rss_mb})
    res["floor"], res["rescan"] = floors, rescans
    db = homes["all"] / "camroll.db"
    wal = Path(str(db) + "-wal")
    db_bytes = db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    res["db"] = {"bytes": db_bytes, "per_photo": db_bytes / args.count}
    for name, argv in (
        ("photos --json", ["photos", "--json"]),
        ("moments", ["moments", "--json"]),
        ("report", ["report", "--json"]),
    ):
        for size_name, home in homes.items():
            log(f"{name} at {size_name}")
            r = run(camroll(*argv, "--home", str(home)), timeout=args.command_timeout)
            res[f"{name} {size_name}"] = {
                "wall_s": r.seconds,
                "rss_mb": r.rss_mb,
                "rc": r.rc,
                "output": r.out,
                "err": r.err[-300:] if r.rc else "",
            }
    if not args.no_serve:
        log(f"camroll serve with {args.clients} clients")
        res["serve"] = serve_load(homes["all"], args.clients, args.requests)
    res["load_after"] = os.getloadavg()
    return res


def _row(name: str, value: str, floor: str = "", ratio: str = "", goal: str = "") -> str:
    return f"| {name} | {value} | {floor} | {ratio} | {goal} |"


def table(res: dict[str, Any]) -> str:
    n, small = res["count"], res["small"]
    lines = ["| measure | camroll | peer / floor | ratio | goal |", "|---|---:|---:|---:|---|"]
    first = res["first_scan"]
    peer = res.get("exiftool")
    if "small" in first and peer:
        c = first["small"]
        rate, prate = c["files"] / c["wall_s"], peer["files"] / peer["wall_s"]
        lines.append(
            _row(
                f"first scan, {small:,} files (files/s, wall)",
                f"{rate:,.0f}/s ({c['wall_s']:.1f} s, {c['rss_mb']:.0f} MB)",
                f"exiftool -json -n -r: {prate:,.0f}/s ({peer['wall_s']:.1f} s, {peer['rss_mb']:.0f} MB)",
                f"{rate / prate:.1f}x",
            )
        )
    if "all" in first:
        c = first["all"]
        lines.append(
            _row(
                f"first scan, {n:,} files",
                f"{c['files'] / c['wall_s']:,.0f}/s ({c['wall_s']:.1f} s, {c['rss_mb']:.0f} MB)",
            )
        )
    fl, rs = res["floor"], res["rescan"]
    walk, scan_s, wall = (
        median([f["walk_s"] for f in fl]),
        median([r["scan_s"] for r in rs]),
        median([r["wall_s"] for r in rs]),
    )
    lines.append(
        _row(
            f"no-change rescan, {n:,} files (scan itself)",
            f"{scan_s:.2f} s",
            f"walk + stat: {walk:.2f} s",
            f"{scan_s / walk:.2f}x",
            "< 2 s",
        )
    )
    fwall = median([f["wall_s"] for f in fl])
    lines.append(
        _row(
            "no-change rescan, whole command",
            f"{wall:.2f} s ({max(r['rss_mb'] for r in rs):.0f} MB)",
            f"walk process: {fwall:.2f} s ({max(f['rss_mb'] for f in fl):.0f} MB)",
            f"{wall / fwall:.2f}x",
        )
    )
    lines.append(_row("catalog size", f"{res['db']['per_photo']:,.0f} B/photo ({res['db']['bytes'] / 1e6:,.0f} MB)"))
    for name in ("photos --json", "moments", "report"):
        a, b = res.get(f"{name} small"), res.get(f"{name} all")
        cells = [
            f"{x['wall_s']:.1f} s, {x['rss_mb']:.0f} MB" + ("" if x["rc"] == 0 else f" (exit {x['rc']})")
            for x in (a, b)
            if x
        ]
        label = f"{name} at {small:,} / {n:,}" if a else f"{name} at {n:,}"
        ratio = f"memory {b['rss_mb'] / a['rss_mb']:.2f}x, time {b['wall_s'] / a['wall_s']:.1f}x" if a and b else ""
        lines.append(_row(label, " / ".join(cells), "", ratio, "memory flat" if name == "photos --json" else ""))
    sv = res.get("serve")
    if sv:
        for kind, goal in (("timeline", "p95 < 100 ms"), ("search", "p95 < 300 ms")):
            k = sv[kind]
            lines.append(
                _row(
                    f"serve {kind}, {sv['requests']} requests by 4 clients",
                    f"p50 {k['p50_ms']:.0f} ms, p95 {k['p95_ms']:.0f} ms",
                    "",
                    "",
                    goal,
                )
            )
        lines.append(_row("serve peak memory", f"{sv['server_rss_mb']} MB ({sv['errors']} errors)"))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=200_000, help="photos in the library")
    ap.add_argument("--small", type=int, default=20_000, help="photos in the small part (import-00)")
    ap.add_argument("--quick", action="store_true", help="--count 20000 --small 2000")
    ap.add_argument("--dir", default="/tmp/camroll-library-scale", help="where the library and homes are kept")
    ap.add_argument("--runs", type=int, default=3, help="no-change rescans (and floor walks), median shown")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--requests", type=int, default=40, help="requests per client")
    ap.add_argument("--reuse", action="store_true", help="keep the catalogs of a previous run (no first scans)")
    ap.add_argument("--no-peer", action="store_true", help="skip exiftool")
    ap.add_argument("--no-serve", action="store_true", help="skip the web load")
    ap.add_argument("--command-timeout", type=float, default=900)
    ap.add_argument("--floor-walk", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.floor_walk:
        floor_walk(args.floor_walk)
        return
    if args.quick:
        args.count, args.small = 20_000, 2_000
        args.dir = args.dir.rstrip("/") + "-quick"
    if args.count % args.small:
        ap.error("--count must be a multiple of --small")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO).stdout
    res = measure(args)
    Path(args.dir, "results.json").write_text(json.dumps(res, indent=1, default=str))
    print(f"python bench/library_scale.py --count {args.count} --small {args.small}  (git {commit.strip()})")
    print(
        f"{os.cpu_count()} CPUs; load average before {res['load_before'][0]:.1f}, after {res['load_after'][0]:.1f}"
        " (a shared machine: read the ratios)"
    )
    print(table(res))


if __name__ == "__main__":
    main()
