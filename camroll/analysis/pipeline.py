"""The analysis pipeline: plan, decode once, analyse in workers, write with one writer, then
run the library-wide jobs (people clustering, near-duplicate groups).

**Plan.** For every catalogued photo, the capabilities that (a) have consent covering one of the
photo's files, with every capability they depend on, and (b) have no result at the current
version yet. Nothing without consent is ever decoded.

**Analyse.** Each worker process decodes a photo once at analysis size and runs that photo's
capabilities on the same pixels, in dependency order (expressions read the faces found just
before). Models load lazily, once per worker. Memory stays bounded: photos stream through the
pool a few at a time and only small results come back.

**Write.** The parent process is the only writer; each batch of photos is one transaction, so an
interrupted run keeps what was finished and the next run resumes.
"""

from __future__ import annotations

import importlib
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from camroll import capabilities, thresholds
from camroll import workers as workers_module
from camroll.analysis.base import Analyser
from camroll.analysis.decode import DecodeError, decode
from camroll.config import AppContext
from camroll.privacy import audit, consent
from camroll.privacy.crypto import Sealer
from camroll.progress import Reporter, Silent
from camroll.store.db import now_iso


def load(dotted: str) -> Any:
    module, _, attr = dotted.partition(":")
    return getattr(importlib.import_module(module), attr)


def analyser_class(cap: capabilities.Capability) -> type[Analyser] | None:
    """The per-photo analyser of a capability, or None where it has none."""
    if not cap.analyser:
        return None
    target = load(cap.analyser)
    if not (isinstance(target, type) and issubclass(target, Analyser)):
        raise TypeError(f"{cap.analyser} is not an Analyser")
    return target


@dataclass
class Job:
    photo_id: int
    hash: str
    path: str
    orientation: int
    size: tuple[int, int]
    caps: tuple[str, ...]
    upstream: dict[str, Any] = field(default_factory=dict)
    """Stored results of capabilities that ``caps`` need but that are not run again."""
    kind: str = "photo"
    """``video``: analysed through one frame (:func:`camroll.analysis.decode.video_frame`)."""


@dataclass
class Outcome:
    photo_id: int
    results: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    """Time spent per capability on this photo ("decode" included), for the benchmark."""


@dataclass
class AnalysisSummary:
    granted: list[str] = field(default_factory=list)
    planned: int = 0
    analysed: int = 0
    per_capability: Counter[str] = field(default_factory=Counter)
    cpu_seconds: Counter[str] = field(default_factory=Counter)
    """Summed worker time per capability (and "decode"), model loading included."""
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (path, capability, error)
    jobs: dict[str, str] = field(default_factory=dict)  # library-wide job -> what it did
    interrupted: bool = False
    seconds: float = 0.0


def per_photo_capabilities() -> list[capabilities.Capability]:
    """Capabilities with a per-photo analyser, in dependency order."""
    caps = [c for c in capabilities.REGISTRY if analyser_class(c) is not None]
    ordered: list[capabilities.Capability] = []
    while caps:
        ready = [c for c in caps if all(d not in {x.id for x in caps} for d in c.depends_on)]
        ordered.extend(ready)
        caps = [c for c in caps if c not in ready]
    return ordered


