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
import os
import stat
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial

from camroll import thresholds
from camroll.config import AppContext
from camroll.library import edits
from camroll.library.container import NotAnImage
from camroll.library.formats import MEDIA_EXTENSIONS, read_container
from camroll.library.isobmff import is_isobmff
from camroll.library.metadata import PhotoMeta, extract
from camroll.library.sanitize import clean_message
from camroll.privacy import audit, consent
from camroll.privacy.removal import Exclusions
from camroll.progress import Reporter, Silent
from camroll.store import files
from camroll.store import scan as store_scan
from camroll.workers import stream

_MEDIA_EXTENSIONS_BYTES = frozenset(e[1:].encode() for e in MEDIA_EXTENSIONS)

METADATA_VERSION = 1
"""Bump when the metadata reader learns something new: every file is then read again once."""


@dataclass(slots=True)
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
    live_paired: int = 0
    """Apple Live Photos (a still and its MOV) made one item by this scan."""
    live_by_name: int = 0
    """Of those, paired by file name only: the still carries no identifier."""
    live_undone: int = 0
    """Live Photo pairs undone: a half moved away or gone."""
    interrupted: bool = False
    seconds: float = 0.0
    failures: list[tuple[str, list[str]]] = field(default_factory=list)


def display_path(path_bytes: bytes) -> str:
    """A path as text for people and JSON: undecodable bytes appear as ``\\xNN``."""
    return path_bytes.decode("utf-8", "backslashreplace")


def walk(
    root: bytes, on_error: Callable[[bytes, str], None], skip: frozenset[tuple[int, int]] = frozenset()
) -> Iterator[tuple[bytes, os.stat_result]]:
    """Media files under ``root`` (a folder or one file), following folder links once each, in
    the byte order of their paths: the order of the catalog's index on ``path_bytes``, so the
    scan can merge the two (see :func:`_diff`).

    Depth first with each folder's entries sorted, a subfolder keyed by its name and a ``/``:
    the full paths then come out sorted (``a-b.jpg`` < ``a.jpg`` < ``a/x.jpg``, as '-' < '.' <
    '/').

    ``skip``: folders (device, inode) never entered, however they are reached: camroll's own
    (trash, caches, creations) when a library folder holds its home."""
    try:
        st = os.stat(root)
    except OSError as e:
        on_error(root, f"cannot open: {e.strerror}")
        return
    if (st.st_dev, st.st_ino) in skip:
        return
    if not stat.S_ISDIR(st.st_mode):
        if stat.S_ISREG(st.st_mode):
            yield root, st
        else:
            on_error(root, refusal(st.st_mode))
        return
    seen_dirs = {(st.st_dev, st.st_ino), *skip}
    stack = [iter(_sorted_entries(root, on_error))]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        try:
            if entry.is_dir():
                est = entry.stat()
                key = (est.st_dev, est.st_ino)
                if key not in seen_dirs:  # a link back up the tree is a loop: skip it
                    seen_dirs.add(key)
                    stack.append(iter(_sorted_entries(entry.path, on_error)))
                continue
            est = entry.stat()  # follows links
        except OSError as e:
            on_error(entry.path, f"cannot read: {e.strerror}")
            continue
        if stat.S_ISREG(est.st_mode):
            yield entry.path, est
        else:  # a FIFO, socket or device named like a photo: never opened
            on_error(entry.path, refusal(est.st_mode))


