"""Two analyses of one PostgreSQL catalog at once (issue 16): each photo is analysed, and its results
stored, by one of them only.

On SQLite ``jobs.lock`` in the home keeps one analysis per library; homes on different machines
sharing one PostgreSQL database have one lock each, so the pipeline claims every photo with an
advisory lock (:mod:`camroll.store.analysis_claims`). Checked here against a throwaway server
(tests/pg_server.py), with real photos and the quality and duplicates analysers (no model to load):

- a photo whose lock another session holds is left to it (``elsewhere``, not a failure), and the
  next run analyses it;
- a run whose plan is stale (another process analysed everything since) analyses nothing again;
- two runs planned at once and run together in threads, each with its own home, connection and
  context, analyse every photo exactly once between them (every call to an analyser recorded);
- two ``camroll analyze`` processes (worker pools, ``CAMROLL_DATABASE``, one home each with the
  keys copied) started together on 48 photos store each photo's results once between them;
- ``camroll analyze --json`` reports the photos left to another process;
- a people clustering waits for another process's (a library-wide job's lock), then runs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from camroll import thresholds
from camroll.analysis.duplicates import Fingerprint
from camroll.analysis.pipeline import AnalysisSummary, analyse, plan
from camroll.analysis.quality import QualityAnalyser
from camroll.config import AppContext, Config
from camroll.library.scan import scan
from camroll.people.cluster import update_people
from camroll.privacy import consent
from camroll.store import job_locks
from camroll.store.analysis_claims import NAMESPACE, held_elsewhere
from tests.conftest import run_cli
from tests.pg_server import PgServer, pg_server  # noqa: F401  (the fixture)

CAPS = ("quality", "duplicates")


@pytest.fixture
def shared(pg_server: PgServer, tmp_path: Path, photos_dir: Path) -> Iterator[tuple[Path, str]]:  # noqa: F811
    """A home on PostgreSQL with nine real photos scanned and quality and duplicates granted; its
    home folder and the database URL."""
    lib = tmp_path / "lib"
    lib.mkdir()
    for photo in sorted((photos_dir / "exif/photoprism").glob("*.jpg")):
        shutil.copyfile(photo, lib / photo.name)
    url = pg_server.new_database()
    home = tmp_path / "home-a"
    ctx = AppContext(Config(home=home, workers=1, database=url))
    try:
        scan(ctx, [str(lib)], workers=1)
        for cap in CAPS:
            consent.grant(ctx, cap)
    finally:
        ctx.close()
    yield home, url


def second_home(home: Path, tmp_path: Path) -> Path:
    """Another machine's home on the same database: the keys and the database.url copied."""
    other = tmp_path / "home-b"
    shutil.copytree(home, other)
    return other


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter[tuple[str, int]]:
    """Every (capability, photo id) an analyser was run on, in this process (workers=1)."""
    seen: Counter[tuple[str, int]] = Counter()
    lock = threading.Lock()
    for cls, cap in ((QualityAnalyser, "quality"), (Fingerprint, "duplicates")):
        original = cls.analyse

        def recording(self: Any, photo: Any, upstream: Any, _original: Any = original, _cap: str = cap) -> Any:
            with lock:
                seen[(_cap, photo.photo_id)] += 1
            return _original(self, photo, upstream)

        monkeypatch.setattr(cls, "analyse", recording)
    return seen


def photo_ids(ctx: AppContext) -> list[int]:
    return [int(r[0]) for r in ctx.db.query("SELECT id FROM photos ORDER BY id")]


def stored(ctx: AppContext) -> dict[str, list[int]]:
    """Per capability, the photos its state says were analysed successfully."""
    rows = ctx.db.query("SELECT capability, photo_id FROM analysis_state WHERE status = 'done' ORDER BY photo_id")
    out: dict[str, list[int]] = {c: [] for c in CAPS}
    for cap, photo_id in rows:
        out[str(cap)].append(int(photo_id))
    return out


