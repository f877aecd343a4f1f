"""The people review's merge suggestions, kept by the server and computed off the page.

Computing them (:func:`camroll.people.review.suggestions`) reads and opens every face print of
the library: 0.4-1.6 s at 20,000 faces, 8 s at 200,000 (bench/review_suggestions.py). A page
must not pay that,
so the suggestions are computed

- **after a scan or an analysis** (:meth:`KeptSuggestions.after_job`, run by the job itself
  once its work is done: the people job runs at the end of each analysis), so a review opened
  after it reads them at once, and the job's page says "Preparing the people review" meanwhile;
- **in the background** when a page finds none of the people as they are now (the server
  started, or the people changed from a terminal or another page): one computation at a time,
  on its own connection; the page waits for it at most ``PEOPLE_REVIEW_WAIT_SECONDS`` (a small
  library's is ready by then) and otherwise says they are being prepared.

They are kept with the marker of the people they were computed from
(``store.people.review_marker``, read before computing, so a change made during the computation
makes them stale, never wrongly current), and brought up to date by each answer of the review:
"Same person?" takes the pair (after a merge, every pair of the two), an answer about one face
takes the pairs of the person it went to; each read shows the people as they are (a renaming
or an ignore counts no face, so :func:`as_they_are` applies it). Only the web keeps them, in
memory (they name people and come from their prints: nothing of them is written anywhere);
revoking People forgets them.
``camroll people review`` still computes them when asked.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection
from typing import Any

from camroll import thresholds
from camroll.config import AppContext, Config
from camroll.library.jobs import JobCancelled
from camroll.people import review
from camroll.privacy import consent
from camroll.progress import Reporter
from camroll.store import people as store_people

log = logging.getLogger(__name__)

Marker = tuple[int, ...]
Suggestion = dict[str, Any]


def as_they_are(ctx: AppContext, kept: list[Suggestion]) -> list[Suggestion]:
    """``kept`` with each person as they are now (a few dozen rows read by id): a name given or
    changed since shows, and a pair goes when either person is gone or ignored or both now have
    different names, as a computation now would leave it out. The review marker counts people
    and faces, not names, so a renaming alone does not make the kept suggestions stale."""
    rows: dict[int, Any] = {}

    def now(p: dict[str, Any]) -> Any:
        if p["id"] not in rows:
            rows[p["id"]] = store_people.person(ctx.db, int(p["id"]))
        return rows[p["id"]]

    out = []
    for s in kept:
        a, b = now(s["a"]), now(s["b"])
        if a is None or b is None or a["ignored"] or b["ignored"]:
            continue
        if a["name"] and b["name"] and str(a["name"]).casefold() != str(b["name"]).casefold():
            continue
        out.append(s | {"a": s["a"] | {"name": a["name"]}, "b": s["b"] | {"name": b["name"]}})
    return out


class KeptSuggestions:
    """One library's merge suggestions, as the web keeps them (see the module's docstring)."""

    def __init__(self, config: Config, actor: str) -> None:
        self._config, self._actor = config, actor
        self._lock = threading.Lock()
        self._kept: tuple[Marker, list[Suggestion]] | None = None
        self._kept_order = 0
        """The order of the computation or answer that left ``_kept``: a computation that began
        before it (an older reading of the people) never replaces it."""
        self._order = 0
        self._running: threading.Event | None = None
        """Set when the background computation in flight ends; None when none is."""

    # --- reading ---------------------------------------------------------------------------------

    def current(self, ctx: AppContext) -> list[Suggestion] | None:
        """The suggestions of the people as they are now, or None while they are being prepared.
        Never computes them itself: when none are kept for the people as they are, a computation
        starts in the background (unless one is running) and is waited for a short while."""
        marker = store_people.review_marker(ctx.db)
        deadline = time.monotonic() + thresholds.PEOPLE_REVIEW_WAIT_SECONDS
        for _ in range(2):  # the one in flight may have read the people before they changed
            with self._lock:
                found = self._matching(marker)
                if found is None:
                    running = self._running or self._start()
            if found is not None:
                return as_they_are(ctx, found)
            if not running.wait(max(0.0, deadline - time.monotonic())):
                return None
        with self._lock:
            found = self._matching(marker)
        return None if found is None else as_they_are(ctx, found)

    def preparing(self) -> bool:
        """Whether a background computation is in flight."""
        with self._lock:
            return self._running is not None

    def _matching(self, marker: Marker) -> list[Suggestion] | None:
        kept = self._kept
        return kept[1] if kept is not None and kept[0] == marker else None

    # --- computing -------------------------------------------------------------------------------

    def after_job(self, ctx: AppContext, reporter: Reporter) -> None:
        """After a scan or an analysis (whose end runs the people job): compute the suggestions
        now, in the job, if the people changed since they were kept. Without the People consent
        there is nothing to compute, and whatever was kept is forgotten."""
        if not consent.active_scopes(ctx, "people"):
            self.forget()
            return
        with self._lock:
            if self._matching(store_people.review_marker(ctx.db)) is not None:
                return
        try:
            reporter.start("Preparing the people review", None)
        except JobCancelled:  # cancelled once its work was done: a page computes them instead
            return
        self.compute(ctx)

    def compute(self, ctx: AppContext) -> list[Suggestion]:
        """Compute the suggestions on ``ctx`` and keep them (reads every print: seconds at scale)."""
        with self._lock:
            self._order += 1
            order = self._order
        marker = store_people.review_marker(ctx.db)  # before: a change meanwhile makes them stale
        found = review.suggestions(ctx)
        with self._lock:
            if order > self._kept_order:
                self._kept, self._kept_order = (marker, found), order
        return found

    def _start(self) -> threading.Event:
        """Start a computation in the background (the lock is held)."""
        done = self._running = threading.Event()
        threading.Thread(target=self._background, args=(done,), name="camroll-review-suggestions", daemon=True).start()
        return done

    def _background(self, done: threading.Event) -> None:
        ctx = AppContext(self._config, actor=self._actor)
        try:
            self.compute(ctx)
        except Exception:  # the page goes on saying they are being prepared; the log says why
            log.exception("computing the people review's merge suggestions failed")
        finally:
            ctx.close()
            with self._lock:
                if self._running is done:
                    self._running = None
            done.set()

    # --- answers ---------------------------------------------------------------------------------

    def answered_pair(self, ctx: AppContext, before: Marker, a: int, b: int, merged: bool) -> None:
        """ "Same person?" was answered: of the suggestions kept for the people as they were just
        ``before``, the pair goes; after a merge, every pair of the two goes too (their prints
        changed); the others still hold."""
        self._drop(ctx, before, {a, b} if merged else set(), pair={a, b})

    def answered_face(self, ctx: AppContext, before: Marker, people: Collection[int]) -> None:
        """An answer about one face (held, "Who is this?", dismissed) moved it onto ``people`` (or
        onto no one): the other pairs still hold, so the suggestions kept for the people as they
        were just ``before`` stay, less the pairs of those people (not asked again until the
        next computation). Suggestions kept for older people stay stale."""
        self._drop(ctx, before, set(people))

    def _drop(self, ctx: AppContext, before: Marker, gone: set[int], pair: set[int] | None = None) -> None:
        marker = store_people.review_marker(ctx.db)
        with self._lock:
            kept = self._kept
            if kept is None or kept[0] != before:
                return
            left = [
                s for s in kept[1] if {s["a"]["id"], s["b"]["id"]} != pair and not ({s["a"]["id"], s["b"]["id"]} & gone)
            ]
            self._order += 1
            # every kept one answered: computed again (there may be more than a page held)
            self._kept = (marker, left) if left or not kept[1] else None
            self._kept_order = self._order

    def forget(self) -> None:
        """Drop what is kept (People was revoked: nothing derived from the prints stays)."""
        with self._lock:
            self._order += 1
            self._kept, self._kept_order = None, self._order
