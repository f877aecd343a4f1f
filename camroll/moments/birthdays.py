"""Birthdays: a person's photos across the years, the best per year, and their birthday events.

Birthdays are set by the person who owns the library (``camroll people birthday``); a person's
photos are those where their face was recognised (under the ``people`` consent). For each person
with a birthday there is one moment across all years (``birthday-<id>``: the best photo of them
in each year, in time order, for a "growing up" video) and one per year with photos of them
within ``BIRTHDAY_WINDOW_DAYS`` of the day (``birthday-<id>-<year>``).
"""

from __future__ import annotations

from datetime import date, timedelta

from camroll import thresholds
from camroll.config import AppContext
from camroll.moments import Moment, MomentNotFound
from camroll.moments.best import best_photo_ids
from camroll.moments.snapshot import Snapshot
from camroll.moments.timeline import Shot, people_of
from camroll.moments.titles import birthday_in, possessive
from camroll.store import people


def _near(day: date, born: date) -> bool:
    window = thresholds.BIRTHDAY_WINDOW_DAYS
    return any(abs((day - birthday_in(born, year)).days) <= window for year in (day.year - 1, day.year, day.year + 1))


def _window_year(day: date, born: date) -> int:
    """The year of the birthday ``day`` is near (a party on 2 January for 30 December is last year's)."""
    return min((day.year - 1, day.year, day.year + 1), key=lambda y: abs((day - birthday_in(born, y)).days))


def birthday_moment(
    ctx: AppContext,
    person_id: int,
    year: int | None = None,
    snap: Snapshot | None = None,
    events: list[Moment] | None = None,
) -> Moment:
    """The birthday moment of a person: across all years (``year`` None) or of one year.

    Raises :class:`MomentNotFound` when the person is unknown or ignored, has no birthday, has no
    photos (with dates), or (with a year) no photos around that year's birthday."""
    if snap is None:
        snap = Snapshot.load(ctx)
    if events is None:
        from camroll.moments.events import find_events

        events = find_events(ctx, snap)
    row = people.person(ctx.db, person_id)
    if row is None or row["ignored"]:
        raise MomentNotFound(f"there is no person {person_id} (see `camroll people`)")
    name = row["name"] or "Someone"
    born = snap.birthdays.get(person_id)
    if born is None:
        raise MomentNotFound(f"{name} has no birthday set: `camroll people birthday {person_id} YYYY-MM-DD`")
    theirs = [s for s in snap.shots if person_id in s.person_ids]
    if not theirs:
        raise MomentNotFound(f"there are no dated photos of {name}")
    best_per_year = _best_per_year(ctx, theirs)
    details: dict[str, object] = {
        "person_id": person_id,
        "birthday": born.isoformat(),
        "best_per_year": {str(y): pid for y, pid in best_per_year.items()},
    }
    if year is None:
        ids = list(best_per_year.values())
        chosen = [s for s in theirs if s.id in set(ids)]
        near = [e.id for e in events if _event_near(e, born)]
        details.update(
            years=sorted(best_per_year),
            event_ids=near,
            ages={str(y): y - born.year for y in best_per_year if y >= born.year},
        )
        return _moment(ctx, snap, f"birthday-{person_id}", f"{name} over the years", chosen, details, person_id)
    around = [s for s in theirs if _near(s.day, born) and _window_year(s.day, born) == year]
    if not around:
        raise MomentNotFound(
            f"there are no photos of {name} within {thresholds.BIRTHDAY_WINDOW_DAYS} days "
            f"of {'their' if not row['name'] else possessive(name)} birthday in {year}"
        )
    day = birthday_in(born, year)
    details.update(
        year=year,
        date=day.isoformat(),
        age=year - born.year,
        event_ids=[e.id for e in events if _event_near(e, born, year)],
    )
    return _moment(
        ctx, snap, f"birthday-{person_id}-{year}", f"{possessive(name)} birthday {year}", around, details, person_id
    )


def birthday_moments(ctx: AppContext, snap: Snapshot, events: list[Moment]) -> list[Moment]:
    """Every birthday moment: per person (by id), the one across years, then each year's."""
    out: list[Moment] = []
    for person_id, born in sorted(snap.birthdays.items()):
        theirs = [s for s in snap.shots if person_id in s.person_ids]
        if not theirs:
            continue
        out.append(birthday_moment(ctx, person_id, None, snap, events))
        years = sorted({_window_year(s.day, born) for s in theirs if _near(s.day, born)})
        out.extend(birthday_moment(ctx, person_id, y, snap, events) for y in years)
    return out


def _best_per_year(ctx: AppContext, shots: list[Shot]) -> dict[int, int]:
    by_year: dict[int, list[int]] = {}
    for s in shots:
        by_year.setdefault(s.day.year, []).append(s.id)
    out: dict[int, int] = {}
    for year in sorted(by_year):
        best = best_photo_ids(ctx, by_year[year], 1)
        if best:
            out[year] = best[0]
    return out


def _event_near(event: Moment, born: date, year: int | None = None) -> bool:
    first = date.fromisoformat(str(event.details["first_day"]))
    last = date.fromisoformat(str(event.details["last_day"]))
    window = timedelta(days=thresholds.BIRTHDAY_WINDOW_DAYS)
    years = [year] if year is not None else sorted({first.year - 1, first.year, last.year, last.year + 1})
    return any(first - window <= birthday_in(born, y) <= last + window and birthday_in(born, y) > born for y in years)


def _moment(
    ctx: AppContext,
    snap: Snapshot,
    moment_id: str,
    title: str,
    shots: list[Shot],
    details: dict[str, object],
    person_id: int,
) -> Moment:
    ordered = sorted(shots, key=lambda s: (s.local, s.id))
    ids = [s.id for s in ordered]
    person_ids = people_of(shots)
    cover = best_photo_ids(ctx, ids, 1)
    return Moment(
        id=moment_id,
        kind="birthday",
        title=title,
        start=ordered[0].local.isoformat(),
        end=ordered[-1].local.isoformat(),
        photo_ids=ids,
        people=snap.names_of(person_ids),
        person_ids=person_ids,
        cover_id=cover[0] if cover else None,
        details=details,
        capabilities=["people"],
    )
