"""Audit commands: read the log of what happened to your data, and check it was not altered."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from camroll.cli.common import HomeOption, JsonOption, ctx_for, print_json
from camroll.privacy import audit

audit_app = typer.Typer(help="The audit log: every grant, revoke, purge, scan and analysis.", invoke_without_command=True)


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
    shown = events[-last:] if last else events
    if as_json:
        print_json([vars(e) for e in shown])
        return
    table = Table("#", "when", "who", "what", "details")
    for e in shown:
        details = ", ".join(f"{k}={v}" for k, v in e.details.items() if v not in (None, [], {}))
        table.add_row(str(e.id), e.at.replace("T", " ")[:19], e.actor, e.kind, details)
    Console().print(table)


@audit_app.command("verify")
def audit_verify(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Recompute the hash chain: any edited, removed or reordered record is reported."""
    ctx = ctx_for(home)
    problems = audit.verify(ctx)
    events = audit.events(ctx)
    head = events[-1].hash if events else audit.GENESIS
    if as_json:
        print_json({"intact": not problems, "records": len(events), "last_hash": head, "problems": problems})
    else:
        console = Console()
        if problems:
            console.print(f"[red]The audit log was altered:[/] {len(problems)} problems.")
            for p in problems:
                console.print(f"  {p}", highlight=False)
        else:
            console.print(f"The audit log is intact: {len(events)} records, last hash {head[:16]}...")
    if problems:
        raise typer.Exit(1)
