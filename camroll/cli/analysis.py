"""The analyze command: run what was granted, nothing else (``scan`` runs it too)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from camroll import capabilities
from camroll.cli.common import HomeOption, JsonOption, RichReporter, app, console_err, ctx_for, print_json, progress_bar
from camroll.cli.jobs import cli_job
from camroll.config import AppContext

if TYPE_CHECKING:
    from camroll.analysis.pipeline import AnalysisSummary


def analysis_granted(ctx: AppContext) -> bool:
    from camroll.analysis.pipeline import granted

    return granted(ctx)


def run_analysis(
    ctx: AppContext, console: Console, workers: int | None, quiet: bool, ray: str | None = None
) -> AnalysisSummary | None:
    """Analyse with a progress bar, as a job of the library (waiting for one that holds it);
    models load only here, so other commands start fast. None when nothing is granted."""
    from camroll.analysis.workflow import analyse_granted

    with (
        cli_job(ctx, "analyse", "Analysing photos", console) as (job, outcome),
        progress_bar(console, "photos") as progress,
    ):
        reporter = job.reporter(RichReporter(progress, console, not quiet))
        summary = analyse_granted(ctx, reporter, workers, job.retitle, ray=ray)
        if summary is not None:
            outcome.message = f"Analysed {summary.analysed} photos" + (
                f", {len(summary.failures)} analyses failed" if summary.failures else ""
            )
        return summary


def summary_json(summary: AnalysisSummary) -> dict[str, Any]:
    return {
        **vars(summary),
        "per_capability": dict(summary.per_capability),
        "dropped": dict(summary.dropped),
        "cpu_seconds": {k: round(v, 3) for k, v in summary.cpu_seconds.items()},
    }


def print_analysis(console: Console, summary: AnalysisSummary) -> None:
    rate = summary.analysed / summary.seconds if summary.seconds else 0.0
    console.print(
        f"Analysed {summary.analysed} photos in {summary.seconds:.1f} s ({rate:.1f} photos/s) "
        f"with consent for: {', '.join(summary.granted)}."
    )
    if summary.planned == 0:
        console.print("Everything you granted is already up to date.")
    for cap_id, n in summary.per_capability.items():
        console.print(f"  {capabilities.get(cap_id).title}: {n} photos")
    for cap_id, what in summary.jobs.items():
        console.print(f"  {capabilities.get(cap_id).title}: {what}")
    for cap_id, n in summary.dropped.items():
        console.print(
            f"  {capabilities.get(cap_id).title}: consent was withdrawn during the run; "
            f"{n} photos' results were not kept."
        )
    if summary.ray:
        actors, given, cuda = summary.ray["actors"], summary.ray["given_a_gpu"], summary.ray["on_cuda"]
        where = f"{given} given a GPU, {cuda} of them running the models on it" if given else "all on CPUs"
        if cuda < given:
            where += f" ({given - cuda} ran them on the CPU: no onnxruntime CUDA provider on their node)"
        console.print(f"  On the Ray cluster: {actors} actors; {where}.")
    if summary.elsewhere:
        console.print(
            f"  {summary.elsewhere} photos were left to another camroll process analysing this library "
            "at the same time."
        )
    if summary.failures:
        console.print(f"[red]{len(summary.failures)} analyses failed[/] (retried next time):")
        for path, cap_id, error in summary.failures[:20]:
            console.print(f"  {path} ({cap_id}): {error}", highlight=False, markup=False, soft_wrap=True)
    if summary.interrupted:
        console.print(
            "[yellow]Stopped before the end[/] (Ctrl-C, or `camroll jobs cancel`). What was finished is "
            "saved; run `camroll analyze` again to resume."
        )


@app.command("analyze")
def analyze_cmd(
    home: HomeOption = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: one per core).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Do not list each photo a model failed on.")] = False,
    as_json: JsonOption = False,
    ray: Annotated[
        str | None,
        typer.Option(
            "--ray",
            envvar="CAMROLL_RAY_ADDRESS",
            help="Analyse on a Ray cluster: its address (host:port) or 'auto'. The plan and the "
            "writing stay here; see docs/scale-out.md.",
        ),
    ] = None,
) -> None:
    """Run every capability you have granted on the photos it covers, and nothing else."""
    ctx, console = ctx_for(home), console_err()
    if not analysis_granted(ctx):
        if as_json:
            print_json({"granted": [], "analysed": 0, "reason": "no analysis is granted"})
            return
        console.print(
            "Nothing was analysed: you have not granted any analysis. "
            "See what each one does with `camroll consent status`, then `camroll consent grant ID`."
        )
        return
    try:
        summary = run_analysis(ctx, console, workers, quiet, ray)
    except KeyboardInterrupt:  # cancelled while waiting for the library, before anything ran
        console.print("[yellow]Cancelled[/] before it started: nothing was analysed.")
        raise typer.Exit(130) from None
    if summary is None:
        console.print("Nothing was analysed: consent was withdrawn before the analysis started.")
        return
    if as_json:
        print_json(summary_json(summary))
    else:
        print_analysis(console, summary)
    if summary.interrupted:
        raise typer.Exit(130)
