"""The ``faces``, ``face_rejections`` and ``face_holds`` tables: what the faces analyser writes
(with each face's quality features), the faces a page, a creation or a name import reads, and the
faces the people job held for review.

Functions taking a ``Connection`` run inside the caller's write transaction (the
analysis pipeline's writer); those taking a :class:`Database` read on their own.

Dialect: ``group_concat`` (PostgreSQL: ``string_agg``), ``INSERT OR IGNORE`` (PostgreSQL:
``ON CONFLICT DO NOTHING``), ``datetime('now')`` (PostgreSQL: ``now()``) and ``lastrowid``
(PostgreSQL: ``RETURNING id``) are SQLite's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from camroll.store.db import Connection, Database, Row
from camroll.store.files import first_live_path

Box = tuple[float, float, float, float]


def face_rows(conn: Connection, photo_id: int) -> list[Row]:
    """A photo's stored faces (x, y, w, h, score, landmarks JSON, thumb), in detection order."""
    return conn.execute(
        "SELECT x, y, w, h, score, landmarks, thumb, at_s FROM faces WHERE photo_id = ? ORDER BY id", (photo_id,)
    ).fetchall()


def face_ids(conn: Connection, photo_id: int) -> list[int]:
    """The ids of a photo's faces, in detection order (how the expressions analyser indexes them)."""
    return [int(r[0]) for r in conn.execute("SELECT id FROM faces WHERE photo_id = ? ORDER BY id", (photo_id,))]


def delete_for_photo(conn: Connection, photo_id: int) -> None:
    """Forget a photo's faces (before its new detection is written)."""
    conn.execute("DELETE FROM faces WHERE photo_id = ?", (photo_id,))


def insert_face(
    conn: Connection,
    photo_id: int,
    box: Box,
    score: float,
    landmarks: str,
    embedding: bytes | None,
    model: str,
    thumb: str | None,
    quality: tuple[float, float, float, float] | None = None,
    at_s: float | None = None,
) -> int:
    """Store one detected face (its print already sealed) and its quality features (sharpness,
    eye_ratio, nose_offset, mouth_below; None: not measured), and in a video the time code of its
    frame; return its id."""
    cur = conn.execute(
        "INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, embedding, model, thumb,"
        " sharpness, eye_ratio, nose_offset, mouth_below, at_s)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (photo_id, *box, score, landmarks, embedding, model, thumb, *(quality or (None, None, None, None)), at_s),
    )
    return int(cur.lastrowid or 0)


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
            " pe.name, pe.ignored, e.label AS expression, e.score AS expression_score, e.smiling, e.model AS expression_model,"
            " fa.at_s FROM faces fa LEFT JOIN people pe ON pe.id = fa.person_id LEFT JOIN expressions e ON e.face_id = fa.id"
            " WHERE fa.photo_id = ? ORDER BY fa.x",
            (photo_id,),
        )
    ]


def boxes_and_people(db: Database, photo_id: int) -> list[Row]:
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


def sealed_prints(db: Database) -> list[Row]:
    """Every face with a print: id, photo_id, person_id and the print, still sealed."""
    return db.query("SELECT id, photo_id, person_id, embedding FROM faces WHERE embedding IS NOT NULL ORDER BY id")


def print_count(db: Database) -> int:
    """How many faces have a print."""
    return int(db.scalar("SELECT count(*) FROM faces WHERE embedding IS NOT NULL") or 0)


