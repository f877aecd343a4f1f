"""The library: a timeline of photos by month, paginated, and each photo's page with every fact
camroll knows about it and why (which capability, under which consent, from which model).

Files are reached by catalog id only: ``/thumb/<id>.jpg``, ``/view/<id>.jpg`` and
``/original/<id>`` look the photo up in the catalog and open the path recorded there.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from camroll import capabilities, thresholds
from camroll.config import AppContext
from camroll.library import stacks
from camroll.library.metadata import format_offset
from camroll.people import review
from camroll.privacy import consent
from camroll.report.worldmap import Marker, View, svg_map
from camroll.store import analysis_results, curation, faces, files, photos, places
from camroll.store.catalog import camera_name
from camroll.web import routes_stacks, thumbs
from camroll.web.common import Ctx, Lib, int_id, not_found, render
from camroll.web.motion import with_motion

router = APIRouter()

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def month_name(key: str) -> str:
    """``2023-07`` -> ``July 2023``; an unknown date stays honest."""
    if len(key) == 7 and key[:4].isdigit() and key[5:].isdigit() and 1 <= int(key[5:]) <= 12:
        return f"{MONTHS[int(key[5:]) - 1]} {key[:4]}"
    return "Date unknown"


def timeline(
    ctx: AppContext, before: str | None, limit: int, hidden: Collection[int] = ()
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of photos, newest first (photos without a date last), and the cursor of the next
    page: ``<taken_local>|<id>``, empty before the bar for the undated. Keyset pagination walks
    the ``photos_taken`` index backwards, so a page deep in a large library costs what the first
    one costs and nothing is sorted. ``hidden``: photos left out (those under the top of their
    stack, library/stacks.py); the page is filled from further on so it still holds ``limit``."""
    page, cursor = _timeline_page(ctx, before, limit)
    if not hidden:
        return page, cursor
    page = [p for p in page if p["id"] not in hidden]
    while len(page) < limit and cursor:
        more, cursor = _timeline_page(ctx, cursor, limit)
        page += [p for p in more if p["id"] not in hidden]
    if len(page) > limit:
        page = page[:limit]
        cursor = f"{page[-1]['taken_local'] or ''}|{page[-1]['id']}"
    return page, cursor