def _sorted_entries(folder: bytes, on_error: Callable[[bytes, str], None]) -> list[os.DirEntry[bytes]]:
    """The folder's subfolders and media files (by extension, before any stat: most other files
    cost nothing), sorted as their full paths sort; hidden ones left out."""
    keyed: list[tuple[bytes, os.DirEntry[bytes]]] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                name = entry.name
                if name.startswith(b"."):  # hidden files, AppleDouble "._x", .git, .Trash
                    continue
                try:
                    is_dir = entry.is_dir()  # no system call except for links, which it follows
                except OSError as e:
                    on_error(entry.path, f"cannot read: {e.strerror}")
                    continue
                if is_dir:
                    keyed.append((name + b"/", entry))
                elif name.rpartition(b".")[2].lower() in _MEDIA_EXTENSIONS_BYTES:
                    keyed.append((name, entry))
    except OSError as e:
        on_error(folder, f"cannot list folder: {e.strerror}")
    keyed.sort(key=lambda k: k[0])
    return [entry for _key, entry in keyed]


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
    todo: list[Found] = []
    gone: list[bytes] = []
    excluded = Exclusions.load(ctx)
    walk_errors: list[tuple[bytes, str]] = []
    roots = [os.path.abspath(os.fsencode(path)) for path in paths]
    camrolls_own = _home_folders_skipped(ctx)

    rep.start("Looking for photos", None)
    for root in roots:
        summary.roots.append(display_path(root))
        consent.grant(ctx, "metadata", consent.path_scope(root), note="camroll scan")
        root_id = store_scan.root_id(ctx.db, root, display_path(root))
        if root in roots[: roots.index(root)] or any(_under(root, other) for other in roots if other != root):
            continue  # its files are walked with the folder that holds it
        found = walk(root, lambda p, msg: walk_errors.append((p, msg)), camrolls_own)
        _diff(ctx, root, found, root_id, summary, todo, gone, rep)
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
        files.mark_missing(ctx.db, gone)
        summary.removed = len(gone)
        store_scan.stamp_roots(ctx.db, roots)
        from camroll.library.live_photos import find_motion_photos  # issue 13: one item per motion photo

        find_motion_photos(ctx, rep)
        from camroll.library.apple_live import pair_live_photos  # issue 13: a Live Photo is one item

        pairing = pair_live_photos(ctx, rep)
        summary.live_paired, summary.live_by_name, summary.live_undone = (
            pairing.paired,
            pairing.by_name,
            pairing.undone,
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


def _home_folders_skipped(ctx: AppContext) -> frozenset[tuple[int, int]]:
    """The folders of camroll's own home the walk skips, for a library folder that holds the home:
    the trash (deleted photos wait there, see library/trash.py), the caches (thumbnails, face
    crops), creations, keys and the web's state. Only ``imports/`` is walked: the originals an
    import copied there are the person's photos."""
    skipped = set()
    try:
        entries = list(os.scandir(ctx.config.home))
    except OSError:
        return frozenset()
    for entry in entries:
        try:
            if entry.name != "imports" and entry.is_dir(follow_symlinks=True):
                st = entry.stat(follow_symlinks=True)
                skipped.add((st.st_dev, st.st_ino))
        except OSError:
            continue
    return frozenset(skipped)


def _under(path: bytes, folder: bytes) -> bool:
    return path.startswith(folder if folder.endswith(b"/") else folder + b"/")


def _diff(
    ctx: AppContext,
    root: bytes,
    found: Iterator[tuple[bytes, os.stat_result]],
    root_id: int,
    summary: ScanSummary,
    todo: list[Found],
    gone: list[bytes],
    rep: Reporter,
) -> None:
    """Compare the walk with what the catalog knew of the same folder, a chunk at a time: both
    come in path order, so a chunk of the walk and the catalog's rows over the same range of
    paths are two lists that are equal when nothing changed (one comparison in C, not a loop in
    Python). A file with its size and mtime unchanged that was read fine by this reader is not
    opened again; a new or changed one goes to ``todo``; a catalogued file the walk did not
    find, to ``gone``. Progress is drawn once a chunk (per file, drawing cost more than the
    comparison)."""
    stale = store_scan.any_stale(ctx.db, METADATA_VERSION)
    prefix = root if root.endswith(b"/") else root + b"/"
    low, chunk = prefix, list[store_scan.Known]()
    also: bytes | None = root

    def compare(high: bytes) -> None:
        nonlocal low, also, chunk
        rows = store_scan.known_in(ctx.db, low, high, METADATA_VERSION, stale, also)
        summary.seen += len(chunk)
        if rows == chunk:
            summary.unchanged += len(chunk)
        else:
            by_path = {row[0]: row for row in rows}
            for path, size, mtime_ns, *_ in chunk:
                row = by_path.pop(path, None)
                if row is not None and row[1:4] == (size, mtime_ns, 1):
                    summary.unchanged += 1
                else:
                    todo.append(Found(path, size, mtime_ns, root_id))
            gone.extend(row[0] for row in by_path.values() if row[4])
        rep.advance(len(chunk))
        # rows between the root and its prefix belong to other folders ("/a-b" after "/a")
        low, also, chunk = max(high, prefix), None, []

    for path, st in found:
        chunk.append((path, st.st_size, st.st_mtime_ns, 1, 1))
        if len(chunk) >= thresholds.SCAN_COMPARE_CHUNK:
            compare(path + b"\0")  # the smallest path after this one
    compare(prefix[:-1] + b"0")  # to the end of the folder ('0' is the byte after '/')


def _read_all_files(todo: list[Found], workers: int) -> Iterator[ReadResult]:
    if workers <= 1 or len(todo) < thresholds.SCAN_PARALLEL_MIN_FILES:
        for found in todo:
            yield read_file(found)
        return
    yield from stream(
        read_file, todo, workers, chunksize=64, on_lost=lost_file, item_timeout=thresholds.SCAN_FILE_TIMEOUT_S
    )


def lost_file(found: Found, reason: str) -> ReadResult:
    """A file whose worker died reading it (or failed outside read_file's own guard): failed,
    with the reason, and read again by the next scan (camroll.workers.stream)."""
    return ReadResult(found, errors=[f"the worker reading this file {reason}"])


def _write(
    ctx: AppContext, results: list[ReadResult], summary: ScanSummary, rep: Reporter, excluded: Exclusions
) -> None:
    """Write one batch in one transaction, each file in a savepoint of its own: a value the
    catalog refuses costs that file alone (recorded as failed with the reason, so a rescan
    retries it), never the batch or the scan."""
    if not results:
        return
    with store_scan.batch(ctx.db) as batch:
        for r in results:
            state, errors = batch.each_file(
                partial(_write_one, batch, r, summary, excluded), partial(_refused, batch, r)
            )
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


def _refused(batch: store_scan.Batch, r: ReadResult, e: Exception) -> tuple[str, list[str]]:
    """A file whose values the catalog refused: recorded as failed, with why."""
    errors = [f"could not be catalogued: {type(e).__name__}: {e}"]
    _upsert_file(batch, r.found, None, "failed", errors)
    return "failed", errors


def _write_one(
    batch: store_scan.Batch, r: ReadResult, summary: ScanSummary, excluded: Exclusions
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
        photo_id, is_new, photo_errors = _upsert_photo(batch, r)
        summary.new_photos += is_new
        if not is_new and batch.has_other_copy(photo_id, r.found.path_bytes):
            summary.duplicates += 1
    own = [e for e in (r.meta.errors if r.meta else []) if e not in photo_errors]
    file_errors = r.errors + own
    all_errors = file_errors + photo_errors
    state = "failed" if photo_id is None else ("problem" if all_errors else "ok")
    _upsert_file(batch, r.found, photo_id, state, file_errors)
    return state, all_errors


def _upsert_file(batch: store_scan.Batch, found: Found, photo_id: int | None, state: str, errors: list[str]) -> None:
    """The file's row as this scan found it (inserted, or updated in place by its path)."""
    batch.upsert_file(
        found.root_id,
        found.path_bytes,
        display_path(found.path_bytes),
        found.size,
        found.mtime_ns,
        photo_id,
        state,
        errors,
    )


def _upsert_photo(batch: store_scan.Batch, r: ReadResult) -> tuple[int, bool, list[str]]:
    """(photo id, is it new, the errors its row holds)."""
    assert r.meta is not None and r.hash is not None
    m = r.meta
    own = {
        "size": r.found.size,
        "keywords": store_scan.as_json(m.keywords),
        "regions": store_scan.as_json([vars(x) for x in m.regions]),
        "errors": store_scan.as_json(m.errors),
        "metadata_version": METADATA_VERSION,
    }  # every other column is the PhotoMeta field of its name
    values = [own[c] if c in own else getattr(m, c) for c in store_scan.PHOTO_COLUMNS]
    known = batch.photo_by_hash(r.hash)
    if known is None:
        photo_id = batch.insert_photo(r.hash, values)
        # A photo camroll has not seen: its camroll sidecar (a rebuilt library) brings its edits back.
        edits.restore_from_sidecar(batch.conn, photo_id, os.fsdecode(r.found.path_bytes), batch.now)
        return photo_id, True, list(m.errors)
    photo_id, version, stored_errors = known
    if version != METADATA_VERSION:
        batch.update_photo(photo_id, values)
        from camroll.library.imports.reapply import reapply as reapply_imported  # rare: a reader bump

        reapply_imported(batch.conn, photo_id)  # what an export said fills what the file still lacks
        edits.reapply(batch.conn, photo_id)  # the person's edits win over the file read again
        return photo_id, False, list(m.errors)
    return photo_id, False, stored_errors
