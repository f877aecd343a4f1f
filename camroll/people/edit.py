"""What a person does to people: name, merge, split, remove a face, ignore, set a birthday.

Every edit is the user's and wins over any automatic rerun: a face moved by hand is marked
``assigned_by = 'user'`` (the clustering job never touches it), a face removed from a person is
recorded in ``face_rejections`` (it will never be put back there), and names, birthdays and
ignores live on the person, which the job never rewrites. Each hand edit of a face is also kept
in ``face_edits`` (by photo and box), so it survives a revoke and a new grant.

A person's cover is the face chosen by hand (``camroll people cover``), else the best by
:func:`camroll.analysis.face_quality.cover_score`: sharp, large, frontal.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from camroll import thresholds
from camroll.analysis.face_quality import cover_score
from camroll.config import AppContext
from camroll.errors import RequestError
from camroll.store import faces
from camroll.store import people as store


class PeopleError(RequestError, ValueError):
    """An edit that cannot be done; the message is for the person who asked."""


def _person(ctx: AppContext, person_id: int) -> None:
    if not store.exists(ctx.db, person_id):
        raise PeopleError(f"there is no person {person_id} (see `camroll people`)")


def name(ctx: AppContext, person_id: int, new_name: str) -> None:
    _person(ctx, person_id)
    cleaned = " ".join(new_name.split())
    if not cleaned:
        raise PeopleError("a name cannot be empty")
    store.rename(ctx.db, person_id, cleaned)


def merge(ctx: AppContext, into: int, others: list[int]) -> int:
    """Move every face of ``others`` into ``into``; return how many faces moved."""
    _person(ctx, into)
    for other in others:
        _person(ctx, other)
        if other == into:
            raise PeopleError("cannot merge a person into themselves")
    return store.merge(ctx.db, into, others)


def split(ctx: AppContext, person_id: int, face_ids: list[int]) -> int:
    """Move the given faces of a person into a new person; return the new person's id."""
    _person(ctx, person_id)
    owned = store.face_ids_of(ctx.db, person_id)
    strangers = [f for f in face_ids if f not in owned]
    if strangers or not face_ids:
        raise PeopleError(f"faces {strangers or face_ids} are not faces of person {person_id}")
    return store.split(ctx.db, person_id, face_ids)


def remove_face(ctx: AppContext, face_id: int) -> int | None:
    """ "This is not them": detach a face from its person for good. Returns the person it left."""
    found, person = store.face_owner(ctx.db, face_id)
    if not found:
        raise PeopleError(f"there is no face {face_id}")
    store.detach_face(ctx.db, face_id, person)
    return person


def assign(ctx: AppContext, face_id: int, person_id: int) -> None:
    """ "This is them": put a face on a person by hand."""
    _person(ctx, person_id)
    if not store.assign_face(ctx.db, face_id, person_id):
        raise PeopleError(f"there is no face {face_id}")


def ignore(ctx: AppContext, person_id: int, ignored: bool = True) -> None:
    _person(ctx, person_id)
    store.set_ignored(ctx.db, person_id, ignored)


def set_birthday(ctx: AppContext, person_id: int, birthday: str | None) -> None:
    _person(ctx, person_id)
    if birthday is not None:
        try:
            day = date.fromisoformat(birthday)
        except ValueError:
            raise PeopleError(f"{birthday!r} is not a date like 1990-05-17") from None
        if day > date.today():
            raise PeopleError("a birthday cannot be in the future")
    store.set_birthday(ctx.db, person_id, birthday)


def set_cover(ctx: AppContext, person_id: int, face_id: int | None) -> None:
    """Choose a person's cover face by hand (None: back to the best face by quality)."""
    _person(ctx, person_id)
    if face_id is not None and face_id not in store.face_ids_of(ctx.db, person_id):
        raise PeopleError(f"face {face_id} is not a face of person {person_id}")
    store.set_cover(ctx.db, person_id, face_id)


def _cover(faces_of: list[dict[str, Any]], chosen: int | None) -> int | None:
    """The hand-chosen cover if it is still the person's face, else the best by quality."""
    if chosen is not None and any(f["face_id"] == chosen for f in faces_of):
        return chosen
    if not faces_of:
        return None
    return int(max(faces_of, key=lambda f: (f["cover"], -f["face_id"]))["face_id"])


