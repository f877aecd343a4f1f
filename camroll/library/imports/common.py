"""What every import shares: reading a zip or a folder as hostile input, and copying originals.

A zip member is refused, member by member, when its name is absolute or climbs out (``..``), when
it is a symlink (by its Unix mode), when its kind is not media or JSON, or when its declared or
actual size passes :data:`~camroll.thresholds.IMPORT_MAX_MEMBER_BYTES` (sizes are checked while
streaming, so a lying header cannot inflate a bomb). The rest of the zip is still read.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from camroll.thresholds import IMPORT_MAX_MEMBER_BYTES, IMPORT_MAX_TOTAL_BYTES

MEDIA_SUFFIXES = frozenset(
    [
        ".jpg",
        ".jpeg",
        ".png",
        ".gif",
        ".heic",
        ".heif",
        ".webp",
        ".tif",
        ".tiff",
        ".dng",
        ".mp4",
        ".mov",
        ".m4v",
        ".3gp",
        ".avi",
        ".mkv",
        ".webm",
    ]
)
"""File kinds an import copies; JSON and XMP sidecars are read, never copied into the library."""
SIDECAR_SUFFIXES = frozenset({".json", ".xmp"})


@dataclass
class Facts:
    """What an export says about one media file, each fact with the label of where it came from."""

    service: str
    taken_at: datetime | None = None
    taken_source: str | None = None
    lat: float | None = None
    lon: float | None = None
    gps_source: str | None = None
    title: str | None = None
    description: str | None = None
    description_source: str | None = None
    favorite: bool = False
    people: list[str] = field(default_factory=list)
    albums: list[str] = field(default_factory=list)
    sidecar: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """What the service kept that is not a photo fact (devices, upload IPs): the cloud audit's."""

    @property
    def album(self) -> str | None:
        return self.albums[0] if self.albums else None

    @album.setter
    def album(self, value: str | None) -> None:
        self.albums = [value] if value else []


class Refused(Exception):
    """A member that is not read, with the reason in plain words."""


@dataclass
class Member:
    """One file of an export: its name inside the export (POSIX, relative) and how to read it."""

    name: str
    size: int
    source: str
    """The zip or folder it came from."""
    _zip: zipfile.ZipFile | None = None
    _path: Path | None = None

    def read(self, limit: int = IMPORT_MAX_MEMBER_BYTES) -> bytes:
        """The whole content, refused when it passes ``limit`` (checked while reading)."""
        chunks: list[bytes] = []
        total = 0
        for chunk in self.stream(limit):
            chunks.append(chunk)
            total += len(chunk)
        return b"".join(chunks)

    def stream(self, limit: int = IMPORT_MAX_MEMBER_BYTES) -> Iterator[bytes]:
        total = 0
        if self._zip is not None:
            fh = self._zip.open(self.name)
        else:
            assert self._path is not None
            fh = self._path.open("rb")
        with fh:
            while chunk := fh.read(1 << 20):
                total += len(chunk)
                if total > limit:
                    raise Refused(f"{self.name}: larger than {limit} bytes once read (a zip bomb?)")
                yield chunk


@dataclass
class Opened:
    """The readable members of the given exports, and those refused with why."""

    members: list[Member] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    _zips: list[zipfile.ZipFile] = field(default_factory=list)

    def close(self) -> None:
        for z in self._zips:
            z.close()


def safe_name(name: str) -> str:
    """The member name, or :class:`Refused` when it is absolute or climbs out of the export."""
    if "\\" in name:
        name = name.replace("\\", "/")
    p = PurePosixPath(name)
    if p.is_absolute() or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise Refused(f"{name}: an absolute path")
    if any(part == ".." for part in p.parts):
        raise Refused(f"{name}: climbs out of the export (..)")
    if "\x00" in name:
        raise Refused(f"{name!r}: a NUL in the name")
    return str(p)


def wanted(name: str) -> bool:
    suffix = PurePosixPath(name).suffix.lower()
    return suffix in MEDIA_SUFFIXES or suffix in SIDECAR_SUFFIXES


def open_exports(paths: list[Path]) -> Opened:
    """Every member of the zips and folders given (multi-part Takeout zips: give them all)."""
    out = Opened()
    total_declared = 0
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path, followlinks=False):
                dirs.sort()
                for f in sorted(files):
                    full = Path(root) / f
                    rel = full.relative_to(path).as_posix()
                    st = full.lstat()
                    if stat.S_ISLNK(st.st_mode):
                        out.refused.append((rel, "a symlink"))
                    elif stat.S_ISREG(st.st_mode) and wanted(rel):
                        out.members.append(Member(rel, st.st_size, str(path), _path=full))
            continue
        z = zipfile.ZipFile(path)
        out._zips.append(z)
        for info in z.infolist():
            if info.is_dir():
                continue
            try:
                name = safe_name(info.filename)
                if stat.S_ISLNK(info.external_attr >> 16):
                    raise Refused(f"{name}: a symlink")
                if not wanted(name):
                    continue
                if info.file_size > IMPORT_MAX_MEMBER_BYTES:
                    raise Refused(f"{name}: declares {info.file_size} bytes, over the limit")
                total_declared += info.file_size
                if total_declared > IMPORT_MAX_TOTAL_BYTES:
                    raise Refused(f"{name}: the export passes {IMPORT_MAX_TOTAL_BYTES} bytes in all")
            except Refused as e:
                out.refused.append((info.filename, str(e)))
                continue
            out.members.append(Member(info.filename, info.file_size, str(path), _zip=z))
    return out


def copy_original(member: Member, into: Path, known_hashes: set[str]) -> tuple[Path | None, str]:
    """Copy a media member under ``into`` (keeping its folder in the export), unless a file with the
    same content was copied before: then nothing is written. Returns (path or None, sha256)."""
    rel = PurePosixPath(safe_name(member.name))
    dest = into.joinpath(*rel.parts)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".camroll-part")
    h = hashlib.sha256()
    with tmp.open("wb") as out:
        for chunk in member.stream():
            h.update(chunk)
            out.write(chunk)
    digest = h.hexdigest()
    if digest in known_hashes:
        tmp.unlink()
        return None, digest
    n = 1
    while dest.exists():
        dest = dest.with_name(f"{dest.stem}~{n}{dest.suffix}")
        n += 1
    shutil.move(tmp, dest)
    known_hashes.add(digest)
    return dest, digest
