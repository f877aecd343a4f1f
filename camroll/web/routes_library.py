"""The library: a timeline of photos by month, paginated, and each photo's page with every fact
camroll knows about it and why (which capability, under which consent, from which model).

Files are reached by catalog id only: ``/thumb/<id>.jpg``, ``/view/<id>.jpg`` and
``/original/<id>`` look the photo up in the catalog and open the path recorded there.
"""

from __future__ import annotations

import json
import os
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from camroll import capabilities, thresholds
from camroll.config import AppContext
from camroll.library.metadata import format_offset
from camroll.privacy import consent
from camroll.store.catalog import camera_name
from camroll.web import thumbs
from camroll.web.common import Ctx, Lib, int_id, not_found, render

router = APIRouter()

LIVE = "EXISTS (SELECT 1 FROM files f WHERE f.photo_id = p.id AND f.state IN ('ok', 'problem'))"
"""A photo still backed by a readable file (a photo whose files are all gone is not shown)."""

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fmt: skip


def month_name(key: str) -> str:
    """``2023-07`` -> ``July 2023``; an unknown date stays honest."""
    if len(key) == 7 and key[:4].isdigit() and key[5:].isdigit() and 1 <= int(key[5:]) <= 12:
        return f"{MONTHS[int(key[5:]) - 1]} {key[:4]}"
    return "Date unknown"


