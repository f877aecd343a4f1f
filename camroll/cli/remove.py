"""`camroll remove`: forget photos and everything derived from them (the files stay)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from camroll.cli.common import HomeOption, JsonOption, app, console_err, ctx_for, fail, find_photo_id, print_json
from camroll.privacy.removal import remove_photos


@app.command("remove")
def remove_cmd(
    photos: Annotated[
        list[str],
        typer.Argument(
            metavar="PHOTO...",
            help="Photos: ids, paths or hashes (see `camroll photos`); an id also names a photo whose files are gone.",
        ),
    ],
    home: HomeOption = None,
    remember: Annotated[
        bool,
        typer.Option(
            "--remember/--allow-rescan", help="Keep them out of later scans (default) or let a rescan add them again."
        ),
    ] = True,
    as_json: JsonOption = False,
) -> None:
    """Forget these photos: their catalog rows, faces, tags, text, places, thumbnails, face crops
    and the creations made from them. The photo files themselves are not touched."""
    ctx = ctx_for(home)
    # An id is taken as it is (a photo whose files are all gone can still be forgotten by its id).
    found = {p: int(p) if p.isdigit() else find_photo_id(ctx, p) for p in photos}
    named = [f"{p!r}" for p, pid in found.items() if pid is None]
    if named and len(named) == len(photos):
        fail(f"No photo {', '.join(named)} in the catalog (give an id, a path or a hash; see `camroll photos`).", 2)
    report = remove_photos(
        ctx, list(dict.fromkeys(pid for pid in found.values() if pid is not None)), remember=remember
    )
    for name in named:
        console_err().print(f"[yellow]No photo {name} in the catalog (see `camroll photos`).[/]", highlight=False)
    if as_json:
        print_json({**vars(report), "total": report.total})
    else:
        console = Console()
        if report.removed:
            console.print(
                f"Removed {len(report.removed)} photo{'s' if len(report.removed) != 1 else ''} from camroll: "
                f"{sum(report.rows.values())} rows and {report.files} files deleted. The files on disk were "
                "not touched" + (", and a rescan will skip them." if remember else ".")
            )
    if report.unknown and not report.removed:
        fail(f"No photo {', '.join(map(str, report.unknown))} in the catalog (see `camroll photos --json`).", 2)
    for unknown in report.unknown:
        console_err().print(f"[yellow]No photo {unknown} in the catalog (see `camroll photos --json`).[/]")
