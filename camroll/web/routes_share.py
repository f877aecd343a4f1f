"""Sharing from the web: pick who stays recognisable, get safe copies as one zip.

The form is reached from a photo ("Share a safe copy"), a moment ("Share safely") or a finding
of the report. It shows the photos, and every person whose face is in them as a face thumbnail
(an unnamed person is a face, never an id) with a box to keep that face visible; everyone else is
masked. The copies are made as a job of the library (:func:`camroll.sharing.bundle.share_as_zip`),
so a large selection never holds a request, and the job's result links to the zip's creation page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from camroll import thresholds
from camroll.config import AppContext
from camroll.store import sharing as store_sharing
from camroll.web.common import Ctx, Lib, csrf, not_found, render
from camroll.web.jobs import JobReporter, JobResult

router = APIRouter()


def _ids(text: str) -> list[int]:
    """Photo ids from a comma-separated list; anything else is dropped."""
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if part.isdigit() and len(part) < 12 and int(part) not in out:
            out.append(int(part))
    return out


def _selection(request: Request, ctx: AppContext) -> tuple[list[int], str, str]:
    """(photo ids, what they are in words, where to go back) from ``photos=``, ``moment=`` or
    ``finding=`` (with ``metadata=1`` for the metadata-only report)."""
    q = request.query_params
    if q.get("moment"):
        from camroll.moments import MomentNotFound
        from camroll.moments.listing import find_moment

        try:
            moment = find_moment(ctx, q["moment"])
        except MomentNotFound as e:
            raise not_found(str(e)) from None
        return list(moment.photo_ids), f"the photos of “{moment.title}”", f"/moments/{moment.id}"
    if q.get("finding"):
        from camroll.web.routes_report import report_of

        metadata_only = q.get("metadata") == "1"
        finding = next((f for f in report_of(ctx, metadata_only).findings if f.id == q["finding"]), None)
        if finding is None:
            raise not_found("There is no such finding in the report.")
        back = "/report" + ("?metadata=1" if metadata_only else "")
        return list(finding.photos), f"the photos behind “{finding.title}”", back
    ids = _ids(q.get("photos", ""))
    back = f"/photo/{ids[0]}" if len(ids) == 1 else "/"
    return ids, "this photo" if len(ids) == 1 else f"these {len(ids)} photos", back


@router.get("/share")
def share_form(request: Request, ctx: Ctx) -> Response:
    ids, what, back = _selection(request, ctx)
    if not ids:
        raise not_found("Choose photos to share first: from a photo, a moment or the report.")
    limit = thresholds.SHARE_WEB_MAX_PHOTOS
    return render(
        request,
        "share.html",
        title="Share safe copies",
        nav="moments",
        what=what,
        back=back,
        photo_ids=ids[:limit],
        too_many=max(0, len(ids) - limit),
        people=store_sharing.people_in(ctx.db, ids[:limit]),
    )


@router.post("/share", dependencies=[Depends(csrf)])
def share_now(
    lib: Lib,
    photos: Annotated[str, Form()],
    person: Annotated[list[int] | None, Form()] = None,
    keep_time: Annotated[bool, Form()] = False,
    keep_place: Annotated[str, Form()] = "",
    mask: Annotated[str, Form()] = "blur",
) -> Response:
    from camroll.sharing.share import ShareOptions

    ids = _ids(photos)[: thresholds.SHARE_WEB_MAX_PHOTOS]
    if not ids:
        raise not_found("No photo to share.")
    options = ShareOptions(
        keep_time=keep_time,
        keep_place="city" if keep_place == "city" else "country" if keep_place == "country" else None,
        persons=[str(p) for p in (person or [])],
        mask="solid" if mask == "solid" else "blur",
    )

    def work(ctx: AppContext, reporter: JobReporter) -> JobResult:
        from camroll.sharing.bundle import share_as_zip

        reporter.start("Making safe copies", len(ids))
        bundle = share_as_zip(ctx, ids, options, reporter.advance)
        failed = f" ({len(bundle.result.failed)} could not be shared)" if bundle.result.failed else ""
        if bundle.creation_id is None:
            return JobResult(f"No safe copy could be made{failed}.", None)
        masked = sum(c.faces_masked for c in bundle.result.copies)
        return JobResult(
            f"{len(bundle.result.copies)} safe copies are ready, {masked} faces masked{failed}.",
            f"/creations/{bundle.creation_id}",
        )

    job = lib.jobs.start(f"Making safe copies of {len(ids)} photo{'s' if len(ids) != 1 else ''}", work)
    return RedirectResponse(f"/jobs?started={job.id}", status_code=303)
