"""Scanning folders into the catalog: walk, skip what is unchanged, read the rest, write.

The stages, each small:

1. **walk** the folders (following folder links, never around a loop), listing media files
   with their size and modification time;
2. **diff** against the catalog: a file whose path, size and mtime are unchanged, and that was
   read without failure by the current metadata reader, is not opened at all;
3. **read** each remaining file once, read-only: the same bytes give the content hash (the
   photo's identity) and the metadata; in worker processes when there are many;
4. **write** results in batches, each batch one transaction, so an interrupted scan leaves a
   consistent catalog and the next scan resumes where it stopped;
5. **notice** files that have gone since the last scan.

Nothing here decodes pixels; nothing here writes to the scanned folders.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from camroll import thresholds
from camroll.config import AppContext
from camroll.library.container import NotAnImage
from camroll.library.formats import MEDIA_EXTENSIONS, read_container
from camroll.library.metadata import PhotoMeta, extract
from camroll.privacy import audit, consent
from camroll.privacy.removal import Exclusions
from camroll.progress import Reporter, Silent
from camroll.store.db import now_iso
from camroll.workers import stream

_MEDIA_EXTENSIONS_BYTES = frozenset(e[1:].encode() for e in MEDIA_EXTENSIONS)

METADATA_VERSION = 1
"""Bump when the metadata reader learns something new: every file is then read again once."""


@dataclass
class Found:
    path_bytes: bytes
    size: int
    mtime_ns: int
    root_id: int


@dataclass
class ReadResult:
    found: Found
    hash: str | None = None
    meta: PhotoMeta | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class ScanSummary:
    roots: list[str] = field(default_factory=list)
    seen: int = 0
    unchanged: int = 0
    read: int = 0
    new_photos: int = 0
    duplicates: int = 0
    problems: int = 0
    failed: int = 0
    removed: int = 0
    excluded: int = 0
    """Files whose content a person removed from camroll (``camroll remove``): not catalogued again."""
    interrupted: bool = False
    seconds: float = 0.0
    failures: list[tuple[str, list[str]]] = field(default_factory=list)


def display_path(path_bytes: bytes) -> str:
    """A path as text for people and JSON: undecodable bytes appear as ``\\xNN``."""
    return path_bytes.decode("utf-8", "backslashreplace")


def walk(root: bytes, on_error: Callable[[bytes, str], None]) -> Iterator[tuple[bytes, os.stat_result]]:
    """Media files under ``root`` (a folder or one file), following folder links once each."""
    try:
        st = os.stat(root)
    except OSError as e:
        on_error(root, f"cannot open: {e.strerror}")
        return
    if not stat.S_ISDIR(st.st_mode):
        yield root, st
        return
    seen_dirs = {(st.st_dev, st.st_ino)}
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as e:
            on_error(folder, f"cannot list folder: {e.strerror}")
            continue
        for entry in entries:
            name = entry.name
            if name.startswith(b"."):  # hidden files, AppleDouble "._x", .git, .Trash
                continue
            try:
                # The extension is checked before any stat: most non-media files cost nothing.
                # is_dir() needs no system call except for links, which it follows.
                if entry.is_dir():
                    est = entry.stat()
                    key = (est.st_dev, est.st_ino)
                    if key not in seen_dirs:  # a link back up the tree is a loop: skip it
                        seen_dirs.add(key)
                        stack.append(entry.path)
                elif name.rpartition(b".")[2].lower() in _MEDIA_EXTENSIONS_BYTES:
                    est = entry.stat()  # follows links
                    if stat.S_ISREG(est.st_mode):
                        yield entry.path, est
            except OSError as e:
                on_error(entry.path, f"cannot read: {e.strerror}")


def read_file(found: Found) -> ReadResult:
    """Open one file read-only, hash it and read its metadata. Never raises."""
    result = ReadResult(found)
    path = found.path_bytes
    name = os.path.basename(path).decode("utf-8", "backslashreplace")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        result.errors.append(f"cannot open: {e.strerror} (errno {e.errno})")
        return result
    try:
        size = os.fstat(fd).st_size
        if size > thresholds.MAX_FILE_BYTES_IN_MEMORY:
            data: bytes | mmap.mmap = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        else:
            data = _read_all(fd, size)
        result.hash = hashlib.sha256(data).hexdigest()
        if len(data) == 0:
            raise NotAnImage("empty file (0 bytes)")
        container = read_container(data, os.path.splitext(name)[1])  # type: ignore[arg-type]
        result.meta = extract(container, name, found.mtime_ns / 1e9)
    except NotAnImage as e:
        result.errors.append(str(e))
        result.hash = None
    except OSError as e:
        result.errors.append(f"cannot read: {e.strerror} (errno {e.errno})")
        result.hash = None
    except Exception as e:  # a reader bug must cost one file, not the scan
        result.errors.append(f"could not read metadata: {type(e).__name__}: {e}")
    finally:
        os.close(fd)
    if b"\\x" not in path and display_path(path) != os.fsdecode(path):
        result.errors.append("file name is not valid UTF-8; shown with \\x escapes")
    return result


def _read_all(fd: int, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining > 0:
        chunk = os.read(fd, remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def scan(ctx: AppContext, paths: list[str], reporter: Reporter | None = None, workers: int | None = None) -> ScanSummary:
    """Scan ``paths`` into the catalog; pointing camroll at a folder is consent to catalog it."""
    rep = reporter or Silent()
    started = time.perf_counter()
    summary = ScanSummary()
    db = ctx.db
    todo: list[Found] = []
    seen_paths: set[bytes] = set()
    known = _known_files(ctx)
    excluded = Exclusions.load(ctx)
    walk_errors: list[tuple[bytes, str]] = []

    rep.start("Looking for photos", None)
    for path in paths:
        root = os.path.abspath(os.fsencode(path))
        summary.roots.append(display_path(root))
        consent.grant(ctx, "metadata", consent.path_scope(root), note="camroll scan")
        root_id = _root_id(ctx, root)
        for file_path, st in walk(root, lambda p, msg: walk_errors.append((p, msg))):
            if file_path in seen_paths:
                continue
            seen_paths.add(file_path)
            summary.seen += 1
            rep.advance()
            prior = known.get(file_path)
            if prior is not None and prior[:3] == (st.st_size, st.st_mtime_ns, True):
                summary.unchanged += 1
                continue
            todo.append(Found(file_path, st.st_size, st.st_mtime_ns, root_id))
    for bad_path, message in walk_errors:
        summary.failures.append((display_path(bad_path), [message]))
        rep.problem(display_path(bad_path), [message])

    rep.start("Reading metadata", len(todo))
    pending: list[ReadResult] = []
    last_commit = time.monotonic()
    try:
        for result in _read_all_files(todo, workers or ctx.config.workers):
            pending.append(result)
            rep.advance()
            if len(pending) >= thresholds.SCAN_BATCH or time.monotonic() - last_commit > thresholds.SCAN_COMMIT_SECONDS:
                _write(ctx, pending, summary, rep, excluded)
                pending, last_commit = [], time.monotonic()
        _write(ctx, pending, summary, rep, excluded)
    except KeyboardInterrupt:
        summary.interrupted = True
    if not summary.interrupted:
        summary.removed = _mark_missing(ctx, [os.path.abspath(os.fsencode(p)) for p in paths], seen_paths, known)
        with db.transaction() as conn:
            conn.executemany("UPDATE roots SET last_scan_at = ? WHERE path_bytes = ?",
                             [(now_iso(), os.path.abspath(os.fsencode(p))) for p in paths])  # fmt: skip
    summary.seconds = time.perf_counter() - started
    audit.record(ctx, "scan", roots=summary.roots, files=summary.seen, read=summary.read, new_photos=summary.new_photos,
                 failed=summary.failed, removed=summary.removed, interrupted=summary.interrupted)  # fmt: skip
    return summary


def _read_all_files(todo: list[Found], workers: int) -> Iterator[ReadResult]:
    if workers <= 1 or len(todo) < thresholds.SCAN_PARALLEL_MIN_FILES:
        for found in todo:
            yield read_file(found)
        return
    yield from stream(read_file, todo, workers, chunksize=64)


def _known_files(ctx: AppContext) -> dict[bytes, tuple[int, int, bool, bool]]:
    """path -> (size, mtime_ns, settled, present): settled means 'read fine by this reader
    version', present 'not marked missing'."""
    rows = ctx.db.conn.execute(
        "SELECT f.path_bytes, f.size, f.mtime_ns, f.state != 'failed' AND f.state != 'missing'"
        " AND coalesce(p.metadata_version, 0) = ?, f.state != 'missing'"
        " FROM files f LEFT JOIN photos p ON p.id = f.photo_id",
        (METADATA_VERSION,),
    )
    return {r[0]: (r[1], r[2], bool(r[3]), bool(r[4])) for r in rows}


