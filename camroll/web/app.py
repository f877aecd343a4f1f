"""The web app: ``create_app`` builds it; ``camroll serve`` runs it with uvicorn.

Server-rendered pages (Jinja2) with a little JavaScript for switches and progress bars; every
asset is served from this package, nothing is fetched from anywhere else (the pages' Content
Security Policy says so to the browser too). The Host and Origin names, sessions and CSRF are
checked here, before any page runs; files are reached only through catalog ids.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from camroll.config import Config
from camroll.errors import CamrollError
from camroll.web import (
    routes_albums,
    routes_auth,
    routes_consent,
    routes_edit,
    routes_export,
    routes_jobs,
    routes_library,
    routes_media,
    routes_moments,
    routes_people,
    routes_places,
    routes_report,
    routes_review,
    routes_search,
    routes_share,
    routes_stacks,
    routes_trash,
    routes_upload,
)
from camroll.web.common import render
from camroll.web.security import LOCAL_USER, SESSION_COOKIE, HostPolicy
from camroll.web.sessions import Clock
from camroll.web.state import WebState

OPEN_PATHS = ("/login", "/static/")
"""Reachable without a login (in login mode): the login form and the style sheet it uses."""

CSP = (
    "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; script-src 'self';"
    " connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'"
)


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
"""Methods that change nothing: every other one must come from one of the server's own pages."""

WRONG_HOST = (
    "camroll does not answer to this address. Open it as http://127.0.0.1:{port}/, or start it with "
    "camroll serve --allow-host NAME for each name people type.\n"
)
WRONG_ORIGIN = "camroll refused this request: it was sent by a page that is not camroll's.\n"


def create_app(
    config: Config,
    *,
    login: bool = False,
    scan_roots: tuple[Path, ...] = (),
    bind_host: str | None = None,
    allow_hosts: Iterable[str] = (),
    secure_cookies: bool = False,
    clock: Clock = time.time,
    upload_dir: Path | None = None,
) -> FastAPI:
    """The app for the camroll home ``config.home``. ``login``: ask for a user and password (any
    address other than loopback); each user then has a library of their own under
    ``<home>/users/<name>``. Without it the home's own library is shown to whoever connects.

    ``bind_host`` and ``allow_hosts`` add to the loopback names the server answers to (anything
    else in ``Host`` is refused, in every mode); ``scan_roots`` are the folders the scan form
    accepts; ``secure_cookies`` marks the session cookie ``Secure`` (the server speaks TLS);
    ``clock`` is for tests; ``upload_dir`` turns on the upload page (login mode only: a phone on
    the network sends photos there)."""
    if upload_dir is not None and not login:
        raise ValueError("uploads need login: a phone on the network must say who it is")
    state = WebState(
        config.home,
        login,
        config.workers,
        tuple(p.resolve() for p in scan_roots),
        hosts=HostPolicy.for_server(bind_host, allow_hosts),
        secure_cookies=secure_cookies,
        clock=clock,
        upload_dir=upload_dir.resolve() if upload_dir is not None else None,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        state.close()

    app = FastAPI(title="camroll", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.web = state
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    for module in (
        routes_auth,
        routes_consent,
        routes_library,
        routes_edit,
        routes_export,
        routes_review,  # before routes_people: /people/review is not a person
        routes_people,
        routes_places,
        routes_moments,
        routes_search,
        routes_report,
        routes_share,
        routes_jobs,
        routes_media,
        routes_trash,
        routes_stacks,
        routes_upload,
        routes_albums,
    ):
        app.include_router(module.router)

    @app.middleware("http")
    async def sessions(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        # Before anything else, in every mode: a name this server does not answer to is a page
        # elsewhere that pointed its own name at this computer (DNS rebinding), and a
        # state-changing request from a page that is not camroll's is refused too.
        if not state.hosts.host_ok(request.headers.get("host")):
            server = request.scope.get("server") or ("", 8765)
            return _plain(421, WRONG_HOST.format(port=server[1]))
        if request.method not in SAFE_METHODS and not state.hosts.origin_ok(
            request.headers.get("origin"), request.headers.get("referer")
        ):
            return _plain(403, WRONG_ORIGIN)
        session = state.sessions.load(request.cookies.get(SESSION_COOKIE))
        fresh = session is None
        if session is None:
            session = state.sessions.new()
        if not login:
            session.user = LOCAL_USER
        elif not fresh:
            # Who is logged in is the server's to say: a logged-out, idle or too old session is none.
            user = state.logins.user_of(session.sid)
            session.user = user if user is not None and user in state.users.names() else None
        request.state.session = session
        path = request.url.path
        if login and session.user is None and not path.startswith(OPEN_PATHS):
            if request.method == "GET" and not path.startswith(("/jobs/", "/thumb/", "/view/", "/face/")):
                response: Response = RedirectResponse("/login", status_code=303)
            else:
                response = JSONResponse({"detail": "log in first"}, status_code=401)
        else:
            response = await call_next(request)
        if fresh or request.state.session is not session or getattr(request.state, "session_changed", False):
            response.set_cookie(
                SESSION_COOKIE,
                state.sessions.dump(request.state.session),
                httponly=True,
                samesite="strict",
                max_age=None,
                path="/",
                secure=state.secure_cookies,
            )
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        # Nothing leaves for another site; camroll's own requests keep their origin, since under
        # "no-referrer" a browser sends "Origin: null" with every POST, which the check above refuses.
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error_page(request, exc.status_code, str(exc.detail) if exc.detail else "")

    @app.exception_handler(CamrollError)
    async def camroll_error(request: Request, exc: CamrollError) -> Response:
        # The one web catch of the error model (camroll.errors): its plain words, its status.
        return _error_page(request, exc.http_status, str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        # A malformed id in the path is a page that does not exist, not a form error.
        in_path = any(err.get("loc", ("",))[0] == "path" for err in exc.errors())
        return _error_page(request, 404 if in_path else 400, "" if in_path else "Some of what was sent is not valid.")

    return app


def _plain(status: int, text: str) -> Response:
    """A refusal before any session or page: short plain text a browser shows as it is."""
    response = PlainTextResponse(text, status_code=status)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


def _error_page(request: Request, status: int, detail: str) -> Response:
    words = {403: "Not allowed", 404: "Not found", 400: "Not understood", 401: "Log in first"}
    if request.url.path.startswith("/jobs/") or "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"detail": detail or words.get(status, "Error")}, status_code=status)
    if not hasattr(request.state, "session"):
        return HTMLResponse(f"<h1>{words.get(status, 'Error')}</h1>", status_code=status)
    return render(
        request,
        "error.html",
        status_code=status,
        title=words.get(status, "Error"),
        detail=detail or "There is nothing here.",
    )
