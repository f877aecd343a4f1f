"""`camroll clip`: write the short video a motion photo carries to a file, on request only."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, BinaryIO

import typer

from camroll.cli.common import HomeOption, JsonOption, app, ctx_for, fail, print_json


@app.command("clip")
def clip_cmd(
    photo: Annotated[str, typer.Argument(help="The photo: its id, its path or its hash (see `camroll photos`).")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder to write the clip in (default: the current folder).")
    ] = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the clip of a motion photo (a JPEG with an MP4 inside, as Google and Samsung phones
    take them) to NAME.clip.mp4 in --out, or the MOV of an Apple Live Photo to NAME.clip.mov. The
    original is only read; the clip is never written beside it, and an existing file is not
    overwritten."""
    from camroll.cli.common import photo_id_of
    from camroll.library.live_photos import find_motion_clip
    from camroll.store import live_photos as store_live
    from camroll.store import photos

    ctx = ctx_for(home)
    row = photos.live_source(ctx.db, photo_id_of(ctx, photo))
    if row is None:  # pragma: no cover - photo_id_of already checked
        fail(f"no photo {photo!r}")
    path = Path(row["path"])
    folder = (out or Path.cwd()).resolve()
    if folder == path.parent.resolve():
        fail("the clip is not written beside the original: give another folder with --out")
    mov = store_live.live_clip_of(ctx.db, int(row["id"]))
    mov_row = photos.live_source(ctx.db, mov) if mov is not None else None
    if mov_row is not None:  # an Apple Live Photo: its MOV is the clip, copied whole
        _write_live_clip(int(row["id"]), path, Path(mov_row["path"]), folder, as_json)
        return
    with open(path, "rb") as f:
        data = f.read()
    result = find_motion_clip(data)
    if result.clip is None:
        fail(f"{path.name} carries no motion clip" + (f" ({result.note})" if result.note else ""), 1)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{path.stem}.clip.mp4"
    with _new_file(target) as f:
        f.write(data[result.clip.offset : result.clip.offset + result.clip.length])
    if as_json:
        print_json(
            {
                "photo": int(row["id"]),
                "clip": str(target),
                "bytes": result.clip.length,
                "duration_s": result.clip.duration_s,
            }
        )
    else:
        typer.echo(f"Wrote {target} ({result.clip.length} bytes)")


def _write_live_clip(photo_id: int, still: Path, mov: Path, folder: Path, as_json: bool) -> None:
    """Copy a Live Photo's MOV to ``folder/STILL.clip.mov`` (never over an existing file)."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{still.stem}.clip.mov"
    with open(mov, "rb") as src, _new_file(target) as dst:
        shutil.copyfileobj(src, dst)
        size = dst.tell()
    if as_json:
        print_json({"photo": photo_id, "clip": str(target), "bytes": size, "kind": "apple-live", "source": str(mov)})
    else:
        typer.echo(f"Wrote {target} ({size} bytes, a copy of {mov.name})")


def _new_file(target: Path) -> BinaryIO:
    """``target`` opened for writing, made now (0600): never over a file already there."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        fail(f"{target} already exists")
    return os.fdopen(fd, "wb")
