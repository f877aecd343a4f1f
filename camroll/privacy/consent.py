"""The consent ledger: who allowed which capability, for which photos, under which wording.

The ledger is append-only (the database refuses UPDATE and DELETE on it). The state of a
capability for a given file is decided by the most recent grant or revoke whose scope covers
that file: so "grant everything, then revoke one folder" and "revoke everything, then grant one
folder" both mean what a person expects, and the whole history stays readable.

A scope is ``*`` (everything) or ``path:<absolute folder>``. A folder is stored as a keyed hash
(``path:#<token>``) with its name sealed apart (:mod:`camroll.privacy.ledger_keys`): scopes are
matched by token, and read back as ``path:<folder>`` while the name exists, ``path:(a folder, now
forgotten)`` after ``camroll forget`` or the removal of a photo scanned by its own path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from camroll import capabilities
from camroll.config import POLICY_VERSION, AppContext
from camroll.privacy import audit, ledger_keys
from camroll.privacy.purge import PurgeReport, finish_pending, purge_in
from camroll.store import albums
from camroll.store import jobs as job_records
from camroll.store import ledger as ledger_store
from camroll.store import purge as purge_store
from camroll.store.db import Connection, now_iso

EVERYTHING = "*"


def path_scope(path: str | os.PathLike[str] | bytes) -> str:
    raw = os.fsdecode(os.path.abspath(os.fsencode(path)))
    return "path:" + raw.rstrip("/") if raw != "/" else "path:/"


def covers(scope: str, path: str) -> bool:
    """Does ``scope`` include the file or folder at absolute ``path``?"""
    if scope == EVERYTHING:
        return True
    folder = scope.removeprefix("path:")
    return path == folder or path.startswith(folder.rstrip("/") + "/")


@dataclass
class Event:
    id: int
    at: str
    actor: str
    action: str
    capability: str
    scope: str
    policy_version: str
    note: str | None
    token: str | None = None
    """The folder's keyed hash (None for ``*``): what matching compares."""


def events(ctx: AppContext, capability: str | None = None) -> list[Event]:
    """The ledger in order, scopes readable where their names still exist."""
    if not ctx.extras.get("ledger:upgraded") and not ctx.db.conn.in_transaction:  # (plain rows still match)
        ledger_keys.upgrade_ledger(ctx)
        ctx.extras["ledger:upgraded"] = True
    names = ledger_keys.view(ctx)
    out = []
    for r in ledger_store.consent_rows(ctx.db, capability):
        scope, token = names.scope(r[5])
        out.append(Event(r[0], r[1], r[2], r[3], r[4], scope, r[6], r[7], token))
    return out


def allows(ctx: AppContext, capability: str, path: str, history: list[Event] | None = None) -> bool:
    """Is ``capability`` granted for the file at ``path`` right now?

    The most recent event whose scope covers ``path`` decides. Scopes are matched by token: the
    history is indexed once (newest event per token), and ``path`` and each folder above it are
    hashed once per context, so a call costs a few dictionary lookups however long the ledger is
    (the analysis plan asks this per photo per capability)."""
    history = events(ctx, capability) if history is None else history
    index = _index(ctx, history, capability)
    if index is None:  # events made by hand with plain scopes
        for event in reversed(history):
            if event.capability == capability and covers(event.scope, path):
                return event.action == "grant"
        return False
    best, by_token = index
    if by_token:
        own, folders = ledger_keys.path_tokens(ctx, path)
        hit = by_token.get(own)
        if hit is not None and (best is None or hit[0] > best[0]):
            best = hit
        for token in folders:
            hit = by_token.get(token)
            if hit is not None and (best is None or hit[0] > best[0]):
                best = hit
    return best is not None and best[1]


_Index = tuple[tuple[int, bool] | None, dict[str, tuple[int, bool]]]


def _index(ctx: AppContext, history: list[Event], capability: str) -> _Index | None:
    """(newest ``*`` event, newest event per token), as (position, granted); cached per history
    list, which the cache holds so its id stays its own."""
    cache: dict[tuple[int, str], tuple[list[Event], int, _Index | None]] = ctx.extras.setdefault("ledger:index", {})
    key = (id(history), capability)
    cached = cache.get(key)
    if cached is not None and cached[0] is history and cached[1] == len(history):
        return cached[2]
    star: tuple[int, bool] | None = None
    by_token: dict[str, tuple[int, bool]] = {}
    index: _Index | None = None
    for i, event in enumerate(history):
        if event.capability != capability:
            continue
        if event.scope == EVERYTHING:
            star = (i, event.action == "grant")
        elif event.token is not None:
            by_token[event.token] = (i, event.action == "grant")
        else:
            break
    else:
        index = (star, by_token)
    if len(cache) >= 64:
        cache.clear()
    cache[key] = (history, len(history), index)
    return index


def active_scopes(ctx: AppContext, capability: str) -> list[str]:
    """Grant scopes still in force (not superseded by a later revoke covering them)."""
    active: list[Event] = []
    for event in events(ctx, capability):
        if event.action == "grant":
            if not any(_same(a, event) for a in active):
                active.append(event)
        else:
            active = [a for a in active if not _event_within(ctx, a, event)]
    return [a.scope for a in active]


