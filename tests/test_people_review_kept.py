"""The people review's merge suggestions are computed off the page (issue 14): after a scan or an
analysis (the people job), in the job's own thread, so the review page only reads them; when
none are kept for the people as they are (a change from a terminal, a server just started) a
computation starts in the background and the page says they are being prepared instead of
waiting for it. Real photos, really analysed (the library of tests/test_people_review_web.py).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect, sync_playwright

from camroll import thresholds
from camroll.config import Config
from camroll.people import review
from camroll.web.app import create_app
from camroll.web.review_suggestions import KeptSuggestions
from camroll.web.security import LOCAL_USER
from tests.conftest import copy_home, run_cli
from tests.test_people_review_web import _person_of, _split_half, _suggested, small_library  # noqa: F401
from tests.test_web import token
from tests.test_web_browser import serving, shot


@pytest.fixture
def home(small_library: Path, tmp_path: Path) -> Path:  # noqa: F811
    copy = tmp_path / "home"
    copy_home(small_library, copy)
    return copy


@pytest.fixture
def client(home: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Config(home=home, workers=1)), base_url="http://127.0.0.1") as c:
        yield c


class Calls:
    """review.suggestions, counted with the thread each call ran in."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, hold: threading.Event | None = None) -> None:
        self.threads: list[str] = []
        self.hold = hold
        real = review.suggestions

        def counting(*args: object, **kwargs: object) -> list[dict[str, object]]:
            self.threads.append(threading.current_thread().name)
            if self.hold is not None:
                assert self.hold.wait(60), "the test never let the computation go on"
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(review, "suggestions", counting)


def _kept(client: TestClient) -> KeptSuggestions:
    return client.app.state.web.library(LOCAL_USER).review_suggestions  # type: ignore[attr-defined,no-any-return]


def _wait_for_job(client: TestClient, job: int) -> dict[str, object]:
    for _ in range(1200):
        state: dict[str, object] = client.get(f"/jobs/{job}").json()
        if state["state"] not in ("queued", "running"):
            return state
        time.sleep(0.05)
    raise AssertionError(f"job {job} did not end: {state}")


