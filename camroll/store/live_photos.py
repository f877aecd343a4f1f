"""Motion photos and Live Photos in the catalog: which still carries a clip, and which stills were
already looked at (by content hash) so a rescan does not read every JPEG again."""

from __future__ import annotations

from typing import Any

from camroll.store.db import Database
from camroll.store.files import live_file


def unchecked_jpegs(db: Database) -> list[tuple[int, str, str]]:
    """(photo id, hash, path of its first live file) of every JPEG not looked at for a clip yet
    (or changed since)."""
    rows = db.query(
        "SELECT p.id, p.hash, (SELECT f.path FROM files f WHERE f.photo_id = p.id AND "
        f"{live_file('f')} ORDER BY f.id LIMIT 1) AS path FROM photos p "
        "LEFT JOIN motion_checked m ON m.photo_id = p.id "
        "WHERE p.format = 'jpeg' AND (m.hash IS NULL OR m.hash != p.hash)"
    )
    return [(int(r[0]), str(r[1]), str(r[2])) for r in rows if r[2] is not None]


def record_motion_photo(
    db: Database, photo_id: int, photo_hash: str, clip: tuple[int, int, float | None] | None, note: str | None
) -> None:
    """What looking at a JPEG found: its clip as (offset, length, duration) or none, and a note."""
    with db.transaction() as conn:
        conn.execute(
            "INSERT INTO motion_checked (photo_id, hash, note) VALUES (?, ?, ?) "
            "ON CONFLICT (photo_id) DO UPDATE SET hash = excluded.hash, note = excluded.note",
            (photo_id, photo_hash, note),
        )
        conn.execute("DELETE FROM motion_clips WHERE photo_id = ? AND kind = 'motion_photo'", (photo_id,))
        if clip is not None:
            conn.execute(
                "INSERT OR REPLACE INTO motion_clips (photo_id, kind, clip_offset, clip_length, duration_s) "
                "VALUES (?, 'motion_photo', ?, ?, ?)",
                (photo_id, *clip),
            )


def motion_of(db: Database, photo_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The ``motion`` key of these photos' records: ``{"kind", "duration_s"}`` where one exists."""
    if not photo_ids:
        return {}
    ids = f"({','.join('?' * len(photo_ids))})"
    rows = db.query(f"SELECT photo_id, kind, duration_s FROM motion_clips WHERE photo_id IN {ids}", tuple(photo_ids))
    return {int(r[0]): {"kind": r[1], "duration_s": r[2]} for r in rows}


def motion_notes(db: Database) -> list[tuple[int, str]]:
    """(photo id, why) of stills whose declared clip was not believed."""
    return [
        (int(r[0]), str(r[1])) for r in db.query("SELECT photo_id, note FROM motion_checked WHERE note IS NOT NULL")
    ]


def clip_span(db: Database, photo_id: int) -> tuple[int, int] | None:
    """(offset, length) of the motion photo's clip recorded at scan time, or None."""
    row = db.conn.execute(
        "SELECT clip_offset, clip_length FROM motion_clips WHERE photo_id = ? AND kind = 'motion_photo'", (photo_id,)
    ).fetchone()
    return None if row is None else (int(row[0]), int(row[1]))
