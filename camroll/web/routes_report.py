"""The exposure report as a page of the app: what a gallery reveals, with the photos behind each
finding and a button for each fix this app can do.

The report (``camroll.report``) is built from what camroll holds and rendered here with the app's
own templates: each finding shows its evidence as thumbnails (served behind the same login as
every photo; the report *file* that ``camroll report --html`` writes names photos by file instead,
so that a copy of it is not a second copy of the most sensitive photos), links to all its photos,
and offers its fixes as buttons: turning off the capability that found it (the consent page's own
confirmation), reviewing its photos. What only a terminal can do is kept as the advice text.
A person the report speaks of and you have not named shows as their cover face (``/face/ID``,
read through its seal behind the login), never as a catalog number.

``/report/page`` still serves the self-contained file's HTML, as ``camroll report --html`` writes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from camroll import capabilities, thresholds
from camroll.config import AppContext
from camroll.privacy import consent
from camroll.web.common import Ctx, not_found, render

if TYPE_CHECKING:
    from camroll.report.exposure import Report
    from camroll.report.records import Finding

router = APIRouter()

REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'"


def report_of(ctx: AppContext, metadata_only: bool) -> Report:
    """The report, kept in the context while the database is unchanged: the page and the grids of
    each finding's photos read the same one (at 20,000 photos a report takes seconds)."""
    from camroll.report.exposure import build

    key = f"web:report:{metadata_only}"
    cached = ctx.extras.get(key)
    if cached is not None and cached[0] == ctx.db.change_marker():
        return cast("Report", cached[1])
    report = build(ctx, metadata_only=metadata_only)
    ctx.extras[key] = (ctx.db.change_marker(), report)
    return report


def _fixes(ctx: AppContext, f: Finding, metadata_only: bool) -> list[dict[str, str]]:
    """What a person can do about a finding from here: turn off each capability it came from
    (while it is on), and look through its photos."""
    out: list[dict[str, str]] = []
    for source in f.sources:
        if source in capabilities.BY_ID and f.photos and consent.active_scopes(ctx, source):
            cap = capabilities.get(source)
            out.append({"kind": "revoke", "action": f"/consent/{cap.id}/off", "label": f"Turn off {cap.title}"})
    if f.photos and len(f.photos) <= thresholds.SHARE_WEB_MAX_PHOTOS:
        query = "&metadata=1" if metadata_only else ""
        out.append({"kind": "link", "href": f"/share?finding={f.id}{query}", "label": "Share these safely"})
    if f.photos:
        query = "?metadata=1" if metadata_only else ""
        out.append(
            {"kind": "link", "href": f"/report/photos/{f.id}{query}", "label": f"See all {len(f.photos)} photos"}
        )
    return out


def _faces(ctx: AppContext, report: Report) -> dict[int, int]:
    """Person id -> cover face id, for the people not named that the page's items show."""
    from camroll.report.html import cover_faces, people_in

    return cover_faces(ctx, people_in(report, thresholds.REPORT_WEB_ITEMS))


def _finding_view(ctx: AppContext, f: Finding, metadata_only: bool, covers: dict[int, int]) -> dict[str, Any]:
    from camroll.report.html import item_html

    def face_src(person_id: int) -> str | None:
        return f"/face/{covers[person_id]}.jpg" if person_id in covers else None

    shown_items = [] if f.id == "routine" else f.items[: thresholds.REPORT_WEB_ITEMS]
    return {
        "id": f.id,
        "title": f.title,
        "summary": f.summary,
        "severity": f.severity,
        "count": len(f.photos),
        "examples": f.photos[: thresholds.REPORT_WEB_EXAMPLES],
        "entries": [Markup(item_html(i, face_src)) for i in shown_items],  # item_html escapes every value
        "more_entries": max(0, len(f.items) - len(shown_items)) if shown_items else 0,
        "advice": f.advice,
        "sources": f.sources,
        "fixes": _fixes(ctx, f, metadata_only),
    }


@router.get("/report")
def report_page(request: Request, ctx: Ctx) -> Response:
    from camroll.report.cloud_audit import html_of
    from camroll.report.html import overview

    metadata_only = request.query_params.get("metadata") == "1"
    report = report_of(ctx, metadata_only)
    found = [f for f in report.findings if f.severity != "none"]
    covers = _faces(ctx, report)
    return render(
        request,
        "report.html",
        title="What your photos reveal",
        nav="report",
        metadata_only=metadata_only,
        report=report,
        stats={
            "photos": report.photo_count,
            "located": report.located,
            "serious": sum(f.severity == "high" for f in found),
            "findings": len(found),
        },
        overview=Markup(overview(report)),  # SVG built from escaped values
        clouds=Markup(html_of(report.cloud_audits)),  # every value escaped by html_of
        findings=[_finding_view(ctx, f, metadata_only, covers) for f in report.findings],
    )


@router.get("/report/photos/{finding_id}")
def finding_photos(request: Request, finding_id: str, ctx: Ctx) -> Response:
    """Every photo behind one finding, a page at a time."""
    metadata_only = request.query_params.get("metadata") == "1"
    report = report_of(ctx, metadata_only)
    finding = next((f for f in report.findings if f.id == finding_id), None)
    if finding is None:
        raise not_found("There is no such finding in the report.")
    try:
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page = 1
    size = thresholds.REPORT_WEB_PAGE
    ids = finding.photos[(page - 1) * size : page * size]
    query = "&metadata=1" if metadata_only else ""
    return render(
        request,
        "report_photos.html",
        title=finding.title,
        nav="report",
        finding=_finding_view(ctx, finding, metadata_only, _faces(ctx, report)),
        photo_ids=ids,
        back="/report" + ("?metadata=1" if metadata_only else ""),
        previous=f"?page={page - 1}{query}" if page > 1 else None,
        next=f"?page={page + 1}{query}" if page * size < len(finding.photos) else None,
        first=(page - 1) * size + 1,
        last=(page - 1) * size + len(ids),
    )


@router.get("/report/page")
def report_body(request: Request, ctx: Ctx) -> Response:
    """The report as the self-contained file ``camroll report --html`` writes (no photo thumbnails;
    people not named by their small face)."""
    from camroll.report.html import face_images
    from camroll.report.html import render as render_report

    report = report_of(ctx, request.query_params.get("metadata") == "1")
    page = render_report(report, face_images(ctx, report))
    return HTMLResponse(page, headers={"Content-Security-Policy": REPORT_CSP, "Cache-Control": "no-store"})
