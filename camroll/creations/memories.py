"""A moment's video, made the one way both the CLI and the web app make it.

``camroll make video``/``make birthday`` and the web app's "Make a video" button pick the moment's
best photos, turn each readable one into a slide (face boxes steer its motion), shorten the video
when there are too few photos to fill it, render it into the output folder and record it with the
capabilities that shaped it. The title and closing cards are written here too
(:func:`moment_cards`). Keeping those steps here means the two front ends cannot drift apart: a
video made from a page has the same cards, and is recorded and later purged, exactly like one made
from the shell. The front ends only choose the size and the length, and draw the progress.

The cards speak of people by name, never by a catalog id: someone not named yet is "someone", a
few of them "2 people"; a card that names or greets a person records the ``people`` capability,
so revoking it deletes the video.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from camroll import thresholds
from camroll.config import AppContext
from camroll.creations.cards import Card
from camroll.creations.choose import choose_clips, choose_photos
from camroll.creations.clips import Clip
from camroll.creations.records import CreationError, output_dir, record, unique_path
from camroll.creations.source import clip_of, displayed_size, face_boxes, open_photo
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
    title: str = ""
    """The title card's title, which the creation is recorded under."""
    problems: list[str] = field(default_factory=list)
    """Photos left out (unreadable when checked) or shown as a plain backdrop (failed while rendering)."""
    capabilities: list[str] = field(default_factory=list)
    """What shaped the video (the moment's own capabilities, the caller's, ``faces`` when face
    boxes steered the motion); revoking any of them deletes it."""


def most_photos(seconds: float) -> int:
    """How many photos a video of ``seconds`` can show: as many as fit at the usual pace, never
    so many that one would flash by in under ``VIDEO_MIN_SECONDS_PER_PHOTO``."""
    return max(1, min(photos_that_fit(seconds), int(seconds / thresholds.VIDEO_MIN_SECONDS_PER_PHOTO)))


@dataclass(frozen=True)
class MomentCards:
    """A moment video's title card, its closing card, and what they reveal."""

    opening: Card
    closing: Card
    capabilities: tuple[str, ...] = ()
    """``people`` when a card names or greets a person."""


def moment_cards(moment: Moment) -> MomentCards:
    """The title and closing cards of a video of ``moment``, the same from the CLI and the web.

    Title card: the moment's title over when and where. Closing card: when, then who was there by
    name ("with Ana, Ben and 2 more") or else where; for a birthday, "Happy birthday, Ana!" (and
    the age, for one year's birthday). People without a name are never shown as "person 18"."""
    named, unnamed = moment.named()
    when = _when(moment)
    subtitle = " · ".join(p for p in (when if when != moment.title else "", moment.place or "") if p)
    title = _without_ids(moment.title, moment, unnamed)
    if moment.kind == "birthday":
        person_id = moment.details.get("person_id")
        name = next((n for pid, n in named if pid == person_id), None)
        age = moment.details.get("age")
        greeting = f"Happy birthday, {name}!" if name else "Happy birthday!"
        years = f"{age} today" if "year" in moment.details and isinstance(age, int) and age > 0 else ""
        return MomentCards(Card(title, subtitle), Card(greeting, years), ("people",))
    who = people_words([n for _pid, n in named], len(unnamed))
    closing = Card(when, f"with {who}" if who else (moment.place or ""))
    return MomentCards(Card(title, subtitle), closing, ("people",) if who else ())


def people_words(names: list[str], unnamed: int = 0, most: int = 3) -> str:
    """Who was there, in words: "Ana", "Ana and Ben", "Ana, Ben, Cleo and 2 more", "someone",
    "3 people" (``unnamed`` counts people without a name); "" for nobody."""
    shown = names[:most]
    rest = len(names) - len(shown) + unnamed
    if not shown:
        return "" if not rest else "someone" if rest == 1 else f"{rest} people"
    if rest:
        tail = "someone" if rest == 1 and unnamed == 1 and len(names) == len(shown) else f"{rest} more"
        return f"{', '.join(shown)} and {tail}"
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


