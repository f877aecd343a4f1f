"""Events: photos grouped by time and place, the way a person remembers an outing.

Photos in time order are cut where the camera was idle longer than ``EVENT_GAP_HOURS`` or where
two consecutive located photos are more than ``EVENT_JUMP_KM`` apart (a drive, a flight). A run
of at least ``EVENT_MIN_PHOTOS`` photos is an event. Its title names a birthday of someone in the
photos, else a holiday, else the weekday, with the town or "at home" (see :mod:`titles`).

Ids are stable while the photos stay: the local date and the content hash of the first photo.
"""

from __future__ import annotations

from datetime import date

from camroll import thresholds
from camroll.config import AppContext
from camroll.moments import Moment
from camroll.moments.best import best_photo_ids
from camroll.moments.snapshot import Snapshot
from camroll.moments.timeline import Shot, capabilities_of, distance_km, main_place, people_of, place_name
from camroll.moments.titles import birthday_in, event_title, holiday


def split_into_runs(shots: list[Shot]) -> list[list[Shot]]:
    """Shots in time order cut at long idle times and at jumps in place."""
    runs: list[list[Shot]] = []
    last_located: Shot | None = None
    for shot in shots:
        if runs:
            prev = runs[-1][-1]
            idle = (shot.utc - prev.utc).total_seconds() / 3600 > thresholds.EVENT_GAP_HOURS
            jump = (
                shot.located
                and last_located is not None
                and distance_km(last_located.lat or 0.0, last_located.lon or 0.0, shot.lat or 0.0, shot.lon or 0.0)
                > thresholds.EVENT_JUMP_KM
            )
            if not idle and not jump:
                runs[-1].append(shot)
                if shot.located:
                    last_located = shot
                continue
        runs.append([shot])
        last_located = shot if shot.located else None
    return runs


def find_events(ctx: AppContext, snap: Snapshot) -> list[Moment]:
    """Every event of the library, oldest first."""
    return [
        event_moment(ctx, snap, run) for run in split_into_runs(snap.shots) if len(run) >= thresholds.EVENT_MIN_PHOTOS
    ]


def event_moment(ctx: AppContext, snap: Snapshot, run: list[Shot]) -> Moment:
    first_day, last_day = min(s.day for s in run), max(s.day for s in run)
    located = [s for s in run if s.located]
    at_home = bool(snap.home and located and sum(snap.home.contains(s) for s in located) * 2 >= len(located))
    named = main_place(run)
    person_ids = people_of(run)
    birthday = _birthday_of(snap, person_ids, first_day, last_day)
    title = event_title(
        first_day,
        last_day,
        place_name(run),
        at_home,
        (snap.given_name(birthday[0]) or "Someone", birthday[1]) if birthday else None,
    )
    ids = [s.id for s in sorted(run, key=lambda s: (s.local, s.id))]
    details: dict[str, object] = {
        "days": (last_day - first_day).days + 1,
        "first_day": first_day.isoformat(),
        "last_day": last_day.isoformat(),
        "at_home": at_home,
    }
    if named:
        details.update(city=named.town or named.city, region=named.region, country=named.country)
        if named.town and named.city and named.city != named.town:
            details["neighbourhood"] = named.city
    holidays = sorted({h for day in {s.day for s in run} if (h := holiday(day))})
    if holidays:
        details["holidays"] = holidays
    if birthday:
        details["birthday_person_id"] = birthday[0]
    if snap.home and located:
        details["km_from_home"] = round(
            min(distance_km(snap.home.lat, snap.home.lon, s.lat or 0.0, s.lon or 0.0) for s in located), 1
        )
    first = min(run, key=lambda s: (s.local, s.id))
    cover = best_photo_ids(ctx, ids, 1)
    return Moment(
        id=f"event-{first.local:%Y%m%d}-{first.hash[:8]}",
        kind="event",
        title=title,
        start=min(s.local for s in run).isoformat(),
        end=max(s.local for s in run).isoformat(),
        photo_ids=ids,
        people=snap.names_of(person_ids),
        person_ids=person_ids,
        cover_id=cover[0] if cover else None,
        place=_place_label(place_name(run), named, at_home),
        details=details,
        capabilities=capabilities_of(run),
    )


def _place_label(name: str | None, named: Shot | None, at_home: bool) -> str | None:
    if at_home:
        return "home"
    if named is None or name is None:
        return None
    return ", ".join(p for p in (name, named.country) if p)


def _birthday_of(snap: Snapshot, person_ids: list[int], first_day: date, last_day: date) -> tuple[int, date] | None:
    """The first person (most photos first) in the event whose birthday falls on one of its days."""
    for pid in person_ids:
        born = snap.birthdays.get(pid)
        if born is None:
            continue
        for year in sorted({first_day.year, last_day.year}):
            day = birthday_in(born, year)
            if first_day <= day <= last_day and day > born:
                return pid, day
    return None
