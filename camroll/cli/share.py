"""`camroll share`: safe copies of photos to send (metadata stripped, faces masked, checked)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, cast

import typer

from camroll.cli.common import HomeOption, JsonOption, app, console_err, ctx_for, fail, print_json, progress_bar, shown


@app.command("share")
def share_cmd(
    photos: Annotated[list[str], typer.Argument(help="Photos to share: ids, paths or hashes (see `camroll photos`).")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for the copies (never one holding originals).")
    ] = None,
    keep_time: Annotated[bool, typer.Option("--keep-time", help="Keep when the photo was taken.")] = False,
    keep_place: Annotated[
        str | None,
        typer.Option("--keep-place", help="Keep a coarse place as a caption: city or country (never coordinates)."),
    ] = None,
    person: Annotated[
        list[str] | None,
        typer.Option(
            "--person",
            help="A person (id or name) whose face may stay visible; repeat for several. Everyone else is masked.",
        ),
    ] = None,
    mask_style: Annotated[str, typer.Option("--mask", help="How faces are masked: blur or solid.")] = "blur",
    keep_faces: Annotated[
        bool,
        typer.Option("--keep-faces", help="Mask no face at all (and share photos whose faces were never looked for)."),
    ] = False,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write copies of photos that are safe to send: a new JPEG from the pixels, with no GPS, serial
    numbers, time, maker notes, XMP, IPTC or thumbnails; faces of everyone you did not choose with
    --person blurred beyond recognition; each copy read back and checked."""
    from camroll.sharing.share import ShareOptions, ShareRequestError, share  # here: it loads numpy and Pillow

    console = console_err()
    if keep_place not in (None, "city", "country"):
        fail("--keep-place takes city or country.")
    if mask_style not in ("blur", "solid"):
        fail("--mask takes blur or solid.")
    options = ShareOptions(
        keep_time=keep_time,
        keep_place=cast("Literal['city', 'country'] | None", keep_place),  # checked just above
        persons=list(person or []),
        mask=cast("Literal['blur', 'solid']", mask_style),
        keep_faces=keep_faces,
    )
    ctx = ctx_for(home)
    try:
        with progress_bar(console, "photos") as progress:
            task = progress.add_task("Sharing", total=len(photos))
            result = share(ctx, photos, out, options, lambda: progress.advance(task))
    except ShareRequestError as e:
        fail(str(e))
    finally:
        ctx.close()
    if as_json:
        print_json(
            {
                "out": result.out,
                "copies": [vars(c) for c in result.copies],
                "failed": result.failed,
                "summary": result.summary(),
            }
        )
    else:
        for c in result.copies:
            notes = "; ".join(c.notes)
            console.print(
                f"{shown(c.photo)} -> {shown(c.path)}: {c.faces_masked} faces masked, "
                f"{c.faces_visible} visible" + (f" ({shown(notes)})" if notes else ""),
                highlight=False,
            )
        for f in result.failed:
            console.print(f"[red]not shared[/] {shown(f['photo'])}: {shown(f['error'])}", highlight=False)
        console.print(result.summary(), highlight=False)
    if result.failed and not result.copies:
        raise typer.Exit(1)
