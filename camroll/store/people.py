"""The ``people`` table and the faces' assignment to people: a person's edits, the clustering
job's assignments, and the listings and aggregates built on them.

Each edit is one transaction here, so a person's edit is all or nothing; the rules (what may be
edited, what a name looks like) stay in ``people/edit.py``. A face a person moved is marked
``assigned_by = 'user'`` with confidence 1.0: the clustering job never touches it.

Every hand edit of a face is also written to ``face_edits`` (photo, box rounded to whole pixels,
person, ``is`` or ``not``), which a revoke of faces or people does not purge: the faces found
again after a new grant get their edits back from it (:func:`apply_edits`), so a name, a split,
a "not this person" and a birthday survive revoke and re-grant. Removing the photo or forgetting
the person deletes them (cascade).

Dialect: ``INSERT OR IGNORE`` (PostgreSQL: ``ON CONFLICT DO NOTHING``), ``group_concat``
(PostgreSQL: ``string_agg``; with ``DISTINCT`` it takes a text cast) and ``lastrowid``
(PostgreSQL: ``RETURNING id``) are SQLite's.
"""

from __future__ import annotations

from collections.abc import Iterator

from camroll.store.db import Connection, Database, Row, now_iso
from camroll.store.faces import replace_holds
from camroll.store.files import first_live_path


def exists(db: Database, person_id: int) -> bool:
    return db.scalar("SELECT 1 FROM people WHERE id = ?", (person_id,)) is not None


def ids_named(db: Database, name: str) -> list[int]:
    """The people called ``name``, whatever its case (exactly, no pattern), by id."""
    return [int(r[0]) for r in db.query("SELECT id FROM people WHERE lower(name) = lower(?) ORDER BY id", (name,))]


def person(db: Database, person_id: int) -> Row | None:
    """name, birthday, ignored of a person; None if there is no such person."""
    rows = db.query("SELECT name, birthday, ignored FROM people WHERE id = ?", (person_id,))
    return rows[0] if rows else None


_BOX = "CAST(round(x) AS INTEGER), CAST(round(y) AS INTEGER), CAST(round(w) AS INTEGER), CAST(round(h) AS INTEGER)"


def _record(conn: Connection, face_ids: list[int], person_id: int, kind: str) -> None:
    """Inside the caller's transaction: remember that each face ``is`` (or is ``not``) the person,
    by its photo and box. A face is one person: an ``is`` drops the box's other ``is``."""
    now = now_iso()
    for face_id in face_ids:
        if kind == "is":
            conn.execute(
                f"DELETE FROM face_edits WHERE kind = 'is' AND person_id != ? AND (photo_id, x, y, w, h) IN"
                f" (SELECT photo_id, {_BOX} FROM faces WHERE id = ?)",
                (person_id, face_id),
            )
        conn.execute(
            f"INSERT INTO face_edits (photo_id, x, y, w, h, person_id, kind, at) SELECT photo_id, {_BOX}, ?, ?, ?"
            " FROM faces WHERE id = ? ON CONFLICT (photo_id, x, y, w, h, person_id)"
            " DO UPDATE SET kind = excluded.kind, at = excluded.at",
            (person_id, kind, now, face_id),
        )


def _confirm(conn: Connection, person_id: int) -> None:
    """The person's faces as they are now are theirs, by hand (naming, a birthday, an ignore)."""
    conn.execute("UPDATE faces SET assigned_by = 'user', confidence = 1.0 WHERE person_id = ?", (person_id,))
    ids = [int(r[0]) for r in conn.execute("SELECT id FROM faces WHERE person_id = ?", (person_id,))]
    _record(conn, ids, person_id, "is")


def rename(db: Database, person_id: int, name: str) -> None:
    """Name a person; naming confirms that the faces it holds now are this person's, whatever a
    rerun thinks."""
    with db.transaction() as conn:
        conn.execute("UPDATE people SET name = ?, name_source = 'user' WHERE id = ?", (name, person_id))
        _confirm(conn, person_id)


