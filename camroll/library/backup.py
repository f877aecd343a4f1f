"""``camroll db backup`` and ``db restore``: the whole library in one file sealed with a passphrase
(issue 16).

A backup holds what cannot be made again from the photos: the database (a consistent copy made
with SQLite's online backup while the library may be in use, inside the library's one job queue
so no analysis changes the keys half way), the keys (face prints are sealed with one, the ledger
and audit chain are keyed by others: a database without them is unreadable where it matters), and
the sealed face crops. Thumbnails are not kept (the web makes them again); the photos themselves
never are. Everything goes into a tar stream sealed chunk by chunk under the passphrase
(:mod:`camroll.privacy.sealed_stream`), so memory stays bounded whatever the library's size.

A catalog kept in PostgreSQL (the manifest's ``engine``) is dumped with ``pg_dump`` instead, in
one repeatable-read snapshot (:mod:`camroll.store.pg_dump`), and its output streamed into the
sealed tar in parts of :data:`DUMP_PART` bytes (a tar member states its size first, and a dump's
is known only at its end), followed by the dump's SHA-256: it is never written to disk in plain,
nor held in memory whole.

A restore goes only into an empty home. Each member's name is checked against the few a backup
holds (no path climbs out, nothing but plain files), the database is checked against the
manifest's SHA-256 and with ``PRAGMA integrity_check``, migrated to this camroll's schema, and the
audit chain is verified. A PostgreSQL catalog goes only into an empty PostgreSQL database: its dump
is unsealed into a 0600 file in the new home and checked against its SHA-256 first, then loaded
by ``pg_restore`` in one transaction (a damaged or cut backup leaves the database empty), and the
file removed; the home then records the database as ``camroll --database`` does.

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
from typing import IO

from camroll import __version__
from camroll.config import DATABASE_RECORD, AppContext, Config
from camroll.errors import CamrollError
from camroll.privacy import audit
from camroll.privacy.sealed_stream import SealedReader, SealedWriter
from camroll.store import pg_dump
from camroll.store import photos as store_photos
from camroll.store.pg_copy import redact

FORMAT = 1
DUMP_DIR = "camroll.pgdump"
"""A PostgreSQL catalog's dump, in parts ``camroll.pgdump/000000``, ``000001``..."""
DUMP_TRAILER = "camroll.pgdump.json"
"""After the parts: the dump's SHA-256, size and number of parts."""
DUMP_PART = 8 << 20
"""Bytes per part of a dump: the most of it camroll holds in memory."""
_MEMBER = re.compile(
    r"^(manifest\.json|camroll\.db|camroll\.pgdump/[0-9]{6}|camroll\.pgdump\.json"
    r"|keys/[A-Za-z0-9._-]{1,100}|cache/faces/[A-Za-z0-9._-]{1,200})$"
)
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
    engine: str = "sqlite"

    def sentence(self) -> str:
        what = "the database (" if self.engine == "sqlite" else "the PostgreSQL catalog (pg_dump, "
        return (
            f"Backed up the library to {self.path}: {what}{self.database_bytes / 1e6:.1f} MB), "
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
    database: str | None = None
    """The PostgreSQL database the catalog went into (its URL without the password), or None."""

    def sentence(self) -> str:
        chain = "the audit chain verifies" if not self.audit_problems else f"{len(self.audit_problems)} audit problems"
        upgraded = f", upgraded from schema {self.schema_from}" if self.schema_from != self.schema_to else ""
        where = f" (its catalog in {self.database})" if self.database else ""
        return (
            f"Restored the library into {self.home}{where}: {self.photos} photos, {self.keys} keys, "
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
    url = ctx.db.url
    try:
        keys = sorted(p for p in (home / "keys").glob("*") if p.is_file() and not p.name.endswith(".lock"))
        crops_dir = home / "cache" / "faces"
        crops = sorted(p for p in crops_dir.glob("*") if p.is_file()) if crops_dir.is_dir() else []
        files = [(f"keys/{p.name}", p) for p in keys] + [(f"cache/faces/{p.name}", p) for p in crops]
        manifest: dict[str, object] = {
            "format": FORMAT,
            "camroll": __version__,
            "engine": ctx.db.engine,
            "schema": ctx.db.schema_version,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "keys": len(keys),
            "face_crops": len(crops),
        }
        if url is None:
            ctx.db.snapshot(snapshot, lambda done, total: report("Copying the database", done, total))
            database_bytes = snapshot.stat().st_size
            manifest |= {"database_sha256": _sha256(snapshot), "database_bytes": database_bytes}
            files.insert(0, ("camroll.db", snapshot))
        with os.fdopen(fd, "wb") as raw:
            sealed = SealedWriter(raw, passphrase)
            with tarfile.open(fileobj=sealed, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
                _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
                total = sum(p.stat().st_size for _name, p in files)
                done = 0
                for arcname, path in files:
                    info = tar.gettarinfo(str(path), arcname)
                    info.uid = info.gid = 0
                    info.uname = info.gname = ""
                    with open(path, "rb") as f:
                        tar.addfile(info, f)
                    done += info.size
                    report("Sealing the backup", done, total)
                if url is not None:
                    database_bytes = _add_dump(tar, url, report)
            sealed.close()
            raw.flush()
            os.fsync(raw.fileno())
    except pg_dump.PgToolError as e:
        out.unlink(missing_ok=True)
        raise BackupError(str(e)) from e
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    finally:
        snapshot.unlink(missing_ok=True)
    result = BackupResult(str(out), out.stat().st_size, database_bytes, len(keys), len(crops), engine=ctx.db.engine)
    result.seconds = time.perf_counter() - started
    audit.record(
        ctx, "db.backup", bytes=result.bytes, keys=result.keys, face_crops=result.face_crops, engine=result.engine
    )
    return result


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
    tar.addfile(info, io.BytesIO(data))


def _add_dump(tar: tarfile.TarFile, url: str, report: Progress) -> int:
    """Stream ``pg_dump`` of the catalog into the tar: a tar member must say its size before its
    data, and a dump's size is known only at its end, so it goes in parts of :data:`DUMP_PART`
    bytes (the most held in memory), then :data:`DUMP_TRAILER` with its SHA-256 and size."""
    digest, size, index = hashlib.sha256(), 0, 0
    with pg_dump.dump(url) as pipe:
        while part := pipe.read(DUMP_PART):
            digest.update(part)
            _add_bytes(tar, f"{DUMP_DIR}/{index:06d}", part)
            size, index = size + len(part), index + 1
            report("Dumping the PostgreSQL catalog", size, None)
    trailer = {"sha256": digest.hexdigest(), "bytes": size, "parts": index}
    _add_bytes(tar, DUMP_TRAILER, json.dumps(trailer).encode())
    return size


def restore(
    source: Path,
    home: Path,
    passphrase: bytes,
    progress: Progress | None = None,
    database: str | None = None,
) -> RestoreResult:
    """Open a backup into ``home``, which must hold no library. A backup of a PostgreSQL catalog
    needs ``database``, the URL of an empty PostgreSQL database to load it into (the home then
    records it, as ``camroll --database`` does); a SQLite one takes none: its catalog goes into
    the home."""
    report = progress or (lambda _phase, _done, _total: None)
    _refuse_a_library(home)
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    written: list[Path] = []
    manifest: dict[str, object] | None = None
    dump_file = home / f".restore-{os.getpid()}.pgdump"
    dump_digest, dump_parts = hashlib.sha256(), 0
    trailer: dict[str, object] | None = None
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
                    if member.name in ("manifest.json", DUMP_TRAILER):
                        read = _read_json(data)
                        if member.name == DUMP_TRAILER:
                            trailer = read
                            continue
                        manifest = read
                        _fits(manifest, database)
                        continue
                    engine = (manifest or {}).get("engine", "sqlite")
                    if member.name.startswith(f"{DUMP_DIR}/"):
                        if engine != "postgresql" or member.name != f"{DUMP_DIR}/{dump_parts:06d}":
                            raise BackupError("the backup's database parts are out of place: the backup is damaged")
                        dump_parts += 1
                        target = dump_file
                    elif member.name == "camroll.db" and engine != "sqlite":
                        raise BackupError("the backup holds a SQLite database its manifest does not announce")
                    else:
                        target = home / member.name
                    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
                    flags |= os.O_APPEND if target == dump_file and dump_parts > 1 else os.O_EXCL
                    fd = os.open(target, flags, 0o600)
                    if target not in written:
                        written.append(target)
                    with os.fdopen(fd, "wb") as f:
                        while block := data.read(1 << 20):
                            f.write(block)
                            if target == dump_file:
                                dump_digest.update(block)
                        f.flush()
                        os.fsync(f.fileno())
                    report("Restoring", raw.tell(), total)
        if manifest is None or manifest.get("format") != FORMAT:
            raise BackupError("the backup has no manifest camroll understands")
        if manifest.get("engine", "sqlite") == "postgresql":
            if trailer is None or trailer.get("sha256") != dump_digest.hexdigest() or not dump_parts:
                raise BackupError("the database in the backup does not match its manifest: the backup is damaged")
            assert database is not None  # _fits saw to it
            report("Loading the catalog into PostgreSQL", total, total)
            pg_dump.restore(database, dump_file)
            dump_file.unlink()
            record = home / DATABASE_RECORD
            written.append(record)  # Config.open_database writes it
            result = _check(home, database, manifest)
        else:
            db_file = home / "camroll.db"
            if not db_file.exists() or _sha256(db_file) != manifest.get("database_sha256"):
                raise BackupError("the database in the backup does not match its manifest: the backup is damaged")
            result = _check(home, None, manifest)
    except tarfile.TarError as e:
        for path in reversed(written):
            path.unlink(missing_ok=True)
        raise BackupError(f"the backup's contents cannot be read: {e}") from e
    except pg_dump.PgToolError as e:
        for path in reversed(written):
            path.unlink(missing_ok=True)
        raise BackupError(str(e)) from e
    except BaseException:
        for path in reversed(written):
            path.unlink(missing_ok=True)
        raise
    return result


def _refuse_a_library(home: Path) -> None:
    """A restore never goes over a library, nor beside keys that would not open its catalog."""
    if (home / "camroll.db").exists() or (home / DATABASE_RECORD).exists():
        raise BackupError(f"{home} holds a library already: restore into an empty folder (--home)")
    if any(p.is_file() for p in (home / "keys").glob("*")):
        raise BackupError(f"{home} holds keys already: restore into an empty folder (--home)")


def _read_json(data: IO[bytes]) -> dict[str, object]:
    try:
        read = json.loads(data.read(1 << 20))
    except ValueError:
        raise BackupError("the backup's manifest cannot be read: it is damaged") from None
    if not isinstance(read, dict):
        raise BackupError("the backup's manifest cannot be read: it is damaged")
    return read


def _fits(manifest: dict[str, object], database: str | None) -> None:
    """Refuse, before anything is written, a backup whose catalog cannot go where it was asked to."""
    engine = manifest.get("engine", "sqlite")
    if engine == "sqlite":
        if database is not None:
            raise BackupError(
                "this backup holds a SQLite catalog: it is restored into the home itself, without --database "
                "(nor $CAMROLL_DATABASE); `camroll db migrate-to` can copy it to PostgreSQL afterwards"
            )
        return
    if engine != "postgresql":
        raise BackupError(f"the backup holds a {engine!r} catalog, which this camroll does not know")
    if database is None:
        raise BackupError(
            "this backup holds a catalog kept in PostgreSQL: give an empty PostgreSQL database to restore it "
            "into with --database postgresql://user@host/db (or $CAMROLL_DATABASE)"
        )
    found = pg_dump.objects_in(database)
    if found:
        raise BackupError(
            f"{redact(database)} is not empty (it holds {', '.join(found)}...): a backup is restored only into "
            "an empty database, so no two catalogs mix. Create a new database for it."
        )


def _check(home: Path, database: str | None, manifest: dict[str, object]) -> RestoreResult:
    """Open the restored catalog as every command will (migrating a backup made by an older
    camroll; for PostgreSQL the home records the URL), check it, count it and verify the audit
    chain."""
    config = Config(home=home, database=database)
    db = config.open_database()
    try:
        if not db.integrity_ok():
            raise BackupError(
                "the restored database fails SQLite's integrity check"
                if database is None
                else "the restored catalog has no schema record: the restore did not complete"
            )
        photos = store_photos.count(db)
        schema_to = db.schema_version
    finally:
        db.close()
    return _verified(config, photos, schema_to, manifest, None if database is None else redact(database))


def _verified(
    config: Config, photos: int, schema_to: int, manifest: dict[str, object], database: str | None
) -> RestoreResult:
    ctx = AppContext(config, actor="restore")
    try:
        problems = audit.verify(ctx)
        if not problems:
            audit.record(ctx, "db.restore", photos=photos)
    finally:
        ctx.close()
    return RestoreResult(
        str(config.home),
        photos,
        int(str(manifest.get("schema", 0))),
        schema_to,
        problems,
        int(str(manifest.get("keys", 0))),
        int(str(manifest.get("face_crops", 0))),
        database,
    )


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()
