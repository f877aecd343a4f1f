"""The camroll command line: one command per thing a person wants to do.

Every listing takes ``--json`` for scripts; long work shows a Rich progress bar with its rate and
time left, and ends with a summary in plain words.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from camroll import __version__, capabilities
from camroll.config import AppContext, Config
from camroll.library.places import update_places
from camroll.library.scan import ScanSummary, scan
from camroll.privacy import consent
from camroll.store import catalog

app = typer.Typer(help="camroll: your photo library's intelligence, on your own machine.", no_args_is_help=True)
consent_app = typer.Typer(help="What camroll may analyse: see, grant and revoke.", no_args_is_help=True)
app.add_typer(consent_app, name="consent")

HomeOption = Annotated[Path | None, typer.Option("--home", help="Where camroll keeps its data (default: $CAMROLL_HOME or the XDG data dir).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _ctx(home: Path | None) -> AppContext:
    return AppContext(Config(home=home) if home else Config())


def _console() -> Console:
    return Console(stderr=True)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")


class RichReporter:
    """Draws the scan's progress: files/s and time left."""

    def __init__(self, progress: Progress, console: Console, verbose: bool):
        self.progress, self.console, self.verbose = progress, console, verbose
        self.task: TaskID | None = None

    def start(self, phase: str, total: int | None) -> None:
        if self.task is not None:
            self.progress.update(self.task, visible=False)
        self.task = self.progress.add_task(phase, total=total)

    def advance(self, n: int = 1) -> None:
        if self.task is not None:
            self.progress.advance(self.task, n)

    def problem(self, path: str, errors: list[str]) -> None:
        if self.verbose:
            self.console.print(f"[yellow]![/] {escape(path)}: {escape('; '.join(errors))}", highlight=False, soft_wrap=True)


class RateColumn(ProgressColumn):
    """Items per second, once there is a rate to show."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.1f} {self.unit}/s" if speed else "", style="cyan")


def _progress(console: Console, unit: str = "files") -> Progress:
    return Progress(
        SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        RateColumn(unit), TimeRemainingColumn(), console=console,
        transient=False,
    )  # fmt: skip


@app.command("scan")
def scan_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Folders (or files) of photos. camroll only reads them.")],
    home: HomeOption = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: one per core).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Do not list each file with a problem.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Catalog photos and read their metadata. Pointing camroll at a folder is your consent to
    catalog it; nothing else is analysed without a separate consent."""
    ctx, console = _ctx(home), _console()
    missing = [p for p in paths if not p.exists()]
    if missing:
        console.print(f"[red]No such file or folder:[/] {', '.join(map(str, missing))}")
        raise typer.Exit(2)
    with _progress(console) as progress:
        summary = scan(ctx, [str(p) for p in paths], RichReporter(progress, console, not quiet), workers)
    named = update_places(ctx)
    if as_json:
        _print_json({**vars(summary), "places_named": named})
    else:
        _print_scan_summary(console, summary, named)
        _print_overview(console, catalog.overview(ctx), brief=True)
    ctx.close()
    if summary.interrupted:
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
    if s.problems:
        parts.append(f"{s.problems} with metadata problems (listed by `camroll photos --problems`)")
    if named:
        parts.append(f"{named} photos placed on the map")
    console.print("; ".join(parts) + ".")
    if s.failures:
        console.print(f"[red]{len(s.failures)} could not be read[/] (they will be retried on the next scan):")
        for path, errors in s.failures[:20]:
            console.print(f"  {path}: {'; '.join(errors)}", highlight=False, markup=False, soft_wrap=True)
        if len(s.failures) > 20:
            console.print(f"  ... and {len(s.failures) - 20} more (`camroll photos --failed`)")


def _print_overview(console: Console, o: dict[str, Any], brief: bool = False) -> None:
    console.print()
    console.print(
        f"[bold]Your library:[/] {o['photos']} photos, {o['videos']} videos"
        + (f", {o['exact_duplicates']} exact duplicate files" if o["exact_duplicates"] else "")
        + (f", taken {o['date_range'][0]} to {o['date_range'][1]}" if o["date_range"] else "")
        + "."
    )
    if o["cameras"]:
        top = list(o["cameras"].items())[:5]
        console.print(f"Cameras ({len(o['cameras'])}): " + ", ".join(f"{k} ({v})" for k, v in top)
                      + (", ..." if len(o["cameras"]) > 5 else ""), highlight=False)  # fmt: skip
    if o["places"]:
        top = list(o["places"].items())[:8]
        console.print(f"Places ({len(o['places'])}): " + ", ".join(f"{k} ({v})" for k, v in top)
                      + (", ..." if len(o["places"]) > 8 else ""), highlight=False)  # fmt: skip
    elif o["with_gps"]:
        console.print(
            f"{o['with_gps']} photos carry GPS coordinates. camroll has not turned them into places: "
            "that needs your consent (`camroll consent grant places`)."
        )
    if o["failed"] and not brief:
        console.print(f"[red]{len(o['failed'])} files could not be read:[/]")
        for f in o["failed"][:20]:
            console.print(f"  {f['path']}: {'; '.join(f['errors'])}", highlight=False, markup=False, soft_wrap=True)


