"""Library commands: scan folders, list photos, the overview."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from camroll import __version__
from camroll.cli.analysis import print_analysis, summary_json
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
from camroll.cli.jobs import cli_job
from camroll.library.scan import ScanSummary
from camroll.store import catalog


@app.command("scan")
def scan_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Folders (or files) of photos. camroll only reads them.")],
    home: HomeOption = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: one per core).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Do not list each file with a problem.")] = False,
    analyse: Annotated[
        bool, typer.Option("--analyze/--no-analyze", help="Then run what you granted (default: yes).")
    ] = True,
    as_json: JsonOption = False,
) -> None:
    """Catalog photos and read their metadata, then run the analyses you have granted. Pointing
    camroll at a folder is your consent to catalog it; nothing else is analysed without a
    separate consent."""
    ctx, console = ctx_for(home), console_err()
    missing = [p for p in paths if not p.exists()]
    if missing:
        fail(f"No such file or folder: {', '.join(map(str, missing))}", 2)
    from camroll.analysis.workflow import scan_and_analyse, scan_title

    try:
        with cli_job(ctx, "scan", scan_title(paths), console) as (job, outcome), progress_bar(console) as progress:
            done = scan_and_analyse(
                ctx, paths, job.reporter(RichReporter(progress, console, not quiet)), workers, analyse
            )
            outcome.message = done.sentence()
    except KeyboardInterrupt:  # while waiting for the library, or while looking for files
        console.print(
            "[yellow]Stopped[/] (Ctrl-C, or `camroll jobs cancel`). What was finished is saved; "
            "run the same command to resume."
        )
        raise typer.Exit(130) from None
    summary, named, analysis = done.scan, done.places_named, done.analysis
    if as_json:
        print_json({**vars(summary), "places_named": named, "analysis": summary_json(analysis) if analysis else None})
    else:
        _print_scan_summary(console, summary, named)
        if analysis:
            print_analysis(console, analysis)
        if summary.read or summary.removed or summary.excluded or named or analysis:
            _print_overview(console, catalog.overview(ctx), brief=True)
        else:  # the overview reads every photo: seconds at 200,000, for what the last scan showed
            console.print("Nothing changed since the last scan (`camroll summary` shows your library).")
    ctx.close()
    if done.interrupted:
        raise typer.Exit(130)


def _print_scan_summary(console: Console, s: ScanSummary, named: int) -> None:
    rate = s.read / s.seconds if s.seconds else 0.0
    console.print()
    if s.interrupted:
        console.print("[yellow]Scan interrupted.[/] What was read so far is saved; run the same command to resume.")
    console.print(
        f"Scanned {', '.join(s.roots)}: {s.seen} files in {s.seconds:.1f} s "
        f"({s.unchanged} unchanged, {s.read} read at {rate:.0f}/s)."
    )
    parts = [f"{s.new_photos} new photos"]
    if s.duplicates:
        parts.append(f"{s.duplicates} exact copies of photos already known")
    if s.removed:
        parts.append(f"{s.removed} files gone since the last scan")
    if s.excluded:
        parts.append(f"{s.excluded} files left out: you removed these photos from camroll (`camroll remove`)")
    if s.problems:
        parts.append(f"{s.problems} with metadata problems (listed by `camroll photos --problems`)")
    if named:
        parts.append(f"{named} photos placed on the map")
    if s.live_paired:
        by_name = f", {s.live_by_name} by file name only (the still carries no identifier)" if s.live_by_name else ""
        parts.append(f"{s.live_paired} Live Photos made one item each (still and clip){by_name}")
    if s.live_undone:
        parts.append(f"{s.live_undone} Live Photos split: a half moved or gone, the clip is a video again")
    console.print("; ".join(parts) + ".")
    if s.failures:
        console.print(f"[red]{len(s.failures)} could not be read[/] (they will be retried on the next scan):")
        for path, errors in s.failures[:20]:
            console.print(f"  {shown(path)}: {shown('; '.join(errors))}", highlight=False, soft_wrap=True)
        if len(s.failures) > 20:
            console.print(f"  ... and {len(s.failures) - 20} more (`camroll photos --failed`)")


def _print_overview(console: Console, o: dict[str, Any], brief: bool = False) -> None:
    console.print()
    console.print(
        f"[bold]Your library:[/] {o['photos']} photos, {o['videos']} videos"
        + (f" ({o['live_photo_clips']} of them the clips of Live Photos)" if o.get("live_photo_clips") else "")
        + (f", {o['exact_duplicates']} exact duplicate files" if o["exact_duplicates"] else "")
        + (f", taken {o['date_range'][0]} to {o['date_range'][1]}" if o["date_range"] else "")
        + "."
    )
    if o["cameras"]:
        top = list(o["cameras"].items())[:5]
        console.print(
            f"Cameras ({len(o['cameras'])}): "
            + ", ".join(f"{shown(k)} ({v})" for k, v in top)
            + (", ..." if len(o["cameras"]) > 5 else ""),
            highlight=False,
        )
    if o["places"]:
        top = list(o["places"].items())[:8]
        console.print(
            f"Places ({len(o['places'])}): "
            + ", ".join(f"{shown(k)} ({v})" for k, v in top)
            + (", ..." if len(o["places"]) > 8 else ""),
            highlight=False,
        )
    elif o["with_gps"]:
        console.print(
            f"{o['with_gps']} photos carry GPS coordinates. camroll has not turned them into places: "
            "that needs your consent (`camroll consent grant places`)."
        )
    if o["failed"] and not brief:
        console.print(f"[red]{len(o['failed'])} files could not be read:[/]")
        for f in o["failed"][:20]:
            console.print(f"  {shown(f['path'])}: {shown('; '.join(f['errors']))}", highlight=False, soft_wrap=True)


@app.command("photos")
def photos_cmd(
    home: HomeOption = None,
    as_json: JsonOption = False,
    failed: Annotated[bool, typer.Option("--failed", help="Only files that could not be read.")] = False,
    problems: Annotated[bool, typer.Option("--problems", help="Only files with any problem.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many rows in the table (0: all).")] = 50,
) -> None:
    """List catalogued photos: when, where, which camera."""
    ctx = ctx_for(home)
    records = catalog.iter_photo_records(ctx)
    if failed:
        records = (r for r in records if r["state"] == "failed")
    if problems:
        records = (r for r in records if r["errors"])
    if as_json:
        _stream_json_list(records)
        return
    table = Table("taken", "file", "camera", "size", "place", "notes")
    more = 0
    for r in records:
        if limit and table.row_count >= limit:
            more += 1
            continue
        table.add_row(
            (r["taken_at"] or "")[:19].replace("T", " "),
            shown(Path(r["path"]).name),
            shown(catalog.camera_name(r["camera"]["make"], r["camera"]["model"])),
            f"{r['width']}x{r['height']}" if r["width"] else "",
            shown(", ".join(x for x in ((r["place"] or {}).get("city"), (r["place"] or {}).get("country")) if x)),
            shown("; ".join(r["errors"])[:60]),
        )
    Console().print(table)
    if more:
        Console().print(f"... {more} more (--limit 0 shows all).")


def _stream_json_list(items: Iterator[dict[str, Any]]) -> None:
    """Write ``items`` as one JSON list, element by element as they come (the same text as
    ``print_json`` of the whole list): a library of any size prints in the memory of a page."""
    out, first = sys.stdout, True
    for item in items:
        out.write("[\n " if first else ",\n ")
        out.write(json.dumps(item, ensure_ascii=False, indent=1).replace("\n", "\n "))
        first = False
    out.write("[]\n" if first else "\n]\n")


@app.command("summary")
def summary_cmd(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """What camroll knows about your library, at a glance."""
    ctx = ctx_for(home)
    o = catalog.overview(ctx)
    if as_json:
        print_json(o)
    else:
        _print_overview(Console(), o)


@app.command("version")
def version_cmd() -> None:
    """Print camroll's version."""
    print(__version__)
