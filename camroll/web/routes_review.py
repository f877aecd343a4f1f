"""The people review on the web: merge suggestions, held faces, faces on no one, "Who is this?"
from a face, and a face the detector missed drawn on the photo page.

Every answer is a plain POST form (CSRF-checked by :func:`camroll.web.common.csrf`) that ends
in a redirect back; ``static/review.js`` only adds keys (y/n, 1/2, j/k) that press those forms'
buttons. The answers go through :mod:`camroll.people.review` and :mod:`camroll.people.add_face`,
the same code as the CLI, under the library's write lock.

This router is included before :mod:`camroll.web.routes_people`, whose ``/people/{person}``
would otherwise take ``/people/review``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from camroll.config import AppContext
from camroll.people import add_face, edit, review
from camroll.privacy import consent
from camroll.store import people as store_people
from camroll.web.common import Ctx, Lib, csrf, int_id, render
from camroll.web.state import Library

router = APIRouter()


def _back(back: str, fallback: str) -> str:
    """Where a form returns: a path on this site only (never another site's address)."""
    if back.startswith("/") and not back.startswith("//") and "\\" not in back and len(back) < 300:
        return back
    return fallback


def _answer(lib: Library, action: Callable[[], Any], target: str) -> Response:
    """Run one answer under the write lock; a refused one comes back as a message on the page
    (on the photo page as ``face_error``: its ``error`` belongs to the edit form)."""
    try:
        with lib.write_lock:
            action()
    except edit.PeopleError as e:
        page, _, part = target.partition("#")
        name = "face_error" if page.startswith("/photo/") else "error"
        sep = "&" if "?" in page else "?"
        anchor = "#faces-here" if name == "face_error" else (f"#{part}" if part else "")
        return RedirectResponse(f"{page}{sep}{name}={quote(str(e)[:300])}{anchor}", status_code=303)
    return RedirectResponse(target, status_code=303)


def _one_face(ctx: AppContext, lib: Library, action: Callable[[], int | None]) -> Callable[[], None]:
    """``action`` (an answer about one face, returning the person it went to, if any), keeping
    the merge suggestions: only that person's pairs go (web/review_suggestions.py)."""

    def run() -> None:
        before = store_people.review_marker(ctx.db)
        person = action()
        lib.review_suggestions.answered_face(ctx, before, () if person is None else (person,))

    return run


@router.get("/people/review")
def review_page(request: Request, ctx: Ctx, lib: Lib) -> Response:
    """The review. Its merge suggestions are the kept ones (computed after the people job, or in
    the background: never here); None while they are being prepared."""
    people_on = bool(consent.active_scopes(ctx, "people"))
    if not people_on:
        lib.review_suggestions.forget()
    return render(
        request,
        "review.html",
        title="Review people",
        nav="people",
        suggestions=lib.review_suggestions.current(ctx) if people_on else [],
        held=review.held(ctx),
        queue=review.queue(ctx),
        counts=review.counts(ctx),
        named=review.named(ctx),
        people_on=people_on,
        error=request.query_params.get("error"),
    )


@router.post("/people/review/same", dependencies=[Depends(csrf)])
def same_person(
    ctx: Ctx, lib: Lib, a: Annotated[str, Form()], b: Annotated[str, Form()], answer: Annotated[str, Form()]
) -> Response:
    """ "Same person?" Yes merges the two; No remembers they are two, for good."""
    first, second = int_id(a), int_id(b)

    def act() -> None:
        if answer not in ("yes", "no"):  # only the two buttons answer; anything else changes nothing
            raise edit.PeopleError("answer Yes or No")
        before = store_people.review_marker(ctx.db)
        review.answer_same(ctx, first, second, answer == "yes")
        lib.review_suggestions.answered_pair(ctx, before, first, second, answer == "yes")

    return _answer(lib, act, "/people/review")


@router.post("/people/review/held/{face}", dependencies=[Depends(csrf)])
def settle_held(face: str, ctx: Ctx, lib: Lib, choice: Annotated[str, Form()]) -> Response:
    face_id = int_id(face)
    return _answer(lib, _one_face(ctx, lib, lambda: review.settle_held(ctx, face_id, choice)), "/people/review#held")


@router.post("/face/{face}/who", dependencies=[Depends(csrf)])
def who_is_this(
    face: str, ctx: Ctx, lib: Lib, who: Annotated[str, Form()], back: Annotated[str, Form()] = ""
) -> Response:
    """ "Who is this?": a named person, or a new person of that name."""
    face_id = int_id(face)
    return _answer(
        lib, _one_face(ctx, lib, lambda: review.who(ctx, face_id, who)), _back(back, "/people/review#unassigned")
    )


@router.post("/face/{face}/dismiss", dependencies=[Depends(csrf)])
def dismiss_face(
    face: str, ctx: Ctx, lib: Lib, back: Annotated[str, Form()] = "", not_a_face: Annotated[str, Form()] = ""
) -> Response:
    face_id = int_id(face)
    return _answer(
        lib,
        _one_face(ctx, lib, lambda: review.dismiss(ctx, face_id, not_a_face=not_a_face == "yes")),
        _back(back, "/people/review#unassigned"),
    )


@router.get("/people/named.json")
def named_people(ctx: Ctx) -> Response:
    """The named people, for the "Who is this?" type-ahead on pages that do not list them."""
    return JSONResponse([p["name"] for p in review.named(ctx)], headers={"Cache-Control": "private, no-store"})


@router.post("/photo/{photo}/add-face", dependencies=[Depends(csrf)])
def draw_face(
    photo: str,
    ctx: Ctx,
    lib: Lib,
    x: Annotated[float, Form()],
    y: Annotated[float, Form()],
    w: Annotated[float, Form()],
    h: Annotated[float, Form()],
    who: Annotated[str, Form()] = "",
) -> Response:
    """A face the detector missed, drawn on the photo: its print is computed from the box (only
    where Faces is granted for the photo), and it joins the person named, if any."""
    photo_id = int_id(photo)
    target = f"/photo/{photo_id}"
    try:
        with lib.write_lock:
            face, _person, _printed = add_face.add_face(ctx, photo_id, (x, y, w, h), name=who or None)
    except edit.PeopleError as e:
        return RedirectResponse(f"{target}?face_error={quote(str(e)[:300])}#faces-here", status_code=303)
    return RedirectResponse(f"{target}#who-{face}", status_code=303)
