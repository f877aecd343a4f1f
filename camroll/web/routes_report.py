"""The exposure report: what a gallery reveals, computed here, shown in a frame of its own.

The report (``camroll.report``) renders a complete page with its own inline styles; it is served
at ``/report/page`` with a policy that lets those styles apply and nothing else (no scripts, no
requests), and framed by ``/report`` so the search box and navigation stay around it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from camroll.web.common import Ctx, render

router = APIRouter()

REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'"


@router.get("/report")
def report_page(request: Request) -> Response:
    metadata_only = request.query_params.get("metadata") == "1"
    return render(request, "report.html", title="What your photos reveal", nav="report", metadata_only=metadata_only)


@router.get("/report/page")
def report_body(request: Request, ctx: Ctx) -> Response:
    try:
        from camroll.report.exposure import build
        from camroll.report.html import render as render_report
    except ImportError:
        return HTMLResponse(
            "<p>The exposure report is not available in this version of camroll.</p>",
            headers={"Content-Security-Policy": REPORT_CSP},
        )
    page = render_report(build(ctx, metadata_only=request.query_params.get("metadata") == "1"))
    return HTMLResponse(page, headers={"Content-Security-Policy": REPORT_CSP, "Cache-Control": "no-store"})