def _root_id(ctx: AppContext, root: bytes) -> int:
    with ctx.db.transaction() as conn:
        conn.execute(
            "INSERT INTO roots (path, path_bytes, added_at) VALUES (?, ?, ?) ON CONFLICT (path_bytes) DO NOTHING",
            (display_path(root), root, now_iso()),
        )
        return int(conn.execute("SELECT id FROM roots WHERE path_bytes = ?", (root,)).fetchone()[0])


def _write(ctx: AppContext, results: list[ReadResult], summary: ScanSummary, rep: Reporter, excluded: Exclusions) -> None:
    if not results:
        return
    now = now_iso()
    with ctx.db.transaction() as conn:
        for r in results:
            if r.hash is not None and excluded.covers(r.hash):
                summary.excluded += 1
                continue
            photo_id = None
            if r.hash is not None and r.meta is not None:
                photo_id, is_new = _upsert_photo(conn, r, now)
                summary.new_photos += is_new
                if not is_new and _has_other_copy(conn, photo_id, r.found.path_bytes):
                    summary.duplicates += 1
            file_errors = r.errors
            all_errors = file_errors + (r.meta.errors if r.meta else [])
            state = "failed" if photo_id is None else ("problem" if all_errors else "ok")
            conn.execute(
                "INSERT INTO files (root_id, path_bytes, path, size, mtime_ns, photo_id, state, errors,"
                " first_seen, scanned_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (path_bytes) DO UPDATE SET root_id = excluded.root_id, size = excluded.size,"
                " mtime_ns = excluded.mtime_ns, photo_id = excluded.photo_id, state = excluded.state,"
                " errors = excluded.errors, scanned_at = excluded.scanned_at, missing_since = NULL",
                (r.found.root_id, r.found.path_bytes, display_path(r.found.path_bytes), r.found.size,
                 r.found.mtime_ns, photo_id, state, _json(file_errors), now, now),
            )  # fmt: skip
            summary.read += 1
            if state == "failed":
                summary.failed += 1
                summary.failures.append((display_path(r.found.path_bytes), all_errors))
            elif state == "problem":
                summary.problems += 1
            if all_errors:
                rep.problem(display_path(r.found.path_bytes), all_errors)


