"""`camroll edit`: fix what a photo's file says (date, time zone, place, title, rating...)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console

from camroll.cli.common import HomeOption, JsonOption, app, ctx_for, fail, photo_id_of, print_json, shown


@app.command("edit")
def edit_cmd(
    photo: Annotated[str, typer.Argument(help="The photo: its id, its path or its hash (see `camroll photos`).")],
    date: Annotated[
        str | None, typer.Option("--date", help="When it was taken, local time: '2024-06-01 14:30'.")
    ] = None,
    tz: Annotated[
        str | None, typer.Option("--tz", help="The time zone of --date as an offset: +02:00, -05:30, Z.")
    ] = None,
    place: Annotated[str | None, typer.Option("--place", help="Where: 'LAT,LON' in degrees.")] = None,
    title: Annotated[str | None, typer.Option("--title", help="A title ('' clears it).")] = None,
    description: Annotated[str | None, typer.Option("--description", help="A caption ('' clears it).")] = None,
    rating: Annotated[int | None, typer.Option("--rating", help="0 to 5 stars.")] = None,
    keyword: Annotated[
        list[str] | None, typer.Option("--keyword", help="A keyword; repeat for several (replaces the list).")
    ] = None,
    rotate: Annotated[
        int | None,
        typer.Option(
            "--rotate",
            help="Turn it 90, 180 or 270 degrees clockwise from how it shows now (turns add up). "
            "Its faces, text, nudity and tags are found again by the next `camroll analyze`.",
        ),
    ] = None,
    undo: Annotated[
        list[str] | None,
        typer.Option(
            "--undo",
            help="Forget your edit of a field (taken, place, title, description, rating, keywords, rotation).",
        ),
    ] = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Fix a photo's date and time zone, place, title, description, rating, keywords or rotation. The edit
    is kept in camroll (it wins over the file, even after a rescan) and written to an XMP sidecar
    beside the photo (NAME.xmp, which digiKam and Lightroom read); the original is never written.
    With no change given, shows the photo's edits."""
    from camroll.library.edits import EditError, edit, parse_taken
    from camroll.library.edits import rotate as rotate_photo
    from camroll.library.edits import undo as undo_edit
    from camroll.store import edits as store_edits

    ctx = ctx_for(home)
    pid = photo_id_of(ctx, photo)
    changes: dict[str, Any] = {}
    try:
        if date is not None:
            changes["taken"] = parse_taken(date, tz)
        elif tz is not None:
            fail("--tz goes with --date")
        if place is not None:
            try:
                changes["place"] = [float(v) for v in place.split(",")]
            except ValueError:
                fail(f"{place!r} is not 'LAT,LON'")
            if len(changes["place"]) != 2:
                fail(f"{place!r} is not 'LAT,LON'")
        for name, value in (("title", title), ("description", description), ("rating", rating)):
            if value is not None:
                changes[name] = value
        if keyword is not None:
            changes["keywords"] = keyword
        undone = [f for f in undo or [] if undo_edit(ctx, pid, f)]
        result = edit(ctx, pid, changes) if changes else None
        turned = rotate_photo(ctx, pid, rotate) if rotate is not None else None
    except EditError as e:
        fail(str(e))
    if turned is not None:
        result = turned if result is None else result
        if result is not turned:
            result.changed.append("rotation")
            result.notes += turned.notes
            result.sidecar = turned.sidecar
    current = store_edits.of_photo(ctx.db, pid)
    if as_json:
        print_json(
            {
                "photo": pid,
                "changed": result.changed if result else [],
                "undone": undone,
                "sidecar": result.sidecar if result else None,
                "notes": result.notes if result else [],
                "edits": current,
            }
        )
        return
    console = Console()
    if result is not None:
        console.print(f"Photo {pid}: {', '.join(result.changed)} changed.", highlight=False)
        if result.sidecar:
            console.print(f"Written to {shown(result.sidecar)} (the original is untouched).", highlight=False)
        for note in result.notes:
            console.print(f"[yellow]Note:[/] {shown(note)}", highlight=False)
    if turned is not None or "rotation" in undone:
        console.print(
            "Its faces, text, nudity and tags will be found again, the right way up, by the next"
            " `camroll analyze` (its thumbnails are made again when next shown)."
        )
    if undone:
        console.print(f"Photo {pid}: your edits of {', '.join(undone)} are undone; the file's own values are back.")
    if result is None and not undone:
        if not current:
            console.print(
                f"Photo {pid} has no edits. Give --date, --place, --title, --rating, --rotate... to make one."
            )
        for name, value in current.items():
            console.print(f"{name}: {shown(str(value))}", highlight=False)
