"""The ``faces`` and ``face_rejections`` tables: what the faces analyser writes, and the faces a
page, a creation or a name import reads.

Functions taking a ``sqlite3.Connection`` run inside the caller's write transaction (the
analysis pipeline's writer); those taking a :class:`Database` read on their own.

Dialect: ``group_concat`` (PostgreSQL: ``string_agg``), ``INSERT OR IGNORE`` (PostgreSQL:
``ON CONFLICT DO NOTHING``), ``datetime('now')`` (PostgreSQL: ``now()``) and ``lastrowid``
(PostgreSQL: ``RETURNING id``) are SQLite's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import numpy as np

from camroll.store.db import Database

Box = tuple[float, float, float, float]


def face_rows(conn: sqlite3.Connection, photo_id: int) -> list[sqlite3.Row]:
    """A photo's stored faces (x, y, w, h, score, landmarks JSON, thumb), in detection order."""
    return conn.execute(
        "SELECT x, y, w, h, score, landmarks, thumb FROM faces WHERE photo_id = ? ORDER BY id", (photo_id,)
    ).fetchall()


def face_ids(conn: sqlite3.Connection, photo_id: int) -> list[int]:
    """The ids of a photo's faces, in detection order (how the expressions analyser indexes them)."""
    return [int(r[0]) for r in conn.execute("SELECT id FROM faces WHERE photo_id = ? ORDER BY id", (photo_id,))]


def user_edits(conn: sqlite3.Connection, photo_id: int) -> list[tuple[Box, int | None, list[int]]]:
    """A photo's faces that a person assigned or rejected by hand: (box, person, rejected people)."""
    rows = conn.execute(
        "SELECT f.id, f.x, f.y, f.w, f.h, CASE WHEN f.assigned_by = 'user' THEN f.person_id END,"
        " (SELECT group_concat(person_id) FROM face_rejections r WHERE r.face_id = f.id)"
        " FROM faces f WHERE f.photo_id = ?",
        (photo_id,),
    ).fetchall()
    return [
        ((r[1], r[2], r[3], r[4]), r[5], [int(p) for p in (r[6] or "").split(",") if p])
        for r in rows
        if r[5] is not None or r[6]
    ]


def delete_for_photo(conn: sqlite3.Connection, photo_id: int) -> None:
    """Forget a photo's faces (before its new detection is written)."""
    conn.execute("DELETE FROM faces WHERE photo_id = ?", (photo_id,))


def insert_face(
    conn: sqlite3.Connection,
    photo_id: int,
    box: Box,
    score: float,
    landmarks: str,
    embedding: bytes | None,
    model: str,
    thumb: str | None,
) -> int:
    """Store one detected face (its print already sealed); return its id."""
    cur = conn.execute(
        "INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, embedding, model, thumb)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (photo_id, *box, score, landmarks, embedding, model, thumb),
    )
    return int(cur.lastrowid or 0)


def restore_user_edit(conn: sqlite3.Connection, face_id: int, person_id: int | None, rejected: list[int]) -> None:
    """Give a re-detected face a person's hand edits: the person they put it on, the people they
    said it is not."""
    if person_id is not None:
        conn.execute(
            "UPDATE faces SET person_id = ?, confidence = 1.0, assigned_by = 'user' WHERE id = ?", (person_id, face_id)
        )
    conn.executemany(
        "INSERT OR IGNORE INTO face_rejections (face_id, person_id, at) VALUES (?, ?, datetime('now'))",
        [(face_id, p) for p in rejected],
    )


def boxes(db: Database, photo_id: int) -> list[Box]:
    """Every face box of a photo (displayed full-size pixels), largest first."""
    rows = db.query("SELECT x, y, w, h FROM faces WHERE photo_id = ? ORDER BY w * h DESC, id", (photo_id,))
    return [(float(r["x"]), float(r["y"]), float(r["w"]), float(r["h"])) for r in rows]


