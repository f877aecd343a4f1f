"""Deleting what a capability derived, for a scope, as the registry declares it.

Nothing here knows a capability by name: the tables and folders come from its registry entry.
After the delete the WAL is checkpointed, so deleted rows do not linger in the write-ahead log
(``secure_delete`` already zeroes them in the main file).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from camroll.capabilities import Capability
from camroll.config import AppContext
from camroll.creations.records import purge_creations
from camroll.privacy import audit
from camroll.privacy.crypto import shred


@dataclass
class PurgeReport:
    capability: str
    scope: str
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0

    @property
    def total(self) -> int:
        return sum(self.rows.values()) + self.files

    def describe(self) -> str:
        parts = [f"{n} {table} row{'s' if n != 1 else ''}" for table, n in self.rows.items() if n]
        if self.files:
            parts.append(f"{self.files} file{'s' if self.files != 1 else ''}")
        return ", ".join(parts) if parts else "nothing was stored"


def purge(ctx: AppContext, cap: Capability, scope: str) -> PurgeReport:
    report = PurgeReport(cap.id, scope)
    folder = scope.removeprefix("path:").rstrip("/").encode("utf-8", "surrogateescape") if scope != "*" else None
    with ctx.db.transaction() as conn:
        _empty_scope(conn)
        if folder is None:
            conn.execute("INSERT INTO purge_scope SELECT id, hash FROM photos")
        else:
            conn.execute(
                "INSERT OR IGNORE INTO purge_scope SELECT p.id, p.hash FROM photos p JOIN files f"
                " ON f.photo_id = p.id WHERE f.path_bytes = ? OR substr(f.path_bytes, 1, ?) = ?",
                (folder, len(folder) + 1, folder + b"/"),
            )
        hashes = [r[0] for r in conn.execute("SELECT hash FROM purge_scope")]
        # Creations first: deleting photo rows would cascade away the links that find them.
        made, made_files = purge_creations(conn, cap.id)
        if made:
            report.rows["creations"] = made
        report.files += made_files
        for table in cap.tables:
            if table.only_orphans:
                cur = conn.execute(
                    f"DELETE FROM {table.name} WHERE {table.photo_key} IN (SELECT id FROM purge_scope)"
                    f" AND NOT EXISTS (SELECT 1 FROM files WHERE files.photo_id = {table.name}.{table.photo_key})"
                )
            elif table.path_key and folder is not None:
                cur = conn.execute(
                    f"DELETE FROM {table.name} WHERE {table.path_key} = ? OR substr({table.path_key}, 1, ?) = ?",
                    (folder, len(folder) + 1, folder + b"/"),
                )
            elif table.path_key:
                cur = conn.execute(f"DELETE FROM {table.name}")
            else:
                cur = conn.execute(
                    f"DELETE FROM {table.name} WHERE {table.photo_key} IN (SELECT id FROM purge_scope)"
                )
            report.rows[table.name] = report.rows.get(table.name, 0) + cur.rowcount
        for what, sql in cap.purge_sql:
            count = conn.execute(sql).rowcount
            if count:
                report.rows[what] = report.rows.get(what, 0) + count
        cur = conn.execute(
            "DELETE FROM analysis_state WHERE capability = ? AND photo_id IN (SELECT id FROM purge_scope)", (cap.id,)
        )
        if cur.rowcount:
            report.rows["analysis_state"] = cur.rowcount
        conn.execute("DELETE FROM purge_scope")
    report.files += delete_hashed_files(ctx, [cap], hashes)
    if cap.key and scope == "*" and shred(ctx.config.home / "keys" / f"{cap.key}.key"):
        report.rows["encryption keys destroyed"] = 1
    audit.record(ctx, "purge", capability=cap.id, scope=scope, rows=report.rows, files=report.files)
    ctx.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return report


def _empty_scope(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS purge_scope (id INTEGER PRIMARY KEY, hash TEXT)")
    conn.execute("DELETE FROM purge_scope")


def fill_scope(conn: sqlite3.Connection, photo_ids: Iterable[int]) -> list[str]:
    """(Re)fill the temporary ``purge_scope`` table with these photos; return their hashes."""
    _empty_scope(conn)
    conn.executemany("INSERT OR IGNORE INTO purge_scope SELECT id, hash FROM photos WHERE id = ?",
                     [(int(i),) for i in photo_ids])  # fmt: skip
    return [r[0] for r in conn.execute("SELECT hash FROM purge_scope")]


def delete_derived(conn: sqlite3.Connection, caps: Sequence[Capability]) -> dict[str, int]:
    """Inside a transaction, with ``purge_scope`` filled by photo (:func:`fill_scope`): delete what
    ``caps`` derived from exactly those photos (their rows, their assignments via ``purge_sql``,
    their analysis state) and the creations that used them. ``caps`` must come dependents first.

    This is :func:`purge` for a set of photos rather than a consent scope: removing photos and
    expiring old data (retention) use it. It deletes by photo id only, so a catalog file row
    without a photo (a file camroll could not read) is left to :func:`purge`'s folder scope."""
    rows: dict[str, int] = {}

    def add(what: str, n: int) -> None:
        if n:
            rows[what] = rows.get(what, 0) + n

    for cap in caps:
        made, made_files = purge_creations(conn, cap.id)
        add("creations", made)
        add("creation files", made_files)
        for what, sql in cap.purge_sql:
            add(what, conn.execute(sql).rowcount)
        for table in cap.tables:
            add(table.name, conn.execute(
                f"DELETE FROM {table.name} WHERE {table.photo_key} IN (SELECT id FROM purge_scope)").rowcount)  # fmt: skip
        add("analysis_state", conn.execute(
            "DELETE FROM analysis_state WHERE capability = ? AND photo_id IN (SELECT id FROM purge_scope)", (cap.id,)
        ).rowcount)  # fmt: skip
    return rows


def delete_hashed_files(ctx: AppContext, caps: Sequence[Capability], hashes: Iterable[str]) -> int:
    """Delete ``<folder>/**/<hash>*`` in the folders ``caps`` declare; return how many went."""
    wanted = set(hashes)
    removed = 0
    if not wanted:
        return 0
    for cap in caps:
        for sub in cap.folders:
            for dirpath, _dirs, names in os.walk(ctx.config.home / sub):
                for name in names:
                    if name[:64] in wanted:
                        os.remove(os.path.join(dirpath, name))
                        removed += 1
    return removed
