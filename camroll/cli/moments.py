"""Moments commands: list events, trips, "on this day" and birthdays; show one; see or fix home."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from camroll.cli.common import (
    HomeOption,
    JsonOption,
    RichReporter,
    app,
    console_err,
    ctx_for,
    fail,
    print_json,
    progress_bar,
    shown,
)
from camroll.config import AppContext
from camroll.moments import Moment
from camroll.moments.home import Home, Whereabouts, clear_home, places_granted, set_home, whereabouts
from camroll.moments.listing import KINDS, all_moments, find_moment
from camroll.store import files as store_files

moments_app = typer.Typer(
    help="Moments: events, trips, on this day and birthdays, found in your photos.", invoke_without_command=True
)
home_app = typer.Typer(
    help="Home: where you live, estimated from your photos' places and times (with places consent), or set by you.",
    invoke_without_command=True,
)
app.add_typer(moments_app, name="moments")
app.add_typer(home_app, name="home")

_KIND_WORDS = {
    "event": ("event", "events"),
    "trip": ("trip", "trips"),
    "on_this_day": ("on this day", "on this day"),
    "birthday": ("birthday", "birthdays"),
}


def _when(moment: Moment) -> str:
    start, end = datetime.fromisoformat(moment.start), datetime.fromisoformat(moment.end)
    if moment.kind in ("on_this_day", "birthday") and start.year != end.year:
        return f"{start.year}–{end.year}"
    if start.date() == end.date():
        hours = f"{start:%H:%M}" if start == end else f"{start:%H:%M}–{end:%H:%M}"
        return f"{start:%a} {start.day} {start:%b %Y}, {hours}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%b %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
    return f"{start.day} {start:%b %Y} – {end.day} {end:%b %Y}"


def _estimate(ctx: AppContext) -> Whereabouts:
    """Home and work, with a progress bar on stderr while the library's photos are read."""
    err = console_err()
    with progress_bar(err, "photos") as progress:
        return whereabouts(ctx, reporter=RichReporter(progress, err, False))


def _home_line(ctx: AppContext, found: Home | None = None) -> str:
    """One line on home: where, how sure, why; ``found`` saves estimating it again."""
    if not places_granted(ctx):
        return "Home and trips need your consent for places (`camroll consent grant places`)."
    found = found or _estimate(ctx).home
    if found is None:
        return "Home: not known yet (no place photographed on two different days); set it with `camroll home set`."
    where = shown(found.name or f"{found.lat:.3f}, {found.lon:.3f}")
    if found.source == "user":
        return f"Home: {where} (set by you; `camroll home` to see or fix it)."
    if not found.clear:
        return (
            f"Home: perhaps {where}, but not clearly enough to find trips ({shown(found.reason)}); "
            "set it with `camroll home set`."
        )
    return f"Home: {where} ({found.confidence} confidence: {shown(found.reason)}; `camroll home` to see or fix it)."


@moments_app.callback()
def moments_list(
    typer_ctx: typer.Context,
    home: HomeOption = None,
    as_json: JsonOption = False,
    kinds: Annotated[
        list[str] | None, typer.Option("--kind", help=f"Only this kind ({', '.join(KINDS)}); repeat for more.")
    ] = None,
    on: Annotated[
        str | None, typer.Option("--date", help="The day 'on this day' looks back from, YYYY-MM-DD (default: today).")
    ] = None,
) -> None:
    """List moments (the default when no subcommand is given): each id works with `camroll make`."""
    if typer_ctx.invoked_subcommand is not None:
        return
    try:
        today = date.fromisoformat(on) if on else None
    except ValueError:
        fail(f"{on!r} is not a date like 2025-06-14")
    ctx = ctx_for(home)
    try:
        err = console_err()
        with progress_bar(err, "photos") as progress:
            found = all_moments(ctx, kinds or None, today, RichReporter(progress, err, False))
    except ValueError as e:
        fail(str(e))
    if as_json:
        print_json([m.as_dict() for m in found])
        return
    console = Console()
    if found:
        table = Table()
        table.add_column("id", no_wrap=True)  # the handle `camroll make` takes: never cut short
        for column in ("title", "when", "photos", "people", "place"):
            table.add_column(column)
        for m in found:
            table.add_row(m.id, shown(m.title), _when(m), str(len(m.photo_ids)), shown(m.who()), shown(m.place or ""))
        console.print(table)
    counts = [
        f"{n} {_KIND_WORDS[k][n != 1]}"
        for k in KINDS
        if (kinds is None or k in kinds)
        for n in [sum(m.kind == k for m in found)]
    ]
    console.print(
        (
            "Found " + ", ".join(counts) + "."
            if found
            else "No moments yet: an event needs a few photos taken close together, with the date the camera recorded."
        ),
        highlight=False,
    )
    console.print(_home_line(ctx), highlight=False)


