"""Deleting what a capability derived, for a scope, as the registry declares it.

Nothing here knows a capability by name: the tables and folders come from its registry entry,
and the data made by the layers above (creations) is reached through the purge steps the
registry names by dotted path (``capabilities.DERIVED_STORES``), loaded on use: this module
imports nothing above privacy.

**Atomic, or finished by the next command.** A purge runs inside the caller's transaction (a
revoke's: the consent event and the deletion of the rows commit together, or neither does).
Files on disk and encryption keys cannot take part in a SQLite transaction, so the purge does
not touch them there: it lists them in the pending-purge journal (``store/pending_purges``) in
that same transaction, and :func:`finish_pending` deletes them after the commit, then drops the
journal entry and writes the audit record. If camroll is killed in between, the consent is
already off and the rows already gone; the next command (CLI or web) calls
:func:`finish_pending` first and deletes the files. A crash before the commit changes nothing
at all: not a row, not a file.

**Files in folders the person chose.** A creation written with ``--out`` (a shared copy, an
HTML report, a video) sits where the person put it. A revoke deletes the files camroll keeps
itself (under CAMROLL_HOME); it deletes the person's own files only when asked
(``include_my_files``) and lists each one, kept or deleted, in its report and audit record.

After the delete the WAL is checkpointed, so deleted rows do not linger in the write-ahead log
(``secure_delete`` already zeroes them in the main file).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from camroll import capabilities
from camroll.capabilities import Capability
from camroll.config import AppContext
from camroll.privacy import audit
from camroll.privacy.crypto import shred
from camroll.store import analysis_state, pending_purges
from camroll.store import purge as store_purge
from camroll.store.db import Connection

KEY_DESTROYED = "encryption keys destroyed"
"""The purge report's row for a shredded key (a count, so the JSON report keeps one shape)."""

Step = Callable[[Connection, str, bool], list[str]]


@dataclass
class PurgeReport:
    capability: str
    scope: str
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    """Files deleted: those camroll keeps itself, and the person's own when they asked."""
    my_files_kept: list[str] = field(default_factory=list)
    """Files camroll wrote to a folder the person chose (``--out``), left where they are."""
    my_files_deleted: list[str] = field(default_factory=list)
    """The same kind of files, deleted because the person asked (``--include-my-files``)."""

    @property
    def total(self) -> int:
        return sum(self.rows.values()) + self.files

    def describe(self, planned: bool = False) -> str:
        """What went (or, ``planned``, what would go: a dry run's words)."""
        parts = [
            f"{n} {table} row{'s' if n != 1 else ''}" for table, n in self.rows.items() if n and table != KEY_DESTROYED
        ]
        if self.rows.get(KEY_DESTROYED):
            parts.append("its encryption key")
        if self.files:
            parts.append(f"{self.files} file{'s' if self.files != 1 else ''}")
        text = ", ".join(parts) if parts else ("nothing: nothing is stored" if planned else "nothing was stored")
        if self.my_files_kept:
            n = len(self.my_files_kept)
            text += (
                f"; {'would keep' if planned else 'kept'} {n} file{'s' if n != 1 else ''} of yours in folders you chose"
            )
        return text


def purge(ctx: AppContext, cap: Capability, scope: str, include_my_files: bool = False) -> PurgeReport:
    """Purge one capability in a transaction of its own, then delete its files.
    (:func:`camroll.privacy.consent.revoke` uses :func:`purge_in`, inside the revoke's transaction.)"""
    with ctx.db.transaction() as conn:
        report, journal = purge_in(ctx, conn, cap, scope, include_my_files)
    finish_pending(ctx, [journal])
    return report


