"""What every command shares: the app, the context, JSON output, Rich progress, and the one place
a :class:`~camroll.errors.CamrollError` becomes a message and an exit status."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand, TyperGroup

from camroll.config import AppContext, Config
from camroll.errors import CamrollError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, ProgressColumn, TaskID
    from typer import _click

# Rich is imported where it is used rather than here: ``camroll --help`` and ``--version`` import
# this module and nothing that draws a table or a bar (tests/test_cli_startup.py).


def shown(text: str) -> str:
    """Text from a file, a person or a library, fit to print through Rich: markup escaped, and
    control characters (a newline or an ESC sequence in a file name) shown as ``\\xNN`` so they
    cannot move the cursor, recolour or hide the terminal's output."""
    from rich.markup import escape

    from camroll.library.sanitize import printable

    return escape(printable(text))


class CamrollGroup(TyperGroup):
    """The top command group: a :class:`CamrollError` raised by any command (or sub-command) ends
    it with its message in red on stderr, escaped for Rich markup since it may hold paths, names
    and titles, and its ``exit_code``. Caught here, in the group every command runs inside, so
    ``camroll`` and a test's ``CliRunner`` behave the same; any other exception is a bug and keeps
    its traceback.

    It also loads commands lazily: it knows every command from :data:`camroll.cli.COMMANDS` and
    imports the modules of one only when that command is asked for. Listing them in ``--help``
    needs only their names and one-line help, which the table holds."""

    def parse_args(self, ctx: _click.Context, args: list[str]) -> list[str]:
        """``--database URL`` before the command is taken here, not as a Typer option: Typer
        converts every non-flag option of the group with pydantic (a tenth of a second), which
        every command, even ``--help``, would then pay (tests/test_cli_startup.py)."""
        rest, i = [], 0
        while i < len(args):
            arg = args[i]
            if not arg.startswith("-"):  # the command: what follows is its own
                rest += args[i:]
                break
            if arg == "--database" or arg.startswith("--database="):
                value = arg.partition("=")[2] if "=" in arg else (args[i + 1] if i + 1 < len(args) else "")
                i += 1 if "=" in arg else 2
                if not value.startswith(("postgresql://", "postgres://")):
                    from typer._click.exceptions import UsageError

                    raise UsageError(
                        f"--database takes a postgresql:// URL (postgresql://user@host/db), not {value!r}", ctx
                    )
                os.environ["CAMROLL_DATABASE"] = value  # read by every Config this process makes
                continue
            rest.append(arg)
            i += 1
        return super().parse_args(ctx, rest)

    def invoke(self, ctx: Any) -> Any:
        _tolerate_undecodable_names()
        try:
            return super().invoke(ctx)
        except CamrollError as e:
            console_err().print(f"[red]{shown(str(e))}[/]", highlight=False, soft_wrap=True)
            raise typer.Exit(e.exit_code) from None

    def list_commands(self, ctx: _click.Context) -> list[str]:
        from camroll.cli import COMMANDS

        return [*COMMANDS, *(name for name in self.commands if name not in COMMANDS)]

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        from camroll.cli import COMMANDS, load_command

        command = self.commands.get(cmd_name)
        if command is not None or cmd_name not in COMMANDS:
            return command
        if ctx.meta.get(_LISTING):
            return TyperCommand(name=cmd_name, help=COMMANDS[cmd_name].help)
        command = self.commands[cmd_name] = load_command(cmd_name)
        return command

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        # Typer's "did you mean" looks only at the commands loaded so far: look at all of them.
        from difflib import get_close_matches

        from typer._click.exceptions import UsageError

        suggest, self.suggest_commands = self.suggest_commands, False
        try:
            return super().resolve_command(ctx, args)
        except UsageError as e:
            matches = get_close_matches(args[0], self.list_commands(ctx)) if suggest and args else []
            if matches:
                e.message = f"{e.message.rstrip('.')}. Did you mean {', '.join(map(repr, matches))}?"
            raise
        finally:
            self.suggest_commands = suggest

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        with _listing(ctx):
            _print_top_help(self, ctx)


