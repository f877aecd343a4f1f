"""Watched folders: real inotify on temp folders, the watcher driven in-process with a stop event."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from camroll.config import AppContext, Config
from camroll.library.watch import Watcher
from camroll.store import watch_state

PHOTO = Path(__file__).parent / "data" / "photos" / "exif" / "exifr" / "IMG_5910.jpg"


def _all(home: Path, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
    """Rows of ``sql``, read with a connection of its own (the watcher's thread uses the context's),
    on whichever engine the home's catalog is (``CAMROLL_TEST_DATABASE``)."""
    db = Config(home=home).open_database()
    try:
        return list(db.conn.execute(sql, args).fetchall())
    finally:
        db.close()


def _at(home: Path, sql: str, args: tuple[Any, ...] = ()) -> Any:
    """The first value of ``sql``'s first row, or None (see :func:`_all`)."""
    rows = _all(home, sql, args)
    return rows[0][0] if rows else None


def _live(ctx: AppContext) -> list[tuple[int, str]]:
    rows = _all(ctx.config.home, "SELECT photo_id, path FROM files WHERE state = 'ok' ORDER BY path")
    return [(int(r[0]), os.fsdecode(r[1]) if isinstance(r[1], bytes) else str(r[1])) for r in rows]


def _until(check: Any, seconds: float = 30.0) -> bool:
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


FACES = Path(__file__).parent / "data" / "photos" / "faces" / "deepface_p01"


def _watching(ctx: AppContext) -> bool:
    """The watcher has scheduled inotify and done its catch-up rescan (it stamps ``watch_state``)."""
    return bool(_at(ctx.config.home, "SELECT count(*) FROM watch_state WHERE pid IS NOT NULL"))


def _one(ctx: AppContext, sql: str, args: tuple[Any, ...] = ()) -> Any:
    return _at(ctx.config.home, sql, args)