@moments_app.command("show")
def moments_show(
    moment_id: Annotated[str, typer.Argument(help="A moment's id (see `camroll moments`).")],
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one moment: its title, dates, people, cover and photos."""
    ctx = ctx_for(home)
    moment = find_moment(ctx, moment_id)  # MomentNotFound: the app prints it and exits 2
    paths = _paths(ctx, moment.photo_ids)
    if as_json:
        print_json({**moment.as_dict(), "paths": {str(k): v for k, v in paths.items()}})
        return
    console = Console()
    console.print(f"[bold]{shown(moment.title)}[/]  ({moment.id})")
    console.print(f"When: {_when(moment)}", highlight=False)
    if moment.place:
        console.print(f"Where: {shown(moment.place)}", highlight=False)
    if moment.people:
        console.print(f"People: {shown(', '.join(moment.people))}", highlight=False)
    cover = paths.get(moment.cover_id) if moment.cover_id is not None else None
    console.print(f"Cover: {shown(cover or '-')}", highlight=False)
    console.print(f"{len(moment.photo_ids)} photos:", highlight=False)
    for pid in moment.photo_ids:
        console.print(f"  {pid:>6}  {shown(paths.get(pid, '(no file)'))}", highlight=False)


def _paths(ctx: AppContext, photo_ids: list[int]) -> dict[int, str]:
    return store_files.a_live_path_each(ctx.db, photo_ids)


@home_app.callback()
def home_show(typer_ctx: typer.Context, home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Show where camroll thinks home is, and why (the default when no subcommand is given)."""
    if typer_ctx.invoked_subcommand is not None:
        return
    ctx = ctx_for(home)
    known = _estimate(ctx)
    found = known.home
    if as_json:
        print_json(
            {
                "places_consent": places_granted(ctx),
                "home": found.as_dict() | {"clear": found.clear} if found else None,
                "work": known.work.as_dict() if known.work else None,
            }
        )
        return
    console = Console()
    console.print(_home_line(ctx, found), highlight=False)
    if found is not None:
        console.print(
            f'At {found.lat:.5f}, {found.lon:.5f}; photos within the home radius count as "at home".', highlight=False
        )
        if found.source == "auto":
            console.print('Wrong? `camroll home set LAT LON` or `camroll home set "Town"` fixes it for good.')
    if known.work is not None:
        work = known.work
        console.print(
            f"Work, perhaps: {shown(work.name or f'{work.lat:.3f}, {work.lon:.3f}')} "
            f"({work.confidence} confidence: {shown(work.reason)}).",
            highlight=False,
        )


@home_app.command("set", context_settings={"ignore_unknown_options": True})
def home_set(
    where: Annotated[
        list[str], typer.Argument(help="LAT LON (decimal degrees), or the name of a town where you took photos.")
    ],
    home: HomeOption = None,
) -> None:
    """Set home yourself; your setting always wins over the guess."""
    ctx = ctx_for(home)
    if len(where) == 2 and all(_is_number(w) for w in where):  # a HomeError: the app prints it, exits 2
        found = set_home(ctx, float(where[0]), float(where[1]))
    else:
        found = set_home(ctx, place=" ".join(where))
    Console().print(
        f"Home is now {shown(found.name or 'there')} ({found.lat:.5f}, {found.lon:.5f}), set by you.", highlight=False
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@home_app.command("clear")
def home_clear(home: HomeOption = None) -> None:
    """Forget the home you set; camroll goes back to estimating it from your photos."""
    ctx = ctx_for(home)
    had = clear_home(ctx)
    Console().print(
        ("Your home setting is forgotten. " if had else "You had not set a home. ") + _home_line(ctx), highlight=False
    )
