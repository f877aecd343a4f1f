"""The best photos of a set, and the candidate rows every "pick the best" in camroll scores.

A moment's cover and a birthday's photo of the year (:func:`best_photo_ids`) and the photos of a
collage or video (:mod:`camroll.creations.choose`) all weigh the same signals, so they read them
here, once, with one formula: a cover and the collage made from the same moment then agree.
Creations build on this module; moments never import creations.

"Best" is the quality score (sharp, well exposed), raised when the faces on it smile
(``CHOOSE_SMILE_BONUS``). Near-duplicate losers are skipped (the duplicates job named a better
copy, or a better copy of the group was already taken), videos come after photos (a cover is a
still), and a photo the nudity check marked explicit comes last: a moment's cover is shown in
lists, on the web page and in a shared video's first frame.

Signals whose capability was not granted are simply absent: every photo then counts as of
average quality, nobody is known to smile, no copies are known, nothing is known to be explicit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from camroll import thresholds
from camroll.config import AppContext
from camroll.store import moments as store

UNKNOWN_QUALITY = 0.5
"""The quality of a photo that was not analysed: neither preferred nor avoided."""

_CHUNK = 500
"""Ids per query: well under SQLite's limit on bound parameters."""

Rank = Callable[["Candidate"], tuple[float | int | bool | str, ...]]
"""A sort key over candidates: the smaller, the better."""


@dataclass
class Candidate:
    """What camroll knows about one photo (or video) when choosing among several."""

    id: int
    taken: str
    video: bool
    quality: float | None
    explicit: bool
    group: int | None
    best_of_group: int | None
    faces: int = 0
    smiles: int = 0
    people: set[int] = field(default_factory=set)

    @property
    def score(self) -> float:
        """Quality, raised when everyone on it smiles (half as much when only some do)."""
        score = self.quality if self.quality is not None else UNKNOWN_QUALITY
        if self.faces and self.smiles == self.faces:
            score += thresholds.CHOOSE_SMILE_BONUS
        elif self.smiles:
            score += thresholds.CHOOSE_SMILE_BONUS / 2
        return score


def load_candidates(ctx: AppContext, photo_ids: Iterable[int]) -> list[Candidate]:
    """The candidates for ``photo_ids`` (each once, in the order given); unknown ids are left out.
    Faces of people marked ignored do not count (they are strangers in the background)."""
    ids = list(dict.fromkeys(int(p) for p in photo_ids))
    out: dict[int, Candidate] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for r in store.merits(ctx.db, chunk):
            out[r["id"]] = Candidate(
                r["id"], r["taken"], r["kind"] == "video", r["score"], bool(r["explicit"]), r["group_id"], r["best_id"]
            )
        for r in store.faces_not_ignored(ctx.db, chunk):
            c = out.get(r["photo_id"])
            if c is None:
                continue
            c.faces += 1
            c.smiles += int(bool(r["smiling"]))
            if r["person_id"] is not None:
                c.people.add(int(r["person_id"]))
    return [out[i] for i in ids if i in out]


def one_per_group(candidates: Iterable[Candidate], rank: Rank) -> list[Candidate]:
    """The candidates in ``rank`` order, one per near-duplicate group: the copy the duplicates job
    kept when it is among them, else the best ranked one."""
    pool = sorted(candidates, key=rank)
    present = {c.id for c in pool}
    kept: list[Candidate] = []
    groups: set[int] = set()
    for c in pool:
        if c.group is not None:
            loser = c.best_of_group is not None and c.best_of_group != c.id and c.best_of_group in present
            if loser or c.group in groups:
                continue
            groups.add(c.group)
        kept.append(c)
    return kept


def _cover_rank(c: Candidate) -> tuple[bool, bool, float, str, int]:
    return c.explicit, c.video, -c.score, c.taken, c.id


def best_photo_ids(ctx: AppContext, photo_ids: Sequence[int], n: int) -> list[int]:
    """Up to ``n`` of ``photo_ids``, best first; unknown ids are ignored."""
    if n <= 0:
        return []
    return [c.id for c in one_per_group(load_candidates(ctx, photo_ids), _cover_rank)[:n]]