def print_batches(
    db: Database, size: int
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[bytes]]]:
    """Every face with a print, in id order, ``size`` at a time: numpy columns of ids, person ids
    (-1 for none), photo ids and detector scores, and the prints still sealed. One query, read in
    slices, so a library's faces are never all Python rows at once."""
    cursor = db.stream(
        "SELECT id, coalesce(person_id, -1), photo_id, score, embedding FROM faces WHERE embedding IS NOT NULL"
        " ORDER BY id"
    )
    try:
        while rows := cursor.fetchmany(size):
            ids, people, photos, scores, sealed = zip(*rows, strict=True)
            yield (
                np.array(ids, np.int64),
                np.array(people, np.int64),
                np.array(photos, np.int64),
                np.array(scores, np.float32),
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


def waiting_counts(db: Database, min_score: float) -> dict[str, int]:
    """Faces on no person, by why: ``held`` for review, ``not_clear_enough`` (a detector score at
    or under ``min_score``, or no print), and ``not_grouped_yet`` (clear, found since the people job last ran)."""
    row = db.conn.execute(
        "SELECT count(h.face_id), sum(h.face_id IS NULL AND (f.score <= ? OR f.embedding IS NULL)),"
        " sum(h.face_id IS NULL AND f.score > ? AND f.embedding IS NOT NULL)"
        " FROM faces f LEFT JOIN face_holds h ON h.face_id = f.id WHERE f.person_id IS NULL",
        (min_score, min_score),
    ).fetchone()
    return {"held": int(row[0] or 0), "not_clear_enough": int(row[1] or 0), "not_grouped_yet": int(row[2] or 0)}


# --- quality features measured after the fact ----------------------------------------------------


def unmeasured(db: Database, after_id: int, size: int) -> list[Row]:
    """Up to ``size`` faces with id above ``after_id`` whose quality was never measured, by id:
    id, x, y, w, h, landmarks, thumb, and their photo's displayed width and height."""
    return db.query(
        "SELECT f.id, f.x, f.y, f.w, f.h, f.landmarks, f.thumb, p.width, p.height FROM faces f"
        " JOIN photos p ON p.id = f.photo_id WHERE f.eye_ratio IS NULL AND f.id > ? ORDER BY f.id LIMIT ?",
        (after_id, size),
    )


def set_quality(db: Database, rows: list[tuple[float | None, float, float, float, int]]) -> None:
    """Store (sharpness, eye_ratio, nose_offset, mouth_below, face id) for each face."""
    with db.transaction() as conn:
        conn.executemany(
            "UPDATE faces SET sharpness = ?, eye_ratio = ?, nose_offset = ?, mouth_below = ? WHERE id = ?", rows
        )


# --- faces held for review ---------------------------------------------------------------------


def replace_holds(
    conn: Connection, decided: list[int], holds: list[tuple[int, int, float, int, float]], at: str
) -> None:
    """Inside the caller's transaction: drop the holds of the faces the job just decided again,
    then hold each (face, first person, its distance, second person, its distance)."""
    conn.executemany("DELETE FROM face_holds WHERE face_id = ?", [(f,) for f in decided])
    conn.executemany(
        "INSERT OR REPLACE INTO face_holds (face_id, first_person, first_distance, second_person,"
        " second_distance, at) VALUES (?, ?, ?, ?, ?, ?)",
        [(*h, at) for h in holds],
    )


def held(db: Database) -> list[Row]:
    """Every face held for review, by face: face id, photo id, box, score, the two people it
    stands between (id, name, distance), and the path of its photo's first live file."""
    return db.query(
        "SELECT f.id, f.photo_id, f.x, f.y, f.w, f.h, f.score, h.first_person, a.name AS first_name,"
        " h.first_distance, h.second_person, b.name AS second_name, h.second_distance,"
        f" {first_live_path('f.photo_id')} AS path"
        " FROM face_holds h JOIN faces f ON f.id = h.face_id JOIN people a ON a.id = h.first_person"
        " JOIN people b ON b.id = h.second_person WHERE f.person_id IS NULL ORDER BY f.id"
    )


def held_per_person(db: Database) -> dict[int, int]:
    """How many held faces name each person as the closest."""
    rows = db.query(
        "SELECT h.first_person, count(*) FROM face_holds h JOIN faces f ON f.id = h.face_id"
        " WHERE f.person_id IS NULL GROUP BY h.first_person"
    )
    return {int(r[0]): int(r[1]) for r in rows}