def revoked_within(ctx: AppContext, capability: str) -> list[str]:
    """Folders revoked after a broader grant that is still in force (the 'except' list)."""
    history = events(ctx, capability)
    out: list[str] = []
    for i, event in enumerate(history):
        later = history[i + 1 :]
        if (
            event.action == "revoke"
            and event.scope != EVERYTHING
            and not any(e.action == "grant" and _event_within(ctx, e, event) for e in later)
        ):
            out.append(event.scope)
    return out


def _same(a: Event, b: Event) -> bool:
    return a.token == b.token if a.token or b.token else a.scope == b.scope


def _event_within(ctx: AppContext, inner: Event, outer: Event) -> bool:
    """Is ``inner``'s scope inside ``outer``'s? By token, so a forgotten folder still is itself."""
    if outer.scope == EVERYTHING or _same(inner, outer):
        return True
    if inner.scope == EVERYTHING or inner.token is None or outer.token is None:
        return _within(inner.scope, outer.scope)
    own, folders = ledger_keys.path_tokens(ctx, inner.scope.removeprefix("path:"))
    return outer.token == own or outer.token in folders


def _within(inner: str, outer: str) -> bool:
    if outer == EVERYTHING:
        return True
    if inner == EVERYTHING:
        return False
    return covers(outer, inner.removeprefix("path:"))


def grant(ctx: AppContext, capability: str, scope: str = EVERYTHING, note: str | None = None) -> bool:
    """Record a grant. Returns False (and records nothing) if it is already in force there."""
    cap = capabilities.get(capability)
    if (
        scope != EVERYTHING
        and allows(ctx, cap.id, scope.removeprefix("path:"))
        and not any(_within(r, scope) for r in revoked_within(ctx, cap.id))
    ):
        return False
    if scope == EVERYTHING and active_scopes(ctx, cap.id) == [EVERYTHING] and not revoked_within(ctx, cap.id):
        return False
    _append(ctx, "grant", cap.id, scope, note)
    return True


def revoke(
    ctx: AppContext, capability: str, scope: str = EVERYTHING, note: str | None = None, include_my_files: bool = False
) -> list[PurgeReport]:
    """Record the revocation of ``capability`` and of everything that depends on it, and delete
    what each derived in that scope, dependents first. Returns what was deleted.

    The revoke events and the deletion of the rows are one transaction: a crash leaves either
    the consent on with everything in place, or the consent off with the rows gone. Files and
    keys, which no transaction covers, are journalled in it and deleted right after the commit,
    or by the next command if this one is killed (:func:`camroll.privacy.purge.finish_pending`).
    Files camroll wrote to folders the person chose are kept (and listed) unless
    ``include_my_files``."""
    cap = capabilities.get(capability)
    reports, journal = [], []
    with ctx.db.transaction() as conn:
        for victim in [*capabilities.dependents(cap.id), cap]:
            _append_in(conn, ctx, "revoke", victim.id, scope, note or (None if victim is cap else f"needs {cap.id}"))
            report, entry = purge_in(ctx, conn, victim, scope, include_my_files)
            reports.append(report)
            journal.append(entry)
    audit.confirm(ctx)
    finish_pending(ctx, journal)
    return reports


def _append(ctx: AppContext, action: str, capability: str, scope: str, note: str | None) -> None:
    with ctx.db.transaction() as conn:
        _append_in(conn, ctx, action, capability, scope, note)
    audit.confirm(ctx)


def _append_in(conn: Connection, ctx: AppContext, action: str, capability: str, scope: str, note: str | None) -> None:
    """Inside the caller's transaction: one ledger event and its audit record."""
    ledger_store.append_event(
        conn,
        now_iso(),
        ctx.actor,
        action,
        capability,
        ledger_keys.store_scope(conn, ctx.config.home, scope),
        POLICY_VERSION,
        note,
    )
    audit.record_in(
        conn,
        ctx.actor,
        f"consent.{action}",
        {"capability": capability, "scope": scope, "policy_version": POLICY_VERSION, "note": note},
    )


def forget(ctx: AppContext, include_my_files: bool = False) -> list[PurgeReport]:
    """Revoke everything, everywhere: every capability's derived data is deleted, the catalog too.

    The consent ledger and the audit log stay (they record that this happened, and contain no
    photo data); the database file is then vacuumed so no deleted page survives in it. Files
    camroll wrote to folders the person chose stay (and are listed) unless ``include_my_files``.
    """
    reports: list[PurgeReport] = []
    for cap in reversed(capabilities.REGISTRY):  # dependents are declared after what they need
        if active_scopes(ctx, cap.id) or cap.granted_by_scan:
            reports.extend(
                r
                for r in revoke(ctx, cap.id, EVERYTHING, "camroll forget", include_my_files)
                if r.total or r.capability == cap.id
            )
    from camroll.privacy.removal import clear_exclusions  # removal builds on this module

    clear_exclusions(ctx)
    ledger_keys.forget_all(ctx)  # the roots, every sealed folder name, and the key behind them
    audit.redact_legacy(ctx)  # folder names in audit records written before the log was keyed
    with ctx.db.transaction() as conn:
        job_records.clear(conn)  # ended jobs' titles and failures name folders and files
        albums.clear(conn)  # names and saved searches describe the library (search/albums.py says why)
    purge_store.vacuum(ctx.db)
    purge_store.checkpoint_wal(ctx.db)
    return reports
