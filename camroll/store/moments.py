"""What the moments read beyond the timeline: a photo's merits as a cover or a pick (quality,
nudity, near-duplicate group, faces and smiles). The timeline's own query lives with
``moments/timeline.py`` for now.

Dialect: plain SQL (``coalesce``, ``LEFT JOIN``, ``IN (?, ...)``).
"""

from __future__ import annotations

import sqlite3

from camroll.store.db import Database


def _marks(n: int) -> str:
    return ",".join("?" * n)


def merits(db: Database, photo_ids: list[int]) -> list[sqlite3.Row]:
    """id, taken ('' when undated), kind, quality score (NULL if not measured), explicit (0 if not
    analysed), near-duplicate group_id and best_id (NULL if none) of each known photo of
    ``photo_ids`` (keep the list to a few hundred ids: one parameter each)."""
    return db.query(
        "SELECT p.id, COALESCE(p.taken_local, '') AS taken, p.kind, q.score, COALESCE(s.explicit, 0) AS explicit,"
        " d.group_id, d.best_id FROM photos p LEFT JOIN quality q ON q.photo_id = p.id"
        " LEFT JOIN sensitive s ON s.photo_id = p.id LEFT JOIN near_duplicates d ON d.photo_id = p.id"
        f" WHERE p.id IN ({_marks(len(photo_ids))})",
        photo_ids,
    )


def faces_not_ignored(db: Database, photo_ids: list[int]) -> list[sqlite3.Row]:
    """photo_id, person_id (NULL if on nobody) and smiling (NULL if not read) of each face in
    ``photo_ids`` that is not on a person marked ignored."""
    return db.query(
        "SELECT f.photo_id, f.person_id, e.smiling FROM faces f LEFT JOIN expressions e ON e.face_id = f.id"
        " LEFT JOIN people pe ON pe.id = f.person_id"
        f" WHERE f.photo_id IN ({_marks(len(photo_ids))}) AND COALESCE(pe.ignored, 0) = 0",
        photo_ids,
    )
