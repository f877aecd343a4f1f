"""Consent commands: status, grant, revoke (which deletes at once)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from camroll import capabilities
from camroll.cli.common import HomeOption, JsonOption, app, ctx_for, print_json
from camroll.library.places import update_places
from camroll.privacy import consent

consent_app = typer.Typer(help="What camroll may analyse: see, grant and revoke.", no_args_is_help=True)
app.add_typer(consent_app, name="consent")


@consent_app.command("status")
def consent_status(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Each capability: what it reads, what it learns, and whether it is on."""
    ctx = ctx_for(home)
    rows: list[dict[str, Any]] = []
    for cap in capabilities.REGISTRY:
        scopes = consent.active_scopes(ctx, cap.id)
        rows.append({
            "id": cap.id, "title": cap.title, "reads": cap.reads, "learns": cap.learns,
            "biometric": cap.biometric, "depends_on": list(cap.depends_on),
            "granted": bool(scopes), "scopes": scopes, "except": consent.revoked_within(ctx, cap.id),
            "granted_by_scan": cap.granted_by_scan,
        })  # fmt: skip
    if as_json:
        print_json(rows)
        return
    console = Console()
    for r in rows:
        state = "[green]on[/]" if r["granted"] else "[dim]off[/]"
        where = ", ".join("everything" if s == "*" else s.removeprefix("path:") for s in r["scopes"])
        if r["except"]:
            where += " except " + ", ".join(s.removeprefix("path:") for s in r["except"])
        console.print(f"[bold]{r['title']}[/] ({r['id']}): {state}" + (f" for {where}" if where else ""))
        console.print(f"  Reads: {r['reads']}", highlight=False)
        console.print(f"  Learns: {r['learns']}", highlight=False)
        if r["granted_by_scan"]:
            console.print("  Given by pointing camroll at a folder (`camroll scan PATH`).", style="dim")
        elif not r["granted"]:
            console.print(f"  Turn on: camroll consent grant {r['id']}", style="dim")
        console.print()


def _scope(scope: Path | None) -> str:
    return consent.path_scope(str(scope)) if scope else consent.EVERYTHING


@consent_app.command("grant")
def consent_grant(
    caps: Annotated[list[str], typer.Argument(help="Capability ids (see `camroll consent status`).")],
    scope: Annotated[Path | None, typer.Option("--scope", help="Only photos in this folder.")] = None,
    home: HomeOption = None,
) -> None:
    """Allow camroll to derive a capability, then derive it now for what is already catalogued."""
    ctx, console = ctx_for(home), Console()
    for cap_id in caps:
        try:
            cap = capabilities.get(cap_id)
        except KeyError as e:
            console.print(f"[red]{e.args[0]}[/]")
            raise typer.Exit(2) from None
        added = consent.grant(ctx, cap.id, _scope(scope))
        where = f"photos in {scope}" if scope else "all your photos"
        console.print(f"{cap.title}: {'granted' if added else 'already granted'} for {where}.")
        console.print(f"  camroll will now: {cap.learns}", highlight=False)
    named = update_places(ctx)
    if named:
        console.print(f"Named the place of {named} photos.")


@consent_app.command("revoke")
def consent_revoke(
    caps: Annotated[list[str], typer.Argument(help="Capability ids.")],
    scope: Annotated[Path | None, typer.Option("--scope", help="Only photos in this folder.")] = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Withdraw consent and delete, at once, everything that capability derived."""
    ctx, console = ctx_for(home), Console()
    reports = []
    for cap_id in caps:
        try:
            capabilities.get(cap_id)
        except KeyError as e:
            console.print(f"[red]{e.args[0]}[/]")
            raise typer.Exit(2) from None
        reports.extend(consent.revoke(ctx, cap_id, _scope(scope)))
    if as_json:
        print_json([{**vars(r), "total": r.total} for r in reports])
        return
    for r in reports:
        console.print(f"{capabilities.get(r.capability).title}: revoked; deleted {r.describe()}.")


@app.command("forget")
def forget_cmd(
    home: HomeOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do it without asking.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Delete everything camroll knows about your photos: catalog, places, faces, people, tags,
    text... Your photos themselves are never touched. The consent ledger and audit log remain."""
    if not yes and not typer.confirm("Delete everything camroll derived from your photos?"):
        raise typer.Exit(1)
    reports = consent.forget(ctx_for(home))
    if as_json:
        print_json([{**vars(r), "total": r.total} for r in reports])
        return
    total = sum(r.total for r in reports)
    Console().print(f"Forgotten: {total} rows and files deleted, database compacted. Your photos were not touched.")
