"""The consent ledger: who allowed which capability, for which photos, under which wording.

The ledger is append-only (the database refuses UPDATE and DELETE on it). The state of a
capability for a given file is decided by the most recent grant or revoke whose scope covers
that file: so "grant everything, then revoke one folder" and "revoke everything, then grant one
folder" both mean what a person expects, and the whole history stays readable.

A scope is ``*`` (everything) or ``path:<absolute folder>``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from camroll import capabilities
from camroll.config import POLICY_VERSION, AppContext
from camroll.privacy import audit
from camroll.privacy.purge import PurgeReport, purge
from camroll.store.db import now_iso

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


def events(ctx: AppContext, capability: str | None = None) -> list[Event]:
    sql = "SELECT id, at, actor, action, capability, scope, policy_version, note FROM consent_events"
    rows = ctx.db.query(sql + (" WHERE capability = ?" if capability else "") + " ORDER BY id",
                        (capability,) if capability else ())  # fmt: skip
    return [Event(*tuple(r)) for r in rows]


def allows(ctx: AppContext, capability: str, path: str, history: list[Event] | None = None) -> bool:
    """Is ``capability`` granted for the file at ``path`` right now?"""
    history = events(ctx, capability) if history is None else history
    for event in reversed(history):
        if event.capability == capability and covers(event.scope, path):
            return event.action == "grant"
    return False


def active_scopes(ctx: AppContext, capability: str) -> list[str]:
    """Grant scopes still in force (not superseded by a later revoke covering them)."""
    history = events(ctx, capability)
    active: list[str] = []
    for event in history:
        if event.action == "grant":
            if event.scope not in active:
                active.append(event.scope)
        else:
            active = [s for s in active if not _within(s, event.scope)]
    return active


def revoked_within(ctx: AppContext, capability: str) -> list[str]:
    """Folders revoked after a broader grant that is still in force (the 'except' list)."""
    history = events(ctx, capability)
    out: list[str] = []
    for i, event in enumerate(history):
        later = history[i + 1 :]
        if event.action == "revoke" and event.scope != EVERYTHING and not any(
            e.action == "grant" and _within(e.scope, event.scope) for e in later
        ):
            out.append(event.scope)
    return out


def _within(inner: str, outer: str) -> bool:
    if outer == EVERYTHING:
        return True
    if inner == EVERYTHING:
        return False
    return covers(outer, inner.removeprefix("path:"))


def grant(ctx: AppContext, capability: str, scope: str = EVERYTHING, note: str | None = None) -> bool:
    """Record a grant. Returns False (and records nothing) if it is already in force there."""
    cap = capabilities.get(capability)
    if scope != EVERYTHING and allows(ctx, cap.id, scope.removeprefix("path:")) and not any(
        _within(r, scope) for r in revoked_within(ctx, cap.id)
    ):
        return False
    if scope == EVERYTHING and active_scopes(ctx, cap.id) == [EVERYTHING] and not revoked_within(ctx, cap.id):
        return False
    _append(ctx, "grant", cap.id, scope, note)
    return True


def revoke(ctx: AppContext, capability: str, scope: str = EVERYTHING, note: str | None = None) -> list[PurgeReport]:
    """Record the revocation of ``capability`` and of everything that depends on it, and delete
    what each derived in that scope, dependents first. Returns what was deleted."""
    cap = capabilities.get(capability)
    reports = []
    for victim in [*capabilities.dependents(cap.id), cap]:
        _append(ctx, "revoke", victim.id, scope, note or (None if victim is cap else f"needs {cap.id}"))
        reports.append(purge(ctx, victim, scope))
    return reports


def _append(ctx: AppContext, action: str, capability: str, scope: str, note: str | None) -> None:
    with ctx.db.transaction() as conn:
        conn.execute(
            "INSERT INTO consent_events (at, actor, action, capability, scope, policy_version, note)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (now_iso(), ctx.actor, action, capability, scope, POLICY_VERSION, note),
        )
        audit.record_in(conn, ctx.actor, f"consent.{action}",
                        {"capability": capability, "scope": scope, "policy_version": POLICY_VERSION, "note": note})  # fmt: skip


def forget(ctx: AppContext) -> list[PurgeReport]:
    """Revoke everything, everywhere: every capability's derived data is deleted, the catalog too.

    The consent ledger and the audit log stay (they record that this happened, and contain no
    photo data); the database file is then vacuumed so no deleted page survives in it.
    """
    reports: list[PurgeReport] = []
    for cap in reversed(capabilities.REGISTRY):  # dependents are declared after what they need
        if active_scopes(ctx, cap.id) or cap.granted_by_scan:
            reports.extend(r for r in revoke(ctx, cap.id, EVERYTHING, note="camroll forget") if r.total or r.capability == cap.id)
    from camroll.privacy.removal import clear_exclusions  # removal builds on this module

    clear_exclusions(ctx)
    ctx.db.conn.execute("VACUUM")
    ctx.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return reports