def with_people(db: Database, photo_id: int) -> list[dict[str, Any]]:
    """A photo's faces left to right, each with its person (name, ignored), how it got there, and
    its expression: what the photo page explains."""
    return [
        dict(r)
        for r in db.query(
            "SELECT fa.id, fa.x, fa.y, fa.w, fa.h, fa.score, fa.model, fa.person_id, fa.confidence, fa.assigned_by,"
            " pe.name, pe.ignored, e.label AS expression, e.score AS expression_score, e.smiling, e.model AS expression_model"
            " FROM faces fa LEFT JOIN people pe ON pe.id = fa.person_id LEFT JOIN expressions e ON e.face_id = fa.id"
            " WHERE fa.photo_id = ? ORDER BY fa.x",
            (photo_id,),
        )
    ]


def boxes_and_people(db: Database, photo_id: int) -> list[sqlite3.Row]:
    """A photo's faces in detection order: id, x, y, w, h, person_id."""
    return db.query("SELECT id, x, y, w, h, person_id FROM faces WHERE photo_id = ? ORDER BY id", (photo_id,))


def people_in_photo(db: Database, photo_id: int, person_ids: list[int]) -> set[int]:
    """Which of ``person_ids`` have a face in the photo."""
    marks = ",".join("?" * len(person_ids))
    rows = db.query(
        f"SELECT DISTINCT person_id FROM faces WHERE photo_id = ? AND person_id IN ({marks})", [photo_id, *person_ids]
    )
    return {int(r[0]) for r in rows}


def thumb_name(db: Database, face_id: int) -> str | None:
    """The file name of a face's crop under the faces cache, or None."""
    name = db.scalar("SELECT thumb FROM faces WHERE id = ?", (face_id,))
    return None if not name else str(name)


def sealed_prints(db: Database) -> list[sqlite3.Row]:
    """Every face with a print: id, photo_id, person_id and the print, still sealed."""
    return db.query("SELECT id, photo_id, person_id, embedding FROM faces WHERE embedding IS NOT NULL ORDER BY id")


def print_count(db: Database) -> int:
    """How many faces have a print."""
    return int(db.scalar("SELECT count(*) FROM faces WHERE embedding IS NOT NULL") or 0)


def print_batches(db: Database, size: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, list[bytes]]]:
    """Every face with a print, in id order, ``size`` at a time: numpy columns of ids, person ids
    (-1 for none) and photo ids, and the prints still sealed. One query, read in slices, so a
    library's faces are never all Python rows at once."""
    cursor = db.conn.execute(
        "SELECT id, coalesce(person_id, -1), photo_id, embedding FROM faces WHERE embedding IS NOT NULL ORDER BY id"
    )
    try:
        while rows := cursor.fetchmany(size):
            ids, people, photos, sealed = zip(*rows, strict=True)
            yield (
                np.array(ids, np.int64),
                np.array(people, np.int64),
                np.array(photos, np.int64),
                list(sealed),
            )
    finally:
        cursor.close()


def rejections(db: Database) -> set[tuple[int, int]]:
    """(face, person) pairs a person said are not a match."""
    return {(int(r[0]), int(r[1])) for r in db.query("SELECT face_id, person_id FROM face_rejections")}


def count(db: Database) -> int:
    """How many faces are stored."""
    return int(db.scalar("SELECT count(*) FROM faces") or 0)


def photos_with_faces(db: Database) -> list[int]:
    """The ids of the photos with at least one face, ascending."""
    return [int(r[0]) for r in db.query("SELECT DISTINCT photo_id FROM faces ORDER BY photo_id")]


def thumbs_of_person(db: Database, person_id: int) -> list[str]:
    """The file names (under the faces cache) of the crops of a person's faces."""
    return [
        str(r[0]) for r in db.query("SELECT thumb FROM faces WHERE person_id = ? AND thumb IS NOT NULL", (person_id,))
    ]


def photos_of_person(db: Database, person_id: int) -> list[int]:
    """The ids of the photos a person's faces are in (each once)."""
    return [int(r[0]) for r in db.query("SELECT DISTINCT photo_id FROM faces WHERE person_id = ?", (person_id,))]


def unassigned_count(db: Database) -> int:
    """How many faces are on no person."""
    return int(db.scalar("SELECT count(*) FROM faces WHERE person_id IS NULL") or 0)
