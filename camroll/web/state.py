"""What the running server holds: one library per user, each with its database connections,
its write lock and its background jobs.

Isolation between users is by construction: a logged-in user's library is a camroll home of its
own (``<home>/users/<name>``) with its own database, keys and caches, so no query can reach
another user's photos. Within a library, each request borrows an :class:`AppContext` (one
SQLite connection) from a small pool; reads run in parallel (WAL), and the web's writes take the
library's lock so they queue instead of waiting on SQLite's busy timeout.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from camroll import thresholds
from camroll.config import AppContext, Config
from camroll.web.jobs import JobReporter, JobResult, JobRunner, JobView, Work
from camroll.web.review_suggestions import KeptSuggestions
from camroll.web.security import LOCAL_USER, HostPolicy, Sessions, Users, session_key, user_home
from camroll.web.sessions import Clock, Logins, LoginThrottle

T = TypeVar("T")
log = logging.getLogger(__name__)


class FollowedJobs(JobRunner):
    """The library's jobs, each exclusive one (a scan, an analysis: the people job runs at its
    end) followed, once its work is done and before it ends, by ``after``: what follows from a
    change of the library, such as the people review's merge suggestions
    (web/review_suggestions.py), so the page that follows reads them instead of computing them.
    A failure there is logged; the job's own outcome stands."""

    def __init__(self, config: Config, actor: str, after: Callable[[AppContext, JobReporter], None]) -> None:
        super().__init__(config, actor)
        self._after = after

    def start(self, title: str, work: Work, kind: str = "make", exclusive: bool = False) -> JobView:
        if not exclusive:
            return super().start(title, work, kind, exclusive)

        def followed(ctx: AppContext, reporter: JobReporter) -> JobResult | None:
            result = work(ctx, reporter)  # a cancelled or failed job raises: nothing follows
            try:
                self._after(ctx, reporter)
            except Exception:
                log.exception("what follows the job %r failed", title)
            return result

        return super().start(title, followed, kind, exclusive)


class Library:
    """One user's library as the server sees it."""

    def __init__(self, config: Config, user: str) -> None:
        self.config, self.user = config, user
        self.actor = "web" if user == LOCAL_USER else f"web:{user}"
        self.review_suggestions = KeptSuggestions(config, self.actor)
        """The people review's merge suggestions, computed after each scan or analysis (the
        people job) and in the background, never by a page (web/review_suggestions.py)."""
        self.jobs = FollowedJobs(config, self.actor, self.review_suggestions.after_job)
        self.write_lock = threading.Lock()
        self._pool: queue.SimpleQueue[AppContext] = queue.SimpleQueue()
        self._memo: dict[str, tuple[tuple[int, ...], float, Any]] = {}
        self._memo_lock = threading.Lock()

    def stamp(self) -> tuple[int, ...]:
        """Changes whenever anything is committed to the library's database (every commit
        appends to the WAL; a checkpoint rewrites the main file). A catalog on PostgreSQL has no
        file here: its next transaction id stands in (moves with every writing transaction)."""
        if self.config.database_url is not None:
            with self.context() as ctx:
                return (ctx.db.change_marker()[0],)
        out: list[int] = []
        for name in ("camroll.db", "camroll.db-wal"):
            try:
                st = os.stat(self.config.home / name)
            except FileNotFoundError:
                out += [0, 0]
                continue
            out += [st.st_mtime_ns, st.st_size]
        return tuple(out)

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()``, reused while the database is unchanged (and at most
        ``thresholds.WEB_MEMO_SECONDS``): for summaries a page shows beside live data, such as
        the timeline's month index, which otherwise cost more than the page itself."""
        stamp, now = self.stamp(), time.monotonic()
        with self._memo_lock:
            hit = self._memo.get(key)
            if hit is not None and hit[0] == stamp and now - hit[1] < thresholds.WEB_MEMO_SECONDS:
                return cast(T, hit[2])
        value = compute()
        with self._memo_lock:
            self._memo[key] = (stamp, now, value)
        return value

    @contextmanager
    def context(self) -> Iterator[AppContext]:
        """Borrow a context (a connection) for one request; it goes back to the pool after."""
        try:
            ctx = self._pool.get_nowait()
        except queue.Empty:
            ctx = AppContext(self.config, actor=self.actor)
        try:
            yield ctx
        finally:
            self._pool.put(ctx)

    def close(self) -> None:
        while True:
            try:
                self._pool.get_nowait().close()
            except queue.Empty:
                return


@dataclass
class WebState:
    """Everything a request may need, built once by :func:`camroll.web.app.create_app`."""

    home: Path
    login: bool
    workers: int
    scan_roots: tuple[Path, ...] = ()
    """Folders the scan form accepts (``--scan-root``), at or below; on loopback also the folders
    the library's own scans started from."""
    hosts: HostPolicy = field(default_factory=HostPolicy.for_server)
    """The names the server answers to (every request's ``Host``, every POST's ``Origin``)."""
    secure_cookies: bool = False
    """Served over TLS: the session cookie is marked ``Secure`` (never sent over plain HTTP)."""
    clock: Clock = time.time
    """Seconds since the epoch, for session expiry and the login brake (tests move it)."""
    upload_dir: Path | None = None
    """Where photos sent from a phone land (``--upload-dir``); None: no upload page."""
    users: Users = field(init=False)
    sessions: Sessions = field(init=False)
    logins: Logins = field(init=False)
    throttle: LoginThrottle = field(init=False)
    _libraries: dict[str, Library] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.users = Users(self.home)
        self.sessions = Sessions(session_key(self.home))
        self.logins = Logins(self.home / "web" / "sessions.db", self.clock)
        self.throttle = LoginThrottle(self.clock)

    def library(self, user: str) -> Library:
        with self._lock:
            lib = self._libraries.get(user)
            if lib is None:
                home = user_home(self.home, user)
                lib = self._libraries[user] = Library(Config(home=home, workers=self.workers), user)
            return lib

    def upload_root(self, user: str) -> Path | None:
        """The folder ``user``'s uploads land in: the upload folder itself on a server of one
        user, ``<upload folder>/<user>`` once there are several (each library catalogs its own
        folder, so no one's scan picks up another's photos)."""
        if self.upload_dir is None:
            return None
        return self.upload_dir if len(self.users.names()) <= 1 else self.upload_dir / user

    def close(self) -> None:
        with self._lock:
            for lib in self._libraries.values():
                lib.close()
            self._libraries.clear()
        self.logins.close()
