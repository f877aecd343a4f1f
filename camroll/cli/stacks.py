"""`camroll stacks [review|resolve]`: RAW+JPEG pairs, bursts and near duplicates, each shown as one
stack with its best copy on top, and their review: keep the best (the rest go to the trash,
restorable for TRASH_KEEP_DAYS days), keep all (remembered), or keep the ones picked
(library/stacks.py says how stacks are found and the top chosen)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from camroll import thresholds
from camroll.cli.common import (
    HomeOption,
    JsonOption,
    RichReporter,
    app,
    console_err,
    ctx_for,
    fail,
    photo_id_of,
    print_json,
    progress_bar,
    shown,
)
from camroll.config import AppContext
from camroll.library import stacks
from camroll.library.stacks import Resolution, Stack

KEEP_DAYS = thresholds.TRASH_KEEP_DAYS
HELP = "Stacks of RAW+JPEG pairs, bursts and near duplicates, best copy on top: list them, review them, resolve one."

stacks_app = typer.Typer(help=HELP, invoke_without_command=True)
app.add_typer(stacks_app, name="stacks")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _find(ctx: AppContext) -> list[Stack]:
    console = console_err()
    with progress_bar(console, "photos") as progress:
        return stacks.find_stacks(ctx, RichReporter(progress, console, verbose=False))


def _json(s: Stack) -> dict[str, Any]:
    return {
        "id": s.id,
        "why": s.reasons(),
        "kept": s.kept,
        "top": s.top.id,
        "members": [
            {
                "id": m.id,
                "path": m.path,
                "format": m.format,
                "size": m.size,
                "taken": m.taken_local,
                "favourite": m.favourite,
                "quality": m.score,
                "stacked_by": sorted(m.ties),
            }
            for m in s.members
        ],
    }


@stacks_app.callback()
def list_cmd(
    typer_ctx: typer.Context,
    home: HomeOption = None,
    as_json: JsonOption = False,
    everything: Annotated[bool, typer.Option("--all", help="List stacks kept whole too.")] = False,
) -> None:
    """Stacks of RAW+JPEG pairs, bursts and near duplicates, best copy on top: list them, review
    them, resolve one."""
    if typer_ctx.invoked_subcommand is not None:
        return
    found = _find(ctx_for(home))
    shown_stacks = found if everything else stacks.offered(found)
    if as_json:
        print_json([_json(s) for s in shown_stacks])
        return
    console = Console()
    if shown_stacks:
        table = Table("stack", "photos", "why", "top (best copy)", "taken")
        for s in shown_stacks:
            why = s.reason + (" (kept)" if s.kept else "")
            table.add_row(str(s.id), str(len(s.members)), why, shown(s.top.name), (s.top.taken_local or "")[:19])
        console.print(table)
    offered = len(stacks.offered(found))
    console.print(
        f"{_plural(len(found), 'stack')} of {sum(len(s.members) for s in found)} photos; "
        f"{offered} to review (`camroll stacks review`, or `camroll stacks resolve STACK --keep-best|--keep-all`).",
        highlight=False,
    )


def _say(console: Console, stack: Stack, done: Resolution) -> None:
    if done.trashed:
        console.print(
            f"Stack {stack.id}: kept {_plural(len(done.kept), 'photo')}, moved {_plural(len(done.trashed), 'photo')} "
            f"to the trash (kept {KEEP_DAYS} days; `camroll trash restore` brings them back).",
            highlight=False,
        )
    else:
        console.print(f"Stack {stack.id}: kept all {len(done.kept)}; it will not be offered again.", highlight=False)
    for what, why in done.refused:
        console.print(f"[yellow]Left as it was:[/] {shown(what)}: {shown(why)}", highlight=False, soft_wrap=True)


def _show(console: Console, stack: Stack) -> None:
    console.print(f"\n[bold]Stack {stack.id}[/]: {stack.reason}", highlight=False)
    for n, m in enumerate(stack.members, 1):
        marks = ", ".join(
            x
            for x in (
                "best" if n == 1 else "",
                "favourite" if m.favourite else "",
                f"quality {m.score:.2f}" if m.score is not None else "",
            )
            if x
        )
        console.print(
            f"  {n}. {shown(m.path)}  {m.format.upper()}, {m.size / 1e6:.1f} MB{'  (' + marks + ')' if marks else ''}",
            highlight=False,
            soft_wrap=True,
        )


def _picked(answer: str, stack: Stack) -> list[int] | None:
    """``1,3`` -> the ids of members 1 and 3; None when the answer is not such a list."""
    try:
        numbers = [int(x) for x in answer.replace(" ", "").split(",") if x]
    except ValueError:
        return None
    if not numbers or any(not 1 <= n <= len(stack.members) for n in numbers):
        return None
    return [stack.members[n - 1].id for n in numbers]


@stacks_app.command("review")
def review_cmd(home: HomeOption = None) -> None:
    """Go through the stacks one by one: keep the best (the rest go to the trash), keep all (not
    offered again), keep the ones you name by number, or skip."""
    ctx = ctx_for(home)
    todo = stacks.offered(_find(ctx))
    console = Console()
    if not todo:
        console.print("No stacks to review.")
        return
    trashed = kept_whole = skipped = 0
    for i, stack in enumerate(todo, 1):
        _show(console, stack)
        while True:
            answer = typer.prompt(
                f"[{i}/{len(todo)}] b: keep the best, a: keep all, 1,3: keep those, s: skip, q: quit", default="s"
            ).strip()
            keep = {"b": stacks.best_only(stack), "a": stacks.everything(stack)}.get(answer.lower())
            keep = keep or _picked(answer, stack)
            if keep is not None or answer.lower() in ("s", "q"):
                break
            console.print("Answer b, a, s, q or the numbers of the photos to keep.")
        if answer.lower() == "q":
            break
        if keep is None:
            skipped += 1
            continue
        done = stacks.resolve(ctx, stack, keep)
        trashed += len(done.trashed)
        kept_whole += not done.trashed
        _say(console, stack, done)
    console.print(
        f"\nReviewed {_plural(len(todo), 'stack')}: {_plural(trashed, 'photo')} moved to the trash "
        f"(kept {KEEP_DAYS} days), {_plural(kept_whole, 'stack')} kept whole, {skipped} skipped.",
        highlight=False,
    )


@stacks_app.command("resolve")
def resolve_cmd(
    stack: Annotated[str, typer.Argument(help="The stack's number (from `camroll stacks`), or any photo in it.")],
    keep_best: Annotated[
        bool, typer.Option("--keep-best", help="Keep the top photo; the rest go to the trash.")
    ] = False,
    keep_all: Annotated[
        bool, typer.Option("--keep-all", help="Keep every photo; the stack is not offered again.")
    ] = False,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Resolve one stack without questions: --keep-best moves every photo but the top to the trash
    (kept 30 days, `camroll trash restore` brings them back); --keep-all keeps them and remembers it."""
    if keep_best == keep_all:
        fail("say --keep-best or --keep-all")
    ctx = ctx_for(home)
    photo = int(stack) if stack.isdigit() else photo_id_of(ctx, stack)
    found = stacks.stack_of(_find(ctx), photo)
    if found is None:
        fail(f"no stack {stack!r} (see `camroll stacks`)")
    keep = stacks.best_only(found) if keep_best else stacks.everything(found)
    if keep_best:
        console = console_err()
        with progress_bar(console, "photos") as progress:
            done = stacks.resolve(ctx, found, keep, reporter=RichReporter(progress, console, verbose=True))
    else:
        done = stacks.resolve(ctx, found, keep)
    if as_json:
        print_json({"stack": found.id, **vars(done), "keep_days": KEEP_DAYS})
    else:
        _say(Console(), found, done)
    if done.refused and not done.trashed:
        raise typer.Exit(1)
