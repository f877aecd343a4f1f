"""Writing files only their owner can read: exports, reports, the audit head.

An export holds decrypted face prints, names, GPS and text; a report names a person's home and
routine. Each such file is written 0600 (created with that mode, never widened then narrowed, so
no other user can open it in between), through a temporary file that is flushed to disk and then
renamed over the old one: a crash leaves the old file or the new one, never half of either.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def write_private(path: Path, data: bytes, durable: bool = False) -> None:
    """Write ``data`` to ``path`` as a 0600 file, atomically. ``durable``: also fsync the folder, so
    the rename itself survives a power cut (the audit head needs that; an export can be redone)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    if durable:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def private_folder(folder: Path, ours: bool) -> str | None:
    """Make ``folder`` 0700 when camroll made it (``ours``); otherwise leave a person's own folder
    as it is (tightening, say, their home folder would break other things) and return a warning
    when other users can list it."""
    mode = stat.S_IMODE(folder.stat().st_mode)
    if ours:
        if mode != FOLDER_MODE:
            folder.chmod(FOLDER_MODE)
        return None
    if mode & 0o077:
        return (
            f"{folder} can be listed by other users of this computer (mode {mode:04o}); the files "
            "camroll wrote in it are readable by you alone, but their names show"
        )
    return None
