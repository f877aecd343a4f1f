"""What the people review reads and writes: "not the same person" answers (``people_not_same``),
faces set aside (``face_dismissals``), the queue of faces on no one, a face drawn by hand, and a
new person named from one face.

Each write is one transaction. A person's answer is theirs, like a hand edit in ``face_edits``:
the clustering job reads it and never rewrites it.

Dialect: ``INSERT OR IGNORE`` (PostgreSQL: ``ON CONFLICT DO NOTHING``), ``lastrowid``
(PostgreSQL: ``RETURNING id``) and ``round``/``CAST`` on boxes are SQLite's.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from camroll.store.db import Database, Row, now_iso
from camroll.store.files import first_live_path

_BOX = (
    "CAST(round(f.x) AS INTEGER), CAST(round(f.y) AS INTEGER), CAST(round(f.w) AS INTEGER), CAST(round(f.h) AS INTEGER)"
)
_DISMISSED = (
    "EXISTS (SELECT 1 FROM face_dismissals d WHERE d.photo_id = f.photo_id AND d.x = CAST(round(f.x) AS INTEGER)"
    " AND d.y = CAST(round(f.y) AS INTEGER) AND d.w = CAST(round(f.w) AS INTEGER) AND d.h = CAST(round(f.h) AS INTEGER))"
)
"""A face the person set aside, matched by its photo and rounded box (so it holds for the same
detection found again after a revoke and a new grant)."""


# --- "not the same person" -------------------------------------------------------------------


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def remember_not_same(db: Database, a: int, b: int) -> None:
    """Remember that people ``a`` and ``b`` are two people (never suggest merging them)."""
    with db.transaction() as conn:
        conn.execute("INSERT OR IGNORE INTO people_not_same VALUES (?, ?, ?)", (*_pair(a, b), now_iso()))


def not_same_pairs(db: Database) -> set[tuple[int, int]]:
    """Every (smaller id, larger id) pair answered "not the same person"."""
    return {(int(r[0]), int(r[1])) for r in db.query("SELECT person_a, person_b FROM people_not_same")}


def together(db: Database, pairs: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of ``pairs`` (smaller id first) have faces in one photo: one person is in a photo once,
    so such a pair is two people."""
    out: set[tuple[int, int]] = set()
    for a, b in pairs:
        hit = db.scalar(
            "SELECT 1 FROM faces x JOIN faces y ON y.photo_id = x.photo_id WHERE x.person_id = ? AND y.person_id = ?"
            " LIMIT 1",
            (a, b),
        )
        if hit is not None:
            out.add((a, b))
    return out


def print_batches_by_person(db: Database, size: int) -> Iterator[tuple[np.ndarray, list[bytes]]]:
    """The prints of faces on people not ignored, ``size`` at a time: person ids and the prints
    still sealed. Read in slices, so a library's prints are never all rows at once."""
    cursor = db.stream(
        "SELECT f.person_id, f.embedding FROM faces f JOIN people p ON p.id = f.person_id"
        " WHERE f.embedding IS NOT NULL AND p.ignored = 0 ORDER BY f.person_id"
    )
    try:
        while rows := cursor.fetchmany(size):
            people, sealed = zip(*rows, strict=True)
            yield np.array(people, np.int64), list(sealed)
    finally:
        cursor.close()


# --- the queue of faces on no one ------------------------------------------------------------


def unassigned(db: Database, min_score: float, limit: int) -> list[Row]:
    """Up to ``limit`` faces on no person, not held and not set aside, clearest first: id,
    photo_id, box, score, ``clear`` (1: the people job may still group it; 0: not clear enough,
    a person must say who it is) and the path of its photo's first live file."""
    return db.query(
        "SELECT f.id, f.photo_id, f.x, f.y, f.w, f.h, f.score,"
        " (f.score > ? AND f.embedding IS NOT NULL) AS clear,"
        f" {first_live_path('f.photo_id')} AS path FROM faces f"
        " WHERE f.person_id IS NULL AND NOT EXISTS (SELECT 1 FROM face_holds h WHERE h.face_id = f.id)"
        f" AND NOT {_DISMISSED} ORDER BY f.score DESC, f.id LIMIT ?",
        (min_score, limit),
    )


def unassigned_count(db: Database) -> int:
    """How many faces :func:`unassigned` could list."""
    return int(
        db.scalar(
            "SELECT count(*) FROM faces f WHERE f.person_id IS NULL"
            f" AND NOT EXISTS (SELECT 1 FROM face_holds h WHERE h.face_id = f.id) AND NOT {_DISMISSED}"
        )
        or 0
    )


def held_face(db: Database, face_id: int) -> Row | None:
    """A held face's two candidates (first_person, second_person), or None if it is not held."""
    rows = db.query(
        "SELECT h.first_person, h.second_person FROM face_holds h JOIN faces f ON f.id = h.face_id"
        " WHERE h.face_id = ? AND f.person_id IS NULL",
        (face_id,),
    )
    return rows[0] if rows else None