@app.command("analyze")
def analyze_cmd(
    home: HomeOption = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: one per core).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Do not list each photo a model failed on.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Run every capability you have granted on the photos it covers, and nothing else."""
    from camroll.analysis.pipeline import analyse

    ctx, console = _ctx(home), _console()
    if not any(consent.active_scopes(ctx, c.id) for c in capabilities.REGISTRY if c.analyser):
        if as_json:
            _print_json({"granted": [], "analysed": 0, "reason": "no analysis is granted"})
            return
        console.print("Nothing was analysed: you have not granted any analysis. "
                      "See what each one does with `camroll consent status`, then `camroll consent grant ID`.")
        return
    with _progress(console, "photos") as progress:
        summary = analyse(ctx, RichReporter(progress, console, not quiet), workers)
    if as_json:
        _print_json({**vars(summary), "per_capability": dict(summary.per_capability)})
        return
    rate = summary.analysed / summary.seconds if summary.seconds else 0.0
    console.print(f"Analysed {summary.analysed} photos in {summary.seconds:.1f} s ({rate:.1f} photos/s) "
                  f"with consent for: {', '.join(summary.granted)}.")  # fmt: skip
    if summary.planned == 0:
        console.print("Everything you granted is already up to date.")
    for cap_id, n in summary.per_capability.items():
        console.print(f"  {capabilities.get(cap_id).title}: {n} photos")
    for cap_id, what in summary.jobs.items():
        console.print(f"  {capabilities.get(cap_id).title}: {what}")
    if summary.failures:
        console.print(f"[red]{len(summary.failures)} analyses failed[/] (retried next time):")
        for path, cap_id, error in summary.failures[:20]:
            console.print(f"  {path} ({cap_id}): {error}", highlight=False, markup=False, soft_wrap=True)
    if summary.interrupted:
        console.print("[yellow]Interrupted.[/] What was finished is saved; run `camroll analyze` again to resume.")
        raise typer.Exit(130)


@app.command("photos")
def photos_cmd(
    home: HomeOption = None,
    as_json: JsonOption = False,
    failed: Annotated[bool, typer.Option("--failed", help="Only files that could not be read.")] = False,
    problems: Annotated[bool, typer.Option("--problems", help="Only files with any problem.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many rows in the table (0: all).")] = 50,
) -> None:
    """List catalogued photos: when, where, which camera."""
    ctx = _ctx(home)
    records = catalog.photo_records(ctx)
    if failed:
        records = [r for r in records if r["state"] == "failed"]
    if problems:
        records = [r for r in records if r["errors"]]
    if as_json:
        _print_json(records)
        return
    table = Table("taken", "file", "camera", "size", "place", "notes")
    for r in records[: limit or None]:
        table.add_row(
            (r["taken_at"] or "")[:19].replace("T", " "),
            Path(r["path"]).name,
            catalog.camera_name(r["camera"]["make"], r["camera"]["model"]),
            f"{r['width']}x{r['height']}" if r["width"] else "",
            ", ".join(x for x in ((r["place"] or {}).get("city"), (r["place"] or {}).get("country")) if x),
            "; ".join(r["errors"])[:60],
        )
    Console().print(table)
    if limit and len(records) > limit:
        Console().print(f"... {len(records) - limit} more (--limit 0 shows all).")


@app.command("summary")
def summary_cmd(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """What camroll knows about your library, at a glance."""
    ctx = _ctx(home)
    o = catalog.overview(ctx)
    if as_json:
        _print_json(o)
    else:
        _print_overview(Console(), o)


@consent_app.command("status")
def consent_status(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Each capability: what it reads, what it learns, and whether it is on."""
    ctx = _ctx(home)
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
        _print_json(rows)
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
    ctx, console = _ctx(home), Console()
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
    ctx, console = _ctx(home), Console()
    reports = []
    for cap_id in caps:
        try:
            capabilities.get(cap_id)
        except KeyError as e:
            console.print(f"[red]{e.args[0]}[/]")
            raise typer.Exit(2) from None
        reports.extend(consent.revoke(ctx, cap_id, _scope(scope)))
    if as_json:
        _print_json([{**vars(r), "total": r.total} for r in reports])
        return
    for r in reports:
        console.print(f"{capabilities.get(r.capability).title}: revoked; deleted {r.describe()}.")


@app.command("version")
def version_cmd() -> None:
    """Print camroll's version."""
    print(__version__)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
