"""Moments: events, home and trips, on this day, birthdays, found in the catalog.

A moment is a named set of photos a person would recognise ("Saturday in Lisbon"). Moments are
computed from the catalog on demand (they change as photos arrive); each has a stable id that
the creation commands accept (``camroll make collage ID``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from camroll.errors import NotFoundError


@dataclass
class Moment:
    id: str
    """Stable across runs while its photos stay: ``event-…``, ``trip-…``, ``onthisday-MMDD-…``,
    ``birthday-<person id>-<year>``."""
    kind: str
    """``event``, ``trip``, ``on_this_day`` or ``birthday``."""
    title: str
    start: str
    """ISO local date-time of the first photo."""
    end: str
    photo_ids: list[int] = field(default_factory=list)
    """In time order."""
    people: list[str] = field(default_factory=list)
    """Names (or ``person <id>``) of the people who appear, most photos first."""
    person_ids: list[int] = field(default_factory=list)
    cover_id: int | None = None
    place: str | None = None
    details: dict[str, object] = field(default_factory=dict)
    """Kind-specific facts (distance from home, years, the person's age...)."""
    capabilities: list[str] = field(default_factory=list)
    """The capabilities whose data shaped it (``places``: positions, place names, home;
    ``people``: who is in it, birthdays), for a creation made from it to record, so revoking one
    of them finds the creation."""

    def named(self) -> tuple[list[tuple[int, str]], list[int]]:
        """The people with a name (id, name), and the ids of those without one. ``people`` lists a
        person without a name as ``person <id>``: a catalog id, never shown to a person as a name."""
        named: list[tuple[int, str]] = []
        unnamed: list[int] = []
        for pid, name in zip(self.person_ids, self.people, strict=False):
            if name and name != f"person {pid}":
                named.append((pid, name))
            else:
                unnamed.append(pid)
        return named, unnamed

    def who(self) -> str:
        """Who is in it, in words, naming only people with a name: "Ana and Ben", "Ana and 2
        others", "3 people" ("" when nobody is)."""
        named, unnamed = self.named()
        names = [n for _pid, n in named]
        if not names:
            return f"{len(unnamed)} {'person' if len(unnamed) == 1 else 'people'}" if unnamed else ""
        if unnamed:
            return f"{', '.join(names)} and {len(unnamed)} {'other' if len(unnamed) == 1 else 'others'}"
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"

    def as_dict(self) -> dict[str, object]:
        """The ``camroll moments --json`` form of a moment."""
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "start": self.start,
            "end": self.end,
            "photo_count": len(self.photo_ids),
            "photo_ids": self.photo_ids,
            "people": self.people,
            "person_ids": self.person_ids,
            "cover_id": self.cover_id,
            "place": self.place,
            "details": self.details,
            "capabilities": self.capabilities,
        }


class MomentNotFound(NotFoundError, KeyError):
    """No moment has this id (or its photos are gone); the message says what to do."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "no such moment"
