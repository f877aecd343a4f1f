"""A few hundred hostile files (``tests/hostile.py``), scanned and analysed by real processes.

Asserted: both commands end with exit 0; every file that cannot be read is named with a clear
reason; good files are catalogued; and the peak memory of every process (the command's own and,
through RUSAGE_CHILDREN, its largest worker's) stays under 600 MB, as the kernel measured it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from tests.conftest import REPO
from tests.hostile import build_corpus
from tests.test_isobmff import movie

PEAK_MB = 600

_RUN = textwrap.dedent("""
    import json, resource, sys
    from typer.testing import CliRunner
    from camroll.cli import app
    runner, home, out = CliRunner(), sys.argv[1], []
    for args in (["scan", sys.argv[2], "--no-analyze", "--quiet", "--json", "--workers", "2"],
                 ["consent", "grant", "quality", "duplicates"],
                 ["analyze", "--quiet", "--json", "--workers", "2"],
                 ["photos", "--json"]):
        r = runner.invoke(app, [*args, "--home", home], catch_exceptions=False)
        out.append({"code": r.exit_code, "stdout": r.stdout})
    # VmHWM, not RUSAGE_SELF: Linux carries ru_maxrss across exec, so RUSAGE_SELF would report
    # the peak of the pytest process that started this one.
    hwm = [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")][0]
    out.append({"self_kb": hwm, "children_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss})
    print(json.dumps(out))
""")


def test_scan_and_analysis_of_the_hostile_corpus(tmp_path: Path, photos_dir: Path) -> None:
    lib = tmp_path / "lib"
    expected = build_corpus(lib, photos_dir, movie)
    assert len(expected) >= 250, len(expected)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", _RUN, str(tmp_path / "home"), str(lib)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    scan, grant, analyze, photos, usage = json.loads(done.stdout.strip().splitlines()[-1])
    for step in (scan, grant, analyze, photos):
        assert step["code"] == 0, step["stdout"][-2000:]
    peak_self, peak_child = usage["self_kb"] / 1024, usage["children_kb"] / 1024
    assert peak_self < PEAK_MB and peak_child < PEAK_MB, (peak_self, peak_child)

    summary = json.loads(scan["stdout"])
    records: dict[str, dict[str, Any]] = {os.path.basename(r["path"]): r for r in json.loads(photos["stdout"])}
    named = {os.path.basename(p): errors for p, errors in summary["failures"]}
    problems = []
    for name, want in expected.items():
        shown = os.path.basename(name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"))
        rec = records.get(shown)
        if rec is None:
            problems.append(f"{name!r}: not in the catalog at all")
            continue
        text = " ".join(rec["errors"]).lower()
        if rec["state"] == "failed":
            if want.read:
                problems.append(f"{name!r}: should be read, failed with {rec['errors']}")
            if not rec["errors"] or shown not in named or not named[shown]:
                problems.append(f"{name!r}: failed without a reason")
        elif want.read is False:
            problems.append(f"{name!r}: should be refused, is {rec['state']}")
        if (rec["state"] == "problem") != bool(rec["errors"]) and rec["state"] != "failed":
            problems.append(f"{name!r}: state {rec['state']} but errors {rec['errors']}")
        if want.words and not all(word in text for word in want.words):
            problems.append(f"{name!r}: errors {rec['errors']} do not say {want.words}")
        if any(ord(c) < 32 for c in text) or "object at 0x" in text:
            problems.append(f"{name!r}: an error a terminal should not print: {rec['errors']}")
    assert not problems, "\n".join(problems)
    assert summary["seen"] == len(expected)
    result = json.loads(analyze["stdout"])
    assert result is not None
