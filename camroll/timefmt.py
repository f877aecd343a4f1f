"""How camroll writes a time-zone offset, shared by every layer that prints a local time.

A pure function at the bottom of the layers: the catalog (store), the metadata reader (library)
and the front ends all write ``taken_at`` as the local time plus this offset, so none of them
needs to import the others to agree on it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from camroll import thresholds


def format_offset(minutes: int) -> str:
    """``+02:00`` for 120, ``-03:30`` for -210: the ISO 8601 offset of ``minutes`` east of UTC."""
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def plausible_range(now: datetime | None = None) -> tuple[str, str]:
    """The first and last capture times worth trusting, as ISO local text (compared as text):
    ``thresholds.EARLIEST_PLAUSIBLE_DATE`` up to a day (``FUTURE_DATE_SLACK_HOURS``) after now.
    Outside it, a date is a broken clock or a forged field: kept as read, flagged, and never used
    for moments (the metadata reader notes it, the catalog flags it, moments leave it out)."""
    latest = (now or datetime.now()) + timedelta(hours=thresholds.FUTURE_DATE_SLACK_HOURS)
    return thresholds.EARLIEST_PLAUSIBLE_DATE, latest.isoformat(timespec="seconds")


def implausible_date(taken_local: str | None, now: datetime | None = None) -> str | None:
    """Why a capture time cannot be right, or None when it may be (or there is none)."""
    if not taken_local:
        return None
    first, last = plausible_range(now)
    if taken_local < first:
        return f"before {first}, the first photograph"
    if taken_local > last:
        return "more than a day in the future"
    return None
