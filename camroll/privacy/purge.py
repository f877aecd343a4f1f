"""Deleting what a capability derived, for a scope, as the registry declares it.

Nothing here knows a capability by name: the tables and folders come from its registry entry.
After the delete the WAL is checkpointed, so deleted rows do not linger in the write-ahead log
(``secure_delete`` already zeroes them in the main file).
"""

from __future__ import annotations

import os
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
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS purge_scope (id INTEGER PRIMARY KEY, hash TEXT)")
        conn.execute("DELETE FROM purge_scope")
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
    for sub in cap.folders:
        report.files += _delete_hashed_files(ctx.config.home / sub, hashes)
    if cap.key and scope == "*" and shred(ctx.config.home / "keys" / f"{cap.key}.key"):
        report.rows["encryption keys destroyed"] = 1
    audit.record(ctx, "purge", capability=cap.id, scope=scope, rows=report.rows, files=report.files)
    ctx.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return report


def _delete_hashed_files(folder: os.PathLike[str], hashes: list[str]) -> int:
    """Delete ``folder/**/<hash>*`` for each hash; return how many files went."""
    wanted = set(hashes)
    removed = 0
    for dirpath, _dirs, names in os.walk(folder):
        for name in names:
            if name[:64] in wanted:
                os.remove(os.path.join(dirpath, name))
                removed += 1
    return removed
