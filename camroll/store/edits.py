"""The ``photo_edits`` table, and applying its values to the ``photos`` row.

Functions taking a ``Connection`` run inside the caller's transaction (the scan's writer
re-applies edits after re-reading a file); those taking a :class:`Database` open their own.
"""

from __future__ import annotations

import json
from typing import Any

from camroll.store.db import Connection, Database

FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "taken": ("taken_local", "offset_minutes", "taken_at_source", "offset_source"),
    "place": ("gps_lat", "gps_lon"),
    "title": ("title",),
    "description": ("description",),
    "rating": ("rating",),
    "keywords": ("keywords",),
    "rotation": ("orientation", "display_orientation", "width", "height"),
}
"""The columns of ``photos`` each editable field sets, in the order its values come."""


def current(conn: Connection, photo_id: int, field: str) -> list[Any]:
    """The photos row's values of ``field``'s columns."""
    cols = ", ".join(FIELD_COLUMNS[field])
    row = conn.execute(f"SELECT {cols} FROM photos WHERE id = ?", (photo_id,)).fetchone()
    return list(row) if row is not None else []


def save(conn: Connection, photo_id: int, field: str, value: Any, now: str) -> None:
    """Record an edit (keeping the file's own value from the first edit of that field)."""
    before = json.dumps(current(conn, photo_id, field))
    conn.execute(
        "INSERT INTO photo_edits (photo_id, field, value, before, edited_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (photo_id, field) DO UPDATE SET value = excluded.value, edited_at = excluded.edited_at",
        (photo_id, field, json.dumps(value), before, now),
    )


def remove(conn: Connection, photo_id: int, field: str) -> list[Any] | None:
    """Forget an edit; return the file's own values of the field (None when there was no edit)."""
    row = conn.execute("SELECT before FROM photo_edits WHERE photo_id = ? AND field = ?", (photo_id, field)).fetchone()
    if row is None:
        return None
    conn.execute("DELETE FROM photo_edits WHERE photo_id = ? AND field = ?", (photo_id, field))
    return list(json.loads(row[0]))


def before(conn: Connection, photo_id: int, field: str) -> list[Any] | None:
    """The file's own values of ``field``'s columns, kept with its edit (None: not edited)."""
    row = conn.execute("SELECT before FROM photo_edits WHERE photo_id = ? AND field = ?", (photo_id, field)).fetchone()
    return None if row is None else list(json.loads(row[0]))


def set_before(conn: Connection, photo_id: int, field: str, values: list[Any]) -> None:
    """Replace the file's own values kept with an edit (a newer reader read the file again)."""
    conn.execute(
        "UPDATE photo_edits SET before = ? WHERE photo_id = ? AND field = ?", (json.dumps(values), photo_id, field)
    )


def set_columns(conn: Connection, photo_id: int, field: str, values: list[Any]) -> None:
    """Write ``field``'s columns of the photos row."""
    cols = FIELD_COLUMNS[field]
    assignments = ", ".join(f"{c} = ?" for c in cols)
    conn.execute(f"UPDATE photos SET {assignments} WHERE id = ?", (*values, photo_id))


def of_photo(conn: Connection | Database, photo_id: int) -> dict[str, Any]:
    """Field -> edited value, for one photo."""
    sql = "SELECT field, value FROM photo_edits WHERE photo_id = ? ORDER BY field"
    rows = conn.query(sql, (photo_id,)) if isinstance(conn, Database) else conn.execute(sql, (photo_id,)).fetchall()
    return {str(r[0]): json.loads(r[1]) for r in rows}


def edited_at(db: Database, photo_id: int) -> dict[str, str]:
    """Field -> when it was edited, for one photo."""
    rows = db.query("SELECT field, edited_at FROM photo_edits WHERE photo_id = ?", (photo_id,))
    return {str(r[0]): str(r[1]) for r in rows}


def forget_place(conn: Connection, photo_id: int) -> None:
    """Drop the named place of a photo whose position changed (the places step names it again)."""
    conn.execute("DELETE FROM photo_places WHERE photo_id = ?", (photo_id,))


def kind_and_format(db: Database, photo_id: int) -> tuple[str, str] | None:
    """(kind, format) of a catalogued photo; None for an unknown id."""
    rows = db.query("SELECT kind, format FROM photos WHERE id = ?", (photo_id,))
    return (str(rows[0][0]), str(rows[0][1])) if rows else None


_TURNED_BOX = {
    90: "x = ? - y - h, y = x, w = h, h = w",
    180: "x = ? - x - w, y = ? - y - h",
    270: "x = y, y = ? - x - w, w = h, h = w",
}
"""A box (x, y, w, h) in a photo shown W x H, once the photo turns clockwise: the parameters are
H for 90, W and H for 180, W for 270 (``camroll.library.orientation.rotate_box``, in SQL)."""


def turn_face_boxes(conn: Connection, photo_id: int, width: int, height: int, degrees: int) -> None:
    """The person's answers about a photo's faces, keyed by their box in displayed pixels (hand
    edits, faces set aside in the review), turn with the photo."""
    turn = degrees % 360
    if turn not in _TURNED_BOX:
        return
    params = {90: (height,), 180: (width, height), 270: (width,)}[turn]
    for table in ("face_edits", "face_dismissals"):
        if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone() is None:
            continue  # a library from before the review's set-aside faces
        conn.execute(f"UPDATE {table} SET {_TURNED_BOX[turn]} WHERE photo_id = ?", (*params, photo_id))
