"""The ``uploads`` table: files a phone sent that are not catalogued yet (issue 13)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from camroll.store.db import Database, now_iso
from camroll.store.files import live_photo


def record(db: Database, sha256: str, size: int, path: str) -> None:
    with db.transaction() as conn:
        conn.execute(
            "INSERT INTO uploads (sha256, size, path, received_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (sha256) DO UPDATE SET path = excluded.path, received_at = excluded.received_at",
            (sha256, size, path, now_iso()),
        )


def already_here(db: Database, hashes: Sequence[str]) -> set[str]:
    """Of these SHA-256s, those the library holds: a catalogued photo with a file still in place,
    or an upload that landed and waits for the catalog (its file still there)."""
    have: set[str] = set()
    for start in range(0, len(hashes), 500):
        batch = list(hashes[start : start + 500])
        marks = ",".join("?" * len(batch))
        rows = db.query(
            f"SELECT p.hash FROM photos p WHERE p.hash IN ({marks}) AND {live_photo('p')}",
            batch,
        )
        have.update(r[0] for r in rows)
        for sha, path in db.query(f"SELECT sha256, path FROM uploads WHERE sha256 IN ({marks})", batch):
            if sha not in have and os.path.isfile(path):
                have.add(sha)
    return have


def settle(db: Database) -> int:
    """Forget the uploads the catalog now has, or whose file is gone; how many are left."""
    with db.transaction() as conn:
        conn.execute("DELETE FROM uploads WHERE sha256 IN (SELECT hash FROM photos)")
        for sha, path in conn.execute("SELECT sha256, path FROM uploads").fetchall():
            if not os.path.isfile(path):
                conn.execute("DELETE FROM uploads WHERE sha256 = ?", (sha,))
        return int(conn.execute("SELECT count(*) FROM uploads").fetchone()[0])
