"""One long job per library at a time, shared by the CLI, the web and ``watch``; every job
visible, and cancellable, from all of them.

**The lock.** A scan or an analysis writes much of the library and runs for minutes; two at once
would both analyse the same photos and fight over SQLite's one writer. So an exclusive job holds
``fcntl.flock`` on ``<home>/jobs.lock`` while it runs. The kernel releases it when the process
ends however it ends (kill -9 included), so a crash never leaves the library locked.

**The queue.** A second job does not fail: it is recorded as ``queued`` and waits its turn, as a
person expects of "analyse this too" (``camroll scan`` says which job it waits for; Ctrl-C stops
waiting). Jobs start in the order they were queued: a waiter tries the lock only when no older
queued job is still alive.

**The record.** Each job is a row of the ``jobs`` table (:mod:`camroll.store.jobs`): title,
state (queued, running, done, failed, cancelled), progress and failures. The job's own thread
keeps only counters in memory; a heartbeat thread, on a connection of its own, writes them every
``thresholds.JOB_HEARTBEAT_SECONDS`` and reads back whether someone asked to cancel. So the
worker loop never waits on the database, and a reporter called inside a write transaction (scan
and analysis report problems there) never deadlocks against the job record.

**Cancelling.** ``camroll jobs cancel ID`` or the web's Cancel button sets a flag on the row; the
heartbeat sees it, and the job's reporter raises :class:`JobCancelled` at its next ``advance``,
between two photos. ``JobCancelled`` is a ``KeyboardInterrupt`` on purpose: the scan and the
analysis already stop cleanly on Ctrl-C, committing what they finished, and a cancel is the same
request from another window.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from camroll import thresholds
from camroll.config import Config
from camroll.progress import Reporter, Silent
from camroll.store import jobs as store
from camroll.store.db import Database, now_iso

LOCK_FILE = "jobs.lock"


class JobCancelled(KeyboardInterrupt):
    """Someone cancelled this job (CLI or web): stop between two items, keep what is finished."""


@dataclass
class JobView:
    """A job as a page or ``camroll jobs`` shows it."""

    id: int
    kind: str
    title: str
    actor: str
    state: str
    phase: str = ""
    done: int = 0
    total: int | None = None
    problems: int = 0
    message: str = ""
    link: str | None = None
    cancelling: bool = False
    created_at: str = ""
    started_at: str | None = None
    finished_at: str | None = None
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.state in store.ACTIVE

    def as_json(self) -> dict[str, Any]:
        percent = None
        if self.total:
            percent = round(100 * min(self.done, self.total) / self.total, 1)
        elif not self.active:
            percent = 100.0
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "actor": self.actor,
            "state": self.state,
            "phase": self.phase,
            "done": self.done,
            "total": self.total,
            "percent": percent,
            "problems": self.problems,
            "message": self.message,
            "link": self.link,
            "cancelling": self.cancelling,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "seconds": _seconds(self.started_at, self.finished_at),
            "failures": [{"path": p, "reason": r} for p, r in self.failures],
        }


def _seconds(start: str | None, end: str | None) -> float | None:
    if start is None:
        return None
    stop = datetime.fromisoformat(end) if end else datetime.now(UTC)
    return round((stop - datetime.fromisoformat(start)).total_seconds(), 1)


def _view(row: Any, failures: list[tuple[str, str]] | None = None) -> JobView:
    return JobView(
        int(row["id"]),
        row["kind"],
        row["title"],
        row["actor"],
        row["state"],
        row["phase"],
        int(row["done"]),
        row["total"],
        int(row["problems"]),
        row["message"],
        row["link"],
        bool(row["cancel_requested"]),
        row["created_at"],
        row["started_at"],
        row["finished_at"],
        failures or [],
    )


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def tidy(db: Database) -> None:
    """Mark jobs whose process is gone as failed (a kill -9, a crash, a closed terminal), and drop
    ended jobs past the ones kept. Cheap: it reads only the jobs not ended."""
    gone = [int(r["id"]) for r in store.active(db) if not _alive(int(r["pid"]))]
    if gone:
        store.ended_elsewhere(db, gone, "stopped: the process running it ended", now_iso())
    oldest = (datetime.now(UTC) - timedelta(days=thresholds.JOBS_KEPT_DAYS)).isoformat(timespec="seconds")
    store.prune(db, thresholds.JOBS_KEPT, oldest)


def listing(db: Database, limit: int = thresholds.JOBS_KEPT) -> list[JobView]:
    """The newest jobs first, each with the first of its failures."""
    tidy(db)
    return [_view(r, store.failures(db, int(r["id"]), 20)) for r in store.recent(db, limit)]


def find(db: Database, job_id: int, failures: int = thresholds.JOB_FAILURES_KEPT) -> JobView | None:
    row = store.get(db, job_id)
    if row is not None and row["state"] in store.ACTIVE and not _alive(int(row["pid"])):
        tidy(db)
        row = store.get(db, job_id)
    return None if row is None else _view(row, store.failures(db, job_id, failures))


def active(db: Database) -> list[JobView]:
    return [_view(r) for r in store.active(db) if _alive(int(r["pid"]))]


def cancel(db: Database, job_id: int) -> bool:
    """Ask a job to stop (it stops within a heartbeat and one photo); False if it has ended."""
    tidy(db)
    return store.request_cancel(db, job_id)


class Job:
    """A job this process runs: counters in memory, written by the heartbeat."""

    def __init__(self, job_id: int, title: str) -> None:
        self.id, self.title = job_id, title
        self.phase, self.done, self.problems = "", 0, 0
        self.total: int | None = None
        self.failures: list[tuple[int, str, str]] = []
        self.cancelled = threading.Event()
        self.lock = threading.Lock()
        self._written = 0

    def reporter(self, inner: Reporter | None = None) -> JobReporter:
        return JobReporter(self, inner or Silent())

    def retitle(self, title: str) -> None:
        with self.lock:
            self.title = title

    def check(self) -> None:
        """Raise :class:`JobCancelled` if someone asked this job to stop."""
        if self.cancelled.is_set():
            raise JobCancelled()

    def snapshot(self) -> tuple[str, str, int, int | None, int, list[tuple[int, str, str]]]:
        with self.lock:
            new, self._written = self.failures[self._written :], len(self.failures)
            return self.title, self.phase, self.done, self.total, self.problems, new


class JobReporter:
    """A :class:`camroll.progress.Reporter` that counts into a job (and passes everything on to
    ``inner``, the CLI's progress bar), and stops the work when the job is cancelled."""

    def __init__(self, job: Job, inner: Reporter) -> None:
        self.job, self.inner = job, inner

    def start(self, phase: str, total: int | None) -> None:
        self.job.check()
        with self.job.lock:
            self.job.phase, self.job.total, self.job.done = phase, total, 0
        self.inner.start(phase, total)

    def advance(self, n: int = 1) -> None:
        with self.job.lock:
            self.job.done += n
        self.inner.advance(n)
        self.job.check()

    def problem(self, path: str, errors: list[str]) -> None:
        with self.job.lock:
            self.job.problems += 1
            if len(self.job.failures) < thresholds.JOB_FAILURES_KEPT:
                self.job.failures.append((len(self.job.failures), path, "; ".join(errors)))
        self.inner.problem(path, errors)


def _heartbeat(db: Database, job: Job, stop: threading.Event) -> None:
    while True:
        stopping = stop.wait(thresholds.JOB_HEARTBEAT_SECONDS)
        if store.progress(db, job.id, *job.snapshot()):
            job.cancelled.set()
        if stopping:
            return


def _first_in_line(db: Database, job_id: int) -> bool:
    older = [r for r in store.active(db) if int(r["id"]) < job_id and r["state"] == "queued" and r["exclusive"]]
    gone = [int(r["id"]) for r in older if not _alive(int(r["pid"]))]
    if gone:
        store.ended_elsewhere(db, gone, "stopped: the process running it ended", now_iso())
    return len(older) == len(gone)


def holder(db: Database, job_id: int) -> JobView | None:
    """The job the library is busy with (the running exclusive job), as a waiting job sees it."""
    for row in store.active(db):
        if int(row["id"]) != job_id and row["state"] == "running" and row["exclusive"]:
            return _view(row)
    return None


def _acquire(config: Config, db: Database, job_id: int, on_queued: Callable[[JobView | None], None]) -> int:
    fd = os.open(config.home / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    told = False
    try:
        while True:
            if _first_in_line(db, job_id):
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    pass
                else:
                    # Holding the lock: any other exclusive job still marked running is a leftover.
                    stale = [
                        int(r["id"])
                        for r in store.active(db)
                        if int(r["id"]) != job_id and r["state"] == "running" and r["exclusive"]
                    ]
                    if stale:
                        store.ended_elsewhere(db, stale, "stopped: the process running it ended", now_iso())
                    return fd
            if store.cancel_requested(db, job_id):
                raise JobCancelled()
            if not told:
                on_queued(holder(db, job_id))
                told = True
            time.sleep(thresholds.JOB_QUEUE_POLL_SECONDS)
    except BaseException:
        os.close(fd)
        raise


@dataclass
class Outcome:
    """What a job says when it ends: a sentence, and where to see what it made."""

    message: str = ""
    link: str | None = None


def submit(config: Config, kind: str, title: str, actor: str, exclusive: bool = True) -> int:
    """Record a job as queued now, to run later in this process with ``run(..., job_id=...)``:
    the web answers with the job's number before its thread starts."""
    config.home.mkdir(parents=True, exist_ok=True)
    db = config.open_database()
    try:
        tidy(db)
        return store.create(db, kind, title, actor, os.getpid(), exclusive, now_iso())
    finally:
        db.close()


@contextmanager
def run(
    config: Config,
    kind: str,
    title: str,
    actor: str,
    exclusive: bool = True,
    on_queued: Callable[[JobView | None], None] | None = None,
    job_id: int | None = None,
) -> Iterator[tuple[Job, Outcome]]:
    """Run the body as a job: queued until the library is free (``exclusive``), then running,
    then done, cancelled or failed. The body fills in the :class:`Outcome`. ``on_queued`` is
    told, once, which job it waits for. Exceptions propagate, after the job records them.
    ``job_id``: a job :func:`submit` recorded already."""
    config.home.mkdir(parents=True, exist_ok=True)
    db = config.open_database()
    fd: int | None = None
    try:
        if job_id is None:
            tidy(db)
            job_id = store.create(db, kind, title, actor, os.getpid(), exclusive, now_iso())
        job, outcome = Job(job_id, title), Outcome()
        state = "failed"
        try:
            if exclusive:
                fd = _acquire(config, db, job_id, on_queued or (lambda _holder: None))
            store.started(db, job_id, now_iso())
            stop = threading.Event()
            beat = threading.Thread(target=_heartbeat, args=(db, job, stop), name=f"camroll-job-{job_id}", daemon=True)
            beat.start()
            try:
                yield job, outcome
                state = "cancelled" if job.cancelled.is_set() else "done"
            finally:
                stop.set()
                beat.join()
        except KeyboardInterrupt:  # JobCancelled, or Ctrl-C in the terminal that runs it
            state = "cancelled"
            outcome.message = outcome.message or "Cancelled. What was finished is kept."
            raise
        except BaseException as e:
            outcome.message = f"{type(e).__name__}: {e}"
            raise
        finally:
            if state == "cancelled" and not outcome.message:
                outcome.message = "Cancelled. What was finished is kept."
            store.finished(db, job_id, state, outcome.message, outcome.link, now_iso())
    finally:
        if fd is not None:
            os.close(fd)  # releases the lock
        db.close()
