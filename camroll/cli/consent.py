"""Consent commands: status, grant (records consent), revoke (which deletes at once), forget."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from camroll import capabilities
from camroll.cli.common import HomeOption, JsonOption, app, ctx_for, fail, print_json, shown
from camroll.library.places import update_places
from camroll.privacy import consent, purge

consent_app = typer.Typer(help="What camroll may analyse: see, grant and revoke.", no_args_is_help=True)
app.add_typer(consent_app, name="consent")


@consent_app.command("status")
def consent_status(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Each capability: what it reads, what it learns, and whether it is on."""
    ctx = ctx_for(home)
    rows: list[dict[str, Any]] = []
    for cap in capabilities.REGISTRY:
        scopes = consent.active_scopes(ctx, cap.id)
        rows.append(
            {
                "id": cap.id,
                "title": cap.title,
                "reads": cap.reads,
                "learns": cap.learns,
                "biometric": cap.biometric,
                "depends_on": list(cap.depends_on),
                "granted": bool(scopes),
                "scopes": scopes,
                "except": consent.revoked_within(ctx, cap.id),
                "granted_by_scan": cap.granted_by_scan,
            }
        )
    if as_json:
        print_json(rows)
        return
    console = Console()
    for r in rows:
        state = "[green]on[/]" if r["granted"] else "[dim]off[/]"
        where = ", ".join("everything" if s == "*" else s.removeprefix("path:") for s in r["scopes"])
        if r["except"]:
            where += " except " + ", ".join(s.removeprefix("path:") for s in r["except"])
        console.print(
            f"[bold]{r['title']}[/] ({r['id']}): {state}" + (f" for {shown(where)}" if where else ""), highlight=False
        )
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
    """Record your consent to a capability. Nothing is analysed by this command, except places,
    which are named at once from the GPS already read: the photos already catalogued are
    analysed by `camroll analyze`, and new ones by the next `camroll scan`."""
    ctx, console = ctx_for(home), Console()
    pending = []
    for cap_id in caps:
        try:
            cap = capabilities.get(cap_id)
        except KeyError as e:
            fail(str(e.args[0]), 2)
        added = consent.grant(ctx, cap.id, _scope(scope))
        where = f"photos in {scope}" if scope else "all your photos"
        console.print(f"{cap.title}: {'granted' if added else 'already granted'} for {shown(where)}.", highlight=False)
        console.print(f"  What it learns: {cap.learns}", highlight=False)
        if cap.analyser or (cap.job and cap.id != "places"):  # places were named just above
            pending.append(cap.title)
    named = update_places(ctx)
    if named:
        console.print(f"Named the place of {named} photos.")
    if pending:
        console.print(
            f"Nothing was analysed yet: run `camroll analyze` to analyse your catalogued photos for "
            f"{', '.join(pending)} (a `camroll scan` does it too).",
            highlight=False,
        )


IncludeMyFiles = Annotated[
    bool,
    typer.Option(
        "--include-my-files",
        help="Also delete the files camroll wrote to folders you chose (--out: shared copies, "
        "reports, videos). Without it they are kept, and listed.",
    ),
]


@consent_app.command("revoke")
def consent_revoke(
    caps: Annotated[list[str], typer.Argument(help="Capability ids.")],
    scope: Annotated[Path | None, typer.Option("--scope", help="Only photos in this folder.")] = None,
    include_my_files: IncludeMyFiles = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would be deleted and kept.")] = False,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Withdraw consent and delete, at once, everything that capability derived and camroll keeps.
    Files it wrote to folders you chose are listed, and deleted only with --include-my-files."""
    ctx, console = ctx_for(home), Console()
    for cap_id in caps:
        try:
            capabilities.get(cap_id)
        except KeyError as e:
            fail(str(e.args[0]), 2)
    if dry_run:
        victims = list({v.id: v for cap_id in caps for v in _victims(cap_id)}.values())
        planned = purge.preview(ctx, victims, _scope(scope))
        if as_json:
            print_json([{**vars(r), "total": r.total} for r in planned])
            return
        for r in planned:
            console.print(
                f"{capabilities.get(r.capability).title}: would delete {shown(r.describe(planned=True))}.",
                highlight=False,
            )
        _list_my_files(
            console,
            [p for r in planned for p in r.my_files_kept],
            "would be deleted (you asked)"
            if include_my_files
            else "would be kept (add --include-my-files to delete them too)",
        )
        return
    reports = []
    for cap_id in caps:
        reports.extend(consent.revoke(ctx, cap_id, _scope(scope), include_my_files=include_my_files))
    if as_json:
        print_json([{**vars(r), "total": r.total} for r in reports])
        return
    for r in reports:
        console.print(
            f"{capabilities.get(r.capability).title}: revoked; deleted {shown(r.describe())}.", highlight=False
        )
    _list_my_files(console, [p for r in reports for p in r.my_files_deleted], "deleted (you asked)")
    _list_my_files(
        console,
        [p for r in reports for p in r.my_files_kept],
        "kept; camroll no longer tracks them (delete them yourself, or revoke with --include-my-files)",
    )


def _victims(cap_id: str) -> list[capabilities.Capability]:
    return [*capabilities.dependents(cap_id), capabilities.get(cap_id)]


def _list_my_files(console: Console, paths: list[str], fate: str) -> None:
    """Name, one per line, each file in a folder the person chose, and what happens to it."""
    if not paths:
        return
    console.print(f"Files camroll made in folders you chose, {fate}:", highlight=False)
    for path in paths:
        console.print(f"  {shown(path)}", highlight=False, soft_wrap=True)


@app.command("forget")
def forget_cmd(
    home: HomeOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do it without asking.")] = False,
    include_my_files: IncludeMyFiles = False,
    as_json: JsonOption = False,
) -> None:
    """Delete everything camroll knows about your photos: catalog, places, faces, people, tags,
    text... Your photos themselves are never touched. The consent ledger and audit log remain.
    Files camroll wrote to folders you chose are listed, and deleted only with --include-my-files."""
    if not yes and not typer.confirm("Delete everything camroll derived from your photos?"):
        raise typer.Exit(1)
    reports = consent.forget(ctx_for(home), include_my_files=include_my_files)
    if as_json:
        print_json([{**vars(r), "total": r.total} for r in reports])
        return
    total = sum(r.total for r in reports)
    console = Console()
    console.print(f"Forgotten: {total} rows and files deleted, database compacted. Your photos were not touched.")
    _list_my_files(console, [p for r in reports for p in r.my_files_deleted], "deleted (you asked)")
    _list_my_files(
        console,
        [p for r in reports for p in r.my_files_kept],
        "kept (delete them yourself, or forget with --include-my-files)",
    )
