"""`camroll make collage ...` and `camroll make filtered ...`: still-image creations.

Both take moments (an id from `camroll moments`, which starts with a letter) and photos (an id,
the path of a catalogued file, or a content hash, as every command that takes a PHOTO) in any mix. A collage of a moment uses its best photos (:func:`choose_photos`: sharp,
no near-duplicates, smiles, everyone who was there); photos named one by one are all used. The
output goes to ``CAMROLL_HOME/creations`` or ``--out DIR`` and is recorded with its photos and
the capabilities whose data shaped it (``faces`` for crops steered by face boxes, ``people`` for
a choice that covered the moment's people), so revoking either deletes it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any

import typer

from camroll.cli.common import (
    HomeOption,
    JsonOption,
    console_err,
    ctx_for,
    fail,
    find_photo_id,
    looks_like_hash,
    print_json,
    progress_bar,
    shown,
)
from camroll.cli.make import make_app
from camroll.config import AppContext
from camroll.creations import records
from camroll.creations.choose import best_photo, choose_photos
from camroll.creations.filtered import filtered_copy
from camroll.creations.layouts import LAYOUTS
from camroll.creations.looks import FILTERS
from camroll.creations.records import CreationError
from camroll.store import photos as store_photos

_DEFAULT_COUNT = {"grid": 9, "mosaic": 8, "hero": 6}
"""Photos a collage of a moment shows unless ``--count`` says otherwise: a 3 x 3 grid; a mosaic
and a hero layout read best with a few less."""

ItemsArgument = Annotated[
    list[str],
    typer.Argument(
        metavar="MOMENT|PHOTO...",
        help="Moment ids (from `camroll moments`) and/or photos: ids, paths or hashes (see `camroll photos`).",
    ),
]
OutOption = Annotated[Path | None, typer.Option("--out", help="Folder to write to (default: CAMROLL_HOME/creations).")]
FormatOption = Annotated[str, typer.Option("--format", help="jpeg or png.")]
_FILTER_HELP = "A look: " + "; ".join(f"{name}: {text}" for name, text in FILTERS.items())


@make_app.command("collage")
def collage_cmd(
    items: ItemsArgument,
    layout: Annotated[str, typer.Option("--layout", help=f"How photos are arranged: {', '.join(LAYOUTS)}.")] = "mosaic",
    size: Annotated[
        str,
        typer.Option("--size", help="Canvas size in pixels, WIDTHxHEIGHT (2048x2048 prints 17 cm square at 300 dpi)."),
    ] = "2048x2048",
    title: Annotated[str | None, typer.Option("--title", help="A title written above the photos.")] = None,
    filter_name: Annotated[str | None, typer.Option("--filter", help=_FILTER_HELP)] = None,
    count: Annotated[
        int | None,
        typer.Option(
            "--count", min=1, max=60, help="How many photos of the moments to use (default: 9 grid, 8 mosaic, 6 hero)."
        ),
    ] = None,
    fmt: FormatOption = "jpeg",
    out: OutOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a collage: photos laid out on one print, crops that never cut a face, even gutters."""
    from camroll.creations.collage import make_collage  # here, not at the top: `camroll --help` need not load it

    if layout not in LAYOUTS:
        fail(f"no layout named {layout!r}; choose one of: {', '.join(LAYOUTS)}", 2)
    if filter_name is not None and filter_name not in FILTERS:
        fail(f"no filter named {filter_name!r}; choose one of: {', '.join(FILTERS)}", 2)
    fmt = fmt.lower().replace("jpg", "jpeg")
    if fmt not in ("jpeg", "png"):
        fail(f"--format is jpeg or png, not {fmt!r}", 2)
    canvas = _parse_size(size)
    ctx = ctx_for(home)
    console = console_err()
    moment_ids, moment_photos, people, explicit, cover, problems = _resolve(ctx, items)
    chosen = list(explicit)
    if moment_photos:
        want = count or max(_DEFAULT_COUNT[layout] - len(explicit), 1)
        chosen += [p for p in choose_photos(ctx, moment_photos, want, people) if p not in chosen]
    elif count is not None and len(chosen) > count:
        chosen = choose_photos(ctx, chosen, count)
    if not chosen:
        fail("nothing to make a collage of" + (": " + "; ".join(problems) if problems else ""), 1)
    hero = cover if cover in chosen else best_photo(ctx, chosen)
    source = " ".join(items)
    try:
        with progress_bar(console, "photos") as progress:
            task = progress.add_task("Making the collage", total=len(chosen))
            collage = make_collage(
                ctx,
                chosen,
                layout=layout,
                size=canvas,
                title=title,
                filter_name=filter_name,
                out=out,
                fmt=fmt,
                hero_id=hero,
                source=source,
                capabilities=["people"] if people and moment_photos else [],
                on_photo=lambda: progress.advance(task),
            )
    except CreationError as e:
        fail(str(e), 1)
    made = records.listing(ctx, collage.creation_id)[0]
    problems += [f"photo {pid}: {why}" for pid, why in collage.skipped]
    left_out = sum(p.faces_left_out for p in collage.placements)
    if as_json:
        print_json(
            {
                "id": collage.creation_id,
                "kind": "collage",
                "path": str(collage.path),
                "layout": layout,
                "size": list(canvas),
                "title": title,
                "filter": filter_name,
                "moments": moment_ids,
                "photo_ids": [p.photo_id for p in collage.placements],
                "capabilities": made.capabilities,
                "placements": [
                    {
                        "photo_id": p.photo_id,
                        "crop": [round(v, 2) for v in p.crop],
                        "cell": list(p.cell),
                        "faces": len(p.faces),
                        "faces_left_out": p.faces_left_out,
                        "faces_cut": p.faces_cut,
                    }
                    for p in collage.placements
                ],
                "faces_left_out": left_out,
                "problems": problems,
            }
        )
    for problem in problems:
        console.print(f"[yellow]![/] {shown(problem)}", highlight=False, soft_wrap=True)
    faces = sum(len(p.faces) - p.faces_left_out for p in collage.placements)
    note = f", {faces} faces kept whole" if faces else ""
    if left_out:
        note += f" ({left_out} left out whole where their photo's cell was too narrow for everyone)"
    console.print(
        f"Made a {layout} collage of {len(collage.placements)} photos, {canvas[0]}x{canvas[1]}{note}: "
        f"{shown(str(collage.path))}",
        highlight=False,
        soft_wrap=True,
    )


