"""What every command shares: the app, the context, JSON output, Rich progress, and the one place
a :class:`~camroll.errors.CamrollError` becomes a message and an exit status."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text
from typer.core import TyperGroup

from camroll.config import AppContext, Config
from camroll.errors import CamrollError


def shown(text: str) -> str:
    """Text from a file, a person or a library, fit to print through Rich: markup escaped, and
    control characters (a newline or an ESC sequence in a file name) shown as ``\\xNN`` so they
    cannot move the cursor, recolour or hide the terminal's output."""
    from camroll.library.sanitize import printable

    return escape(printable(text))


class CamrollGroup(TyperGroup):
    """The top command group: a :class:`CamrollError` raised by any command (or sub-command) ends
    it with its message in red on stderr, escaped for Rich markup since it may hold paths, names
    and titles, and its ``exit_code``. Caught here, in the group every command runs inside, so
    ``camroll`` and a test's ``CliRunner`` behave the same; any other exception is a bug and keeps
    its traceback."""

    def invoke(self, ctx: Any) -> Any:
        _tolerate_undecodable_names()
        try:
            return super().invoke(ctx)
        except CamrollError as e:
            console_err().print(f"[red]{shown(str(e))}[/]", highlight=False, soft_wrap=True)
            raise typer.Exit(e.exit_code) from None


def _tolerate_undecodable_names() -> None:
    """A file name need not be UTF-8: Python hands it over with surrogate escapes, which a strict
    stream refuses to print, ending the command mid-way. Any output shows such bytes as ``\\xNN``."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


app = typer.Typer(
    help="camroll: your photo library's intelligence, on your own machine.", no_args_is_help=True, cls=CamrollGroup
)

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="Where camroll keeps its data (default: $CAMROLL_HOME or the XDG data dir)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def ctx_for(home: Path | None) -> AppContext:
    """The context of one command. Every command starts by enforcing retention (trash, staging
    and backups older than the ceiling are destroyed; derived data past a person's limit is
    dropped): a promise kept by a sweeper that runs, not by a comment. It costs microseconds
    unless a full sweep is due (:func:`camroll.privacy.retention.sweep`)."""
    from camroll.privacy.retention import sweep

    ctx = AppContext(Config(home=home) if home else Config())
    sweep(ctx)
    return ctx


def console_err() -> Console:
    return Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """End a command with ``message`` and exit ``code`` (2: the request was wrong, 1: it could not
    be done): a :class:`CamrollError` that :class:`CamrollGroup` prints, escaped."""
    raise CamrollError(message, code)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")


class RichReporter:
    """Draws the scan's progress: files/s and time left."""

    def __init__(self, progress: Progress, console: Console, verbose: bool):
        self.progress, self.console, self.verbose = progress, console, verbose
        self.task: TaskID | None = None

    def start(self, phase: str, total: int | None) -> None:
        if self.task is not None:
            self.progress.update(self.task, visible=False)
        self.task = self.progress.add_task(phase, total=total)

    def advance(self, n: int = 1) -> None:
        if self.task is not None:
            self.progress.advance(self.task, n)

    def problem(self, path: str, errors: list[str]) -> None:
        if self.verbose:
            self.console.print(
                f"[yellow]![/] {shown(path)}: {shown('; '.join(errors))}", highlight=False, soft_wrap=True
            )


class RateColumn(ProgressColumn):
    """Items per second, once there is a rate to show."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.1f} {self.unit}/s" if speed else "", style="cyan")


def progress_bar(console: Console, unit: str = "files") -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(unit),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )
