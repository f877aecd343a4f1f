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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from camroll.config import AppContext
from camroll.errors import CamrollError
from camroll.store import creations, files
from camroll.store.db import Connection, now_iso


class CreationError(CamrollError):
    """A creation cannot be made as asked (unknown photo, output beside an original...)."""


def output_dir(ctx: AppContext, out: Path | None) -> Path:
    """The folder a creation goes to: ``--out DIR`` or ``CAMROLL_HOME/creations``.

    Refuses a folder that holds a catalogued original (creations never land beside originals,
    so no later scan mistakes them for photos and no original can be overwritten).
    """
    folder = (out if out is not None else ctx.config.home / "creations").expanduser().resolve()
    encoded = str(folder).encode("utf-8", "surrogateescape")
    clash = files.on_disk_directly_in(ctx.db, encoded)
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
    return creations.insert(
        ctx.db,
        kind,
        str(path),
        title,
        source,
        json.dumps(params or {}, sort_keys=True),
        json.dumps(sorted(set(capabilities))),
        now_iso(),
        photo_ids,
    )


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
    return [
        Creation(
            id=r["id"],
            kind=r["kind"],
            path=r["path"],
            title=r["title"],
            source=r["source"],
            params=json.loads(r["params"]),
            capabilities=json.loads(r["capabilities"]),
            created_at=r["created_at"],
            photo_ids=[int(p) for p in (r["pids"] or "").split(",") if p],
            exists=os.path.exists(r["path"]),
        )
        for r in creations.rows(ctx.db, creation_id)
    ]


def delete(ctx: AppContext, creation_id: int) -> bool:
    """Delete one creation, file and row; False if there is no such creation."""
    path = creations.path_of(ctx.db, creation_id)
    if path is None:
        return False
    _remove_file(path)
    creations.delete(ctx.db, creation_id)
    return True


def purge_step(conn: Connection, capability: str, photos_gone: bool) -> list[str]:
    """The purge step the registry names for creations (``capabilities.DERIVED_STORES``).

    Inside a purge's transaction: delete the rows of the creations made from photos in
    ``purge_scope`` that used ``capability`` (any creation at all when ``photos_gone``), and
    return their file paths. The files are left to the purge, which deletes those under
    CAMROLL_HOME and keeps those in a folder the person chose unless they say otherwise."""
    doomed = [
        (cid, path)
        for cid, path, used in creations.in_purge_scope(conn)
        if photos_gone or capability in json.loads(used)
    ]
    creations.delete_in(conn, [cid for cid, _path in doomed])
    return [path for _id, path in doomed]


def _remove_file(path: str) -> int:
    try:
        os.remove(path)
    except FileNotFoundError:
        return 0
    return 1
