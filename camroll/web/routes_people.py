"""People: faces grouped by person; name, merge, split, remove a face, ignore, set a birthday.

Every edit goes through :mod:`camroll.people.edit` (the same code as ``camroll people ...``), so
it is the user's and wins over later automatic runs. Face crops rest sealed under the biometric
key; :func:`camroll.people.edit.face_crop` opens one for the page and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from camroll import thresholds
from camroll.config import AppContext
from camroll.people import edit, review
from camroll.privacy import consent
from camroll.store import people as store_people
from camroll.web.common import Ctx, Lib, csrf, int_id, not_found, render
from camroll.web.state import Library

router = APIRouter()


def _people(ctx: AppContext, include_ignored: bool = False) -> list[dict[str, Any]]:
    return edit.listing(ctx, include_ignored=include_ignored)


@router.get("/people")
def people_page(request: Request, ctx: Ctx) -> Response:
    show_all = request.query_params.get("all") == "1"
    # Most photographed first (the people a person knows best), then by name.
    people = sorted(
        _people(ctx, include_ignored=show_all), key=lambda p: (-p["photo_count"], p["name"] is None, p["id"])
    )
    return render(
        request,
        "people.html",
        title="People",
        nav="people",
        people=people,
        show_all=show_all,
        waiting=edit.waiting(ctx),
        review=review.counts(ctx),
        faces_on=bool(consent.active_scopes(ctx, "faces")),
        people_on=bool(consent.active_scopes(ctx, "people")),
    )


@router.get("/people/{person}")
def person_page(request: Request, person: str, ctx: Ctx) -> Response:
    person_id = int_id(person)
    found = next((p for p in _people(ctx, include_ignored=True) if p["id"] == person_id), None)
    if found is None:
        raise not_found("There is no such person (they may have been merged or deleted).")
    # The people who look most like this one, with their faces (not every person in a list).
    others = review.nearest(ctx, person_id, thresholds.PEOPLE_MERGE_CHOICES)
    for f in found["faces"]:  # how sure the people job was, in words (no percentage)
        f["sure"] = review.certainty_words(f["confidence"], f["assigned_by"], found["name"])
    return render(
        request,
        "person.html",
        title=found["name"] or "Someone unnamed",
        nav="people",
        person=found,
        others=others,
        error=request.query_params.get("error"),
    )


@router.get("/face/{face}")
def face_image(face: str, ctx: Ctx) -> Response:
    data = edit.face_crop(ctx, int_id(face.removesuffix(".jpg")))
    if data is None:
        raise not_found()
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})


def _edit(
    person_id: int,
    action: Callable[[], Any],
    lib: Library,
    ctx: AppContext,
    goto: str | Callable[[Any], str] | None = None,
) -> Response:
    """Run one edit under the library's write lock; a refused edit comes back as a message."""
    try:
        with lib.write_lock:
            result = action()
    except edit.PeopleError as e:
        return RedirectResponse(f"/people/{person_id}?error={_quote(str(e))}", status_code=303)
    target = goto(result) if callable(goto) else (goto or f"/people/{person_id}")
    return RedirectResponse(target, status_code=303)


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text[:300])


@router.post("/people/{person}/name", dependencies=[Depends(csrf)])
def name_person(person: str, name: Annotated[str, Form()], ctx: Ctx, lib: Lib) -> Response:
    pid = int_id(person)
    return _edit(pid, lambda: edit.name(ctx, pid, name), lib, ctx)


@router.post("/people/{person}/birthday", dependencies=[Depends(csrf)])
def birthday(person: str, ctx: Ctx, lib: Lib, birthday: Annotated[str, Form()] = "") -> Response:
    pid = int_id(person)
    return _edit(pid, lambda: edit.set_birthday(ctx, pid, birthday.strip() or None), lib, ctx)


@router.post("/people/{person}/ignore", dependencies=[Depends(csrf)])
def ignore(person: str, ctx: Ctx, lib: Lib, ignored: Annotated[str, Form()] = "yes") -> Response:
    pid = int_id(person)
    return _edit(pid, lambda: edit.ignore(ctx, pid, ignored == "yes"), lib, ctx, "/people")


@router.post("/people/{person}/merge", dependencies=[Depends(csrf)])
def merge(person: str, others: Annotated[list[str], Form()], ctx: Ctx, lib: Lib) -> Response:
    pid = int_id(person)
    ids = [int_id(o) for o in others]
    return _edit(pid, lambda: edit.merge(ctx, pid, ids), lib, ctx)


@router.post("/people/{person}/split", dependencies=[Depends(csrf)])
def split(person: str, faces: Annotated[list[str], Form()], ctx: Ctx, lib: Lib) -> Response:
    pid = int_id(person)
    ids = [int_id(f) for f in faces]
    return _edit(pid, lambda: edit.split(ctx, pid, ids), lib, ctx, lambda new: f"/people/{new}")


@router.post("/people/{person}/remove", dependencies=[Depends(csrf)])
def remove_faces(person: str, faces: Annotated[list[str], Form()], ctx: Ctx, lib: Lib) -> Response:
    """ "These are not them": each face leaves this person for good."""
    pid = int_id(person)
    ids = [int_id(f) for f in faces]

    def act() -> None:
        for face_id in ids:
            if store_people.face_owner(ctx.db, face_id)[1] != pid:
                raise edit.PeopleError(f"face {face_id} is not a face of this person")
            edit.remove_face(ctx, face_id)

    return _edit(pid, act, lib, ctx)