def test_a_photo_held_by_another_process_is_left_to_it(
    shared: tuple[Path, str], calls: Counter[tuple[str, int]]
) -> None:
    home, url = shared
    ctx = AppContext(Config(home=home, workers=1, database=url))
    try:
        ids = photo_ids(ctx)
        assert len(ids) == 9
        held = ids[2:4]
        with psycopg.connect(url, autocommit=True) as other:
            for photo_id in held:
                assert other.execute("SELECT pg_try_advisory_lock(%s, %s)", (NAMESPACE, photo_id)).fetchone()[0]
            assert held_elsewhere(ctx.db.conn) == held

            first = analyse(ctx, workers=1)
            assert first.planned == 9 and first.elsewhere == 2 and first.failures == []
            assert first.analysed == 7 and dict(first.per_capability) == {"quality": 7, "duplicates": 7}
            rest = [i for i in ids if i not in held]
            assert stored(ctx) == {"quality": rest, "duplicates": rest}
            assert not any(photo_id in held for _cap, photo_id in calls), "a held photo was not even decoded"
            # The run let go of everything it claimed; the other session still holds its two.
            left_by_run = other.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = %s"
                " AND pid != pg_backend_pid()",
                (NAMESPACE,),
            ).fetchone()[0]
            assert left_by_run == 0
            assert held_elsewhere(ctx.db.conn) == held
            other.execute("SELECT pg_advisory_unlock_all()")  # the other process is done with them

        assert held_elsewhere(ctx.db.conn) == []
        second = analyse(ctx, workers=1)
        assert second.planned == 2 and second.elsewhere == 0 and second.analysed == 2
        assert stored(ctx) == {"quality": ids, "duplicates": ids}
        assert calls == Counter({(c, i): 1 for c in CAPS for i in ids}), "each photo analysed once"
    finally:
        ctx.close()


def test_a_stale_plan_does_not_analyse_again(
    shared: tuple[Path, str], tmp_path: Path, calls: Counter[tuple[str, int]]
) -> None:
    """B planned before A ran; A analysed everything and let go; B claims each photo, reads it
    done, and leaves it."""
    home, url = shared
    a = AppContext(Config(home=home, workers=1, database=url))
    b = AppContext(Config(home=second_home(home, tmp_path), workers=1, database=url))
    try:
        ids = photo_ids(a)
        stale = plan(b)
        assert sorted(j.photo_id for j in stale) == ids
        done = analyse(a, workers=1)
        assert done.analysed == 9 and done.elsewhere == 0
        late = analyse(b, workers=1, planned=stale)
        assert late.planned == 9 and late.elsewhere == 9 and late.analysed == 0 and late.failures == []
        assert calls == Counter({(c, i): 1 for c in CAPS for i in ids})
        assert stored(a) == {"quality": ids, "duplicates": ids}
    finally:
        a.close()
        b.close()


