"""The scan's reads and writes of the catalog: what it knew of a folder, and each file it read.

What the scan knew comes back a range of paths at a time, in the order of ``path_bytes`` (the
``files`` table's unique index on it, so nothing is sorted): :mod:`camroll.library.scan` walks
the folder in the same byte order and compares a chunk of its walk with the same range of the
catalog, so a no-change rescan of 200,000 files holds neither list in memory.

A batch of read files is written in one transaction, each file inside a ``SAVEPOINT`` of its own:
a value the catalog refuses costs that one file, which the caller then records as failed.

Dialect: ``ON CONFLICT ... DO UPDATE`` (PostgreSQL has it), ``SAVEPOINT`` / ``ROLLBACK TO`` /
``RELEASE`` (PostgreSQL has them), BLOB comparison by bytes (``bytea`` in PostgreSQL).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from camroll.store.db import Connection, Database, now_iso
from camroll.store.files import live_file, on_disk_file

T = TypeVar("T")

REFUSED = (sqlite3.IntegrityError, sqlite3.InterfaceError, sqlite3.DataError, OverflowError, ValueError, TypeError)
"""What writing one file's values can raise when the catalog refuses them (a number too large, a
string with a NUL...): the file's savepoint is rolled back and the scan goes on."""

PHOTO_COLUMNS = (
    "format",
    "kind",
    "size",
    "width",
    "height",
    "orientation",
    "display_orientation",
    "taken_local",
    "offset_minutes",
    "taken_at_source",
    "offset_source",
    "gps_lat",
    "gps_lon",
    "gps_alt",
    "make",
    "model",
    "lens",
    "serial",
    "title",
    "description",
    "keywords",
    "rating",
    "regions",
    "duration",
    "errors",
    "metadata_version",
)
"""The columns of ``photos`` the scan writes, in the order of the values it passes."""


Known = tuple[bytes, int, int, int, int]
"""A file as the catalog knew it before this scan: (path_bytes, size, mtime_ns, settled,
present). ``settled`` (1 or 0): live (:func:`camroll.store.files.live_file`) and read by the
current metadata reader; ``present``: on disk at the last scan (not marked missing)."""


def any_stale(db: Database, metadata_version: int) -> bool:
    """Whether some photo was read by another metadata reader than ``metadata_version`` (its
    files are then read again; asked on the ``photos_metadata_version`` index)."""
    return db.scalar("SELECT 1 FROM photos WHERE metadata_version != ? LIMIT 1", (metadata_version,)) is not None


def known_in(
    db: Database, low: bytes, high: bytes, metadata_version: int, stale: bool, also: bytes | None = None
) -> list[Known]:
    """Every catalogued file with ``low <= path_bytes < high`` (and the one at ``also``, if
    given: it sorts first), in path order: one range query on the unique index of
    ``path_bytes``, never sorted. The scan asks this a chunk of its walk at a time, so a
    no-change rescan compares whole chunks as two lists, and nothing holds the whole library.

    ``stale`` (see :func:`any_stale`) adds the join to ``photos`` that tells which files were
    read by an older metadata reader; without it, the files' index and table alone answer."""
    settled = f"CASE WHEN {live_file('f')} THEN 1 ELSE 0 END"
    join = ""
    if stale:
        settled = f"CASE WHEN {live_file('f')} AND coalesce(p.metadata_version, 0) = {int(metadata_version)} THEN 1 ELSE 0 END"
        join = " LEFT JOIN photos p ON p.id = f.photo_id"
    select = (
        f"SELECT f.path_bytes, f.size, f.mtime_ns, {settled}, CASE WHEN {on_disk_file('f')} THEN 1 ELSE 0 END"
        f" FROM files f{join}"
    )
    cursor = db.conn.cursor()
    cursor.row_factory = None  # plain tuples: compared as they come with the walk's tuples
    rows: list[Known] = []
    if also is not None:
        rows += cursor.execute(f"{select} WHERE f.path_bytes = ?", (also,)).fetchall()
    rows += cursor.execute(
        f"{select} WHERE f.path_bytes >= ? AND f.path_bytes < ? ORDER BY f.path_bytes", (low, high)
    ).fetchall()
    return rows


def root_id(db: Database, root: bytes, display: str) -> int:
    """The id of the scanned folder ``root``, added to ``roots`` if it is new."""
    with db.transaction() as conn:
        conn.execute(
            "INSERT INTO roots (path, path_bytes, added_at) VALUES (?, ?, ?) ON CONFLICT (path_bytes) DO NOTHING",
            (display, root, now_iso()),
        )
        return int(conn.execute("SELECT id FROM roots WHERE path_bytes = ?", (root,)).fetchone()[0])


