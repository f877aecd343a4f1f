"""`camroll export` (everything derived, as JSON and XMP sidecars) and `camroll import-names`."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from camroll.cli.common import HomeOption, JsonOption, app, console_err, ctx_for, fail, print_json, progress_bar, shown


@app.command("export")
def export_cmd(
    out: Annotated[Path, typer.Option("--out", help="Folder to write into (never one holding originals).")],
    include_face_prints: Annotated[
        bool, typer.Option("--include-face-prints", help="Also write face prints, DECRYPTED (biometric data).")
    ] = False,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Export everything camroll derived: library.json, XMP sidecars with named face regions
    (digiKam, Lightroom), the consent ledger and the audit log."""
    from camroll.report.export import ExportError, export  # here: it loads numpy, which --help need not

    console = console_err()
    ctx = ctx_for(home)
    try:
        with progress_bar(console, "sidecars") as progress:
            task = progress.add_task("Exporting", total=None)

            def advance(step: str, total: int | None) -> None:
                if step:
                    progress.update(task, description=step, total=total, completed=0)
                else:
                    progress.advance(task, total or 1)

            result = export(ctx, out, include_face_prints, advance)
    except ExportError as e:
        fail(str(e))
    finally:
        ctx.close()
    if as_json:
        print_json({**asdict(result), "summary": result.summary()})
        return
    for w in result.warnings:
        console.print(f"[yellow]Warning:[/] {shown(w)}")
    console.print(result.summary(), highlight=False)


@app.command("import-names")
def import_names_cmd(
    sources: Annotated[list[Path] | None, typer.Argument(help="XMP sidecars, or folders holding them.")] = None,
    from_photos: Annotated[
        bool,
        typer.Option(
            "--from-photos",
            help="Also use the face regions "
            "other apps wrote inside the photos (default: only when no "
            "sidecars are given).",
        ),
    ] = False,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Name people from the named face regions of XMP sidecars (digiKam, Lightroom, a camroll
    export) or of the photos themselves. A name you gave is never overwritten."""
    from camroll.people.import_names import import_names

    console = console_err()
    missing = [p for p in sources or [] if not p.exists()]
    if missing:
        fail(f"No such file or folder: {', '.join(map(str, missing))}")
    ctx = ctx_for(home)
    try:
        result = import_names(ctx, sources or [], from_photos or not sources)
    finally:
        ctx.close()
    if as_json:
        print_json({**asdict(result), "summary": result.summary()})
        return
    for n in result.named:
        console.print(
            f"Person {n['person_id']} is now {shown(n['name'])} (from {shown(n['source'])}).", highlight=False
        )
    for k in result.kept_user_names:
        console.print(
            f"Person {k['person_id']} keeps the name you gave, {shown(k['kept'])} "
            f"(the regions say {shown(k['name'])}).",
            highlight=False,
        )
    for c in result.conflicts:
        console.print(
            f"Person {c['person_id']} left as is: regions disagree ({shown(str(c['names']))}).", highlight=False
        )
    for s in result.skipped[:20]:
        console.print(f"[yellow]skipped[/] {shown(s['source'])}: {shown(s['reason'])}", highlight=False)
    console.print(result.summary(), highlight=False)
