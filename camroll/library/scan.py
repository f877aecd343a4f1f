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
import os
import sqlite3
import stat
import struct
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from camroll import thresholds
from camroll.config import AppContext
from camroll.library.container import NotAnImage
from camroll.library.formats import MEDIA_EXTENSIONS, read_container
from camroll.library.isobmff import is_isobmff
from camroll.library.metadata import PhotoMeta, extract
from camroll.library.sanitize import clean_message
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
        if stat.S_ISREG(st.st_mode):
            yield root, st
        else:
            on_error(root, refusal(st.st_mode))
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
                    else:  # a FIFO, socket or device named like a photo: never opened
                        on_error(entry.path, refusal(est.st_mode))
            except OSError as e:
                on_error(entry.path, f"cannot read: {e.strerror}")


def refusal(mode: int) -> str:
    """Why a path that is not a regular file is refused. Opening a FIFO for reading blocks until
    someone writes to it, and reading a device can block or never end, so neither is opened."""
    kind = (
        "a named pipe (FIFO)"
        if stat.S_ISFIFO(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a character device"
        if stat.S_ISCHR(mode)
        else "a block device"
        if stat.S_ISBLK(mode)
        else "not a regular file"
    )
    return f"refused: {kind}, not a photo file; it was not opened"


def read_file(found: Found) -> ReadResult:
    """Open one file read-only, hash it and read its metadata. Never raises.

    The file is opened non-blocking (a FIFO swapped in after the walk cannot hang the scan) and
    checked to be a regular file before any read. Large files are read with ``read``/``pread``,
    never mapped: a file cut short while mapped kills the process with SIGBUS, while a short read
    only makes a shorter result, reported as a change during the read."""
    result = ReadResult(found)
    path = found.path_bytes
    name = os.path.basename(path).decode("utf-8", "backslashreplace")
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        result.errors.append(f"cannot open: {e.strerror} (errno {e.errno})")
        return result
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotAnImage(refusal(st.st_mode))
        size = st.st_size
        if size > thresholds.MAX_FILE_BYTES_IN_MEMORY:
            result.hash, data, notes = _read_large(fd, size)
            result.errors.extend(notes)
        else:
            data = _read_all(fd, size)
            result.hash = hashlib.sha256(data).hexdigest()
            if len(data) != size:
                result.errors.append(f"the file changed while it was read ({size} bytes, then {len(data)})")
        if len(data) == 0:
            raise NotAnImage("empty file (0 bytes)")
        container = read_container(data, os.path.splitext(name)[1])
        result.meta = extract(container, name, found.mtime_ns / 1e9)
    except NotAnImage as e:
        result.errors.append(str(e))
        result.hash = None
    except OSError as e:
        result.errors.append(f"cannot read: {e.strerror} (errno {e.errno})")
        result.hash = None
    except MemoryError:
        result.errors.append("could not read metadata: it needs more memory than this machine has")
    except Exception as e:  # a reader bug must cost one file, not the scan
        result.errors.append(f"could not read metadata: {type(e).__name__}: {e}")
    finally:
        os.close(fd)
    if b"\\x" not in path and display_path(path) != os.fsdecode(path):
        result.errors.append("file name is not valid UTF-8; shown with \\x escapes")
    result.errors = [clean_message(e) for e in result.errors]
    return result


def _read_all(fd: int, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining > 0:
        chunk = os.read(fd, remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _pread(fd: int, length: int, offset: int) -> bytes:
    """Up to ``length`` bytes at ``offset``; fewer only where the file ends (or was cut)."""
    chunks: list[bytes] = []
    while length > 0:
        chunk = os.pread(fd, length, offset)
        if not chunk:
            break
        chunks.append(chunk)
        length -= len(chunk)
        offset += len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _read_large(fd: int, size: int) -> tuple[str, bytes, list[str]]:
    """Hash a large file in chunks, then read what its metadata needs: a video's boxes without
    their media data, a still image whole up to ``MAX_LARGE_STILL_BYTES`` (its head beyond).
    Returns (sha256, bytes for the readers, notes)."""
    digest, total, notes = hashlib.sha256(), 0, []
    while chunk := os.read(fd, thresholds.SCAN_READ_CHUNK_BYTES):
        digest.update(chunk)
        total += len(chunk)
    if total != size:
        notes.append(f"the file changed while it was read ({size} bytes, then {total})")
    size = total
    if is_isobmff(_pread(fd, 16, 0)):
        data = _isobmff_without_media(fd, size, notes)
    elif size <= thresholds.MAX_LARGE_STILL_BYTES:
        data = _pread(fd, size, 0)
    else:
        data = _pread(fd, thresholds.MAX_FILE_BYTES_IN_MEMORY, 0)
        notes.append(f"file is {size >> 20} MB: only its first {len(data) >> 20} MB were read for metadata")
    return digest.hexdigest(), data, notes


_MEDIA_BOXES = frozenset({b"mdat", b"free", b"skip", b"wide"})


def _isobmff_without_media(fd: int, size: int, notes: list[str]) -> bytes:
    """The top-level boxes of a large ISO media file, each media-data box replaced by an empty
    box of the same type: the reader walks boxes by their sizes, so it sees the same tree
    without the gigabytes of frames. (Item offsets into ``mdat`` lose their meaning; a HEIF
    photo this large is not met in practice.)"""
    out: list[bytes] = []
    pos = 0
    while pos + 8 <= size:
        head = _pread(fd, 16, pos)
        if len(head) < 8:
            break
        box_size, typ = struct.unpack_from(">I4s", head)
        head_len = 8
        if box_size == 1 and len(head) == 16:
            box_size, head_len = struct.unpack_from(">Q", head, 8)[0], 16
        elif box_size == 0:
            box_size = size - pos
        if box_size < head_len:  # let the reader report the impossible size
            out.append(head[:8])
            break
        name = typ.decode("latin-1")
        if pos + box_size > size:
            notes.append(f"box {name!r} runs past the end of the file (truncated?)")
        if typ in _MEDIA_BOXES:
            out.append(struct.pack(">I4s", 8, typ))
        elif box_size > thresholds.MAX_METADATA_BOX_BYTES:
            notes.append(f"box {name!r} is {box_size >> 20} MB, over the metadata limit: skipped")
            out.append(struct.pack(">I4s", 8, typ))
        else:
            out.append(_pread(fd, box_size, pos))
        pos += box_size
    return b"".join(out)


def scan(
    ctx: AppContext, paths: list[str], reporter: Reporter | None = None, workers: int | None = None
) -> ScanSummary:
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
            conn.executemany(
                "UPDATE roots SET last_scan_at = ? WHERE path_bytes = ?",
                [(now_iso(), os.path.abspath(os.fsencode(p))) for p in paths],
            )
    summary.seconds = time.perf_counter() - started
    audit.record(
        ctx,
        "scan",
        roots=summary.roots,
        files=summary.seen,
        read=summary.read,
        new_photos=summary.new_photos,
        failed=summary.failed,
        removed=summary.removed,
        interrupted=summary.interrupted,
    )
    return summary


def _read_all_files(todo: list[Found], workers: int) -> Iterator[ReadResult]:
    if workers <= 1 or len(todo) < thresholds.SCAN_PARALLEL_MIN_FILES:
        for found in todo:
            yield read_file(found)
        return
    yield from stream(read_file, todo, workers, chunksize=64, on_lost=lost_file)


def lost_file(found: Found, reason: str) -> ReadResult:
    """A file whose worker died reading it (or failed outside read_file's own guard): failed,
    with the reason, and read again by the next scan (camroll.workers.stream)."""
    return ReadResult(found, errors=[f"the worker reading this file {reason}"])


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


def _write(
    ctx: AppContext, results: list[ReadResult], summary: ScanSummary, rep: Reporter, excluded: Exclusions
) -> None:
    """Write one batch in one transaction, each file in a savepoint of its own: a value the
    catalog refuses costs that file alone (recorded as failed with the reason, so a rescan
    retries it), never the batch or the scan."""
    if not results:
        return
    now = now_iso()
    with ctx.db.transaction() as conn:
        for r in results:
            conn.execute("SAVEPOINT one_file")
            try:
                state, errors = _write_one(conn, r, now, summary, excluded)
            except (
                sqlite3.IntegrityError,
                sqlite3.InterfaceError,
                sqlite3.DataError,
                OverflowError,
                ValueError,
                TypeError,
            ) as e:
                conn.execute("ROLLBACK TO one_file")
                errors = [f"could not be catalogued: {type(e).__name__}: {e}"]
                state = "failed"
                _upsert_file(conn, r.found, None, state, errors, now)
            conn.execute("RELEASE one_file")
            if state == "excluded":
                continue
            summary.read += 1
            if state == "failed":
                summary.failed += 1
                summary.failures.append((display_path(r.found.path_bytes), errors))
            elif state == "problem":
                summary.problems += 1
            if errors:
                rep.problem(display_path(r.found.path_bytes), errors)


_FILE_UPSERT = (
    "INSERT INTO files (root_id, path_bytes, path, size, mtime_ns, photo_id, state, errors,"
    " first_seen, scanned_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (path_bytes) DO UPDATE SET root_id = excluded.root_id, size = excluded.size,"
    " mtime_ns = excluded.mtime_ns, photo_id = excluded.photo_id, state = excluded.state,"
    " errors = excluded.errors, scanned_at = excluded.scanned_at, missing_since = NULL"
)


def _write_one(
    conn: sqlite3.Connection, r: ReadResult, now: str, summary: ScanSummary, excluded: Exclusions
) -> tuple[str, list[str]]:
    """Catalogue one file; returns its state and every error a person sees for it.

    The photo row holds the errors of its content (shared by exact copies); the file row holds
    the rest, including this copy's own notes where they differ from the photo's (a copy with a
    lying extension, say), so that the state and the errors shown always agree."""
    if r.hash is not None and excluded.covers(r.hash):
        summary.excluded += 1
        return "excluded", []
    photo_id, photo_errors = None, list[str]()
    if r.hash is not None and r.meta is not None:
        photo_id, is_new, photo_errors = _upsert_photo(conn, r, now)
        summary.new_photos += is_new
        if not is_new and _has_other_copy(conn, photo_id, r.found.path_bytes):
            summary.duplicates += 1
    own = [e for e in (r.meta.errors if r.meta else []) if e not in photo_errors]
    file_errors = r.errors + own
    all_errors = file_errors + photo_errors
    state = "failed" if photo_id is None else ("problem" if all_errors else "ok")
    _upsert_file(conn, r.found, photo_id, state, file_errors, now)
    return state, all_errors


def _upsert_file(
    conn: sqlite3.Connection, found: Found, photo_id: int | None, state: str, errors: list[str], now: str
) -> None:
    """The file's row as this scan found it (inserted, or updated in place by its path)."""
    conn.execute(
        _FILE_UPSERT,
        (
            found.root_id,
            found.path_bytes,
            display_path(found.path_bytes),
            found.size,
            found.mtime_ns,
            photo_id,
            state,
            _json(errors),
            now,
            now,
        ),
    )


def _upsert_photo(conn: sqlite3.Connection, r: ReadResult, now: str) -> tuple[int, bool, list[str]]:
    """(photo id, is it new, the errors its row holds)."""
    assert r.meta is not None and r.hash is not None
    m = r.meta
    row = conn.execute("SELECT id, metadata_version, errors FROM photos WHERE hash = ?", (r.hash,)).fetchone()
    values = (
        m.format,
        m.kind,
        r.found.size,
        m.width,
        m.height,
        m.orientation,
        m.display_orientation,
        m.taken_local,
        m.offset_minutes,
        m.taken_at_source,
        m.offset_source,
        m.gps_lat,
        m.gps_lon,
        m.gps_alt,
        m.make,
        m.model,
        m.lens,
        m.serial,
        m.title,
        m.description,
        _json(m.keywords),
        m.rating,
        _json([vars(x) for x in m.regions]),
        m.duration,
        _json(m.errors),
        METADATA_VERSION,
    )
    columns = (
        "format, kind, size, width, height, orientation, display_orientation, taken_local,"
        " offset_minutes, taken_at_source, offset_source, gps_lat, gps_lon, gps_alt, make, model,"
        " lens, serial, title, description, keywords, rating, regions, duration, errors,"
        " metadata_version"
    )
    if row is None:
        cur = conn.execute(
            f"INSERT INTO photos (hash, {columns}, created_at) VALUES (?, {', '.join('?' * len(values))}, ?)",
            (r.hash, *values, now),
        )
        return int(cur.lastrowid or 0), True, list(m.errors)
    if row[1] != METADATA_VERSION:
        sets = ", ".join(f"{c.strip()} = ?" for c in columns.split(","))
        conn.execute(f"UPDATE photos SET {sets} WHERE id = ?", (*values, row[0]))
        return int(row[0]), False, list(m.errors)
    stored = json.loads(row[2]) if row[2] else []
    return int(row[0]), False, [str(e) for e in stored] if isinstance(stored, list) else []


def _json(items: Sequence[object]) -> str:
    """JSON text of a list; most are empty, and json.dumps of [] is a measurable share of a scan."""
    return json.dumps(items, ensure_ascii=False) if items else "[]"


def _has_other_copy(conn: sqlite3.Connection, photo_id: int, path: bytes) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM files WHERE photo_id = ? AND path_bytes != ? AND state != 'missing' LIMIT 1",
            (photo_id, path),
        ).fetchone()
        is not None
    )


def _mark_missing(
    ctx: AppContext, roots: list[bytes], seen: set[bytes], known: dict[bytes, tuple[int, int, bool, bool]]
) -> int:
    """Files under the scanned roots, present before this scan, not found now: mark them missing.
    (Files new in this scan were all seen, so the catalog as it was before the scan suffices.)"""
    prefixes = tuple(root.rstrip(b"/") + b"/" for root in roots)
    gone = [p for p, v in known.items() if v[3] and p not in seen and (p in roots or p.startswith(prefixes))]
    if gone:
        with ctx.db.transaction() as conn:
            conn.executemany(
                "UPDATE files SET state = 'missing', missing_since = ? WHERE path_bytes = ?",
                [(now_iso(), p) for p in gone],
            )
    return len(gone)
