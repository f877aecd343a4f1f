"""Starting long work from a page (scan a folder, analyse), following its progress, cancelling it.

Scan -> places -> analyse is the same function the CLI runs
(:func:`camroll.analysis.workflow.scan_and_analyse`); this module only starts it as a job and
renders what it returns.

The scan form is the one place a path comes from a request, on purpose: it is the person
pointing camroll at a folder (their consent to catalog it). Only folders below a scan root the
person configured are accepted, in every mode (``camroll.web.common.allowed_scan_folder``), so
nobody can catalog the server's own files from a browser.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from camroll.config import AppContext
from camroll.web.common import Lib, allowed_scan_folder, csrf, int_id, not_found, render, scan_refused
from camroll.web.jobs import JobReporter, JobResult
from camroll.web.state import Library

router = APIRouter()


@router.get("/jobs")
def jobs_page(request: Request, lib: Lib) -> Response:
    return render(
        request, "jobs.html", title="Work in progress", nav="jobs", jobs=[j.as_json() for j in lib.jobs.listing()]
    )


@router.get("/jobs/{job}")
def job_status(job: str, lib: Lib) -> Response:
    found = lib.jobs.get(int_id(job))
    if found is None:
        raise not_found("There is no such job.")
    return JSONResponse(found.as_json(), headers={"Cache-Control": "no-store"})


@router.post("/jobs/{job}/cancel", dependencies=[Depends(csrf)])
def cancel_job(job: str, lib: Lib) -> Response:
    """Ask a job to stop (this server's or a terminal's): it stops after the photo it is on."""
    job_id = int_id(job)
    if lib.jobs.get(job_id) is None:
        raise not_found("There is no such job.")
    lib.jobs.cancel(job_id)
    return RedirectResponse(f"/jobs?cancelled={job_id}", status_code=303)


def allowed_folder(request: Request, folder: str) -> Path | None:
    """The folder to scan (its real path), if it exists and this user may scan it."""
    return allowed_scan_folder(request, folder)


@router.post("/scan", dependencies=[Depends(csrf)])
def scan_folder(request: Request, folder: Annotated[str, Form()], lib: Lib) -> Response:
    path = allowed_folder(request, folder)
    if path is None:
        return render(
            request,
            "message.html",
            status_code=400,
            title="Cannot scan that",
            nav="library",
            back="/",
            message=scan_refused(request),
        )

    def work(ctx: AppContext, reporter: JobReporter) -> JobResult:
        from camroll.analysis.workflow import scan_and_analyse

        return JobResult(scan_and_analyse(ctx, [path], reporter, ctx.config.workers).sentence(), "/")

    from camroll.analysis.workflow import scan_title

    job = lib.jobs.start(scan_title([path]), work, kind="scan", exclusive=True)
    return RedirectResponse(f"/jobs?started={job.id}", status_code=303)


@router.post("/analyse", dependencies=[Depends(csrf)])
def analyse_now(lib: Lib) -> Response:
    job = start_analysis(lib)
    return RedirectResponse(f"/jobs?started={job}", status_code=303)


def start_analysis(lib: Library) -> int:
    """Run what was granted in the background, as a job of the library, titled with what it does
    (``Analysing 120 photos: faces, tags``) once planned; models load in the job, not the page.

    An analysis already waiting its turn is the one queue: it plans what to do only when it
    starts, from the consents of that moment, so turning on three capabilities in a row queues
    one analysis that does all three, not three that each plan again."""
    waiting = next((j for j in lib.jobs.running() if j.kind == "analyse" and j.state == "queued"), None)
    if waiting is not None:
        return waiting.id

    def work(ctx: AppContext, reporter: JobReporter) -> JobResult:
        from camroll.analysis.workflow import analyse_granted

        summary = analyse_granted(ctx, reporter, ctx.config.workers, reporter.job.retitle)
        if summary is None:
            return JobResult("Nothing to analyse: no analysis is granted.", "/consent")
        jobs = "; ".join(summary.jobs.values())
        return JobResult(
            f"Analysed {summary.analysed} photos in {summary.seconds:.0f} s"
            + (f" ({len(summary.failures)} failed)" if summary.failures else "")
            + (f". {jobs}" if jobs else "."),
            "/",
        )

    return lib.jobs.start("Analysing photos", work, kind="analyse", exclusive=True).id
