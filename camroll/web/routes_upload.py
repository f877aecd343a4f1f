"""The upload page: photos and videos sent from a phone's browser (``serve --upload-dir``, issue 13).

The page (``/upload/``, installable to a phone's home screen: ``/static/upload.webmanifest`` and a
service worker that caches the page and its script, never a photo) hashes each picked file,
asks ``POST /upload/check`` which ones camroll already has, and sends the others in chunks with
``PUT /upload/<sha256>/<size>?offset=N``. A chunk for any other offset than what has arrived is
answered 409 with the right offset, so a resent chunk is never written twice and a cut
connection resumes where the bytes stopped (:mod:`camroll.library.uploads` keeps the state in
the partial file itself). The last chunk's answer comes after the file was checked against its
hash, fsynced and linked into ``YYYY/MM/``; the library's one queue then catalogs it (and
analyses what is granted on the upload folder) in a job.

Login is required (the app refuses ``upload_dir`` without it); the Host, Origin and CSRF checks of
every state-changing request apply (the page sends the CSRF token in a header).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from camroll import thresholds
from camroll.config import AppContext
from camroll.library.uploads import Announced, UploadFolder, UploadRefused, WrongOffset, month_of, safe_name
from camroll.privacy import audit
from camroll.store import uploads as store_uploads
from camroll.web.common import Ctx, Lib, csrf, not_found, render, session_of, state_of
from camroll.web.jobs import JobReporter, JobResult
from camroll.web.state import Library

router = APIRouter()

STATIC = Path(__file__).parent / "static"

CATALOGUE_TITLE = "Cataloguing photos from your phone"


def _folder(request: Request) -> UploadFolder:
    user = session_of(request).user
    root = state_of(request).upload_root(user) if user is not None else None
    if root is None:
        raise not_found("Uploads are off: start the server with camroll serve --allow-remote --upload-dir DIR.")
    return UploadFolder(root)


def _refused(e: UploadRefused) -> JSONResponse:
    body: dict[str, Any] = {"detail": str(e)}
    if isinstance(e, WrongOffset):
        body["offset"] = e.offset
    return JSONResponse(body, status_code=e.status)


@router.get("/upload")
def upload_bare() -> Response:
    return RedirectResponse("/upload/", status_code=308)


@router.get("/upload/")
def upload_page(request: Request) -> Response:
    folder = _folder(request)
    return render(
        request,
        "upload.html",
        title="Upload from this phone",
        nav="upload",
        folder=str(folder.root),
        chunk=thresholds.UPLOAD_CHUNK_MAX_BYTES // 4,
        max_bytes=thresholds.UPLOAD_MAX_FILE_BYTES,
    )


@router.get("/upload/sw.js")
def service_worker(request: Request) -> Response:
    """Served from ``/upload/`` so that its scope is the upload page and nothing else."""
    _folder(request)
    return FileResponse(STATIC / "upload-sw.js", media_type="text/javascript", headers={"Cache-Control": "no-cache"})


@router.post("/upload/check", dependencies=[Depends(csrf)])
async def check(request: Request, ctx: Ctx) -> Response:
    """Which of these files camroll has (skip them), how much of each has arrived (resume there),
    and which it refuses (with why)."""
    folder = _folder(request)
    try:
        asked = json.loads(await _body(request, 1 << 20))
        files = asked["files"]
        if not isinstance(files, list) or len(files) > thresholds.UPLOAD_CHECK_MAX_FILES:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        return JSONResponse({"detail": "send {files: [{sha256, size, name}]}"}, status_code=400)
    announced: dict[str, Announced] = {}
    refused: dict[str, str] = {}
    for item in files:
        try:
            if not isinstance(item, dict):
                raise UploadRefused("not a file")
            file = Announced.of(str(item.get("sha256", "")), int(item.get("size", 0)))
            safe_name(str(item.get("name", "")))
            announced[file.sha256] = file
        except (UploadRefused, ValueError, TypeError) as e:
            refused[str(item.get("sha256", "?"))[:64] if isinstance(item, dict) else "?"] = str(e)
    have = await run_in_threadpool(store_uploads.already_here, ctx.db, list(announced))
    offsets = {sha: folder.offset(f) for sha, f in announced.items() if sha not in have}
    return JSONResponse({"have": sorted(have), "offsets": offsets, "refused": refused})


@router.get("/upload/{sha256}/{size}")
def offset_of(request: Request, sha256: str, size: int) -> Response:
    try:
        return JSONResponse({"offset": _folder(request).offset(Announced.of(sha256, size))})
    except UploadRefused as e:
        return _refused(e)


@router.put("/upload/{sha256}/{size}", dependencies=[Depends(csrf)])
async def put_chunk(
    request: Request,
    sha256: str,
    size: int,
    ctx: Ctx,
    lib: Lib,
    offset: int,
    name: str = "",
    modified: int | None = None,
    taken: str | None = None,
) -> Response:
    """Bytes ``offset ..`` of a file; when they complete it, the file is checked and lands."""
    folder = _folder(request)
    try:
        file = Announced.of(sha256, size)
        safe_name(name)
        if offset < 0:
            raise WrongOffset(folder.offset(file))
    except UploadRefused as e:
        return _refused(e)
    cut = False
    try:
        data = await _body(request, thresholds.UPLOAD_CHUNK_MAX_BYTES)
    except ClientDisconnect as e:  # what arrived before the cut is kept; the phone asks where to go on
        data, cut = e.args[0] if e.args and isinstance(e.args[0], bytes) else b"", True
    except _TooBig:
        return JSONResponse({"detail": "a chunk may carry at most 8 MiB"}, status_code=413)
    try:
        arrived = await run_in_threadpool(folder.append, file, offset, [data])
    except UploadRefused as e:
        return _refused(e)
    if cut or arrived < file.size:
        return JSONResponse({"offset": arrived, "done": False})
    try:
        landed = await run_in_threadpool(
            folder.finish, file, name, month_of(modified, state_of(request).clock(), taken)
        )
    except UploadRefused as e:
        return _refused(e)
    with lib.write_lock:
        store_uploads.record(ctx.db, landed.sha256, landed.size, str(landed.path))
        audit.record(ctx, "upload", files=1, bytes=landed.size)
    catalogue(lib, folder.root)
    return JSONResponse({"offset": arrived, "done": True, "path": landed.relative}, status_code=201)


class _TooBig(Exception):
    pass


async def _body(request: Request, limit: int) -> bytes:
    """The request's body, refused past ``limit`` bytes (without reading the rest); on a cut
    connection, ``ClientDisconnect`` carries what arrived."""
    parts: list[bytes] = []
    size = 0
    try:
        async for piece in request.stream():
            size += len(piece)
            if size > limit:
                raise _TooBig
            parts.append(piece)
    except ClientDisconnect:
        raise ClientDisconnect(b"".join(parts)) from None
    return b"".join(parts)


def catalogue(lib: Library, root: Path) -> int:
    """Catalog the upload folder (and analyse what is granted there) as a job of the library's
    one queue. A cataloguing job still waiting its turn will see this file too: no second one."""
    waiting = next((j for j in lib.jobs.running() if j.title == CATALOGUE_TITLE and j.state == "queued"), None)
    if waiting is not None:
        return waiting.id

    def work(ctx: AppContext, reporter: JobReporter) -> JobResult:
        from camroll.analysis.workflow import scan_and_analyse

        result = scan_and_analyse(ctx, [root], reporter)
        left = store_uploads.settle(ctx.db)
        return JobResult(result.sentence() + (f" {left} uploaded files are not catalogued." if left else ""), "/")

    return lib.jobs.start(CATALOGUE_TITLE, work, kind="scan", exclusive=True).id
