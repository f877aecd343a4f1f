"""Choosing the photos of a creation: the ones a person would pick themselves.

From a moment's photos a collage or a video wants a few: sharp and well exposed (the quality
score), never two near-identical shots of the same instant (the near-duplicate groups keep their
best copy), smiling faces over straight ones (expressions), and everyone who was there (each person
of the moment appears on at least one chosen photo, when there are slots for them). The choice is
returned in time order, the order a story is told in.

A photo the nudity check marked explicit is never chosen: the ``sensitive`` capability promises a
warning before such a photo is shown in a collage or video, and a creation made from a moment is
often shown or shared without a second look, so it simply goes without it.

The candidate rows and their score come from :mod:`camroll.moments.best`, which picks moment
covers with the same formula, so a cover and the collage of its moment agree. Each signal comes
from a capability a person may not have granted; its table is then empty and the choice simply
goes without it (every photo counts as average quality, no duplicates are known, nobody is known
to smile, nothing is known to be explicit).
"""

from __future__ import annotations

from collections.abc import Sequence

from camroll import thresholds
from camroll.config import AppContext
from camroll.moments.best import Candidate, load_candidates, one_per_group


def _good(c: Candidate) -> bool:
    """Well made enough to use while anything else is left (not analysed counts as good)."""
    return c.quality is None or c.quality >= thresholds.CHOOSE_MIN_QUALITY


def _rank(c: Candidate) -> tuple[float, int]:
    return -c.score, c.id


def _pool(ctx: AppContext, photo_ids: Sequence[int], with_explicit: bool) -> list[Candidate]:
    """The stills among ``photo_ids``, one per near-duplicate group."""
    stills = [c for c in load_candidates(ctx, photo_ids) if not c.video and (with_explicit or not c.explicit)]
    return one_per_group(stills, _rank)


def choose_photos(ctx: AppContext, photo_ids: Sequence[int], n: int, person_ids: Sequence[int] = ()) -> list[int]:
    """Up to ``n`` of ``photo_ids``: everyone in ``person_ids`` covered first (the fewest photos
    that show them, best first), then the best of the rest; near-duplicate losers, videos, unknown
    ids and photos the nudity check marked explicit are left out (even when that leaves fewer than
    ``n``); blurred or badly exposed photos come only when nothing better is left. Returned in time
    order."""
    if n <= 0:
        return []
    pool = _pool(ctx, photo_ids, with_explicit=False)
    chosen: list[Candidate] = []
    uncovered = set(person_ids)
    while uncovered and len(chosen) < n:
        rest = [c for c in pool if c not in chosen and c.people & uncovered]
        if not rest:
            break
        pick = max(rest, key=lambda c: (len(c.people & uncovered), _good(c), c.score, -c.id))
        chosen.append(pick)
        uncovered -= pick.people
    rest = sorted((c for c in pool if c not in chosen), key=lambda c: (not _good(c), -c.score, c.id))
    chosen.extend(rest[: n - len(chosen)])
    return [c.id for c in sorted(chosen, key=lambda c: (c.taken, c.id))]


def choose_clips(ctx: AppContext, photo_ids: Sequence[int], n: int) -> list[int]:
    """Up to ``n`` of the videos among ``photo_ids`` to show as clips in a memory video: those
    with the most people, then the best made; never one the nudity check marked explicit; in
    time order."""
    if n <= 0:
        return []
    videos = [c for c in load_candidates(ctx, photo_ids) if c.video and not c.explicit]
    best = sorted(videos, key=lambda c: (-len(c.people), -c.faces, -c.score, c.id))[:n]
    return [c.id for c in sorted(best, key=lambda c: (c.taken, c.id))]


def best_photo(ctx: AppContext, photo_ids: Sequence[int]) -> int | None:
    """The photo to feature (a collage's hero): well made first, then the most smiling faces, then
    the best quality; a photo marked explicit (only there when named by hand) only when nothing
    else is left; None when no id is a photo in the library."""
    pool = _pool(ctx, photo_ids, with_explicit=True)
    if not pool:
        return None
    return max(pool, key=lambda c: (not c.explicit, _good(c), c.smiles, c.score, -c.id)).id
