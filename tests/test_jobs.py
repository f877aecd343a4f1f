"""One long job per library at a time, shared by the CLI and the web; jobs listed, queued,
cancelled; scan -> places -> analyse as one workflow for both front ends."""

from __future__ import annotations

import logging
import re
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from camroll.analysis import pipeline
from camroll.cli import app as cli_app
from camroll.config import AppContext, Config
from camroll.library import jobs
from camroll.library.scan import scan
from camroll.privacy import consent
from camroll.progress import Silent
from camroll.store import jobs as job_records
from camroll.web.app import create_app
from camroll.web.jobs import JobResult
from tests.conftest import run_cli
from tests.test_web import browser, token


def _photos(folder: Path, n: int, seed: int = 5) -> None:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, size=(80, 120, 3), dtype=np.uint8)).save(folder / f"p{i}.jpg")


def _wait(event: threading.Event) -> None:
    """Wait for another thread to get somewhere (never a timed assertion: the bound only keeps a
    broken build from hanging the suite)."""
    assert event.wait(60), "the other thread never got there"


def test_cli_scan_is_a_job_with_a_title(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _photos(tmp_path / "lib", 3)
    (tmp_path / "lib" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    run_cli(home, "scan", str(tmp_path / "lib"), "--quiet")
    listed = run_cli(home, "jobs", "--json")
    assert [(j["kind"], j["state"], j["title"]) for j in listed] == [("scan", "done", f"Scanning {tmp_path / 'lib'}")]
    assert listed[0]["problems"] == 1 and listed[0]["failures"][0]["path"].endswith("broken.jpg")
    assert listed[0]["message"].startswith("Scanned 4 files")
    table = run_cli(home, "jobs").output
    assert "Scanning" in table and "done" in table


def test_a_second_job_waits_for_the_first_and_the_queue_keeps_its_order(tmp_path: Path) -> None:
    config = Config(home=tmp_path / "home")
    holding, release, order = threading.Event(), threading.Event(), []
    queued: list[jobs.JobView | None] = []

    def first() -> None:
        with jobs.run(config, "scan", "Scanning ~/Pictures", "cli"):
            order.append("first")
            holding.set()
            _wait(release)

    def second() -> None:
        with jobs.run(config, "analyse", "Analysing photos", "web", on_queued=queued.append):
            order.append("second")

    a = threading.Thread(target=first)
    a.start()
    _wait(holding)
    b = threading.Thread(target=second)
    b.start()
    ctx = AppContext(config)
    while not any(j.state == "queued" for j in jobs.listing(ctx.db)):
        pass
    assert [(j.title, j.state) for j in jobs.listing(ctx.db)] == [
        ("Analysing photos", "queued"),
        ("Scanning ~/Pictures", "running"),
    ]
    release.set()
    a.join()
    b.join()
    assert order == ["first", "second"]
    assert queued and queued[0] is not None and queued[0].title == "Scanning ~/Pictures"
    assert [j.state for j in jobs.listing(ctx.db)] == ["done", "done"]
    ctx.close()


def test_a_queued_job_can_be_cancelled_before_it_starts(tmp_path: Path) -> None:
    config = Config(home=tmp_path / "home")
    holding, release = threading.Event(), threading.Event()
    outcome: list[str] = []

    def first() -> None:
        with jobs.run(config, "scan", "Holding", "cli"):
            holding.set()
            _wait(release)

    def second() -> None:
        try:
            with jobs.run(config, "analyse", "Waiting", "cli"):
                outcome.append("ran")
        except jobs.JobCancelled:
            outcome.append("cancelled")

    a = threading.Thread(target=first)
    a.start()
    _wait(holding)
    b = threading.Thread(target=second)
    b.start()
    ctx = AppContext(config)
    while not (waiting := [j for j in jobs.listing(ctx.db) if j.state == "queued"]):
        pass
    assert jobs.cancel(ctx.db, waiting[0].id)
    b.join()
    release.set()
    a.join()
    assert outcome == ["cancelled"]
    assert {j.title: j.state for j in jobs.listing(ctx.db)} == {"Waiting": "cancelled", "Holding": "done"}
    ctx.close()


class CancelAfterFirst(Silent):
    """After the first photo, `camroll jobs cancel` (another connection) asks the job to stop; the
    test then waits until the job has heard it, so the next photo's advance stops the run."""

    def __init__(self, config: Config) -> None:
        self.config, self.seen = config, 0
        self.job: jobs.Job | None = None

    def advance(self, n: int = 1) -> None:
        self.seen += n
        if self.seen == 1 and self.job is not None:
            other = AppContext(self.config)
            assert jobs.cancel(other.db, self.job.id)
            other.close()
            _wait(self.job.cancelled)


def test_cancelling_a_running_analysis_stops_it_and_keeps_what_it_finished(ctx: AppContext, tmp_path: Path) -> None:
    _photos(tmp_path / "lib", 6)
    scan(ctx, [str(tmp_path / "lib")], workers=1)
    consent.grant(ctx, "quality")
    inner = CancelAfterFirst(ctx.config)
    with jobs.run(ctx.config, "analyse", "Analysing photos", "cli") as (job, _outcome):
        inner.job = job
        summary = pipeline.analyse(ctx, job.reporter(inner), workers=1)
    assert summary.interrupted
    kept = ctx.db.scalar("SELECT count(*) FROM quality")
    assert 1 <= kept < 6 and kept == summary.per_capability["quality"]
    [view] = jobs.listing(ctx.db)
    assert view.state == "cancelled" and "kept" in view.message
    assert pipeline.analyse(ctx, workers=1).per_capability["quality"] == 6 - kept, "a rerun finishes the rest"


def test_a_job_whose_process_died_is_not_left_running(tmp_path: Path) -> None:
    ctx = AppContext(Config(home=tmp_path / "home"))
    child = subprocess.Popen(["true"])
    child.wait()  # a process id that no longer runs: a job killed with -9
    job_id = job_records.create(ctx.db, "scan", "Scanning", "cli", child.pid, True, "2026-01-01T00:00:00+00:00")
    job_records.started(ctx.db, job_id, "2026-01-01T00:00:00+00:00")
    [view] = jobs.listing(ctx.db)
    assert view.state == "failed" and "process" in view.message
    with jobs.run(ctx.config, "scan", "Next", "cli") as (job, _):  # and the library is free
        assert job.id == job_id + 1
    ctx.close()


def test_cancel_from_the_cli(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = CliRunner().invoke(cli_app, ["jobs", "cancel", "7", "--home", str(home)])
    assert result.exit_code == 2 and "There is no job 7" in result.output
    with jobs.run(Config(home=home), "scan", "Scanning [bold]x[/]", "cli") as (job, _):
        run_cli(home, "jobs", "cancel", str(job.id))
        _wait(job.cancelled)
        with pytest.raises(jobs.JobCancelled):
            job.reporter().advance()
    done = CliRunner().invoke(cli_app, ["jobs", "cancel", str(job.id), "--home", str(home)])
    assert done.exit_code == 1 and "already ended: cancelled" in done.output and "[bold]x[/]" in done.output


def test_web_scan_and_analyse_are_jobs_listed_with_failures_and_cancellable(tmp_path: Path) -> None:
    _photos(tmp_path / "lib", 2)
    (tmp_path / "lib" / "cut.jpg").write_bytes(b"\xff\xd8\xff\xe0 cut short")
    web = create_app(Config(home=tmp_path / "home", workers=1), scan_roots=(tmp_path,))
    with browser(web) as c:
        csrf = token(c, "/")
        assert c.post("/scan", data={"csrf": csrf, "folder": str(tmp_path / "lib")}).status_code == 200
        lib = web.state.web.library("local")
        job = lib.jobs.wait(1, 120)
        assert job is not None and job.state == "done" and job.title == f"Scanning {tmp_path / 'lib'}"
        page = c.get("/jobs").text
        assert 'href="/jobs"' in page, "Jobs is in the navigation"
        assert "cut.jpg" in page and "1 file with a problem" in page
        assert c.post("/consent/quality/on", data={"csrf": csrf}).status_code == 200
        analysis = lib.jobs.wait(2, 120)
        assert analysis is not None and analysis.state == "done", analysis
        assert analysis.title == "Analysing 3 photos: quality" and "Analysed 3 photos" in analysis.message

        # A job from a terminal shows on the page, with a Cancel button that needs the CSRF token.
        with jobs.run(Config(home=tmp_path / "home"), "scan", "Scanning from a terminal", "cli") as (running, _):
            page = c.get("/jobs").text
            assert "Scanning from a terminal" in page and f'action="/jobs/{running.id}/cancel"' in page
            assert c.post(f"/jobs/{running.id}/cancel", data={}).status_code == 403
            r = c.post(f"/jobs/{running.id}/cancel", data={"csrf": csrf}, follow_redirects=False)
            assert r.status_code == 303 and c.get(f"/jobs/{running.id}").json()["cancelling"]
            _wait(running.cancelled)
        assert c.get(f"/jobs/{running.id}").json()["state"] == "cancelled"
        assert c.post("/jobs/999/cancel", data={"csrf": csrf}).status_code == 404


def test_consents_turned_on_while_an_analysis_waits_join_it(tmp_path: Path) -> None:
    """Two switches flipped while the library is busy queue one analysis, which does both."""
    _photos(tmp_path / "lib", 2)
    home = tmp_path / "home"
    run_cli(home, "scan", str(tmp_path / "lib"), "--workers", "1")
    web = create_app(Config(home=home, workers=1), scan_roots=(tmp_path,))
    with browser(web) as c:
        csrf = token(c, "/")
        lib = web.state.web.library("local")
        with jobs.run(Config(home=home), "scan", "Scanning from a terminal", "cli"):
            for cap in ("quality", "duplicates"):
                assert c.post(f"/consent/{cap}/on", data={"csrf": csrf}).status_code == 200
            waiting = [j for j in lib.jobs.running() if j.kind == "analyse"]
            assert [j.state for j in waiting] == ["queued"], waiting
        done = lib.jobs.wait(waiting[0].id, 120)
        assert done is not None and done.state == "done", done
        assert done.title == "Analysing 2 photos: duplicates, quality", done.title
        assert [j.kind for j in lib.jobs.listing()].count("analyse") == 1


def test_a_failing_web_job_is_logged_not_printed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    web = create_app(Config(home=tmp_path / "home", workers=1))
    lib = web.state.web.library("local")

    def work(_ctx: AppContext, _reporter: jobs.JobReporter) -> JobResult:
        raise ValueError("a model file is missing")

    with caplog.at_level(logging.ERROR, logger="camroll.web.jobs"):
        started = lib.jobs.start("Making a collage", work)
        job = lib.jobs.wait(started.id, 60)
    assert job is not None and job.state == "failed" and job.message == "ValueError: a model file is missing"
    assert any(r.exc_info and "Making a collage" in r.getMessage() for r in caplog.records)
    assert "Traceback" not in capsys.readouterr().err


def test_forget_forgets_the_jobs(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _photos(tmp_path / "Ana's birthday", 2)
    run_cli(home, "scan", str(tmp_path / "Ana's birthday"))
    assert run_cli(home, "jobs", "--json")
    run_cli(home, "forget", "--yes")
    assert [j["title"] for j in run_cli(home, "jobs", "--json")] == []
    raw = b"".join(p.read_bytes() for p in home.glob("camroll.db*"))
    assert b"Ana's birthday" not in raw


def test_web_no_longer_imports_the_cli() -> None:
    for path in (Path(__file__).parents[1] / "camroll" / "web").glob("*.py"):
        assert not re.search(r"from camroll\.cli|import camroll\.cli", path.read_text(encoding="utf-8")), path
