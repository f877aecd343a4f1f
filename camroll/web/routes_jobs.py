"""Starting long work from a page (scan a folder, analyse) and following its progress.

The scan form is the one place a path comes from a request, on purpose: it is the person
pointing camroll at a folder (their consent to catalog it). Only folders below a scan root the
person configured are accepted, in every mode (``camroll.web.common.allowed_scan_folder``), so
nobody can catalog the server's own files from a browser.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from camroll.config import AppContext
from camroll.web.common import Lib, allowed_scan_folder, csrf, int_id, not_found, render, scan_refused
from camroll.web.jobs import JobReporter, JobResult
from camroll.web.routes_consent import start_analysis

router = APIRouter()


@router.get("/jobs")
def jobs_page(request: Request, lib: Lib) -> Response:
    return render(request, "jobs.html", title="Work in progress", nav="jobs", jobs=[j.as_json() for j in lib.jobs.listing()])


@router.get("/jobs/{job}")
def job_status(job: str, lib: Lib) -> Response:
    found = lib.jobs.get(int_id(job))
    if found is None:
        raise not_found("There is no such job.")
    return JSONResponse(found.as_json(), headers={"Cache-Control": "no-store"})


def allowed_folder(request: Request, folder: str) -> Path | None:
    """The folder to scan (its real path), if it exists and this user may scan it."""
    return allowed_scan_folder(request, folder)


@router.post("/scan", dependencies=[Depends(csrf)])
def scan_folder(request: Request, folder: Annotated[str, Form()], lib: Lib) -> Response:
    path = allowed_folder(request, folder)
    if path is None:
        return render(request, "message.html", status_code=400, title="Cannot scan that", nav="library", back="/",
                      message=scan_refused(request))  # fmt: skip

    def work(ctx: AppContext, reporter: JobReporter) -> JobResult:
        from camroll.cli.analysis import analysis_granted
        from camroll.library.places import update_places
        from camroll.library.scan import scan

        summary = scan(ctx, [os.fspath(path)], reporter, ctx.config.workers)
        update_places(ctx)
        words = f"Scanned {summary.seen} files: {summary.new_photos} new photos"
        if summary.failures:
            words += f", {len(summary.failures)} could not be read"
        if analysis_granted(ctx):
            from camroll.analysis.pipeline import analyse

            done = analyse(ctx, reporter, ctx.config.workers)
            words += f"; analysed {done.analysed} photos"
        return JobResult(words + ".", "/")

    job = lib.jobs.start(f"Scanning {path.name or path}", work)
    return RedirectResponse(f"/jobs?started={job.id}", status_code=303)


@router.post("/analyse", dependencies=[Depends(csrf)])
def analyse_now(lib: Lib) -> Response:
    job = start_analysis(lib)
    return RedirectResponse(f"/jobs?started={job}", status_code=303)
