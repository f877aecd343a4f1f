"""The export's reads (``camroll export``, :mod:`camroll.report.export`): every row of the
catalog and of each table a capability owns, in the order ``library.json`` lists them.

An aggregate rather than a table: the export is the one reader that wants *everything*, not the
live photos a page shows. So these functions apply no file-state test on purpose: a photo whose
only file went missing, and a missing or problem file itself, are exported with their state, as
the person's own data. What a revoked capability deleted is simply absent from its table.

``SELECT *`` is used where ``library.json`` carries a table's columns as they are (a new column
appears in the export with no change here); the other queries name the columns the export keeps
or adds (a person's face count, a near duplicate's fingerprint).

Dialect: plain SQL (``SELECT *``, a correlated ``count(*)`` subquery, ``LEFT JOIN``).
"""

from __future__ import annotations

from camroll.store.db import Database, Row


def photos(db: Database) -> list[Row]:
    """Every column of every catalogued photo (live or not), by id."""
    return db.query("SELECT * FROM photos ORDER BY id")


def photo_files(db: Database) -> list[Row]:
    """photo_id, path, size, state of every file that backs a photo, in any state (a missing
    copy is part of what camroll knows), first catalogued first. A file that failed to read backs
    no photo and is left out."""
    return db.query("SELECT photo_id, path, size, state FROM files WHERE photo_id IS NOT NULL ORDER BY id")


def faces(db: Database) -> list[Row]:
    """Every face with its box, points, sealed print (``embedding``, None when not kept), person
    and how it was assigned, by id."""
    return db.query(
        "SELECT id, photo_id, x, y, w, h, score, landmarks, embedding, model, person_id, confidence,"
        " assigned_by FROM faces ORDER BY id"
    )


def people(db: Database) -> list[Row]:
    """Every person (ignored ones too) with ``face_count``: how many faces are theirs, by id."""
    return db.query(
        "SELECT p.id, p.name, p.name_source, p.birthday, p.ignored, p.created_at,"
        " (SELECT count(*) FROM faces f WHERE f.person_id = p.id) AS face_count FROM people p ORDER BY p.id"
    )


def places(db: Database) -> list[Row]:
    """Every column of ``photo_places`` (the *places* capability's names), by photo."""
    return db.query("SELECT * FROM photo_places ORDER BY photo_id")


def face_rejections(db: Database) -> list[Row]:
    """face_id, person_id, at: each face a person said is not theirs, by face."""
    return db.query("SELECT face_id, person_id, at FROM face_rejections ORDER BY face_id")


def people_not_same(db: Database) -> list[Row]:
    """person_a, person_b, at: each pair a person said are two people (the people review)."""
    return db.query("SELECT person_a, person_b, at FROM people_not_same ORDER BY person_a, person_b")


def face_dismissals(db: Database) -> list[Row]:
    """photo_id, box (x, y, w, h), kind ('not_a_face' or 'dismissed'), at: faces set aside in the review."""
    return db.query("SELECT photo_id, x, y, w, h, kind, at FROM face_dismissals ORDER BY photo_id, x, y")


def expressions(db: Database) -> list[Row]:
    """Every column of ``expressions`` (``scores`` as JSON text), by face."""
    return db.query("SELECT * FROM expressions ORDER BY face_id")


def tags(db: Database) -> list[Row]:
    """photo_id, tag, score, evidence, model; by photo, most likely tag first."""
    return db.query("SELECT photo_id, tag, score, evidence, model FROM tags ORDER BY photo_id, score DESC")


def texts(db: Database) -> list[Row]:
    """Every column of ``texts`` (``lines`` and ``flags`` as JSON text), by photo."""
    return db.query("SELECT * FROM texts ORDER BY photo_id")


def sensitive(db: Database) -> list[Row]:
    """Every column of ``sensitive`` (``labels`` as JSON text), by photo."""
    return db.query("SELECT * FROM sensitive ORDER BY photo_id")


def quality(db: Database) -> list[Row]:
    """Every column of ``quality``, by photo."""
    return db.query("SELECT * FROM quality ORDER BY photo_id")


def near_duplicates(db: Database) -> list[Row]:
    """photo_id, group_id, best_id, distance of each photo in a near-duplicate group, with its
    fingerprint (``phash``, None if it has none), by group then photo."""
    return db.query(
        "SELECT nd.photo_id, nd.group_id, nd.best_id, nd.distance, fp.phash"
        " FROM near_duplicates nd LEFT JOIN fingerprints fp ON fp.photo_id = nd.photo_id"
        " ORDER BY nd.group_id, nd.photo_id"
    )


def fingerprints(db: Database) -> list[Row]:
    """photo_id, phash, model of every fingerprinted photo, by photo."""
    return db.query("SELECT photo_id, phash, model FROM fingerprints ORDER BY photo_id")


def analysis_state(db: Database) -> list[Row]:
    """Every column of ``analysis_state``: which capability analysed which photo, by photo then
    capability."""
    return db.query("SELECT * FROM analysis_state ORDER BY photo_id, capability")
