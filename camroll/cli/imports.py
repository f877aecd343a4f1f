"""`camroll import`: bring in the photos people take out of Google, Meta and Apple."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from camroll.cli.common import HomeOption, JsonOption, RichReporter, app, ctx_for, fail, print_json, progress_bar, shown


@app.command("import")
def import_cmd(
    service: Annotated[str, typer.Argument(help="Where the export comes from: takeout, meta or apple.")],
    paths: Annotated[
        list[Path], typer.Argument(help="The export: zips (give every part of a multi-part Takeout) or folders.")
    ],
    into: Annotated[
        Path | None, typer.Option("--into", help="Where the originals are copied (default: HOME/imports/SERVICE).")
    ] = None,
    with_audit: Annotated[
        bool, typer.Option("--audit", help="Also show what the service holds and how to delete it there.")
    ] = False,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import a Google Takeout, Meta or Apple Photos export: the originals are copied into the
    library (never modified, never twice) and catalogued, and what the export's JSON or XMP said
    is kept with its source; where the file's own metadata disagrees, the file wins.

    A zip's members are read as hostile: paths that climb out, absolute paths, symlinks and
    oversized members are refused one by one, and only media and their JSON/XMP are read."""
    from camroll.library.imports.importer import SERVICES, run_import

    if service not in SERVICES:
        fail(f"unknown export {service!r}: give one of {', '.join(SERVICES)}")
    for p in paths:
        if not p.exists():
            fail(f"{p} does not exist")
    ctx = ctx_for(home)
    console = Console(stderr=True)
    with progress_bar(console) as progress:
        summary = run_import(ctx, service, paths, into, with_audit, RichReporter(progress, console, not as_json))
    if as_json:
        print_json(summary.as_json())
        return
    out = Console()
    out.print(
        f"Imported from {service}: {summary.copied} copied into {shown(summary.into)}, "
        f"{summary.already} already in the library, {summary.photos} catalogued, "
        f"{summary.facts_applied} facts taken from the export.",
        highlight=False,
    )
    for member, why in summary.refused:
        out.print(f"[yellow]refused[/] {shown(member)}: {shown(why)}", highlight=False)
    for d in summary.differences:
        out.print(
            f"[cyan]the file wins[/] {shown(d['member'])}: {d['field']} is {d['file']} in the file, "
            f"{d['export']} in the export ({d['source']})",
            highlight=False,
        )
    if summary.without_sidecar:
        out.print(f"{len(summary.without_sidecar)} files had no sidecar in the export.")
    if summary.audit:
        a = summary.audit
        out.print(f"\n[bold]What {service} holds[/] (from this export)")
        out.print(f"  {a['items']} items, from {a['first']} to {a['last']}; {a['with_place']} with a place")
        for key in ("people_named", "devices", "upload_ips", "albums"):
            if a[key]:
                out.print(f"  {key.replace('_', ' ')}: " + ", ".join(f"{k} ({v})" for k, v in a[key].items()))
        out.print(f"  already in camroll before this import: {a['also_in_camroll']}")
        out.print("[bold]To delete it there[/]")
        for line in a["delete_there"]:
            out.print(f"  - {line}", highlight=False)
