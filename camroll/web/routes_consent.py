"""The consent page: each capability in plain words, a switch each, off by default.

Everything shown comes from the registry (``camroll/capabilities.py``) and the ledger: adding a
capability adds a switch here. Turning one off first says what will be deleted (counted now, for
the capability and everything that depends on it, by the purge itself rolled back), lists by
path the files camroll made in folders the person chose (kept unless they tick the box), asks to
confirm, then deletes through :func:`camroll.privacy.consent.revoke`, the very code
``camroll consent revoke`` runs.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from camroll import capabilities
from camroll.capabilities import Capability
from camroll.config import POLICY_VERSION, AppContext
from camroll.library.places import update_places
from camroll.privacy import consent, purge
from camroll.store import photos as store_photos
from camroll.store import scan_roots
from camroll.web.common import Ctx, Lib, csrf, not_found, render
from camroll.web.routes_jobs import start_analysis

router = APIRouter()


def _where(scope: str) -> str:
    return "all your photos" if scope == consent.EVERYTHING else "photos in " + scope.removeprefix("path:")


def capability_rows(ctx: AppContext) -> list[dict[str, Any]]:
    """Each capability with its state, as the page (and a test) reads it."""
    rows = []
    on = {c.id: bool(consent.active_scopes(ctx, c.id)) for c in capabilities.REGISTRY}
    for cap in capabilities.REGISTRY:
        history = consent.events(ctx, cap.id)
        grants = [e for e in history if e.action == "grant"]
        rows.append(
            {
                "cap": cap,
                "on": on[cap.id],
                "scopes": [_where(s) for s in consent.active_scopes(ctx, cap.id)],
                "folder_scopes": [
                    s.removeprefix("path:") for s in consent.active_scopes(ctx, cap.id) if s != consent.EVERYTHING
                ],
                "except": [s.removeprefix("path:") for s in consent.revoked_within(ctx, cap.id)],
                "needs": [capabilities.get(d).title for d in cap.depends_on if not on[d]],
                "needed_by": [c.title for c in capabilities.dependents(cap.id)],
                "granted_under": grants[-1].policy_version if grants and on[cap.id] else None,
                "since": grants[-1].at[:10] if grants and on[cap.id] else None,
            }
        )
    return rows


def library_folders(ctx: AppContext) -> list[str]:
    """The folders a consent can be limited to: the library's catalogued folders."""
    return scan_roots.catalogued_roots(ctx.db)


def _scope_of(ctx: AppContext, folder: str) -> str:
    """The ledger scope for a folder chosen on the page: one of the library's folders, else
    everything ("" means everything). A folder not in the library is refused: a request names no
    path camroll has not been shown."""
    if not folder:
        return consent.EVERYTHING
    if folder not in library_folders(ctx):
        raise not_found("That folder is not in your library.")
    return consent.path_scope(folder)


def deletion_preview(
    ctx: AppContext, cap: Capability, scope: str = consent.EVERYTHING
) -> tuple[list[dict[str, Any]], list[str]]:
    """What revoking ``cap`` everywhere would delete, per capability (dependents first), counted
    by the very purge a revoke runs (rolled back: :func:`camroll.privacy.purge.preview`); and the
    files camroll made in folders the person chose, which go only if they tick the box."""
    out = []
    victims = [*capabilities.dependents(cap.id), cap]
    reports = purge.preview(ctx, victims, scope)
    for victim, report in zip(victims, reports, strict=True):
        items: list[str] = []
        tables = {t.name for t in victim.tables}
        for what, n in report.rows.items():
            if not n or what == "analysis_state":
                continue
            if what in tables:
                items.append(f"{n:,} {what.replace('_', ' ')} row{'s' if n != 1 else ''}")
            elif what == "creations":
                items.append(f"{n:,} creation{'s' if n != 1 else ''} made with it")
            elif what == purge.KEY_DESTROYED:
                items.append(f"the {victim.key} encryption key (what it sealed can never be opened again)")
            else:
                items.append(f"{n:,} {what}")
        if report.files:
            items.append(
                f"{report.files:,} file{'s' if report.files != 1 else ''} camroll keeps (thumbnails, face "
                "crops, creations in its own folder)"
            )
        out.append({"cap": victim, "items": items or ["nothing is stored yet"]})
    return out, [p for r in reports for p in r.my_files_kept]


