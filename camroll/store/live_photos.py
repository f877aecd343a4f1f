"""Motion photos and Live Photos in the catalog: which still carries a clip, and which stills were
already looked at (by content hash) so a rescan does not read every JPEG again.

An Apple Live Photo is two catalogued photos, a still and its MOV; the MOV is the still's clip
(``motion_clips`` kind ``apple-live``, ``clip_photo_id``) and is left out of the listings that
show items (timeline, moments, search, places: :func:`not_live_clip`) and of the analysis plan.
Dialect: plain SQL (``WHERE`` on a partial index is SQLite's and PostgreSQL's)."""

from __future__ import annotations

from typing import Any

from camroll.store.db import Database, Row
from camroll.store.files import first_live_path, live_file


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
    rows = db.query(
        f"SELECT photo_id, kind, duration_s, paired_by FROM motion_clips WHERE photo_id IN {ids}", tuple(photo_ids)
    )
    out: dict[int, dict[str, Any]] = {}
    for r in rows:
        out[int(r[0])] = {"kind": r[1], "duration_s": r[2]}
        if r[3] is not None:
            out[int(r[0])]["paired_by"] = r[3]
    return out


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


# --- Apple Live Photos ---------------------------------------------------------------------


def not_live_clip(photo: str = "p") -> str:
    """A WHERE fragment: the photo ``photo`` is not the MOV of a Live Photo (that one shows as its
    still, never as an item of its own)."""
    return f"NOT EXISTS (SELECT 1 FROM motion_clips lc WHERE lc.clip_photo_id = {photo}.id)"


def unchecked_for_identifier(db: Database) -> list[tuple[int, str, str, bytes]]:
    """(photo id, hash, format, path bytes of its first live file) of every JPEG, HEIC and MOV
    whose Live Photo identifier was not looked for yet (or that changed since)."""
    rows = db.query(
        "SELECT p.id, p.hash, p.format, (SELECT f.path_bytes FROM files f WHERE f.photo_id = p.id AND "
        f"{live_file('f')} ORDER BY f.id LIMIT 1) AS path FROM photos p "
        "LEFT JOIN live_identifiers li ON li.photo_id = p.id "
        "WHERE p.format IN ('jpeg', 'heic', 'mov') AND (li.hash IS NULL OR li.hash != p.hash)"
    )
    return [(int(r[0]), str(r[1]), str(r[2]), bytes(r[3])) for r in rows if r[3] is not None]


def record_identifiers(db: Database, found: list[tuple[int, str, str | None, str | None]]) -> None:
    """(photo id, hash, identifier or None, note or None) of files just looked at, in one transaction."""
    with db.transaction() as conn:
        conn.executemany(
            "INSERT INTO live_identifiers (photo_id, hash, content_id, note) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (photo_id) DO UPDATE SET hash = excluded.hash, content_id = excluded.content_id,"
            " note = excluded.note",
            found,
        )


def identifier_notes(db: Database) -> list[tuple[int, str]]:
    """(photo id, why) of files whose Live Photo identifier was refused."""
    return [
        (int(r[0]), str(r[1])) for r in db.query("SELECT photo_id, note FROM live_identifiers WHERE note IS NOT NULL")
    ]


def with_identifier(db: Database) -> list[Row]:
    """Every live file of a photo with a Live Photo identifier read from its current content:
    content_id, photo_id, format, duration, path_bytes."""
    return db.query(
        "SELECT li.content_id, p.id AS photo_id, p.format, p.duration, f.path_bytes FROM live_identifiers li"
        " JOIN photos p ON p.id = li.photo_id AND p.hash = li.hash"
        f" JOIN files f ON f.photo_id = p.id AND {live_file('f')}"
        " WHERE li.content_id IS NOT NULL ORDER BY li.content_id, p.id, f.path_bytes"
    )


