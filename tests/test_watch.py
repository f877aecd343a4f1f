"""Watched folders: real inotify on temp folders, the watcher driven in-process with a stop event."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from camroll.config import AppContext
from camroll.library.watch import Watcher
from camroll.store import watch_state

PHOTO = Path(__file__).parent / "data" / "photos" / "exif" / "exifr" / "IMG_5910.jpg"


def _live(ctx: AppContext) -> list[tuple[int, str]]:
    """Read with a connection of its own: the watcher's thread uses the context's."""
    with sqlite3.connect(ctx.db.path) as conn:
        rows = conn.execute("SELECT photo_id, path FROM files WHERE state = 'ok' ORDER BY path").fetchall()
    return [(int(r[0]), os.fsdecode(r[1]) if isinstance(r[1], bytes) else str(r[1])) for r in rows]


def _until(check: Any, seconds: float = 10.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.1)
    return False


def _start(w: Watcher) -> threading.Thread:
    assert w.ctx.db.schema_version >= 17  # open (and migrate) the database before the watcher's thread uses it
    t = threading.Thread(target=w.run, daemon=True)
    t.start()
    return t


def test_new_file_catalogued_and_move_keeps_photo_id(ctx: AppContext, tmp_path: Path) -> None:
    folder = tmp_path / "Camera"
    folder.mkdir()
    stop = threading.Event()
    lines: list[str] = []
    w = Watcher(ctx, [str(folder)], stop, lines.append, debounce=0.3, settle=0.2)
    t = _start(w)
    try:
        assert _until(lambda: w.summary.folders != [])
        time.sleep(0.5)
        shutil.copy(PHOTO, folder / "a.jpg")
        assert _until(lambda: len(_live(ctx)) == 1), lines
        photo_id = _live(ctx)[0][0]
        (folder / "sub").mkdir()
        (folder / "a.jpg").rename(folder / "sub" / "b.jpg")
        assert _until(lambda: [p for _, p in _live(ctx)] == [str(folder / "sub" / "b.jpg")]), _live(ctx)
        assert _live(ctx)[0][0] == photo_id
        assert ctx.db.scalar("SELECT COUNT(*) FROM photos") == 1
    finally:
        stop.set()
        t.join(10)
    assert w.summary.new_photos == 1 and w.summary.bursts >= 2
    assert watch_state.listing(ctx.db)[0]["pid"] is None


def test_inotify_limit_falls_back_to_rescans(ctx: AppContext, tmp_path: Path) -> None:
    class Full:
        def schedule(self, *_a: Any, **_k: Any) -> None:
            raise OSError(errno.ENOSPC, "inotify watch limit reached")

        def start(self) -> None: ...
        def stop(self) -> None: ...
        def is_alive(self) -> bool:
            return False

    folder = tmp_path / "Camera"
    folder.mkdir()
    stop = threading.Event()
    lines: list[str] = []
    w = Watcher(ctx, [str(folder)], stop, lines.append, observer_factory=Full, rescan_every=0.5)
    t = _start(w)
    try:
        assert _until(lambda: w.summary.folders != [])
        shutil.copy(PHOTO, folder / "a.jpg")
        assert _until(lambda: len(_live(ctx)) == 1)
    finally:
        stop.set()
        t.join(10)
    assert sum("watch limit" in line for line in lines) == 1
    assert watch_state.listing(ctx.db)[0]["mode"] == "rescan"


def test_camroll_watch_catalogues_and_analyses_then_stops_on_ctrl_c(tmp_path: Path) -> None:
    """The command, as a person runs it: a photo dropped into the folder is catalogued and the
    capability granted there analyses it, as a job of the library; Ctrl-C ends with a summary."""
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    import numpy as np
    from PIL import Image

    from tests.conftest import run_cli

    home, folder = tmp_path / "home", tmp_path / "Camera"
    folder.mkdir()
    Image.fromarray(np.full((40, 60, 3), 90, dtype=np.uint8)).save(folder / "first.jpg")
    run_cli(home, "scan", str(folder), "--workers", "1")
    run_cli(home, "consent", "grant", "quality", "--scope", str(folder))
    proc = subprocess.Popen(
        [sys.executable, "-m", "camroll.cli", "watch", "--home", str(home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        db = home / "camroll.db"
        deadline = time.monotonic() + 120  # a bound for a broken build, not a timing assertion

        def rows(sql: str) -> int:
            con = sqlite3.connect(db)
            try:
                return int(con.execute(sql).fetchone()[0])
            finally:
                con.close()

        while rows("SELECT count(*) FROM watch_state WHERE pid IS NOT NULL") == 0:
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.2)
        rng = np.random.default_rng(4)
        Image.fromarray(rng.integers(0, 255, size=(40, 60, 3), dtype=np.uint8)).save(folder / "second.jpg")
        while rows("SELECT count(*) FROM quality") < 2:
            assert proc.poll() is None and time.monotonic() < deadline, "the new photo was never analysed"
            time.sleep(0.3)
        assert rows("SELECT count(*) FROM jobs WHERE title LIKE 'Watching: scanning%'") >= 1
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "1 new photo(s)" in out, out
    status = run_cli(home, "watch", "--status", "--json")
    assert [(s["path"], s["pid"]) for s in status] == [(str(folder.resolve()), None)]
