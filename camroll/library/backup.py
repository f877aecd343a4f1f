"""``camroll db backup`` and ``db restore``: the whole library in one file sealed with a passphrase
(issue 16).

A backup holds what cannot be made again from the photos: the database (a consistent copy made
with SQLite's online backup while the library may be in use, inside the library's one job queue
so no analysis changes the keys half way), the keys (face prints are sealed with one, the ledger
and audit chain are keyed by others: a database without them is unreadable where it matters), and
the sealed face crops. Thumbnails are not kept (the web makes them again); the photos themselves
never are. Everything goes into a tar stream sealed chunk by chunk under the passphrase
(:mod:`camroll.privacy.sealed_stream`), so memory stays bounded whatever the library's size.

A restore goes only into an empty home. Each member's name is checked against the few a backup
holds (no path climbs out, nothing but plain files), the database is checked against the
manifest's SHA-256 and with ``PRAGMA integrity_check``, migrated to this camroll's schema, and the
audit chain is verified.

What a backup means for privacy (docs/privacy.md): it is a copy camroll cannot reach. Revoking a
consent or ``camroll forget`` later deletes nothing in it; restoring it brings back what was
there when it was made, the consents of that day included. A backup written to the default place
(``<home>/backups/``) is destroyed with the retention ceiling, like everything camroll holds
outside the catalog; one written elsewhere is the person's to keep or destroy.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from camroll import __version__
from camroll.config import AppContext, Config
from camroll.errors import CamrollError
from camroll.privacy import audit
from camroll.privacy.sealed_stream import SealedReader, SealedWriter
from camroll.store import photos as store_photos
from camroll.store.db import Database

FORMAT = 1
_MEMBER = re.compile(r"^(manifest\.json|camroll\.db|keys/[A-Za-z0-9._-]{1,100}|cache/faces/[A-Za-z0-9._-]{1,200})$")
"""The only names a backup may hold."""

Progress = Callable[[str, int, int | None], None]
"""``progress(phase, done, total)``: bytes of the current phase."""


class BackupError(CamrollError):
    """A backup or restore that cannot go on, in plain words."""


@dataclass
class BackupResult:
    path: str
    bytes: int
    database_bytes: int
    keys: int
    face_crops: int
    seconds: float = 0.0

    def sentence(self) -> str:
        return (
            f"Backed up the library to {self.path}: the database ({self.database_bytes / 1e6:.1f} MB), "
            f"{self.keys} keys and {self.face_crops} face crops, sealed with your passphrase "
            f"({self.bytes / 1e6:.1f} MB in {self.seconds:.1f} s)."
        )


@dataclass
class RestoreResult:
    home: str
    photos: int
    schema_from: int
    schema_to: int
    audit_problems: list[str] = field(default_factory=list)
    keys: int = 0
    face_crops: int = 0

    def sentence(self) -> str:
        chain = "the audit chain verifies" if not self.audit_problems else f"{len(self.audit_problems)} audit problems"
        upgraded = f", upgraded from schema {self.schema_from}" if self.schema_from != self.schema_to else ""
        return (
            f"Restored the library into {self.home}: {self.photos} photos, {self.keys} keys, "
            f"{self.face_crops} face crops{upgraded}; {chain}."
        )


def default_path(config: Config, now: float) -> Path:
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%d-%H%M%S")
    return config.home / "backups" / f"camroll-{stamp}.backup"


def backup(ctx: AppContext, out: Path, passphrase: bytes, progress: Progress | None = None) -> BackupResult:
    """Seal the library into ``out`` (a new file; an existing one is never overwritten)."""
    started = time.perf_counter()
    report = progress or (lambda _phase, _done, _total: None)
    home = ctx.config.home
    out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    snapshot = home / f".backup-{os.getpid()}.db"
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(f"{out} exists already: give another --out") from None
    try:
        ctx.db.snapshot(snapshot, lambda done, total: report("Copying the database", done, total))
        digest, snapshot_bytes = _sha256(snapshot), snapshot.stat().st_size
        keys = sorted(p for p in (home / "keys").glob("*") if p.is_file() and not p.name.endswith(".lock"))
        crops_dir = home / "cache" / "faces"
        crops = sorted(p for p in crops_dir.glob("*") if p.is_file()) if crops_dir.is_dir() else []
        manifest = {
            "format": FORMAT,
            "camroll": __version__,
            "schema": ctx.db.schema_version,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "database_sha256": digest,
            "database_bytes": snapshot.stat().st_size,
            "keys": len(keys),
            "face_crops": len(crops),
        }
        total = snapshot.stat().st_size + sum(p.stat().st_size for p in keys + crops)
        with os.fdopen(fd, "wb") as raw:
            sealed = SealedWriter(raw, passphrase)
            with tarfile.open(fileobj=sealed, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
                data = json.dumps(manifest, indent=1).encode()
                info = tarfile.TarInfo("manifest.json")
                info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
                tar.addfile(info, io.BytesIO(data))
                done = 0
                for arcname, path in (
                    [("camroll.db", snapshot)]
                    + [(f"keys/{p.name}", p) for p in keys]
                    + [(f"cache/faces/{p.name}", p) for p in crops]
                ):
                    info = tar.gettarinfo(str(path), arcname)
                    info.uid = info.gid = 0
                    info.uname = info.gname = ""
                    with open(path, "rb") as f:
                        tar.addfile(info, f)
                    done += info.size
                    report("Sealing the backup", done, total)
            sealed.close()
            raw.flush()
            os.fsync(raw.fileno())
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    finally:
        snapshot.unlink(missing_ok=True)
    result = BackupResult(str(out), out.stat().st_size, snapshot_bytes, len(keys), len(crops))
    result.seconds = time.perf_counter() - started
    audit.record(ctx, "db.backup", bytes=result.bytes, keys=result.keys, face_crops=result.face_crops)
    return result


def restore(source: Path, home: Path, passphrase: bytes, progress: Progress | None = None) -> RestoreResult:
    """Open a backup into ``home``, which must hold no library."""
    report = progress or (lambda _phase, _done, _total: None)
    if (home / "camroll.db").exists():
        raise BackupError(f"{home} holds a library already: restore into an empty folder (--home)")
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    written: list[Path] = []
    manifest: dict[str, object] | None = None
    total = source.stat().st_size
    try:
        with open(source, "rb") as raw:
            reader = SealedReader(raw, passphrase)
            with tarfile.open(fileobj=reader, mode="r|") as tar:  # type: ignore[call-overload]
                for member in tar:
                    if not member.isfile() or not _MEMBER.match(member.name):
                        raise BackupError(f"the backup holds {member.name!r}, which no camroll backup holds")
                    data = tar.extractfile(member)
                    assert data is not None
                    if member.name == "manifest.json":
                        try:
                            manifest = json.loads(data.read(1 << 20))
                        except ValueError:
                            raise BackupError("the backup's manifest cannot be read: it is damaged") from None
                        if not isinstance(manifest, dict):
                            raise BackupError("the backup's manifest cannot be read: it is damaged")
                        continue
                    target = home / member.name
                    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
                    written.append(target)
                    with os.fdopen(fd, "wb") as f:
                        while block := data.read(1 << 20):
                            f.write(block)
                        f.flush()
                        os.fsync(f.fileno())
                    report("Restoring", raw.tell(), total)
        if manifest is None or manifest.get("format") != FORMAT:
            raise BackupError("the backup has no manifest camroll understands")
        db_file = home / "camroll.db"
        if not db_file.exists() or _sha256(db_file) != manifest.get("database_sha256"):
            raise BackupError("the database in the backup does not match its manifest: the backup is damaged")
        result = _check(home, manifest)
    except tarfile.TarError as e:
        for path in reversed(written):
            path.unlink(missing_ok=True)
        raise BackupError(f"the backup's contents cannot be read: {e}") from e
    except BaseException:
        for path in reversed(written):
            path.unlink(missing_ok=True)
        raise
    return result


def _check(home: Path, manifest: dict[str, object]) -> RestoreResult:
    db = Database.open(home / "camroll.db")  # migrates a backup made by an older camroll
    try:
        if not db.integrity_ok():
            raise BackupError("the restored database fails SQLite's integrity check")
        photos = store_photos.count(db)
        schema_to = db.schema_version
    finally:
        db.close()
    ctx = AppContext(Config(home=home), actor="restore")
    try:
        problems = audit.verify(ctx)
        if not problems:
            audit.record(ctx, "db.restore", photos=photos)
    finally:
        ctx.close()
    return RestoreResult(
        str(home),
        photos,
        int(str(manifest.get("schema", 0))),
        schema_to,
        problems,
        int(str(manifest.get("keys", 0))),
        int(str(manifest.get("face_crops", 0))),
    )


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()