def timeline(ctx: AppContext, before: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """One page of photos, newest first (photos without a date last), and the cursor of the next
    page: ``<taken_local>|<id>``, empty before the bar for the undated. Keyset pagination walks
    the ``photos_taken`` index backwards, so a page deep in a large library costs what the first
    one costs and nothing is sorted."""
    taken, last_id = None, 2**62
    if before:
        head, _, tail = before.rpartition("|")
        taken, last_id = (head, int(tail)) if tail.isdigit() and len(tail) <= 19 else (before, 2**62)
    cols = "SELECT p.id, p.taken_local, p.kind, p.width, p.height, p.duration FROM photos p"
    rows: list[Any] = []
    if taken != "":  # still among the dated photos
        where, args = (f"{LIVE} AND p.taken_local IS NOT NULL", [])
        if taken is not None:
            where += " AND (p.taken_local < ? OR (p.taken_local = ? AND p.id < ?))"
            args = [taken, taken, last_id]
        rows = ctx.db.query(f"{cols} WHERE {where} ORDER BY p.taken_local DESC, p.id DESC LIMIT ?", (*args, limit + 1))
        last_id = 2**62
    if len(rows) <= limit:
        rows += ctx.db.query(f"{cols} WHERE {LIVE} AND p.taken_local IS NULL AND p.id < ? ORDER BY p.id DESC LIMIT ?",
                             (last_id, limit + 1 - len(rows)))  # fmt: skip
    photos = [dict(r) | {"month": (r["taken_local"] or "")[:7]} for r in rows[:limit]]
    cursor = None
    if len(rows) > limit and photos:
        cursor = f"{photos[-1]['taken_local'] or ''}|{photos[-1]['id']}"
    return photos, cursor


def month_index(ctx: AppContext) -> list[dict[str, Any]]:
    """Every month with photos, newest first, and how many."""
    rows = ctx.db.query(f"SELECT substr(p.taken_local, 1, 7) AS m, count(*) FROM photos p WHERE {LIVE}"
                        " GROUP BY m ORDER BY m IS NULL, m DESC")  # fmt: skip
    return [{"key": r[0] or "", "name": month_name(r[0] or ""), "count": r[1]} for r in rows]


def group_by_month(photos: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = []
    for photo in photos:
        if not groups or groups[-1]["key"] != photo["month"]:
            groups.append({"key": photo["month"], "name": month_name(photo["month"]), "photos": []})
        groups[-1]["photos"].append(photo)
    return groups


@router.get("/")
def library_page(request: Request, ctx: Ctx, lib: Lib) -> Response:
    before = request.query_params.get("before")
    month = request.query_params.get("month")
    if month is not None and not before:
        before = f"{month}-99|{2**62}" if month else f"|{2**62}"
    photos, cursor = timeline(ctx, before, thresholds.WEB_TIMELINE_PAGE)
    months = lib.memo("months", lambda: month_index(ctx))
    total = sum(m["count"] for m in months)
    roots = lib.memo("roots", lambda: [r[0] for r in ctx.db.query("SELECT path FROM roots ORDER BY id")])
    return render(request, "library.html", title="Library", nav="library", groups=group_by_month(photos),
                  cursor=cursor, months=months, total=total, roots=roots, first_page=not before)  # fmt: skip


def _image(ctx: AppContext, text: str, side: int) -> Response:
    photo_id = int_id(text.removesuffix(".jpg"))
    try:
        path = thumbs.thumbnail(ctx, photo_id, side)
    except thumbs.NoPhoto:
        raise not_found() from None
    if path is None:
        return RedirectResponse("/static/unreadable.svg", status_code=302)
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=86400"})


@router.get("/thumb/{photo}")
def thumb(photo: str, ctx: Ctx) -> Response:
    return _image(ctx, photo, thresholds.WEB_THUMB_SIDE)


@router.get("/view/{photo}")
def view(photo: str, ctx: Ctx) -> Response:
    return _image(ctx, photo, thresholds.WEB_VIEW_SIDE)


@router.get("/original/{photo}")
def original(photo: str, ctx: Ctx) -> Response:
    """The original file, as a download (read-only; the path comes from the catalog)."""
    try:
        _hash, _kind, path, *_ = thumbs.source(ctx, int_id(photo))
    except thumbs.NoPhoto:
        raise not_found() from None
    if not os.path.isfile(path):
        raise not_found("The file of this photo is not where it was catalogued.")
    return FileResponse(path, filename=os.path.basename(path), content_disposition_type="attachment")


@router.get("/photo/{photo}")
def photo_page(request: Request, photo: str, ctx: Ctx) -> Response:
    photo_id = int_id(photo)
    row = ctx.db.conn.execute(f"SELECT * FROM photos p WHERE p.id = ? AND {LIVE}", (photo_id,)).fetchone()
    if row is None:
        raise not_found("There is no such photo in your library.")
    p = dict(row)
    files = [dict(r) for r in ctx.db.query(
        "SELECT path, state, errors FROM files WHERE photo_id = ? AND state != 'missing' ORDER BY id", (photo_id,))]  # fmt: skip
    path = files[0]["path"]
    facts = PhotoFacts(ctx, photo_id, path)
    neighbours = ctx.db.conn.execute(
        f"SELECT (SELECT p.id FROM photos p WHERE {LIVE} AND (coalesce(p.taken_local, ''), p.id) > (?, ?)"
        "         ORDER BY coalesce(p.taken_local, ''), p.id LIMIT 1),"
        f"       (SELECT p.id FROM photos p WHERE {LIVE} AND (coalesce(p.taken_local, ''), p.id) < (?, ?)"
        "         ORDER BY coalesce(p.taken_local, '') DESC, p.id DESC LIMIT 1)",
        (p["taken_local"] or "", photo_id, p["taken_local"] or "", photo_id),
    ).fetchone()
    return render(request, "photo.html", title=os.path.basename(path), nav="library", photo=p, files=files,
                  facts=facts.sections(p), faces=facts.faces, newer=neighbours[0], older=neighbours[1])  # fmt: skip


def _bytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{max(1, round(n / 1e3))} kB"


class PhotoFacts:
    """Every fact about one photo, each with why camroll knows it."""

    def __init__(self, ctx: AppContext, photo_id: int, path: str) -> None:
        self.ctx, self.photo_id, self.path = ctx, photo_id, path
        self._ledger: dict[str, list[consent.Event]] = {}
        self.faces = [dict(r) for r in ctx.db.query(
            "SELECT fa.id, fa.x, fa.y, fa.w, fa.h, fa.score, fa.model, fa.person_id, fa.confidence, fa.assigned_by,"
            " pe.name, pe.ignored, e.label AS expression, e.score AS expression_score, e.smiling, e.model AS expression_model"
            " FROM faces fa LEFT JOIN people pe ON pe.id = fa.person_id LEFT JOIN expressions e ON e.face_id = fa.id"
            " WHERE fa.photo_id = ? ORDER BY fa.x", (photo_id,))]  # fmt: skip

    def why(self, cap_id: str, how: str) -> str:
        """``how`` plus the consent that allowed it: which capability, when, under which wording."""
        cap = capabilities.get(cap_id)
        if cap_id not in self._ledger:
            self._ledger[cap_id] = consent.events(self.ctx, cap_id)
        grant = next((e for e in reversed(self._ledger[cap_id]) if consent.covers(e.scope, self.path)), None)
        if grant is None or grant.action != "grant":
            given = "consent no longer in force"
        elif cap.granted_by_scan and grant.scope != consent.EVERYTHING:
            given = f"given by scanning {grant.scope.removeprefix('path:')} on {grant.at[:10]}"
        else:
            where = "all photos" if grant.scope == consent.EVERYTHING else grant.scope.removeprefix("path:")
            given = f"granted for {where} on {grant.at[:10]}, policy {grant.policy_version}"
        return f"{how} Capability: {cap.title} ({given})."

    def sections(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        meta: list[dict[str, str]] = []
        source = p["taken_at_source"] or "unknown"
        if p["taken_local"]:
            when = p["taken_local"].replace("T", " ") + (" " + format_offset(p["offset_minutes"]) if p["offset_minutes"] is not None else "")
            how = ("No date is written in the photo: this is when the file was last changed (file-mtime)."
                   if source.startswith("file-mtime") else f"Read from the file ({source}).")  # fmt: skip
            meta.append({"label": "Taken", "value": when, "why": self.why("metadata", how)})
        camera = camera_name(p["make"], p["model"])
        if camera:
            meta.append({"label": "Camera", "value": camera + (f", {p['lens']}" if p["lens"] else ""),
                         "why": self.why("metadata", "Written into the file by the camera (EXIF Make, Model, Lens).")})  # fmt: skip
        if p["gps_lat"] is not None:
            meta.append({"label": "GPS", "value": f"{p['gps_lat']:.5f}, {p['gps_lon']:.5f}",
                         "why": self.why("metadata", "Written into the file by the camera (EXIF GPS).")})  # fmt: skip
        if p["width"]:
            meta.append({"label": "Size", "value": f"{p['width']} x {p['height']} px, {p['format']}, {_bytes(p['size'])}",
                         "why": self.why("metadata", "Read from the file.")})  # fmt: skip
        for key, label in (("title", "Title"), ("description", "Caption")):
            if p[key]:
                meta.append({"label": label, "value": p[key], "why": self.why("metadata", "Written by another app (XMP/IPTC).")})
        keywords = json.loads(p["keywords"] or "[]")
        if keywords:
            meta.append({"label": "Keywords", "value": ", ".join(keywords), "why": self.why("metadata", "Written by another app (XMP/IPTC).")})
        out.append({"title": "From the file", "facts": meta})
        out.append({"title": "Place", "facts": self._place()})
        out.append({"title": "What is in it", "facts": self._content()})
        return [s for s in out if s["facts"]]

    def _place(self) -> list[dict[str, str]]:
        r = self.ctx.db.conn.execute("SELECT * FROM photo_places WHERE photo_id = ?", (self.photo_id,)).fetchone()
        if r is None:
            return []
        name = ", ".join(x for x in (r["city"], r["region"], r["country"]) if x)
        how = ("You set this place." if r["source"] == "user" else
               f"The photo's GPS position matched against {r['source'].removeprefix('auto:')}"
               + (f", {r['distance_km']:.1f} km from the town's centre." if r["distance_km"] is not None else "."))  # fmt: skip
        facts = [{"label": "Place", "value": name, "why": self.why("places", how)}]
        if r["time_zone"]:
            facts.append({"label": "Time zone", "value": r["time_zone"], "why": self.why("places", "The time zone at the GPS position.")})
        return facts

    def _content(self) -> list[dict[str, str]]:
        db, pid = self.ctx.db, self.photo_id
        facts: list[dict[str, str]] = []
        for f in self.faces:
            who = f["name"] or ("someone camroll has not named" if f["person_id"] else "not matched to a person")
            how = f"A face found by {f['model']} (detection score {f['score']:.2f})."
            facts.append({"label": "Face", "value": who, "why": self.why("faces", how), "face": str(f["id"])})
            if f["person_id"]:
                by = "you" if f["assigned_by"] == "user" else f"clustering ({f['assigned_by'] or 'auto'})"
                conf = f", confidence {f['confidence']:.2f}" if f["confidence"] is not None else ""
                facts.append({"label": "Person", "value": who, "why": self.why("people", f"Put on this person by {by}{conf}."),
                              "person": str(f["person_id"])})  # fmt: skip
            if f["expression"]:
                facts.append({"label": "Expression", "value": f["expression"] + (" (smiling)" if f["smiling"] else ""),
                              "why": self.why("expressions", f"Read from the face by {f['expression_model']} "
                                              f"(score {f['expression_score']:.2f}).")})  # fmt: skip
        tags = db.query("SELECT tag, score, evidence, model FROM tags WHERE photo_id = ? ORDER BY score DESC", (pid,))
        for t in tags:
            facts.append({"label": "Tag", "value": f"{t['tag']} ({t['score']:.0%})",
                          "why": self.why("tags", f"{t['model']} saw: {t['evidence']}.")})  # fmt: skip
        text = db.conn.execute("SELECT text, flags, model FROM texts WHERE photo_id = ?", (pid,)).fetchone()
        if text is not None and text["text"]:
            facts.append({"label": "Text", "value": text["text"][:600], "why": self.why("text", f"Read by {text['model']}.")})
            for flag in json.loads(text["flags"]):
                facts.append({"label": "Sensitive text", "value": str(flag.get("kind", "")).replace("_", " "),
                              "why": self.why("text", f"Found in the text: {flag.get('evidence', '')}.")})  # fmt: skip
        s = db.conn.execute("SELECT explicit, score, model FROM sensitive WHERE photo_id = ?", (pid,)).fetchone()
        if s is not None and s["explicit"]:
            facts.append({"label": "Nudity", "value": f"shows exposed bodies ({s['score']:.0%})",
                          "why": self.why("sensitive", f"Detected by {s['model']}.")})  # fmt: skip
        q = db.conn.execute("SELECT sharpness, exposure, score, model FROM quality WHERE photo_id = ?", (pid,)).fetchone()
        if q is not None:
            facts.append({"label": "Quality", "value": f"{q['score']:.0%} (sharpness {q['sharpness']:.0f}, exposure {q['exposure']:.2f})",
                          "why": self.why("quality", f"Measured ({q['model']}).")})  # fmt: skip
        d = db.conn.execute("SELECT best_id, distance FROM near_duplicates WHERE photo_id = ?", (pid,)).fetchone()
        if d is not None:
            n = db.scalar("SELECT count(*) FROM near_duplicates WHERE group_id = (SELECT group_id FROM near_duplicates"
                          " WHERE photo_id = ?)", (pid,))  # fmt: skip
            value = "the best copy" if d["best_id"] == pid else f"a near duplicate of photo {d['best_id']}"
            facts.append({"label": "Duplicates", "value": f"{value}, in a group of {n}", "link": f"/photo/{d['best_id']}",
                          "why": self.why("duplicates", f"Visual fingerprints {d['distance']} bits apart.")})  # fmt: skip
        return facts