def short_movs(db: Database, max_seconds: float) -> list[Row]:
    """Live files of MOVs shorter than ``max_seconds``: photo_id, duration, path_bytes."""
    return db.query(
        "SELECT p.id AS photo_id, p.duration, f.path_bytes FROM photos p"
        f" JOIN files f ON f.photo_id = p.id AND {live_file('f')}"
        " WHERE p.format = 'mov' AND p.duration IS NOT NULL AND p.duration < ? ORDER BY p.id, f.path_bytes",
        (max_seconds,),
    )


def stills_named(db: Database, prefix: bytes) -> list[Row]:
    """Live files whose path starts with ``prefix`` (``folder/IMG_0001.``) backing a JPEG or HEIC
    that was looked at and has no Live Photo identifier (nor one refused as hostile): photo_id,
    path_bytes (a range on the unique path index)."""
    return db.query(
        "SELECT p.id AS photo_id, f.path_bytes FROM files f JOIN photos p ON p.id = f.photo_id"
        " LEFT JOIN live_identifiers li ON li.photo_id = p.id AND li.hash = p.hash"
        f" WHERE f.path_bytes >= ? AND f.path_bytes < ? AND {live_file('f')}"
        " AND p.format IN ('jpeg', 'heic') AND li.photo_id IS NOT NULL AND li.content_id IS NULL AND li.note IS NULL"
        " ORDER BY p.id",
        (prefix, prefix + b"\xff"),
    )


def sync_live_pairs(db: Database, pairs: dict[int, tuple[int, float | None, str]]) -> tuple[list[int], int]:
    """Make the recorded Live Photo pairs exactly ``pairs`` (still id -> (MOV id, the MOV's
    duration, how paired)); a still that is a motion photo keeps that. Returns (the stills newly
    paired, how many pairs were undone)."""
    added: list[int] = []
    removed = 0
    with db.transaction() as conn:
        current = {
            int(r[0]): (int(r[1]), r[2], str(r[3]))
            for r in conn.execute(
                "SELECT photo_id, clip_photo_id, duration_s, paired_by FROM motion_clips WHERE kind = 'apple-live'"
            )
        }
        for still, pair in current.items():
            if pairs.get(still) != pair:
                conn.execute("DELETE FROM motion_clips WHERE photo_id = ? AND kind = 'apple-live'", (still,))
                removed += pairs.get(still) is None
        for still, (mov, duration, how) in pairs.items():
            if current.get(still) != (mov, duration, how):
                cur = conn.execute(
                    "INSERT OR IGNORE INTO motion_clips (photo_id, kind, clip_photo_id, duration_s, paired_by)"
                    " VALUES (?, 'apple-live', ?, ?, ?)",
                    (still, mov, duration, how),
                )
                if cur.rowcount > 0 and still not in current:
                    added.append(still)
    return added, removed


def live_clip_of(db: Database, photo_id: int) -> int | None:
    """The MOV (its photo id) of a Live Photo's still, or None."""
    found = db.scalar("SELECT clip_photo_id FROM motion_clips WHERE photo_id = ? AND kind = 'apple-live'", (photo_id,))
    return None if found is None else int(found)


def stills_of(db: Database, photo_ids: list[int]) -> dict[int, str]:
    """MOV id -> the path of its still's first live file, for those of ``photo_ids`` that are the
    clip of a Live Photo (the ``clip_of`` key of their records)."""
    if not photo_ids:
        return {}
    ids = f"({','.join('?' * len(photo_ids))})"
    rows = db.query(
        f"SELECT m.clip_photo_id, {first_live_path('m.photo_id')} FROM motion_clips m"
        f" WHERE m.kind = 'apple-live' AND m.clip_photo_id IN {ids} ORDER BY m.photo_id",
        tuple(photo_ids),
    )
    out: dict[int, str] = {}
    for r in rows:
        if r[1] is not None:
            out.setdefault(int(r[0]), str(r[1]))
    return out
