"""Moments (events, trips, on this day, birthdays) and creations (collages, videos) made from them.

Moments are computed from the catalog on each visit (:mod:`camroll.moments.listing`); making a
collage or a video is a background job whose page links to the result, which plays (or shows)
in the page and downloads. Creations are files camroll wrote; they are served by creation id.
"""

from __future__ import annotations

import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from camroll import thresholds
from camroll.config import AppContext
from camroll.store import creations as store_creations
from camroll.web.common import Ctx, Lib, csrf, int_id, not_found, render
from camroll.web.jobs import JobReporter, JobResult

router = APIRouter()

KIND_NAMES = {"event": "Events", "trip": "Trips", "on_this_day": "On this day", "birthday": "Birthdays"}
COLLAGE_PHOTOS = 9
VIDEO_PHOTOS = 12
VIDEO_SECONDS = 20.0
VIDEO_SIZE = (1280, 720)
VIDEO_FPS = 25
"""A video made from a page: shorter and smaller than ``camroll make video``'s defaults, so it is
ready in about a minute; the CLI makes the full-size one."""
LAYOUTS = ("mosaic", "grid", "hero")
"""The collage layouts the page offers (``camroll make collage --layout``)."""


def _moments(ctx: AppContext) -> tuple[list[Any] | None, str | None]:
    try:
        from camroll.moments.listing import all_moments
    except ImportError:
        return None, "Moments are not available in this version of camroll."
    return all_moments(ctx), None


@router.get("/moments")
def moments_page(request: Request, ctx: Ctx) -> Response:
    moments, error = _moments(ctx)
    groups: list[dict[str, Any]] = []
    for kind, name in KIND_NAMES.items():
        found = [m for m in moments or [] if m.kind == kind]
        if found:
            groups.append({"kind": kind, "name": name, "moments": sorted(found, key=lambda m: m.start, reverse=True)})
    from camroll.creations.records import listing

    return render(
        request, "moments.html", title="Moments", nav="moments", groups=groups, error=error, creations=listing(ctx)[:12]
    )


@router.get("/moments/{moment_id}")
def moment_page(request: Request, moment_id: str, ctx: Ctx) -> Response:
    from camroll.creations.looks import FILTERS
    from camroll.library.music import music_files
    from camroll.store import scan_roots

    moment = _find(ctx, moment_id)
    return render(
        request,
        "moment.html",
        title=moment.title,
        nav="moments",
        moment=moment,
        layouts=LAYOUTS,
        filters=list(FILTERS),
        lengths=thresholds.WEB_VIDEO_LENGTHS,
        default_seconds=int(VIDEO_SECONDS),
        music=music_files(scan_roots.catalogued_roots(ctx.db)),
    )


def _find(ctx: AppContext, moment_id: str) -> Any:
    try:
        from camroll.moments.listing import MomentNotFound, find_moment
    except ImportError:
        raise not_found("Moments are not available in this version of camroll.") from None
    try:
        return find_moment(ctx, moment_id)
    except (MomentNotFound, ValueError):
        raise not_found("There is no such moment now (moments change as photos and consents change).") from None


@dataclass
class MakeOptions:
    """What the moment page's form chose (each checked against what it offers)."""

    layout: str = "mosaic"
    filter: str | None = None
    seconds: float = VIDEO_SECONDS
    music: Path | None = None


def _options(ctx: AppContext, layout: str, filter_name: str, seconds: str, music: str) -> MakeOptions:
    from camroll.creations.looks import FILTERS
    from camroll.library.music import music_files
    from camroll.store import scan_roots

    out = MakeOptions()
    if layout in LAYOUTS:
        out.layout = layout
    if filter_name in FILTERS:
        out.filter = filter_name
    if seconds.isdigit() and int(seconds) in thresholds.WEB_VIDEO_LENGTHS:
        out.seconds = float(seconds)
    if music:
        offered = {str(p): p for p in music_files(scan_roots.catalogued_roots(ctx.db))}
        if music not in offered:
            raise not_found("That music file is not one the page offers.")
        out.music = offered[music]
    return out


@router.post("/moments/{moment_id}/make", dependencies=[Depends(csrf)])
def make(
    request: Request,
    moment_id: str,
    kind: Annotated[str, Form()],
    ctx: Ctx,
    lib: Lib,
    layout: Annotated[str, Form()] = "mosaic",
    filter_name: Annotated[str, Form(alias="filter")] = "",
    seconds: Annotated[str, Form()] = "",
    music: Annotated[str, Form()] = "",
) -> Response:
    moment = _find(ctx, moment_id)
    if kind not in ("collage", "video"):
        raise not_found()
    options = _options(ctx, layout, filter_name, seconds, music)
    try:
        maker = _maker(kind, options)
    except ImportError:
        return render(
            request,
            "message.html",
            status_code=501,
            title="Not available",
            nav="moments",
            message=f"Making a {kind} is not available in this version of camroll.",
            back=f"/moments/{moment_id}",
        )
    title = moment.title

    def work(jctx: AppContext, reporter: JobReporter) -> JobResult:
        reporter.start(f"Making a {kind}", None)
        creation_id = maker(jctx, reporter, moment)
        return JobResult(f"Your {kind} of “{title}” is ready.", f"/creations/{creation_id}")

    job = lib.jobs.start(f"Making a {kind}: {title}", work)
    return RedirectResponse(f"/jobs?started={job.id}", status_code=303)