def purge_in(
    ctx: AppContext, conn: Connection, cap: Capability, scope: str, include_my_files: bool = False
) -> tuple[PurgeReport, int]:
    """Inside the caller's transaction: delete the rows ``cap`` derived in ``scope`` and journal
    its files (and key). Return the report and the journal entry for :func:`finish_pending`."""
    report = PurgeReport(cap.id, scope)
    folder = scope.removeprefix("path:").rstrip("/").encode("utf-8", "surrogateescape") if scope != "*" else None
    hashes = store_purge.fill_all(conn) if folder is None else store_purge.fill_folder(conn, folder)
    # Creations first: deleting photo rows would cascade away the links that find them.
    made_rows, made = derived_items(conn, cap)
    _add(report.rows, made_rows)
    for table in cap.tables:
        if table.only_orphans:
            n = store_purge.delete_orphans_in_scope(conn, table.name, table.photo_key)
        elif table.path_key and folder is not None:
            n = store_purge.delete_under(conn, table.name, table.path_key, folder)
        elif table.path_key:
            n = store_purge.delete_all(conn, table.name)
        else:
            n = store_purge.delete_in_scope(conn, table.name, table.photo_key)
        report.rows[table.name] = report.rows.get(table.name, 0) + n
    for what, sql in cap.purge_sql:
        _add(report.rows, {what: store_purge.run_declared(conn, sql)})
    _add(report.rows, {"analysis_state": analysis_state.delete_in_purge_scope(conn, cap.id)})
    store_purge.empty(conn)
    own, mine = split_files(ctx, made)
    report.my_files_deleted, report.my_files_kept = (mine, []) if include_my_files else ([], mine)
    doomed = hashed_files(ctx, [cap], hashes) + own + report.my_files_deleted
    report.files = len(doomed)
    key = cap.key if cap.key and scope == "*" and _key_file(ctx, cap.key).exists() else None
    if key:
        report.rows[KEY_DESTROYED] = 1
    details = {
        "capability": cap.id,
        "scope": scope,
        "rows": report.rows,
        "files": report.files,
        "my_files_kept": report.my_files_kept,
        "my_files_deleted": report.my_files_deleted,
    }
    return report, pending_purges.add(conn, "purge", details, key, doomed)


def preview(ctx: AppContext, caps: Sequence[Capability], scope: str) -> list[PurgeReport]:
    """What revoking ``caps`` (dependents first) in ``scope`` would delete, counted by running
    the very same purge inside a transaction that is then rolled back: exact, and nothing
    changes (no file is touched before a commit). ``my_files_kept`` lists the person's files."""
    with store_purge.rolled_back(ctx.db) as conn:
        return [purge_in(ctx, conn, cap, scope, include_my_files=False)[0] for cap in caps]


def finish_pending(ctx: AppContext, only: Iterable[int] | None = None) -> list[str]:
    """Do what committed purges left to do: delete their files, shred their keys, then drop the
    journal entry and write the audit record, in one transaction. ``only``: these entries (a
    purge just committed); ``None``: every entry left by a command that was killed (each command
    starts with this). On PostgreSQL that start also rewrites the tables a purge killed after its
    commit left with deleted rows in their pages (:func:`camroll.store.purge.vacuum_noted`).
    Returns what could not be deleted, in words (usually nothing).

    Safe to run twice at once (two commands starting together): deleting is idempotent and only
    the process that drops an entry writes its audit record."""
    if only is None and not ctx.config.has_library:
        return []  # no library yet: do not create one just to look
    wanted = None if only is None else set(only)
    problems: list[str] = []
    entries = [e for e in pending_purges.pending(ctx.db) if wanted is None or e.id in wanted]
    for entry in entries:
        deleted, failed = 0, []
        for path in pending_purges.files(ctx.db, entry.id):
            try:
                os.remove(path)
                deleted += 1
            except FileNotFoundError:
                pass
            except OSError as e:
                failed.append(f"{path}: {e.strerror or e}")
        if entry.shred_key:
            shred(_key_file(ctx, entry.shred_key))
        details = entry.details | ({"finished_by_a_later_command": True} if only is None else {})
        if failed:
            details["could_not_delete"] = failed
            problems += failed
        with ctx.db.transaction() as conn:
            if pending_purges.done(conn, entry.id) and entry.kind:
                audit.record_in(conn, ctx.actor, entry.kind, details)
        audit.confirm(ctx)  # the record is committed: keys/audit.head now names it
    if entries:
        store_purge.checkpoint_wal(ctx.db)
    elif only is None:
        store_purge.vacuum_noted(ctx.db)  # PostgreSQL: tables a killed purge left to rewrite
    return problems


