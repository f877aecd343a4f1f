"""Watched folders: keep the catalog current while `camroll watch` (or `serve --watch`) runs.

watchdog (inotify on Linux) reports file events; they are gathered into bursts (debounced,
:data:`~camroll.thresholds.WATCH_DEBOUNCE_SECONDS`) and each burst runs the ordinary rescan
(:func:`camroll.library.scan.scan`) of the watched folder, so a move keeps the photo's identity
(the catalog's identity is the content hash), a deletion is handled as `scan` handles it, and a
file still being written waits until its size and mtime settle, and, where inotify reports opens
and closes (Linux), until the process writing it has closed it: a copy that pauses longer than the
settle time is not catalogued half-written. When inotify's watch limit is reached (ENOSPC), the
folder is rescanned periodically instead, and the watcher says so once. At start, one ordinary
rescan catches up on what changed while nothing watched. Events under the library's own home
(a home kept inside a watched folder) are not changes: its database writes would start bursts
without end.

Known gap: a rescan walks the whole folder, so a file that starts being written *while a burst's
scan runs* can be read half-written by that scan; the next burst then catalogues the whole file
as a new photo and the half one's photo row stays, without a live file. The window is the scan's
walk, not the settle time.
"""

from __future__ import annotations

import errno
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from camroll import thresholds
from camroll.config import AppContext
from camroll.library.scan import scan
from camroll.store import watch_state


@dataclass
class WatchSummary:
    """What one watch session did, for the summary printed on Ctrl-C."""

    folders: list[str] = field(default_factory=list)
    bursts: int = 0
    new_photos: int = 0
    removed: int = 0
    fallbacks: list[str] = field(default_factory=list)


def _settled(paths: set[str], wait: float) -> bool:
    """True when none of ``paths`` changed size or mtime over ``wait`` seconds."""

    def sig() -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        for p in paths:
            try:
                st = os.stat(p)
            except OSError:
                continue
            out[p] = (st.st_size, st.st_mtime_ns)
        return out

    before = sig()
    time.sleep(wait)
    return sig() == before


def _home_prefixes(home: os.PathLike[str] | str, folders: list[str]) -> tuple[str, ...]:
    """Path prefixes under which events are the library's own writes: its home, as given and
    resolved, and as reached through each watched folder that holds it (a symlinked folder)."""
    given, real = os.path.abspath(home), os.path.realpath(home)
    prefixes = {given, real}
    for folder in folders:
        real_folder = os.path.realpath(folder)
        if real.startswith(real_folder + os.sep):
            prefixes.add(os.path.join(folder, os.path.relpath(real, real_folder)))
    return tuple(p + os.sep for p in sorted(prefixes))


