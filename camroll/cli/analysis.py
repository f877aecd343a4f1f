"""The analyze command: run what was granted, nothing else (``scan`` runs it too)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from camroll import capabilities
from camroll.cli.common import HomeOption, JsonOption, RichReporter, app, console_err, ctx_for, print_json, progress_bar
from camroll.config import AppContext
from camroll.privacy import consent

if TYPE_CHECKING:
    from camroll.analysis.pipeline import AnalysisSummary


def analysis_granted(ctx: AppContext) -> bool:
    return any(consent.active_scopes(ctx, c.id) for c in capabilities.REGISTRY if c.analyser)


def run_analysis(ctx: AppContext, console: Console, workers: int | None, quiet: bool) -> AnalysisSummary:
    """Analyse with a progress bar (models load only here, so other commands start fast)."""
    from camroll.analysis.pipeline import analyse

    with progress_bar(console, "photos") as progress:
        return analyse(ctx, RichReporter(progress, console, not quiet), workers)


def summary_json(summary: AnalysisSummary) -> dict[str, Any]:
    return {**vars(summary), "per_capability": dict(summary.per_capability),
            "cpu_seconds": {k: round(v, 3) for k, v in summary.cpu_seconds.items()}}  # fmt: skip


def print_analysis(console: Console, summary: AnalysisSummary) -> None:
    rate = summary.analysed / summary.seconds if summary.seconds else 0.0
    console.print(f"Analysed {summary.analysed} photos in {summary.seconds:.1f} s ({rate:.1f} photos/s) "
                  f"with consent for: {', '.join(summary.granted)}.")  # fmt: skip
    if summary.planned == 0:
        console.print("Everything you granted is already up to date.")
    for cap_id, n in summary.per_capability.items():
        console.print(f"  {capabilities.get(cap_id).title}: {n} photos")
    for cap_id, what in summary.jobs.items():
        console.print(f"  {capabilities.get(cap_id).title}: {what}")
    if summary.failures:
        console.print(f"[red]{len(summary.failures)} analyses failed[/] (retried next time):")
        for path, cap_id, error in summary.failures[:20]:
            console.print(f"  {path} ({cap_id}): {error}", highlight=False, markup=False, soft_wrap=True)
    if summary.interrupted:
        console.print("[yellow]Interrupted.[/] What was finished is saved; run `camroll analyze` again to resume.")


@app.command("analyze")
def analyze_cmd(
    home: HomeOption = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: one per core).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Do not list each photo a model failed on.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Run every capability you have granted on the photos it covers, and nothing else."""
    ctx, console = ctx_for(home), console_err()
    if not analysis_granted(ctx):
        if as_json:
            print_json({"granted": [], "analysed": 0, "reason": "no analysis is granted"})
            return
        console.print("Nothing was analysed: you have not granted any analysis. "
                      "See what each one does with `camroll consent status`, then `camroll consent grant ID`.")
        return
    summary = run_analysis(ctx, console, workers, quiet)
    if as_json:
        print_json(summary_json(summary))
    else:
        print_analysis(console, summary)
    if summary.interrupted:
        raise typer.Exit(130)