def journal(
    conn: Connection,
    kind: str | None,
    details: dict[str, Any],
    files: Iterable[str],
    shred_key: str | None = None,
) -> int:
    """Inside the caller's transaction: list files (and a key) to destroy once it commits, and the
    audit record to write then (removal and retention use this; :func:`purge_in` does it itself)."""
    return pending_purges.add(conn, kind, details, shred_key, files)


def split_files(ctx: AppContext, paths: Iterable[str]) -> tuple[list[str], list[str]]:
    """(files camroll keeps itself, under its home; files in folders the person chose), among
    ``paths``, leaving out those already gone."""
    home = ctx.config.home.resolve()
    own: list[str] = []
    mine: list[str] = []
    for path in dict.fromkeys(paths):
        if not os.path.lexists(path):
            continue
        inside = Path(os.path.realpath(path)).is_relative_to(home) or Path(os.path.abspath(path)).is_relative_to(home)
        (own if inside else mine).append(path)
    return own, mine


def derived_items(conn: Connection, cap: Capability) -> tuple[dict[str, int], list[str]]:
    """Inside a purge, with ``purge_scope`` filled: run every registered derived store's purge
    step for ``cap``; return rows deleted per store and the files those rows named."""
    rows: dict[str, int] = {}
    files: list[str] = []
    photos_gone = any(t.name == "photos" for t in cap.tables)
    for store in capabilities.DERIVED_STORES:
        paths = _step(store.purge_step)(conn, cap.id, photos_gone)
        _add(rows, {store.id: len(paths)})
        files += paths
    return rows, files


def _step(dotted: str) -> Step:
    module, attr = dotted.split(":")
    return cast(Step, getattr(importlib.import_module(module), attr))


def _add(into: dict[str, int], counts: dict[str, int]) -> None:
    for what, n in counts.items():
        if n:
            into[what] = into.get(what, 0) + n


def _key_file(ctx: AppContext, key: str) -> Path:
    return ctx.config.home / "keys" / f"{key}.key"


def fill_scope(conn: Connection, photo_ids: Iterable[int]) -> list[str]:
    """(Re)fill the temporary ``purge_scope`` table with these photos; return their hashes."""
    return store_purge.fill_photos(conn, photo_ids)


def delete_derived(
    conn: Connection, caps: Sequence[Capability], creations: bool = True
) -> tuple[dict[str, int], list[str]]:
    """Inside a transaction, with ``purge_scope`` filled by photo (:func:`fill_scope`): delete what
    ``caps`` derived from exactly those photos (their rows, their assignments via ``purge_sql``,
    their analysis state) and the rows of the creations that used them. ``caps`` must come
    dependents first. Returns the rows deleted and the creations' files, for the caller to journal.

    This is :func:`purge_in` for a set of photos rather than a consent scope: removing photos and
    expiring old data (retention) use it. It deletes by photo id only, so a catalog file row
    without a photo (a file camroll could not read) is left to the purge's folder scope.

    ``creations=False`` keeps what was made from the photos: a photo turned by hand has its
    analyses redone (its boxes were in the old orientation), but the collage it is in was the
    person's, made from it as it showed then, and nothing about it became wrong."""
    rows: dict[str, int] = {}
    files: list[str] = []
    for cap in caps:
        if creations:
            made_rows, made = derived_items(conn, cap)
            _add(rows, made_rows)
            files += made
        for what, sql in cap.purge_sql:
            _add(rows, {what: store_purge.run_declared(conn, sql)})
        for table in cap.tables:
            _add(rows, {table.name: store_purge.delete_in_scope(conn, table.name, table.photo_key)})
        _add(rows, {"analysis_state": analysis_state.delete_in_purge_scope(conn, cap.id)})
    return rows, files


def hashed_files(ctx: AppContext, caps: Sequence[Capability], hashes: Iterable[str]) -> list[str]:
    """The files ``<folder>/**/<hash>*`` in the folders ``caps`` declare (to delete after a commit)."""
    wanted = set(hashes)
    found: list[str] = []
    if not wanted:
        return found
    for cap in caps:
        for sub in cap.folders:
            for dirpath, _dirs, names in os.walk(ctx.config.home / sub):
                found += [os.path.join(dirpath, name) for name in names if name[:64] in wanted]
    return found
