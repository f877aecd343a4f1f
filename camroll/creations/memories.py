"""A moment's video, made the one way both the CLI and the web app make it.

``camroll make video``/``make birthday`` and the web app's "Make a video" button pick the moment's
best photos, turn each readable one into a slide (face boxes steer its motion), shorten the video
when there are too few photos to fill it, render it into the output folder and record it with the
capabilities that shaped it. Keeping those steps here means the two front ends cannot drift apart:
a creation made from a page is recorded, and later purged, exactly like one made from the shell.
The front ends only choose the cards, the size and the length, and draw the progress.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from camroll import thresholds
from camroll.config import AppContext
from camroll.creations.cards import Card
from camroll.creations.choose import choose_photos
from camroll.creations.records import CreationError, output_dir, record, unique_path
from camroll.creations.source import displayed_size, face_boxes, open_photo
from camroll.creations.video import Rendered, Settings, Slide, length_for, photos_that_fit, render_video
from camroll.moments import Moment


@dataclass
class MadeVideo:
    """A recorded moment video."""

    creation_id: int
    path: Path
    photo_ids: list[int]
    """The photos shown, in the video's order."""
    result: Rendered
    problems: list[str] = field(default_factory=list)
    """Photos left out (unreadable when checked) or shown as a plain backdrop (failed while rendering)."""
    capabilities: list[str] = field(default_factory=list)
    """What shaped the video (the moment's own capabilities, the caller's, ``faces`` when face
    boxes steered the motion); revoking any of them deletes it."""


def most_photos(seconds: float) -> int:
    """How many photos a video of ``seconds`` can show: as many as fit at the usual pace, never
    so many that one would flash by in under ``VIDEO_MIN_SECONDS_PER_PHOTO``."""
    return max(1, min(photos_that_fit(seconds), int(seconds / thresholds.VIDEO_MIN_SECONDS_PER_PHOTO)))


def make_moment_video(
    ctx: AppContext,
    moment: Moment,
    opening: Card,
    closing: Card,
    *,
    kind: str = "video",
    extra_capabilities: Iterable[str] = (),
    seconds: float = 30.0,
    settings: Settings,
    out: Path | None = None,
    photos: int | None = None,
    on_start: Callable[[Path, int], None] | None = None,
    on_frame: Callable[[int, int], None] | None = None,
) -> MadeVideo:
    """Render and record a video of ``moment``'s best photos, ``seconds`` long at most.

    ``photos`` caps how many are shown (default :func:`most_photos`). ``on_start(path, frames)``
    is called once the file name and the number of frames are known, just before rendering (so a
    progress bar can name the file); ``on_frame(done, total)`` as frames are encoded. Raises
    :class:`CreationError` when none of the chosen photos can be read, or when the output folder
    or the music is refused.
    """
    capabilities = [*moment.capabilities, *extra_capabilities]  # what shaped the moment shaped the video
    chosen = choose_photos(ctx, moment.photo_ids, photos if photos is not None else most_photos(seconds),
                           moment.person_ids)  # fmt: skip
    slides, problems = slides_for(ctx, chosen)
    if not slides:
        raise CreationError(f"{moment.title}: none of its photos can be read"
                            + (f" ({'; '.join(problems)})" if problems else ""))  # fmt: skip
    seconds = length_for(len(slides), seconds)
    path = unique_path(output_dir(ctx, out), moment.id, ".mp4")
    if on_start is not None:
        on_start(path, round(seconds * settings.fps))
    result = render_video(path, slides, opening, closing, seconds, settings, on_frame=on_frame)
    problems += result.problems
    if result.faces_used:
        capabilities.append("faces")
    photo_ids = [s.photo_id for s in slides if s.photo_id is not None]
    params: dict[str, Any] = {
        "length": round(result.seconds, 3), "size": f"{settings.size[0]}x{settings.size[1]}", "fps": settings.fps,
        "filter": settings.filter, "music": str(settings.music) if settings.music else None, "moment": moment.id,
    }  # fmt: skip
    creation_id = record(ctx, kind, path, photo_ids, capabilities=capabilities, title=opening.title,
                         source=moment.id, params=params)  # fmt: skip
    return MadeVideo(creation_id, path, photo_ids, result, problems, capabilities)


def slides_for(ctx: AppContext, photo_ids: list[int]) -> tuple[list[Slide], list[str]]:
    """A slide per readable photo, and a problem per unreadable one.

    Each photo is checked with a tiny decode now, so a broken file is reported and left out
    instead of leaving a hole in the video; the full decode happens when its turn comes.
    """
    slides: list[Slide] = []
    problems: list[str] = []
    for pid in photo_ids:
        try:
            size = displayed_size(ctx, pid)
            probe = open_photo(ctx, pid, 64)
        except CreationError as e:
            problems.append(str(e))
            continue
        if size is None:
            size = (probe.width, probe.height)

        def load(max_side: int | None, pid: int = pid) -> Any:
            return open_photo(ctx, pid, max_side)

        slides.append(Slide(load, size, face_boxes(ctx, pid), pid))
    return slides, problems
