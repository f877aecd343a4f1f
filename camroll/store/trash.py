"""The ``trash`` table: originals a person deleted, where they came from and where they wait
(``library/trash.py`` moves them; ``privacy/trash.py`` destroys them at the end).

Dialect: plain SQL with qmark (``?``) placeholders; ``substr`` on BLOBs works in SQLite and
PostgreSQL (``bytea``) alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from camroll.store.db import Database, Row
from camroll.store.files import live_file


@dataclass(frozen=True)
class OnDisk:
    """One live file of a photo about to be deleted, with the library folder it was scanned in."""

    file_id: int
    path_bytes: bytes
    path: str
    root_bytes: bytes
    size: int


@dataclass(frozen=True)
class Item:
    """One file in the trash."""

    id: int
    photo_hash: str
    original_path: str
    original_bytes: bytes
    root_bytes: bytes
    trash_rel: bytes
    size: int
    taken_local: str | None
    deleted_at: str


_ITEM = (
    "SELECT id, photo_hash, original_path, original_bytes, root_bytes, trash_rel, size, taken_local, deleted_at"
    " FROM trash"
)


def _item(row: Row) -> Item:
    return Item(
        int(row[0]),
        str(row[1]),
        str(row[2]),
        bytes(row[3]),
        bytes(row[4]),
        bytes(row[5]),
        int(row[6]),
        row[7],
        str(row[8]),
    )


def photo_facts(db: Database, photo_id: int) -> tuple[str, str | None] | None:
    """(content hash, taken_local) of a catalogued photo, or None."""
    rows = db.query("SELECT hash, taken_local FROM photos WHERE id = ?", (photo_id,))
    return (str(rows[0][0]), rows[0][1]) if rows else None


def files_on_disk(db: Database, photo_id: int) -> list[OnDisk]:
    """The photo's live files (every copy of it the last scan read), each with its root."""
    rows = db.query(
        "SELECT f.id, f.path_bytes, f.path, r.path_bytes, f.size FROM files f JOIN roots r ON r.id = f.root_id"
        f" WHERE f.photo_id = ? AND {live_file()} ORDER BY f.id",
        (photo_id,),
    )
    return [OnDisk(int(r[0]), bytes(r[1]), str(r[2]), bytes(r[3]), int(r[4])) for r in rows]


def add(db: Database, photo_hash: str, found: OnDisk, trash_rel: bytes, taken_local: str | None, at: str) -> int:
    """Record a file just moved into the trash; return its item id."""
    with db.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO trash (photo_hash, original_path, original_bytes, root_bytes, trash_rel, size, taken_local,"
            " deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (photo_hash, found.path, found.path_bytes, found.root_bytes, trash_rel, found.size, taken_local, at),
        )
        return int(cur.lastrowid or 0)


def items(db: Database) -> list[Item]:
    """Everything in the trash, most recently deleted first."""
    return [_item(r) for r in db.query(_ITEM + " ORDER BY deleted_at DESC, id DESC")]


def get(db: Database, item_id: int) -> Item | None:
    rows = db.query(_ITEM + " WHERE id = ?", (item_id,))
    return _item(rows[0]) if rows else None


def by_original(db: Database, path_bytes: bytes) -> list[Item]:
    """The items that were at ``path_bytes`` (the newest first)."""
    return [_item(r) for r in db.query(_ITEM + " WHERE original_bytes = ? ORDER BY id DESC", (path_bytes,))]


def by_hash_prefix(db: Database, prefix: str) -> list[Item]:
    """The items whose photo hash starts with ``prefix`` (lower-case hex: no LIKE wildcard in it)."""
    return [_item(r) for r in db.query(_ITEM + " WHERE photo_hash LIKE ? ORDER BY id DESC", (prefix + "%",))]


def deleted_before(db: Database, iso: str) -> list[Item]:
    """The items deleted before ``iso`` (an ISO time in UTC, as ``deleted_at`` is written)."""
    return [_item(r) for r in db.query(_ITEM + " WHERE deleted_at < ? ORDER BY id", (iso,))]


def rels(db: Database) -> set[bytes]:
    """Every item's place under the trash folder (what the sweep's file-age rule must leave alone)."""
    return {bytes(r[0]) for r in db.query("SELECT trash_rel FROM trash")}


def rel_taken(db: Database, trash_rel: bytes) -> bool:
    return db.scalar("SELECT 1 FROM trash WHERE trash_rel = ?", (trash_rel,)) is not None


def drop(db: Database, item_ids: Sequence[int]) -> int:
    """Forget these items (their files were restored or destroyed); return how many rows went."""
    if not item_ids:
        return 0
    with db.transaction() as conn:
        return sum(int(conn.execute("DELETE FROM trash WHERE id = ?", (item_id,)).rowcount) for item_id in item_ids)
