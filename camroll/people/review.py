"""The people review: the few answers that put a library's people right in minutes.

* **Merge suggestions.** Two people whose faces' centroids (mean prints) are closer than
  ``PEOPLE_MERGE_SUGGEST_DISTANCE`` may be one person that clustering left in two. The centroids
  are summed from the prints read ``PEOPLE_READ_BATCH`` at a time (memory: one 128-number sum per
  person, never every print at once) and searched through the people index
  (:class:`~camroll.people.neighbours.Neighbours`, ``PEOPLE_MERGE_SUGGEST_K`` nearest each), so
  the work grows with the people, not with their square. A pair is never suggested when the
  person said "not the same" (``people_not_same``), when both are in one photo (a person is in a
  photo once), when both have different names, or when either is ignored. Yes merges (into the
  named one, else the one with more faces); No is remembered, and survives a re-cluster.
* **Held faces** (a face between two look-alikes): "It's A", "It's B", "Someone else" (not
  either of them, recorded like "not this person") or "Not a face" (the detection is deleted and
  the box remembered).
* **Faces on no one** (not clear enough, or not grouped yet): "Who is this?" puts the face on a
  named person or on a new person of that name; "dismiss" takes it out of the queue.
* **Words, not figures.** A face the people job placed shows how sure it was in words
  (``PEOPLE_WORDS_*``), not a percentage that means nothing to a person.

Every answer goes through :mod:`camroll.people.edit` or writes a hand edit of its own, so it is
the person's and wins over any later run of the people job.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from camroll import thresholds
from camroll.config import AppContext
from camroll.people import edit
from camroll.people.neighbours import DIM, Neighbours, exact_is_cheaper
from camroll.privacy import consent
from camroll.privacy.crypto import KeyDestroyed
from camroll.store import faces as store_faces
from camroll.store import people as store_people
from camroll.store import review as store


def centroids(ctx: AppContext) -> tuple[np.ndarray, np.ndarray]:
    """(person ids, their centroids) of every person not ignored with a print, read in batches."""
    sealer = ctx.sealer("biometric")
    sums: dict[int, np.ndarray] = {}
    counts: dict[int, int] = {}
    for people, sealed in store.print_batches_by_person(ctx.db, thresholds.PEOPLE_READ_BATCH):
        vectors = np.frombuffer(b"".join(sealer.open(b) for b in sealed), np.float32).reshape(-1, DIM)
        for person in np.unique(people):
            mine = vectors[people == person]
            p = int(person)
            sums[p] = sums.get(p, np.zeros(DIM, np.float64)) + mine.sum(0)
            counts[p] = counts.get(p, 0) + len(mine)
    ids = np.array(sorted(sums), np.int64)
    if not len(ids):
        return ids, np.zeros((0, DIM), np.float32)
    return ids, np.stack([sums[int(p)] / counts[int(p)] for p in ids]).astype(np.float32)


def _readable_centroids(ctx: AppContext) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`centroids`, or None without the people consent or when the prints cannot be opened
    (their key was destroyed): what both the suggestions and a person's nearest people start from."""
    if not consent.active_scopes(ctx, "people"):
        return None
    try:
        return centroids(ctx)
    except KeyDestroyed:
        return None


def suggestions(ctx: AppContext, limit: int | None = None) -> list[dict[str, Any]]:
    """Pairs of people who may be one, closest first: ``a`` and ``b`` (each id, name, cover face,
    face and photo counts) and ``distance`` between their centroids. Empty without the people
    consent or when the prints cannot be opened."""
    readable = _readable_centroids(ctx)
    if readable is None or len(readable[0]) < 2:
        return []
    ids, means = readable
    k = min(thresholds.PEOPLE_MERGE_SUGGEST_K + 1, len(ids))  # each finds itself first
    index = Neighbours(len(ids), exact=exact_is_cheaper(len(ids), len(ids)))
    index.add(means)
    found, distances = index.query(means, k)
    best: dict[tuple[int, int], float] = {}
    for row in range(len(ids)):
        for j, d in zip(found[row], distances[row], strict=True):
            if j < 0 or j == row or d >= thresholds.PEOPLE_MERGE_SUGGEST_DISTANCE:
                continue
            a, b = int(ids[row]), int(ids[j])
            pair = (a, b) if a < b else (b, a)
            best[pair] = min(float(d), best.get(pair, float("inf")))
    refused = store.not_same_pairs(ctx.db)
    people = {p["id"]: p for p in edit.listing(ctx)}
    ranked = []
    for pair, d in sorted(best.items(), key=lambda item: (item[1], item[0])):
        first, second = people.get(pair[0]), people.get(pair[1])
        if pair in refused or first is None or second is None:
            continue
        if first["name"] and second["name"] and first["name"].casefold() != second["name"].casefold():
            continue
        ranked.append((pair, d))
    apart = store.together(ctx.db, [pair for pair, _ in ranked[: 4 * (limit or thresholds.PEOPLE_REVIEW_SUGGESTIONS)]])
    out = []
    for pair, d in ranked:
        if pair in apart:
            continue
        out.append({"a": _brief(people[pair[0]]), "b": _brief(people[pair[1]]), "distance": round(d, 4)})
        if len(out) >= (limit or thresholds.PEOPLE_REVIEW_SUGGESTIONS):
            break
    return out


