"""`camroll report`: what a "cloud processing" service would learn from your gallery."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from camroll.cli.common import (
    HomeOption,
    JsonOption,
    RichReporter,
    app,
    console_err,
    ctx_for,
    fail,
    progress_bar,
    shown,
)
from camroll.cli.json_out import write_json
from camroll.creations.records import CreationError, output_dir
from camroll.creations.records import record as record_creation
from camroll.privacy import audit
from camroll.privacy.private_files import private_folder, write_private
from camroll.store import creations as creation_rows

COLOURS = {"high": "red", "medium": "yellow", "low": "cyan", "none": "green"}


@app.command("report")
def report_cmd(
    home: HomeOption = None,
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Also write the report as one self-contained HTML page.", dir_okay=False),
    ] = None,
    as_json: JsonOption = False,
    metadata_only: Annotated[
        bool,
        typer.Option(
            "--metadata-only",
            help="Dry run from metadata alone: what a service learns before running any model (reads no vision data).",
        ),
    ] = False,
) -> None:
    """What your photos reveal about you (home, places, routine, people, documents, devices), and
    what to do about it. Computed on this machine; nothing is sent anywhere."""
    from camroll.report import exposure  # here, not at the top: only this command needs them
    from camroll.report.html import face_images, render

    ctx = ctx_for(home)
    err = console_err()
    with progress_bar(err, "photos") as progress:
        report = exposure.build(ctx, metadata_only=metadata_only, reporter=RichReporter(progress, err, False))
    written = None
    if html is not None:
        existed = html.expanduser().resolve().parent.exists()
        try:
            folder = output_dir(ctx, html.expanduser().resolve().parent)
        except CreationError as e:
            fail(str(e), 2)
        # Names a person's home and routine: 0600 from the start, in a 0700 folder when camroll
        # made the folder (a folder the person already had keeps its mode, with a warning).
        if (warning := private_folder(folder, ours=not existed)) is not None:
            console_err().print(f"[yellow]Warning:[/] {shown(warning)}", highlight=False)
        written = folder / html.name
        page = render(report, face_images(ctx, report))  # people not named show as their small face
        write_private(written, page.encode("utf-8", "surrogateescape"))
        # The page names photos, places and people: it is derived data, deleted with them.
        used = sorted({f for finding in report.findings for f in finding.photos})
        caps = sorted({s for f in report.findings for s in f.sources if f.photos})
        creation_rows.delete_of_kind_at(ctx.db, "report", str(written))  # a report written again is one creation
        record_creation(
            ctx,
            "report",
            written,
            used,
            capabilities=caps,
            title="What your photos reveal",
            params={"metadata_only": metadata_only},
        )
    audit.record(
        ctx,
        "report",
        metadata_only=metadata_only,
        html=written is not None,
        findings=sum(f.severity != "none" for f in report.findings),
    )
    if as_json:
        write_json(report.to_json() | {"html": str(written) if written else None})
        return
    console = Console()
    console.print(
        f"[bold]What your photos reveal[/] ({report.photo_count} photos, {report.located} with GPS"
        + (", metadata only" if metadata_only else "")
        + ")"
    )
    for f in report.findings:
        colour = COLOURS[f.severity]
        console.print(f"[{colour}]●[/] [bold]{shown(f.title)}[/]: {shown(f.summary)}", highlight=False)
        for advice in f.advice[:1]:
            console.print(f"    → {shown(advice)}", style="dim", highlight=False)
    for note in report.not_checked:
        console.print(f"[dim]Not in this report: {shown(note)}[/]", highlight=False)
    if written:
        console.print(f"Written to {shown(str(written))} (self-contained; keep it private).")
