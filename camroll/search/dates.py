"""Dates in a person's words: "2023", "June 2023", "2023-06", "last summer", "yesterday", "christmas 2023".

Pure functions over query words, relative to a ``today`` the caller passes (tests fix it; the
engine uses the local date). A phrase becomes a :class:`DateRange` on the photo's *local*
wall-clock time (``photos.taken_local``): "yesterday" means the day shown on the camera's clock
where the photo was taken, which is what a person remembers.

Words without a year ("june", "christmas", "summer") mean that period in *every* year, the way
people search an archive ("christmas" finds every Christmas); "last"/"this" pick one.
Seasons are the northern hemisphere's meteorological ones (summer = June to August): a known
limit for people in the south, written down in docs/search.md.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from camroll.store.search import taken_in, taken_on_days

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
MONTHS["sept"] = 9

SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11), "winter": (12, 2)}
"""First and last month of each meteorological season (northern hemisphere)."""

HOLIDAYS = {
    "christmas": ((12, 24), (12, 26)),
    "xmas": ((12, 24), (12, 26)),
    "new year's eve": ((12, 31), (12, 31)),
    "nye": ((12, 31), (12, 31)),
    "new year": ((1, 1), (1, 1)),
    "new year's day": ((1, 1), (1, 1)),
    "halloween": ((10, 31), (10, 31)),
    "valentine's day": ((2, 14), (2, 14)),
    "valentine's": ((2, 14), (2, 14)),
    "valentines": ((2, 14), (2, 14)),
}
"""Fixed-date holidays (first and last month-day, inclusive). Moving feasts (Easter) are not guessed."""

DATE_WORDS = frozenset(
    {*MONTHS, *SEASONS, *(w for name in HOLIDAYS for w in name.split()), "last", "this", "past", "ago", "today"}
    | {"yesterday", "day", "days", "week", "weeks", "weekend", "month", "months", "year", "years", "until"}
)
"""Words that take part in a date phrase (never corrected as typos)."""

YEAR = re.compile(r"^(19[0-9]{2}|20[0-9]{2}|2100)$")
YEAR_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
DECADE = re.compile(r"^(19|20)(\d)0'?s$")


@dataclass(frozen=True)
class DateRange:
    """A period of local time: ``first`` to ``last``, both inclusive, ISO dates (``YYYY-MM-DD``);
    or, when ``every_year``, month-days (``MM-DD``) matched in any year (``12-01`` to ``02-28``
    wraps around the new year)."""

    label: str
    first: str
    last: str
    every_year: bool = False
    yearly: str | None = None
    """For "last christmas", "this summer", "last june": the yearly period named (a holiday, season
    or month), so an earlier year's can stand in when this one has no photos (:func:`in_year`)."""


def _span(label: str, first: date, last: date) -> DateRange:
    return DateRange(label, first.isoformat(), last.isoformat())


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _season(label: str, name: str, year: int | None) -> DateRange:
    """A season; with a year, winter YEAR is December YEAR to February YEAR+1."""
    start, end = SEASONS[name]
    if year is None:
        last_day = 29 if end == 2 else calendar.monthrange(2001, end)[1]
        return DateRange(label, f"{start:02d}-01", f"{end:02d}-{last_day:02d}", every_year=True)
    end_year = year + 1 if end < start else year
    return _span(label, date(year, start, 1), _month_end(end_year, end))


def _season_year(name: str, today: date, which: str) -> int:
    """The (starting) year of "this"/"last" SEASON: "this" is the latest one that has begun by
    today, "last" the latest one that has ended before today (in July, "last summer" is a year ago)."""
    for year in (today.year, today.year - 1, today.year - 2):
        season = _season("", name, year)
        if which == "this" and season.first <= today.isoformat():
            return year
        if which == "last" and season.last < today.isoformat():
            return year
    return today.year - 2


def _holiday(label: str, name: str, year: int | None) -> DateRange:
    (m1, d1), (m2, d2) = HOLIDAYS[name]
    if year is None:
        return DateRange(label, f"{m1:02d}-{d1:02d}", f"{m2:02d}-{d2:02d}", every_year=True)
    return _span(label, date(year, m1, d1), date(year, m2, d2))


def _year(word: str) -> int | None:
    w = word.lstrip("'")
    return int(w) if YEAR.match(w) else None