def merge(db: Database, into: int, others: list[int]) -> int:
    """Move every face of ``others`` into ``into`` (which keeps its name and birthday, or takes
    theirs when it has none) and delete them; return how many faces moved."""
    moved = 0
    with db.transaction() as conn:
        for other in others:
            # Read first: deleting the other's last hand edit below deletes them (face_edits_last_one).
            row = conn.execute("SELECT name, birthday FROM people WHERE id = ?", (other,)).fetchone()
            ids = [int(r[0]) for r in conn.execute("SELECT id FROM faces WHERE person_id = ?", (other,))]
            moved += conn.execute(
                "UPDATE faces SET person_id = ?, assigned_by = 'user', confidence = 1.0 WHERE person_id = ?",
                (into, other),
            ).rowcount
            conn.execute(  # the other's edits move, but never onto one the kept person has already
                "UPDATE face_edits SET person_id = ? WHERE person_id = ? AND NOT EXISTS (SELECT 1 FROM face_edits e"
                " WHERE e.person_id = ? AND e.photo_id = face_edits.photo_id AND e.x = face_edits.x"
                " AND e.y = face_edits.y AND e.w = face_edits.w AND e.h = face_edits.h)",
                (into, other, into),
            )
            conn.execute("DELETE FROM face_edits WHERE person_id = ?", (other,))
            _record(conn, ids, into, "is")
            conn.execute(
                "UPDATE people SET name = coalesce(name, ?), birthday = coalesce(birthday, ?) WHERE id = ?",
                (row[0], row[1], into),
            )
            conn.execute("DELETE FROM people WHERE id = ?", (other,))
    return moved


def face_ids_of(db: Database, person_id: int) -> set[int]:
    return {int(r[0]) for r in db.query("SELECT id FROM faces WHERE person_id = ?", (person_id,))}


def split(db: Database, person_id: int, face_ids: list[int]) -> int:
    """Move faces of a person into a new person, and record that they are not the first one and
    that the faces left are (so both sides of a split come back after a revoke and a new
    grant); return the new person's id."""
    with db.transaction() as conn:
        new = int(conn.execute("INSERT INTO people (created_at) VALUES (?)", (now_iso(),)).lastrowid or 0)
        conn.executemany(
            "UPDATE faces SET person_id = ?, assigned_by = 'user', confidence = 1.0 WHERE id = ?",
            [(new, f) for f in face_ids],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO face_rejections VALUES (?, ?, ?)", [(f, person_id, now_iso()) for f in face_ids]
        )
        _record(conn, face_ids, new, "is")
        _record(conn, face_ids, person_id, "not")
        _confirm(conn, person_id)  # a split says who both sides are: the faces left are the first person's
    return new


def face_owner(db: Database, face_id: int) -> tuple[bool, int | None]:
    """(whether the face exists, the person it is on or None)."""
    row = db.conn.execute("SELECT person_id FROM faces WHERE id = ?", (face_id,)).fetchone()
    return (False, None) if row is None else (True, None if row[0] is None else int(row[0]))


def detach_face(db: Database, face_id: int, person_id: int | None) -> None:
    """Take a face off its person for good: it will never be put back on ``person_id``. Like a
    split, it says who the person is: the faces left are confirmed, so after a revoke and a new
    grant the person comes back with them and the rejection still has someone to refuse."""
    with db.transaction() as conn:
        if person_id is not None:
            conn.execute("INSERT OR IGNORE INTO face_rejections VALUES (?, ?, ?)", (face_id, person_id, now_iso()))
            _record(conn, [face_id], person_id, "not")
        conn.execute(
            "UPDATE faces SET person_id = NULL, confidence = NULL, assigned_by = NULL WHERE id = ?", (face_id,)
        )
        if person_id is not None:
            _confirm(conn, person_id)


def assign_face(db: Database, face_id: int, person_id: int) -> bool:
    """Put a face on a person by hand (lifting any earlier "not them"); False if there is no such face."""
    with db.transaction() as conn:
        if (
            conn.execute(
                "UPDATE faces SET person_id = ?, assigned_by = 'user', confidence = 1.0 WHERE id = ?",
                (person_id, face_id),
            ).rowcount
            == 0
        ):
            return False
        conn.execute("DELETE FROM face_rejections WHERE face_id = ? AND person_id = ?", (face_id, person_id))
        conn.execute("DELETE FROM face_holds WHERE face_id = ?", (face_id,))
        _record(conn, [face_id], person_id, "is")
    return True


