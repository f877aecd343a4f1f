"""Titles a person would write: "Saturday in Lisbon", "Christmas 2023 at home", "Ana's birthday 2024".

A title says the one thing that makes the moment recognisable: whose birthday it was, which
holiday, else the day of the week and where. The place is the town the ``places`` capability
named (none without that consent); "at home" when the photos were taken at home. Without a place
the date is spelt out ("Saturday, 14 June 2025"), since a bare weekday names nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

FIXED_HOLIDAYS: dict[tuple[int, int], str] = {
    (1, 1): "New Year's Day",
    (2, 14): "Valentine's Day",
    (10, 31): "Halloween",
    (12, 24): "Christmas Eve",
    (12, 25): "Christmas",
    (12, 31): "New Year's Eve",
}
"""Holidays on the same date every year, by (month, day)."""


def easter(year: int) -> date:
    """Western Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday) // 451
    month, day = divmod(h + weekday - 7 * m + 114, 31)
    return date(year, month, day + 1)


def holiday(day: date) -> str | None:
    if day == easter(day.year):
        return "Easter"
    return FIXED_HOLIDAYS.get((day.month, day.day))


def birthday_in(born: date, year: int) -> date:
    """The day a birthday falls on in ``year`` (29 February is kept on 28 February otherwise)."""
    try:
        return born.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def day_span(first: date, last: date) -> str:
    """``14 June 2025``, ``14–16 June 2025``, ``30 June – 2 July 2025``, ``30 December 2024 – 2 January 2025``."""
    year = f" {last.year}"
    if first == last:
        return f"{first.day} {first:%B}{year}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {last:%B}{year}"
    if first.year == last.year:
        return f"{first.day} {first:%B} – {last.day} {last:%B}{year}"
    return f"{long_date(first)} – {long_date(last)}"


def month_span(first: date, last: date) -> str:
    """``June 2025``, ``June–July 2025``, ``December 2024 – January 2025``."""
    if (first.year, first.month) == (last.year, last.month):
        return f"{first:%B %Y}"
    if first.year == last.year:
        return f"{first:%B}–{last:%B %Y}"
    return f"{first:%B %Y} – {last:%B %Y}"


def where(place: str | None, at_home: bool) -> str:
    """`` at home``, `` in Lisbon`` or nothing."""
    if at_home:
        return " at home"
    return f" in {place}" if place else ""


def event_title(
    first: date, last: date, place: str | None, at_home: bool, birthday_of: tuple[str, date] | None = None
) -> str:
    """The title of an event spanning the days ``first``..``last``; ``birthday_of`` is the name
    and day of a person whose birthday it is (and who is in the photos)."""
    if birthday_of:
        return f"{possessive(birthday_of[0])} birthday {birthday_of[1].year}"
    suffix = where(place, at_home)
    for day in _days(first, last):
        name = holiday(day)
        if name:
            return f"{name} {day.year}{suffix}"
    if first == last:
        return f"{first:%A}{suffix}" if suffix else f"{first:%A}, {long_date(first)}"
    if first.weekday() == 5 and (last - first).days == 1:
        return f"Weekend{suffix}" if suffix else f"Weekend of {long_date(first)}"
    return f"{day_span(first, last)}{suffix}"


def possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def join_words(words: list[str]) -> str:
    """``Lisbon``, ``Lisbon and Porto``, ``Lisbon, Porto and Faro``."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