def listing(ctx: AppContext, include_ignored: bool = False) -> list[dict[str, Any]]:
    """People with their faces: the ``camroll people --json`` contract
    (``id``, ``name``, ``faces`` of ``{path, box: [x, y, w, h], score}``), plus more keys:
    ``cover_face_id`` (``cover_by``: ``user`` or ``quality``) and ``held`` (faces held for review
    that are closest to this person)."""
    people = store.all_people(ctx.db, include_ignored)
    held = faces.held_per_person(ctx.db)
    faces_of: dict[int, list[dict[str, Any]]] = {}
    for r in store.assigned_faces(ctx.db):
        faces_of.setdefault(r["person_id"], []).append(
            {
                "face_id": r["id"],
                "photo_id": r["photo_id"],
                "path": r["path"],
                "box": [round(r["x"], 1), round(r["y"], 1), round(r["w"], 1), round(r["h"], 1)],
                "score": round(r["score"], 4),
                "confidence": None if r["confidence"] is None else round(r["confidence"], 3),
                "assigned_by": r["assigned_by"],
                "cover": round(
                    cover_score(
                        r["score"],
                        r["w"],
                        r["sharpness"],
                        r["nose_offset"],
                        r["mouth_below"],
                        thresholds.FACE_COVER_SHARP,
                        thresholds.FACE_COVER_WIDTH,
                    ),
                    4,
                ),
            }
        )
    out = []
    for p in people:
        mine = faces_of.get(p["id"], [])
        cover = _cover(mine, p["cover_face_id"])
        out.append(
            {
                "id": p["id"],
                "name": p["name"],
                "birthday": p["birthday"],
                "ignored": bool(p["ignored"]),
                "face_count": len(mine),
                "photo_count": len({f["photo_id"] for f in mine}),
                "cover_face_id": cover,
                "cover_by": "user" if cover is not None and cover == p["cover_face_id"] else "quality",
                "held": held.get(p["id"], 0),
                "faces": mine,
            }
        )
    return sorted(out, key=lambda p: (p["name"] is None, -p["face_count"], p["id"]))


def waiting(ctx: AppContext) -> dict[str, int]:
    """Faces on no person, counted by why: ``held`` for review, ``not_clear_enough`` (detector
    score at or under ``FACE_CLUSTER_MIN_SCORE``, or too small for a print) and ``not_grouped_yet`` (clear faces the people job has not run on)."""
    return faces.waiting_counts(ctx.db, thresholds.FACE_CLUSTER_MIN_SCORE)


def _margin_words(first: str, d1: float, second: str, d2: float) -> str:
    """The margin said in words, not as a confidence figure that would mean nothing."""
    gap = d2 - d1
    if gap < thresholds.PEOPLE_HOLD_MARGIN / 4:
        return f"looks as much like {first} as like {second}"
    return f"looks a little more like {first} than like {second}, too little to be sure"


def review(ctx: AppContext) -> list[dict[str, Any]]:
    """The faces held for review, each with its two candidates (closest first) and the margin in
    words: what ``camroll people review`` lists. ``camroll people assign FACE PERSON`` settles one."""
    out = []
    for r in faces.held(ctx.db):
        first = r["first_name"] or "someone not named"
        second = r["second_name"] or "someone not named"
        out.append(
            {
                "face_id": r["id"],
                "photo_id": r["photo_id"],
                "path": r["path"],
                "box": [round(r["x"], 1), round(r["y"], 1), round(r["w"], 1), round(r["h"], 1)],
                "score": round(r["score"], 4),
                "candidates": [
                    {
                        "person_id": r["first_person"],
                        "name": r["first_name"],
                        "distance": round(r["first_distance"], 4),
                    },
                    {
                        "person_id": r["second_person"],
                        "name": r["second_name"],
                        "distance": round(r["second_distance"], 4),
                    },
                ],
                "why": _margin_words(first, r["first_distance"], second, r["second_distance"]),
            }
        )
    return out


def face_crop(ctx: AppContext, face_id: int) -> bytes | None:
    """A face's crop as JPEG bytes (opened if it rests sealed), or None if it has none."""
    name = faces.thumb_name(ctx.db, face_id)
    if not name:
        return None
    path = ctx.config.cache_dir / "faces" / name
    if not path.is_file():
        return None
    data = path.read_bytes()
    return ctx.sealer("biometric").open(data) if name.endswith(".sealed") else data