def _without_ids(title: str, moment: Moment, unnamed: list[int]) -> str:
    """``title`` with any ``person <id>`` label of a person without a name put in words."""
    person_id = moment.details.get("person_id")
    if moment.kind == "birthday" and person_id in unnamed:
        year = moment.details.get("year")
        return f"A birthday, {year}" if year else "Birthdays over the years"
    worded = title
    for pid in unnamed:
        worded = worded.replace(f"person {pid}'s birthday", "a birthday").replace(f"person {pid}", "someone")
    return worded if worded == title else worded[:1].upper() + worded[1:]


def _when(moment: Moment) -> str:
    """The moment's dates as a card writes them: "17 May 2025", "3 – 9 August 2024", "2019 – 2024"."""
    try:
        start, end = datetime.fromisoformat(moment.start), datetime.fromisoformat(moment.end)
    except ValueError:
        return moment.title
    if start.year != end.year:
        return f"{start.year} – {end.year}"
    if start.date() == end.date():
        return f"{start.day} {start:%B %Y}"
    if start.month == end.month:
        return f"{start.day} – {end.day} {end:%B %Y}"
    return f"{start.day} {start:%B} – {end.day} {end:%B %Y}"


def make_moment_video(
    ctx: AppContext,
    moment: Moment,
    *,
    kind: str = "video",
    seconds: float = 30.0,
    settings: Settings,
    out: Path | None = None,
    photos: int | None = None,
    on_start: Callable[[Path, int], None] | None = None,
    on_frame: Callable[[int, int], None] | None = None,
) -> MadeVideo:
    """Render and record a video of ``moment``'s best photos, ``seconds`` long at most, between
    the cards of :func:`moment_cards`.

    ``photos`` caps how many are shown (default :func:`most_photos`). ``on_start(path, frames)``
    is called once the file name and the number of frames are known, just before rendering (so a
    progress bar can name the file); ``on_frame(done, total)`` as frames are encoded. Raises
    :class:`CreationError` when none of the chosen photos can be read, or when the output folder
    or the music is refused.
    """
    cards = moment_cards(moment)
    order = list(moment.photo_ids)  # the moment's own order: time
    capabilities = [
        *moment.capabilities,
        *cards.capabilities,
    ]  # what shaped the moment (and the cards) shaped the video
    wanted = photos if photos is not None else most_photos(seconds)
    clips = choose_clips(ctx, moment.photo_ids, min(thresholds.VIDEO_MAX_CLIPS, wanted // 3))
    chosen = choose_photos(ctx, moment.photo_ids, wanted - len(clips), moment.person_ids)
    slides, problems = slides_for(ctx, sorted(chosen + clips, key=lambda pid: order.index(pid)))
    if not slides:
        raise CreationError(
            f"{moment.title}: none of its photos can be read" + (f" ({'; '.join(problems)})" if problems else "")
        )
    seconds = length_for(len(slides), seconds)
    path = unique_path(output_dir(ctx, out), moment.id, ".mp4")
    if on_start is not None:
        on_start(path, round(seconds * settings.fps))
    result = render_video(path, slides, cards.opening, cards.closing, seconds, settings, on_frame=on_frame)
    problems += result.problems
    if result.faces_used:
        capabilities.append("faces")
    photo_ids = [s.photo_id for s in slides if s.photo_id is not None]
    params: dict[str, Any] = {
        "length": round(result.seconds, 3),
        "size": f"{settings.size[0]}x{settings.size[1]}",
        "fps": settings.fps,
        "filter": settings.filter,
        "music": str(settings.music) if settings.music else None,
        "moment": moment.id,
    }
    title = cards.opening.title
    creation_id = record(
        ctx, kind, path, photo_ids, capabilities=capabilities, title=title, source=moment.id, params=params
    )
    return MadeVideo(creation_id, path, photo_ids, result, title, problems, capabilities)


def slides_for(ctx: AppContext, photo_ids: list[int]) -> tuple[list[Slide], list[str]]:
    """A slide per readable photo, and a problem per unreadable one.

    Each photo is checked with a tiny decode now, so a broken file is reported and left out
    instead of leaving a hole in the video; the full decode happens when its turn comes.
    """
    slides: list[Slide] = []
    problems: list[str] = []
    for pid in photo_ids:
        clip: Clip | None = clip_of(ctx, pid)
        if clip is not None:  # a video of the moment: a few seconds of it play in a slide's place
            slides.append(Slide(clip.poster, displayed_size(ctx, pid) or (16, 9), [], pid, clip))
            continue
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
