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
