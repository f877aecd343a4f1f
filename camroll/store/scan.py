"""The scan's reads and writes of the catalog: what it knew of a folder, and each file it read.

What the scan knew comes back as one indexed query per scanned folder, streamed in the order of
``path_bytes`` (the ``files`` table's unique index on it, so nothing is sorted and nothing is
held): :mod:`camroll.library.scan` walks the folder in the same byte order and merges the two
streams, so a no-change rescan of 200,000 files holds neither list in memory.

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
from dataclasses import dataclass
from typing import Any, TypeVar

from camroll.store.db import Database, now_iso
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


@dataclass(slots=True)
class Known:
    """A file as the catalog knew it before this scan."""

    path_bytes: bytes
    size: int
    mtime_ns: int
    settled: bool
    """Live (:func:`camroll.store.files.live_file`) and read by the current metadata reader."""
    present: bool
    """On disk at the last scan (:func:`camroll.store.files.on_disk_file`): not marked missing."""


def known_under(db: Database, root: bytes, metadata_version: int) -> Iterator[Known]:
    """Every catalogued file at ``root`` or under it (``root`` without a trailing slash), in
    ``path_bytes`` order, streamed from one range query on the unique index of ``path_bytes``.

    ``root/`` .. ``root0`` is exactly the paths under ``root`` ('0' is the byte after '/'); the
    root itself (a file scanned on its own) sorts before all of them, so it is asked first.
    Two queries, not one with an OR, so that the range is one walk of the index, unsorted."""
    columns = (
        "SELECT f.path_bytes, f.size, f.mtime_ns,"
        f" {live_file('f')} AND coalesce(p.metadata_version, 0) = ?, {on_disk_file('f')}"
        " FROM files f LEFT JOIN photos p ON p.id = f.photo_id"
    )
    prefix = root if root.endswith(b"/") else root + b"/"
    for where, params in (
        ("f.path_bytes = ?", (metadata_version, root)),
        (
            "f.path_bytes >= ? AND f.path_bytes < ? ORDER BY f.path_bytes",
            (metadata_version, prefix, prefix[:-1] + b"0"),
        ),
    ):
        for path, size, mtime_ns, settled, present in db.conn.execute(f"{columns} WHERE {where}", params):
            yield Known(bytes(path), int(size), int(mtime_ns), bool(settled), bool(present))


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

    def __init__(self, conn: sqlite3.Connection, now: str):
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