def set_ignored(db: Database, person_id: int, ignored: bool) -> None:
    """Ignore a person (confirming the faces they hold: a stranger stays one after a re-grant),
    or show them again."""
    with db.transaction() as conn:
        conn.execute("UPDATE people SET ignored = ? WHERE id = ?", (int(ignored), person_id))
        if ignored:
            _confirm(conn, person_id)


def set_birthday(db: Database, person_id: int, birthday: str | None) -> None:
    """Set a birthday; like a name, it confirms the faces the person holds now."""
    with db.transaction() as conn:
        conn.execute("UPDATE people SET birthday = ? WHERE id = ?", (birthday, person_id))
        if birthday is not None:
            _confirm(conn, person_id)


def set_cover(db: Database, person_id: int, face_id: int | None) -> None:
    """Choose a person's cover face by hand (None: the best face by quality again)."""
    with db.transaction() as conn:
        conn.execute("UPDATE people SET cover_face_id = ? WHERE id = ?", (face_id, person_id))


def all_people(db: Database, include_ignored: bool) -> list[Row]:
    """id, name, birthday, ignored, cover_face_id of every person with a face (the ignored only if
    asked), by id. A person kept only by their hand edits (their faces revoked) is not listed
    until their faces are found again."""
    return db.query(
        "SELECT id, name, birthday, ignored, cover_face_id FROM people p"
        " WHERE EXISTS (SELECT 1 FROM faces f WHERE f.person_id = p.id)"
        + ("" if include_ignored else " AND ignored = 0")
        + " ORDER BY id"
    )


def assigned_faces(db: Database) -> list[Row]:
    """Every face on a person, by person then face: id, person_id, photo_id, x, y, w, h, score,
    confidence, assigned_by, the quality features (sharpness, eye_ratio, nose_offset,
    mouth_below; NULL until measured) and the path of its photo's first live file (NULL if none)."""
    return db.query(
        "SELECT fa.id, fa.person_id, fa.photo_id, fa.x, fa.y, fa.w, fa.h, fa.score, fa.confidence, fa.assigned_by,"
        " fa.sharpness, fa.eye_ratio, fa.nose_offset, fa.mouth_below,"
        f" {first_live_path('fa.photo_id')} AS path FROM faces fa WHERE fa.person_id IS NOT NULL ORDER BY fa.person_id, fa.id"
    )


def birthdays(db: Database) -> list[tuple[int, str]]:
    """(person id, birthday as written) of the people not ignored who have one."""
    return [
        (int(r[0]), str(r[1]))
        for r in db.query("SELECT id, birthday FROM people WHERE ignored = 0 AND birthday IS NOT NULL")
    ]


# --- the clustering job ------------------------------------------------------------------------

_UNTOUCHED = (
    "SELECT p.id FROM people p WHERE p.name IS NULL AND p.birthday IS NULL AND p.ignored = 0 AND p.cover_face_id IS NULL"
    " AND NOT EXISTS (SELECT 1 FROM faces f WHERE f.person_id = p.id AND f.assigned_by = 'user')"
    " AND NOT EXISTS (SELECT 1 FROM face_rejections r WHERE r.person_id = p.id)"
    " AND NOT EXISTS (SELECT 1 FROM face_edits e WHERE e.person_id = p.id)"
    " AND NOT EXISTS (SELECT 1 FROM people_not_same n WHERE p.id IN (n.person_a, n.person_b))"
)


def forget_untouched(db: Database) -> int:
    """In one transaction: take every face off the people nobody touched (no name, birthday,
    ignore, hand-placed face, "not this person" or "not the same person") and delete those people, so a full re-cluster
    can group their faces again; return how many people were forgotten."""
    with db.transaction() as conn:
        conn.execute(
            f"UPDATE faces SET person_id = NULL, confidence = NULL, assigned_by = NULL WHERE person_id IN ({_UNTOUCHED})"
        )
        return conn.execute(f"DELETE FROM people WHERE id IN ({_UNTOUCHED})").rowcount


