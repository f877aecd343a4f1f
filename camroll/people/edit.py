"""What a person does to people: name, merge, split, remove a face, ignore, set a birthday.

Every edit is the user's and wins over any automatic rerun: a face moved by hand is marked
``assigned_by = 'user'`` (the clustering job never touches it), a face removed from a person is
recorded in ``face_rejections`` (it will never be put back there), and names, birthdays and
ignores live on the person, which the job never rewrites.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from camroll.config import AppContext
from camroll.errors import RequestError
from camroll.store.db import now_iso


class PeopleError(RequestError, ValueError):
    """An edit that cannot be done; the message is for the person who asked."""


def _person(ctx: AppContext, person_id: int) -> None:
    if ctx.db.scalar("SELECT 1 FROM people WHERE id = ?", (person_id,)) is None:
        raise PeopleError(f"there is no person {person_id} (see `camroll people`)")


def name(ctx: AppContext, person_id: int, new_name: str) -> None:
    _person(ctx, person_id)
    cleaned = " ".join(new_name.split())
    if not cleaned:
        raise PeopleError("a name cannot be empty")
    with ctx.db.transaction() as conn:
        conn.execute("UPDATE people SET name = ?, name_source = 'user' WHERE id = ?", (cleaned, person_id))
        # Naming confirms: the faces it holds now are this person's, whatever a rerun thinks.
        conn.execute("UPDATE faces SET assigned_by = 'user', confidence = 1.0 WHERE person_id = ?", (person_id,))


def merge(ctx: AppContext, into: int, others: list[int]) -> int:
    """Move every face of ``others`` into ``into``; return how many faces moved."""
    _person(ctx, into)
    for other in others:
        _person(ctx, other)
        if other == into:
            raise PeopleError("cannot merge a person into themselves")
    moved = 0
    with ctx.db.transaction() as conn:
        for other in others:
            moved += conn.execute(
                "UPDATE faces SET person_id = ?, assigned_by = 'user', confidence = 1.0 WHERE person_id = ?", (into, other)
            ).rowcount
            row = conn.execute("SELECT name, birthday FROM people WHERE id = ?", (other,)).fetchone()
            conn.execute(
                "UPDATE people SET name = coalesce(name, ?), birthday = coalesce(birthday, ?) WHERE id = ?",
                (row[0], row[1], into),
            )
            conn.execute("DELETE FROM people WHERE id = ?", (other,))
    return moved


def split(ctx: AppContext, person_id: int, face_ids: list[int]) -> int:
    """Move the given faces of a person into a new person; return the new person's id."""
    _person(ctx, person_id)
    owned = {r[0] for r in ctx.db.query("SELECT id FROM faces WHERE person_id = ?", (person_id,))}
    strangers = [f for f in face_ids if f not in owned]
    if strangers or not face_ids:
        raise PeopleError(f"faces {strangers or face_ids} are not faces of person {person_id}")
    with ctx.db.transaction() as conn:
        new = int(conn.execute("INSERT INTO people (created_at) VALUES (?)", (now_iso(),)).lastrowid or 0)
        conn.executemany(
            "UPDATE faces SET person_id = ?, assigned_by = 'user', confidence = 1.0 WHERE id = ?",
            [(new, f) for f in face_ids],
        )
        conn.executemany("INSERT OR IGNORE INTO face_rejections VALUES (?, ?, ?)",
                         [(f, person_id, now_iso()) for f in face_ids])  # fmt: skip
    return new


def remove_face(ctx: AppContext, face_id: int) -> int | None:
    """"This is not them": detach a face from its person for good. Returns the person it left."""
    row = ctx.db.conn.execute("SELECT person_id FROM faces WHERE id = ?", (face_id,)).fetchone()
    if row is None:
        raise PeopleError(f"there is no face {face_id}")
    person = row[0]
    with ctx.db.transaction() as conn:
        if person is not None:
            conn.execute("INSERT OR IGNORE INTO face_rejections VALUES (?, ?, ?)", (face_id, person, now_iso()))
        conn.execute("UPDATE faces SET person_id = NULL, confidence = NULL, assigned_by = NULL WHERE id = ?", (face_id,))
    return int(person) if person is not None else None


