"""Where creations are written and what each was made from.

A creation is a file camroll made (a collage, a video, a filtered copy). Its row records the
photos and the capabilities whose data shaped it (face boxes steer a collage's crops; a birthday
video needs people). Purging a capability for some photos, or deleting photos, deletes the
creations that used them: the registry names :func:`purge_step` (privacy never imports this
module), which deletes their rows and hands their files to the purge.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from camroll.config import AppContext
from camroll.errors import CamrollError
from camroll.store.db import now_iso


class CreationError(CamrollError):
    """A creation cannot be made as asked (unknown photo, output beside an original...)."""


def output_dir(ctx: AppContext, out: Path | None) -> Path:
    """The folder a creation goes to: ``--out DIR`` or ``CAMROLL_HOME/creations``.

    Refuses a folder that holds a catalogued original (creations never land beside originals,
    so no later scan mistakes them for photos and no original can be overwritten).
    """
    folder = (out if out is not None else ctx.config.home / "creations").expanduser().resolve()
    encoded = str(folder).encode("utf-8", "surrogateescape")
    clash = ctx.db.scalar(
        "SELECT path FROM files WHERE substr(path_bytes, 1, ?) = ? AND instr(substr(path_bytes, ?), '/') = 0"
        " AND state != 'missing' LIMIT 1",
        (len(encoded) + 1, encoded + b"/", len(encoded) + 2),
    )
    if clash is not None:
        raise CreationError(f"{folder} holds original photos ({clash}); choose another --out folder")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def unique_path(folder: Path, stem: str, suffix: str) -> Path:
    """``folder/stem.suffix``, or ``stem-2.suffix``... so an earlier creation is never overwritten."""
    safe = re.sub(r"[^\w.-]+", "-", stem).strip("-.") or "creation"
    candidate = folder / f"{safe}{suffix}"
    n = 2
    while candidate.exists():
        candidate = folder / f"{safe}-{n}{suffix}"
        n += 1
    return candidate


def record(
    ctx: AppContext,
    kind: str,
    path: Path,
    photo_ids: Iterable[int],
    *,
    capabilities: Sequence[str] = (),
    title: str | None = None,
    source: str | None = None,
    params: dict[str, Any] | None = None,
) -> int:
    """Record a finished creation; return its id."""
    with ctx.db.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO creations (kind, path, title, source, params, capabilities, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (kind, str(path), title, source, json.dumps(params or {}, sort_keys=True),
             json.dumps(sorted(set(capabilities))), now_iso()),
        )  # fmt: skip
        creation_id = int(cur.lastrowid or 0)
        conn.executemany(
            "INSERT OR IGNORE INTO creation_photos (creation_id, photo_id) VALUES (?, ?)",
            [(creation_id, pid) for pid in photo_ids],
        )
    return creation_id


@dataclass
class Creation:
    id: int
    kind: str
    path: str
    title: str | None
    source: str | None
    params: dict[str, Any]
    capabilities: list[str]
    created_at: str
    photo_ids: list[int]
    exists: bool


def listing(ctx: AppContext, creation_id: int | None = None) -> list[Creation]:
    where, args = ("WHERE c.id = ?", (creation_id,)) if creation_id is not None else ("", ())
    rows = ctx.db.query(
        "SELECT c.*, (SELECT group_concat(photo_id) FROM creation_photos cp WHERE cp.creation_id = c.id) AS pids"
        f" FROM creations c {where} ORDER BY c.id DESC",
        args,
    )
    return [
        Creation(
            id=r["id"], kind=r["kind"], path=r["path"], title=r["title"], source=r["source"],
            params=json.loads(r["params"]), capabilities=json.loads(r["capabilities"]),
            created_at=r["created_at"], photo_ids=[int(p) for p in (r["pids"] or "").split(",") if p],
            exists=os.path.exists(r["path"]),
        )
        for r in rows
    ]


def delete(ctx: AppContext, creation_id: int) -> bool:
    """Delete one creation, file and row; False if there is no such creation."""
    row = ctx.db.query("SELECT path FROM creations WHERE id = ?", (creation_id,))
    if not row:
        return False
    _remove_file(row[0]["path"])
    with ctx.db.transaction() as conn:
        conn.execute("DELETE FROM creations WHERE id = ?", (creation_id,))
    return True


def purge_step(conn: sqlite3.Connection, capability: str, photos_gone: bool) -> list[str]:
    """The purge step the registry names for creations (``capabilities.DERIVED_STORES``).

    Inside a purge's transaction: delete the rows of the creations made from photos in
    ``purge_scope`` that used ``capability`` (any creation at all when ``photos_gone``), and
    return their file paths. The files are left to the purge, which deletes those under
    CAMROLL_HOME and keeps those in a folder the person chose unless they say otherwise."""
    rows = conn.execute(
        "SELECT DISTINCT c.id, c.path, c.capabilities FROM creations c JOIN creation_photos cp ON cp.creation_id = c.id"
        " WHERE cp.photo_id IN (SELECT id FROM purge_scope)"
    ).fetchall()
    doomed = [(r[0], r[1]) for r in rows if photos_gone or capability in json.loads(r[2])]
    conn.executemany("DELETE FROM creations WHERE id = ?", [(cid,) for cid, _path in doomed])
    return [path for _id, path in doomed]


def _remove_file(path: str) -> int:
    try:
        os.remove(path)
    except FileNotFoundError:
        return 0
    return 1
