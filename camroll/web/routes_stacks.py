"""Stacks in the web (issue 14): the review page, a stack's own page, and the three decisions.

``/stacks`` lists the stacks not yet decided (RAW+JPEG pairs, bursts, near duplicates; see
``library/stacks.py``), each with its members and why they are stacked, and three buttons: keep
the best (the others go to the trash, restorable for TRASH_KEEP_DAYS days), keep all
(remembered, not offered again), keep the ticked ones (the rest go to the trash).
``/stacks/<id>`` is one stack, where the timeline's stacked item leads. Each form names the
photos it showed (``seen``): a photo that joined the stack since is never trashed unseen.

Stacks are computed, not stored; the computation is memoised per library while its database is
unchanged (``Library.memo``), so the timeline and these pages share one pass over the library.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from camroll import thresholds
from camroll.config import AppContext
from camroll.library import stacks
from camroll.library.stacks import Stack
from camroll.web.common import Ctx, Lib, csrf, int_id, not_found, render
from camroll.web.state import Library

router = APIRouter()


def all_stacks(ctx: AppContext, lib: Library) -> list[Stack]:
    """Every stack, computed once per change of the library's database."""
    return lib.memo("stacks", lambda: stacks.find_stacks(ctx))


def timeline_view(ctx: AppContext, lib: Library) -> stacks.TimelineView:
    """What the timeline hides and badges (see routes_library.timeline)."""
    return lib.memo("stacks.timeline", lambda: stacks.timeline_view(all_stacks(ctx, lib)))


@router.get("/stacks")
def review_page(request: Request, ctx: Ctx, lib: Lib) -> Response:
    found = all_stacks(ctx, lib)
    todo = stacks.offered(found)
    page_text = request.query_params.get("page", "1")
    page = int(page_text) if page_text.isdigit() and 0 < len(page_text) < 7 else 1
    size = thresholds.STACKS_PAGE
    q = request.query_params
    return render(
        request,
        "stacks.html",
        title="Stacks",
        nav="library",
        stacks=todo[(page - 1) * size : page * size],
        total=len(found),
        todo=len(todo),
        kept_whole=len(found) - len(todo),
        page=page,
        more=len(todo) > page * size,
        keep_days=thresholds.TRASH_KEEP_DAYS,
        trashed=q.get("trashed", ""),
        kept=q.get("kept", ""),
        refused=q.get("refused", ""),
    )


@router.get("/stacks/{stack}")
def stack_page(request: Request, stack: str, ctx: Ctx, lib: Lib) -> Response:
    found = stacks.stack_of(all_stacks(ctx, lib), int_id(stack))
    if found is None:
        raise not_found("There is no such stack any more: its photos may have been deleted or changed.")
    return render(
        request,
        "stack.html",
        title=f"Stack of {len(found.members)}",
        nav="library",
        stack=found,
        keep_days=thresholds.TRASH_KEEP_DAYS,
    )


@router.post("/stacks/{stack}/resolve", dependencies=[Depends(csrf)])
def resolve(
    stack: str,
    ctx: Ctx,
    lib: Lib,
    action: Annotated[str, Form()],
    seen: Annotated[list[int], Form()],
    keep: Annotated[list[int] | None, Form()] = None,
) -> Response:
    """``action``: ``best`` (keep the top), ``all`` (keep every photo shown), ``picked`` (keep the
    ticked ``keep`` photos). Only photos in ``seen`` are kept or trashed."""
    with lib.write_lock:
        found = stacks.stack_of(all_stacks(ctx, lib), int_id(stack))
        if found is None:
            raise not_found("There is no such stack any more: its photos may have been deleted or changed.")
        shown = set(seen)
        members = [m.id for m in found.members if m.id in shown]
        if action == "best":
            chosen = members[:1]
        elif action == "all":
            chosen = members
        elif action == "picked":
            chosen = [i for i in members if i in set(keep or ())]
        else:
            raise not_found()
        if not chosen:
            return RedirectResponse("/stacks?refused=" + quote("tick at least one photo to keep"), status_code=303)
        done = stacks.resolve(ctx, found, chosen, seen=shown)
    why = "; ".join(f"{what}: {reason}" for what, reason in done.refused)
    target = f"/stacks?trashed={len(done.trashed)}&kept={len(done.kept)}"
    return RedirectResponse(target + (f"&refused={quote(why)}" if why else ""), status_code=303)
