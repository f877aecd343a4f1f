"""All moments of a library, and one moment by its id (what the creation commands are given).

Moments are computed from the catalog each time (a library of tens of thousands of photos takes
well under a second); nothing but a person's own home setting is stored, so moments follow new
photos, deletions and revoked consents at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from camroll.config import AppContext
from camroll.moments import Moment, MomentNotFound
from camroll.moments.birthdays import birthday_moment, birthday_moments
from camroll.moments.events import find_events
from camroll.moments.on_this_day import on_this_day
from camroll.moments.snapshot import Snapshot
from camroll.moments.trips import find_trips
from camroll.progress import Reporter

__all__ = ["KINDS", "MomentNotFound", "all_moments", "find_moment"]

KINDS = ("event", "trip", "on_this_day", "birthday")

_ID_FORMS = "event-YYYYMMDD-…, trip-YYYYMMDD-…, onthisday-MMDD[-YYYY], birthday-PERSON[-YYYY]"


def all_moments(
    ctx: AppContext, kinds: Iterable[str] | None = None, today: date | None = None, reporter: Reporter | None = None
) -> list[Moment]:
    """Moments of the asked kinds (all by default), kind by kind in :data:`KINDS` order, each kind
    oldest first; "on this day" is of ``today`` (the real today by default). ``reporter`` shows
    the one long step, reading every located photo for the home estimate."""
    wanted = set(KINDS if kinds is None else kinds)
    unknown = wanted - set(KINDS)
    if unknown:
        raise ValueError(f"unknown kind of moment {', '.join(sorted(unknown))}: choose from {', '.join(KINDS)}")
    snap = Snapshot.load(ctx, reporter)
    events = find_events(ctx, snap) if wanted & {"event", "on_this_day", "birthday"} else []
    out: list[Moment] = []
    if "event" in wanted:
        out.extend(events)
    if "trip" in wanted:
        out.extend(find_trips(ctx, snap))
    if "on_this_day" in wanted:
        out.extend(on_this_day(ctx, snap, today or date.today(), events))
    if "birthday" in wanted:
        out.extend(birthday_moments(ctx, snap, events))
    return out


def find_moment(ctx: AppContext, moment_id: str, today: date | None = None) -> Moment:
    """The moment with this id, as it is now; :class:`MomentNotFound` with a sentence otherwise."""
    moment_id = moment_id.strip()
    gone = (
        f"no moment {moment_id!r} now (moments change when photos are added or removed, and with "
        "consent): `camroll moments` lists them"
    )
    if m := re.fullmatch(r"birthday-(\d+)(?:-(\d{4}))?", moment_id):
        return birthday_moment(ctx, int(m[1]), int(m[2]) if m[2] else None)
    if m := re.fullmatch(r"onthisday-(\d\d)(\d\d)(?:-(\d{4}))?", moment_id):
        today = today or date.today()
        try:
            day = date(today.year, int(m[1]), int(m[2]))
        except ValueError:
            if (m[1], m[2]) != ("02", "29"):
                raise MomentNotFound(f"{moment_id!r} names no date") from None
            day = date(today.year, 2, 28)
        snap = Snapshot.load(ctx)
        found = [x for x in on_this_day(ctx, snap, day, find_events(ctx, snap)) if x.id == moment_id]
        if not found:
            raise MomentNotFound(gone)
        return found[0]
    kind = moment_id.split("-", 1)[0]
    if kind not in ("event", "trip") or not re.fullmatch(rf"{kind}-\d{{8}}-[0-9a-f]{{8}}", moment_id):
        raise MomentNotFound(f"{moment_id!r} is not a moment id (they look like {_ID_FORMS})")
    for moment in all_moments(ctx, [kind]):
        if moment.id == moment_id:
            return moment
    raise MomentNotFound(gone)
