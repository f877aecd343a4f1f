"""The ``photo_flags`` table: favourites and the archive (issue 14)."""

from __future__ import annotations

from typing import Literal

from camroll.store.db import Database, now_iso

Flag = Literal["favourite", "archived"]


def not_archived(photo: str = "p") -> str:
    """A WHERE fragment: the photo ``photo`` (a row of ``photos``) is not archived. Archived
    photos leave the timeline and moments; search, albums and the photo's own page keep them."""
    return f"NOT EXISTS (SELECT 1 FROM photo_flags af WHERE af.photo_id = {photo}.id AND af.archived = 1)"


FLAGS: tuple[Flag, ...] = ("favourite", "archived")


def set_flag(db: Database, photo_ids: list[int], flag: Flag, value: bool) -> list[int]:
    """Set ``flag`` on these photos; return the ids whose flag changed."""
    if flag not in FLAGS:
        raise ValueError(flag)
    changed: list[int] = []
    with db.transaction() as conn:
        for pid in photo_ids:
            row = conn.execute(f"SELECT {flag} FROM photo_flags WHERE photo_id = ?", (pid,)).fetchone()
            if bool(row[0] if row else 0) == value:
                continue
            conn.execute(
                f"INSERT INTO photo_flags (photo_id, {flag}, changed_at) VALUES (?, ?, ?)"
                f" ON CONFLICT (photo_id) DO UPDATE SET {flag} = excluded.{flag}, changed_at = excluded.changed_at",
                (pid, int(value), now_iso()),
            )
            changed.append(pid)
        conn.execute("DELETE FROM photo_flags WHERE favourite = 0 AND archived = 0")
    return changed


def flagged(db: Database, flag: Flag) -> list[int]:
    """The ids of the photos with ``flag`` set, in id order."""
    if flag not in FLAGS:
        raise ValueError(flag)
    return [int(r[0]) for r in db.query(f"SELECT photo_id FROM photo_flags WHERE {flag} = 1 ORDER BY photo_id")]


def flags_of(db: Database, photo_ids: list[int]) -> dict[int, dict[str, bool]]:
    """Photo id -> {'favourite': ..., 'archived': ...} for those of these photos with a flag."""
    if not photo_ids:
        return {}
    marks = ",".join("?" * len(photo_ids))
    rows = db.query(f"SELECT photo_id, favourite, archived FROM photo_flags WHERE photo_id IN ({marks})", photo_ids)
    return {int(r[0]): {"favourite": bool(r[1]), "archived": bool(r[2])} for r in rows}
