"""Downloading everything camroll knows, from the consent page: ``camroll export`` as a job, packed
into one zip (:mod:`camroll.report.export_zip`) that the job's result links to."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse, Response

from camroll.config import AppContext
from camroll.web.common import Lib, csrf
from camroll.web.jobs import JobReporter, JobResult

router = APIRouter()


@router.post("/export", dependencies=[Depends(csrf)])
def export_now(lib: Lib) -> Response:
    def work(ctx: AppContext, reporter: JobReporter) -> JobResult:
        from camroll.report.export_zip import export_zip

        def advance(step: str, total: int | None) -> None:
            if step:
                reporter.start(step, total)
            else:
                reporter.advance(total or 1)

        creation_id, _path, result = export_zip(ctx, advance)
        return JobResult(result.summary().split(" to ")[0] + ", in one zip.", f"/creations/{creation_id}")

    job = lib.jobs.start("Exporting everything camroll knows", work)
    return RedirectResponse(f"/jobs?started={job.id}", status_code=303)
