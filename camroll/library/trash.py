"""Deleting photos into the trash, and restoring them (issue 14).

``camroll delete PHOTO`` (and the web's Delete) moves every file of the photo into
``<home>/trash/<its path relative to its library folder>`` (a name already taken there gets a
suffix) and records it in the ``trash`` table; ``restore`` moves it back and rescans its folder;
``privacy/trash.py`` destroys it for good, when the person empties the trash or TRASH_KEEP_DAYS
after the delete (the retention sweep). An original is never unlinked at once: its name in the
library goes only once the same bytes are safe under the trash.

**Moving.** On one file system the file gets its second name in the trash with ``link``, then
loses the first: a rename that can never replace a file already there (``rename`` would,
silently). Across file systems (or where hard links are refused) it is copied to a staging name
beside its destination, flushed to disk (``fsync``), read back and hashed; only a copy whose
sha256 is the photo's is given the final name, and only then is the original unlinked. A file
whose bytes changed since the scan (its hash is no longer the photo's) is refused: the person
meant the photo camroll showed them. Every folder is reached through ``privacy/trash.Dirs`` (no
link followed, no ``..``), so a tampered path or a link in place of the trash folder cannot make
a delete or a restore write outside the home or the library folder.

**The photo leaves the catalog.** A deleted photo is *removed* (:func:`~camroll.privacy.removal.remove_photos`,
as ``camroll remove`` does), not hidden: its rows, faces, people counts, tags, text, places,
thumbnails and the creations made from it go at once. Hiding it would keep biometric and other
derived data about a photo the person threw away for 30 more days, which consent does not cover
(a person who deletes a photo of someone expects that person's face print to go with it). It is
not remembered as excluded (``remember=False``): a restore rescans the file, which catalogues it
again like a new photo, and the analyses consented to run on it again. What it loses: its
favourite and archive flags and a person's edits kept in the catalog (an edit's camroll sidecar
beside the original stays in the library folder and is read back by that rescan). While the file
is in the trash, the scan never walks the trash folder (``library/scan.py`` skips it even when a
library folder contains the home), so it cannot come back by itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import stat
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from camroll import thresholds
from camroll.config import AppContext
from camroll.library.scan import display_path, scan
from camroll.privacy import audit
from camroll.privacy.removal import remove_photos
from camroll.privacy.trash import Dirs, TrashError, destroy, safe_parts, trash_dirs
from camroll.progress import Reporter, Silent
from camroll.store import live_photos
from camroll.store import trash as store
from camroll.store.db import now_iso

CHUNK = 1 << 20
"""Bytes read at a time when hashing or copying a file."""
MAX_SUFFIX = 1000
"""``IMG (2).jpg`` ... ``IMG (1000).jpg``: past that many files of one name, refuse."""


@dataclass
class DeleteReport:
    deleted: list[int] = field(default_factory=list)
    """Photos moved whole into the trash and removed from the catalog."""
    files: list[tuple[str, str]] = field(default_factory=list)
    """(original path, path in the trash) of each file moved."""
    refused: list[tuple[str, str]] = field(default_factory=list)
    """(photo or file, why) of what stayed where it was."""
    derived_rows: int = 0


@dataclass
class RestoreReport:
    restored: list[tuple[str, str]] = field(default_factory=list)
    """(original path, where it is now: the same path, or one with a suffix when that was taken)."""
    refused: list[tuple[str, str]] = field(default_factory=list)
    new_photos: int = 0


def _sha256_fd(fd: int) -> str:
    digest = hashlib.sha256()
    os.lseek(fd, 0, os.SEEK_SET)
    while chunk := os.read(fd, CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _sha256_at(name: bytes, dir_fd: int) -> str:
    fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
    try:
        return _sha256_fd(fd)
    finally:
        os.close(fd)


def _names(name: bytes) -> list[bytes]:
    """``IMG.jpg``, then ``IMG (2).jpg``, ``IMG (3).jpg``..."""
    stem, dot, ext = name.rpartition(b".")
    if not stem:
        stem, dot, ext = name, b"", b""
    return [name] + [stem + f" ({n})".encode() + dot + ext for n in range(2, MAX_SUFFIX + 1)]


def _place(
    src: bytes, src_dir: int, dst_dir: int, name: bytes, content_hash: str, taken: Callable[[bytes], bool] | None = None
) -> bytes:
    """Give the file ``src`` (in the folder ``src_dir``) a name in ``dst_dir``: ``name``
    or, when that is taken, the first free suffixed one. Never replaces a file; the source keeps
    its own name (the caller unlinks it). Returns the name given."""
    st = os.stat(src, dir_fd=src_dir, follow_symlinks=False)
    for candidate in _names(name):
        if taken is not None and taken(candidate):
            continue
        try:
            os.link(src, candidate, src_dir_fd=src_dir, dst_dir_fd=dst_dir, follow_symlinks=False)
        except FileExistsError:
            continue
        except OSError:  # another file system (EXDEV), or one that has no hard links
            if not _copy(src, src_dir, dst_dir, candidate, content_hash, st):
                continue
        os.fsync(dst_dir)
        return candidate
    raise TrashError(f"{os.fsdecode(name)!r}: {MAX_SUFFIX} files of that name are already there")


def _copy(src: bytes, src_dir: int, dst_dir: int, name: bytes, content_hash: str, st: os.stat_result) -> bool:
    """Copy, fsync, hash the copy, and give it ``name`` (False when the name is taken meanwhile)."""
    staging = b"." + name + b".camroll-tmp"  # hidden: a scan never catalogues it
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    with contextlib.suppress(FileNotFoundError):  # left by a copy that was killed
        os.unlink(staging, dir_fd=dst_dir)
    out = os.open(staging, flags, 0o600, dir_fd=dst_dir)
    try:
        source = os.open(src, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=src_dir)
        try:
            while chunk := os.read(source, CHUNK):
                os.write(out, chunk)
        finally:
            os.close(source)
        os.fsync(out)
        if _sha256_fd(out) != content_hash:
            raise TrashError(f"the copy of {os.fsdecode(src)!r} did not read back the same: nothing was moved")
        os.fchmod(out, stat.S_IMODE(st.st_mode))
        os.utime(out, ns=(st.st_atime_ns, st.st_mtime_ns))
        os.close(out)
        out = -1
        try:
            os.link(staging, name, src_dir_fd=dst_dir, dst_dir_fd=dst_dir, follow_symlinks=False)
        except FileExistsError:
            return False
        return True
    finally:
        if out >= 0:
            os.close(out)
        os.unlink(staging, dir_fd=dst_dir)


def _located(path: bytes, root: bytes) -> tuple[bytes, list[bytes]]:
    """(folder, parts): ``path`` as the parts below a folder camroll trusts, its library folder
    ``root`` (or, for a root that is the file itself, the folder holding it). A stored path not
    inside its root, or one that could leave it (``..``), is refused."""
    if path == root:
        return os.path.dirname(root) or b"/", [os.path.basename(root)]
    prefix = root if root.endswith(b"/") else root + b"/"
    if not path.startswith(prefix):
        raise TrashError(f"{display_path(path)!r} is not inside its library folder {display_path(root)!r}")
    return root, safe_parts(path[len(prefix) :])


def _move_in(ctx: AppContext, content_hash: str, found: store.OnDisk) -> bytes:
    """Move one file of a photo into the trash; return its place under the trash folder."""
    base, parts = _located(found.path_bytes, found.root_bytes)
    with Dirs(base, parts[:-1], create=False) as source:
        st = os.lstat(parts[-1], dir_fd=source.fd)
        if not stat.S_ISREG(st.st_mode):
            raise TrashError("it is not a plain file (a link or something else): left where it is")
        if _sha256_at(parts[-1], source.fd) != content_hash:
            raise TrashError("it changed since the last scan (rescan it first): left where it is")
        with trash_dirs(ctx, parts[:-1], create=True) as dirs:
            # A name an item holds is taken even if its file went missing: each item keeps its own place.
            name = _place(
                parts[-1],
                source.fd,
                dirs.fd,
                parts[-1],
                content_hash,
                lambda n: store.rel_taken(ctx.db, b"/".join([*parts[:-1], n])),
            )
            try:
                os.unlink(parts[-1], dir_fd=source.fd)  # the trash holds the same bytes now
            except OSError as e:  # a read-only library folder: the original stays, so no second copy
                os.unlink(name, dir_fd=dirs.fd)
                dirs.prune()
                raise TrashError(f"its folder cannot be changed ({e.strerror or e}): left where it is") from e
    return b"/".join([*parts[:-1], name])


def delete_photos(
    ctx: AppContext, photo_ids: Sequence[int], reporter: Reporter | None = None, at: str | None = None
) -> DeleteReport:
    """Move these photos' files into the trash and remove the photos from the catalog (see the
    module's docstring for why removed, not hidden). ``at``: the time recorded as the delete's
    (ISO, UTC), for tests that look TRASH_KEEP_DAYS ahead."""
    rep, report = reporter or Silent(), DeleteReport()
    at = at or now_iso()
    photo_ids = _with_live_clips(ctx, photo_ids)
    rep.start("Moving to the trash", len(photo_ids))
    for photo_id in photo_ids:
        facts = store.photo_facts(ctx.db, photo_id)
        on_disk = store.files_on_disk(ctx.db, photo_id) if facts else []
        if facts is None or not on_disk:
            why = "no such photo" if facts is None else "none of its files is on disk (`camroll remove` forgets it)"
            report.refused.append((f"photo {photo_id}", why))
            rep.advance()
            continue
        content_hash, taken_local = facts
        whole = True
        for found in on_disk:
            try:
                rel = _move_in(ctx, content_hash, found)
            except (TrashError, OSError) as e:
                whole = False
                why = e.message if isinstance(e, TrashError) else (e.strerror or str(e))
                report.refused.append((found.path, why))
                rep.problem(found.path, [why])
                continue
            store.add(ctx.db, content_hash, found, rel, taken_local, at)
            report.files.append((found.path, str(ctx.config.home / "trash" / os.fsdecode(rel))))
        if whole:
            report.deleted.append(photo_id)
        rep.advance()
    if report.deleted:
        removal = remove_photos(ctx, report.deleted, remember=False)
        report.derived_rows = sum(removal.rows.values())
    if report.files:
        # Counts only: the audit log is kept forever, so it names no photo, path or hash.
        audit.record(ctx, "trash.delete", photos=len(report.deleted), files=len(report.files))
    return report


def days_left(deleted_at: str, now: float | None = None) -> int:
    """Whole days (rounded up) until the sweep destroys an item deleted at ``deleted_at`` (ISO)."""
    now = time.time() if now is None else now
    left = datetime.fromisoformat(deleted_at).timestamp() + thresholds.TRASH_KEEP_DAYS * 86400 - now
    return max(0, math.ceil(left / 86400))


def _with_live_clips(ctx: AppContext, photo_ids: Sequence[int]) -> list[int]:
    """The photos, each Live Photo's still followed by its MOV: a Live Photo is one item (issue
    13), so deleting it moves both; left behind, the MOV would turn up alone in the timeline."""
    out: dict[int, None] = {}
    for photo_id in photo_ids:
        out[photo_id] = None
        clip = live_photos.live_clip_of(ctx.db, photo_id)
        if clip is not None:
            out[clip] = None
    return list(out)


def find(ctx: AppContext, arg: str) -> list[store.Item]:
    """Trash items by their id (as ``camroll trash`` lists them), their original path, or the
    start of their photo's hash (at least 8 hex digits)."""
    if arg.isdigit():
        item = store.get(ctx.db, int(arg))
        if item is not None:
            return [item]
    found = store.by_original(ctx.db, os.fsencode(os.path.abspath(arg)))
    if not found and len(arg) >= 8 and all(c in "0123456789abcdef" for c in arg.lower()):
        found = store.by_hash_prefix(ctx.db, arg.lower())
    return found