def nearest(ctx: AppContext, person_id: int, k: int) -> list[dict[str, Any]]:
    """The ``k`` people whose faces look most like this person's (centroid distance), closest
    first, each as :func:`_brief` plus ``distance`` and ``looks`` (the distance in words): what
    the person page offers to merge, instead of a list of every person. People answered "not
    the same" and people seen in one photo with this one are left out. Empty without the people
    consent or when the prints cannot be opened."""
    readable = _readable_centroids(ctx)
    if readable is None:
        return []
    ids, means = readable
    where = np.flatnonzero(ids == person_id)
    if not len(where) or len(ids) < 2:
        return []
    distances = np.linalg.norm(means - means[where[0]], axis=1)
    order = [int(i) for i in np.argsort(distances, kind="stable") if int(ids[i]) != person_id]
    refused = store.not_same_pairs(ctx.db)
    people = {p["id"]: p for p in edit.listing(ctx)}
    candidates = [
        int(ids[i])
        for i in order[: 4 * k]
        if int(ids[i]) in people and (min(person_id, int(ids[i])), max(person_id, int(ids[i]))) not in refused
    ]
    apart = store.together(ctx.db, [(min(person_id, c), max(person_id, c)) for c in candidates])
    out = []
    for i in order[: 4 * k]:
        other = int(ids[i])
        if other not in candidates or (min(person_id, other), max(person_id, other)) in apart:
            continue
        d = float(distances[i])
        out.append(_brief(people[other]) | {"distance": round(d, 4), "looks": _looks(d)})
        if len(out) >= k:
            break
    return out


def _looks(distance: float) -> str:
    """How alike two people's faces are, in words, by the distance of their centroids."""
    if distance < thresholds.PEOPLE_WORDS_CLEAR_DISTANCE:
        return "looks the same"
    if distance < thresholds.PEOPLE_MERGE_SUGGEST_DISTANCE:
        return "looks alike"
    return "looks different"


def _brief(p: dict[str, Any]) -> dict[str, Any]:
    return {k: p[k] for k in ("id", "name", "cover_face_id", "face_count", "photo_count")}


def answer_same(ctx: AppContext, a: int, b: int, same: bool) -> int | None:
    """Yes (``same``): merge the two, keeping the named one (else the one with more faces), and
    return who is left. No: remember they are two people; return None."""
    for p in (a, b):
        if not store_people.exists(ctx.db, p):
            raise edit.PeopleError("one of these people is gone (merged or forgotten meanwhile)")
    if a == b:
        raise edit.PeopleError("that is one person already")
    if not same:
        store.remember_not_same(ctx.db, a, b)
        return None
    row_a, row_b = store_people.person(ctx.db, a), store_people.person(ctx.db, b)
    assert row_a is not None and row_b is not None
    faces_a, faces_b = len(store_people.face_ids_of(ctx.db, a)), len(store_people.face_ids_of(ctx.db, b))
    keep_a = (row_a["name"] is not None, faces_a, -a) >= (row_b["name"] is not None, faces_b, -b)
    into, other = (a, b) if keep_a else (b, a)
    edit.merge(ctx, into, [other])
    return into


HELD_CHOICES = ("first", "second", "else", "notface")


def held(ctx: AppContext) -> list[dict[str, Any]]:
    """The held faces (:func:`camroll.people.edit.review`), each candidate with its cover face."""
    out = edit.review(ctx)
    if out:
        covers = {p["id"]: p["cover_face_id"] for p in edit.listing(ctx, include_ignored=True)}
        for h in out:
            for c in h["candidates"]:
                c["cover_face_id"] = covers.get(c["person_id"])
    return out