def test_the_people_job_leaves_the_suggestions_kept_and_the_page_only_reads_them(
    home: Path, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    rumsfeld, powell = _person_of(home, "lfw_Donald_Rumsfeld"), _person_of(home, "lfw_Colin_Powell")
    part_r, part_p = _split_half(home, rumsfeld), _split_half(home, powell)  # the people changed
    calls = Calls(monkeypatch)
    started = client.post("/analyse", data={"csrf": token(client, "/consent")}, follow_redirects=False)
    assert started.status_code == 303, started.text[:300]
    job = int(started.headers["location"].rsplit("=", 1)[1])
    ended = _wait_for_job(client, job)
    assert ended["state"] == "done", ended
    # computed once, by the analysis job itself (its people job ran), before it ended
    assert calls.threads == [f"camroll-job-{job}"], calls.threads
    assert not _kept(client).preparing()

    # The review page reads what the job kept: the two halves are suggested, nothing computed.
    assert _suggested(client) == {frozenset((rumsfeld, part_r)), frozenset((powell, part_p))}
    assert "being prepared" not in client.get("/people/review").text
    assert calls.threads == [f"camroll-job-{job}"]

    # An answer keeps the rest without computing; an answer about one face too.
    form = {"csrf": token(client, "/people/review"), "a": rumsfeld, "b": part_r, "answer": "no"}
    assert client.post("/people/review/same", data=form).status_code == 200
    assert _suggested(client) == {frozenset((powell, part_p))}
    assert len(calls.threads) == 1

    # A second analysis with the people unchanged computes nothing again.
    again = client.post("/analyse", data={"csrf": token(client, "/consent")}, follow_redirects=False)
    assert _wait_for_job(client, int(again.headers["location"].rsplit("=", 1)[1]))["state"] == "done"
    assert len(calls.threads) == 1


def test_a_change_from_a_terminal_is_computed_in_the_background_while_the_page_says_so(
    home: Path, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    rumsfeld = _person_of(home, "lfw_Donald_Rumsfeld")
    assert _suggested(client) == set()  # a small library's: ready within the page's short wait
    part_r = _split_half(home, rumsfeld)  # from a terminal: the server kept nothing of it
    hold = threading.Event()
    calls = Calls(monkeypatch, hold)  # a computation that takes as long as the test says
    monkeypatch.setattr(thresholds, "PEOPLE_REVIEW_WAIT_SECONDS", 0.0)

    page = client.get("/people/review").text
    assert 'id="suggestions-preparing"' in page and "being prepared" in page
    assert not re.search(r'name="a" value="\d+"', page), "no stale suggestion is offered meanwhile"
    assert 'action="/face/' in page or "Every face is on someone" in page, "the rest of the review is there"
    assert _kept(client).preparing()
    client.get("/people/review")  # a second load while it runs starts no second computation
    assert calls.threads == ["camroll-review-suggestions"], "computed in the background, not by the page"

    hold.set()
    for _ in range(1200):
        if not _kept(client).preparing():
            break
        time.sleep(0.05)
    assert _suggested(client) == {frozenset((rumsfeld, part_r))}
    assert calls.threads == ["camroll-review-suggestions"]


def test_revoking_people_forgets_the_kept_suggestions(home: Path, client: TestClient) -> None:
    rumsfeld = _person_of(home, "lfw_Donald_Rumsfeld")
    part_r = _split_half(home, rumsfeld)
    assert _suggested(client) == {frozenset((rumsfeld, part_r))}
    run_cli(home, "consent", "revoke", "people")
    page = client.get("/people/review").text
    assert "Suggestions need your consent" in page
    assert _kept(client)._kept is None


@pytest.mark.parametrize("width", [1280, 390])
def test_being_prepared_in_chromium_then_the_suggestion(
    home: Path, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    """In Chromium, at desktop and phone width: while the background computation runs the review
    says so (and the rest of it is there, nothing scrolls sideways); reloaded once it is done, the
    pair is asked about."""
    rumsfeld = _person_of(home, "lfw_Donald_Rumsfeld")
    _split_half(home, rumsfeld)
    hold = threading.Event()
    calls = Calls(monkeypatch, hold)
    monkeypatch.setattr(thresholds, "PEOPLE_REVIEW_WAIT_SECONDS", 0.0)
    with serving(home) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        phone = width < 600
        page = browser.new_page(
            viewport={"width": width, "height": 844 if phone else 900},
            device_scale_factor=2 if phone else 1,
            is_mobile=phone,
        )
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(base + "/people/review")
        expect(page.locator("#suggestions-preparing")).to_be_visible()
        expect(page.locator(".pair")).to_have_count(0)
        expect(page.locator("#unassigned")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        shot(page, f"people-review-preparing-{width}")
        assert calls.threads == ["camroll-review-suggestions"]
        hold.set()
        for _ in range(1200):
            page.reload()
            if page.locator("#suggestions-preparing").count() == 0:
                break
            time.sleep(0.05)
        expect(page.locator(".pair")).to_have_count(1)
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        shot(page, f"people-review-prepared-{width}")
        assert not errors, errors
        browser.close()
    assert len(calls.threads) == 1


def test_kept_suggestions_show_each_person_as_they_are_now(
    home: Path, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A renaming changes no face and so leaves the kept suggestions current: the page shows the
    new name, and drops a pair once both have different names or one is ignored, as a
    computation would, without computing."""
    rumsfeld, powell = _person_of(home, "lfw_Donald_Rumsfeld"), _person_of(home, "lfw_Colin_Powell")
    part_r, part_p = _split_half(home, rumsfeld), _split_half(home, powell)
    assert _suggested(client) == {frozenset((rumsfeld, part_r)), frozenset((powell, part_p))}
    calls = Calls(monkeypatch)
    run_cli(home, "people", "name", str(rumsfeld), "Donald")
    page = client.get("/people/review").text
    assert "Donald" in page and _suggested(client) == {frozenset((rumsfeld, part_r)), frozenset((powell, part_p))}
    run_cli(home, "people", "name", str(part_r), "Someone Else")
    assert _suggested(client) == {frozenset((powell, part_p))}
    run_cli(home, "people", "ignore", str(part_p))
    assert _suggested(client) == set()
    assert calls.threads == [], "each page read the kept suggestions"