def _move_out(ctx: AppContext, item: store.Item) -> bytes:
    """Move one item back into its library folder; return the path it now has."""
    trash_parts = safe_parts(item.trash_rel)
    base, parts = _located(item.original_bytes, item.root_bytes)
    if not os.path.isdir(base):
        raise TrashError(f"its library folder {display_path(base)!r} is not there any more")
    with trash_dirs(ctx, trash_parts[:-1], create=False) as held, Dirs(base, parts[:-1], create=True) as dest:
        if _sha256_at(trash_parts[-1], held.fd) != item.photo_hash:
            raise TrashError("the file in the trash is not the one deleted (its bytes changed): left in the trash")
        name = _place(trash_parts[-1], held.fd, dest.fd, parts[-1], item.photo_hash)
        os.unlink(trash_parts[-1], dir_fd=held.fd)
        held.prune()
    return os.path.join(base, *parts[:-1], name)


def restore(ctx: AppContext, items: Sequence[store.Item], reporter: Reporter | None = None) -> RestoreReport:
    """Move these items back where they were (a name taken since gets a suffix: nothing is
    overwritten) and rescan their library folders, which catalogues them again."""
    rep, report = reporter or Silent(), RestoreReport()
    rep.start("Restoring from the trash", len(items))
    rescan: dict[bytes, None] = {}
    done: list[int] = []
    for item in items:
        try:
            where = _move_out(ctx, item)
        except (TrashError, OSError) as e:
            why = e.message if isinstance(e, TrashError) else (e.strerror or str(e))
            report.refused.append((item.original_path, why))
            rep.problem(item.original_path, [why])
        else:
            done.append(item.id)
            report.restored.append((item.original_path, display_path(where)))
            rescan[where if item.original_bytes == item.root_bytes else item.root_bytes] = None
        rep.advance()
    store.drop(ctx.db, done)
    if done:
        audit.record(ctx, "trash.restore", files=len(done))
    for folder in rescan:
        report.new_photos += scan(ctx, [os.fsdecode(folder)], rep).new_photos
    return report


def empty(ctx: AppContext, items: Sequence[store.Item]) -> int:
    """Destroy these items for good (``camroll trash empty``); return how many files went."""
    n = destroy(ctx, items)
    if items:
        audit.record(ctx, "trash.empty", files=n, items=len(items))
    return n
