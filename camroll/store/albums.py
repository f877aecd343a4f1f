"""The ``albums`` and ``album_photos`` tables (migration 0028), and albums imported from cloud exports.

A manual album's photos are rows of ``album_photos``, in the person's order; a smart album keeps
only its query (the search runs when it is read, :mod:`camroll.search.albums`). Both cascade with
photos, so a removed or deleted photo leaves every album without a step of its own. Albums named
by Google Takeout, Meta or Apple (``import_albums``, migration 0016) are read here too: they are
shown as albums, read-only, and can be copied into an album of the person's own.

Only photos with a readable file are listed or counted (``files.live_photo``): a photo whose file
went missing stays a member, and shows again when its file comes back.
"""

from __future__ import annotations

from dataclasses import dataclass

from camroll.store.db import Connection, Database, Row, now_iso
from camroll.store.files import live_photo


@dataclass
class Album:
    id: int
    name: str
    kind: str
    """'manual' or 'smart'."""
    query: str | None
    cover_id: int | None
    """The cover the person chose, None for "the first photo"."""
    created_at: str
    changed_at: str
    count: int | None = None
    """Photos in a manual album (readable ones); None for a smart album (known only by searching)."""
    first_id: int | None = None
    """The first readable photo of a manual album, the cover when none was chosen."""


_COLUMNS = "a.id, a.name, a.kind, a.query, a.cover_id, a.created_at, a.changed_at"
_LIVE_MEMBER = f"EXISTS (SELECT 1 FROM photos p WHERE p.id = ap.photo_id AND {live_photo('p')})"


def _album(row: Row, count: int | None = None, first_id: int | None = None) -> Album:
    return Album(row[0], row[1], row[2], row[3], row[4], row[5], row[6], count, first_id)


def create(db: Database, name: str, kind: str, query: str | None) -> int:
    """A new album; sqlite3.IntegrityError when the name (any case) is taken."""
    at = now_iso()
    with db.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO albums (name, kind, query, created_at, changed_at) VALUES (?, ?, ?, ?, ?)",
            (name, kind, query, at, at),
        )
    return int(cur.lastrowid or 0)


def by_name(db: Database, name: str) -> Album | None:
    row = db.conn.execute(f"SELECT {_COLUMNS} FROM albums a WHERE a.name = ?", (name,)).fetchone()
    return None if row is None else _album(row)


def by_id(db: Database, album_id: int) -> Album | None:
    row = db.conn.execute(f"SELECT {_COLUMNS} FROM albums a WHERE a.id = ?", (album_id,)).fetchone()
    return None if row is None else _album(row)


def listing(db: Database) -> list[Album]:
    """Every album, by name, with the count and first photo of the manual ones."""
    rows = db.query(
        f"SELECT {_COLUMNS},"
        f" (SELECT count(*) FROM album_photos ap WHERE ap.album_id = a.id AND {_LIVE_MEMBER}),"
        f" (SELECT ap.photo_id FROM album_photos ap WHERE ap.album_id = a.id AND {_LIVE_MEMBER}"
        "   ORDER BY ap.position LIMIT 1)"
        " FROM albums a ORDER BY a.name COLLATE NOCASE, a.id"
    )
    return [_album(r, None if r["kind"] == "smart" else int(r[7]), r[8]) for r in rows]


def rename(db: Database, album_id: int, name: str) -> None:
    """sqlite3.IntegrityError when another album has the name."""
    with db.transaction() as conn:
        conn.execute("UPDATE albums SET name = ?, changed_at = ? WHERE id = ?", (name, now_iso(), album_id))


def delete(db: Database, album_id: int) -> int:
    """Delete the album and its list of photos (never a photo); return how many photos it listed."""
    with db.transaction() as conn:
        n = conn.execute("SELECT count(*) FROM album_photos WHERE album_id = ?", (album_id,)).fetchone()[0]
        conn.execute("DELETE FROM albums WHERE id = ?", (album_id,))
    return int(n)


def add(db: Database, album_id: int, photo_ids: list[int]) -> list[int]:
    """Append these photos to a manual album, in the order given; return those not already in it."""
    added: list[int] = []
    at = now_iso()
    with db.transaction() as conn:
        last = conn.execute("SELECT max(position) FROM album_photos WHERE album_id = ?", (album_id,)).fetchone()[0]
        position = int(last) if last is not None else 0
        for pid in dict.fromkeys(photo_ids):
            position += 1
            cur = conn.execute(
                "INSERT OR IGNORE INTO album_photos (album_id, photo_id, position, added_at) VALUES (?, ?, ?, ?)",
                (album_id, pid, position, at),
            )
            if cur.rowcount:
                added.append(pid)
        if added:
            conn.execute("UPDATE albums SET changed_at = ? WHERE id = ?", (at, album_id))
    return added