def assign(ctx: AppContext, face_id: int, person_id: int) -> None:
    """"This is them": put a face on a person by hand."""
    _person(ctx, person_id)
    with ctx.db.transaction() as conn:
        if conn.execute("UPDATE faces SET person_id = ?, assigned_by = 'user', confidence = 1.0 WHERE id = ?",
                        (person_id, face_id)).rowcount == 0:  # fmt: skip
            raise PeopleError(f"there is no face {face_id}")
        conn.execute("DELETE FROM face_rejections WHERE face_id = ? AND person_id = ?", (face_id, person_id))


def ignore(ctx: AppContext, person_id: int, ignored: bool = True) -> None:
    _person(ctx, person_id)
    with ctx.db.transaction() as conn:
        conn.execute("UPDATE people SET ignored = ? WHERE id = ?", (int(ignored), person_id))


def set_birthday(ctx: AppContext, person_id: int, birthday: str | None) -> None:
    _person(ctx, person_id)
    if birthday is not None:
        try:
            day = date.fromisoformat(birthday)
        except ValueError:
            raise PeopleError(f"{birthday!r} is not a date like 1990-05-17") from None
        if day > date.today():
            raise PeopleError("a birthday cannot be in the future")
    with ctx.db.transaction() as conn:
        conn.execute("UPDATE people SET birthday = ? WHERE id = ?", (birthday, person_id))


def listing(ctx: AppContext, include_ignored: bool = False) -> list[dict[str, Any]]:
    """People with their faces: the ``camroll people --json`` contract
    (``id``, ``name``, ``faces`` of ``{path, box: [x, y, w, h], score}``), plus more keys."""
    people = ctx.db.query(
        "SELECT id, name, birthday, ignored FROM people" + ("" if include_ignored else " WHERE ignored = 0") + " ORDER BY id"
    )
    faces: dict[int, list[dict[str, Any]]] = {}
    for r in ctx.db.query(
        "SELECT fa.id, fa.person_id, fa.photo_id, fa.x, fa.y, fa.w, fa.h, fa.score, fa.confidence, fa.assigned_by,"
        " (SELECT path FROM files f WHERE f.photo_id = fa.photo_id AND f.state != 'missing' ORDER BY f.id LIMIT 1) AS path"
        " FROM faces fa WHERE fa.person_id IS NOT NULL ORDER BY fa.person_id, fa.id"
    ):
        faces.setdefault(r["person_id"], []).append({
            "face_id": r["id"], "photo_id": r["photo_id"], "path": r["path"],
            "box": [round(r["x"], 1), round(r["y"], 1), round(r["w"], 1), round(r["h"], 1)],
            "score": round(r["score"], 4), "confidence": None if r["confidence"] is None else round(r["confidence"], 3),
            "assigned_by": r["assigned_by"],
        })  # fmt: skip
    out = []
    for p in people:
        mine = faces.get(p["id"], [])
        out.append({"id": p["id"], "name": p["name"], "birthday": p["birthday"], "ignored": bool(p["ignored"]),
                    "face_count": len(mine), "photo_count": len({f["photo_id"] for f in mine}), "faces": mine})  # fmt: skip
    return sorted(out, key=lambda p: (p["name"] is None, -p["face_count"], p["id"]))



def face_crop(ctx: AppContext, face_id: int) -> bytes | None:
    """A face's crop as JPEG bytes (opened if it rests sealed), or None if it has none."""
    name = ctx.db.scalar("SELECT thumb FROM faces WHERE id = ?", (face_id,))
    if not name:
        return None
    path = ctx.config.cache_dir / "faces" / name
    if not path.is_file():
        return None
    data = path.read_bytes()
    return ctx.sealer("biometric").open(data) if name.endswith(".sealed") else data
