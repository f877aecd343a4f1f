"""The tables the per-photo analysers own: ``tags``, ``texts``, ``sensitive``, ``quality``,
``expressions``, ``fingerprints`` and ``near_duplicates``. Each analyser's ``store()`` calls one
writer here (inside the pipeline's write transaction, hence the ``Connection``); the photo
page and the reports read them back.

Dialect: ``INSERT OR REPLACE`` is SQLite's (PostgreSQL: ``INSERT ... ON CONFLICT (photo_id) DO
UPDATE``); the rest is plain SQL.
"""

from __future__ import annotations

from collections.abc import Sequence

from camroll.store.db import Connection, Database, Row

# --- writers (one photo's result, replacing any earlier one) ---------------------------------


def replace_tags(
    conn: Connection,
    photo_id: int,
    tags: Sequence[tuple[str, float, str] | tuple[str, float, str, float]],
    model: str,
) -> None:
    """A photo's tags as (tag, score, evidence), or for a video (tag, score, evidence, time code)."""
    conn.execute("DELETE FROM tags WHERE photo_id = ?", (photo_id,))
    conn.executemany(
        "INSERT INTO tags (photo_id, tag, score, evidence, model, at_s) VALUES (?, ?, ?, ?, ?, ?)",
        [(photo_id, t[0], t[1], t[2], model, t[3] if len(t) > 3 else None) for t in tags],
    )


def replace_text(conn: Connection, photo_id: int, text: str, lines: str, flags: str, model: str) -> None:
    """A photo's text (``lines`` and ``flags`` as JSON)."""
    conn.execute(
        "INSERT OR REPLACE INTO texts (photo_id, text, lines, flags, model) VALUES (?, ?, ?, ?, ?)",
        (photo_id, text, lines, flags, model),
    )


def replace_sensitive(conn: Connection, photo_id: int, explicit: bool, score: float, labels: str, model: str) -> None:
    """A photo's nudity verdict (``labels`` as JSON)."""
    conn.execute(
        "INSERT OR REPLACE INTO sensitive (photo_id, explicit, score, labels, model) VALUES (?, ?, ?, ?, ?)",
        (photo_id, int(explicit), score, labels, model),
    )


def replace_quality(
    conn: Connection, photo_id: int, sharpness: float, exposure: float, clipped: float, score: float, model: str
) -> None:
    """A photo's quality measures (eyes_open is not measured: NULL)."""
    conn.execute(
        "INSERT OR REPLACE INTO quality (photo_id, sharpness, exposure, clipped, eyes_open, score, model)"
        " VALUES (?, ?, ?, ?, NULL, ?, ?)",
        (photo_id, sharpness, exposure, clipped, score, model),
    )


def replace_expressions(
    conn: Connection, photo_id: int, rows: list[tuple[int, str, float, bool, str]], model: str
) -> None:
    """A photo's expressions as (face id, label, score, smiling, scores JSON)."""
    conn.execute("DELETE FROM expressions WHERE photo_id = ?", (photo_id,))
    conn.executemany(
        "INSERT INTO expressions (face_id, photo_id, label, score, smiling, scores, model) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (face_id, photo_id, label, score, int(smiling), scores, model)
            for face_id, label, score, smiling, scores in rows
        ],
    )


def replace_fingerprint(conn: Connection, photo_id: int, phash: str, model: str) -> None:
    """A photo's visual fingerprint (hex)."""
    conn.execute(
        "INSERT OR REPLACE INTO fingerprints (photo_id, phash, model) VALUES (?, ?, ?)", (photo_id, phash, model)
    )


# --- near duplicates ---------------------------------------------------------------------------


def fingerprints_for_grouping(db: Database) -> list[tuple[int, str, int, float]]:
    """(photo id, fingerprint hex, pixel count, sharpness) for every fingerprinted photo, by id; 0
    where size or sharpness is unknown."""
    rows = db.query(
        "SELECT f.photo_id, f.phash, coalesce(p.width * p.height, 0), coalesce(q.sharpness, 0)"
        " FROM fingerprints f JOIN photos p ON p.id = f.photo_id LEFT JOIN quality q ON q.photo_id = f.photo_id"
        " ORDER BY f.photo_id"
    )
    return [(int(r[0]), str(r[1]), int(r[2]), float(r[3])) for r in rows]


