"""A worker process that dies (the OOM killer's SIGKILL, a native crash in a model) costs the one
photo or file it held: the run ends, that item is failed with the reason, the rest are done, and
the next run retries it. Before, the pool replaced the dead worker and waited forever."""

from __future__ import annotations

import hashlib
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from camroll import workers
from camroll.analysis import pipeline
from camroll.analysis.decode import Decoded
from camroll.analysis.quality import QualityAnalyser
from camroll.config import AppContext
from camroll.library import scan as scan_module
from camroll.library.scan import Found, ReadResult, scan
from camroll.privacy import consent


def _photos(folder: Path, n: int) -> list[Path]:
    """``n`` distinct small JPEGs, built here."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(7)
    out = []
    for i in range(n):
        pixels = rng.integers(0, 255, size=(96, 128, 3), dtype=np.uint8)
        path = folder / f"photo-{i:02d}.jpg"
        Image.fromarray(pixels).save(path, quality=90)
        out.append(path)
    return out


def _die_in_worker(parent: int) -> None:
    """SIGKILL this process, as the OOM killer would, but never the test's own process."""
    assert os.getpid() != parent, "the analyser ran in the test process: the worker pool was not used"
    os.kill(os.getpid(), signal.SIGKILL)


def _square(x: int) -> int:
    if x == 13:
        _die_in_worker(-1)
    if x == 17:
        raise ValueError("seventeen")
    return x * x


def test_stream_survives_a_killed_worker() -> None:
    got = list(workers.stream(_square, range(40), 2, 4, on_lost=lambda item, why: (item, why)))
    lost = sorted((r for r in got if isinstance(r, tuple)), key=lambda r: r[0])
    assert lost == [(13, "died (signal 9, SIGKILL)"), (17, "failed: ValueError: seventeen")]
    assert sorted(r for r in got if isinstance(r, int)) == sorted(x * x for x in range(40) if x not in (13, 17))


def _hang_on_seven(x: int) -> int:
    if x == 7:
        time.sleep(3600)  # a decoder in an endless loop
    return x * x


def test_a_hung_worker_is_killed_and_costs_only_its_item() -> None:
    """Before, a worker stuck on one photo held the whole analysis forever."""
    started = time.monotonic()
    got = list(workers.stream(_hang_on_seven, range(20), 2, 3, on_lost=lambda item, why: (item, why), item_timeout=1.0))
    assert [r for r in got if isinstance(r, tuple)] == [(7, "hung (no answer after 1 s)")]
    assert sorted(r for r in got if isinstance(r, int)) == sorted(x * x for x in range(20) if x != 7)
    assert time.monotonic() - started < 60  # not the hour it would sleep


def test_slow_items_within_the_timeout_are_not_killed() -> None:
    got = list(workers.stream(_slow_square, range(6), 2, 1, on_lost=lambda item, why: (item, why), item_timeout=5.0))
    assert sorted(got) == [x * x for x in range(6)]


def _slow_square(x: int) -> int:
    time.sleep(0.3)
    return x * x


def test_stream_without_on_lost_raises_instead_of_hanging() -> None:
    with pytest.raises(workers.WorkerError, match="signal 9"):
        list(workers.stream(_square, range(15), 2, 1))


@pytest.fixture
def killer(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Quality analysis that kills its worker on the photos whose hashes the test puts in the list."""
    victims: list[str] = []
    parent, measure = os.getpid(), QualityAnalyser.analyse

    def analyse(self: QualityAnalyser, photo: Decoded, upstream: dict[str, object]) -> object:
        if photo.hash in victims:
            _die_in_worker(parent)
        return measure(self, photo, upstream)

    monkeypatch.setattr(QualityAnalyser, "analyse", analyse)
    yield victims


def test_analysis_ends_when_a_worker_is_killed_and_a_rerun_completes(
    ctx: AppContext, tmp_path: Path, killer: list[str]
) -> None:
    photos = _photos(tmp_path / "lib", 6)
    scan(ctx, [str(tmp_path / "lib")], workers=1)
    consent.grant(ctx, "quality")
    victim = photos[2]
    killer.append(hashlib.sha256(victim.read_bytes()).hexdigest())

    summary = pipeline.analyse(ctx, workers=2)

    assert [(Path(p).name, c) for p, c, _ in summary.failures] == [(victim.name, "quality")]
    assert summary.failures[0][2] == "the worker analysing this photo died (signal 9, SIGKILL)"
    assert summary.per_capability["quality"] == 5
    state = dict(ctx.db.query("SELECT f.path, s.status FROM analysis_state s JOIN files f ON f.photo_id = s.photo_id"))
    assert state == {str(p): "failed" if p == victim else "done" for p in photos}

    killer.clear()
    again = pipeline.analyse(ctx, workers=2)
    assert again.planned == 1 and again.per_capability["quality"] == 1 and not again.failures
    assert ctx.db.scalar("SELECT count(*) FROM analysis_state WHERE status = 'done'") == 6


def test_scan_ends_when_a_worker_is_killed_and_a_rescan_reads_the_file(
    ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    photos = _photos(tmp_path / "lib", 8)
    victim = os.fsencode(photos[5])
    parent, read = os.getpid(), scan_module.read_file

    def read_or_die(found: Found) -> ReadResult:
        if found.path_bytes == victim:
            _die_in_worker(parent)
        return read(found)

    monkeypatch.setattr(scan_module, "read_file", read_or_die)
    monkeypatch.setattr(scan_module.thresholds, "SCAN_PARALLEL_MIN_FILES", 2)
    summary = scan(ctx, [str(tmp_path / "lib")], workers=2)
    assert summary.read == 8 and summary.new_photos == 7 and summary.failed == 1
    assert summary.failures == [(str(photos[5]), ["the worker reading this file died (signal 9, SIGKILL)"])]

    monkeypatch.setattr(scan_module, "read_file", read)
    again = scan(ctx, [str(tmp_path / "lib")], workers=2)
    assert again.read == 1 and again.new_photos == 1 and not again.failures
