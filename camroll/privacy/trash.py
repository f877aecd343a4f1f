"""The trash folder, ``<home>/trash/``: how its files are reached without being led elsewhere,
and how they are destroyed at the end (by ``camroll trash empty`` or the retention sweep).

``library/trash.py`` moves originals in and out; this module is the part that privacy owns,
since the retention sweep (which imports no feature module) must destroy what is past
TRASH_KEEP_DAYS.

**No path is trusted.** A stored path could have been tampered with (``../../etc/x.jpg``), and
any folder on the way could have been replaced by a link to somewhere else. So every path is
split into parts, and a part that is empty, ``.``, ``..`` or holds a NUL is refused
(:func:`safe_parts`); folders are then opened one part at a time from a folder camroll trusts
(its home, or a library folder the person chose), each with ``O_NOFOLLOW`` (:class:`Dirs`), and
files are created, linked and unlinked relative to the folder's descriptor. A link anywhere on
the way, ``<home>/trash`` itself included, is refused rather than followed, so nothing here can
write or delete outside the trash or the library folder, whatever a stored path or the disk says.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from camroll.config import AppContext
from camroll.errors import CamrollError
from camroll.store import trash as store

FOLDER = "trash"
"""The trash's folder under the home (the retention sweep names it too)."""


class TrashError(CamrollError):
    """A file could not be moved or destroyed safely; the message says which and why."""


class UnsafePath(TrashError):
    """A stored path that could leave its folder (``..``, an empty part): never used."""


def safe_parts(rel: bytes) -> list[bytes]:
    """``a/b/c.jpg`` -> ``[a, b, c.jpg]``; a path that could leave its folder is refused."""
    parts = rel.split(b"/")
    if not rel or any(p in (b"", b".", b"..") or b"\0" in p for p in parts):
        raise UnsafePath(f"refused the path {rel.decode('utf-8', 'backslashreplace')!r}: it could leave its folder")
    return parts


class Dirs:
    """The folders ``base/parts[0]/.../parts[-1]``, opened one by one without following a link
    (``create``: missing ones are made). ``fd`` is the last one; ``prune`` removes the ones left
    empty, deepest first. The base is opened as given: it is a folder camroll trusts."""

    def __init__(self, base: bytes | str, parts: Sequence[bytes], create: bool, mode: int = 0o777) -> None:
        self.fds: list[int] = [os.open(base, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)]
        self.parts = list(parts)
        try:
            for part in self.parts:
                self.fds.append(_open_child(self.fds[-1], part, create, mode))
        except BaseException:
            self.close()
            raise

    @property
    def fd(self) -> int:
        return self.fds[-1]

    def prune(self) -> None:
        """Remove the folders of ``parts`` that are now empty, deepest first (not the base)."""
        for depth in range(len(self.parts), 0, -1):
            try:
                os.rmdir(self.parts[depth - 1], dir_fd=self.fds[depth - 1])
            except OSError:
                return

    def close(self) -> None:
        for fd in self.fds:
            os.close(fd)
        self.fds = []

    def __enter__(self) -> Dirs:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def _open_child(parent: int, name: bytes, create: bool, mode: int) -> int:
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        return os.open(name, flags, dir_fd=parent)
    except FileNotFoundError:
        if not create:
            raise
        with contextlib.suppress(FileExistsError):  # made meanwhile: still opened without following a link
            os.mkdir(name, mode, dir_fd=parent)
        return os.open(name, flags, dir_fd=parent)
    except OSError as e:
        try:
            st = os.lstat(name, dir_fd=parent)
        except OSError:
            raise e from None
        what = "a link" if stat.S_ISLNK(st.st_mode) else "not a folder"
        raise TrashError(f"{name.decode('utf-8', 'backslashreplace')!r} is {what}: refused to go through it") from e


def trash_dirs(ctx: AppContext, parts: Sequence[bytes], create: bool) -> Dirs:
    """``<home>/trash/<parts>``, opened safely. A ``trash`` that is a link is refused, never followed."""
    home = ctx.config.home
    if create:
        home.mkdir(parents=True, exist_ok=True)
    try:
        return Dirs(os.fsencode(home), [FOLDER.encode(), *parts], create, mode=0o700)
    except TrashError as e:
        raise TrashError(f"the trash folder {home / FOLDER} is not safe to use: {e}") from e


def destroy(ctx: AppContext, items: Iterable[store.Item]) -> int:
    """Unlink these items' files for good and forget them; return how many files were destroyed.

    An item whose file is already gone is forgotten. So is one whose stored place could leave the
    trash (tampered with): nothing is unlinked for it, and whatever file it had is left to the
    sweep's file-age rule. One the trash cannot be reached for (a link put in place of a folder)
    stays listed, untouched: this runs in the sweep at the start of every command, which must
    neither follow the link nor stop working."""
    gone: list[int] = []
    destroyed = 0
    for item in items:
        try:
            parts = safe_parts(item.trash_rel)
            with trash_dirs(ctx, parts[:-1], create=False) as dirs:
                os.unlink(parts[-1], dir_fd=dirs.fd)
                destroyed += 1
                dirs.prune()
        except (FileNotFoundError, UnsafePath):
            pass
        except TrashError:
            continue
        gone.append(item.id)
    store.drop(ctx.db, gone)
    return destroyed


def destroy_older(ctx: AppContext, before: float) -> int:
    """Destroy the items deleted before the Unix time ``before`` (the retention sweep's hook)."""
    cutoff = datetime.fromtimestamp(before, UTC).isoformat(timespec="seconds")
    return destroy(ctx, store.deleted_before(ctx.db, cutoff))


def tracked(ctx: AppContext) -> set[Path]:
    """The files under the trash that an item owns: their age is their item's ``deleted_at``, not
    the file's own time (the sweep's file-age rule is for anything else found there)."""
    root = ctx.config.home / FOLDER
    return {root / os.fsdecode(rel) for rel in store.rels(ctx.db)}
