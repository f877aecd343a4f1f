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
interrupted (or cancelled) run keeps what was finished and the next run resumes.

**Consent is re-checked where results are written.** The plan records the ledger's newest event
id. A revoke can land at any moment of a run, so (a) before each photo is sent to a worker, and
(b) inside each write transaction, the writer compares the ledger's head with the one it planned
under; when it moved, every capability is checked again against the ledger for that photo's
files, and results for a scope no longer consented are dropped, never written (a revoke that
commits after the write purges what was written, as for any other row). A worker that dies on a
photo costs that photo alone: it is recorded as failed, with the reason, and retried next run.

**One analysis per photo across processes.** On SQLite a library runs one analysis at a time
(``jobs.lock`` in its home). A catalog in PostgreSQL may be shared by processes of several homes
(machines), so each photo is claimed (:mod:`camroll.store.analysis_claims`, an advisory lock per
photo, a batch per statement) before it goes to a worker, and released once its results are
committed or the run ends. A photo another process holds is left to it, and one that another
process finished since the plan was made (read again once claimed) is not analysed again: both
count as ``elsewhere`` in the summary, not as failures. The library-wide jobs that follow run one
at a time per catalog (:mod:`camroll.store.job_locks`): a second waits, then does what is new.
"""

from __future__ import annotations

import importlib
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from functools import partial
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
from camroll.store import analysis_claims, analysis_state, ledger, photos
from camroll.store.db import Connection, now_iso
from camroll.store.job_locks import library_job


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
    """``video``: analysed through its chosen frames (:mod:`camroll.analysis.keyframes`)."""
    paths: tuple[str, ...] = ()
    """Every readable file of the photo: consent covering any one of them allows the analysis."""


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
    dropped: Counter[str] = field(default_factory=Counter)
    """Results not kept, per capability, because its consent was withdrawn during the run."""
    ray: dict[str, int] = field(default_factory=dict)
    """On a Ray cluster: ``actors``, how many were ``given_a_gpu``, and on how many of those the
    models ran ``on_cuda`` (the others fell back to the CPU); empty for a local run."""
    elsewhere: int = 0
    """Planned photos left to another process sharing the catalog (PostgreSQL): it held them, or
    had analysed them by the time this run reached them."""
    interrupted: bool = False
    seconds: float = 0.0


def granted(ctx: AppContext) -> bool:
    """Is any per-photo analysis granted anywhere (is there anything ``analyse`` could do)?"""
    return any(consent.active_scopes(ctx, c.id) for c in capabilities.REGISTRY if c.analyser)


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
    classes = {c.id: analyser_class(c) for c in caps}
    done = analysis_state.by_photo(ctx.db)
    jobs = []
    for row, paths in photos.analysable(ctx.db):
        wanted = []
        for cap in caps:
            state = done.get(row["id"], {}).get(cap.id)
            version = classes[cap.id].version_for(row["kind"])  # type: ignore[union-attr]
            if state != (version, "done") and allowed(ctx, cap.id, paths, histories):
                wanted.append(cap.id)
        if wanted:
            job = Job(
                row["id"],
                row["hash"],
                paths[0],
                row["orientation"],
                (row["width"] or 0, row["height"] or 0),
                tuple(wanted),
                kind=row["kind"],
                paths=tuple(paths),
            )
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


def allowed(ctx: AppContext, cap_id: str, paths: Iterable[str], histories: dict[str, list[consent.Event]]) -> bool:
    """May ``cap_id`` analyse the photo whose files are ``paths``: is it, with everything it
    depends on, granted for at least one of them? ``histories``: the ledger, per capability."""
    needed = [cap_id, *_all_dependencies(capabilities.get(cap_id))]
    return any(
        all(capabilities.get(c).granted_by_scan or consent.allows(ctx, c, path, histories[c]) for c in needed)
        for path in paths
    )


class _Gate:
    """The consent a run relies on, read again whenever the ledger has moved since.

    ``head`` is the ledger's head when the plan was made (-1: unknown, a plan made by the
    caller). While the ledger stays there, every job already passed this very consent check in
    :func:`plan`, so nothing is checked twice; once it moves, each job is checked again."""

    def __init__(self, ctx: AppContext, head: int) -> None:
        self.ctx, self.head, self.planned = ctx, head, head
        self.histories: dict[str, list[consent.Event]] | None = None

    def refresh(self, conn: Connection) -> bool:
        """Read the ledger again if it moved (on ``conn``, so inside the caller's transaction);
        True when it did."""
        now = ledger.head(conn)
        if now == self.head:
            return False
        self.head, self.histories = now, {c: consent.events(self.ctx, c) for c in capabilities.BY_ID}
        return True

    def allows(self, cap_id: str, job: Job) -> bool:
        if self.head == self.planned:
            return True  # the plan checked this consent against this very ledger
        assert self.histories is not None
        return allowed(self.ctx, cap_id, job.paths or (job.path,), self.histories)


class _Claims:
    """The photos this run holds on a catalog shared with other processes (PostgreSQL; on SQLite
    every method passes everything through and sends nothing): claimed a batch at a time just
    before they go to workers, released once their results are committed, or when the run ends."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.shared = ctx.db.url is not None
        self.held: set[int] = set()

    def take(self, batch: list[Job], summary: AnalysisSummary, rep: Reporter) -> list[Job]:
        """The jobs of ``batch`` this run may analyse: claimed now, and with the capabilities
        another process stored since the plan taken off (read after the claim, so what the
        process that released it committed is seen)."""
        if not self.shared or not batch:
            return batch
        conn = self.ctx.db.conn
        got = set(analysis_claims.claim(conn, [j.photo_id for j in batch]))
        self.held |= got
        now = analysis_state.of_photos(conn, sorted(got))
        kept, finished = [], []
        for job in batch:
            state = now.get(job.photo_id, {})
            left = tuple(c for c in job.caps if state.get(c) != (_version(c, job.kind), "done"))
            if job.photo_id not in got or not left:
                summary.elsewhere += 1
                rep.advance()
                if job.photo_id in got:
                    finished.append(job.photo_id)
                continue
            if left != job.caps:
                job.caps = left
                _add_upstream(self.ctx, job)  # what it needs may now be stored
            kept.append(job)
        self.release(finished)
        return kept

    def release(self, photo_ids: Iterable[int]) -> None:
        """After the transaction that stored their results committed."""
        mine = [i for i in photo_ids if i in self.held]
        if mine:
            analysis_claims.release(self.ctx.db.conn, mine)
            self.held.difference_update(mine)

    def release_all(self) -> None:
        """At the end of the run, whatever stopped it (a photo dropped for consent, a lost write).
        A connection that broke took its locks with it."""
        try:
            self.release(sorted(self.held))
        except sqlite3.Error:
            self.held.clear()


def _version(cap_id: str, kind: str) -> str:
    cls = analyser_class(capabilities.get(cap_id))
    assert cls is not None
    return cls.version_for(kind)


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
                needed = {n: available[n] for n in analyser.needs}
                if photo.frames:
                    out.results[cap_id] = analyser.analyse_video(photo, needed)
                else:
                    out.results[cap_id] = analyser.analyse(photo, needed)
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


def lost_photo(job: Job, reason: str) -> Outcome:
    """The outcome of a photo whose worker died on it (or failed outside any analyser): every
    capability planned for it failed, with the reason; the next run retries it."""
    what = f"the worker analysing this photo {reason}"
    return Outcome(job.photo_id, errors={c: what for c in job.caps})


def _outcomes(
    jobs: Iterable[Job], count: int, workers: int, cache_dir: Path | None, sealers: dict[str, Sealer]
) -> Generator[Outcome, None, None]:
    threads = max(1, (os.cpu_count() or 1) // max(1, workers))
    if workers <= 1 or count < 2:
        local = _Worker(threads, cache_dir, sealers)
        for job in jobs:
            yield local.run(job)
        return
    yield from workers_module.stream(
        _run_in_worker,
        jobs,
        workers,
        1,
        _init_worker,
        (threads, cache_dir, sealers),
        on_lost=lost_photo,
        item_timeout=thresholds.ANALYSIS_PHOTO_TIMEOUT_S,
    )


def _sealers(ctx: AppContext, jobs: list[Job]) -> dict[str, Sealer]:
    """The keys the planned capabilities need, created now, before workers fork."""
    keys = {capabilities.get(c).key for job in jobs for c in job.caps} - {None}
    sealers = {key: ctx.sealer(key) for key in keys if key}
    for sealer in sealers.values():
        sealer.ensure_key()
    return sealers


def describe(jobs: list[Job]) -> str:
    """What a run will do, in words, for a progress bar or a job's title:
    ``Analysing 120 photos: faces, tags``."""
    caps = {c for job in jobs for c in job.caps}
    names = [c.id for c in capabilities.REGISTRY if c.id in caps]
    return f"Analysing {len(jobs)} photo{'s' if len(jobs) != 1 else ''}" + (f": {', '.join(names)}" if names else "")


def analyse(
    ctx: AppContext,
    reporter: Reporter | None = None,
    workers: int | None = None,
    planned: list[Job] | None = None,
    ray: str | None = None,
) -> AnalysisSummary:
    """Analyse what consent allows and is not done yet. ``planned``: a plan made by the caller
    (to title a job with :func:`describe`); its consent is re-read before anything is written.
    ``ray``: a Ray cluster's address (or ``auto``) to analyse on instead of local workers: the
    same plan and the same one writer here (:mod:`camroll.analysis.ray_backend`)."""
    rep = reporter or Silent()
    started = time.perf_counter()
    summary = AnalysisSummary(granted=[c.id for c in capabilities.REGISTRY if consent.active_scopes(ctx, c.id)])
    gate = _Gate(ctx, -1 if planned is not None else ledger.head(ctx.db.conn))
    jobs = plan(ctx) if planned is None else planned
    summary.planned = len(jobs)
    by_id = {j.photo_id: j for j in jobs}
    rep.start(describe(jobs), len(jobs))
    pending: list[Outcome] = []
    last = time.monotonic()
    claims = _Claims(ctx)
    try:
        try:
            gated = _gated(ctx, gate, jobs, summary, rep, claims)
            if ray:  # the same plan and writer, the photos analysed on a cluster (issue 16)
                from camroll.analysis import ray_backend

                outcomes = ray_backend.outcomes(
                    gated, ray, workers, ctx.config.cache_dir, _sealers(ctx, jobs), summary.ray
                )
            else:
                outcomes = _outcomes(
                    gated, len(jobs), workers or ctx.config.workers, ctx.config.cache_dir, _sealers(ctx, jobs)
                )
            with closing(outcomes):
                for outcome in outcomes:
                    pending.append(outcome)
                    if (
                        len(pending) >= thresholds.ANALYSIS_BATCH
                        or time.monotonic() - last > thresholds.SCAN_COMMIT_SECONDS
                    ):
                        batch, pending, last = pending, [], time.monotonic()
                        _write(ctx, gate, batch, summary, by_id, rep, claims)
                    rep.advance()  # a cancelled job raises here, between photos (a KeyboardInterrupt)
        except KeyboardInterrupt:
            summary.interrupted = True
        try:  # what was finished is kept, whatever stopped the run
            _write(ctx, gate, pending, summary, by_id, rep, claims)
        except KeyboardInterrupt:
            summary.interrupted = True
    finally:  # photos claimed and not written (consent withdrawn, a run stopped) are free again
        claims.release_all()
    if not summary.interrupted:
        for cap in capabilities.REGISTRY:
            if cap.job and consent.active_scopes(ctx, cap.id):
                job: Callable[..., object] = load(cap.job)
                # one run of each at a time across processes sharing a PostgreSQL catalog
                waiting = f"Waiting for another camroll process to finish {cap.id}"
                with library_job(ctx.db, cap.id, partial(rep.start, waiting, None)):
                    # people clustering is long at scale: it draws its own progress (issue 12)
                    summary.jobs[cap.id] = str(job(ctx, rep) if cap.id == "people" else job(ctx))
    summary.seconds = time.perf_counter() - started
    audit.record(
        ctx,
        "analysis",
        granted=summary.granted,
        photos=summary.analysed,
        per_capability=dict(summary.per_capability),
        failures=len(summary.failures),
        jobs=summary.jobs,
        interrupted=summary.interrupted,
        dropped=dict(summary.dropped),
    )
    return summary


def _gated(
    ctx: AppContext, gate: _Gate, jobs: list[Job], summary: AnalysisSummary, rep: Reporter, claims: _Claims
) -> Iterator[Job]:
    """The planned jobs, each re-checked against the ledger (only when it moved) just before
    it goes to a worker: after a revoke, the capability is no longer run on the photos left. On a
    shared catalog a batch (as many as a write) is claimed first, one statement for the batch;
    what another process holds or has done is left to it (:class:`_Claims`)."""
    size = thresholds.ANALYSIS_BATCH
    for start in range(0, len(jobs), size):
        for job in claims.take(jobs[start : start + size], summary, rep):
            gate.refresh(ctx.db.conn)
            keep = tuple(c for c in job.caps if gate.allows(c, job))
            summary.dropped.update(c for c in job.caps if c not in keep)
            if keep:
                job.caps = keep
                yield job
            else:
                rep.advance()


def _write(
    ctx: AppContext,
    gate: _Gate,
    outcomes: list[Outcome],
    summary: AnalysisSummary,
    jobs: dict[int, Job],
    rep: Reporter,
    claims: _Claims,
) -> None:
    """Store a batch in one transaction, after checking, inside it, that the consent each result
    relies on still holds; the summary counts only what was committed. The batch's photos are
    released only once it is committed, so a process claiming one next reads it done."""
    if not outcomes:
        return
    now = now_iso()
    stored: Counter[str] = Counter()
    dropped: Counter[str] = Counter()
    failures: list[tuple[str, str, str]] = []
    cpu: Counter[str] = Counter()
    with ctx.db.transaction() as conn:
        gate.refresh(conn)
        for o in outcomes:
            job = jobs[o.photo_id]
            for cap_id, result in o.results.items():
                if not gate.allows(cap_id, job):
                    dropped[cap_id] += 1
                    continue
                cls = analyser_class(capabilities.get(cap_id))
                assert cls is not None
                cap = capabilities.get(cap_id)
                if cap.key:
                    result = cls.seal(result, ctx.sealer(cap.key).seal)
                version = cls.version_for(job.kind)
                cls.store(conn, o.photo_id, result, version)
                analysis_state.record(conn, o.photo_id, cap_id, version, "done", None, now)
                stored[cap_id] += 1
            errors = {c: e for c, e in o.errors.items() if gate.allows(c, job)}
            dropped.update(c for c in o.errors if c not in errors)
            for cap_id, error in errors.items():
                cls = analyser_class(capabilities.get(cap_id))
                analysis_state.record(conn, o.photo_id, cap_id, cls.version if cls else "?", "failed", error, now)
                failures.append((job.path, cap_id, error))
            cpu.update(o.seconds)
            if errors:
                rep.problem(job.path, [f"{c}: {e}" for c, e in errors.items()])
    claims.release(o.photo_id for o in outcomes)
    summary.per_capability.update(stored)
    summary.dropped.update(dropped)
    summary.failures.extend(failures)
    summary.cpu_seconds.update(cpu)
    summary.analysed += len(outcomes)
