"""Workflows the CLI and the web both run: each one function taking a reporter, so the two front
ends only render what it returns (issue 11: scan -> places -> analyse existed twice).

It lives in the analysis layer, the highest of the packages it strings together (library,
analysis); cli/ and web/ call it inside a job (:mod:`camroll.library.jobs`): the lock, the queue, cancelling.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from camroll.analysis import pipeline
from camroll.analysis.pipeline import AnalysisSummary
from camroll.config import AppContext
from camroll.library.places import update_places
from camroll.library.scan import ScanSummary, scan
from camroll.progress import Reporter


@dataclass
class ScanResult:
    scan: ScanSummary
    places_named: int
    analysis: AnalysisSummary | None
    """None when nothing is granted, or analysis was not asked for, or the scan was interrupted."""

    @property
    def interrupted(self) -> bool:
        return self.scan.interrupted or bool(self.analysis and self.analysis.interrupted)

    def sentence(self) -> str:
        """The outcome in one sentence (the web job's message)."""
        s = self.scan
        words = f"Scanned {s.seen} files: {s.new_photos} new photos"
        if s.failures:
            words += f", {len(s.failures)} could not be read"
        if self.analysis:
            words += f"; analysed {self.analysis.analysed} photos"
            if self.analysis.failures:
                words += f" ({len(self.analysis.failures)} analyses failed)"
        if self.interrupted:
            words += "; stopped before the end (what was finished is kept)"
        return words + "."


def shown(path: str | os.PathLike[str]) -> str:
    """A folder as a person reads it in a title: ``~/Pictures`` rather than ``/home/ana/Pictures``."""
    text, home = os.fspath(path), str(Path.home())
    return "~" + text[len(home) :] if home != "/" and (text == home or text.startswith(home + "/")) else text


def scan_title(paths: Sequence[str | os.PathLike[str]]) -> str:
    """``Scanning ~/Pictures`` (``and 2 more`` after the first folder)."""
    first = shown(os.path.abspath(paths[0])) if paths else ""
    return f"Scanning {first}" + (f" and {len(paths) - 1} more" if len(paths) > 1 else "")


def analyse_granted(
    ctx: AppContext,
    reporter: Reporter,
    workers: int | None = None,
    on_plan: Callable[[str], None] | None = None,
    ray: str | None = None,
) -> AnalysisSummary | None:
    """Run what was granted (None when nothing is). ``on_plan`` hears what the run will do
    (``Analysing 120 photos: faces, tags``) before it starts: a job's title."""
    if not pipeline.granted(ctx):
        return None
    planned = pipeline.plan(ctx)
    if on_plan is not None:
        on_plan(pipeline.describe(planned))
    return pipeline.analyse(ctx, reporter, workers, planned=planned, ray=ray)


def scan_and_analyse(
    ctx: AppContext,
    paths: Sequence[str | os.PathLike[str]],
    reporter: Reporter,
    workers: int | None = None,
    analyse: bool = True,
) -> ScanResult:
    """Catalog ``paths``, name the places of what has GPS (if granted), then run the analyses
    granted, unless asked not to or the scan was interrupted."""
    summary = scan(ctx, [os.fspath(p) for p in paths], reporter, workers)
    named = update_places(ctx)
    analysis = None
    if analyse and not summary.interrupted:
        analysis = analyse_granted(ctx, reporter, workers)
    return ScanResult(summary, named, analysis)
