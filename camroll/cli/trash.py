"""`camroll delete PHOTO...` and `camroll trash [restore|empty]`: deleted photos wait in the trash
for TRASH_KEEP_DAYS days, then the retention sweep destroys them (library/trash.py says how a
file is moved and why a deleted photo leaves the catalog at once)."""

from __future__ import annotations

from datetime import UTC, datetime
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
from camroll.library import trash
from camroll.store import trash as store

KEEP = thresholds.TRASH_KEEP_DAYS
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]

trash_app = typer.Typer(
    help=f"Deleted photos, kept {KEEP} days: list them, restore them, or empty the trash.",
    invoke_without_command=True,
)
app.add_typer(trash_app, name="trash")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@app.command("delete")
def delete_cmd(
    photos: Annotated[list[str], typer.Argument(help="Photos: ids, paths or hashes (see `camroll photos`).")],
    home: HomeOption = None,
    yes: YesOption = False,
    as_json: JsonOption = False,
) -> None:
    """Move photos to the trash: their files go to the trash folder in camroll's home, kept 30 days
    (`camroll trash restore` brings them back), and the photos leave the library with all that was
    derived from them. Nothing is destroyed until the trash is emptied."""
    ctx = ctx_for(home)
    ids = list(dict.fromkeys(photo_id_of(ctx, p) for p in photos))
    if not yes and not typer.confirm(
        f"Move {_plural(len(ids), 'photo')} to the trash ({ctx.config.home / 'trash'})? They leave your library "
        f"and are kept {KEEP} days, then destroyed.",
        err=True,
    ):
        raise typer.Exit(1)
    console = console_err()
    with progress_bar(console, "photos") as progress:
        report = trash.delete_photos(ctx, ids, RichReporter(progress, console, verbose=True))
    if as_json:
        print_json({**vars(report), "keep_days": KEEP})
    else:
        out = Console()
        out.print(
            f"Moved {_plural(len(report.deleted), 'photo')} ({_plural(len(report.files), 'file')}) to the trash; "
            f"kept {KEEP} days (`camroll trash` lists them, `camroll trash restore` brings them back). "
            f"{report.derived_rows} rows derived from them were deleted.",
            highlight=False,
        )
        for what, why in report.refused:
            out.print(f"[yellow]Left as it was:[/] {shown(what)}: {shown(why)}", highlight=False, soft_wrap=True)
    if report.refused and not report.files:
        raise typer.Exit(1)


def _row(item: store.Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "original": item.original_path,
        "taken": item.taken_local,
        "size": item.size,
        "deleted_at": item.deleted_at,
        "days_left": trash.days_left(item.deleted_at),
        "hash": item.photo_hash,
    }


@trash_app.callback()
def list_cmd(typer_ctx: typer.Context, home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Deleted photos, kept 30 days: list them, restore them, or empty the trash."""
    if typer_ctx.invoked_subcommand is not None:
        return
    rows = [_row(i) for i in store.items(ctx_for(home).db)]
    if as_json:
        print_json(rows)
        return
    console = Console()
    if not rows:
        console.print("The trash is empty.")
        return
    table = Table("id", "was at", "taken", "deleted", "days left")
    for r in rows:
        table.add_row(
            str(r["id"]), shown(r["original"]), (r["taken"] or "")[:10], r["deleted_at"][:10], str(r["days_left"])
        )
    console.print(table)
    console.print(
        f"{_plural(len(rows), 'file')} in the trash, each destroyed {KEEP} days after its delete. "
        "`camroll trash restore ID|PATH|--all` puts one back; `camroll trash empty --yes` destroys them now.",
        highlight=False,
    )


@trash_app.command("restore")
def restore_cmd(
    items: Annotated[
        list[str] | None, typer.Argument(help="Trash ids (from `camroll trash`), original paths or hashes.")
    ] = None,
    all_items: Annotated[bool, typer.Option("--all", help="Restore everything in the trash.")] = False,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Put deleted photos back where they were and catalogue them again. A file now at that path is
    never overwritten: the restored one gets a suffix (IMG (2).jpg)."""
    ctx = ctx_for(home)
    if all_items == bool(items):
        fail("give trash ids, paths or hashes, or --all (not both)", 2)
    chosen = store.items(ctx.db) if all_items else _resolve(ctx, items or [])
    console = console_err()
    with progress_bar(console) as progress:
        report = trash.restore(ctx, chosen, RichReporter(progress, console, verbose=True))
    if as_json:
        print_json(vars(report))
    else:
        out = Console()
        moved = [(a, b) for a, b in report.restored if a != b]
        out.print(
            f"Restored {_plural(len(report.restored), 'file')} and catalogued {_plural(report.new_photos, 'photo')} "
            "again (`camroll analyze` runs what you granted on them).",
            highlight=False,
        )
        for was, now in moved:
            out.print(f"{shown(was)} was taken: restored as {shown(now)}", highlight=False, soft_wrap=True)
        for what, why in report.refused:
            out.print(f"[yellow]Still in the trash:[/] {shown(what)}: {shown(why)}", highlight=False, soft_wrap=True)
    if report.refused and not report.restored:
        raise typer.Exit(1)


def _resolve(ctx: Any, args: list[str]) -> list[store.Item]:
    chosen: dict[int, store.Item] = {}
    for arg in args:
        found = trash.find(ctx, arg)
        if not found:
            fail(f"nothing in the trash is {arg!r} (see `camroll trash`)", 2)
        chosen.update((i.id, i) for i in found)
    return list(chosen.values())


@trash_app.command("empty")
def empty_cmd(
    older_than: Annotated[
        int | None, typer.Option("--older-than", min=0, help="Only what was deleted more than DAYS days ago.")
    ] = None,
    home: HomeOption = None,
    yes: YesOption = False,
    as_json: JsonOption = False,
) -> None:
    """Destroy what is in the trash for good (the sweep does it anyway 30 days after each delete)."""
    ctx = ctx_for(home)
    items = store.items(ctx.db)
    if older_than is not None:
        cutoff = datetime.now(UTC).timestamp() - older_than * 86400
        items = [i for i in items if datetime.fromisoformat(i.deleted_at).timestamp() < cutoff]
    if not yes:
        fail(f"this destroys {_plural(len(items), 'file')} for good: add --yes to do it", 2)
    destroyed = trash.empty(ctx, items)
    if as_json:
        print_json({"destroyed": destroyed, "items": len(items)})
        return
    Console().print(f"Destroyed {_plural(destroyed, 'file')} from the trash, for good.", highlight=False)
