"""Removing photos from camroll: forget them, and everything derived from them, for good.

``camroll remove PHOTO_ID...`` deletes a photo's catalog rows (the photo and its files), every
capability's rows about it (faces and their prints, expressions, tags, text, nudity, fingerprints,
quality, places, analysis state), the files named after it in the caches (thumbnails, sealed face
crops), and every creation made from it (collage, video, report), file and row; a person left
with no face is deleted too. The original files are never touched: camroll only forgets them.

A rescan must not bring a removed photo back; that is what a person expects from "remove". So
camroll remembers it, by its content (a moved or copied file stays removed), but not by its
sha256: a plain hash is itself derived data, enough to prove that a given picture was in this
library. It keeps an HMAC-SHA256 of the hash under a key of its own (``keys/removed.key``, 0600),
which matches only when the same file is read again on this machine; ``forget`` clears the list
and shreds the key. The scan asks :meth:`Exclusions.covers` before cataloguing a file.

Deletion uses the registry's declarations (tables, ``purge_sql``, folders), like a revoke, over
the temporary table ``purge_scope`` of the photos concerned (:func:`camroll.privacy.purge.delete_derived`,
which the retention sweeper uses too to drop derived data past its age). The rows go in one
transaction with a journal of the files to delete, which are deleted right after the commit
(or by the next command, if this one is killed).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from camroll import capabilities
from camroll.config import AppContext
from camroll.privacy import ledger_keys
from camroll.privacy.crypto import shred
from camroll.privacy.purge import delete_derived, derived_items, fill_scope, finish_pending, hashed_files, journal
from camroll.store import faces, people, photos, removed_photos
from camroll.store import purge as store_purge
from camroll.store.db import now_iso

KEY_NAME = "removed"


@dataclass
class RemovalReport:
    removed: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0

    @property
    def total(self) -> int:
        return sum(self.rows.values()) + self.files


def _key_file(ctx: AppContext) -> Path:
    return ctx.config.home / "keys" / f"{KEY_NAME}.key"


def _key(ctx: AppContext, create: bool) -> bytes | None:
    path = _key_file(ctx)
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(32))
    return path.read_bytes()


def _token(key: bytes, content_hash: str) -> str:
    return hmac.new(key, content_hash.encode("ascii"), hashlib.sha256).hexdigest()


class Exclusions:
    """The removed photos, loaded once (a scan asks about every file it reads)."""

    def __init__(self, key: bytes | None, tokens: set[str]) -> None:
        self._key, self._tokens = key, tokens

    @classmethod
    def load(cls, ctx: AppContext) -> Exclusions:
        key = _key(ctx, create=False)
        tokens = removed_photos.tokens(ctx.db) if key else set()
        return cls(key, tokens)

    def covers(self, content_hash: str) -> bool:
        """Was the photo with this sha256 removed by the person? (Cheap when nothing was.)"""
        return bool(self._tokens) and self._key is not None and _token(self._key, content_hash) in self._tokens

    def __len__(self) -> int:
        return len(self._tokens)


def remove_photos(ctx: AppContext, photo_ids: Sequence[int], remember: bool = True) -> RemovalReport:
    """Forget these photos and all that was derived from them; the original files stay as they are.
    Unknown ids are listed in the report, the rest still go."""
    report = RemovalReport()
    known = photos.existing_ids(ctx.db, photo_ids)
    report.unknown = [i for i in photo_ids if i not in known]
    report.removed = sorted(known)
    if not known:
        return report
    everything = list(reversed(capabilities.REGISTRY))  # dependents are declared after what they need
    key = _key(ctx, create=True) if remember else None
    with ctx.db.transaction() as conn:
        hashes = fill_scope(conn, known)
        own_roots = ledger_keys.own_roots(conn)  # photos scanned by their own path: forget the path too
        tied: dict[str, int] = {}
        for tie in capabilities.ties_with_photos():  # what else belongs to a photo, by the registry,
            gone = store_purge.delete_in_scope(conn, tie.table, tie.photo_key or "photo_id")  # before
            if gone:  # the photo rows go (their foreign keys would cascade, uncounted)
                tied[tie.table] = gone
        report.rows, made = delete_derived(conn, everything)
        for table, gone in tied.items():
            report.rows[table] = report.rows.get(table, 0) + gone
        ledger_keys.forget_roots(ctx, conn, own_roots)
        if key is not None:
            removed_photos.remember_in(conn, [_token(key, h) for h in hashes], now_iso())
        store_purge.empty(conn)
        # The person named these photos: every creation made from them goes, wherever it was written.
        doomed = hashed_files(ctx, everything, hashes) + [p for p in dict.fromkeys(made) if os.path.lexists(p)]
        report.files = len(doomed)
        # Counts only: the audit log is kept forever, so it names no photo, path or hash.
        entry = journal(
            conn,
            "remove",
            {"photos": len(report.removed), "rows": report.rows, "files": report.files, "remembered": remember},
            doomed,
        )
    finish_pending(ctx, [entry])
    return report


def clear_exclusions(ctx: AppContext) -> int:
    """Forget the list of removed photos and shred its key (``camroll forget`` does this)."""
    n = removed_photos.clear(ctx.db)
    shred(_key_file(ctx))
    store_purge.checkpoint_wal(ctx.db)
    return n


def forget_person(ctx: AppContext, person_id: int) -> RemovalReport:
    """Delete a person and every face of theirs: face prints, crops, expressions, name, birthday,
    and the creations their faces shaped. The photos stay (with the other people in them).

    The faces are not found again by a later ``analyze``: their photos keep their "faces done"
    state, so only a model upgrade that re-runs face detection could bring them back.
    """
    report = RemovalReport()
    if not people.exists(ctx.db, person_id):
        report.unknown = [person_id]
        return report
    thumbs = faces.thumbs_of_person(ctx.db, person_id)
    photo_ids = faces.photos_of_person(ctx.db, person_id)
    with ctx.db.transaction() as conn:
        fill_scope(conn, photo_ids)
        made: list[str] = []
        for cap_id in ("people", "faces"):
            made_rows, paths = derived_items(conn, capabilities.get(cap_id))
            report.rows["creations"] = report.rows.get("creations", 0) + sum(made_rows.values())
            made += paths
        store_purge.empty(conn)
        report.rows["faces"], report.rows["people"] = people.delete_in(conn, person_id)
        folder = ctx.config.cache_dir / "faces"
        doomed = [p for p in [*dict.fromkeys(made), *(str(folder / name) for name in thumbs)] if os.path.lexists(p)]
        report.files = len(doomed)
        entry = journal(conn, "remove", {"people": 1, "rows": report.rows, "files": report.files}, doomed)
    finish_pending(ctx, [entry])
    report.removed = [person_id]
    return report
