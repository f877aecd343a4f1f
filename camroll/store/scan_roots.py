"""The folders a person has pointed ``camroll scan`` at, as the web's scan form needs them."""

from __future__ import annotations

import os

from camroll.store.db import Database


def catalogued_roots(db: Database) -> list[str]:
    """Every root path in the catalog, as the file system names it (a root may be a folder or a
    single file; the caller keeps the folders)."""
    return [os.fsdecode(bytes(r[0])) for r in db.query("SELECT path_bytes FROM roots ORDER BY id")]
