"""`camroll retention`: what is held and until when; limits per capability; the sweeper."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from camroll.cli.common import HomeOption, JsonOption, app, ctx_for, fail, print_json, shown
from camroll.privacy import retention

retention_app = typer.Typer(
    help="How long camroll keeps what it derived, and the sweeper that enforces it.", no_args_is_help=True
)
app.add_typer(retention_app, name="retention")


@retention_app.command("status")
def status_cmd(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """What camroll holds, per capability and in trash, staging or backups, and until when."""
    s = retention.status(ctx_for(home))
    if as_json:
        print_json(s)
        return
    console = Console()
    table = Table("capability", "on", "rows", "files", "oldest", "kept")
    for c in s["capabilities"]:
        table.add_row(
            c["id"],
            "yes" if c["granted"] else "no",
            str(c["rows"]),
            str(c["files"]),
            (c["oldest"] or "")[:10],
            c["until"],
        )
    console.print(table)
    for h in s["held"]:
        line = f"{h['what']}: {h['files']} file{'s' if h['files'] != 1 else ''}"
        if h["files"]:
            line += f", {h['bytes']:,} bytes, all destroyed by {h['destroyed_by'][:10]}"
        console.print(line + f" (at most {h['limit_days']} days)")
    console.print(f"Removed photos remembered (so a rescan skips them): {s['removed_photos']}")
    for note in s["kept_forever"]:
        console.print(f"Kept: {shown(note)}", style="dim", highlight=False)
    console.print(f"Last sweep: {s['last_sweep'] or 'never'}", style="dim")


@retention_app.command("set")
def set_cmd(
    capability: Annotated[str, typer.Argument(help="A capability id (see `camroll consent status`).")],
    duration: Annotated[str, typer.Argument(help="90d, 12w, 6m, 1y; or 'keep' for 'while consented' (the default).")],
    home: HomeOption = None,
) -> None:
    """Keep a capability's derived data at most this long (the next sweep deletes what is older)."""
    ctx = ctx_for(home)
    try:
        days = retention.parse_duration(duration)
        retention.set_policy(ctx, capability, days)
    except KeyError as e:  # an unknown capability; a RetentionError (exit 2) is printed by the CLI's group
        fail(str(e.args[0]), 2)
    report = retention.sweep(ctx, force=True)
    kept = "while consented" if days is None else f"at most {days} days"
    Console().print(f"{capability}: kept {kept}. Sweep: {report.describe()}.")


@retention_app.command("run")
def run_cmd(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Run the sweeper now: limits past due, trash, staging and backups past 30 days, the WAL."""
    report = retention.sweep(ctx_for(home), force=True)
    if as_json:
        print_json({**vars(report), "total": report.total})
        return
    Console().print(f"Retention sweep: {report.describe()}.")
