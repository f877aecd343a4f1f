"""The exposure report as one self-contained HTML page: inline CSS and SVG, no request at all.

Opening the report must not tell anyone anything: no font, script, stylesheet, tile or image is
fetched (a test checks there is no ``http`` URL in it). The map is :mod:`camroll.report.worldmap`;
the charts are SVG bars drawn here. There are no photo thumbnails: the page would otherwise become
a second, unsealed copy of the most sensitive photos (cards, documents, bodies), outliving a purge
if it were copied elsewhere; photos are named by file and date instead.

The one picture it holds is how a person the report speaks of, and whom you have not named, is
recognised: their cover face, a small JPEG (``REPORT_FACE_SIDE`` pixels) inside the page as a
``data:`` URI (:func:`face_images`), never their catalog id. That is biometric data out of its
seal, so the page is recorded as made with *faces* (it is a creation of the report's sources):
revoking faces deletes it where camroll keeps it and names it where you put it, like the report's
names of people already were.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Mapping, Sequence
from html import escape
from pathlib import PurePath
from typing import Any

from camroll import thresholds
from camroll.config import AppContext
from camroll.report.cloud_audit import html_of
from camroll.report.exposure import WEEKDAYS, Report
from camroll.report.records import Finding
from camroll.report.worldmap import Marker, svg_map

CSS = """
:root { --ink: #1d2330; --muted: #5d6679; --line: #dde2ea; --high: #b3261e; --medium: #b26a00; --low: #2f6f9f;
        --none: #4c8a4c; --bg: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 "DejaVu Sans", system-ui, sans-serif; color: var(--ink); background: var(--bg); }
main { max-width: 980px; margin: 0 auto; padding: 28px 24px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 0 0 6px; }
.lead { color: var(--muted); margin: 0 0 18px; }
.stats { display: flex; gap: 12px; flex-wrap: wrap; margin: 0 0 18px; }
.stat { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; min-width: 140px; }
.stat b { display: block; font-size: 22px; }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; margin: 0 0 16px; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
.finding { border-left: 5px solid var(--line); }
.finding.high { border-left-color: var(--high); } .finding.medium { border-left-color: var(--medium); }
.finding.low { border-left-color: var(--low); } .finding.none { border-left-color: var(--none); }
.badge { display: inline-block; font-size: 11px; font-weight: bold; text-transform: uppercase; letter-spacing: .04em;
         padding: 2px 7px; border-radius: 10px; color: #fff; margin-left: 8px; vertical-align: 2px; }
.badge.high { background: var(--high); } .badge.medium { background: var(--medium); }
.badge.low { background: var(--low); } .badge.none { background: var(--none); }
.src { color: var(--muted); font-size: 12px; }
ul.items, ul.photos { margin: 6px 0; padding-left: 20px; } ul.photos { columns: 2; font-size: 13px; color: var(--muted); }
.advice { background: #eef5ee; border-radius: 6px; padding: 8px 12px; margin-top: 8px; font-size: 14px; }
.advice p { margin: 2px 0; } code { font-size: 13px; background: #e9ecf1; padding: 0 4px; border-radius: 3px; }
.note { color: var(--muted); font-size: 14px; }
svg.map { width: 100%; height: auto; border-radius: 8px; }
svg.map .sea { fill: #dbe7f1; } svg.map .land { fill: #c9cfc3; stroke: #c9cfc3; stroke-width: .6; }
svg.map .marker circle { fill: rgba(179, 38, 30, .55); stroke: #b3261e; stroke-width: 1.5; }
svg.map .marker-home circle { fill: rgba(120, 30, 160, .6); stroke: #5a1a7a; }
svg.map .marker-work circle { fill: rgba(30, 90, 170, .6); stroke: #143f7a; }
svg.map text.label { font-size: 11px; fill: #1d2330; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg.map .attribution { font-size: 9px; fill: #5d6679; }
img.unnamed-face { border-radius: 50%; vertical-align: middle; }
svg.chart { width: 100%; height: auto; } svg.chart rect { fill: #4a6fa5; } svg.chart text { font-size: 10px; fill: #5d6679; }
footer { color: var(--muted); font-size: 12px; margin-top: 24px; }
"""


FaceSource = Callable[[int], "str | None"]
"""Person id -> the ``src`` of their face picture (a URL on the web, a ``data:`` URI in the file),
or None where there is none."""
UNNAMED = "someone not named"
"""How a person without a name is spoken of: never by the catalog's number."""


def people_in(report: Report, per_finding: int) -> set[int]:
    """The ids of the people not named in the first ``per_finding`` items of each finding."""
    wanted: set[int] = set()
    for f in report.findings:
        if "people" not in f.sources:
            continue
        for i in f.items[:per_finding]:
            wanted |= {pid for pid, name in _people_of(i) if not name}
    return wanted


def _people_of(i: Mapping[str, Any]) -> list[tuple[int, str | None]]:
    """(person id, name or None) of the people an item is about."""
    if "ids" in i and "people" in i:
        return [
            (int(pid), None if name == UNNAMED else str(name)) for pid, name in zip(i["ids"], i["people"], strict=False)
        ]
    if "id" in i and "name" in i and isinstance(i["id"], int):
        return [(int(i["id"]), i["name"] or None)]
    return []


def cover_faces(ctx: AppContext, person_ids: set[int]) -> dict[int, int]:
    """Person id -> their cover face (the one chosen by hand, else the best by quality), for
    those of ``person_ids`` that have one."""
    if not person_ids:
        return {}
    from camroll.people.edit import listing

    return {
        p["id"]: p["cover_face_id"]
        for p in listing(ctx, include_ignored=True)
        if p["id"] in person_ids and p["cover_face_id"]
    }


def face_images(ctx: AppContext, report: Report) -> dict[int, str]:
    """Person id -> a ``data:`` URI of their cover face, ``REPORT_FACE_SIDE`` pixels, for each
    unnamed person the report file shows (read through the seal, like the people page)."""
    from PIL import Image

    from camroll.people.edit import face_crop

    out: dict[int, str] = {}
    for person_id, face_id in cover_faces(ctx, people_in(report, REPORT_FILE_ITEMS)).items():
        data = face_crop(ctx, face_id)
        if data is None:
            continue
        try:
            with Image.open(io.BytesIO(data)) as img:
                small = img.convert("RGB")
        except OSError:
            continue
        small.thumbnail((thresholds.REPORT_FACE_SIDE, thresholds.REPORT_FACE_SIDE))
        buf = io.BytesIO()
        small.save(buf, "JPEG", quality=80)
        out[person_id] = "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    return out


REPORT_FILE_ITEMS = 12
"""Items of a finding the report file lists (the rest are in ``--json``)."""


def render(report: Report, faces: Mapping[int, str] | None = None) -> str:
    """The report file; ``faces`` (from :func:`face_images`) shows unnamed people by face."""
    mode = (
        "from metadata alone (a dry run: no face, object, text or nudity data was read)"
        if report.metadata_only
        else "from everything camroll has derived with your consent"
    )
    found = [f for f in report.findings if f.severity != "none"]
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        '<meta name=viewport content="width=device-width, initial-scale=1">',
        "<title>camroll: what your photos reveal</title>",
        f"<style>{CSS}</style></head><body><main>",
        "<h1>What your photos reveal</h1>",
        f'<p class=lead>What a service with "cloud processing" access to your gallery would learn about you, '
        f"computed on this machine {escape(mode)}. Generated {escape(report.generated_at)}; nothing was sent "
        "anywhere, and this page loads nothing from the network.</p>",
        "<div class=stats>",
        _stat(report.photo_count, "photos"),
        _stat(report.located, "with GPS"),
        _stat(sum(f.severity == "high" for f in found), "serious findings"),
        _stat(len(found), "findings in all"),
        "</div>",
        overview(report),
    ]
    parts += [_finding(f, report, (faces or {}).get) for f in report.findings]
    if report.cloud_audits:
        parts.append(f"<div class=panel>{html_of(report.cloud_audits)}</div>")
    if report.not_checked:
        parts.append(
            "<section class=panel><h2>Not in this report</h2><ul class=items>"
            + "".join(f"<li class=note>{escape(n)}</li>" for n in report.not_checked)
            + "</ul></section>"
        )
    parts.append(
        "<footer>Made by <code>camroll report</code>. It is itself a summary of your photos: keep it "
        "private. camroll deletes it with the photos it names when you remove them or revoke consent."
        "</footer></main></body></html>"
    )
    return "\n".join(parts)


def _stat(n: int, label: str) -> str:
    return f"<div class=stat><b>{n}</b>{escape(label)}</div>"


def overview(report: Report) -> str:
    """The map of places and the two charts (hours, weekdays) as SVG panels: the report file's and
    the web page's."""
    roles = {pid: f.id for f in report.findings if f.id in ("home", "work") for pid in f.photos}
    markers = [
        Marker(pl.lat, pl.lon, pl.name, len(pl.photos), roles.get(pl.photos[0], "place")) for pl in report.places
    ]
    map_svg = (
        svg_map(markers) if markers else "<p class=note>No photo has GPS coordinates: there is nothing to map.</p>"
    )
    hours = bar_chart([str(h) if h % 3 == 0 else "" for h in range(24)], report.hours, "Photos by hour of the day")
    days = bar_chart([d[:3] for d in WEEKDAYS], report.weekdays, "Photos by day of the week")
    return (
        f"<section class=panel><h2>Where your photos were taken</h2>{map_svg}</section>"
        f"<section class='panel grid'><div><h2>Hours of the day</h2>{hours}</div>"
        f"<div><h2>Days of the week</h2>{days}</div></section>"
    )


def bar_chart(labels: Sequence[str], values: Sequence[int], title: str, width: int = 440, height: int = 160) -> str:
    """Vertical SVG bars with a label under each and the count above the tallest ones."""
    top, bottom, n = max(values, default=0) or 1, 18, len(values)
    slot = width / n
    out = [
        f'<svg class=chart viewBox="0 0 {width} {height}" role=img aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
    ]
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        h = (height - bottom - 14) * v / top
        x, y = i * slot + slot * 0.15, height - bottom - h
        out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}"><title>{v}</title></rect>')
        if v and v >= top / 2:
            out.append(f'<text x="{x + slot * 0.35:.1f}" y="{y - 3:.1f}" text-anchor=middle>{v}</text>')
        out.append(f'<text x="{i * slot + slot / 2:.1f}" y="{height - 4}" text-anchor=middle>{escape(label)}</text>')
    out.append("</svg>")
    return "".join(out)


def _photo_line(report: Report, photo_id: int) -> str:
    path = report.paths.get(photo_id)
    name = PurePath(path).name if path else "(no file)"
    return f"<li title='{escape(path or '')}'>#{photo_id} {escape(name)}</li>"


def _finding(f: Finding, report: Report, face_src: FaceSource) -> str:
    items = ""
    n = REPORT_FILE_ITEMS
    if f.items and f.id not in ("routine",):
        items = "<ul class=items>" + "".join(f"<li>{item_html(i, face_src)}</li>" for i in f.items[:n]) + "</ul>"
        if len(f.items) > n:
            items += f"<p class=note>... and {len(f.items) - n} more (all are in <code>--json</code>).</p>"
    examples = ""
    if f.photos:
        shown = f.photos[: thresholds.REPORT_EXAMPLES]
        examples = (
            "<p class=note>From "
            + (
                f"these {len(f.photos)} photos"
                if len(f.photos) <= len(shown)
                else f"{len(f.photos)} photos, for example"
            )
            + ":</p><ul class=photos>"
            + "".join(_photo_line(report, p) for p in shown)
            + "</ul>"
        )
    advice = ("<div class=advice>" + "".join(f"<p>{_code(a)}</p>" for a in f.advice) + "</div>") if f.advice else ""
    return (
        f"<section class='panel finding {f.severity}'><h2>{escape(f.title)}<span class='badge {f.severity}'>"
        f"{'nothing found' if f.severity == 'none' else f.severity + ' risk'}</span></h2>"
        f"<p>{escape(f.summary)}</p>{items}{examples}{advice}"
        f"<p class=src>From: {escape(', '.join(f.sources))}</p></section>"
    )


def face_html(src: str | None, name: str | None = None) -> str:
    """A person as a human sees them: their name, else their face, else the words for someone
    not named (never the catalog's number)."""
    if name:
        return f"<b>{escape(name)}</b>"
    if src:
        side = thresholds.REPORT_FACE_SIDE
        return f'<img class=unnamed-face src="{escape(src)}" height={side} alt="{UNNAMED}" title="{UNNAMED}">'
    return UNNAMED.capitalize()


def item_html(i: dict[str, object], face_src: FaceSource | None = None) -> str:
    """One item of a finding (a place, a camera, a serial, people seen together...) as HTML;
    ``face_src`` gives the face picture of a person not named."""
    src: FaceSource = face_src or (lambda _pid: None)
    n = len(i.get("photos") or [])  # type: ignore[arg-type]
    count = f" <span class=note>({n} photo{'s' if n != 1 else ''})</span>" if n else ""
    if "precision_m" in i:
        first, last = str(i.get("first"))[:10], str(i.get("last"))[:10]
        when = (f", {first}" + (f" to {last}" if last != first else "")) if i.get("first") else ""
        days = f", {i['days']} day{'s' if i['days'] != 1 else ''}" if i.get("days") else ""
        return f"<b>{escape(str(i['name']))}</b> to within {i['precision_m']} m{escape(when)}{days}{count}"
    if "people" in i:
        who = _people_of(i)
        if not who:
            return escape(" and ".join(str(p) for p in i["people"])) + count  # type: ignore[attr-defined]
        return " and ".join(face_html(src(pid), name) for pid, name in who) + count
    if "serial" in i:
        return f"serial {escape(str(i['serial']))} ({escape(str(i['camera']))}){count}"
    if "camera" in i:
        return escape(str(i["camera"])) + count
    if "evidence" in i:
        return escape(str(i["evidence"])) + count
    if "age" in i:
        if not i["name"] and isinstance(i.get("id"), int) and (face := src(int(i["id"]))):  # type: ignore[call-overload]
            return f"{face_html(face)} (a child), {i['age']}{count}"
        return f"{escape(str(i['name'] or 'A child not named'))}, {i['age']}{count}"
    if "name" in i:
        if i["name"]:
            return f"<b>{escape(str(i['name']))}</b>{count}"
        person = i.get("id")
        return face_html(src(person) if isinstance(person, int) else None) + count
    if "tag" in i:
        return f"tagged {escape(str(i['tag']))}{count}"
    return ""


def _code(text: str) -> str:
    """Backticks in advice become <code>; everything else is escaped."""
    pieces = escape(text).split("`")
    return "".join(f"<code>{p}</code>" if k % 2 else p for k, p in enumerate(pieces))
