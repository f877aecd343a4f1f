"""What every kind of moment is computed from, read once per listing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from camroll.config import AppContext
from camroll.moments.home import Home, find_home
from camroll.moments.timeline import Shot, load_shots, person_names
from camroll.progress import Reporter
from camroll.store import people


@dataclass
class Snapshot:
    shots: list[Shot]
    """Current photos with a trusted time, in time order."""
    home: Home | None
    names: dict[int, str]
    """Shown names of the people not ignored."""
    birthdays: dict[int, date]
    """Birth dates of the people not ignored who have one."""

    @classmethod
    def load(cls, ctx: AppContext, reporter: Reporter | None = None) -> Snapshot:
        shots = load_shots(ctx)
        birthdays: dict[int, date] = {}
        for person_id, birthday in people.birthdays(ctx.db):
            try:
                birthdays[person_id] = date.fromisoformat(birthday)
            except ValueError:
                continue
        return cls(shots, find_home(ctx, reporter), person_names(ctx), birthdays)

    def given_name(self, person_id: int) -> str | None:
        """The name the person was given, or None (``names`` holds ``person <id>`` for an unnamed
        person, which is a catalog id and never shown as a name)."""
        name = self.names.get(person_id)
        return None if not name or name == f"person {person_id}" else name

    def names_of(self, person_ids: list[int]) -> list[str]:
        return [self.names.get(pid, f"person {pid}") for pid in person_ids]
