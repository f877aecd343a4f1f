"""People: clustering faces into people, incrementally, and a person's edits winning.

Unit tests: faces with designed 128-d embeddings are written straight into a real catalog, so the
clustering rules are tested apart from any face model (the end-to-end accuracy on real photos is
tests/test_faces_accuracy.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from camroll.config import AppContext
from camroll.people import edit
from camroll.people.cluster import update_people
from camroll.privacy import consent
from camroll.store.db import now_iso

RNG = np.random.default_rng(7)


def _centre() -> np.ndarray:
    v = RNG.normal(size=128)
    return (v / np.linalg.norm(v)).astype(np.float32)


def _near(centre: np.ndarray, spread: float) -> np.ndarray:
    noise = RNG.normal(size=128)
    return (centre + noise / np.linalg.norm(noise) * spread).astype(np.float32)


def _add_faces(ctx: AppContext, vectors: list[np.ndarray]) -> list[int]:
    ids = []
    with ctx.db.transaction() as conn:
        for v in vectors:
            photo = conn.execute(
                "INSERT INTO photos (hash, format, kind, size, metadata_version, created_at) VALUES (?, 'jpeg', 'photo', 1, 1, ?)",
                (RNG.bytes(16).hex(), now_iso()),
            ).lastrowid
            ids.append(
                int(
                    conn.execute(
                        "INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, embedding, model) VALUES (?, 0, 0, 10, 10, 0.9, '[]', ?, 't')",
                        (photo, ctx.sealer("biometric").seal(v.tobytes())),
                    ).lastrowid
                    or 0
                )
            )
    return ids


def _people(ctx: AppContext) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for face, person in ctx.db.query("SELECT id, person_id FROM faces WHERE person_id IS NOT NULL"):
        out.setdefault(person, set()).add(face)
    return out


def test_faces_of_two_people_become_two_people_and_new_faces_join(ctx: AppContext) -> None:
    ana, ben = _centre(), _centre()
    a = _add_faces(ctx, [_near(ana, 0.3) for _ in range(5)])
    b = _add_faces(ctx, [_near(ben, 0.3) for _ in range(4)])
    update_people(ctx)
    assert sorted(map(sorted, _people(ctx).values())) == sorted([sorted(a), sorted(b)])
    edit.name(ctx, ctx.db.scalar("SELECT person_id FROM faces WHERE id = ?", (a[0],)), "Ana")
    [new] = _add_faces(ctx, [_near(ana, 0.3)])
    message = update_people(ctx)
    assert "1 faces joined" in message
    person = ctx.db.scalar("SELECT person_id FROM faces WHERE id = ?", (new,))
    assert ctx.db.scalar("SELECT name FROM people WHERE id = ?", (person,)) == "Ana"
    assert ctx.db.scalar("SELECT assigned_by FROM faces WHERE id = ?", (new,)).startswith("auto:")


def test_a_stranger_is_a_new_person_not_a_wrong_join(ctx: AppContext) -> None:
    ana = _centre()
    _add_faces(ctx, [_near(ana, 0.3) for _ in range(4)])
    update_people(ctx)
    [stranger] = _add_faces(ctx, [_centre()])
    update_people(ctx)
    people = _people(ctx)
    assert len(people) == 2 and {stranger} in people.values()


def test_a_rejected_face_never_goes_back(ctx: AppContext) -> None:
    ana = _centre()
    faces = _add_faces(ctx, [_near(ana, 0.3) for _ in range(5)])
    update_people(ctx)
    left = edit.remove_face(ctx, faces[0])
    assert left is not None
    update_people(ctx)
    assert ctx.db.scalar("SELECT person_id FROM faces WHERE id = ?", (faces[0],)) != left
    edit.assign(ctx, faces[0], left)  # the user changes their mind: their word wins again
    update_people(ctx)
    assert ctx.db.scalar("SELECT person_id FROM faces WHERE id = ?", (faces[0],)) == left


def test_merge_split_ignore_birthday(ctx: AppContext) -> None:
    ana, ben = _centre(), _centre()
    a = _add_faces(ctx, [_near(ana, 0.3) for _ in range(3)])
    b = _add_faces(ctx, [_near(ben, 0.3) for _ in range(3)])
    update_people(ctx)
    pa = ctx.db.scalar("SELECT person_id FROM faces WHERE id = ?", (a[0],))
    pb = ctx.db.scalar("SELECT person_id FROM faces WHERE id = ?", (b[0],))
    edit.name(ctx, pb, "Ben")
    assert edit.merge(ctx, pa, [pb]) == 3
    [merged] = edit.listing(ctx)
    assert merged["name"] == "Ben" and merged["face_count"] == 6
    new = edit.split(ctx, pa, b)
    assert _people(ctx) == {pa: set(a), new: set(b)}
    update_people(ctx)
    assert _people(ctx) == {pa: set(a), new: set(b)}, "a rerun keeps the user's split"
    edit.ignore(ctx, new)
    assert [p["id"] for p in edit.listing(ctx)] == [pa]
    assert len(edit.listing(ctx, include_ignored=True)) == 2
    [later] = _add_faces(ctx, [_near(ben, 0.3)])
    update_people(ctx)
    assert ctx.db.scalar("SELECT person_id FROM faces WHERE id = ?", (later,)) == new, "strangers stay ignored"
    edit.set_birthday(ctx, pa, "1990-05-17")
    assert edit.listing(ctx)[0]["birthday"] == "1990-05-17"
    for bad in ("17/05/1990", "2999-01-01"):
        with pytest.raises(edit.PeopleError):
            edit.set_birthday(ctx, pa, bad)


def test_look_alikes_are_left_apart(ctx: AppContext) -> None:
    """Two siblings: close to each other, closer to themselves. Never one person."""
    sib1 = _centre()
    sib2 = _near(sib1, 0.62)
    s1 = _add_faces(ctx, [_near(sib1, 0.25) for _ in range(4)])
    s2 = _add_faces(ctx, [_near(sib2, 0.25) for _ in range(4)])
    update_people(ctx)
    people = list(_people(ctx).values())
    assert not any(set(s1) & p and set(s2) & p for p in people)


def test_revoking_people_forgets_assignments_and_keeps_hand_edits(ctx: AppContext) -> None:
    """A revoke deletes what the job derived; the name the person typed (and the faces it
    confirmed, in face_edits) stays, unlisted, until the faces are grouped again."""
    ana, ben = _centre(), _centre()
    faces = _add_faces(ctx, [_near(ana, 0.3) for _ in range(3)])
    _add_faces(ctx, [_near(ben, 0.3) for _ in range(3)])
    consent.grant(ctx, "faces")
    consent.grant(ctx, "people")
    update_people(ctx)
    named = int(ctx.db.scalar("SELECT person_id FROM faces WHERE id = ?", (faces[0],)))
    edit.name(ctx, named, "Ana")
    [report] = consent.revoke(ctx, "people")
    assert report.rows["face assignments"] == 6 and report.rows["people"] == 1, "the unnamed person goes"
    assert ctx.db.scalar("SELECT count(*) FROM faces WHERE person_id IS NOT NULL") == 0
    assert ctx.db.scalar("SELECT count(*) FROM faces") == 6, "faces stay: only people was revoked"
    assert [tuple(r) for r in ctx.db.query("SELECT id, name FROM people")] == [(named, "Ana")]
    assert edit.listing(ctx) == [], "a person with no face is not listed"
    consent.grant(ctx, "people")
    update_people(ctx)
    assert {int(r[0]) for r in ctx.db.query("SELECT id FROM faces WHERE person_id = ?", (named,))} == set(faces)


def test_one_photo_never_holds_one_person_twice(ctx: AppContext) -> None:
    """Twins (or a face and its reflection) in one photo: two faces that look alike are still
    two people, both when clustered together and when joining a known person."""
    ana = _centre()
    with ctx.db.transaction() as conn:
        photo = conn.execute(
            "INSERT INTO photos (hash, format, kind, size, metadata_version, created_at) VALUES ('twins', 'jpeg', 'photo', 1, 1, ?)",
            (now_iso(),),
        ).lastrowid
        for _ in range(2):
            conn.execute(
                "INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, embedding, model)"
                " VALUES (?, 0, 0, 10, 10, 0.9, '[]', ?, 't')",
                (photo, ctx.sealer("biometric").seal(_near(ana, 0.2).tobytes())),
            )
    update_people(ctx)
    persons = [r[0] for r in ctx.db.query("SELECT person_id FROM faces WHERE photo_id = ?", (photo,))]
    assert len(set(persons)) == 2
    _add_faces(ctx, [_near(ana, 0.2) for _ in range(3)])
    update_people(ctx)
    persons = [r[0] for r in ctx.db.query("SELECT person_id FROM faces WHERE photo_id = ?", (photo,))]
    assert len(set(persons)) == 2


def test_a_new_face_model_keeps_what_a_person_confirmed(ctx: AppContext) -> None:
    """Re-detection (a new model version) replaces a photo's faces; hand edits follow the box
    (kept in face_edits, given back by the people job)."""
    from camroll.analysis.faces import Face, FaceAnalyser, FaceResult

    ana = _centre()
    faces = _add_faces(ctx, [_near(ana, 0.3) for _ in range(4)])
    update_people(ctx)
    person = ctx.db.scalar("SELECT person_id FROM faces WHERE id = ?", (faces[0],))
    edit.assign(ctx, faces[1], person)  # confirmed by hand
    other = edit.remove_face(ctx, faces[2])  # "not this person", by hand
    photo = ctx.db.scalar("SELECT photo_id FROM faces WHERE id = ?", (faces[1],))
    rejected_photo = ctx.db.scalar("SELECT photo_id FROM faces WHERE id = ?", (faces[2],))
    moved = Face((1.0, 0.5, 10.0, 10.0), 0.9, [], None, None)  # the same face, boxed a little differently
    elsewhere = Face((50.0, 50.0, 10.0, 10.0), 0.9, [], None, None)  # a face the old model missed
    with ctx.db.transaction() as conn:
        FaceAnalyser.store(conn, photo, FaceResult([moved, elsewhere]), "v2")
        FaceAnalyser.store(conn, rejected_photo, FaceResult([moved]), "v2")
    update_people(ctx)  # the people job gives the hand edits back
    rows = ctx.db.query("SELECT x, person_id, assigned_by FROM faces WHERE photo_id = ? ORDER BY x", (photo,))
    assert [(r["person_id"], r["assigned_by"]) for r in rows] == [(person, "user"), (None, None)]
    new_id = ctx.db.scalar("SELECT id FROM faces WHERE photo_id = ?", (rejected_photo,))
    assert other is not None
    assert ctx.db.scalar("SELECT person_id FROM face_rejections WHERE face_id = ?", (new_id,)) == person


def test_a_face_removed_from_an_unnamed_person_stays_off_it_after_revoke_and_grant(ctx: AppContext) -> None:
    """ "Not this person" on a person nobody named: the faces left are confirmed by it, so the
    person and the rejection both come back after a revoke and a new grant."""
    ana = _centre()
    faces = _add_faces(ctx, [_near(ana, 0.3) for _ in range(4)])
    consent.grant(ctx, "faces")
    consent.grant(ctx, "people")
    update_people(ctx)
    person = int(ctx.db.scalar("SELECT person_id FROM faces WHERE id = ?", (faces[0],)))
    assert edit.remove_face(ctx, faces[3]) == person
    consent.revoke(ctx, "people")
    assert ctx.db.scalar("SELECT count(*) FROM faces WHERE person_id IS NOT NULL") == 0
    consent.grant(ctx, "people")
    update_people(ctx)
    assert _people(ctx)[person] == set(faces[:3])
    assert ctx.db.scalar("SELECT person_id FROM faces WHERE id = ?", (faces[3],)) != person