def _timeline_page(ctx: AppContext, before: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    taken, last_id = None, 2**62
    if before:
        head, _, tail = before.rpartition("|")
        taken, last_id = (head, int(tail)) if tail.isdigit() and len(tail) <= 19 else (before, 2**62)
    rows: list[Any] = []
    if taken != "":  # still among the dated photos
        rows = photos.dated_page(ctx.db, None if taken is None else (taken, last_id), limit + 1)
        last_id = 2**62
    if len(rows) <= limit:
        rows += photos.undated_page(ctx.db, last_id, limit + 1 - len(rows))
    page = [dict(r) | {"month": (r["taken_local"] or "")[:7]} for r in rows[:limit]]
    cursor = None
    if len(rows) > limit and page:
        cursor = f"{page[-1]['taken_local'] or ''}|{page[-1]['id']}"
    return page, cursor


def month_index(ctx: AppContext, stacked: stacks.TimelineView | None = None) -> list[dict[str, Any]]:
    """Every month with photos, newest first, and how many the timeline shows in it: with
    ``stacked`` (the stacks already found, see routes_stacks.timeline_view), a stack counts once,
    in its top's month, as it is shown."""
    counts = photos.month_counts(ctx.db)
    if stacked is not None:
        counts = stacked.month_counts(counts)
    return [{"key": m or "", "name": month_name(m or ""), "count": n} for m, n in counts]


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
    stacked = routes_stacks.timeline_view(ctx, lib)  # one item per stack: its top, with a count
    page, cursor = timeline(ctx, before, thresholds.WEB_TIMELINE_PAGE, stacked.hidden)
    months = lib.memo("months", lambda: month_index(ctx, stacked))  # a stack counts once, as it is shown
    total = sum(m["count"] for m in months)
    roots = lib.memo("roots", lambda: photos.root_paths(ctx.db))
    return render(
        request,
        "library.html",
        title="Library",
        nav="library",
        groups=group_by_month(page),
        motion=with_motion(ctx, [p["id"] for p in page]),  # a badge, and the clip played on hover
        cursor=cursor,
        months=months,
        total=total,
        roots=roots,
        first_page=not before,
        stacks=stacked.tops,
    )


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
def photo_page(request: Request, photo: str, ctx: Ctx, lib: Lib) -> Response:
    photo_id = int_id(photo)
    p = photos.live_photo_row(ctx.db, photo_id)
    if p is None:
        raise not_found("There is no such photo in your library.")
    live = [dict(r) for r in files.live_files(ctx.db, photo_id)]
    path = live[0]["path"]
    facts = PhotoFacts(ctx, photo_id, path)
    newer, older = photos.neighbours(ctx.db, photo_id, p["taken_local"])
    return render(
        request,
        "photo.html",
        title=os.path.basename(path),
        nav="library",
        photo=p,
        files=live,
        facts=facts.sections(p),
        faces=facts.faces,
        newer=newer,
        older=older,
        keywords=json.loads(p["keywords"] or "[]"),
        filters=_filter_names(),
        flags=curation.flags_of(ctx.db, [photo_id]).get(photo_id, {}),  # favourite/archive/delete buttons
        trash_days=thresholds.TRASH_KEEP_DAYS,
        stack=stacks.stack_of(routes_stacks.all_stacks(ctx, lib), photo_id),  # "In a stack of 5 (burst...)"
        pick_map=_pick_map(p),
    )


def _pick_map(p: Any) -> str:
    """The world map of the edit form, to pick where a photo was taken (its place, if it has
    one, marked): the places page's map and script, without the library's markers."""
    marker = []
    if p["gps_lat"] is not None and p["gps_lon"] is not None:
        marker = [Marker(float(p["gps_lat"]), float(p["gps_lon"]), "Where it was taken", kind="home")]
    return svg_map(marker, width=600, view=View(), title="Pick where the photo was taken")


def _filter_names() -> list[str]:
    from camroll.creations.looks import FILTERS

    return list(FILTERS)


def _in_video(at_s: float | None) -> str:
    """`` at 0:07 in the video`` for a time code, '' for a photo."""
    if at_s is None:
        return ""
    whole = int(at_s)
    return f" at {whole // 60}:{whole % 60:02d} in the video"


def _bytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{max(1, round(n / 1e3))} kB"


class PhotoFacts:
    """Every fact about one photo, each with why camroll knows it."""

    def __init__(self, ctx: AppContext, photo_id: int, path: str) -> None:
        self.ctx, self.photo_id, self.path = ctx, photo_id, path
        self._ledger: dict[str, list[consent.Event]] = {}
        self.faces = faces.with_people(ctx.db, photo_id)
        self.edited: dict[str, str] = {}
        """Field -> when the person edited it (read by :meth:`sections`)."""

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

    def _how(self, p: dict[str, Any], field: str, otherwise: str) -> str:
        """Why a fact of the file is what it is: the person's edit, or ``otherwise``."""
        when = self.edited.get(field)
        if when is None:
            return otherwise
        return f"You set this on {when[:10]} (the photo's file is unchanged; its own value comes back if you undo)."

    def sections(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        from camroll.store import edits as store_edits

        self.edited = store_edits.edited_at(self.ctx.db, self.photo_id)
        from camroll.library.imports.explain import explain

        imported, imported_rows = explain(self.ctx.db, self.photo_id)  # facts from a cloud export (issue 13)
        out: list[dict[str, Any]] = []
        meta: list[dict[str, str]] = []
        source = p["taken_at_source"] or "unknown"
        if p["taken_local"]:
            when = p["taken_local"].replace("T", " ") + (
                " " + format_offset(p["offset_minutes"]) if p["offset_minutes"] is not None else ""
            )
            how = self._how(
                p,
                "taken",
                imported.get("taken")
                or (
                    "No date is written in the photo: this is when the file was last changed (file-mtime)."
                    if source.startswith("file-mtime")
                    else f"Read from the file ({source})."
                ),
            )
            meta.append({"label": "Taken", "value": when, "why": self.why("metadata", how)})
        camera = camera_name(p["make"], p["model"])
        if camera:
            meta.append(
                {
                    "label": "Camera",
                    "value": camera + (f", {p['lens']}" if p["lens"] else ""),
                    "why": self.why("metadata", "Written into the file by the camera (EXIF Make, Model, Lens)."),
                }
            )
        if p["gps_lat"] is not None:
            meta.append(
                {
                    "label": "GPS",
                    "value": f"{p['gps_lat']:.5f}, {p['gps_lon']:.5f}",
                    "why": self.why(
                        "metadata",
                        self._how(p, "place", imported.get("place", "Written into the file by the camera (EXIF GPS).")),
                    ),
                }
            )
        if p["width"]:
            meta.append(
                {
                    "label": "Size",
                    "value": f"{p['width']} x {p['height']} px, {p['format']}, {_bytes(p['size'])}",
                    "why": self.why("metadata", "Read from the file."),
                }
            )
        if p["rating"]:
            meta.append(
                {
                    "label": "Rating",
                    "value": "★" * int(p["rating"]),
                    "why": self.why("metadata", self._how(p, "rating", "Written by another app (XMP Rating).")),
                }
            )
        for key, label in (("title", "Title"), ("description", "Caption")):
            if p[key]:
                how = self._how(p, key, imported.get(key, "Written by another app (XMP/IPTC)."))
                meta.append({"label": label, "value": p[key], "why": self.why("metadata", how)})
        meta.extend({**row, "why": self.why("metadata", row["why"])} for row in imported_rows)
        keywords = json.loads(p["keywords"] or "[]")
        if keywords:
            meta.append(
                {
                    "label": "Keywords",
                    "value": ", ".join(keywords),
                    "why": self.why("metadata", self._how(p, "keywords", "Written by another app (XMP/IPTC).")),
                }
            )
        out.append({"title": "From the file", "facts": meta})
        out.append({"title": "Place", "facts": self._place()})
        out.append({"title": "What is in it", "facts": self._content()})
        return [s for s in out if s["facts"]]

    def _place(self) -> list[dict[str, str]]:
        r = places.photo_place(self.ctx.db, self.photo_id)
        if r is None:
            return []
        name = ", ".join(x for x in (r["city"], r["region"], r["country"]) if x)
        how = (
            "You set this place."
            if r["source"] == "user"
            else f"The photo's GPS position matched against {r['source'].removeprefix('auto:')}"
            + (f", {r['distance_km']:.1f} km from the town's centre." if r["distance_km"] is not None else ".")
        )
        facts = [{"label": "Place", "value": name, "why": self.why("places", how)}]
        if r["time_zone"]:
            facts.append(
                {
                    "label": "Time zone",
                    "value": r["time_zone"],
                    "why": self.why("places", "The time zone at the GPS position."),
                }
            )
        return facts

    def _content(self) -> list[dict[str, str]]:
        db, pid = self.ctx.db, self.photo_id
        facts: list[dict[str, str]] = []
        for f in self.faces:
            who = f["name"] or ("someone camroll has not named" if f["person_id"] else "not matched to a person")
            how = (
                "A face you drew on the photo; its face print was computed from your box."
                if str(f["model"]).startswith("drawn:")
                else f"A face found by {f['model']} (detection score {f['score']:.2f}){_in_video(f['at_s'])}."
            )
            facts.append({"label": "Face", "value": who, "why": self.why("faces", how), "face": str(f["id"])})
            if f["person_id"]:
                by = "you" if f["assigned_by"] == "user" else f"clustering ({f['assigned_by'] or 'auto'})"
                sure = review.certainty_words(f["confidence"], f["assigned_by"], f["name"])  # words, not a figure
                conf = f": {sure}" if sure and f["assigned_by"] != "user" else ""
                facts.append(
                    {
                        "label": "Person",
                        "value": who,
                        "why": self.why("people", f"Put on this person by {by}{conf}."),
                        "person": str(f["person_id"]),
                    }
                )
            if f["expression"]:
                facts.append(
                    {
                        "label": "Expression",
                        "value": f["expression"] + (" (smiling)" if f["smiling"] else ""),
                        "why": self.why(
                            "expressions",
                            f"Read from the face by {f['expression_model']} (score {f['expression_score']:.2f}).",
                        ),
                    }
                )
        for t in analysis_results.photo_tags(db, pid):
            facts.append(
                {
                    "label": "Tag",
                    "value": f"{t['tag']} ({t['score']:.0%})",
                    "why": self.why("tags", f"{t['model']} saw: {t['evidence']}{_in_video(t['at_s'])}."),
                }
            )
        text = analysis_results.photo_text(db, pid)
        if text is not None and text["text"]:
            timed = [line for line in json.loads(text["lines"]) if line.get("at_s") is not None]
            when = "; ".join(f"{line['text'][:40]}{_in_video(line['at_s'])}" for line in timed[:8])
            facts.append(
                {
                    "label": "Text",
                    "value": text["text"][:600],
                    "why": self.why("text", f"Read by {text['model']}." + (f" {when}." if when else "")),
                }
            )
            for flag in json.loads(text["flags"]):
                facts.append(
                    {
                        "label": "Sensitive text",
                        "value": str(flag.get("kind", "")).replace("_", " "),
                        "why": self.why("text", f"Found in the text: {flag.get('evidence', '')}."),
                    }
                )
        s = analysis_results.photo_sensitive(db, pid)
        if s is not None and s["explicit"]:
            facts.append(
                {
                    "label": "Nudity",
                    "value": f"shows exposed bodies ({s['score']:.0%})",
                    "why": self.why("sensitive", f"Detected by {s['model']}."),
                }
            )
        q = analysis_results.photo_quality(db, pid)
        if q is not None:
            facts.append(
                {
                    "label": "Quality",
                    "value": f"{q['score']:.0%} (sharpness {q['sharpness']:.0f}, exposure {q['exposure']:.2f})",
                    "why": self.why("quality", f"Measured ({q['model']})."),
                }
            )
        d = analysis_results.photo_near_duplicate(db, pid)
        if d is not None:
            best, distance, n = d
            value = "the best copy" if best == pid else f"a near duplicate of photo {best}"
            facts.append(
                {
                    "label": "Duplicates",
                    "value": f"{value}, in a group of {n}",
                    "link": f"/photo/{best}",
                    "why": self.why("duplicates", f"Visual fingerprints {distance} bits apart."),
                }
            )
        return facts