def _print_top_help(group: CamrollGroup, ctx: _click.Context) -> None:
    """``camroll --help``, drawn like Typer draws every other help page (usage, then panels of
    options and commands) but with Rich's console, panel and table alone: Typer's own renderer
    imports Markdown and syntax highlighting first, which costs more than all the rest of
    ``--help`` (bench/startup.py)."""
    from rich.console import Console
    from rich.padding import Padding
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    def panel(title: str, rows: list[tuple[str, str]], width: int) -> Panel:
        table = Table(highlight=False, show_header=False, expand=True, box=None, pad_edge=False, padding=(0, 1))
        table.add_column(style="bold cyan", no_wrap=True, width=width)
        table.add_column(ratio=10)
        for name, text in rows:
            table.add_row(name, Text(text))
        return Panel(table, title=title, title_align="left", border_style="dim")

    console = Console()
    usage = Text.assemble(
        ("Usage: ", "yellow"), (ctx.command_path, "bold"), " ", " ".join(group.collect_usage_pieces(ctx))
    )
    console.print(Padding(usage, 1))
    console.print(Padding(Text(" ".join((group.help or "").split())), (0, 1, 1, 1)))
    options = [
        (", ".join(param.opts + param.secondary_opts), getattr(param, "help", None) or "")
        for param in group.get_params(ctx)
        if not getattr(param, "hidden", False)
    ]
    commands: list[tuple[str, str]] = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is not None and not command.hidden:
            text = (command.short_help or command.help or "").split("\n\n")[0]
            commands.append((name, " ".join(text.split())))
    width = max(len(name) for name, _ in options + commands)
    console.print(panel("Options", options, width))
    console.print(panel("Commands", commands, width))


_LISTING = "camroll.listing"
"""Set in a context's meta while the top group lists its commands: placeholders will do."""


class _listing:
    """While listing, :meth:`CamrollGroup.get_command` hands out a placeholder that carries the
    command's name and help from the table, instead of importing the command."""

    def __init__(self, ctx: _click.Context) -> None:
        self.ctx = ctx

    def __enter__(self) -> None:
        self.ctx.meta[_LISTING] = True

    def __exit__(self, *exc: object) -> None:
        self.ctx.meta.pop(_LISTING, None)


def _tolerate_undecodable_names() -> None:
    """A file name need not be UTF-8: Python hands it over with surrogate escapes, which a strict
    stream refuses to print, ending the command mid-way. Any output shows such bytes as ``\\xNN``."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


_TOP_FLAGS_OFF = {"help": False, "version": False, "install_completion": False, "show_completion": False}
"""The top group's own flags, off unless given. Typer 0.29 converts a flag left unset (None)
through a pydantic TypeAdapter, importing pydantic (a tenth of a second) before any command runs;
a default of False is already a bool, which it takes as is."""

app = typer.Typer(
    help="camroll: your photo library's intelligence, on your own machine.\n\n"
    "Before any command, --database postgresql://user@host/db keeps the catalog in PostgreSQL (or set "
    "CAMROLL_DATABASE); the home remembers it, and its keys stay in the home.",
    no_args_is_help=True,
    cls=CamrollGroup,
    context_settings={"default_map": _TOP_FLAGS_OFF},
)


def _print_version(value: bool) -> None:
    if value:
        from camroll import __version__

        sys.stdout.write(f"camroll {__version__}\n")
        raise typer.Exit()


@app.callback()
def _top(
    version: Annotated[
        bool,
        typer.Option("--version", is_eager=True, callback=_print_version, help="Print camroll's version and exit."),
    ] = False,
) -> None:
    """The options of ``camroll`` itself, before any command (``--database``: CamrollGroup.parse_args)."""


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
    from rich.console import Console

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


def rate_column(unit: str) -> ProgressColumn:
    """A progress column showing items per second, once there is a rate to show. Its class is
    made here, not at import, because it derives from Rich's, which a light command never loads."""
    from rich.progress import ProgressColumn, Task
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.1f} {unit}/s" if speed else "", style="cyan")

    return RateColumn()


def progress_bar(console: Console, unit: str = "files") -> Progress:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeRemainingColumn

    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        rate_column(unit),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def photo_id_of(ctx: AppContext, arg: str) -> int:
    """A catalogued photo from its id, the path of one of its files, or its content hash: what
    every command that takes a PHOTO accepts (`edit`, `clip`, `favourite`...)."""
    found = find_photo_id(ctx, arg)
    if found is None:
        fail(f"no photo {arg!r} in the library (give an id, a path or a hash; see `camroll photos`)")
    return found


def looks_like_hash(arg: str) -> bool:
    """At least 8 hex digits: a content hash or its start (no moment or person id looks so)."""
    return len(arg) >= 8 and all(c in "0123456789abcdef" for c in arg.lower())


def find_photo_id(ctx: AppContext, arg: str) -> int | None:
    """:func:`photo_id_of` for commands that report what names nothing and go on (a collage of
    several photos): None instead of failing."""
    from camroll.store import photos

    row = photos.live_source(ctx.db, int(arg)) if arg.isdigit() else None
    if row is None and os.path.exists(arg):
        row = photos.live_source_of_file(ctx.db, os.fsencode(os.path.abspath(arg)))
    if row is None and looks_like_hash(arg):
        row = photos.live_source_by_hash_prefix(ctx.db, arg.lower())
    return None if row is None else int(row["id"])