def settle_held(ctx: AppContext, face_id: int, choice: str) -> int | None:
    """Settle a held face: ``first`` or ``second`` candidate (returns that person), ``else``
    (someone else: neither candidate, ever), or ``notface`` (the detection was wrong)."""
    held = store.held_face(ctx.db, face_id)
    if held is None:
        raise edit.PeopleError("this face is not held for review any more (someone settled it)")
    if choice in ("first", "second"):
        person = int(held["first_person"] if choice == "first" else held["second_person"])
        edit.assign(ctx, face_id, person)
        return person
    if choice == "else":
        store.reject_both(ctx.db, face_id, [int(held["first_person"]), int(held["second_person"])])
        return None
    if choice == "notface":
        dismiss(ctx, face_id, not_a_face=True)
        return None
    raise edit.PeopleError(f"{choice!r} is not an answer (one of {', '.join(HELD_CHOICES)})")


def dismiss(ctx: AppContext, face_id: int, not_a_face: bool = False) -> None:
    """Take a face out of the review: 'not a face' deletes the detection (and its crop); a plain
    dismiss keeps the face in its photo. Either is remembered by its photo and box."""
    row = store.face_row(ctx.db, face_id)
    if row is None:
        raise edit.PeopleError(f"there is no face {face_id}")
    if row["person_id"] is not None:
        raise edit.PeopleError("this face is on a person; take it off them first")
    thumb = store.dismiss(ctx.db, face_id, "not_a_face" if not_a_face else "dismissed")
    if not_a_face and thumb:
        (ctx.config.cache_dir / "faces" / thumb).unlink(missing_ok=True)


def who(ctx: AppContext, face_id: int, text: str) -> int:
    """ "Who is this?": put the face on the person ``text`` names (a named person, whatever the
    case; ``#12`` or ``12``: the person with that id), else on a new person called ``text``;
    return the person."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise edit.PeopleError("say who it is: a name")
    if store.face_row(ctx.db, face_id) is None:
        raise edit.PeopleError(f"there is no face {face_id}")
    digits = cleaned.removeprefix("#")
    if digits.isdigit() and store_people.exists(ctx.db, int(digits)):
        person = int(digits)
    else:
        named = store_people.ids_named(ctx.db, cleaned)
        person = named[0] if named else store.new_person_named(ctx.db, cleaned)
    edit.assign(ctx, face_id, person)
    store.mark_drawn(ctx.db, face_id)
    return person


def queue(ctx: AppContext, limit: int | None = None) -> list[dict[str, Any]]:
    """Faces on no one, not held or set aside, clearest first (``PEOPLE_REVIEW_FACES`` at most)."""
    rows = store.unassigned(ctx.db, thresholds.FACE_CLUSTER_MIN_SCORE, limit or thresholds.PEOPLE_REVIEW_FACES)
    return [
        {
            "face_id": r["id"],
            "photo_id": r["photo_id"],
            "path": r["path"],
            "box": [round(r["x"], 1), round(r["y"], 1), round(r["w"], 1), round(r["h"], 1)],
            "score": round(r["score"], 4),
            "why": "not grouped yet (the people job will try)" if r["clear"] else "not clear enough to group",
        }
        for r in rows
    ]


def counts(ctx: AppContext) -> dict[str, int]:
    """How much the review holds: held faces, and faces on no one in its queue."""
    return {"held": len(store_faces.held(ctx.db)), "unassigned": store.unassigned_count(ctx.db)}


def named(ctx: AppContext) -> list[dict[str, Any]]:
    """The named people (id, name), for the "Who is this?" type-ahead."""
    return [{"id": int(r["id"]), "name": str(r["name"])} for r in store.named_people(ctx.db)]


def certainty_words(confidence: float | None, assigned_by: str | None, name: str | None) -> str:
    """How sure the people job was that a face is this person, in words: "you said so" for a
    hand edit, else "clearly", "probably" or "a close call" by the print distance the stored
    confidence stands for (both the attach and the cluster step store 1 - distance / 0.6)."""
    if assigned_by == "user":
        return "you said so"
    if confidence is None:
        return ""
    who_ = name or "them"
    distance = (1.0 - confidence) * thresholds.PEOPLE_ATTACH_DISTANCE
    if distance < thresholds.PEOPLE_WORDS_CLEAR_DISTANCE:
        return f"clearly {who_}"
    if distance < thresholds.PEOPLE_WORDS_PROBABLE_DISTANCE:
        return f"probably {who_}"
    return "a close call"
