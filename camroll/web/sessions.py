"""Logins kept on the server, and the brake on guessing passwords.

:class:`Logins`: who is logged in under which session id, in ``<home>/web/sessions.db``
(:mod:`camroll.store.web_sessions`). Logging out deletes the row, so a copied cookie replayed
afterwards is a stranger's; a session also ends after ``WEB_SESSION_IDLE_SECONDS`` without use
and ``WEB_SESSION_MAX_SECONDS`` after the login, whatever its use.

:class:`LoginThrottle`: failed logins, counted per user name and per client address in the
server's memory (the app state, not module globals). After ``WEB_LOGIN_FREE_FAILURES`` failures a
name or address must wait before its next try, twice as long after each further failure (capped
at ``WEB_LOGIN_MAX_DELAY_SECONDS``); a try during the wait is refused (429) without checking the
password. Names that do not exist are counted the same, so the brake tells nothing either.

Both take a clock (seconds since the epoch) so tests move time instead of sleeping.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from camroll import thresholds
from camroll.store import web_sessions

Clock = Callable[[], float]


def _hash(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8")).hexdigest()


class Logins:
    """The server's store of logged-in sessions (opened on first use: a loopback server without
    login never creates it)."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path, self.clock = path, clock
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = web_sessions.open_sessions(self.path)
        return self._conn

    def start(self, sid: str, user: str) -> None:
        """Record a login under ``sid`` (a fresh id: one seen before login is never reused)."""
        now = self.clock()
        with self._lock:
            db = self._db()
            web_sessions.prune(db, now - thresholds.WEB_SESSION_IDLE_SECONDS, now - thresholds.WEB_SESSION_MAX_SECONDS)
            web_sessions.insert(db, _hash(sid), user, now)

    def user_of(self, sid: str) -> str | None:
        """Who is logged in under ``sid``, or None: no such login, ended, idle too long or too old
        (an expired row is deleted as it is found)."""
        now, key = self.clock(), _hash(sid)
        with self._lock:
            db = self._db()
            found = web_sessions.find(db, key)
            if found is None:
                return None
            user, created, seen = found
            if now - seen > thresholds.WEB_SESSION_IDLE_SECONDS or now - created > thresholds.WEB_SESSION_MAX_SECONDS:
                web_sessions.delete(db, key)
                return None
            if now - seen > thresholds.WEB_SESSION_TOUCH_SECONDS:
                web_sessions.touch(db, key, now)
            return user

    def end(self, sid: str) -> None:
        """Log out: the session's row goes, and with it every copy of its cookie."""
        with self._lock:
            web_sessions.delete(self._db(), _hash(sid))

    def end_user(self, user: str) -> int:
        """End every session of ``user`` (a new password); returns how many ended."""
        with self._lock:
            return web_sessions.delete_user(self._db(), user)

    def count(self, user: str | None = None) -> int:
        with self._lock:
            return web_sessions.count(self._db(), user)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


@dataclass
class _Failures:
    count: int
    last: float
    until: float


class LoginThrottle:
    """Failed logins per user name and per client address, with a growing wait."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], _Failures] = {}

    def begin(self, user: str, client: str) -> float:
        """Before checking a password: 0 when the try may go ahead (it is then counted as a failure
        until :meth:`succeeded` says otherwise, so tries sent in parallel cannot slip past the
        count), else the seconds the name or the address still has to wait."""
        now = self.clock()
        keys = (("user", user), ("client", client))
        with self._lock:
            wait = max(self._wait(key, now) for key in keys)
            if wait > 0:
                return wait
            for key in keys:
                self._fail(key, now)
            return 0.0

    def succeeded(self, user: str, client: str) -> None:
        """A right password: the name's and the address's count start again."""
        with self._lock:
            self._seen.pop(("user", user), None)
            self._seen.pop(("client", client), None)

    def _wait(self, key: tuple[str, str], now: float) -> float:
        entry = self._seen.get(key)
        if entry is None:
            return 0.0
        if now - entry.last > thresholds.WEB_LOGIN_FORGET_SECONDS:
            del self._seen[key]
            return 0.0
        return max(0.0, entry.until - now)

    def _fail(self, key: tuple[str, str], now: float) -> None:
        entry = self._seen.get(key)
        if entry is None:
            if len(self._seen) >= thresholds.WEB_LOGIN_TRACKED:
                self._make_room(now)
            entry = self._seen[key] = _Failures(0, now, now)
        entry.count += 1
        entry.last = now
        extra = entry.count - thresholds.WEB_LOGIN_FREE_FAILURES
        if extra >= 0:
            entry.until = now + min(
                thresholds.WEB_LOGIN_MAX_DELAY_SECONDS, thresholds.WEB_LOGIN_DELAY_SECONDS * 2.0 ** min(extra, 40)
            )

    def _make_room(self, now: float) -> None:
        """Keep memory bounded under a flood of names or addresses: forget what is stale, then
        the half with the oldest last failure."""
        stale = [k for k, e in self._seen.items() if now - e.last > thresholds.WEB_LOGIN_FORGET_SECONDS]
        for key in stale:
            del self._seen[key]
        if len(self._seen) >= thresholds.WEB_LOGIN_TRACKED:
            oldest = sorted(self._seen, key=lambda k: self._seen[k].last)[: len(self._seen) // 2]
            for key in oldest:
                del self._seen[key]