def face_row(db: Database, face_id: int) -> Row | None:
    """id, photo_id, box, person_id and thumb of one face; None if there is none."""
    rows = db.query("SELECT id, photo_id, x, y, w, h, person_id, thumb FROM faces WHERE id = ?", (face_id,))
    return rows[0] if rows else None


def reject_both(db: Database, face_id: int, people: list[int]) -> None:
    """ "Someone else": the face is none of ``people`` (recorded like "not this person", so a
    revoke and a new grant keep it), and it is no longer held."""
    now = now_iso()
    with db.transaction() as conn:
        for person in people:
            conn.execute("INSERT OR IGNORE INTO face_rejections VALUES (?, ?, ?)", (face_id, person, now))
            conn.execute(
                f"INSERT INTO face_edits (photo_id, x, y, w, h, person_id, kind, at) SELECT f.photo_id, {_BOX}, ?,"
                " 'not', ? FROM faces f WHERE f.id = ? ON CONFLICT (photo_id, x, y, w, h, person_id)"
                " DO UPDATE SET kind = 'not', at = excluded.at",
                (person, now, face_id),
            )
        conn.execute("DELETE FROM face_holds WHERE face_id = ?", (face_id,))


def dismiss(db: Database, face_id: int, kind: str) -> str | None:
    """Set a face aside (``kind``: 'not_a_face' deletes its row too, 'dismissed' keeps it); return
    the file name of its crop (for the caller to delete with a deleted face), or None."""
    with db.transaction() as conn:
        row = conn.execute("SELECT thumb FROM faces WHERE id = ?", (face_id,)).fetchone()
        conn.execute(
            f"INSERT OR REPLACE INTO face_dismissals (photo_id, x, y, w, h, kind, at) SELECT f.photo_id, {_BOX}, ?, ?"
            " FROM faces f WHERE f.id = ?",
            (kind, now_iso(), face_id),
        )
        conn.execute("DELETE FROM face_holds WHERE face_id = ?", (face_id,))
        if kind == "not_a_face":
            conn.execute("DELETE FROM faces WHERE id = ?", (face_id,))
    return None if row is None or row[0] is None else str(row[0])


# --- naming and drawing ----------------------------------------------------------------------


def named_people(db: Database) -> list[Row]:
    """id and name of every named person not ignored, by name: the type-ahead's choices."""
    return db.query("SELECT id, name FROM people WHERE name IS NOT NULL AND ignored = 0 ORDER BY lower(name), id")


def new_person_named(db: Database, name: str) -> int:
    """Make a person with a name (the person's own), holding no face yet; return their id."""
    with db.transaction() as conn:
        return int(
            conn.execute(
                "INSERT INTO people (name, name_source, created_at) VALUES (?, 'user', ?)", (name, now_iso())
            ).lastrowid
            or 0
        )


def insert_drawn_face(
    db: Database,
    photo_id: int,
    box: tuple[float, float, float, float],
    landmarks: str,
    embedding: bytes | None,
    model: str,
    thumb: str | None,
    quality: tuple[float | None, float, float, float],
    person_id: int | None,
) -> int:
    """Store a face the person drew (score 1.0: a person saw it), on ``person_id`` by hand when
    given, and its hand edit marked ``drawn``; return its id."""
    now = now_iso()
    with db.transaction() as conn:
        face = int(
            conn.execute(
                "INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, embedding, model, thumb, person_id,"
                " confidence, assigned_by, sharpness, eye_ratio, nose_offset, mouth_below)"
                " VALUES (?, ?, ?, ?, ?, 1.0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    photo_id,
                    *box,
                    landmarks,
                    embedding,
                    model,
                    thumb,
                    person_id,
                    None if person_id is None else 1.0,
                    None if person_id is None else "user",
                    *quality,
                ),
            ).lastrowid
            or 0
        )
        if person_id is not None:
            conn.execute(
                f"INSERT INTO face_edits (photo_id, x, y, w, h, person_id, kind, at, drawn) SELECT f.photo_id, {_BOX},"
                " ?, 'is', ?, 1 FROM faces f WHERE f.id = ? ON CONFLICT (photo_id, x, y, w, h, person_id)"
                " DO UPDATE SET kind = 'is', at = excluded.at, drawn = 1",
                (person_id, now, face),
            )
    return face


def mark_drawn(db: Database, face_id: int) -> None:
    """Mark the hand edits of a drawn face (after it was put on someone) as drawn."""
    with db.transaction() as conn:
        conn.execute(
            f"UPDATE face_edits SET drawn = 1 WHERE (photo_id, x, y, w, h) IN (SELECT f.photo_id, {_BOX}"
            " FROM faces f WHERE f.id = ? AND f.model LIKE 'drawn:%')",
            (face_id,),
        )


def drawn_edits(db: Database, after: int, size: int) -> list[Row]:
    """Up to ``size`` drawn faces' hand edits ("is" a person) of photos with id above ``after``,
    by photo: photo_id, x, y, w, h, person_id."""
    return db.query(
        "SELECT photo_id, x, y, w, h, person_id FROM face_edits WHERE drawn = 1 AND kind = 'is' AND photo_id > ?"
        " ORDER BY photo_id, x, y LIMIT ?",
        (after, size),
    )
