"""Folder names in the consent ledger and the audit log: sealed, matched by a keyed hash.

A folder name can say as much as a photo ("Ana's birthday", "clinic"), and the ledger and the audit
log are kept forever. So neither stores it: a scope is stored as ``path:#<token>`` and a path in an
audit record as ``#<token>``, where the token is the HMAC-SHA256 of the path's bytes under a key
derived from ``keys/ledger.key``. The readable name is kept once per folder in ``ledger_names``,
sealed (AES-256-GCM) under the same key, with the token as associated data.

* Matching a photo against the ledger compares tokens: :func:`path_tokens` hashes the file's path
  and each folder above it (folder results cached per context), so ``allows`` stays a set lookup.
* ``camroll forget`` shreds the key and deletes every name (:func:`forget_all`): old scopes then
  read "a folder, now forgotten", and the tokens left in the ledger and in the audit chain can no
  longer be computed from any guess. The ``roots`` table is cleared at the same time.
* ``camroll remove`` of a photo scanned by its own path deletes that root and its name
  (:func:`own_roots`, :func:`forget_roots`): the path is no longer readable anywhere in the
  database. Its token stays, and whoever holds ``keys/ledger.key`` could still confirm a guessed
  path against it, until ``forget`` shreds the key.
* The hash chain of the audit log covers the stored bytes (tokens), so it verifies whatever was
  forgotten since.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag

from camroll import thresholds
from camroll.config import AppContext
from camroll.privacy.crypto import Sealer, load_key, shred, subkey
from camroll.store import ledger as store
from camroll.store.db import now_iso

KEY_NAME = "ledger"
EVERYTHING = "*"
FORGOTTEN = "(a folder, now forgotten)"
"""What a scope or an audit path reads as once its name was deleted or its key shredded."""
SCOPE_PREFIX = "path:#"
PATH_PREFIX = "#"
_TOKEN = re.compile(r"(path:)?#([0-9a-f]{64})\Z")
_VIEW = "ledger:view"


def key_file(home: Path) -> Path:
    return home / "keys" / f"{KEY_NAME}.key"


def _sealer(home: Path) -> Sealer:
    return Sealer(key_file(home), b"camroll ledger name:")


def _match_key(home: Path, create: bool) -> bytes | None:
    key = load_key(key_file(home), create)
    return subkey(key, "ledger-match") if key is not None else None


def raw(path: str) -> bytes:
    """A path's bytes as the file system names them (undecodable bytes kept, as ``path_scope`` does)."""
    return path.encode("utf-8", "surrogateescape")


def token_of(match_key: bytes, path: bytes) -> str:
    return hmac.new(match_key, path, hashlib.sha256).hexdigest()


# --- writing ------------------------------------------------------------------------------------


def seal_path(conn: Any, home: Path, path: str) -> str:
    """The token of ``path``; its sealed name is stored once (inside the caller's transaction)."""
    match_key = _match_key(home, create=True)
    assert match_key is not None
    token = token_of(match_key, raw(path))
    if not store.name_known(conn, token):
        store.insert_name(conn, token, _sealer(home).seal(raw(path), token.encode("ascii")), now_iso())
    return token


def store_scope(conn: Any, home: Path, scope: str) -> str:
    """The form a scope is stored in: ``*`` as is, ``path:<folder>`` as ``path:#<token>``."""
    if scope == EVERYTHING or not scope.startswith("path:/"):
        return scope
    return SCOPE_PREFIX + seal_path(conn, home, scope.removeprefix("path:"))