def save_assignments(
    db: Database,
    attached: list[tuple[int, int, float]],
    clusters: list[tuple[list[int], float]],
    tag: str,
    decided: list[int] | None = None,
    holds: list[tuple[int, int, float, int, float]] | None = None,
) -> int:
    """In one transaction: put each (face, person, confidence) of ``attached`` on its person unless
    a face got one meanwhile, make one new person of each (face ids, confidence) cluster, and
    replace the holds of the ``decided`` faces with ``holds`` (face, first person, distance,
    second person, distance). Returns how many people were made."""
    now = now_iso()
    with db.transaction() as conn:
        replace_holds(conn, decided or [], holds or [], now)
        conn.executemany(
            "UPDATE faces SET person_id = ?, confidence = ?, assigned_by = ? WHERE id = ? AND person_id IS NULL",
            [(p, c, tag, f) for f, p, c in attached],
        )
        for face_ids, confidence in clusters:
            new = conn.execute("INSERT INTO people (created_at) VALUES (?)", (now,)).lastrowid
            conn.executemany(
                "UPDATE faces SET person_id = ?, confidence = ?, assigned_by = ? WHERE id = ?",
                [(new, confidence, tag, f) for f in face_ids],
            )
    return len(clusters)


# --- names imported from other apps ----------------------------------------------------------


def name_and_source(conn: Connection, person_id: int) -> tuple[str | None, str | None] | None:
    """(name, where it came from) of a person, inside the caller's transaction; None if gone."""
    row = conn.execute("SELECT name, name_source FROM people WHERE id = ?", (person_id,)).fetchone()
    return None if row is None else (row[0], row[1])


def set_imported_name(conn: Connection, person_id: int, name: str, source: str) -> None:
    """Name a person from another app's regions (``source`` starts with ``import:``)."""
    conn.execute("UPDATE people SET name = ?, name_source = ? WHERE id = ?", (name, source, person_id))


# --- aggregates for the exposure report -------------------------------------------------------


def photos_per_person(db: Database) -> list[tuple[int, str | None, list[int]]]:
    """(person id, name, ids of their photos) of every person not ignored with a face."""
    rows = db.query(
        "SELECT p.id, p.name, group_concat(DISTINCT f.photo_id) AS pids FROM faces f JOIN people p"
        " ON p.id = f.person_id WHERE p.ignored = 0 GROUP BY p.id"
    )
    return [(int(r[0]), r[1], sorted(int(x) for x in r[2].split(","))) for r in rows]


def photos_per_birthday(db: Database) -> list[tuple[int, str | None, str, list[int]]]:
    """(person id, name, birthday, ids of their photos) of every person with a birthday."""
    rows = db.query(
        "SELECT p.id, p.name, p.birthday, group_concat(DISTINCT f.photo_id) AS pids FROM people p"
        " LEFT JOIN faces f ON f.person_id = p.id WHERE p.birthday IS NOT NULL GROUP BY p.id"
    )
    return [(int(r[0]), r[1], str(r[2]), sorted(int(x) for x in (r[3] or "").split(",") if x)) for r in rows]


def pairs_together(db: Database) -> list[tuple[int, int, int]]:
    """(person a, person b, photo) for two people not ignored with faces in one photo, a < b."""
    rows = db.query(
        "SELECT DISTINCT a.person_id, b.person_id, a.photo_id FROM faces a JOIN faces b ON a.photo_id = b.photo_id"
        " AND a.person_id < b.person_id JOIN people pa ON pa.id = a.person_id JOIN people pb ON pb.id = b.person_id"
        " WHERE pa.ignored = 0 AND pb.ignored = 0"
    )
    return [(int(r[0]), int(r[1]), int(r[2])) for r in rows]


def delete_in(conn: Connection, person_id: int) -> tuple[int, int]:
    """Inside the caller's transaction: delete a person's faces, then the person; return
    (faces deleted, people deleted)."""
    faces = conn.execute("DELETE FROM faces WHERE person_id = ?", (person_id,)).rowcount
    return faces, conn.execute("DELETE FROM people WHERE id = ?", (person_id,)).rowcount


