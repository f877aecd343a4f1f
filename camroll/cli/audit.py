"""Audit commands: read the log of what happened to your data, and check it was not altered."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from camroll.cli.common import HomeOption, JsonOption, ctx_for, print_json, shown
from camroll.privacy import audit

audit_app = typer.Typer(
    help="The audit log: every grant, revoke, purge, scan and analysis.", invoke_without_command=True
)


@audit_app.callback()
def audit_list(
    typer_ctx: typer.Context,
    home: HomeOption = None,
    as_json: JsonOption = False,
    last: Annotated[int, typer.Option(help="Show only the newest N records (0: all).")] = 50,
) -> None:
    """Show the audit log (the default when no subcommand is given)."""
    if typer_ctx.invoked_subcommand is not None:
        return
    events = audit.events(ctx_for(home))
    picked = events[-last:] if last else events
    if as_json:
        print_json([vars(e) for e in picked])
        return
    table = Table("#", "when", "who", "what", "details")
    for e in picked:
        details = ", ".join(f"{k}={v}" for k, v in e.details.items() if v not in (None, [], {}))
        table.add_row(str(e.id), e.at.replace("T", " ")[:19], shown(e.actor), e.kind, shown(details))
    Console().print(table)


@audit_app.command("verify")
def audit_verify(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Recompute the keyed chain and compare its end with keys/audit.head: any edited, inserted,
    removed or reordered record, and records cut off the end, are reported."""
    ctx = ctx_for(home)
    result = audit.check(ctx)
    head = result.head
    if as_json:
        print_json(
            {
                "intact": not result.problems,
                "records": result.records,
                "legacy_records": result.legacy,
                "legacy_redacted": result.legacy_redacted,
                "last_hash": result.last_mac,
                "problems": result.problems,
                "head": {"records": head.records, "mac": head.mac} if head else None,
            }
        )
    else:
        console = Console()
        if result.problems:
            console.print(f"[red]The audit log was altered:[/] {len(result.problems)} problems.")
            for p in result.problems:
                console.print(f"  {shown(p)}", highlight=False)
        else:
            legacy = ""
            if result.legacy:
                legacy = f" ({result.legacy} written before the log was keyed, " + (
                    "their folder names since removed, so only their order is checked)"
                    if result.legacy_redacted
                    else "checked as a plain chain)"
                )
            console.print(
                f"The audit log is intact: {result.records} records{legacy}, last MAC "
                f"{result.last_mac[:16]}..., matching keys/audit.head.",
                highlight=False,
            )
    if result.problems:
        raise typer.Exit(1)