def replace_near_duplicates(db: Database, rows: list[tuple[int, int, int, int]]) -> None:
    """Replace every near-duplicate group at once: (photo id, group id, best id, distance)."""
    with db.transaction() as conn:
        conn.execute("DELETE FROM near_duplicates")
        conn.executemany("INSERT INTO near_duplicates VALUES (?, ?, ?, ?)", rows)


# --- one photo's results, for its page ---------------------------------------------------------


def photo_tags(db: Database, photo_id: int) -> list[Row]:
    """tag, score, evidence, model, at_s (a video's time code, else None); most likely first."""
    return db.query(
        "SELECT tag, score, evidence, model, at_s FROM tags WHERE photo_id = ? ORDER BY score DESC", (photo_id,)
    )


def photo_text(db: Database, photo_id: int) -> Row | None:
    """text, flags (JSON), model, lines (JSON, with a video's time codes); None if the photo's
    text was not read."""
    row: Row | None = db.conn.execute(
        "SELECT text, flags, model, lines FROM texts WHERE photo_id = ?", (photo_id,)
    ).fetchone()
    return row


def photo_sensitive(db: Database, photo_id: int) -> Row | None:
    """explicit, score, model; None if not analysed."""
    row: Row | None = db.conn.execute(
        "SELECT explicit, score, model FROM sensitive WHERE photo_id = ?", (photo_id,)
    ).fetchone()
    return row


def photo_quality(db: Database, photo_id: int) -> Row | None:
    """sharpness, exposure, score, model; None if not measured."""
    row: Row | None = db.conn.execute(
        "SELECT sharpness, exposure, score, model FROM quality WHERE photo_id = ?", (photo_id,)
    ).fetchone()
    return row


def photo_near_duplicate(db: Database, photo_id: int) -> tuple[int, int, int] | None:
    """(best copy's id, distance in bits, size of the group) if the photo is in a group."""
    d = db.conn.execute("SELECT best_id, distance FROM near_duplicates WHERE photo_id = ?", (photo_id,)).fetchone()
    if d is None:
        return None
    n = db.scalar(
        "SELECT count(*) FROM near_duplicates WHERE group_id = (SELECT group_id FROM near_duplicates"
        " WHERE photo_id = ?)",
        (photo_id,),
    )
    return int(d["best_id"]), int(d["distance"]), int(n)


# --- across the library, for the exposure report ---------------------------------------------


def photos_tagged(db: Database, tag: str) -> list[int]:
    """Ids of the photos with this tag, ascending."""
    return [int(r[0]) for r in db.query("SELECT photo_id FROM tags WHERE tag = ? ORDER BY photo_id", (tag,))]


def text_flags(db: Database) -> list[tuple[int, str]]:
    """(photo id, flags JSON) of every photo whose text was read, by photo."""
    return [(int(r[0]), str(r[1])) for r in db.query("SELECT photo_id, flags FROM texts ORDER BY photo_id")]


def texts_read(db: Database) -> list[tuple[int, str]]:
    """(photo id, text) of every photo with words read, by photo."""
    return [
        (int(r[0]), str(r[1])) for r in db.query("SELECT photo_id, text FROM texts WHERE text != '' ORDER BY photo_id")
    ]


def explicit_photos(db: Database) -> list[int]:
    """Ids of the photos found to show nudity, ascending."""
    return [int(r[0]) for r in db.query("SELECT photo_id FROM sensitive WHERE explicit = 1 ORDER BY photo_id")]


def was_analysed(db: Database, capability: str) -> bool:
    """Whether the capability has analysed at least one photo."""
    return db.scalar("SELECT 1 FROM analysis_state WHERE capability = ? LIMIT 1", (capability,)) is not None
