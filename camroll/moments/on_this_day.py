"""On this day: the photos and events of today's date in earlier years.

One moment per earlier year with photos on the date ("6 years ago: Saturday in Lisbon"), and,
when there are several such years, one that gathers them all ("14 June over the years"). Dates
are the days a person would say (a photo at 01:00 belongs to the evening before); on 28 February
of a common year, photos of 29 February come too, or they would never come back.
"""

from __future__ import annotations

from calendar import isleap
from datetime import date

from camroll.config import AppContext
from camroll.moments import Moment
from camroll.moments.best import best_photo_ids
from camroll.moments.snapshot import Snapshot
from camroll.moments.timeline import Shot, capabilities_of, main_place, people_of, place_name


def _matches(day: date, today: date) -> bool:
    if (day.month, day.day) == (today.month, today.day):
        return True
    return (day.month, day.day) == (2, 29) and (today.month, today.day) == (2, 28) and not isleap(today.year)


def _ago(years: int) -> str:
    return "1 year ago" if years == 1 else f"{years} years ago"


def on_this_day(ctx: AppContext, snap: Snapshot, today: date, events: list[Moment]) -> list[Moment]:
    """The per-year moments of ``today``'s date (oldest year first), then the one of all years."""
    by_year: dict[int, list[Shot]] = {}
    for shot in snap.shots:
        if shot.day.year < today.year and _matches(shot.day, today):
            by_year.setdefault(shot.day.year, []).append(shot)
    mmdd = f"{today:%m%d}"
    out: list[Moment] = []
    for year, shots in sorted(by_year.items()):
        ids = {s.id for s in shots}
        on_day = [e for e in events if ids & set(e.photo_ids)]
        main = max(on_day, key=lambda e: len(ids & set(e.photo_ids)), default=None)
        place = main_place(shots)
        if main is not None:
            title = f"{_ago(today.year - year)}: {main.title}"
        else:
            title = f"{_ago(today.year - year)} today" + (f", in {place_name(shots)}" if place else "")
        out.append(
            _moment(
                ctx,
                snap,
                f"onthisday-{mmdd}-{year}",
                title,
                shots,
                {
                    "date": shots[0].day.isoformat(),
                    "year": year,
                    "years_ago": today.year - year,
                    "event_ids": [e.id for e in on_day],
                },
            )
        )
    if len(by_year) > 1:
        shots = [s for year in sorted(by_year) for s in by_year[year]]
        ids = {s.id for s in shots}
        out.append(
            _moment(
                ctx,
                snap,
                f"onthisday-{mmdd}",
                f"{today.day} {today:%B} over the years",
                shots,
                {"years": sorted(by_year), "event_ids": [e.id for e in events if ids & set(e.photo_ids)]},
            )
        )
    return out


def _moment(
    ctx: AppContext, snap: Snapshot, moment_id: str, title: str, shots: list[Shot], details: dict[str, object]
) -> Moment:
    ordered = sorted(shots, key=lambda s: (s.local, s.id))
    ids = [s.id for s in ordered]
    person_ids = people_of(shots)
    place = main_place(shots)
    cover = best_photo_ids(ctx, ids, 1)
    return Moment(
        id=moment_id,
        kind="on_this_day",
        title=title,
        start=ordered[0].local.isoformat(),
        end=ordered[-1].local.isoformat(),
        photo_ids=ids,
        people=snap.names_of(person_ids),
        person_ids=person_ids,
        cover_id=cover[0] if cover else None,
        place=", ".join(p for p in (place_name(shots), place.country) if p) if place else None,
        details=details,
        capabilities=capabilities_of(shots),
    )