def _upsert_photo(conn: sqlite3.Connection, r: ReadResult, now: str) -> tuple[int, bool]:
    assert r.meta is not None and r.hash is not None
    m = r.meta
    row = conn.execute("SELECT id, metadata_version FROM photos WHERE hash = ?", (r.hash,)).fetchone()
    values = (m.format, m.kind, r.found.size, m.width, m.height, m.orientation, m.display_orientation,
              m.taken_local, m.offset_minutes, m.taken_at_source, m.offset_source, m.gps_lat, m.gps_lon,
              m.gps_alt, m.make, m.model, m.lens, m.serial, m.title, m.description,
              _json(m.keywords), m.rating, _json([vars(x) for x in m.regions]), m.duration,
              _json(m.errors), METADATA_VERSION)  # fmt: skip
    columns = ("format, kind, size, width, height, orientation, display_orientation, taken_local,"
               " offset_minutes, taken_at_source, offset_source, gps_lat, gps_lon, gps_alt, make, model,"
               " lens, serial, title, description, keywords, rating, regions, duration, errors,"
               " metadata_version")  # fmt: skip
    if row is None:
        cur = conn.execute(
            f"INSERT INTO photos (hash, {columns}, created_at) VALUES (?, {', '.join('?' * len(values))}, ?)",
            (r.hash, *values, now),
        )
        return int(cur.lastrowid or 0), True
    if row[1] != METADATA_VERSION:
        sets = ", ".join(f"{c.strip()} = ?" for c in columns.split(","))
        conn.execute(f"UPDATE photos SET {sets} WHERE id = ?", (*values, row[0]))
    return int(row[0]), False


def _json(items: Sequence[object]) -> str:
    """JSON text of a list; most are empty, and json.dumps of [] is a measurable share of a scan."""
    return json.dumps(items, ensure_ascii=False) if items else "[]"


def _has_other_copy(conn: sqlite3.Connection, photo_id: int, path: bytes) -> bool:
    return conn.execute(
        "SELECT 1 FROM files WHERE photo_id = ? AND path_bytes != ? AND state != 'missing' LIMIT 1",
        (photo_id, path),
    ).fetchone() is not None


def _mark_missing(ctx: AppContext, roots: list[bytes], seen: set[bytes],
                  known: dict[bytes, tuple[int, int, bool, bool]]) -> int:  # fmt: skip
    """Files under the scanned roots, present before this scan, not found now: mark them missing.
    (Files new in this scan were all seen, so the catalog as it was before the scan suffices.)"""
    prefixes = tuple(root.rstrip(b"/") + b"/" for root in roots)
    gone = [p for p, v in known.items() if v[3] and p not in seen and (p in roots or p.startswith(prefixes))]
    if gone:
        with ctx.db.transaction() as conn:
            conn.executemany("UPDATE files SET state = 'missing', missing_since = ? WHERE path_bytes = ?",
                             [(now_iso(), p) for p in gone])  # fmt: skip
    return len(gone)
