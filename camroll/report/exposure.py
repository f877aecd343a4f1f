"""The exposure report: what a "cloud processing" service would learn about you from your gallery.

Such a service gets the photos with their metadata and runs its models on them. camroll computes
the same inferences locally, from what it already holds, so a person can see them before anyone
else does: where they live and work and how precisely, where they went and when, their daily
routine, who they spend time with, their children, their documents and cards, their explicit
photos, and the cameras that link their photos together.

Two modes. The full report reads what the consented capabilities derived (faces, people, tags,
text, nudity). ``metadata_only`` is the dry run for someone who has granted nothing beyond the
catalog: it reads the catalog and places only (what any service learns from the files' metadata
alone, before any model runs), never a vision table; a test holds it to that with an SQLite
authorizer.

Every finding names the photos it comes from and what to do about it. Nothing is invented: where
camroll has no model for something a cloud service would infer (ages), the report says so.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from camroll import thresholds
from camroll.config import AppContext
from camroll.progress import Reporter, Silent
from camroll.report import cloud_audit
from camroll.report.places import SHARE_ADVICE, Place, cluster_places, place_findings
from camroll.report.records import Finding, Photo
from camroll.store import analysis_results, faces, people
from camroll.store import photos as catalog_photos
from camroll.store.db import now_iso

VISION_TABLES = (
    "faces",
    "people",
    "face_rejections",
    "expressions",
    "tags",
    "texts",
    "sensitive",
    "fingerprints",
    "quality",
    "near_duplicates",
)
"""Tables written by analysing pixels: a metadata-only report reads none of them."""

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SCREENSHOT_NAME = re.compile(r"(?i)screen[ _-]?shot|bildschirmfoto|capture d.?[ée]cran|captura de pantalla|scrnli")


@dataclass
class Report:
    generated_at: str
    metadata_only: bool
    photo_count: int
    located: int
    findings: list[Finding]
    places: list[Place]
    hours: list[int]
    weekdays: list[int]
    not_checked: list[str]
    paths: dict[int, str | None]
    cloud_audits: list[dict[str, Any]] = field(default_factory=list)
    """What each cloud export imported with ``--audit`` showed its service holds (newest per service)."""

    def photos_used(self) -> set[int]:
        return {p for f in self.findings for p in f.photos}

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["paths"] = {str(k): v for k, v in self.paths.items()}
        for place, raw in zip(self.places, out["places"], strict=True):
            raw["precision_m"] = round(place.precision_m)
        return out


def build(ctx: AppContext, metadata_only: bool = False, reporter: Reporter | None = None) -> Report:
    """The report. ``reporter`` shows its two long steps: reading every photo, and reading every
    located photo again for the home estimate (which moments share, see ``moments/home.py``)."""
    photos = _photos(ctx, reporter)
    places = cluster_places(photos)
    hours, weekdays = [0] * 24, [0] * 7
    for p in photos:
        if (t := p.when) is not None:
            hours[t.hour] += 1
            weekdays[t.weekday()] += 1
    findings = [*place_findings(ctx, places, photos, reporter), _routine(photos, hours, weekdays), *_devices(photos)]
    not_checked: list[str] = []
    if metadata_only:
        not_checked.append(
            "This is a dry run from metadata alone: no face, object, text or nudity data was read. "
            "A cloud service that also runs models on the pixels would learn far more (people, "
            "children, documents, explicit photos)."
        )
        findings.append(_screenshots(ctx, photos, vision=False))
    else:
        findings += [*_people(ctx), _children(ctx), *_text(ctx), _screenshots(ctx, photos, vision=True), _explicit(ctx)]
        not_checked += _missing_capabilities(ctx)
    order = {"high": 0, "medium": 1, "low": 2, "none": 3}
    findings.sort(key=lambda f: order[f.severity])
    return Report(
        now_iso(),
        metadata_only,
        len(photos),
        sum(p.lat is not None for p in photos),
        findings,
        places,
        hours,
        weekdays,
        not_checked,
        {p.id: p.path for p in photos},
        cloud_audit.audits(ctx),
    )


def _photos(ctx: AppContext, shown_to: Reporter | None = None) -> list[Photo]:
    """Every catalogued photo. A time guessed from the file's modification date is left out: it
    says when the file was copied, not when the photo was taken, and is not what a service reads."""
    shared: dict[str, str] = {}  # one copy of each camera, format and place name, not one per photo

    def one(value: str | None) -> str | None:
        return None if value is None else shared.setdefault(value, value)

    def counted(rows: Iterator[Any]) -> Iterator[Any]:
        for i, row in enumerate(rows, 1):
            if i % thresholds.REPORT_PROGRESS_EVERY == 0:
                reporter.advance(thresholds.REPORT_PROGRESS_EVERY)
            yield row

    reporter: Reporter = shown_to or Silent()
    reporter.start("Reading photos", catalog_photos.count(ctx.db))
    return [
        Photo(
            r["id"],
            r["path"],
            r["taken_local"],
            r["gps_lat"],
            r["gps_lon"],
            one(r["make"]),
            one(r["model"]),
            one(r["serial"]),
            r["format"] and shared.setdefault(r["format"], r["format"]),
            one(", ".join(x for x in (r["city"], r["country"]) if x) or None),
        )
        for r in counted(catalog_photos.for_exposure(ctx.db))
    ]


def _routine(photos: list[Photo], hours: list[int], weekdays: list[int]) -> Finding:
    timed = [p.id for p in photos if p.when is not None]
    if not timed:
        return Finding(
            "routine",
            "Your daily routine",
            "None of your photos says when it was taken.",
            "none",
            0,
            [],
            [],
            ["metadata"],
        )
    peak_hour = max(range(24), key=lambda h: hours[h])
    peak_day = max(range(7), key=lambda d: weekdays[d])
    weekend = weekdays[5] + weekdays[6]
    return Finding(
        "routine",
        "Your daily routine",
        f"{len(timed)} photos record when they were taken: most around {peak_hour:02d}:00 and on "
        f"{WEEKDAYS[peak_day]}s ({weekend} at weekends). Over years this shows when you are awake, at work "
        "or away.",
        "medium",
        len(timed),
        timed,
        [SHARE_ADVICE.replace("GPS, serial numbers and time", "the time (unless you keep it)")],
        ["metadata"],
        [{"hours": hours, "weekdays": weekdays, "photos": timed}],
    )


def _devices(photos: list[Photo]) -> list[Finding]:
    from camroll.store.catalog import camera_name

    cams: dict[str, list[int]] = defaultdict(list)
    serials: dict[tuple[str, str], list[int]] = defaultdict(list)
    for p in photos:
        if p.make or p.model:
            cams[camera_name(p.make, p.model)].append(p.id)
        if p.serial:
            serials[(p.serial, camera_name(p.make, p.model))].append(p.id)
    out = []
    if serials:
        ids = [i for v in serials.values() for i in v]
        out.append(
            Finding(
                "serials",
                "Camera serial numbers",
                f"{_n(ids, 'photo')} carry the serial number of the camera or lens that took them ({len(serials)} serial "
                "numbers): any photo you post with it can be tied to all the others, and to you.",
                "medium",
                len(ids),
                ids,
                [SHARE_ADVICE],
                ["metadata"],
                [{"serial": _mask_serial(s), "camera": c, "photos": v} for (s, c), v in serials.items()],
            )
        )
    ids = [i for v in cams.values() for i in v]
    out.append(
        Finding(
            "devices",
            "Your devices",
            f"{_n(ids, 'photo')} name the device that took them: {len(cams)} different cameras and phones."
            if ids
            else "No photo names the device that took it.",
            "low" if ids else "none",
            len(ids),
            ids,
            [SHARE_ADVICE.replace("GPS, serial numbers and time", "camera details")] if ids else [],
            ["metadata"],
            [{"camera": c, "photos": v} for c, v in sorted(cams.items(), key=lambda kv: -len(kv[1]))],
        )
    )
    return out


def _mask_serial(serial: str) -> str:
    """Show the last 4 characters: enough to recognise your own camera, not to copy it."""
    return "…" + serial[-4:] if len(serial) > 4 else serial


def _people(ctx: AppContext) -> list[Finding]:
    n_faces = faces.count(ctx.db)
    if not n_faces:
        return []
    known: list[dict[str, Any]] = sorted(
        ({"id": pid, "name": name, "photos": ids} for pid, name, ids in people.photos_per_person(ctx.db)),
        key=lambda p: -len(p["photos"]),
    )
    face_photos = faces.photos_with_faces(ctx.db)
    out = [
        Finding(
            "people",
            "People in your photos",
            f"{n_faces} faces in {len(face_photos)} photos; {len(known)} people recognised across photos"
            + (
                f", most often {known[0]['name'] or 'someone you have not named'} ({len(known[0]['photos'])} photos)."
                if known
                else "."
            ),
            "high",
            len(face_photos),
            face_photos,
            [
                "Revoke face recognition with `camroll consent revoke faces`: faces, people and face prints are deleted "
                "and their key destroyed.",
                "Share with faces of others blurred: `camroll share PHOTO... --out DIR`.",
            ],
            ["faces", "people"],
            known,
        )
    ]
    pairs: dict[tuple[int, int], set[int]] = defaultdict(set)
    for a, b, pid in people.pairs_together(ctx.db):
        pairs[(a, b)].add(pid)
    if pairs:
        names = {p["id"]: p["name"] or "someone not named" for p in known}  # never a catalog id
        items = []
        for (a, b), v in sorted(pairs.items(), key=lambda kv: -len(kv[1])):
            # each pair reads in name order, so it does not depend on the order people were numbered in
            pair = sorted(((names.get(a, "someone not named"), a), (names.get(b, "someone not named"), b)))
            items.append({"people": [n for n, _ in pair], "ids": [i for _, i in pair], "photos": sorted(v)})
        ids = sorted({p for v in pairs.values() for p in v})
        out.append(
            Finding(
                "together",
                "Who is with whom",
                f"{len(pairs)} pairs of people appear in the same photos: a map of your family and friends.",
                "high",
                len(ids),
                ids,
                ["Revoke `people` to forget who is who: `camroll consent revoke people`."],
                ["faces", "people"],
                items,
            )
        )
    return out


def _children(ctx: AppContext) -> Finding:
    today = date.today()
    kids: list[dict[str, Any]] = []
    for pid, name, birthday, ids in people.photos_per_birthday(ctx.db):
        born = date.fromisoformat(birthday)
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if age < 18:
            kids.append({"id": pid, "name": name, "age": age, "photos": ids})
    baby = analysis_results.photos_tagged(ctx.db, "baby")
    ids = sorted({p for k in kids for p in k["photos"]} | set(baby))
    parts = []
    if kids:
        parts.append(f"{len(kids)} of the people you gave a birthday are under 18")
    if baby:
        parts.append(f"{len(baby)} photos show things that come with a baby (crib, bib, diaper...)")
    honest = "camroll has no age model, so it cannot tell which faces are children's; a cloud service with one would."
    return Finding(
        "children",
        "Children",
        ("; ".join(parts) + ". " if parts else "") + honest,
        "high" if ids else "none",
        len(ids),
        ids,
        ["Children's photos are best shared with their faces blurred: `camroll share PHOTO... --out DIR`."],
        ["people", "tags"],
        kids + ([{"tag": "baby", "photos": baby}] if baby else []),
    )


TEXT_GROUPS = (
    (
        "id_documents",
        "Identity documents",
        ("mrz", "id_document"),
        "high",
        "an identity document (passport or ID card lines, or the words printed on one)",
    ),
    (
        "payment_cards",
        "Payment cards and bank accounts",
        ("payment_card", "iban"),
        "high",
        "a card number (Luhn-checked) or an IBAN",
    ),
    (
        "contact_details",
        "E-mail addresses and phone numbers",
        ("email", "phone"),
        "medium",
        "an e-mail address or a phone number",
    ),
)


def _text(ctx: AppContext) -> list[Finding]:
    flagged: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for photo_id, flags in analysis_results.text_flags(ctx.db):
        for flag in json.loads(flags):
            flagged[flag["kind"]].append((photo_id, flag["evidence"]))
    out = []
    advice = [
        "Delete the photo from camroll (`camroll remove PHOTO_ID`) and from your phone, or keep it out of "
        "anything you share.",
        "Revoke text reading with `camroll consent revoke text`.",
    ]
    for fid, title, kinds, severity, words in TEXT_GROUPS:
        hits = [(pid, ev) for k in kinds for pid, ev in flagged.get(k, [])]
        ids = sorted({pid for pid, _ev in hits})
        out.append(
            Finding(
                fid,
                title,
                f"{_n(ids, 'photo')}: {words}." if ids else f"No photo read by camroll shows {title.lower()}.",
                severity if ids else "none",
                len(ids),
                ids,
                advice if ids else [],
                ["text"],
                [{"evidence": ev, "photos": [pid]} for pid, ev in hits],
            )
        )
    read = analysis_results.texts_read(ctx.db)
    if read:
        out.append(
            Finding(
                "readable_text",
                "Words in your photos",
                f"camroll read words in {len(read)} photo{'s' if len(read) != 1 else ''} (signs, labels, screens, "
                "papers): a service indexes them with the photo, and with its place and time.",
                "medium",
                len(read),
                [r[0] for r in read],
                advice[1:],
                ["text"],
                [{"evidence": _excerpt(r[1]), "photos": [r[0]]} for r in read],
            )
        )
    docs = analysis_results.photos_tagged(ctx.db, "document")
    if docs:
        out.append(
            Finding(
                "documents",
                "Documents",
                f"{_n(docs, 'photo')} look like documents (letters, forms, menus).",
                "medium",
                len(docs),
                docs,
                advice[:1],
                ["tags"],
            )
        )
    return out


def _n(items: list[Any], word: str) -> str:
    return f"{len(items)} {word}{'s' if len(items) != 1 else ''}"


def _excerpt(text: str) -> str:
    """The first words read, on one line, cut at REPORT_TEXT_EXCERPT characters."""
    flat = " / ".join(line.strip() for line in text.splitlines() if line.strip())
    return flat if len(flat) <= thresholds.REPORT_TEXT_EXCERPT else flat[: thresholds.REPORT_TEXT_EXCERPT - 1] + "…"


def _screenshots(ctx: AppContext, photos: list[Photo], vision: bool) -> Finding:
    """Screenshots by name or by shape (a PNG that no camera wrote), and, with ``tags``, by look."""
    by_meta = [
        p.id
        for p in photos
        if (p.path and SCREENSHOT_NAME.search(p.path.rsplit("/", 1)[-1]))
        or (p.format == "png" and not p.make and not p.model and p.lat is None)
    ]
    by_look = analysis_results.photos_tagged(ctx.db, "screenshot") if vision else []
    ids = sorted(set(by_meta) | set(by_look))
    return Finding(
        "screenshots",
        "Screenshots",
        f"{_n(ids, 'image')} that look like screenshots or saved images: they often hold chats, bookings, bank and "
        "health screens."
        if ids
        else "No image looks like a screenshot.",
        "medium" if ids else "none",
        len(ids),
        ids,
        ["Screenshots are rarely worth keeping: delete them once used (`camroll remove PHOTO_ID` forgets them here)."]
        if ids
        else [],
        ["metadata", "tags"] if vision else ["metadata"],
    )


def _explicit(ctx: AppContext) -> Finding:
    ids = analysis_results.explicit_photos(ctx.db)
    return Finding(
        "explicit",
        "Explicit photos",
        f"{_n(ids, 'photo')} with exposed bodies." if ids else "No photo was found to show nudity.",
        "high" if ids else "none",
        len(ids),
        ids,
        ["Keep them out of shared albums; `camroll remove PHOTO_ID` forgets them in camroll."] if ids else [],
        ["sensitive"],
    )


def _missing_capabilities(ctx: AppContext) -> list[str]:
    """Vision capabilities with nothing analysed: the report could not look, a cloud service would."""
    from camroll import capabilities

    out = []
    for cap in capabilities.REGISTRY:
        if cap.analyser is None or cap.id in ("quality", "duplicates"):
            continue
        if not analysis_results.was_analysed(ctx.db, cap.id):
            out.append(f"{cap.title}: not analysed (no consent yet), so not in this report. {cap.learns}")
    return out
