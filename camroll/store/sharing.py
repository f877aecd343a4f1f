"""What the web's share form reads: the people whose faces appear in the photos being shared."""

from __future__ import annotations

from camroll.store.db import Database, Row


def people_in(db: Database, photo_ids: list[int]) -> list[Row]:
    """Each person (not ignored) with a face in ``photo_ids``: person_id, name (NULL when unnamed),
    face_id (one of their faces there, for a thumbnail) and photos (how many of ``photo_ids``),
    most photos first."""
    if not photo_ids:
        return []
    marks = ",".join("?" * len(photo_ids))
    return db.query(
        "SELECT f.person_id, p.name, min(f.id) AS face_id, count(DISTINCT f.photo_id) AS photos"
        f" FROM faces f JOIN people p ON p.id = f.person_id WHERE f.photo_id IN ({marks}) AND p.ignored = 0"
        " GROUP BY f.person_id, p.name ORDER BY photos DESC, f.person_id",
        list(photo_ids),
    )
