"""What every page shares: the current user's library and context, CSRF, rendering, 404s."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from camroll import thresholds
from camroll.config import POLICY_VERSION, AppContext
from camroll.store.scan_roots import catalogued_roots
from camroll.web.security import CSRF_FIELD, CSRF_HEADER, Session, folder_under_roots
from camroll.web.state import Library, WebState

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def state_of(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


def session_of(request: Request) -> Session:
    session: Session = request.state.session
    return session


def library(request: Request) -> Library:
    """The logged-in user's library (404, not 401: the middleware already sent strangers to login)."""
    user = session_of(request).user
    if user is None:
        raise HTTPException(status_code=404)
    return state_of(request).library(user)


def context(lib: Annotated[Library, Depends(library)]) -> Iterator[AppContext]:
    with lib.context() as ctx:
        yield ctx


async def csrf(request: Request) -> None:
    """Every state-changing request carries the session's CSRF token (form field or header)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    token = request.headers.get(CSRF_HEADER)
    if token is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        token = value if isinstance(value, str) else None
    if not state_of(request).sessions.csrf_ok(session_of(request), token):
        raise HTTPException(
            status_code=403, detail="This form has expired or did not come from camroll. Reload the page and try again."
        )


def allowed_scan_folder(request: Request, folder: str) -> Path | None:
    """The folder the scan form may catalog (its real path), or None. Only folders at or below a
    scan root the person configured, in every mode: ``--scan-root`` folders and, for the local
    library (no login), the folders ``camroll scan`` already started from. Anything else is
    refused: a request (even one forged from another site) must not make camroll catalog, and
    then show, the server's own files."""
    state = state_of(request)
    roots: list[str | Path] = list(state.scan_roots)
    user = session_of(request).user
    if not state.login and user is not None:
        with state.library(user).context() as ctx:
            roots += catalogued_roots(ctx.db)
    return folder_under_roots(folder, roots)


def scan_refused(request: Request) -> str:
    """What the scan form says when :func:`allowed_scan_folder` refuses, in plain words."""
    where = "a folder the server was started with (camroll serve --scan-root DIR)"
    if not state_of(request).login:
        where = "a folder scanned before with camroll scan, or " + where
    return f"Give the full path of a folder that exists and is inside {where}."


def not_found(what: str = "This page does not exist.") -> HTTPException:
    return HTTPException(status_code=404, detail=what)


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    state, session = state_of(request), session_of(request)
    jobs: list[dict[str, Any]] = []
    if session.user is not None:
        jobs = [j.as_json() for j in state.library(session.user).jobs.running()]
    base = {
        "user": session.user,
        "login": state.login,
        "csrf_token": state.sessions.csrf_token(session),
        "policy_version": POLICY_VERSION,
        "running_jobs": jobs,
        "poll_ms": thresholds.WEB_JOB_POLL_MS,
        "q": request.query_params.get("q", ""),
        "uploads": state.upload_dir is not None,
    }
    return TEMPLATES.TemplateResponse(request, template, {**base, **values}, status_code=status_code)


def int_id(text: str) -> int:
    """A catalog id from the URL: digits only, else 404 (no other text is ever looked up)."""
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise not_found()
    return int(text)


Ctx = Annotated[AppContext, Depends(context)]
"""A route parameter: the current user's context for this request."""

Lib = Annotated[Library, Depends(library)]
"""A route parameter: the current user's library (jobs, write lock)."""
