"""`camroll favourite|unfavourite|archive|unarchive PHOTO...`: a person's curation (issue 14).

An archived photo is hidden from the web's timeline and from moments but stays searchable.
Every change is written to the audit log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from camroll.cli.common import HomeOption, JsonOption, app, ctx_for, photo_id_of, print_json

PhotosArg = Annotated[list[str], typer.Argument(help="Photos: ids, paths or hashes (see `camroll photos`).")]


def _flag(photos: list[str], flag: str, value: bool, home: Path | None, as_json: bool) -> None:
    from camroll.privacy import audit
    from camroll.store import curation

    ctx = ctx_for(home)
    ids = [photo_id_of(ctx, p) for p in photos]
    changed = curation.set_flag(ctx.db, ids, "favourite" if flag == "favourite" else "archived", value)
    kind = f"curation.{'' if value else 'un'}{flag}"
    if changed:
        audit.record(ctx, kind, photos=changed)
    if as_json:
        print_json({"action": kind, "photos": ids, "changed": changed})
        return
    word = {"favourite": "favourite", "archive": "archived"}[flag]
    state = word if value else f"no longer {word}"
    Console().print(f"{len(changed)} photo(s) now {state}; {len(ids) - len(changed)} already were.", highlight=False)


@app.command("favourite")
def favourite_cmd(photos: PhotosArg, home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Mark photos as favourites (shown as 'favourite' in `camroll photos --json`)."""
    _flag(photos, "favourite", True, home, as_json)


@app.command("unfavourite")
def unfavourite_cmd(photos: PhotosArg, home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Take photos out of the favourites."""
    _flag(photos, "favourite", False, home, as_json)


@app.command("archive")
def archive_cmd(photos: PhotosArg, home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Archive photos: hidden from the timeline and moments, still searchable and kept."""
    _flag(photos, "archive", True, home, as_json)


@app.command("unarchive")
def unarchive_cmd(photos: PhotosArg, home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Bring archived photos back to the timeline and moments."""
    _flag(photos, "archive", False, home, as_json)
