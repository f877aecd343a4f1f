"""Which photos of a grid have a motion clip to play on hover (a motion photo's MP4, or an Apple
Live Photo's MOV: ``motion_clips``), asked in batches so a grid of thousands stays under
SQLite's limit on query parameters."""

from __future__ import annotations

from collections.abc import Sequence

from camroll.config import AppContext
from camroll.store import live_photos

_BATCH = 500  # photo ids per query: far below SQLite's parameter limit (32,766; 999 before 3.32)


def with_motion(ctx: AppContext, photo_ids: Sequence[int]) -> set[int]:
    """The ids among ``photo_ids`` whose clip ``/clip/<id>`` serves."""
    found: set[int] = set()
    for start in range(0, len(photo_ids), _BATCH):
        found.update(live_photos.motion_of(ctx.db, list(photo_ids[start : start + _BATCH])))
    return found
