"""Long work started from a page (scan, analyse, make a collage or video), run in the background.

Each job is one thread with its own :class:`AppContext` (its own database connection), so pages
stay responsive while it writes in short transactions. The job reports its progress through the
same :class:`camroll.progress.Reporter` protocol the CLI draws as a Rich bar; a page polls
``/jobs/<id>`` (a few hundred bytes of JSON) and draws it as a progress bar.
"""

from __future__ import annotations

import itertools
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from camroll.config import AppContext, Config

Work = Callable[[AppContext, "JobReporter"], "JobResult | None"]


@dataclass
class JobResult:
    """What a finished job says: a sentence, and where to go to see what it made."""

    message: str
    link: str | None = None


@dataclass
class Job:
    id: int
    title: str
    state: str = "running"
    """``running``, ``done`` or ``failed``."""
    phase: str = ""
    done: int = 0
    total: int | None = None
    problems: int = 0
    message: str = ""
    link: str | None = None
    started: float = field(default_factory=time.time)
    finished: float | None = None

    def as_json(self) -> dict[str, Any]:
        percent = None
        if self.total:
            percent = round(100 * min(self.done, self.total) / self.total, 1)
        elif self.state != "running":
            percent = 100.0
        return {"id": self.id, "title": self.title, "state": self.state, "phase": self.phase, "done": self.done,
                "total": self.total, "percent": percent, "problems": self.problems, "message": self.message,
                "link": self.link, "seconds": round((self.finished or time.time()) - self.started, 1)}  # fmt: skip


class JobReporter:
    """A :class:`camroll.progress.Reporter` that writes into a job record."""

    def __init__(self, job: Job, lock: threading.Lock) -> None:
        self._job, self._lock = job, lock

    def start(self, phase: str, total: int | None) -> None:
        with self._lock:
            self._job.phase, self._job.total, self._job.done = phase, total, 0

    def advance(self, n: int = 1) -> None:
        with self._lock:
            self._job.done += n

    def problem(self, path: str, errors: list[str]) -> None:
        with self._lock:
            self._job.problems += 1


class JobRunner:
    """The jobs of one library (one user): started, listed, polled. Kept in memory: a job
    belongs to the running server, its results are in the database."""

    def __init__(self, config: Config, actor: str, keep: int = 50) -> None:
        self._config, self._actor, self._keep = config, actor, keep
        self._finish_purges()  # the server starts: a revoke killed after its commit is finished first
        self._jobs: dict[int, Job] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def _finish_purges(self, ctx: AppContext | None = None) -> None:
        """Delete what a purge killed after its commit left (camroll.privacy.purge.finish_pending)."""
        from camroll.privacy.purge import finish_pending

        own = ctx is None
        ctx = AppContext(self._config, actor=self._actor) if ctx is None else ctx
        try:
            finish_pending(ctx)
        finally:
            if own:
                ctx.close()

    def start(self, title: str, work: Work) -> Job:
        with self._lock:
            job = Job(next(self._ids), title)
            self._jobs[job.id] = job
            for old in sorted(self._jobs)[: max(0, len(self._jobs) - self._keep)]:
                if self._jobs[old].state != "running":
                    del self._jobs[old]
        thread = threading.Thread(target=self._run, args=(job, work), name=f"camroll-job-{job.id}", daemon=True)
        thread.start()
        return job

    def _run(self, job: Job, work: Work) -> None:
        ctx = AppContext(self._config, actor=self._actor)
        try:
            self._finish_purges(ctx)
            result = work(ctx, JobReporter(job, self._lock))
            with self._lock:
                job.state = "done"
                if result is not None:
                    job.message, job.link = result.message, result.link
        except Exception as e:  # a failed job says why on the page; the server goes on
            traceback.print_exc()
            with self._lock:
                job.state, job.message = "failed", f"{type(e).__name__}: {e}"
        finally:
            with self._lock:
                job.finished = time.time()
            ctx.close()

    def get(self, job_id: int) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def listing(self) -> list[Job]:
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: -j.id)

    def running(self) -> list[Job]:
        return [j for j in self.listing() if j.state == "running"]

    def wait(self, job_id: int, timeout: float) -> Job | None:
        """Wait until a job ends (tests and the CLI use it); the job, or None if unknown."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.get(job_id)
            if job is None or job.state != "running":
                return job
            time.sleep(0.05)
        return self.get(job_id)