def test_two_runs_at_once_analyse_each_photo_once(
    shared: tuple[Path, str], tmp_path: Path, calls: Counter[tuple[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both plans made before either run starts (each holds every photo), then both run together,
    claiming and writing two photos at a time so their batches interleave."""
    monkeypatch.setattr(thresholds, "ANALYSIS_BATCH", 2)
    home, url = shared
    contexts = [
        AppContext(Config(home=home, workers=1, database=url)),
        AppContext(Config(home=second_home(home, tmp_path), workers=1, database=url)),
    ]
    try:
        ids = photo_ids(contexts[0])
        plans = [plan(ctx) for ctx in contexts]
        assert all(sorted(j.photo_id for j in p) == ids for p in plans)
        summaries: list[AnalysisSummary | None] = [None, None]
        errors: list[BaseException] = []
        start = threading.Barrier(2)

        def run(n: int) -> None:
            try:
                start.wait(timeout=60)
                summaries[n] = analyse(contexts[n], workers=1, planned=plans[n])
            except BaseException as e:  # reported below, not lost in the thread
                errors.append(e)

        threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        assert errors == [] and all(not t.is_alive() for t in threads)
        done = [s for s in summaries if s is not None]
        assert len(done) == 2 and all(s.failures == [] for s in done)
        # Every photo analysed by exactly one run, and left by the other.
        assert sum(s.analysed for s in done) == 9 and sum(s.elsewhere for s in done) == 9
        for cap in CAPS:
            assert sum(s.per_capability[cap] for s in done) == 9
        assert calls == Counter({(c, i): 1 for c in CAPS for i in ids}), "no photo analysed twice"
        assert stored(contexts[0]) == {"quality": ids, "duplicates": ids}
        assert held_elsewhere(contexts[0].db.conn) == [], "both runs let go of every photo"
    finally:
        for ctx in contexts:
            ctx.close()


def test_two_analyze_processes_store_each_photo_once(
    pg_server: PgServer,  # noqa: F811
    tmp_path: Path,
    photos_dir: Path,
) -> None:
    """What the issue describes: two machines' homes, one database. Whether the two runs overlap
    depends on the machine (one may finish before the other plans); either way every photo's
    results are stored once (a result stored twice would count twice in ``per_capability``)."""
    lib = tmp_path / "lib"
    lib.mkdir()
    for photo in sorted((photos_dir / "faces").rglob("*.jpg"))[:48]:
        shutil.copyfile(photo, lib / f"{photo.parent.name}-{photo.name}")
    url = pg_server.new_database()
    ctx = AppContext(Config(home=tmp_path / "a", workers=2, database=url))
    try:
        scan(ctx, [str(lib)], workers=2)
        for cap in CAPS:
            consent.grant(ctx, cap)
        total = len(photo_ids(ctx))
    finally:
        ctx.close()
    assert total == 48
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    (tmp_path / "b" / "database.url").unlink()  # the other machine is told where the catalog is
    env = dict(os.environ, CAMROLL_DATABASE=url)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "camroll.cli", "analyze", "--workers", "2", "--json", "--home", str(tmp_path / h)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env if h == "b" else dict(os.environ),
        )
        for h in ("a", "b")
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err[-2000:] for _out, err in outs]
    reports = [json.loads(out) for out, _err in outs]
    assert all(r["failures"] == [] and r["analysed"] + r["elsewhere"] == r["planned"] for r in reports)
    assert sum(r["analysed"] for r in reports) == total
    for cap in CAPS:
        assert sum(r["per_capability"].get(cap, 0) for r in reports) == total
    check = AppContext(Config(home=tmp_path / "a", workers=1, database=url))
    try:
        ids = photo_ids(check)
        assert stored(check) == {"quality": ids, "duplicates": ids}
        assert held_elsewhere(check.db.conn) == []
    finally:
        check.close()


def test_analyze_reports_photos_left_to_another_process(shared: tuple[Path, str]) -> None:
    home, url = shared
    with psycopg.connect(url, autocommit=True) as other:
        other.execute(
            "SELECT pg_advisory_lock(%s, id::int) FROM (SELECT id FROM photos ORDER BY id LIMIT 3) AS p", (NAMESPACE,)
        )
        report = run_cli(home, "analyze", "--workers", "1", "--json")
        assert report["elsewhere"] == 3 and report["analysed"] == 6 and report["failures"] == []
        text = run_cli(home, "analyze", "--workers", "1").output
        assert "3 photos were left to another camroll process" in text


class _Said:
    """A reporter that keeps the phases it was told to show."""

    def __init__(self) -> None:
        self.phases: list[str] = []

    def start(self, phase: str, total: int | None) -> None:
        self.phases.append(phase)

    def advance(self, n: int = 1) -> None:
        pass

    def problem(self, path: str, errors: list[str]) -> None:
        pass


def test_people_clustering_waits_for_another_process_running_it(shared: tuple[Path, str]) -> None:
    """Two clusterings interleaved would each make people of the same unassigned faces; a second
    one waits for the first (its session's advisory lock), says so, then runs."""
    home, url = shared
    ctx = AppContext(Config(home=home, workers=1, database=url))
    said, outcome = _Said(), []
    key = (job_locks.NAMESPACE, job_locks.job_key("people"))
    try:
        with psycopg.connect(url, autocommit=True) as other:
            other.execute("SELECT pg_advisory_lock(%s, %s)", key)  # another process is clustering
            thread = threading.Thread(target=lambda: outcome.append(update_people(ctx, said)))
            thread.start()
            waiting = False
            for _ in range(600):  # until camroll's session waits for the lock (or 60 s)
                waiting = other.execute(
                    "SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                    " AND classid::bigint = %s AND objid::bigint = %s",
                    key,
                ).fetchone() == (True,)
                if waiting:
                    break
                thread.join(0.1)
            assert waiting and thread.is_alive() and outcome == [], "it waits while the other one runs"
            assert said.phases == ["Waiting for another camroll process to finish people"]
            other.execute("SELECT pg_advisory_unlock(%s, %s)", key)
            thread.join(60)
            assert outcome == ["no faces yet"], "then it runs"
            held = other.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = %s", key[:1]
            ).fetchone()
            assert held == (0,), "and lets go of the lock"
    finally:
        ctx.close()