def _maker(kind: str, options: MakeOptions) -> Any:
    """A function (ctx, reporter, moment) -> creation id, made with ``options``; ImportError when
    the creation modules are not there."""
    from camroll.creations.choose import choose_photos

    if kind == "collage":
        from camroll.creations.collage import make_collage

        def collage(ctx: AppContext, reporter: JobReporter, moment: Any) -> int:
            chosen = choose_photos(ctx, moment.photo_ids, COLLAGE_PHOTOS, moment.person_ids)
            caps = ["people"] if moment.person_ids else []  # as `camroll make collage`: people steered the choice
            made = make_collage(
                ctx,
                chosen,
                layout=options.layout,
                filter_name=options.filter,
                title=moment.title,
                source=moment.id,
                capabilities=caps,
            )
            return int(made.creation_id)

        return collage
    from camroll.creations.memories import make_moment_video
    from camroll.creations.video import Settings, photos_that_fit

    def video(ctx: AppContext, reporter: JobReporter, moment: Any) -> int:
        """``camroll make video``'s steps and cards (:func:`make_moment_video`), at a size that renders quickly
        from a page."""
        done = [0]

        def on_frame(frame: int, _total: int) -> None:
            reporter.advance(frame - done[0])
            done[0] = frame

        made = make_moment_video(
            ctx,
            moment,
            seconds=options.seconds,
            settings=Settings(size=VIDEO_SIZE, fps=VIDEO_FPS, filter=options.filter, music=options.music),
            photos=min(VIDEO_PHOTOS, photos_that_fit(options.seconds)),
            on_start=lambda _path, frames: reporter.start("Rendering frames", frames),
            on_frame=on_frame,
        )
        return made.creation_id

    return video


@router.get("/creations")
def creations_page(request: Request, ctx: Ctx) -> Response:
    from camroll.creations.records import listing

    return render(request, "creations.html", title="Creations", nav="moments", creations=listing(ctx))


@router.get("/creations/{creation}")
def creation_page(request: Request, creation: str, ctx: Ctx) -> Response:
    from camroll.creations.records import listing

    found = listing(ctx, int_id(creation))
    if not found:
        raise not_found("There is no such creation (it may have been deleted with the photos or consent it used).")
    c = found[0]
    media = (mimetypes.guess_type(c.path)[0] or "application/octet-stream").split("/")[0]
    return render(request, "creation.html", title=c.title or f"{c.kind} {c.id}", nav="moments", c=c, media=media)


@router.get("/creations/{creation}/file")
def creation_file(request: Request, creation: str, ctx: Ctx) -> Response:
    path = store_creations.path_of(ctx.db, int_id(creation))
    if path is None or not os.path.isfile(path):
        raise not_found()
    download = request.query_params.get("download") == "1"
    return FileResponse(
        path, filename=os.path.basename(path), content_disposition_type="attachment" if download else "inline"
    )


@router.post("/creations/{creation}/delete", dependencies=[Depends(csrf)])
def delete_creation(creation: str, ctx: Ctx, lib: Lib) -> Response:
    from camroll.creations.records import delete

    with lib.write_lock:
        if not delete(ctx, int_id(creation)):
            raise not_found()
    return RedirectResponse("/creations", status_code=303)


@router.post("/photo/{photo}/filtered", dependencies=[Depends(csrf)])
def filtered_photo(photo: str, ctx: Ctx, lib: Lib, filter_name: Annotated[str, Form(alias="filter")]) -> Response:
    """A filtered copy of one photo, made as a job; its result links to the copy's page."""
    from camroll.creations.looks import FILTERS
    from camroll.store import photos as store_photos

    photo_id = int_id(photo)
    if filter_name not in FILTERS or store_photos.live_photo_row(ctx.db, photo_id) is None:
        raise not_found("There is no such photo or filter.")

    def work(jctx: AppContext, reporter: JobReporter) -> JobResult:
        from camroll.creations import records
        from camroll.creations.filtered import filtered_copy

        reporter.start(f"Applying {filter_name}", 1)
        made = filtered_copy(jctx, photo_id, filter_name, None, "jpeg", records.output_dir(jctx, None))
        reporter.advance(1)
        return JobResult(f"Your {filter_name} copy is ready (the original is untouched).", f"/creations/{made['id']}")

    job = lib.jobs.start(f"A {filter_name} copy of photo {photo_id}", work)
    return RedirectResponse(f"/jobs?started={job.id}", status_code=303)