def plan(ctx: AppContext) -> list[Job]:
    caps = [c for c in per_photo_capabilities() if consent.active_scopes(ctx, c.id)]
    if not caps:
        return []
    histories = {c: consent.events(ctx, c) for c in capabilities.BY_ID}
    versions = {c.id: analyser_class(c).version for c in caps}  # type: ignore[union-attr]
    done: dict[int, dict[str, tuple[str, str]]] = {}
    for photo_id, cap_id, version, status in ctx.db.conn.execute(
        "SELECT photo_id, capability, version, status FROM analysis_state"
    ):
        done.setdefault(photo_id, {})[cap_id] = (version, status)
    rows = ctx.db.query(
        "SELECT p.id, p.hash, p.kind, CASE p.kind WHEN 'video' THEN p.display_orientation ELSE p.orientation END"
        " AS orientation, p.width, p.height, group_concat(f.path, char(0)) AS paths"
        " FROM photos p JOIN files f ON f.photo_id = p.id AND f.state IN ('ok', 'problem')"
        " GROUP BY p.id ORDER BY p.id"
    )
    jobs = []
    for row in rows:
        paths = row["paths"].split("\0")
        wanted = []
        for cap in caps:
            needed = [cap.id, *_all_dependencies(cap)]
            allowed = any(
                all(consent.allows(ctx, c, path, histories[c]) or capabilities.get(c).granted_by_scan for c in needed)
                for path in paths
            )
            state = done.get(row["id"], {}).get(cap.id)
            if allowed and state != (versions[cap.id], "done"):
                wanted.append(cap.id)
        if wanted:
            job = Job(row["id"], row["hash"], paths[0], row["orientation"], (row["width"] or 0, row["height"] or 0),
                      tuple(wanted), kind=row["kind"])  # fmt: skip
            _add_upstream(ctx, job)
            jobs.append(job)
    return jobs


def _add_upstream(ctx: AppContext, job: Job) -> None:
    for cap_id in job.caps:
        cls = analyser_class(capabilities.get(cap_id))
        for need in cls.needs if cls else ():
            if need not in job.caps and need not in job.upstream:
                needed = analyser_class(capabilities.get(need))
                stored = needed.stored(ctx.db.conn, job.photo_id) if needed else None
                if stored is not None:
                    job.upstream[need] = stored


def _all_dependencies(cap: capabilities.Capability) -> list[str]:
    out: list[str] = []
    for dep in cap.depends_on:
        out.append(dep)
        out.extend(_all_dependencies(capabilities.get(dep)))
    return out


class _Worker:
    """One per worker process: the analysers it has loaded, reused for every photo."""

    def __init__(self, threads: int, cache_dir: Path | None, sealers: dict[str, Sealer]) -> None:
        self.threads, self.cache_dir, self.sealers = threads, cache_dir, sealers
        self.analysers: dict[str, Analyser] = {}

    def get(self, cap_id: str) -> Analyser:
        if cap_id not in self.analysers:
            cap = capabilities.get(cap_id)
            cls = analyser_class(cap)
            assert cls is not None
            self.analysers[cap_id] = cls(self.threads, self.cache_dir, self.sealers.get(cap.key or ""))
        return self.analysers[cap_id]

    def run(self, job: Job) -> Outcome:
        out = Outcome(job.photo_id)
        started = time.perf_counter()
        try:
            photo = decode(job.photo_id, job.hash, job.path, job.orientation, job.size, kind=job.kind)
        except DecodeError as e:
            out.errors = {c: str(e) for c in job.caps}
            return out
        out.seconds["decode"] = time.perf_counter() - started
        for cap_id in job.caps:
            analyser = self.get(cap_id)
            available = {**job.upstream, **out.results}
            missing = [n for n in analyser.needs if n not in available]
            if missing:
                out.errors[cap_id] = f"needs {', '.join(missing)}, which has no result for this photo"
                continue
            started = time.perf_counter()
            try:
                analyser.ensure_loaded()
                out.results[cap_id] = analyser.analyse(photo, {n: available[n] for n in analyser.needs})
            except Exception as e:  # one model failing on one photo must not stop the rest
                out.errors[cap_id] = f"{type(e).__name__}: {e}"
            out.seconds[cap_id] = time.perf_counter() - started
        return out


# The worker process's analysers. Process-local by design: each worker loads its own models
# once; the parent never reads it.
_PROCESS_WORKER: _Worker | None = None


def _init_worker(threads: int, cache_dir: Path | None, sealers: dict[str, Sealer]) -> None:
    global _PROCESS_WORKER
    _PROCESS_WORKER = _Worker(threads, cache_dir, sealers)


def _run_in_worker(job: Job) -> Outcome:
    assert _PROCESS_WORKER is not None
    return _PROCESS_WORKER.run(job)


