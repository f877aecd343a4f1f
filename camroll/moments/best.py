"""The best photos of a set: for a moment's cover and a birthday's photo of the year.

"Best" is the quality score (sharp, well exposed), raised when the faces on it smile, by the same
bonus collages use (``CHOOSE_SMILE_BONUS``), so a cover and the collage made from the same moment
agree. Near-duplicate losers are skipped (the duplicates job named a better copy, or a better copy
of the group was already taken), videos come after photos (a cover is a still), and a photo the
nudity check marked explicit comes last: a moment's cover is shown in lists, on the web page and
in a shared video's first frame.

Signals whose capability was not granted are simply absent: every photo then counts as of
average quality, nobody is known to smile, no copies are known.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from camroll import thresholds
from camroll.config import AppContext

UNKNOWN_QUALITY = 0.5
"""The quality of a photo that was not analysed: neither preferred nor avoided."""


@dataclass
class _Candidate:
    id: int
    taken: str
    video: bool
    quality: float | None
    explicit: bool
    group: int | None
    best_of_group: int | None
    faces: int = 0
    smiles: int = 0

    @property
    def score(self) -> float:
        score = self.quality if self.quality is not None else UNKNOWN_QUALITY
        if self.faces and self.smiles == self.faces:
            score += thresholds.CHOOSE_SMILE_BONUS
        elif self.smiles:
            score += thresholds.CHOOSE_SMILE_BONUS / 2
        return score


def best_photo_ids(ctx: AppContext, photo_ids: Sequence[int], n: int) -> list[int]:
    """Up to ``n`` of ``photo_ids``, best first; unknown ids are ignored."""
    ids = list(dict.fromkeys(int(p) for p in photo_ids))
    if n <= 0 or not ids:
        return []
    candidates = _candidates(ctx, ids)
    present = set(candidates)
    ranked = sorted(candidates.values(), key=lambda c: (c.explicit, c.video, -c.score, c.taken, c.id))
    chosen: list[int] = []
    groups: set[int] = set()
    for c in ranked:
        if c.group is not None:
            loser = c.best_of_group is not None and c.best_of_group != c.id and c.best_of_group in present
            if loser or c.group in groups:
                continue
            groups.add(c.group)
        chosen.append(c.id)
        if len(chosen) == n:
            break
    return chosen


def _candidates(ctx: AppContext, ids: list[int]) -> dict[int, _Candidate]:
    out: dict[int, _Candidate] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for r in ctx.db.query(
            "SELECT p.id, COALESCE(p.taken_local, '') AS taken, p.kind, q.score, COALESCE(s.explicit, 0) AS explicit,"
            " d.group_id, d.best_id FROM photos p LEFT JOIN quality q ON q.photo_id = p.id"
            " LEFT JOIN sensitive s ON s.photo_id = p.id LEFT JOIN near_duplicates d ON d.photo_id = p.id"
            f" WHERE p.id IN ({marks})",
            chunk,
        ):
            out[r["id"]] = _Candidate(r["id"], r["taken"], r["kind"] == "video", r["score"], bool(r["explicit"]),
                                      r["group_id"], r["best_id"])  # fmt: skip
        for r in ctx.db.query(
            "SELECT f.photo_id, COUNT(*) AS faces, SUM(COALESCE(e.smiling, 0)) AS smiles FROM faces f"
            " LEFT JOIN expressions e ON e.face_id = f.id LEFT JOIN people pe ON pe.id = f.person_id"
            f" WHERE f.photo_id IN ({marks}) AND COALESCE(pe.ignored, 0) = 0 GROUP BY f.photo_id",
            chunk,
        ):
            c = out.get(r["photo_id"])
            if c is not None:
                c.faces, c.smiles = int(r["faces"]), int(r["smiles"] or 0)
    return out
