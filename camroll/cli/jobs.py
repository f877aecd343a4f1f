"""Jobs from the command line: see what is running or waiting on a library, cancel it; and the
one wrapper every long CLI command runs in (:func:`cli_job`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from camroll.cli.common import HomeOption, JsonOption, app, console_err, ctx_for, fail, print_json, shown
from camroll.config import AppContext
from camroll.library import jobs

jobs_app = typer.Typer(
    help="Long work on your library (scans, analyses): list it, cancel it.", invoke_without_command=True
)
app.add_typer(jobs_app, name="jobs")


@contextmanager
def cli_job(ctx: AppContext, kind: str, title: str, console: Console) -> Iterator[tuple[jobs.Job, jobs.Outcome]]:
    """Run a command's long work as a job of the library: while another job holds it (a scan in
    another terminal, an analysis started from the web), say which, and wait for it."""

    def waiting(holder: jobs.JobView | None) -> None:
        which = f"job {holder.id}, “{holder.title}” (started by {holder.actor})" if holder else "another job"
        console.print(
            f"[yellow]Waiting:[/] the library is busy with {shown(which)}. This starts when it ends; "
            f"Ctrl-C stops waiting, `camroll jobs` shows the queue"
            + (f", `camroll jobs cancel {holder.id}` cancels it." if holder else "."),
            highlight=False,
            soft_wrap=True,
        )

    with jobs.run(ctx.config, kind, title, "cli", on_queued=waiting) as running:
        yield running


def _row(view: jobs.JobView) -> list[str]:
    progress = f"{view.done}/{view.total}" if view.total else (str(view.done) if view.done else "")
    state = view.state + (" (cancelling)" if view.cancelling and view.active else "")
    return [
        str(view.id),
        state,
        shown(view.title),
        shown(view.phase),
        progress,
        str(view.problems) if view.problems else "",
        shown(view.actor),
        (view.started_at or view.created_at).replace("T", " ")[:19],
    ]


@jobs_app.callback()
def jobs_list(
    typer_ctx: typer.Context,
    home: HomeOption = None,
    as_json: JsonOption = False,
    failures: Annotated[
        bool, typer.Option("--failures", help="Also list each job's failures (files and reasons).")
    ] = False,
) -> None:
    """List running, waiting and recent jobs (the default when no subcommand is given)."""
    if typer_ctx.invoked_subcommand is not None:
        return
    ctx = ctx_for(home)
    views = jobs.listing(ctx.db)
    if as_json:
        print_json([v.as_json() for v in views])
        return
    console = Console()
    if not views:
        console.print("No jobs yet: scans and analyses appear here while they run, and after.")
        return
    table = Table("#", "state", "what", "phase", "done", "problems", "by", "started")
    for view in views:
        table.add_row(*_row(view))
    console.print(table)
    if failures:
        for view in views:
            for path, reason in view.failures:
                console.print(f"  job {view.id}: {path}: {reason}", highlight=False, markup=False, soft_wrap=True)


@jobs_app.command("cancel")
def jobs_cancel(
    job_id: Annotated[int, typer.Argument(help="The job's number, as `camroll jobs` lists it.")],
    home: HomeOption = None,
) -> None:
    """Stop a running or waiting job: it stops after the photo it is on, and keeps what it finished."""
    ctx = ctx_for(home)
    view = jobs.find(ctx.db, job_id)
    if view is None:
        fail(f"There is no job {job_id} (`camroll jobs` lists them).")
    if not jobs.cancel(ctx.db, job_id):
        fail(f"Job {job_id} ({view.title}) has already ended: {view.state}.", 1)
    console_err().print(
        f"Asked job {job_id} ({shown(view.title)}) to stop; it stops after the item it is on "
        "and keeps what it finished.",
        highlight=False,
        soft_wrap=True,
    )