def _one_word(word: str, today: date) -> DateRange | None:
    """A date said in one word (after the multi-word phrases were tried)."""
    if word == "today":
        return _span(word, today, today)
    if word == "yesterday":
        day = today - timedelta(days=1)
        return _span(word, day, day)
    if (y := _year(word)) is not None:
        return _span(word, date(y, 1, 1), date(y, 12, 31))
    if m := YEAR_MONTH.match(word):
        y, mo = int(m[1]), int(m[2])
        return _span(word, date(y, mo, 1), _month_end(y, mo)) if 1 <= mo <= 12 else None
    if m := ISO_DAY.match(word):
        try:
            day = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
        return _span(word, day, day)
    if m := DECADE.match(word):
        start = int(m[1] + m[2] + "0")
        return _span(word, date(start, 1, 1), date(start + 9, 12, 31))
    if (word in MONTHS and len(word) > 3) or word in ("jan", "feb", "aug", "sept", "oct", "nov", "dec"):
        mo = MONTHS[word]
        return DateRange(
            word, f"{mo:02d}-01", f"{mo:02d}-{29 if mo == 2 else calendar.monthrange(2001, mo)[1]:02d}", every_year=True
        )
    if word in SEASONS:
        return _season(word, word, None)
    if word in HOLIDAYS:
        return _holiday(word, word, None)
    return None


def _relative(which: str, unit: str, today: date) -> DateRange | None:
    """this/last week, month, year, weekend; this/last SEASON, this/last MONTH-NAME."""
    label = f"{which} {unit}"
    back = which == "last"
    if unit == "year":
        y = today.year - back
        return _span(label, date(y, 1, 1), date(y, 12, 31))
    if unit == "month":
        y, mo = (
            (today.year, today.month)
            if not back
            else ((today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1))
        )
        return _span(label, date(y, mo, 1), _month_end(y, mo))
    if unit == "week":  # weeks start on Monday (ISO 8601)
        monday = today - timedelta(days=today.weekday() + 7 * back)
        return _span(label, monday, monday + timedelta(days=6))
    if unit == "weekend":  # "this weekend": of this week; "last weekend": the latest one over before today
        saturday = today - timedelta(days=today.weekday()) + timedelta(days=5)
        if back:  # on a weekday this week's weekend is still ahead; on a weekend it is this one
            saturday -= timedelta(days=7)
        return _span(label, saturday, saturday + timedelta(days=1))
    if unit in SEASONS:
        return _season(label, unit, _season_year(unit, today, which))
    if unit in MONTHS:
        mo = MONTHS[unit]
        y = today.year if (mo <= today.month if which == "this" else mo < today.month) else today.year - 1
        return _span(label, date(y, mo, 1), _month_end(y, mo))
    if unit in HOLIDAYS:
        (m1, d1), _ = HOLIDAYS[unit]
        start = date(today.year, m1, d1)
        y = today.year if (start <= today if which == "this" else start < today) else today.year - 1
        return _holiday(label, unit, y)
    return None


def _holiday_at(words: list[str], i: int) -> tuple[str, int] | None:
    """The longest holiday name starting at words[i]: (name, words used)."""
    for n in (3, 2, 1):
        name = " ".join(words[i : i + n])
        if len(words) - i >= n and name in HOLIDAYS:
            return name, n
    return None


def parse_date_at(words: list[str], i: int, today: date) -> tuple[DateRange, int] | None:
    """The date phrase starting at ``words[i]`` (lower-case words), and how many words it used.

    Tries the longest forms first: "N days/weeks/months/years ago", "last summer", "christmas 2023",
    "june 2023", "summer 2022", "2019-2021", then a single word.
    """
    w = words[i]
    nxt = words[i + 1] if i + 1 < len(words) else None
    nxt2 = words[i + 2] if i + 2 < len(words) else None
    if w.isdigit() and nxt in ("day", "days", "week", "weeks", "month", "months", "year", "years") and nxt2 == "ago":
        n = int(w)
        if n <= 200:  # a sanity bound on "N units ago", not a tunable: past it the words are not a date
            return _ago(f"{w} {nxt} ago", n, nxt.rstrip("s"), today), 3
    if w in ("last", "this", "past") and nxt is not None:
        which = "last" if w in ("last", "past") else "this"
        hol = _holiday_at(words, i + 1)
        unit, used = (hol[0], 1 + hol[1]) if hol else (nxt, 2)
        found = _relative(which, unit, today)
        if found is not None:
            yearly = unit if unit in HOLIDAYS or unit in SEASONS or unit in MONTHS else None
            return DateRange(
                f"{w} {' '.join(words[i + 1 : i + used])}", found.first, found.last, found.every_year, yearly
            ), used
    hol = _holiday_at(words, i)
    if hol is not None:
        name, used = hol
        y = _year(words[i + used]) if i + used < len(words) else None
        if y is not None:
            return _holiday(" ".join(words[i : i + used + 1]), name, y), used + 1
        return _holiday(name, name, None), used
    if nxt is not None and (y := _year(nxt)) is not None:
        if w in MONTHS:
            mo = MONTHS[w]
            return _span(f"{w} {nxt}", date(y, mo, 1), _month_end(y, mo)), 2
        if w in SEASONS:
            return _season(f"{w} {nxt}", w, y), 2
    m = re.match(r"^(\d{4})[-–](\d{4})$", w)
    if m and _year(m[1]) and _year(m[2]) and int(m[1]) <= int(m[2]):
        return _span(w, date(int(m[1]), 1, 1), date(int(m[2]), 12, 31)), 1
    if _year(w) is not None and nxt in ("to", "-", "until") and nxt2 is not None and (y2 := _year(nxt2)) is not None:
        y1 = int(w)
        if y1 <= y2:
            return _span(f"{w} {nxt} {nxt2}", date(y1, 1, 1), date(y2, 12, 31)), 3
    one = _one_word(w, today)
    return (one, 1) if one is not None else None


