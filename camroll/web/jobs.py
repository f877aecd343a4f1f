"""Long work started from a page (scan, analyse, make a collage or video), run in the background.

Each job is one thread with its own :class:`AppContext` (its own database connection), so pages
stay responsive while it writes in short transactions. It runs as a job of the library
(:mod:`camroll.library.jobs`): a scan or an analysis waits its turn behind any other one, from
this server or from a terminal, and everything the page shows (title, progress, failures) is read
from the library's ``jobs`` table, so a scan started with ``camroll scan`` appears here too, with
its Cancel button. A page polls ``/jobs/<id>`` (a few hundred bytes of JSON) for its bar.

A job that fails logs its traceback (``logging``, the server's log) and says why on the page.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from camroll.config import AppContext, Config
from camroll.library import jobs
from camroll.library.jobs import JobReporter, JobView
from camroll.privacy.purge import finish_pending
from camroll.store.db import Database

__all__ = ["JobReporter", "JobResult", "JobRunner", "JobView", "Work"]

log = logging.getLogger(__name__)

Work = Callable[[AppContext, JobReporter], "JobResult | None"]


@dataclass
class JobResult:
    """What a finished job says: a sentence, and where to go to see what it made."""

    message: str
    link: str | None = None


class JobRunner:
    """The jobs of one library (one user): started here, listed and cancelled from the table
    every front end shares."""

    def __init__(self, config: Config, actor: str) -> None:
        self._config, self._actor = config, actor
        self._db: Database | None = None
        self._lock = threading.Lock()
        _finish_purges(config, actor)  # the server starts: a revoke killed after its commit is finished first

    @contextmanager
    def _reading(self) -> Iterator[Database]:
        """The runner's own connection, one request at a time (reads of a few rows)."""
        with self._lock:
            if self._db is None:
                self._config.home.mkdir(parents=True, exist_ok=True)
                self._db = self._config.open_database()
            yield self._db

    def start(self, title: str, work: Work, kind: str = "make", exclusive: bool = False) -> JobView:
        """Start ``work`` in a thread; ``exclusive`` work (scans, analyses) first waits for the
        library. Returns the job as recorded (queued)."""
        job_id = jobs.submit(self._config, kind, title, self._actor, exclusive)
        thread = threading.Thread(
            target=self._run, args=(job_id, kind, title, exclusive, work), name=f"camroll-job-{job_id}", daemon=True
        )
        thread.start()
        view = self.get(job_id)
        assert view is not None
        return view

    def _run(self, job_id: int, kind: str, title: str, exclusive: bool, work: Work) -> None:
        ctx = AppContext(self._config, actor=self._actor)
        try:
            with jobs.run(self._config, kind, title, self._actor, exclusive, job_id=job_id) as (job, outcome):
                finish_pending(ctx)  # before each job: what a purge killed after its commit left
                result = work(ctx, job.reporter())
                if result is not None:
                    outcome.message, outcome.link = result.message, result.link
        except KeyboardInterrupt:  # JobCancelled: recorded as cancelled by the job itself
            log.info("job %s (%s) was cancelled", job_id, title)
        except Exception:  # a failed job says why on the page; the server goes on
            log.exception("job %s (%s) failed", job_id, title)
        finally:
            ctx.close()

    def get(self, job_id: int, failures: int = 20) -> JobView | None:
        with self._reading() as db:
            return jobs.find(db, job_id, failures)

    def listing(self) -> list[JobView]:
        with self._reading() as db:
            return jobs.listing(db)

    def running(self) -> list[JobView]:
        """Jobs not ended yet (queued or running), oldest first."""
        with self._reading() as db:
            return jobs.active(db)

    def cancel(self, job_id: int) -> bool:
        with self._reading() as db:
            return jobs.cancel(db, job_id)

    def wait(self, job_id: int, timeout: float) -> JobView | None:
        """Wait until a job ends (tests use it); the job, or None if unknown."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.get(job_id)
            if job is None or not job.active:
                return job
            time.sleep(0.05)
        return self.get(job_id)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def _finish_purges(config: Config, actor: str) -> None:
    """Delete what a purge killed after its commit left (:func:`camroll.privacy.purge.finish_pending`)."""
    ctx = AppContext(config, actor=actor)
    try:
        finish_pending(ctx)
    finally:
        ctx.close()