def ids_by_id_or_name(db: Database, person: str) -> list[int]:
    """The people ``person`` names: the one with that id (when it is digits), and everyone with
    that name, whatever its case; by id."""
    rows = db.query(
        "SELECT id FROM people WHERE id = ? OR lower(name) = lower(?) ORDER BY id",
        (int(person) if person.isdigit() else -1, person),
    )
    return [int(r[0]) for r in rows]


# --- hand edits given back to faces found again ------------------------------------------------


_UNAPPLIED = (
    "SELECT DISTINCT e.photo_id FROM face_edits e WHERE e.photo_id > ? AND NOT EXISTS (SELECT 1 FROM faces f"
    " WHERE f.photo_id = e.photo_id AND ((e.kind = 'is' AND f.person_id = e.person_id AND f.assigned_by = 'user')"
    " OR (e.kind = 'not' AND EXISTS (SELECT 1 FROM face_rejections r WHERE r.face_id = f.id"
    " AND r.person_id = e.person_id)))) ORDER BY e.photo_id LIMIT ?"
)
"""Photos with an edit that no face of theirs shows yet (after a new grant, a new model): the
only photos worth matching, so a run with nothing to give back reads no edit twice."""


def edit_pages(db: Database, size: int) -> Iterator[tuple[list[Row], list[Row]]]:
    """For up to ``size`` photos at a time (by id) with an edit not yet shown by their faces:
    their edits (photo_id, x, y, w, h, person_id, kind) and their faces (id, photo_id, x, y, w,
    h, person_id, assigned_by, and ``rejected``: the people it is recorded as not being, comma
    separated)."""
    after = -1
    while True:
        photos = [int(r[0]) for r in db.query(_UNAPPLIED, (after, size))]
        if not photos:
            return
        after = photos[-1]
        marks = ",".join("?" * len(photos))
        edits = db.query(
            f"SELECT photo_id, x, y, w, h, person_id, kind FROM face_edits WHERE photo_id IN ({marks})", photos
        )
        found = db.query(
            "SELECT f.id, f.photo_id, f.x, f.y, f.w, f.h, f.person_id, f.assigned_by,"
            " (SELECT group_concat(r.person_id) FROM face_rejections r WHERE r.face_id = f.id) AS rejected"
            f" FROM faces f WHERE f.photo_id IN ({marks})",
            photos,
        )
        yield edits, found


def give_back(db: Database, assign: list[tuple[int, int]], reject: list[tuple[int, int]]) -> None:
    """In one transaction: put each (face, person) of ``assign`` on that person by hand, and
    record each (face, person) of ``reject`` as "not this person" (taking the face off that
    person if the job had put it there)."""
    now = now_iso()
    with db.transaction() as conn:
        conn.executemany(
            "UPDATE faces SET person_id = ?, confidence = 1.0, assigned_by = 'user' WHERE id = ?",
            [(p, f) for f, p in assign],
        )
        conn.executemany("DELETE FROM face_holds WHERE face_id = ?", [(f,) for f, _ in assign])
        conn.executemany("INSERT OR IGNORE INTO face_rejections VALUES (?, ?, ?)", [(f, p, now) for f, p in reject])
        conn.executemany(
            "UPDATE faces SET person_id = NULL, confidence = NULL, assigned_by = NULL"
            " WHERE id = ? AND person_id = ? AND assigned_by IS NOT 'user'",
            reject,
        )


def review_marker(db: Database) -> tuple[int, ...]:
    """Changes whenever what the merge suggestions are computed from may have changed: the people,
    the faces on them, and the pairs answered "not the same"."""
    row = db.conn.execute(
        "SELECT (SELECT count(*) FROM people), (SELECT coalesce(max(id), 0) FROM people),"
        " (SELECT count(*) FROM faces WHERE person_id IS NOT NULL), (SELECT coalesce(max(id), 0) FROM faces),"
        " (SELECT count(*) FROM people_not_same)"
    ).fetchone()
    return tuple(int(v) for v in row)
