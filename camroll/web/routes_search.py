"""The search box on every page: ``/search?q=...``, ranked photos with why each matched."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from camroll.web.common import Ctx, render

router = APIRouter()


def understood_words(understood: Any) -> list[str]:
    """What the query was read as, in short phrases (from :class:`camroll.search.engine.Understood`)."""
    out: list[str] = []
    for label, key in (
        ("person", "people"),
        ("place", "places"),
        ("camera", "cameras"),
        ("tag", "tags"),
        ("text", "text"),
        ("sensitive text", "sensitive_text"),
    ):
        out += [f"{label}: {v}" for v in getattr(understood, key, []) or []]
    for d in getattr(understood, "dates", []) or []:
        out.append(f"date: {d.get('label') or d}" if isinstance(d, dict) else f"date: {d}")
    for word, tags in (getattr(understood, "synonyms", {}) or {}).items():
        names = ", ".join(str(t.get("tag", t)) if isinstance(t, dict) else str(t) for t in tags)
        out.append(f"“{word}” as {names}" if names else f"“{word}”: no tag is close")
    if getattr(understood, "smiling", False):
        out.append("smiling")
    out += [f"{e} faces" for e in getattr(understood, "expressions", []) or []]
    out += [f"scene: {s} (time, place, camera)" for s in getattr(understood, "scenes", []) or []]
    if getattr(understood, "birthday", False):
        out.append("birthdays")
    out += [f"ignored: {w}" for w in getattr(understood, "ignored", []) or []]
    return out


@router.get("/search")
def search_page(request: Request, ctx: Ctx) -> Response:
    q = request.query_params.get("q", "").strip()[:300]
    if not q:
        return render(request, "search.html", title="Search", nav="search", hits=[], understood=[], total=0, error=None)
    try:
        from camroll.search.engine import search
    except ImportError:
        return render(
            request,
            "search.html",
            title="Search",
            nav="search",
            hits=[],
            understood=[],
            total=0,
            error="Search is not available in this version of camroll.",
        )
    result = search(ctx, q, limit=60)
    hits = [{"photo_id": h.photo_id, "score": h.score, "why": list(h.why)} for h in result.hits]
    return render(
        request,
        "search.html",
        title=f"Search: {q}",
        nav="search",
        hits=hits,
        total=result.total,
        understood=understood_words(result.understood),
        did_you_mean=result.understood.did_you_mean,
        corrections=[f"{c['word']} → {c['to']} ({c['kind']})" for c in result.understood.corrections],
        notes=list(result.understood.notes),
        error=None,
    )
