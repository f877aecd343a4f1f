"""Logging in and out (only asked with ``--allow-remote``).

A login is checked after the brake (:class:`camroll.web.sessions.LoginThrottle`): a name or an
address that failed too often is told to wait (429 with ``Retry-After``) and its password is not
even checked. A right one gets a new session id recorded on the server; logging out deletes it.
"""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from camroll.privacy import audit
from camroll.web.common import csrf, render, session_of, state_of

router = APIRouter()


@router.get("/login")
def login_form(request: Request) -> Response:
    if not state_of(request).login or session_of(request).user is not None:
        return RedirectResponse("/", status_code=303)
    return render(request, "login.html", title="Log in", error=None)


@router.post("/login", dependencies=[Depends(csrf)])
def login(request: Request, name: Annotated[str, Form()], password: Annotated[str, Form()]) -> Response:
    state = state_of(request)
    if not state.login:
        return RedirectResponse("/", status_code=303)
    name = name.strip().lower()[:64]
    client = request.client.host if request.client else "unknown"
    wait = state.throttle.begin(name, client)
    if wait > 0:
        seconds = math.ceil(wait)
        refused = render(
            request,
            "login.html",
            status_code=429,
            title="Log in",
            error=f"Too many failed logins. Try again in {seconds} seconds.",
        )
        refused.headers["Retry-After"] = str(seconds)
        return refused
    if not state.users.authenticate(name, password):
        return render(
            request, "login.html", status_code=401, title="Log in", error="That name and password do not match."
        )
    state.throttle.succeeded(name, client)
    # A new session id at login: a session id seen before login (fixation) is worth nothing after.
    request.state.session = state.sessions.new(name)
    state.logins.start(request.state.session.sid, name)
    lib = state.library(name)
    with lib.context() as ctx, lib.write_lock:
        audit.record(ctx, "web.login", user=name, client=client)
    return RedirectResponse("/", status_code=303)


@router.post("/logout", dependencies=[Depends(csrf)])
def logout(request: Request) -> Response:
    state = state_of(request)
    state.logins.end(session_of(request).sid)  # on the server: a copy of the old cookie is now no one's
    request.state.session = state.sessions.new()
    return RedirectResponse("/login" if state_of(request).login else "/", status_code=303)