def stamp_roots(db: Database, roots: Sequence[bytes]) -> None:
    """These folders were scanned to the end just now."""
    now = now_iso()
    with db.transaction() as conn:
        conn.executemany("UPDATE roots SET last_scan_at = ? WHERE path_bytes = ?", [(now, r) for r in roots])


_FILE_UPSERT = (
    "INSERT INTO files (root_id, path_bytes, path, size, mtime_ns, photo_id, state, errors,"
    " first_seen, scanned_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (path_bytes) DO UPDATE SET root_id = excluded.root_id, size = excluded.size,"
    " mtime_ns = excluded.mtime_ns, photo_id = excluded.photo_id, state = excluded.state,"
    " errors = excluded.errors, scanned_at = excluded.scanned_at, missing_since = NULL"
)

_PHOTO_INSERT = (
    f"INSERT INTO photos (hash, {', '.join(PHOTO_COLUMNS)}, created_at)"
    f" VALUES (?, {', '.join('?' * len(PHOTO_COLUMNS))}, ?)"
)
_PHOTO_UPDATE = f"UPDATE photos SET {', '.join(f'{c} = ?' for c in PHOTO_COLUMNS)} WHERE id = ?"


def as_json(items: Sequence[object]) -> str:
    """JSON text of a list; most are empty, and json.dumps of [] is a measurable share of a scan."""
    return json.dumps(items, ensure_ascii=False) if items else "[]"


class Batch:
    """One transaction of the scan's writes (see :func:`batch`)."""

    def __init__(self, conn: Connection, now: str):
        self.conn, self.now = conn, now

    def each_file(self, write: Callable[[], T], refused: Callable[[Exception], T]) -> T:
        """``write()`` one file inside a savepoint of its own; if the catalog refuses a value
        (:data:`REFUSED`), roll that file's writes back and return ``refused(error)`` instead
        (which records the file as failed)."""
        self.conn.execute("SAVEPOINT one_file")
        try:
            out = write()
        except REFUSED as e:
            self.conn.execute("ROLLBACK TO one_file")
            out = refused(e)
        self.conn.execute("RELEASE one_file")
        return out

    def upsert_file(
        self,
        root_id: int,
        path_bytes: bytes,
        path: str,
        size: int,
        mtime_ns: int,
        photo_id: int | None,
        state: str,
        errors: list[str],
    ) -> None:
        """The file's row as this scan found it (inserted, or updated in place by its path)."""
        self.conn.execute(
            _FILE_UPSERT,
            (root_id, path_bytes, path, size, mtime_ns, photo_id, state, as_json(errors), self.now, self.now),
        )

    def photo_by_hash(self, content_hash: str) -> tuple[int, int, list[str]] | None:
        """(id, metadata_version, errors) of the photo with this content, if catalogued."""
        row = self.conn.execute("SELECT id, metadata_version, errors FROM photos WHERE hash = ?", (content_hash,))
        found = row.fetchone()
        if found is None:
            return None
        stored = json.loads(found[2]) if found[2] else []
        return int(found[0]), int(found[1]), [str(e) for e in stored] if isinstance(stored, list) else []

    def insert_photo(self, content_hash: str, values: Sequence[Any]) -> int:
        """A new photo row; ``values`` in the order of :data:`PHOTO_COLUMNS`."""
        cur = self.conn.execute(_PHOTO_INSERT, (content_hash, *values, self.now))
        return int(cur.lastrowid or 0)

    def update_photo(self, photo_id: int, values: Sequence[Any]) -> None:
        """A photo read again by a newer metadata reader; ``values`` as for :meth:`insert_photo`."""
        self.conn.execute(_PHOTO_UPDATE, (*values, photo_id))

    def has_other_copy(self, photo_id: int, path_bytes: bytes) -> bool:
        """Whether another file still on disk holds this photo."""
        row = self.conn.execute(
            f"SELECT 1 FROM files f WHERE f.photo_id = ? AND f.path_bytes != ? AND {on_disk_file('f')} LIMIT 1",
            (photo_id, path_bytes),
        )
        return row.fetchone() is not None


@contextmanager
def batch(db: Database) -> Iterator[Batch]:
    """A batch of the scan's writes: one transaction, committed at the end (rolled back on any
    exception, Ctrl-C included)."""
    with db.transaction() as conn:
        yield Batch(conn, now_iso())
