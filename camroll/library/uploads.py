"""Photos sent from a phone's browser: resumable uploads into a folder of the library (issue 13).

A phone on the same network picks photos and videos; for each it sends the file's SHA-256 and
size first, then the bytes in chunks. The state of an upload in progress is nothing but a file,
``<folder>/.camroll-partial/<sha256>-<size>.part``: its length on disk is how much has arrived,
so a dropped connection, a locked screen or a restarted server lose nothing, and no table is
needed. A chunk is accepted only at exactly that offset (a chunk sent twice is refused, never
appended twice). When the last byte is in, the whole file is hashed again: only a file whose
hash is the one announced is kept; it is fsynced, linked into ``<folder>/YYYY/MM/<its name>``
(never over another file: a taken name gets `` (1)``, `` (2)``...), and the folder is fsynced
before the phone hears "done".

Everything the phone sends is hostile: the hash must be 64 hex digits, the size bounded, the name
is reduced to a plain file name with a photo or video extension, the month is checked, and no
path is ever built from anything but those checked values. The hidden partial folder is skipped
by scans (hidden names are).
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from camroll import thresholds
from camroll.library.formats import MEDIA_EXTENSIONS

PARTIAL_DIR = ".camroll-partial"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class UploadRefused(ValueError):
    """An upload this folder will not take, with the reason in plain words; ``status`` is the HTTP
    status that says it best."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class WrongOffset(UploadRefused):
    """A chunk sent for an offset other than what has arrived: the sender resumes from ``offset``."""

    def __init__(self, offset: int) -> None:
        super().__init__(f"this upload continues at byte {offset}", 409)
        self.offset = offset


@dataclass(frozen=True)
class Announced:
    """One file as the phone announced it: checked, but not yet trusted (its bytes are not here)."""

    sha256: str
    size: int

    @classmethod
    def of(cls, sha256: str, size: int) -> Announced:
        sha = sha256.lower()
        if not _SHA256.match(sha):
            raise UploadRefused("a file is named by its SHA-256: 64 hexadecimal digits")
        if not 0 < size <= thresholds.UPLOAD_MAX_FILE_BYTES:
            raise UploadRefused(
                f"a file must have between 1 byte and {thresholds.UPLOAD_MAX_FILE_BYTES >> 30} GiB", 413
            )
        return cls(sha, size)

    @property
    def part_name(self) -> str:
        return f"{self.sha256}-{self.size}.part"


@dataclass
class Landed:
    """A file that arrived whole, with the hash it was announced with."""

    path: Path
    relative: str
    sha256: str
    size: int