def seal_details(conn: Any, home: Path, value: Any) -> Any:
    """``value`` (audit record details) with every absolute path, or ``path:`` scope, replaced by
    its token. Applied to every record, so a new kind of record that names a folder is covered
    without anyone remembering to ask."""
    if isinstance(value, str):
        if value.startswith("path:/"):
            return store_scope(conn, home, value)
        if value.startswith("/"):
            return PATH_PREFIX + seal_path(conn, home, value)
        return value
    if isinstance(value, dict):
        return {k: seal_details(conn, home, v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [seal_details(conn, home, v) for v in value]
    return value


def upgrade_ledger(ctx: AppContext) -> int:
    """Convert ledger rows written before names were sealed (once; see migration 0011)."""
    if not store.has_legacy_scopes(ctx.db):
        return 0
    with ctx.db.transaction() as conn:
        rows = store.legacy_scopes(conn)
        store.rewrite_legacy_scopes(conn, [(store_scope(conn, ctx.config.home, s), i) for i, s in rows])
    ctx.extras.pop(_VIEW, None)
    return len(rows)


# --- forgetting ---------------------------------------------------------------------------------


def forget_all(ctx: AppContext) -> bool:
    """``camroll forget``: clear the roots and every sealed name, shred the key. True if a key was
    shredded."""
    with ctx.db.transaction() as conn:
        store.clear_roots(conn)
        store.delete_all_names(conn)
    ctx.extras.pop(_VIEW, None)
    return shred(key_file(ctx.config.home))


def own_roots(conn: Any) -> list[bytes]:
    """The roots that are a file of a photo in ``purge_scope`` (scanned by its own path); ask
    before the photo's files are deleted."""
    return store.own_roots_in_purge_scope(conn)


def forget_roots(ctx: AppContext, conn: Any, roots: Sequence[bytes]) -> None:
    """Delete these roots and their sealed names (``camroll remove`` of such photos)."""
    if not roots:
        return
    store.delete_roots(conn, roots)
    match_key = _match_key(ctx.config.home, create=False)
    if match_key is not None:
        store.delete_names(conn, [token_of(match_key, r) for r in roots])
    ctx.extras.pop(_VIEW, None)


# --- reading ------------------------------------------------------------------------------------


@dataclass
class LedgerView:
    """One context's view of the key: the matching key, the names it opened, folder tokens."""

    stamp: tuple[int, int] | None
    match_key: bytes | None
    names: dict[str, str] = field(default_factory=dict)
    folders: dict[str, frozenset[str]] = field(default_factory=dict)
    last: tuple[str, str, frozenset[str]] = ("", "", frozenset())

    def tokens(self, path: str) -> tuple[str, frozenset[str]]:
        """(token of ``path`` itself, tokens of every folder above it); empty without a key. The
        last path's answer is kept: the plan asks about one photo for each capability in turn."""
        if self.match_key is None:
            return "", frozenset()
        if self.last[0] != path:
            self.last = (path, token_of(self.match_key, raw(path)), self._folder(os.path.dirname(path)))
        return self.last[1], self.last[2]

    def _folder(self, folder: str) -> frozenset[str]:
        cached = self.folders.get(folder)
        if cached is None:
            assert self.match_key is not None
            parent = os.path.dirname(folder)
            above = self._folder(parent) if parent != folder else frozenset()
            cached = above | {token_of(self.match_key, raw(folder))}
            if len(self.folders) >= thresholds.LEDGER_FOLDER_CACHE:
                self.folders.clear()
            self.folders[folder] = cached
        return cached

    def scope(self, stored: str) -> tuple[str, str | None]:
        """(the scope as a person reads it, its token or None for everything)."""
        if stored.startswith(SCOPE_PREFIX):
            token = stored.removeprefix(SCOPE_PREFIX)
            return "path:" + self.names.get(token, FORGOTTEN), token
        if stored.startswith("path:/") and self.match_key is not None:  # not converted yet
            return stored, token_of(self.match_key, raw(stored.removeprefix("path:")))
        return stored, None

    def details(self, value: Any) -> Any:
        if isinstance(value, str):
            m = _TOKEN.match(value)
            return value if m is None else (m.group(1) or "") + self.names.get(m.group(2), FORGOTTEN)
        if isinstance(value, dict):
            return {k: self.details(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.details(v) for v in value]
        return value


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns


def view(ctx: AppContext, with_names: bool = True) -> LedgerView:
    """This context's view, renewed when the key file changed (made, or shredded by another
    process); ``with_names`` also opens names stored since the last call."""
    home = ctx.config.home
    current: LedgerView | None = ctx.extras.get(_VIEW)
    stamp = _stamp(key_file(home))
    if current is None or current.stamp != stamp:
        current = LedgerView(stamp, _match_key(home, create=False) if stamp else None)
        ctx.extras[_VIEW] = current
    if with_names and current.match_key is not None:
        sealer = None
        for token, blob in store.sealed_names(ctx.db).items():
            if token not in current.names:
                sealer = sealer or _sealer(home)
                try:
                    current.names[token] = os.fsdecode(sealer.open(blob, token.encode("ascii")))
                except (InvalidTag, ValueError):
                    continue  # sealed under a key since shredded, or damaged: stays forgotten
    return current


def path_tokens(ctx: AppContext, path: str) -> tuple[str, frozenset[str]]:
    """The tokens a scope covering ``path`` may have: the path's own and its folders'.

    Called per photo per capability by the analysis plan, so it does not look at the key file:
    :func:`view` did when the ledger was read (``consent.events``)."""
    current: LedgerView | None = ctx.extras.get(_VIEW)
    return (current or view(ctx, with_names=False)).tokens(path)
