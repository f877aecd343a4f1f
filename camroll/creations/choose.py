"""Choosing the photos of a creation: the ones a person would pick themselves.

From a moment's photos a collage or a video wants a few: sharp and well exposed (the quality
score), never two near-identical shots of the same instant (the near-duplicate groups keep their
best copy), smiling faces over straight ones (expressions), and everyone who was there (each person
of the moment appears on at least one chosen photo, when there are slots for them). The choice is
returned in time order, the order a story is told in.

Each of those signals comes from a capability a person may not have granted; its table is then
empty and the choice simply goes without it (every photo counts as average quality, no duplicates
are known, nobody is known to smile).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from camroll import thresholds
from camroll.config import AppContext

_UNKNOWN_QUALITY = 0.5
"""The quality a photo counts as when quality was not analysed: neither preferred nor avoided."""


@dataclass
class Candidate:
    id: int
    taken: str
    quality: float | None
    smiles: int = 0
    faces: int = 0
    people: set[int] = field(default_factory=set)
    group: int | None = None
    best_of_group: int | None = None

    @property
    def score(self) -> float:
        q = self.quality if self.quality is not None else _UNKNOWN_QUALITY
        if self.faces and self.smiles == self.faces:
            q += thresholds.CHOOSE_SMILE_BONUS
        elif self.smiles:
            q += thresholds.CHOOSE_SMILE_BONUS / 2
        return q

    @property
    def good(self) -> bool:
        return self.quality is None or self.quality >= thresholds.CHOOSE_MIN_QUALITY


def choose_photos(ctx: AppContext, photo_ids: Sequence[int], n: int, person_ids: Sequence[int] = ()) -> list[int]:
    """Up to ``n`` of ``photo_ids``: everyone in ``person_ids`` covered first (the fewest photos
    that show them, best first), then the best of the rest; near-duplicate losers and unknown ids
    are left out; blurred or badly exposed photos come only when nothing better is left. Returned
    in time order."""
    if n <= 0:
        return []
    candidates = _candidates(ctx, photo_ids)
    pool = _without_near_duplicates(candidates)
    chosen: list[Candidate] = []
    uncovered = set(person_ids)
    while uncovered and len(chosen) < n:
        rest = [c for c in pool if c not in chosen and c.people & uncovered]
        if not rest:
            break
        pick = max(rest, key=lambda c: (len(c.people & uncovered), c.good, c.score, -c.id))
        chosen.append(pick)
        uncovered -= pick.people
    rest = sorted((c for c in pool if c not in chosen), key=lambda c: (not c.good, -c.score, c.id))
    chosen.extend(rest[: n - len(chosen)])
    return [c.id for c in sorted(chosen, key=lambda c: (c.taken, c.id))]


def _candidates(ctx: AppContext, photo_ids: Sequence[int]) -> list[Candidate]:
    ids = list(dict.fromkeys(int(p) for p in photo_ids))
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = ctx.db.query(
        "SELECT p.id, COALESCE(p.taken_local, '') AS taken, q.score AS quality, d.group_id, d.best_id"
        " FROM photos p LEFT JOIN quality q ON q.photo_id = p.id LEFT JOIN near_duplicates d ON d.photo_id = p.id"
        f" WHERE p.id IN ({marks}) AND p.kind = 'photo'",
        ids,
    )
    out = {r["id"]: Candidate(r["id"], r["taken"], r["quality"], group=r["group_id"], best_of_group=r["best_id"])
           for r in rows}  # fmt: skip
    for r in ctx.db.query(
        "SELECT f.photo_id, f.person_id, e.smiling FROM faces f LEFT JOIN expressions e ON e.face_id = f.id"
        " LEFT JOIN people pe ON pe.id = f.person_id"
        f" WHERE f.photo_id IN ({marks}) AND COALESCE(pe.ignored, 0) = 0",
        ids,
    ):
        c = out.get(r["photo_id"])
        if c is None:
            continue
        c.faces += 1
        c.smiles += int(bool(r["smiling"]))
        if r["person_id"] is not None:
            c.people.add(int(r["person_id"]))
    return list(out.values())


def _without_near_duplicates(candidates: list[Candidate]) -> list[Candidate]:
    """One photo per near-duplicate group among the candidates: the group's best copy when it is
    a candidate, else the candidate scoring best."""
    keep: dict[object, Candidate] = {}
    for c in candidates:
        key: object = ("group", c.group) if c.group is not None else ("photo", c.id)
        held = keep.get(key)
        if held is None or _better_copy(c, held):
            keep[key] = c
    return list(keep.values())


def _better_copy(c: Candidate, held: Candidate) -> bool:
    if (c.id == c.best_of_group) != (held.id == held.best_of_group):
        return c.id == c.best_of_group
    return (c.score, -c.id) > (held.score, -held.id)


def best_photo(ctx: AppContext, photo_ids: Sequence[int]) -> int | None:
    """The photo to feature (a collage's hero): well made first, then the most smiling faces, then
    the best quality; None when no id is a photo in the library."""
    pool = _without_near_duplicates(_candidates(ctx, photo_ids))
    if not pool:
        return None
    return max(pool, key=lambda c: (c.good, c.smiles, c.score, -c.id)).id