def remove(db: Database, album_id: int, photo_ids: list[int]) -> list[int]:
    """Take these photos out of a manual album; return those that were in it."""
    removed: list[int] = []
    with db.transaction() as conn:
        for pid in dict.fromkeys(photo_ids):
            cur = conn.execute("DELETE FROM album_photos WHERE album_id = ? AND photo_id = ?", (album_id, pid))
            if cur.rowcount:
                removed.append(pid)
        if removed:
            conn.execute(
                "UPDATE albums SET changed_at = ? WHERE id = ?",
                (now_iso(), album_id),
            )
            conn.execute(  # the cover goes when it left the album
                "UPDATE albums SET cover_id = NULL WHERE id = ? AND cover_id IS NOT NULL AND NOT EXISTS"
                " (SELECT 1 FROM album_photos a WHERE a.album_id = albums.id AND a.photo_id = albums.cover_id)",
                (album_id,),
            )
    return removed


def set_cover(db: Database, album_id: int, photo_id: int | None) -> None:
    with db.transaction() as conn:
        conn.execute("UPDATE albums SET cover_id = ?, changed_at = ? WHERE id = ?", (photo_id, now_iso(), album_id))


def members(db: Database, album_id: int, offset: int, limit: int) -> list[int]:
    """One page of a manual album's readable photos, in the album's order."""
    rows = db.query(
        f"SELECT ap.photo_id FROM album_photos ap WHERE ap.album_id = ? AND {_LIVE_MEMBER}"
        " ORDER BY ap.position, ap.photo_id LIMIT ? OFFSET ?",
        (album_id, limit, offset),
    )
    return [int(r[0]) for r in rows]


def count(db: Database, album_id: int) -> int:
    return int(db.scalar(f"SELECT count(*) FROM album_photos ap WHERE ap.album_id = ? AND {_LIVE_MEMBER}", (album_id,)))


def albums_of(db: Database, photo_id: int) -> list[tuple[int, str]]:
    """(id, name) of the manual albums that list this photo, by name."""
    rows = db.query(
        "SELECT a.id, a.name FROM albums a JOIN album_photos ap ON ap.album_id = a.id"
        " WHERE ap.photo_id = ? ORDER BY a.name COLLATE NOCASE",
        (photo_id,),
    )
    return [(int(r[0]), str(r[1])) for r in rows]


def for_export(db: Database) -> list[tuple[Album, list[str]]]:
    """Every album with the content hashes of its photos in order (every member, readable or not:
    an export is a record, not a view). A smart album's list is empty: its query is the record."""
    out: list[tuple[Album, list[str]]] = []
    for row in db.query(f"SELECT {_COLUMNS} FROM albums a ORDER BY a.name COLLATE NOCASE, a.id"):
        hashes = [
            str(r[0])
            for r in db.query(
                "SELECT p.hash FROM album_photos ap JOIN photos p ON p.id = ap.photo_id"
                " WHERE ap.album_id = ? ORDER BY ap.position, ap.photo_id",
                (row[0],),
            )
        ]
        out.append((_album(row), hashes))
    return out


def clear(conn: Connection) -> int:
    """Inside the caller's transaction (``camroll forget``): delete every album; return how many."""
    return conn.execute("DELETE FROM albums").rowcount


# --- albums imported from cloud exports ---------------------------------------------------------


@dataclass
class ImportedAlbum:
    service: str
    """'takeout', 'meta' or 'apple'."""
    name: str
    count: int
    first_id: int | None


def imported(db: Database) -> list[ImportedAlbum]:
    """Each album a cloud export named, with its readable photos' count and first photo."""
    rows = db.query(
        "SELECT ia.service, ia.album, count(*), min(ia.photo_id) FROM import_albums ia"
        f" JOIN photos p ON p.id = ia.photo_id WHERE {live_photo('p')}"
        " GROUP BY ia.service, ia.album ORDER BY ia.album COLLATE NOCASE, ia.service"
    )
    return [ImportedAlbum(str(r[0]), str(r[1]), int(r[2]), r[3]) for r in rows]


def imported_members(db: Database, service: str, name: str, offset: int, limit: int) -> list[int]:
    """One page of an imported album's readable photos, oldest first (the services' own order is
    not in their exports)."""
    rows = db.query(
        "SELECT p.id FROM import_albums ia JOIN photos p ON p.id = ia.photo_id"
        f" WHERE ia.service = ? AND ia.album = ? AND {live_photo('p')}"
        " ORDER BY coalesce(p.taken_local, ''), p.id LIMIT ? OFFSET ?",
        (service, name, limit, offset),
    )
    return [int(r[0]) for r in rows]


def imported_count(db: Database, service: str, name: str) -> int:
    return int(
        db.scalar(
            "SELECT count(*) FROM import_albums ia JOIN photos p ON p.id = ia.photo_id"
            f" WHERE ia.service = ? AND ia.album = ? AND {live_photo('p')}",
            (service, name),
        )
    )
