"""`camroll watch`: keep the catalog current while it runs (watched folders, issue 13), and the
same watcher in a thread of `camroll serve --watch` (:class:`BackgroundWatch`)."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from camroll.cli.common import HomeOption, JsonOption, app, console_err, ctx_for, fail, print_json, shown
from camroll.config import AppContext, Config

log = logging.getLogger(__name__)


class _JobIds:
    """The watch's jobs not ended yet (queued or running), so a stopping server can cancel them.
    After :meth:`close`, a job submitted late is refused (its caller cancels it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: set[int] = set()
        self._closed = False

    def add(self, job_id: int) -> bool:
        with self._lock:
            if self._closed:
                return False
            self._ids.add(job_id)
            return True

    def close(self) -> list[int]:
        """Refuse new jobs; the ids of those in flight, to cancel."""
        with self._lock:
            self._closed = True
            return sorted(self._ids)

    def discard(self, job_id: int) -> None:
        with self._lock:
            self._ids.discard(job_id)


def _catalogue(ctx: AppContext, folder: str, running: _JobIds | None = None) -> Any:
    """One rescan as a job of the library's one queue (it waits for a running analysis, and lets
    the next one in between two bursts), analysing what is granted on the new photos. ``running``
    holds the job's id while it is queued or runs."""
    from camroll.analysis.workflow import scan_and_analyse
    from camroll.library import jobs
    from camroll.progress import Silent

    title = f"Watching: scanning {folder}"
    job_id = jobs.submit(ctx.config, "scan", title, ctx.actor)
    if running is not None and not running.add(job_id):
        jobs.cancel(ctx.db, job_id)  # the server stopped between the burst's start and now
    try:
        with jobs.run(ctx.config, "scan", title, ctx.actor, job_id=job_id) as (job, outcome):
            result = scan_and_analyse(ctx, [folder], job.reporter(Silent()))
            outcome.message = result.sentence()
    finally:
        if running is not None:
            running.discard(job_id)
    return result.scan


def _cancel_all(config: Config, running: _JobIds) -> None:
    """Refuse new bursts and cancel those in flight (each stops within a heartbeat and one photo,
    keeping what it finished; the next start's rescan catches up)."""
    from camroll.library import jobs

    ids = running.close()
    if ids:
        db = config.open_database()
        try:
            for job_id in ids:
                jobs.cancel(db, job_id)
        finally:
            db.close()


class BackgroundWatch:
    """`camroll serve --watch`: one watcher thread per library the server shows (``libraries``:
    each library's config and the actor its jobs are recorded under), over the folders that
    library has catalogued (one added while it serves is watched within
    ``thresholds.WATCH_RESCAN_SECONDS``). Each burst is a job of that library's one
    queue, as the web's scans and analyses are, so a burst and a web analysis never run at once.
    :meth:`stop` ends the watchers and cancels a burst still queued or running (what it finished
    is kept), so the server stops promptly."""

    def __init__(self, libraries: list[tuple[Config, str]], say: Callable[[str], None]) -> None:
        self.libraries, self.say = libraries, say
        self.stop_event = threading.Event()
        self.running = {config.home: _JobIds() for config, _actor in libraries}
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        for config, actor in self.libraries:
            thread = threading.Thread(
                target=self._watch, args=(config, actor), name=f"camroll-watch-{actor}", daemon=True
            )
            thread.start()
            self.threads.append(thread)

    def _watch(self, config: Config, actor: str) -> None:
        from camroll import thresholds
        from camroll.library.watch import Watcher
        from camroll.store import scan_roots

        ctx = AppContext(config, actor=actor)  # its own database connection, in its own thread
        try:
            if not config.has_library:
                return
            folders = [r for r in scan_roots.catalogued_roots(ctx.db) if Path(r).is_dir()]
            self.say(
                f"Watching {len(folders)} folder(s) of {config.home}."
                if folders
                else f"Nothing to watch in {config.home} yet: a folder scanned there is watched within "
                f"{thresholds.WATCH_RESCAN_SECONDS:g} s."
            )
            watcher = Watcher(
                ctx,
                folders,
                self.stop_event,
                self.say,
                catalogue=partial(_catalogue, running=self.running[config.home]),
                more_folders=lambda: scan_roots.catalogued_roots(ctx.db),  # a folder the web's scan form adds
            )
            watcher.run()
        except KeyboardInterrupt:  # a burst cancelled by stop(): what it finished is kept
            pass
        except Exception:  # the server goes on serving; the log says why the watch ended
            log.exception("watching %s failed", config.home)
            self.say(f"Watching {config.home} stopped on an error (see the log); the server goes on.")
        finally:
            ctx.close()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop watching: cancel the bursts in flight, then wait for the threads (``timeout`` s)."""
        self.stop_event.set()
        for config, _actor in self.libraries:
            _cancel_all(config, self.running[config.home])
        for thread in self.threads:
            thread.join(timeout)


def _install(given: list[str], folders: list[str], home: Path) -> None:
    """``--install``: the systemd user unit written (Linux), or the launchd plist printed (macOS).
    With no folder ``given``, the service watches every folder of the library as it is at each
    start (a folder scanned later is watched after the next start), not today's list."""
    import sys

    from camroll.cli import watch_install

    argv = watch_install.watch_argv(given, home)
    what = (
        f"{len(given)} folder(s)"
        if given
        else f"every folder of the library (now {len(folders)}; at each start, those it has then)"
    )
    out = Console()
    if sys.platform == "darwin":
        plist = Path("~/Library/LaunchAgents") / f"{watch_install.LAUNCHD_LABEL}.plist"
        print(watch_install.launchd_plist(argv, home), end="")
        console_err().print(
            f"Save this as {plist} and run: launchctl bootstrap gui/$(id -u) {plist}  (camroll wrote nothing).",
            soft_wrap=True,
            highlight=False,
        )
        return
    path, replaced = watch_install.write_unit(argv)
    name = watch_install.UNIT_NAME
    start = (
        f"systemctl --user daemon-reload && systemctl --user enable {name} && systemctl --user restart {name}"
        if replaced  # a running watch keeps its old folders until it restarts
        else f"systemctl --user enable --now {name}"
    )
    out.print(
        f"{'Replaced' if replaced else 'Wrote'} {shown(str(path))}: it watches {what} of the "
        f"library {shown(str(home))}.\nTo start it now and at every login, run:\n  {start}\n"
        "(To keep it running while you are logged out: loginctl enable-linger. camroll started nothing.)",
        highlight=False,
        soft_wrap=True,
    )


@app.command("watch")
def watch_cmd(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Folders to watch (default: every folder of the library).")
    ] = None,
    status: Annotated[bool, typer.Option("--status", help="Say what is watched and when it last looked.")] = False,
    install: Annotated[
        bool,
        typer.Option(
            "--install",
            help="Write a systemd user unit (on macOS: print a launchd plist) that keeps this watch running "
            "after a reboot; prints the command that starts it, runs nothing.",
        ),
    ] = False,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Keep the catalog current while it runs: new, moved and deleted photos are catalogued as they
    arrive (a moved photo keeps everything camroll knows about it), and what you granted is
    analysed on the new ones. Ctrl-C stops it and says what it did."""
    from camroll.library.watch import Watcher
    from camroll.store import scan_roots, watch_state

    ctx = ctx_for(home)
    if status:
        rows = watch_state.listing(ctx.db)
        if as_json:
            print_json(rows)
            return
        for r in rows:
            Console().print(
                f"{shown(str(r.get('path')))}: {r.get('mode')}, last looked {r.get('last_look') or 'never'}"
                + (f", watched by process {r['pid']}" if r.get("pid") else ", not watched now"),
                highlight=False,
            )
        if not rows:
            Console().print("Nothing has been watched yet: `camroll watch` starts.")
        return
    folders = [str(p.expanduser().resolve()) for p in paths or []] or [
        r for r in scan_roots.catalogued_roots(ctx.db) if Path(r).is_dir()
    ]
    if not folders:
        fail("no folder to watch: give one, or `camroll scan` a folder first")
    missing = [f for f in folders if not Path(f).is_dir()]
    if missing:
        fail(f"not a folder: {missing[0]}")
    if install:
        _install([str(p.expanduser().resolve()) for p in paths or []], folders, ctx.config.home)
        return
    err = console_err()
    stop, running = threading.Event(), _JobIds()

    def stopping(*_: Any) -> None:
        # A burst runs in this (the main) thread: the cancel, a database write, goes to a thread
        # of its own, which waits for the burst's transaction instead of deadlocking on it.
        stop.set()
        threading.Thread(target=_cancel_all, args=(ctx.config, running), daemon=True).start()

    signal.signal(signal.SIGINT, stopping)
    signal.signal(signal.SIGTERM, stopping)
    err.print(f"Watching {len(folders)} folder(s); Ctrl-C stops.", highlight=False)
    watcher = Watcher(
        ctx,
        folders,
        stop,
        say=lambda line: err.print(shown(line), highlight=False),
        catalogue=partial(_catalogue, running=running),
    )
    try:
        summary = watcher.run()
    except KeyboardInterrupt:  # the cancelled burst stopped outside the scan's own Ctrl-C handling
        summary = watcher.summary
    if as_json:
        print_json(vars(summary))
        return
    Console().print(
        f"Watched {len(summary.folders)} folder(s): {summary.bursts} burst(s), {summary.new_photos} new photo(s), "
        f"{summary.removed} gone"
        + (
            f"; rescanned periodically (inotify watch limit): {', '.join(summary.fallbacks)}"
            if summary.fallbacks
            else ""
        )
        + ".",
        highlight=False,
    )
