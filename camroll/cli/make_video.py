"""`camroll make video MOMENT` and `camroll make birthday PERSON`: memory and birthday videos.

Both pick the moment's best photos (as many as fit the length), in time order, and render them
with pan and zoom, cross-fades and a title and closing card (:mod:`camroll.creations.video`), into
``CAMROLL_HOME/creations`` or ``--out DIR``. The steps and the cards are the web app's too
(:func:`camroll.creations.memories.make_moment_video`, :func:`~camroll.creations.memories.moment_cards`).
The creation is recorded with its photos and the capabilities whose data shaped it: ``faces`` when
face boxes steered the motion, ``people`` when the video is about a person or names people, and
whatever shaped the moment itself (``places`` for a trip), so revoking any of them deletes the video.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import TaskID

from camroll.cli.common import HomeOption, JsonOption, console_err, ctx_for, fail, print_json, progress_bar, shown
from camroll.cli.make import make_app
from camroll.config import AppContext
from camroll.creations.looks import FILTERS
from camroll.creations.records import CreationError
from camroll.moments import Moment, MomentNotFound
from camroll.store import people as store_people

MusicOption = Annotated[
    Path | None,
    typer.Option("--music", help="A music file (MP3, AAC, WAV, FLAC...): trimmed and faded to the video's length."),
]
LengthOption = Annotated[str, typer.Option("--length", help="How long the video is: 30s, 1m, 1m30s or 45 (seconds).")]
SizeOption = Annotated[str, typer.Option("--size", help="Frame size, WIDTHxHEIGHT or 1080p/720p.")]
FpsOption = Annotated[int, typer.Option("--fps", help="Frames per second.", min=10, max=60)]
FilterOption = Annotated[str | None, typer.Option("--filter", help=f"A look for every photo: {', '.join(FILTERS)}.")]
OutOption = Annotated[Path | None, typer.Option("--out", help="Folder to write to (default: CAMROLL_HOME/creations).")]


@make_app.command("video")
def video_cmd(
    moment_id: Annotated[str, typer.Argument(metavar="MOMENT", help="A moment id from `camroll moments`.")],
    music: MusicOption = None,
    length: LengthOption = "30s",
    size: SizeOption = "1920x1080",
    fps: FpsOption = 30,
    filter_name: FilterOption = None,
    out: OutOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a video of a moment: title card, its best photos with slow pan and zoom, closing card."""
    from camroll.moments.listing import find_moment

    ctx = ctx_for(home)
    try:
        moment = find_moment(ctx, moment_id)
    except MomentNotFound as e:
        fail(str(e), 1)
    _make(ctx, moment, "video", music, length, size, fps, filter_name, out, as_json)


@make_app.command("birthday")
def birthday_cmd(
    person: Annotated[str, typer.Argument(metavar="PERSON", help="A person's id or name (see `camroll people`).")],
    year: Annotated[
        int | None, typer.Option("--year", help="Only that year's birthday (default: the best photo of each year).")
    ] = None,
    music: MusicOption = None,
    length: LengthOption = "30s",
    size: SizeOption = "1920x1080",
    fps: FpsOption = 30,
    filter_name: FilterOption = None,
    out: OutOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a birthday video of a person: their photos over the years (or one year's), then "Happy birthday"."""
    from camroll.moments.birthdays import birthday_moment

    ctx = ctx_for(home)
    try:
        moment = birthday_moment(ctx, _person(ctx, person), year)
    except MomentNotFound as e:
        fail(str(e), 1)
    _make(ctx, moment, "birthday", music, length, size, fps, filter_name, out, as_json)


def _make(
    ctx: AppContext,
    moment: Moment,
    kind: str,
    music: Path | None,
    length: str,
    size: str,
    fps: int,
    filter_name: str | None,
    out: Path | None,
    as_json: bool,
) -> None:
    from camroll.creations.memories import make_moment_video
    from camroll.creations.video import Settings, parse_length, parse_size

    try:
        seconds = parse_length(length)
        frame_size = parse_size(size)
    except ValueError as e:
        fail(str(e), 2)
    if filter_name is not None and filter_name not in FILTERS:
        fail(f"no filter named {filter_name!r}; choose one of: {', '.join(FILTERS)}", 2)
    if music is not None and not music.is_file():
        fail(f"no music file at {music}", 2)
    console = console_err()
    settings = Settings(size=frame_size, fps=fps, filter=filter_name, music=music)
    try:
        with progress_bar(console, "frames") as progress:
            task: list[TaskID] = []

            def start(path: Path, frames: int) -> None:
                task.append(progress.add_task(f"Making {shown(path.name)}", total=frames))

            made = make_moment_video(
                ctx,
                moment,
                kind=kind,
                seconds=seconds,
                settings=settings,
                out=out,
                on_start=start,
                on_frame=lambda done, _total: progress.update(task[0], completed=done),
            )
    except CreationError as e:
        fail(str(e), 1)
    result, photo_ids, problems = made.result, made.photo_ids, made.problems
    if as_json:
        print_json(
            {
                "id": made.creation_id,
                "kind": kind,
                "path": str(made.path),
                "moment": moment.id,
                "title": made.title,
                "photo_ids": photo_ids,
                "seconds": round(result.seconds, 3),
                "frames": result.frames,
                "size": [frame_size[0], frame_size[1]],
                "fps": fps,
                "music": bool(music),
                "filter": filter_name,
                "capabilities": sorted(set(made.capabilities)),
                "problems": problems,
            }
        )
    for problem in problems:
        console.print(f"[yellow]![/] {shown(problem)}", highlight=False)
    console.print(
        f"Made a {result.seconds:.0f}-second video of {len(photo_ids)} photos from “{shown(moment.title)}”"
        f"{' with music' if music else ''}: {shown(str(made.path))}",
        highlight=False,
        soft_wrap=True,
    )


def _person(ctx: AppContext, person: str) -> int:
    """A person's id from an id or a (case-insensitive) name."""
    ids = store_people.ids_by_id_or_name(ctx.db, person)
    if not ids:
        fail(f"there is no person {person!r} (see `camroll people`)", 1)
    if len(ids) > 1 and not person.isdigit():
        fail(f"{len(ids)} people are called {person!r}: give an id ({', '.join(str(i) for i in ids)})", 2)
    return ids[0]