@make_app.command("filtered")
def filtered_cmd(
    items: ItemsArgument,
    filter_name: Annotated[str, typer.Option("--filter", help=_FILTER_HELP)],
    max_side: Annotated[
        int | None,
        typer.Option(
            "--max-side", min=64, help="Make copies no longer than this on their longest side (default: full size)."
        ),
    ] = None,
    fmt: FormatOption = "jpeg",
    out: OutOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make filtered copies of photos: originals untouched, copies without EXIF (no place, no camera)."""
    if filter_name not in FILTERS:
        fail(f"no filter named {filter_name!r}; choose one of: {', '.join(FILTERS)}", 2)
    fmt = fmt.lower().replace("jpg", "jpeg")
    if fmt not in ("jpeg", "png"):
        fail(f"--format is jpeg or png, not {fmt!r}", 2)
    ctx = ctx_for(home)
    console = console_err()
    _moments, moment_photos, _people, explicit, _cover, problems = _resolve(ctx, items)
    photo_ids = list(dict.fromkeys(explicit + moment_photos))
    try:
        folder = records.output_dir(ctx, out)
    except CreationError as e:
        fail(str(e), 1)
    made: list[dict[str, Any]] = []
    with progress_bar(console, "photos") as progress:
        task = progress.add_task(f"Applying {filter_name}", total=len(photo_ids))
        for pid in photo_ids:
            try:
                made.append(filtered_copy(ctx, pid, filter_name, max_side, fmt, folder))
            except CreationError as e:
                problems.append(str(e))
            progress.advance(task)
    if as_json:
        print_json({"filter": filter_name, "made": made, "problems": problems})
    for problem in problems:
        console.print(f"[yellow]![/] {shown(problem)}", highlight=False, soft_wrap=True)
    where = shown(str(folder))
    console.print(
        f"Made {len(made)} {filter_name} {'copy' if len(made) == 1 else 'copies'} in {where}"
        + (f"; {len(problems)} could not be made" if problems else ""),
        highlight=False,
        soft_wrap=True,
    )
    if not made:
        raise typer.Exit(1)


def _resolve(
    ctx: AppContext, items: list[str]
) -> tuple[list[str], list[int], list[int], list[int], int | None, list[str]]:
    """Split the arguments: moments (their ids, photos in time order, people, first cover) and
    photo ids; each argument that names nothing is a problem, the others go on."""
    moment_ids: list[str] = []
    moment_photos: list[int] = []
    people: list[int] = []
    explicit: list[int] = []
    cover: int | None = None
    problems: list[str] = []
    for item in items:
        if re.fullmatch(r"\d+", item) or os.path.exists(item) or looks_like_hash(item):
            found = int(item) if item.isdigit() else find_photo_id(ctx, item)
            if found is None or not store_photos.is_still_photo(ctx.db, found):
                problems.append(f"{'photo ' + item if item.isdigit() else repr(item)}: not a photo in the library")
            elif found not in explicit:
                explicit.append(found)
        elif item[:1].isalpha():
            from camroll.moments import MomentNotFound
            from camroll.moments.listing import find_moment

            try:
                moment = find_moment(ctx, item)
            except MomentNotFound as e:
                problems.append(f"{item}: {e.args[0] if e.args else 'no such moment'}")
                continue
            moment_ids.append(moment.id)
            moment_photos += [p for p in moment.photo_ids if p not in moment_photos]
            people += [p for p in moment.person_ids if p not in people]
            cover = cover if cover is not None else moment.cover_id
        else:
            problems.append(f"{item!r}: neither a moment id nor a photo (id, path or hash)")
    return moment_ids, moment_photos, people, explicit, cover, problems


def _parse_size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if not match:
        fail(f"--size is WIDTHxHEIGHT in pixels (like 2048x2048), not {text!r}", 2)
    return int(match.group(1)), int(match.group(2))