def test_half_written_file_is_catalogued_once_with_the_complete_hash(ctx: AppContext, tmp_path: Path) -> None:
    """A copy that writes in pieces, pausing shorter and then much longer than the settle time (and
    the debounce), is not catalogued until its writer closes it, and then once, whole."""
    folder = tmp_path / "Camera"
    folder.mkdir()
    data = PHOTO.read_bytes()
    cut = [0, len(data) // 3, 2 * len(data) // 3, len(data)]
    settle = debounce = 0.3
    stop = threading.Event()
    lines: list[str] = []
    w = Watcher(ctx, [str(folder)], stop, lines.append, debounce=debounce, settle=settle)
    t = _start(w)
    try:
        assert _until(lambda: _watching(ctx)) and w.caught_up.wait(30)  # a catch-up scan would read it half-written
        with open(folder / "a.jpg", "wb", buffering=0) as f:
            f.write(data[cut[0] : cut[1]])
            time.sleep(settle / 3)  # shorter than the settle time
            f.write(data[cut[1] : cut[2]])
            time.sleep(4 * (debounce + settle))  # the writer pauses long enough for a burst to settle
            assert _one(ctx, "SELECT count(*) FROM files") == 0, "a half-written file was catalogued"
            f.write(data[cut[2] : cut[3]])
        assert _until(lambda: len(_live(ctx)) == 1), lines
        time.sleep(3 * (debounce + settle))  # room for a second, wrong, cataloguing to show
    finally:
        stop.set()
        t.join(10)
    assert _one(ctx, "SELECT count(*) FROM photos") == 1
    assert _one(ctx, "SELECT hash FROM photos") == hashlib.sha256(data).hexdigest()
    assert w.summary.new_photos == 1, lines


def test_the_librarys_own_writes_start_no_burst(tmp_path: Path) -> None:
    """A library whose home lies inside a watched folder: the database and caches it writes
    while cataloguing are not changes to catalogue (else each burst would start the next)."""
    from camroll.config import Config

    folder = tmp_path / "Pictures"
    folder.mkdir()
    shutil.copy(PHOTO, folder / "a.jpg")
    ctx = AppContext(Config(home=folder / ".camroll", workers=1))
    stop = threading.Event()
    lines: list[str] = []
    w = Watcher(ctx, [str(folder)], stop, lines.append, debounce=0.2, settle=0.1)
    t = _start(w)
    try:
        assert _until(lambda: len(_live(ctx)) == 1)  # the catch-up rescan wrote the database
        db = ctx.config.open_database()  # one more write to the library, from another connection
        try:
            with db.transaction() as conn:
                conn.execute("CREATE TABLE IF NOT EXISTS test_write (x INTEGER)")
        finally:
            db.close()
        time.sleep(1.5)
        assert w.summary.bursts == 0, lines
        shutil.copy(FACES / "img1.jpg", folder / "b.jpg")  # a real change still is one
        assert _until(lambda: len(_live(ctx)) == 2), lines
    finally:
        stop.set()
        t.join(10)
        ctx.close()


def _scan_delete_scan(tmp_path: Path) -> tuple[Any, ...]:
    """What `camroll scan` leaves after a file it catalogued is deleted: the reference."""
    from camroll.config import Config
    from camroll.library.scan import scan

    folder = tmp_path / "ByScan"
    folder.mkdir()
    shutil.copy(PHOTO, folder / "a.jpg")
    other = AppContext(Config(home=tmp_path / "home-scan", workers=1))
    try:
        scan(other, [str(folder)])
        (folder / "a.jpg").unlink()
        removed = scan(other, [str(folder)]).removed
        return removed, _catalog_shape(other)
    finally:
        other.close()


def _catalog_shape(ctx: AppContext) -> tuple[Any, ...]:
    home = ctx.config.home
    return (
        [tuple(r) for r in _all(home, "SELECT state, count(*) FROM files GROUP BY state ORDER BY state")],
        [tuple(r) for r in _all(home, "SELECT count(*), group_concat(hash) FROM photos")],
    )


def test_deleted_file_leaves_the_catalog_as_scan_does(ctx: AppContext, tmp_path: Path) -> None:
    folder = tmp_path / "Camera"
    folder.mkdir()
    shutil.copy(PHOTO, folder / "a.jpg")
    stop = threading.Event()
    lines: list[str] = []
    w = Watcher(ctx, [str(folder)], stop, lines.append, debounce=0.3, settle=0.2)
    t = _start(w)
    try:
        assert _until(lambda: len(_live(ctx)) == 1)  # the catch-up rescan
        (folder / "a.jpg").unlink()
        assert _until(lambda: _live(ctx) == []), lines
    finally:
        stop.set()
        t.join(10)
    removed, shape = _scan_delete_scan(tmp_path)
    assert (w.summary.removed, _catalog_shape(ctx)) == (removed, shape) == (1, shape)
    assert shape[0] == [("missing", 1)]


def _analysed_photos(ctx: AppContext) -> list[int]:
    """The ``photos`` count of every analysis run recorded in the audit log, oldest first."""
    from camroll.config import Config
    from camroll.privacy import audit

    reader = AppContext(Config(home=ctx.config.home))
    try:
        return [int(e.details["photos"]) for e in audit.events(reader) if e.kind == "analysis"]
    finally:
        reader.close()


def test_create_move_rename_analyses_once(ctx: AppContext, tmp_path: Path) -> None:
    """With a capability granted, a photo created, moved to a subfolder and renamed is analysed by
    the first burst only: one analysis_state row, stamped once, and one photo in the analysis runs."""
    from camroll.cli.watch import _catalogue
    from camroll.privacy import consent

    folder = tmp_path / "Camera"
    folder.mkdir()
    consent.grant(ctx, "quality", f"path:{folder}")
    stop = threading.Event()
    lines: list[str] = []
    w = Watcher(ctx, [str(folder)], stop, lines.append, debounce=0.3, settle=0.2, catalogue=_catalogue)
    t = _start(w)
    try:
        assert _until(lambda: _watching(ctx), 30)
        shutil.copy(PHOTO, folder / "a.jpg")
        assert _until(lambda: _one(ctx, "SELECT count(*) FROM analysis_state") == 1, 60), lines
        first = _one(ctx, "SELECT photo_id || ' ' || at FROM analysis_state")
        time.sleep(1.1)  # analysis_state stamps to the second: a second analysis would change it
        (folder / "sub").mkdir()
        (folder / "a.jpg").rename(folder / "sub" / "a.jpg")
        assert _until(lambda: [p for _, p in _live(ctx)] == [str(folder / "sub" / "a.jpg")], 60), lines
        bursts = w.summary.bursts
        (folder / "sub" / "a.jpg").rename(folder / "sub" / "renamed.jpg")
        assert _until(lambda: [p for _, p in _live(ctx)] == [str(folder / "sub" / "renamed.jpg")], 60), lines
        assert _until(lambda: w.summary.bursts > bursts, 60)
    finally:
        stop.set()
        t.join(30)
    assert _one(ctx, "SELECT count(*) FROM photos") == 1
    assert _one(ctx, "SELECT count(*) FROM analysis_state") == 1
    assert _one(ctx, "SELECT photo_id || ' ' || at FROM analysis_state") == first
    runs = _analysed_photos(ctx)
    assert len(runs) >= 3 and sum(runs) == 1, runs  # an analysis ran after each burst, and found nothing new


def test_moved_photo_keeps_its_person(ctx: AppContext, tmp_path: Path) -> None:
    """Faces and people granted: a photo with a face moved from one watched folder to another keeps
    its face's person, and no person appears."""
    from camroll.cli.watch import _catalogue
    from camroll.privacy import consent

    camera, archive = tmp_path / "Camera", tmp_path / "Archive"
    camera.mkdir()
    archive.mkdir()
    for name in ("img1.jpg", "img2.jpg", "img4.jpg"):
        shutil.copy(FACES / name, camera / name)
    consent.grant(ctx, "faces")
    consent.grant(ctx, "people")
    stop = threading.Event()
    lines: list[str] = []
    w = Watcher(ctx, [str(camera), str(archive)], stop, lines.append, debounce=0.3, settle=0.2, catalogue=_catalogue)
    t = _start(w)
    person_of = (
        "SELECT f.person_id FROM faces f JOIN files x ON x.photo_id = f.photo_id WHERE x.state = 'ok' AND x.path = ?"
    )
    try:
        # both catch-up rescans done (one job per folder), every face in a person
        caught_up = "SELECT count(*) FROM jobs WHERE state = 'done'"
        assert _until(lambda: _watching(ctx) and _one(ctx, caught_up) >= 2, 120), lines
        assert _one(ctx, "SELECT count(*) FROM faces WHERE person_id IS NOT NULL") == 3
        people = _one(ctx, "SELECT group_concat(id) FROM people")
        person = _one(ctx, person_of, (str(camera / "img1.jpg"),))
        assert person is not None
        bursts = w.summary.bursts
        shutil.move(camera / "img1.jpg", archive / "img1.jpg")
        assert _until(lambda: _one(ctx, person_of, (str(archive / "img1.jpg"),)) is not None, 60), lines
        assert _until(lambda: w.summary.bursts >= bursts + 2, 60), lines  # both folders looked at again
    finally:
        stop.set()
        t.join(30)
    assert _one(ctx, person_of, (str(archive / "img1.jpg"),)) == person
    assert _one(ctx, "SELECT group_concat(id) FROM people") == people
    assert _one(ctx, "SELECT count(*) FROM faces") == 3
    assert _one(ctx, "SELECT count(*) FROM photos") == 3


def test_a_folder_the_library_gains_is_watched_too(ctx: AppContext, tmp_path: Path) -> None:
    """``more_folders`` (serve --watch: the library's folders, which the web's scan form adds to):
    a folder it names later is watched from then on, recorded in watch_state, and caught up."""
    first, later = tmp_path / "Camera", tmp_path / "Added"
    first.mkdir()
    later.mkdir()
    shutil.copy(FACES / "img1.jpg", later / "already.jpg")  # there before it is watched: caught up
    named = [str(first)]
    stop = threading.Event()
    lines: list[str] = []
    w = Watcher(
        ctx, [str(first)], stop, lines.append, debounce=0.2, settle=0.1, rescan_every=0.3, more_folders=lambda: named
    )
    t = _start(w)
    try:
        assert _until(lambda: _watching(ctx))
        named.append(str(later))
        assert _until(lambda: [p for _, p in _live(ctx)] == [str(later / "already.jpg")]), lines
        shutil.copy(PHOTO, later / "new.jpg")
        assert _until(lambda: len(_live(ctx)) == 2), lines
    finally:
        stop.set()
        t.join(10)
    assert w.summary.folders == [str(first), str(later)] and w.summary.bursts >= 1
    assert [(r["path"], r["mode"], r["pid"]) for r in watch_state.listing(ctx.db)] == [
        (str(later), "inotify", None),
        (str(first), "inotify", None),
    ]


def test_inotify_limit_falls_back_to_rescans(ctx: AppContext, tmp_path: Path) -> None:
    class Full:
        def schedule(self, *_a: Any, **_k: Any) -> None:
            raise OSError(errno.ENOSPC, "inotify watch limit reached")

        def start(self) -> None: ...
        def stop(self) -> None: ...
        def is_alive(self) -> bool:
            return False

    folder, added = tmp_path / "Camera", tmp_path / "Added"
    folder.mkdir()
    added.mkdir()
    stop = threading.Event()
    lines: list[str] = []
    w = Watcher(
        ctx,
        [str(folder)],
        stop,
        lines.append,
        observer_factory=Full,
        rescan_every=0.5,
        more_folders=lambda: [str(folder), str(added)],
    )
    t = _start(w)
    try:
        assert _until(lambda: w.summary.folders != [])
        shutil.copy(PHOTO, folder / "a.jpg")
        shutil.copy(FACES / "img1.jpg", added / "b.jpg")  # a folder added later is rescanned too
        assert _until(lambda: len(_live(ctx)) == 2)
    finally:
        stop.set()
        t.join(10)
    assert sum("watch limit" in line for line in lines) == 1, lines
    assert [r["mode"] for r in watch_state.listing(ctx.db)] == ["rescan", "rescan"]


def test_camroll_watch_catalogues_and_analyses_then_stops_on_ctrl_c(tmp_path: Path) -> None:
    """The command, as a person runs it: a photo dropped into the folder is catalogued and the
    capability granted there analyses it, as a job of the library; Ctrl-C ends with a summary."""
    import signal
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
        deadline = time.monotonic() + 120  # a bound for a broken build, not a timing assertion

        def rows(sql: str) -> int:
            return int(_at(home, sql))

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


def test_serve_watch_bursts_wait_in_the_library_queue_and_stop_with_the_server(tmp_path: Path) -> None:
    """`camroll serve --watch`: the server's watcher thread catalogues a photo dropped into a
    library folder, as a job of the library's one queue: while another exclusive job holds the
    library (here, one this test runs, as a web analysis would), the burst waits, queued, and the
    photo is not catalogued; released, it is. Ctrl-C stops the server and the watch cleanly."""
    import signal
    import socket
    import subprocess
    import sys
    import urllib.request

    from camroll.config import Config
    from camroll.library import jobs
    from tests.conftest import run_cli

    home, folder = tmp_path / "home", tmp_path / "Camera"
    folder.mkdir()
    shutil.copy(FACES / "img1.jpg", folder / "first.jpg")
    run_cli(home, "scan", str(folder), "--workers", "1", "--no-analyze")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "camroll.cli", "serve", "--watch", "--port", str(port), "--home", str(home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def one(sql: str) -> Any:
        return _at(home, sql)

    try:
        assert _until(lambda: one("SELECT count(*) FROM watch_state WHERE pid IS NOT NULL") == 1, 60), (
            proc.poll() is not None and proc.communicate(timeout=5)
        )
        assert _until(lambda: one("SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')") == 0, 60)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:
            assert page.status == 200  # it serves while it watches
        with jobs.run(Config(home=home), "analyse", "Held by the test", "test") as (_job, outcome):
            shutil.copy(PHOTO, folder / "second.jpg")
            assert _until(
                lambda: (
                    one("SELECT state FROM jobs WHERE title LIKE 'Watching: scanning%' ORDER BY id DESC") == "queued"
                ),
                30,
            )
            time.sleep(1)
            assert one("SELECT count(*) FROM files") == 1, "a burst ran while another job held the library"
            outcome.message = "released"
        assert _until(lambda: one("SELECT count(*) FROM files WHERE state = 'ok'") == 2, 60)
        assert _until(lambda: one("SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')") == 0, 60)
        with jobs.run(Config(home=home), "analyse", "Held again by the test", "test") as (_job, outcome):
            shutil.copy(FACES / "img2.jpg", folder / "third.jpg")
            assert _until(lambda: one("SELECT count(*) FROM jobs WHERE state = 'queued'") == 1, 30)
            proc.send_signal(signal.SIGINT)  # stopped while its burst waits: the burst is cancelled
            out, err = proc.communicate(timeout=30)
            outcome.message = "released"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Watching 1 folder(s)" in out, out
    assert one("SELECT count(*) FROM watch_state WHERE pid IS NOT NULL") == 0  # the watch ended with the server
    states = " ".join(r[0] for r in _all(home, "SELECT state FROM jobs WHERE title LIKE 'Watching%' ORDER BY id"))
    assert states.split()[-1] == "cancelled" and set(states.split()[:-1]) == {"done"}, states
    assert one("SELECT count(*) FROM files") == 2


def test_background_watch_keeps_each_library_and_waits_in_its_queue_in_process(tmp_path: Path) -> None:
    """`serve --watch`'s threads, one per library (each user's, with login): a photo dropped into
    either library's folder is catalogued in that library only; while an exclusive job of the same
    process holds library A (as a web analysis would), A's burst waits and B's does not."""
    from camroll.cli.watch import BackgroundWatch
    from camroll.config import Config
    from camroll.library import jobs
    from tests.conftest import run_cli

    homes, folders = (
        [tmp_path / "a" / "home", tmp_path / "b" / "home"],
        [tmp_path / "a" / "Cam", tmp_path / "b" / "Cam"],
    )
    for home, folder in zip(homes, folders, strict=True):
        folder.mkdir(parents=True)
        shutil.copy(FACES / "img1.jpg", folder / "first.jpg")
        run_cli(home, "scan", str(folder), "--workers", "1", "--no-analyze", "--quiet")

    def one(home: Path, sql: str) -> Any:
        return _at(home, sql)

    lines: list[str] = []
    bw = BackgroundWatch([(Config(home=homes[0]), "watch"), (Config(home=homes[1]), "watch:ana")], lines.append)
    bw.start()
    try:
        for home in homes:
            assert _until(lambda h=home: one(h, "SELECT count(*) FROM watch_state WHERE pid IS NOT NULL") == 1, 60)
            assert _until(lambda h=home: one(h, "SELECT count(*) FROM jobs WHERE state = 'done'") >= 1, 60), lines
        with jobs.run(Config(home=homes[0]), "analyse", "Held by the test", "test"):
            for folder in folders:
                shutil.copy(PHOTO, folder / "second.jpg")
            assert _until(lambda: one(homes[1], "SELECT count(*) FROM files") == 2, 60), lines
            assert _until(lambda: one(homes[0], "SELECT count(*) FROM jobs WHERE state = 'queued'") == 1, 60)
            assert one(homes[0], "SELECT count(*) FROM files") == 1, "a burst ran while the library was held"
        assert _until(lambda: one(homes[0], "SELECT count(*) FROM files") == 2, 60), lines
    finally:
        bw.stop()
    assert not any(t.is_alive() for t in bw.threads)
    assert [one(h, "SELECT count(*) FROM watch_state WHERE pid IS NOT NULL") for h in homes] == [0, 0]
    assert [one(h, "SELECT count(*) FROM photos") for h in homes] == [2, 2]
    assert one(homes[1], "SELECT group_concat(DISTINCT actor) FROM jobs WHERE title LIKE 'Watching%'") == "watch:ana"


def test_ctrl_c_cancels_a_long_burst_and_keeps_what_it_finished(tmp_path: Path) -> None:
    """`camroll watch`, Ctrl-C while a burst analyses many new photos: the burst is cancelled
    between two photos (not waited for to the end), the command ends cleanly with its summary,
    and the photos already analysed stay analysed."""
    import signal
    import subprocess
    import sys

    from tests.conftest import run_cli

    home, folder = tmp_path / "home", tmp_path / "Camera"
    folder.mkdir()
    shutil.copy(PHOTO, folder / "first.jpg")
    run_cli(home, "scan", str(folder), "--workers", "1", "--no-analyze", "--quiet")
    run_cli(home, "consent", "grant", "faces")
    faces = sorted((FACES.parent).glob("*/*.jpg"))
    assert len(faces) >= 60
    proc = subprocess.Popen(
        [sys.executable, "-m", "camroll.cli", "watch", "--home", str(home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def one(sql: str) -> Any:
        return _at(home, sql)

    try:
        assert _until(lambda: one("SELECT count(*) FROM watch_state WHERE pid IS NOT NULL") == 1, 60)
        assert _until(lambda: one("SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')") == 0, 120)
        for i, face in enumerate(faces):
            shutil.copy(face, folder / f"{i:03d}.jpg")
        burst = "SELECT count(*) FROM jobs WHERE title LIKE 'Watching%' AND state = 'running' AND phase LIKE 'Analys%'"
        assert _until(lambda: one(burst) == 1, 120)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Watched 1 folder(s)" in out, out
    states = " ".join(r[0] for r in _all(home, "SELECT state FROM jobs WHERE title LIKE 'Watching%' ORDER BY id"))
    assert states.split()[-1] == "cancelled", states
    analysed = one("SELECT count(*) FROM analysis_state WHERE capability = 'faces'")
    catalogued = one("SELECT count(*) FROM photos")  # the copy may have come in one burst or two
    assert 0 < analysed < catalogued, (analysed, catalogued)  # stopped between photos, keeping those done
