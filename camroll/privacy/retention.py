"""Retention: how long camroll keeps what it derived, and the sweeper that enforces it.

Two rules, both enforced here rather than promised in a comment:

- **Per capability**, derived data is kept while the capability is consented (revoking deletes it
  at once), unless a person sets a shorter limit (``camroll retention set faces 90d``): then rows
  derived more than that long ago are deleted, with what depends on them (people, expressions)
  and the creations that used them. If consent is still on, the next ``camroll analyze`` derives
  them again from the photo: the limit bounds how old any derived data is, it does not switch the
  capability off (revoking does).
- **A hard ceiling** of RETENTION_CEILING_DAYS for anything held outside the live catalog:

  ``trash``    ``CAMROLL_HOME/trash/``: the originals a person deleted (``camroll delete``,
               library/trash.py) are destroyed TRASH_KEEP_DAYS after their delete, as the
               ``trash`` table dates them (privacy/trash.py); any other file found there once it
               has been there RETENTION_CEILING_DAYS.
  ``backups``  ``CAMROLL_HOME/backups/`` and copies of the database beside it (``camroll.db.*``
               other than SQLite's own ``-wal``/``-shm``). camroll makes no backups; one made by a
               person or a tool is destroyed at the ceiling. (Backups made elsewhere are out of
               reach: that is why revoking ``faces`` and ``forget`` shred the key face data is
               sealed with.)
  ``staging``  half-written files (``.tmp-*``, ``*.tmp``, ``*.tmp.*``, ``*.partial``) anywhere
               under CAMROLL_HOME, left by a command that crashed or was killed: deleted once
               untouched for RETENTION_STAGING_GRACE_HOURS.
  ``wal``      SQLite's write-ahead log holds recently deleted rows until a checkpoint: the
               sweeper checkpoints it (TRUNCATE) whenever it is not empty.

:func:`sweep` runs at the start of every command, so it must be cheap when there is nothing to
do: within RETENTION_SWEEP_INTERVAL_HOURS of the last full sweep it only stats one stamp file
and asks the pending-purge journal (one indexed query) whether a revoke, removal or sweep that
was killed after its commit left files to delete; if so, they are deleted first.
``camroll retention run`` forces a full sweep.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from camroll import capabilities, thresholds
from camroll.config import AppContext
from camroll.errors import RequestError
from camroll.privacy import audit, consent, trash
from camroll.privacy.purge import delete_derived, fill_scope, finish_pending, hashed_files, journal
from camroll.store import analysis_state, photos, places, removed_photos
from camroll.store import purge as store_purge
from camroll.store import retention as store_retention
from camroll.store.db import now_iso

STAMP = ".last-sweep"
STAGING = re.compile(r"^\.tmp-|\.tmp$|\.tmp\.|\.partial$")
DB_OWN = ("camroll.db", "camroll.db-wal", "camroll.db-shm", "camroll.db-journal")
DURATION = re.compile(r"^(\d+)\s*([dwmy])$")
UNIT_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}
KEEP_WORDS = ("keep", "consent", "while-consented", "default")


class RetentionError(RequestError, ValueError):
    """A policy that cannot be set; the message is for the person who asked."""


@dataclass
class SweepReport:
    ran_at: str
    full: bool
    """False when the last full sweep was recent enough that nothing was looked at."""
    destroyed: dict[str, int] = field(default_factory=dict)
    """Files destroyed per place: trash, backups, staging."""
    expired: dict[str, dict[str, int]] = field(default_factory=dict)
    """Rows deleted per capability past its retention limit."""
    wal_checkpointed: bool = False
    unfinished: list[str] = field(default_factory=list)
    """Files an interrupted purge could still not delete (usually none), in words."""

    @property
    def total(self) -> int:
        return sum(self.destroyed.values()) + sum(n for rows in self.expired.values() for n in rows.values())

    def describe(self) -> str:
        if not self.full:
            return "nothing to do (swept recently)"
        parts = [f"{n} {what} file{'s' if n != 1 else ''}" for what, n in self.destroyed.items() if n]
        parts += [f"{sum(rows.values())} {cap} rows past their limit" for cap, rows in self.expired.items() if rows]
        return ("destroyed " + ", ".join(parts)) if parts else "nothing was due"


def parse_duration(text: str) -> int | None:
    """``90d``, ``12w``, ``6m`` (30-day months), ``1y`` -> days; ``keep`` -> None (while consented)."""
    word = text.strip().lower()
    if word in KEEP_WORDS:
        return None
    m = DURATION.match(word)
    if not m or int(m[1]) <= 0:
        raise RetentionError(f"{text!r} is not a duration like 90d, 12w, 6m or 1y (or 'keep')")
    return int(m[1]) * UNIT_DAYS[m[2]]


def set_policy(ctx: AppContext, capability: str, days: int | None) -> None:
    cap = capabilities.get(capability)
    if cap.granted_by_scan:
        raise RetentionError(
            "the catalog itself has no age limit: remove photos (`camroll remove`) or forget "
            "everything (`camroll forget`) instead"
        )
    with ctx.db.transaction() as conn:
        if days is None:
            store_retention.clear_in(conn, cap.id)
        else:
            store_retention.set_in(conn, cap.id, days, now_iso())
        audit.record_in(conn, ctx.actor, "retention.set", {"capability": cap.id, "max_days": days})


def policies(ctx: AppContext) -> dict[str, int]:
    return store_retention.policies(ctx.db)


def sweep(ctx: AppContext, force: bool = False, now: float | None = None) -> SweepReport:
    """Enforce retention. Cheap unless a full sweep is due (or ``force``). ``now`` (a Unix time)
    lets a test look 31 days ahead instead of waiting for them."""
    now = time.time() if now is None else now
    home = ctx.config.home
    stamp = home / STAMP
    report = SweepReport(now_iso(), full=False)
    # A revoke, removal or sweep killed after its commit left files to delete: finish it first.
    report.unfinished = finish_pending(ctx)
    if not force:
        if not ctx.config.has_library:  # a SQLite file, or a PostgreSQL catalog the home names
            return report  # nothing held yet; do not create a home just to sweep it
        try:
            if now - stamp.stat().st_mtime < thresholds.RETENTION_SWEEP_INTERVAL_HOURS * 3600:
                return report
        except FileNotFoundError:
            pass
    report.full = True
    ceiling = now - thresholds.RETENTION_CEILING_DAYS * 86400
    # Deleted photos by the date of their delete; anything else there by its file's age.
    kept = trash.tracked(ctx)
    report.destroyed["trash"] = trash.destroy_older(ctx, now - thresholds.TRASH_KEEP_DAYS * 86400)
    report.destroyed["trash"] += _destroy_older(home / trash.FOLDER, ceiling, lambda p: p not in kept)
    report.destroyed["backups"] = _destroy_older(home / "backups", ceiling, lambda _p: True) + sum(
        _destroy_older(p, ceiling, lambda _p: True) for p in _db_copies(home)
    )
    grace = now - thresholds.RETENTION_STAGING_GRACE_HOURS * 3600
    report.destroyed["staging"] = sum(_destroy_older(home / sub, grace, _is_staging) for sub in _staging_roots(home))
    for cap_id, days in policies(ctx).items():
        rows = _expire(ctx, cap_id, days, now)
        if rows:
            report.expired[cap_id] = rows
    wal = home / "camroll.db-wal"
    if wal.exists() and wal.stat().st_size > 0:
        store_purge.checkpoint_wal(ctx.db)
        report.wal_checkpointed = True
    if report.total:
        audit.record(ctx, "retention.sweep", destroyed=report.destroyed, expired=report.expired)
        store_purge.checkpoint_wal(ctx.db)
    home.mkdir(parents=True, exist_ok=True)
    stamp.touch()
    return report


def _age(path: Path) -> float:
    """When a file arrived where it is: a move keeps the modification time but sets the change time."""
    st = path.lstat()
    return max(st.st_mtime, st.st_ctime)


def _destroy_older(root: Path, before: float, wanted: Any) -> int:
    """Delete files under ``root`` (or ``root`` itself, a file) that arrived before ``before``."""
    if root.is_file() or root.is_symlink():
        if wanted(root) and _age(root) < before:
            root.unlink()
            return 1
        return 0
    n = 0
    for dirpath, dirs, names in os.walk(root, topdown=False):
        for name in names:
            p = Path(dirpath) / name
            if wanted(p) and _age(p) < before:
                p.unlink()
                n += 1
        if Path(dirpath) != root and not os.listdir(dirpath):
            os.rmdir(dirpath)
        del dirs
    return n


def _db_copies(home: Path) -> list[Path]:
    return [p for p in home.glob("camroll.db*") if p.name not in DB_OWN] if home.is_dir() else []


def _is_staging(p: Path) -> bool:
    return bool(STAGING.search(p.name))


def _staging_roots(home: Path) -> list[str]:
    """Every folder under home where camroll writes, except keys (never staged) and trash (swept above)."""
    return (
        [e.name for e in os.scandir(home) if e.is_dir() and e.name not in ("keys", "trash", "backups")]
        if home.is_dir()
        else []
    )


def _age_source(cap: capabilities.Capability) -> str | None:
    """What dates the data ``cap`` derived: the capability whose analysis made it (its
    ``analysis_state``), or None for places (dated by when each photo's place was named)."""
    if cap.analyser:
        return cap.id
    if cap.id == "places":
        return None
    # A library-wide job (people): its data is as old as what it was computed from.
    return _age_source(capabilities.get(cap.depends_on[0]))


def _derived_before(ctx: AppContext, cap: capabilities.Capability, cutoff: str) -> list[int]:
    """The photos about which ``cap`` holds data derived before ``cutoff`` (ISO time)."""
    source = _age_source(cap)
    return places.named_before(ctx.db, cutoff) if source is None else analysis_state.done_before(ctx.db, source, cutoff)


def _oldest_derived(ctx: AppContext, cap: capabilities.Capability) -> str | None:
    """When the oldest data ``cap`` holds was derived (ISO), or None."""
    source = _age_source(cap)
    return places.oldest_named(ctx.db) if source is None else analysis_state.oldest_done(ctx.db, source)


def _expire(ctx: AppContext, cap_id: str, days: int, now: float) -> dict[str, int]:
    cap = capabilities.get(cap_id)
    cutoff = (datetime.fromtimestamp(now, UTC) - timedelta(days=days)).isoformat(timespec="seconds")
    old = _derived_before(ctx, cap, cutoff)
    if not old:
        return {}
    victims = [*capabilities.dependents(cap.id), cap]
    with ctx.db.transaction() as conn:
        hashes = fill_scope(conn, old)
        rows, made = delete_derived(conn, victims)
        store_purge.empty(conn)
        doomed = hashed_files(ctx, victims, hashes) + [p for p in dict.fromkeys(made) if os.path.lexists(p)]
        entry = journal(conn, None, {}, doomed)  # the sweep's own audit record counts them
    finish_pending(ctx, [entry])
    if doomed:
        rows["files"] = len(doomed)
    return rows


def status(ctx: AppContext) -> dict[str, Any]:
    """What is held, per capability and outside the catalog, and until when."""
    limits = policies(ctx)
    home = ctx.config.home
    caps = []
    for cap in capabilities.REGISTRY:
        rows = sum(store_retention.rows_held(ctx.db, t.name) for t in cap.tables)
        if cap.id == "people":
            rows = store_retention.rows_held(ctx.db, "people")
        files = sum(_count(home / sub)[0] for sub in cap.folders)
        oldest = photos.oldest_catalogued(ctx.db) if cap.granted_by_scan else _oldest_derived(ctx, cap)
        days = limits.get(cap.id)
        until = "until you revoke it" if days is None else f"each item for at most {days} days"
        if days is not None and oldest:
            until = f"{days} days: the oldest goes by {_plus_days(oldest, days)[:10]}"
        if cap.granted_by_scan:
            until = "until you remove the photos or forget everything"
        caps.append(
            {
                "id": cap.id,
                "title": cap.title,
                "granted": bool(consent.active_scopes(ctx, cap.id)),
                "rows": rows,
                "files": files,
                "oldest": oldest,
                "max_days": days,
                "until": until,
                "key": cap.key,
                "key_present": bool(cap.key and (home / "keys" / f"{cap.key}.key").exists()),
            }
        )
    held = []
    for what, paths, limit_days in (
        ("trash", [home / "trash"], thresholds.RETENTION_CEILING_DAYS),
        ("backups", [home / "backups", *_db_copies(home)], thresholds.RETENTION_CEILING_DAYS),
    ):
        n, size, oldest_ts = 0, 0, None
        for p in paths:
            c = _count(p)
            n, size = n + c[0], size + c[1]
            oldest_ts = c[2] if oldest_ts is None or (c[2] is not None and c[2] < oldest_ts) else oldest_ts
        held.append(
            {
                "what": what,
                "files": n,
                "bytes": size,
                "oldest": _iso(oldest_ts),
                "destroyed_by": _iso(oldest_ts + limit_days * 86400) if oldest_ts else None,
                "limit_days": limit_days,
            }
        )
    stamp = home / STAMP
    return {
        "capabilities": caps,
        "held": held,
        "ceiling_days": thresholds.RETENTION_CEILING_DAYS,
        "last_sweep": _iso(stamp.stat().st_mtime) if stamp.exists() else None,
        "removed_photos": removed_photos.count(ctx.db),
        "kept_forever": [
            "The consent ledger and the audit log (append-only: they record grants, revokes, purges and "
            "counts, and name the folders you scanned, never a photo, hash or face)."
        ],
    }


def _count(root: Path) -> tuple[int, int, float | None]:
    """(files, bytes, oldest arrival) under ``root`` (a folder or a file)."""
    if root.is_file():
        return 1, root.stat().st_size, _age(root)
    n, size, oldest = 0, 0, None
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            p = Path(dirpath) / name
            try:
                st, arrived = p.lstat(), _age(p)
            except FileNotFoundError:
                continue
            n, size = n + 1, size + st.st_size
            oldest = arrived if oldest is None or arrived < oldest else oldest
    return n, size, oldest


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds") if ts is not None else None


def _plus_days(iso: str, days: int) -> str:
    return (datetime.fromisoformat(iso) + timedelta(days=days)).isoformat(timespec="seconds")