@router.get("/consent")
def consent_page(request: Request, ctx: Ctx) -> Response:
    events = list(reversed(consent.events(ctx)))[:30]
    return render(
        request,
        "consent.html",
        title="Consent",
        nav="consent",
        rows=capability_rows(ctx),
        folders=library_folders(ctx),
        events=events,
        policy=POLICY_VERSION,
        done=request.query_params.get("done"),
    )


def _cap(cap_id: str) -> Capability:
    try:
        return capabilities.get(cap_id)
    except KeyError:
        raise not_found("There is no such capability.") from None


@router.post("/consent/{cap_id}/on", dependencies=[Depends(csrf)])
def grant(request: Request, cap_id: str, ctx: Ctx, lib: Lib, folder: Annotated[str, Form()] = "") -> Response:
    """Turn a capability on for everything, or (``folder``) for one folder of the library."""
    cap = _cap(cap_id)
    scope = _scope_of(ctx, folder)
    missing = [capabilities.get(d) for d in cap.depends_on if not consent.active_scopes(ctx, d)]
    if missing:
        return render(
            request,
            "message.html",
            status_code=409,
            title=cap.title,
            nav="consent",
            message=f"{cap.title} needs {', '.join(m.title for m in missing)}: turn that on first.",
            back="/consent",
        )
    with lib.write_lock:
        consent.grant(ctx, cap.id, scope)
        update_places(ctx)
    job = start_analysis(lib) if (cap.analyser or cap.job) and store_photos.any_catalogued(ctx.db) else None
    return RedirectResponse(f"/consent?done={cap.id}" + (f"&job={job}" if job else ""), status_code=303)


@router.post("/consent/{cap_id}/off", dependencies=[Depends(csrf)])
def confirm_revoke(request: Request, cap_id: str, ctx: Ctx, lib: Lib, folder: Annotated[str, Form()] = "") -> Response:
    """Say what turning it off (everywhere, or for one ``folder``) deletes, and ask (and whether to
    delete the person's own files)."""
    cap = _cap(cap_id)
    scope = _scope_of(ctx, folder)
    with lib.write_lock:  # the count is a purge rolled back: it takes the writer's turn
        preview, my_files = deletion_preview(ctx, cap, scope)
    return render(
        request,
        "consent_revoke.html",
        title=f"Turn off {cap.title}?",
        nav="consent",
        cap=cap,
        preview=preview,
        my_files=my_files,
        folder=folder,
    )


@router.post("/consent/{cap_id}/revoke", dependencies=[Depends(csrf)])
def revoke(
    request: Request,
    cap_id: str,
    ctx: Ctx,
    lib: Lib,
    confirm: Annotated[str, Form()] = "",
    include_my_files: Annotated[str, Form()] = "",
    folder: Annotated[str, Form()] = "",
) -> Response:
    cap = _cap(cap_id)
    scope = _scope_of(ctx, folder)
    if confirm != "yes":
        return RedirectResponse("/consent", status_code=303)
    with lib.write_lock:
        reports = consent.revoke(ctx, cap.id, scope, note="web", include_my_files=include_my_files == "yes")
    done = [{"title": capabilities.get(r.capability).title, "deleted": r.describe(), "total": r.total} for r in reports]
    return render(
        request,
        "consent_revoked.html",
        title=f"{cap.title} is off" + (f" for {folder}" if folder else ""),
        nav="consent",
        cap=cap,
        reports=done,
        kept=[p for r in reports for p in r.my_files_kept],
        deleted_mine=[p for r in reports for p in r.my_files_deleted],
    )
