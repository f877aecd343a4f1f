"""What the exposure report is made of: the photos it reads and the findings it makes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class Photo:
    """One photo as the report reads it: a report holds every photo of the library at once (its
    places are clustered over all of them), so this is kept small: slots, and the strings that
    repeat (cameras, formats, places) shared (see ``exposure._photos``)."""

    id: int
    path: str | None
    taken: str | None
    lat: float | None
    lon: float | None
    make: str | None
    model: str | None
    serial: str | None
    format: str
    place: str | None

    @property
    def when(self) -> datetime | None:
        try:
            return datetime.fromisoformat(self.taken) if self.taken else None
        except ValueError:
            return None


@dataclass
class Finding:
    id: str
    title: str
    summary: str
    severity: str
    """``high`` (locates or identifies you), ``medium``, ``low``, ``none`` (nothing found)."""
    count: int
    photos: list[int]
    advice: list[str]
    sources: list[str]
    """The capabilities (or ``metadata``) whose data the finding comes from."""
    items: list[dict[str, Any]] = field(default_factory=list)
    """The places, people, devices... behind it, each with its own ``photos``."""