def _ago(label: str, n: int, unit: str, today: date) -> DateRange:
    """ "3 days ago" is that day; "2 weeks ago" that week; "2 months ago" that month; "5 years ago" that year."""
    if unit == "day":
        day = today - timedelta(days=n)
        return _span(label, day, day)
    if unit == "week":
        monday = today - timedelta(days=today.weekday() + 7 * n)
        return _span(label, monday, monday + timedelta(days=6))
    if unit == "month":
        total = today.year * 12 + today.month - 1 - n
        y, mo = divmod(total, 12)
        return _span(label, date(y, mo + 1, 1), _month_end(y, mo + 1))
    y = today.year - n
    return _span(label, date(y, 1, 1), date(y, 12, 31))


def parse_dates(text: str, today: date) -> list[DateRange]:
    """Every date phrase in a text (for tests and quick checks): words are split on spaces."""
    words = [w for w in text.lower().replace(",", " ").split() if w]
    out, i = [], 0
    while i < len(words):
        found = parse_date_at(words, i, today)
        if found is None:
            i += 1
            continue
        out.append(found[0])
        i += found[1]
    return out


def sql_condition(dr: DateRange, column: str = "taken_local") -> tuple[str, list[str]]:
    """A WHERE fragment (and its parameters) true for photos taken in the range."""
    if not dr.every_year:
        return taken_in(dr.first, (date.fromisoformat(dr.last) + timedelta(days=1)).isoformat(), column)
    return taken_on_days(dr.first, dr.last, column)


def contains(dr: DateRange, taken_local: str | None) -> bool:
    """Whether a photo's local time falls in the range (the Python twin of :func:`sql_condition`)."""
    if not taken_local:
        return False
    if not dr.every_year:
        return dr.first <= taken_local[:10] <= dr.last
    md = taken_local[5:10]
    return dr.first <= md <= dr.last if dr.first <= dr.last else (md >= dr.first or md <= dr.last)


def yearly_in_any_year(dr: DateRange) -> DateRange | None:
    """The yearly period of a "last christmas"-like range, in every year (month-days), or None."""
    name = dr.yearly
    if name is None:
        return None
    if name in SEASONS:
        return _season(name, name, None)
    if name in HOLIDAYS:
        return _holiday(name, name, None)
    mo = MONTHS[name]
    last_day = 29 if mo == 2 else calendar.monthrange(2001, mo)[1]
    return DateRange(name, f"{mo:02d}-01", f"{mo:02d}-{last_day:02d}", every_year=True)


def in_year(dr: DateRange, taken_local: str) -> DateRange:
    """The occurrence of ``dr``'s yearly period that holds the local time ``taken_local`` (a winter's
    January belongs to the winter that began the December before), labelled with its year."""
    assert dr.yearly is not None
    y, month = int(taken_local[:4]), int(taken_local[5:7])
    name = dr.yearly
    if name in SEASONS:
        start, end = SEASONS[name]
        year = y - 1 if end < start and month <= end else y
        found = _season(f"{name} {year}", name, year)
    elif name in HOLIDAYS:
        (m1, _d1), (m2, _d2) = HOLIDAYS[name]
        year = y - 1 if m2 < m1 and month <= m2 else y
        found = _holiday(f"{name} {year}", name, year)
    else:
        mo = MONTHS[name]
        found = _span(f"{name} {y}", date(y, mo, 1), _month_end(y, mo))
    return DateRange(found.label, found.first, found.last, False, name)