def _outcomes(jobs: list[Job], workers: int, cache_dir: Path | None, sealers: dict[str, Sealer]) -> Iterator[Outcome]:
    threads = max(1, (os.cpu_count() or 1) // max(1, workers))
    if workers <= 1 or len(jobs) < 2:
        local = _Worker(threads, cache_dir, sealers)
        for job in jobs:
            yield local.run(job)
        return
    yield from workers_module.stream(_run_in_worker, jobs, workers, 1, _init_worker, (threads, cache_dir, sealers))


def _sealers(ctx: AppContext, jobs: list[Job]) -> dict[str, Sealer]:
    """The keys the planned capabilities need, created now, before workers fork."""
    keys = {capabilities.get(c).key for job in jobs for c in job.caps} - {None}
    sealers = {key: ctx.sealer(key) for key in keys if key}
    for sealer in sealers.values():
        sealer.ensure_key()
    return sealers


def analyse(ctx: AppContext, reporter: Reporter | None = None, workers: int | None = None) -> AnalysisSummary:
    rep = reporter or Silent()
    started = time.perf_counter()
    summary = AnalysisSummary(granted=[c.id for c in capabilities.REGISTRY if consent.active_scopes(ctx, c.id)])
    jobs = plan(ctx)
    summary.planned = len(jobs)
    paths = {j.photo_id: j.path for j in jobs}
    rep.start("Analysing photos", len(jobs))
    pending: list[Outcome] = []
    last = time.monotonic()
    try:
        for outcome in _outcomes(jobs, workers or ctx.config.workers, ctx.config.cache_dir, _sealers(ctx, jobs)):
            pending.append(outcome)
            rep.advance()
            if len(pending) >= thresholds.ANALYSIS_BATCH or time.monotonic() - last > thresholds.SCAN_COMMIT_SECONDS:
                _write(ctx, pending, summary, paths, rep)
                pending, last = [], time.monotonic()
        _write(ctx, pending, summary, paths, rep)
    except KeyboardInterrupt:
        summary.interrupted = True
    if not summary.interrupted:
        for cap in capabilities.REGISTRY:
            if cap.job and consent.active_scopes(ctx, cap.id):
                job: Callable[[AppContext], object] = load(cap.job)
                summary.jobs[cap.id] = str(job(ctx))
    summary.seconds = time.perf_counter() - started
    audit.record(ctx, "analysis", granted=summary.granted, photos=summary.analysed,
                 per_capability=dict(summary.per_capability), failures=len(summary.failures),
                 jobs=summary.jobs, interrupted=summary.interrupted)  # fmt: skip
    return summary


def _write(ctx: AppContext, outcomes: list[Outcome], summary: AnalysisSummary, paths: dict[int, str], rep: Reporter) -> None:
    if not outcomes:
        return
    now = now_iso()
    with ctx.db.transaction() as conn:
        for o in outcomes:
            for cap_id, result in o.results.items():
                cls = analyser_class(capabilities.get(cap_id))
                assert cls is not None
                cap = capabilities.get(cap_id)
                if cap.key:
                    result = cls.seal(result, ctx.sealer(cap.key).seal)
                cls.store(conn, o.photo_id, result, cls.version)
                _state(conn, o.photo_id, cap_id, cls.version, "done", None, now)
                summary.per_capability[cap_id] += 1
            for cap_id, error in o.errors.items():
                cls = analyser_class(capabilities.get(cap_id))
                _state(conn, o.photo_id, cap_id, cls.version if cls else "?", "failed", error, now)
                summary.failures.append((paths[o.photo_id], cap_id, error))
            summary.cpu_seconds.update(o.seconds)
            if o.errors:
                rep.problem(paths[o.photo_id], [f"{c}: {e}" for c, e in o.errors.items()])
            summary.analysed += 1


def _state(conn: sqlite3.Connection, photo_id: int, cap: str, version: str, status: str, error: str | None, now: str) -> None:
    conn.execute(
        "INSERT INTO analysis_state (photo_id, capability, version, status, error, at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (photo_id, capability) DO UPDATE SET version = excluded.version, status = excluded.status,"
        " error = excluded.error, at = excluded.at",
        (photo_id, cap, version, status, error, now),
    )
