"""The report's "What the clouds hold" section: the newest cloud audit of each service that was
imported with ``camroll import ... --audit`` (kept in import_runs)."""

from __future__ import annotations

from html import escape
from typing import Any

from camroll.config import AppContext
from camroll.store import imports as store


def audits(ctx: AppContext) -> list[dict[str, Any]]:
    return store.latest_audits(ctx.db)


def html_section(ctx: AppContext) -> str:
    """A few lines of HTML, or "" when no audit was made."""
    return html_of(audits(ctx))


def html_of(found: list[dict[str, Any]]) -> str:
    """The section for these audits (:func:`audits`), or "" when there is none."""
    parts: list[str] = []
    for a in found:
        people = ", ".join(escape(n) for n in a.get("people_named", {})) or "none"
        ips = ", ".join(escape(ip) for ip in a.get("upload_ips", {})) or "none recorded"
        steps = "".join(f"<li>{escape(s)}</li>" for s in a.get("delete_there", []))
        parts.append(
            f"<h3>{escape(a['service'])} (export of {escape(str(a['at'])[:10])})</h3>"
            f"<p>{a['items']} items from {escape(str(a['first']))} to {escape(str(a['last']))}; "
            f"{a['with_place']} with a place; people named: {people}; upload IPs: {ips}.</p>"
            f"<p>To delete it there:</p><ul>{steps}</ul>"
        )
    return f"<section><h2>What the clouds hold</h2>{''.join(parts)}</section>" if parts else ""
