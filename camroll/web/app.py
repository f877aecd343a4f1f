"""The web app: ``create_app`` builds it; ``camroll serve`` runs it with uvicorn.

Server-rendered pages (Jinja2) with a little JavaScript for switches and progress bars; every
asset is served from this package, nothing is fetched from anywhere else (the pages' Content
Security Policy says so to the browser too). Sessions and CSRF are checked here, before any
page runs; files are reached only through catalog ids.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from camroll.config import Config
from camroll.errors import CamrollError
from camroll.web import (
    routes_auth,
    routes_consent,
    routes_jobs,
    routes_library,
    routes_moments,
    routes_people,
    routes_places,
    routes_report,
    routes_search,
)
from camroll.web.common import render
from camroll.web.security import LOCAL_USER, SESSION_COOKIE
from camroll.web.state import WebState

OPEN_PATHS = ("/login", "/static/")
"""Reachable without a login (in login mode): the login form and the style sheet it uses."""

CSP = ("default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; script-src 'self';"
       " connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'")  # fmt: skip


def create_app(config: Config, *, login: bool = False, scan_roots: tuple[Path, ...] = ()) -> FastAPI:
    """The app for the camroll home ``config.home``. ``login``: ask for a user and password (any
    address other than loopback); each user then has a library of their own under
    ``<home>/users/<name>``. Without it the home's own library is shown to whoever connects."""
    state = WebState(config.home, login, config.workers, tuple(p.resolve() for p in scan_roots))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        state.close()

    app = FastAPI(title="camroll", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.web = state
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    for module in (routes_auth, routes_consent, routes_library, routes_people, routes_places, routes_moments,
                   routes_search, routes_report, routes_jobs):  # fmt: skip
        app.include_router(module.router)

    @app.middleware("http")
    async def sessions(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        session = state.sessions.load(request.cookies.get(SESSION_COOKIE))
        fresh = session is None
        if session is None:
            session = state.sessions.new()
        if not login:
            session.user = LOCAL_USER
        elif session.user is not None and session.user not in state.users.names():
            session.user = None  # a user removed from users.json is logged out
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
            response.set_cookie(SESSION_COOKIE, state.sessions.dump(request.state.session), httponly=True,
                                samesite="strict", max_age=None, path="/")  # fmt: skip
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
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


def _error_page(request: Request, status: int, detail: str) -> Response:
    words = {403: "Not allowed", 404: "Not found", 400: "Not understood", 401: "Log in first"}
    if request.url.path.startswith("/jobs/") or "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"detail": detail or words.get(status, "Error")}, status_code=status)
    if not hasattr(request.state, "session"):
        return HTMLResponse(f"<h1>{words.get(status, 'Error')}</h1>", status_code=status)
    return render(request, "error.html", status_code=status, title=words.get(status, "Error"),
                  detail=detail or "There is nothing here.")  # fmt: skip