def safe_name(name: str) -> str:
    """A plain file name for what the phone called its file: the last path component, NFC,
    without control characters, leading dots or trailing spaces, at most
    ``UPLOAD_MAX_NAME_BYTES`` bytes with its extension kept; only photo and video extensions."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip().lstrip(". ")
    stem, ext = os.path.splitext(base)
    ext = ext.lower()
    if ext not in MEDIA_EXTENSIONS:
        raise UploadRefused(f"camroll keeps photos and videos; {ext or 'a file without extension'} is neither", 415)
    stem = stem.rstrip(". ") or "photo"
    room = thresholds.UPLOAD_MAX_NAME_BYTES - len(ext.encode())
    while len(stem.encode()) > room:
        stem = stem[:-1]
    return stem + ext


def month_of(modified_ms: int | None, now: float, taken: str | None = None) -> tuple[int, int]:
    """The (year, month) folder of a file: the month the page read from its EXIF (``taken``,
    ``YYYY-MM``), else the month the phone says it was last modified (``modified_ms``; a camera
    photo's mtime is when it was taken), else the month it arrived. A value before 1990 or in
    the future is not believed."""
    latest = datetime.fromtimestamp(now + 86400, UTC)
    if taken and re.fullmatch(r"\d{4}-\d{2}", taken):
        year, month = int(taken[:4]), int(taken[5:])
        if year >= 1990 and 1 <= month <= 12 and (year, month) <= (latest.year, latest.month):
            return year, month
    when = now
    if modified_ms is not None and 631152000 * 1000 <= modified_ms <= (now + 86400) * 1000:
        when = modified_ms / 1000
    d = datetime.fromtimestamp(when, UTC)
    return d.year, d.month


class UploadFolder:
    """The folder uploads land in, and the partial files of uploads in progress."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.partial = root / PARTIAL_DIR

    def ensure(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.partial.mkdir(mode=0o700, exist_ok=True)
        if self.partial.is_symlink() or not self.partial.is_dir():
            raise UploadRefused("the upload folder's partial folder is not a plain folder", 500)

    def _part(self, file: Announced) -> Path:
        return self.partial / file.part_name

    def offset(self, file: Announced) -> int:
        """How many bytes of this file have arrived (0 if none)."""
        try:
            st = os.lstat(self._part(file))
        except FileNotFoundError:
            return 0
        return st.st_size

    def begin(self, file: Announced) -> None:
        """Refuse a new upload the disk or the folder cannot take; prune abandoned ones first."""
        self.ensure()
        self.prune(time.time())
        parts = [p for p in os.listdir(self.partial) if p.endswith(".part")]
        if len(parts) >= thresholds.UPLOAD_MAX_PARTIALS and file.part_name not in parts:
            raise UploadRefused("too many uploads are half done; finish or wait for them", 429)
        free = os.statvfs(self.root).f_bavail * os.statvfs(self.root).f_frsize
        if free < file.size + thresholds.UPLOAD_MIN_FREE_BYTES:
            raise UploadRefused("the computer's disk has no room for this file", 507)

    def append(self, file: Announced, offset: int, chunks: Iterable[bytes]) -> int:
        """Append ``chunks`` at ``offset`` (which must be what has arrived), at most up to the
        announced size; fsync; return the new offset. What arrived before a broken connection is
        kept: the sender asks where to go on."""
        if offset == 0:
            self.begin(file)
        else:
            self.ensure()
        part = self._part(file)
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(part, flags, 0o600)
        try:
            _lock(fd)
            have = os.fstat(fd).st_size
            if have != offset:
                raise WrongOffset(have)
            try:
                for chunk in chunks:
                    if have + len(chunk) > file.size:
                        raise UploadRefused("more bytes were sent than the file has", 400)
                    os.write(fd, chunk)
                    have += len(chunk)
            finally:
                os.fsync(fd)
        finally:
            os.close(fd)
        return have

    def finish(self, file: Announced, name: str, month: tuple[int, int]) -> Landed:
        """Check the whole file against its announced hash and move it into its month's folder.
        A file that arrived different is deleted (the sender starts it again)."""
        part = self._part(file)
        digest = hashlib.sha256()
        fd = os.open(part, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        try:
            if os.fstat(fd).st_size != file.size:
                raise UploadRefused("the file has not arrived whole yet", 409)
            while block := os.read(fd, 1 << 20):
                digest.update(block)
            os.fsync(fd)
        finally:
            os.close(fd)
        if digest.hexdigest() != file.sha256:
            part.unlink(missing_ok=True)
            raise UploadRefused("the file arrived different from what was sent; it must be sent again", 422)
        year, mon = month
        if not (1900 <= year <= 9999 and 1 <= mon <= 12):
            raise UploadRefused("not a month", 400)
        folder = self.root / f"{year:04d}" / f"{mon:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        target = _link_free_name(part, folder, safe_name(name))
        part.unlink()
        for d in (folder, self.partial, self.root):
            _fsync_dir(d)
        return Landed(target, str(target.relative_to(self.root)), file.sha256, file.size)

    def prune(self, now: float) -> int:
        """Delete partial files nobody added to for ``UPLOAD_PARTIAL_KEEP_DAYS``; how many."""
        gone = 0
        try:
            entries = list(os.scandir(self.partial))
        except FileNotFoundError:
            return 0
        for entry in entries:
            try:
                old = now - entry.stat(follow_symlinks=False).st_mtime > thresholds.UPLOAD_PARTIAL_KEEP_DAYS * 86400
            except OSError:
                continue
            if old and entry.name.endswith(".part"):
                os.unlink(entry.path)
                gone += 1
        return gone


def _link_free_name(part: Path, folder: Path, name: str) -> Path:
    """Hard-link ``part`` into ``folder`` as ``name``, or ``stem (N).ext`` if taken: a link never
    replaces a file, unlike a rename, so two uploads of the same name cannot overwrite each other."""
    stem, ext = os.path.splitext(name)
    for n in range(10_000):
        target = folder / (name if n == 0 else f"{stem} ({n}){ext}")
        try:
            os.link(part, target)
        except FileExistsError:
            continue
        except OSError as e:
            if e.errno in (errno.EPERM, errno.EXDEV, errno.ENOTSUP):  # no hard links: exclusive create + copy
                if _copy_exclusive(part, target):
                    return target
                continue
            raise
        return target
    raise UploadRefused("too many files of that name in its month's folder", 409)


def _copy_exclusive(source: Path, target: Path) -> bool:
    try:
        out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    try:
        with open(source, "rb") as src:
            while block := src.read(1 << 20):
                os.write(out, block)
        os.fsync(out)
    finally:
        os.close(out)
    return True


def _lock(fd: int) -> None:
    """One writer per partial file: a second request for the same file (another tab, a retry
    while the first still runs) is told to wait instead of interleaving bytes."""
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise UploadRefused("this file is being sent by another request; try again shortly", 409) from None


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