class Watcher:
    """Watch ``folders`` until ``stop`` is set; ``say`` receives one line per burst."""

    def __init__(
        self,
        ctx: AppContext,
        folders: list[str],
        stop: threading.Event,
        say: Callable[[str], None] = lambda _line: None,
        observer_factory: Callable[[], Any] | None = None,
        debounce: float = thresholds.WATCH_DEBOUNCE_SECONDS,
        settle: float = thresholds.WATCH_SETTLE_SECONDS,
        rescan_every: float = thresholds.WATCH_RESCAN_SECONDS,
        catalogue: Callable[[AppContext, str], Any] | None = None,
        more_folders: Callable[[], list[str]] | None = None,
    ) -> None:
        """``catalogue(ctx, folder)`` rescans one folder and returns its scan summary (with
        ``new_photos`` and ``removed``): the ordinary scan by default; the CLI gives one that runs
        as a job of the library's one queue and analyses what is granted (layers above this one).
        ``more_folders()``, asked every ``rescan_every`` seconds, names the folders to watch now
        (``serve --watch``: the library's, which the web's scan form can add to)."""
        self.more_folders = more_folders
        self.catalogue = catalogue or (lambda ctx, folder: scan(ctx, [folder]))
        self.ctx = ctx
        self.folders = [os.path.abspath(f) for f in folders]
        self.stop = stop
        self.say = say
        self.observer_factory = observer_factory
        self.debounce, self.settle, self.rescan_every = debounce, settle, rescan_every
        self.summary = WatchSummary(folders=list(self.folders))
        self._lock = threading.Lock()
        self._dirty: dict[str, set[str]] = {}
        self._last_event = 0.0
        self._open: dict[str, tuple[int, float]] = {}
        """path -> (opens not yet closed, time of its last event): who still holds a file open."""
        self.caught_up = threading.Event()
        """Set once the start's catch-up rescans are done: from then on only events start scans
        (``watch_state`` is stamped before them, so ``watch --status`` shows a long first scan)."""
        self._ignored = _home_prefixes(ctx.config.home, self.folders)
        """The library's home as seen under each watched folder: its database and caches change
        with every burst, and must not start the next one."""

    def _event(self, folder: str, kind: str, src: str, dest: str = "") -> None:
        """One file event: count opens and closes (``opened`` and ``closed_no_write`` change no
        content, so they only count), and mark the folder dirty for anything else."""
        if (src + os.sep).startswith(self._ignored) and (not dest or (dest + os.sep).startswith(self._ignored)):
            return  # the home itself, or a file in it
        now = time.monotonic()
        with self._lock:
            opens = self._open.pop(src, (0, now))[0]
            if kind == "opened":
                opens += 1
            elif kind in ("closed", "closed_no_write"):
                opens = max(0, opens - 1)
            elif kind == "deleted":
                opens = 0
            if opens:
                self._open[dest or src] = (opens, now)  # a file renamed while open is closed under its new name
            if kind in ("opened", "closed_no_write"):
                return
            self._dirty.setdefault(folder, set()).update(p for p in (src, dest) if p)
            self._last_event = now

    def _writing(self, paths: set[str]) -> bool:
        """Whether a process still holds one of ``paths`` open and was heard from recently."""
        now = time.monotonic()
        with self._lock:
            for stale in [p for p, (_n, at) in self._open.items() if now - at >= thresholds.WATCH_WRITER_IDLE_SECONDS]:
                del self._open[stale]  # a close inotify never reported (its queue overflowed) is forgotten
            return any(p in self._open for p in paths)

    def _schedule(self, observer: Any, folder: str) -> bool:
        """Watch ``folder`` and what is below it; False when inotify's watch limit is reached."""
        from watchdog.events import FileSystemEvent, FileSystemEventHandler

        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                dest = getattr(event, "dest_path", "")
                watcher._event(folder, event.event_type, os.fsdecode(event.src_path), os.fsdecode(dest) if dest else "")

        try:
            observer.schedule(Handler(), folder, recursive=True)
        except OSError as e:
            if e.errno not in (errno.ENOSPC, errno.EMFILE):
                raise
            return False
        return True

    def _fall_back(self, folders: list[str]) -> None:
        """These folders are rescanned periodically instead; said once per watch."""
        if not self.summary.fallbacks:
            self.say(
                f"the inotify watch limit is reached (fs.inotify.max_user_watches): rescanning {len(folders)} "
                f"folder(s) every {self.rescan_every:g} s instead"
            )
        self.summary.fallbacks.extend(folders)

    def _observe(self) -> tuple[Any, list[str]]:
        """Start watchdog on each folder; the folders it cannot watch come back for rescans."""
        from watchdog.observers import Observer

        observer = (self.observer_factory or Observer)()
        polled = [folder for folder in self.folders if not self._schedule(observer, folder)]
        try:
            observer.start()
        except OSError as e:
            if e.errno not in (errno.ENOSPC, errno.EMFILE):
                raise
            polled = list(self.folders)
        if polled:
            self._fall_back(polled)
        return observer, polled

    def _add_new_folders(self, observer: Any, polled: list[str]) -> None:
        """The folders ``more_folders`` names that are not watched yet (the library gained them,
        say from the web's scan form): watched from now on, recorded, and caught up."""
        assert self.more_folders is not None
        for folder in [os.path.abspath(f) for f in self.more_folders()]:
            if folder in self.folders or not os.path.isdir(folder):
                continue
            self.folders.append(folder)
            self.summary.folders.append(folder)
            self._ignored = _home_prefixes(self.ctx.config.home, self.folders)
            watched = observer.is_alive() and self._schedule(observer, folder)
            if not watched:
                polled.append(folder)
                self._fall_back([folder])
            watch_state.started(self.ctx.db, folder, "inotify" if watched else "rescan", os.getpid())
            self.say(f"now watching {folder} too")
            self._rescan(folder, burst=False)

    def _rescan(self, folder: str, burst: bool) -> None:
        s = self.catalogue(self.ctx, folder)
        watch_state.looked(self.ctx.db, folder, burst)
        self.summary.new_photos += s.new_photos
        self.summary.removed += s.removed
        if burst:
            self.summary.bursts += 1
            self.say(f"{s.new_photos} new photo(s), {s.removed} gone in {folder}, catalogued")

    def run(self) -> WatchSummary:
        """Catch up, then watch until ``stop`` is set."""
        observer, polled = self._observe()
        for folder in self.folders:
            watch_state.started(self.ctx.db, folder, "rescan" if folder in polled else "inotify", os.getpid())
        try:
            for folder in self.folders:
                if self.stop.is_set():
                    break
                self._rescan(folder, burst=False)
            self.caught_up.set()
            next_poll = next_folders = time.monotonic() + self.rescan_every
            while not self.stop.wait(0.2):
                if self.more_folders is not None and time.monotonic() >= next_folders:
                    self._add_new_folders(observer, polled)
                    next_folders = time.monotonic() + self.rescan_every
                with self._lock:
                    seen = self._last_event
                    quiet = self._dirty and time.monotonic() - seen >= self.debounce
                    batch = {folder: set(paths) for folder, paths in self._dirty.items()} if quiet else {}
                batch = {folder: paths for folder, paths in batch.items() if not self._writing(paths)}
                if batch:
                    if not _settled(set().union(*batch.values()), self.settle):
                        continue  # still being written: the next quiet spell looks again
                    with self._lock:
                        if self._last_event != seen:
                            continue  # a file came or changed while it settled: look again when quiet
                        for folder in batch:
                            self._dirty.pop(folder, None)
                    for folder in batch:
                        if self.stop.is_set():
                            break  # what is left is caught up by the next start's rescan
                        self._rescan(folder, burst=True)
                if polled and time.monotonic() >= next_poll:
                    for folder in polled:
                        self._rescan(folder, burst=True)
                    next_poll = time.monotonic() + self.rescan_every
        finally:
            observer.stop()
            if observer.is_alive():
                observer.join(timeout=5)
            watch_state.stopped(self.ctx.db, self.folders)
        return self.summary
