"""How long the camroll CLI takes to start: light commands, each run N times in a fresh process.

Side by side in the same run, interleaved so that the machine's noise falls on all alike:

- floor ``python -c pass``: the interpreter starting and stopping, which no command can beat;
- floor ``python -c "import typer"``: the least any Typer command line pays before it does
  anything (Typer and its bundled click);
- peer "every command loaded": ``camroll --help`` with every command module imported first, as
  the CLI started before commands were loaded lazily.

Wall time is what a person waits; CPU time (user + system of the child) is less disturbed by
other work on a shared machine. Both are reported as median and p90, with the ratio of the median
wall time to each floor.

    .venv/bin/python -m bench.startup            # 15 runs of each
    .venv/bin/python -m bench.startup -n 30 --json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

CAMROLL = [sys.executable, "-c", "import sys; from camroll.cli import main; sys.argv[0] = 'camroll'; main()"]
"""What the ``camroll`` console script runs (it imports ``camroll.cli`` and calls ``main``)."""

TYPER_OPTION = (
    "import typer\n"
    "app = typer.Typer()\n"
    "@app.command()\n"
    "def hello(count: int = 1) -> None:\n"
    "    print('hello' * count)\n"
    "app(['--count', '2'])"
)
"""A one-command Typer program given one option: Typer 0.29 checks every value given on the command
line with a pydantic TypeAdapter, so any camroll command that is given a value (or has a non-None
default) pays for importing pydantic too, before camroll does anything."""

EAGER_HELP = "import sys; from camroll.cli import full_app; sys.argv = ['camroll', '--help']; full_app()()"

LIGHT: list[tuple[str, list[str]]] = [
    ("camroll --help", ["--help"]),
    ("camroll --version", ["--version"]),
    ("camroll jobs --help", ["jobs", "--help"]),
    ("camroll consent --help", ["consent", "--help"]),
    ("camroll people --help", ["people", "--help"]),
    ("camroll photos --help", ["photos", "--help"]),
    ("camroll audit verify --help", ["audit", "verify", "--help"]),
    ("camroll jobs", ["jobs"]),
    ("camroll consent status", ["consent", "status"]),
]


def _cases() -> list[tuple[str, list[str]]]:
    floors = [
        ("floor: python -c pass", [sys.executable, "-c", "pass"]),
        ("floor: python -c 'import typer'", [sys.executable, "-c", "import typer"]),
        ("floor: a Typer command given one option", [sys.executable, "-c", TYPER_OPTION]),
        ("peer: --help, every command loaded", [sys.executable, "-c", EAGER_HELP]),
    ]
    return floors + [(label, CAMROLL + argv) for label, argv in LIGHT]


def _run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def measure(runs: int) -> list[dict[str, float | str]]:
    cases = _cases()
    with tempfile.TemporaryDirectory(prefix="camroll-startup-") as home:
        env = {**os.environ, "CAMROLL_HOME": home, "COLUMNS": "100"}
        for _, argv in cases:  # warm up: the page cache, .pyc files, and the new library's database
            _run_once(argv, env)
        walls: dict[str, list[float]] = {label: [] for label, _ in cases}
        cpus: dict[str, list[float]] = {label: [] for label, _ in cases}
        for _ in range(runs):
            for label, argv in cases:
                wall, cpu = _run_once(argv, env)
                walls[label].append(wall)
                cpus[label].append(cpu)
    floor = statistics.median(walls[cases[0][0]])
    typer_floor = statistics.median(walls[cases[1][0]])
    rows: list[dict[str, float | str]] = []
    for label, _ in cases:
        median = statistics.median(walls[label])
        rows.append(
            {
                "command": label,
                "wall_median_s": median,
                "wall_p90_s": _p90(walls[label]),
                "cpu_median_s": statistics.median(cpus[label]),
                "cpu_p90_s": _p90(cpus[label]),
                "x_python": median / floor,
                "x_typer": median / typer_floor,
            }
        )
    return rows


def _load() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=15, help="Runs of each command (default 15).")
    parser.add_argument("--json", action="store_true", help="Print JSON rows instead of a table.")
    args = parser.parse_args()
    load = _load()
    rows = measure(args.runs)
    if args.json:
        print(json.dumps({"runs": args.runs, "load_before": load, "rows": rows}, indent=1))
        return
    print(f"{args.runs} runs of each, interleaved; load average before: {load}")
    print(f"{'command':<38} {'wall p50':>9} {'p90':>7} {'cpu p50':>9} {'p90':>7} {'/python':>8} {'/typer':>7}")
    for row in rows:
        print(
            f"{row['command']:<38} {1000 * float(row['wall_median_s']):7.0f}ms {1000 * float(row['wall_p90_s']):5.0f}ms"
            f" {1000 * float(row['cpu_median_s']):7.0f}ms {1000 * float(row['cpu_p90_s']):5.0f}ms"
            f" {float(row['x_python']):7.1f}x {float(row['x_typer']):6.1f}x"
        )
    print(
        "floor python -c pass: the interpreter alone; floor import typer: the least a Typer CLI pays;\n"
        "floor one option: what a Typer command given a value pays (Typer 0.29 imports pydantic to check it).\n"
        "/python and /typer: median wall time over that floor's. CPU: user + system time of the child."
    )


if __name__ == "__main__":
    main()
