"""Stacks: the copies of one shot shown as one item, with the best copy on top (issue 14).

A stack is a set of photos joined by any of three ties, transitively:

- **a pair**: a RAW file and a JPEG or HEIC of the same name (stem, any case) in the same folder,
  taken at most ``STACK_PAIR_SECONDS`` apart: what a camera set to RAW+JPEG writes. A HEIC and a
  JPEG of the same name pair too (a phone's photo and its JPEG export).
- **a burst**: at least ``BURST_MIN_PHOTOS`` photos from one camera (make, model and serial), each
  taken at most ``BURST_GAP_SECONDS`` after the previous one from that camera. Only times read
  from the file count (a file's modification time is when it was copied, not taken). The scan
  reads no burst identifier (Apple keeps one in its maker notes, which camroll does not parse),
  so bursts are found by time alone.
- **near duplicates**: a group of the duplicates analysis (``analysis/duplicates.py``), present
  only while its consent is.

The top is a favourite first, else the highest quality score (present only under the quality
consent), else the JPEG of a RAW pair (a RAW shows flat and few viewers read it), else the one
with the most pixels, then bytes.

**Computed, not stored.** A stack is found each time it is asked for, so it follows the library
(a deleted photo leaves, a new burst frame joins, a revoked analysis takes its ties with it) and
nothing derived is kept to purge. The library is read once in time order through a cursor:
pairs need the photos of the last ``STACK_PAIR_SECONDS`` and bursts the current run of each
camera (at most ``BURST_MIN_PHOTOS`` photos each), so memory grows with the number of stacked
photos, never with the library. Only a person's "keep all" is stored (``store/stacks.py``).

**Review** (:func:`resolve`): keep the best (the others go to the trash, ``library/trash.py``,
restorable for TRASH_KEEP_DAYS days: never unlinked), keep all (remembered, not offered again),
or keep the ones a person picked and trash the rest.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from camroll import thresholds
from camroll.config import AppContext
from camroll.library import trash
from camroll.privacy import audit
from camroll.progress import Reporter, Silent
from camroll.store import stacks as store
from camroll.store.db import Row

RAW_FORMATS = frozenset({"dng", "cr2", "cr3", "nef", "arw", "srw", "orf", "rw2", "raf", "pef"})
"""The content formats ``library/formats.py`` names for camera RAW files."""

_FAMILY_ORDER = ("raw", "heic", "jpeg")
_LABEL = {"raw": "RAW", "heic": "HEIC", "jpeg": "JPEG"}
UNTRUSTED_TIME_SOURCES = ("file-mtime",)
"""Time sources that say when a file was written, not taken: such photos join no burst."""


def family(fmt: str) -> str | None:
    """``raw``, ``heic`` or ``jpeg``: the kinds of file a pair is made of (None: any other)."""
    if fmt in RAW_FORMATS:
        return "raw"
    return fmt if fmt in ("heic", "jpeg") else None


def _stem(path: str) -> tuple[str, str]:
    """(folder, name without extension, any case): what a RAW and its JPEG share."""
    folder, base = os.path.split(path)
    return folder, os.path.splitext(base)[0].lower()


@dataclass(eq=False)
class Member:
    """One photo of a stack, with what choosing the top and describing the stack need."""

    id: int
    path: str
    format: str
    size: int
    pixels: int
    score: float | None
    favourite: bool
    taken_local: str | None
    taken: datetime | None
    ties: set[str] = field(default_factory=set)
    """``pair``, ``burst``, ``near``: what this photo is stacked by."""
    kept: bool = False
    """A person kept its stack whole ("keep all") with this photo in it."""

    @classmethod
    def of(cls, row: Row) -> Member:
        return cls(
            id=int(row["id"]),
            path=str(row["path"]),
            format=str(row["format"]),
            size=int(row["size"]),
            pixels=int(row["width"] or 0) * int(row["height"] or 0),
            score=None if row["score"] is None else float(row["score"]),
            favourite=bool(row["favourite"]),
            taken_local=row["taken_local"],
            taken=parse_time(row["taken_local"]),
        )

    @property
    def name(self) -> str:
        return os.path.basename(self.path)


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is None else parsed.replace(tzinfo=None)


@dataclass
class Stack:
    id: int
    """The smallest photo id in it: stable while that photo stays (what ``stacks resolve`` takes)."""
    members: list[Member]
    """The top first, then the others in the order they would take its place."""

    @property
    def top(self) -> Member:
        return self.members[0]

    @property
    def kept(self) -> bool:
        """Kept whole by a person, and no photo joined since: not offered for review."""
        return all(m.kept for m in self.members)

    @property
    def ties(self) -> set[str]:
        return set().union(*(m.ties for m in self.members))

    def reasons(self) -> list[str]:
        """Why these photos are one stack, in words: "RAW + JPEG", "burst of 7 in 3 s"..."""
        out = []
        paired = {family(m.format) for m in self.members if "pair" in m.ties} - {None}
        if len(paired) >= 2:
            out.append(" + ".join(_LABEL[f] for f in _FAMILY_ORDER if f in paired))
        burst = [m.taken for m in self.members if "burst" in m.ties and m.taken is not None]
        if burst:
            span = (max(burst) - min(burst)).total_seconds()
            took = f"{span:.0f} s" if span >= 10 else f"{span:.1f}".removesuffix(".0") + " s"
            out.append(f"burst of {len(set(burst))} in {took}")  # shots: a RAW+JPEG pair is one
        if any("near" in m.ties for m in self.members):
            out.append("near duplicates")
        return out

    @property
    def reason(self) -> str:
        return " · ".join(self.reasons())


def rank(members: list[Member]) -> list[Member]:
    """Best first: a favourite, then the highest quality score, then (in a RAW pair) the JPEG or
    HEIC over the RAW, then the most pixels, then the most bytes; the smallest id breaks a tie."""
    paired = any("pair" in m.ties for m in members)
    return sorted(
        members,
        key=lambda m: (
            not m.favourite,
            -(m.score if m.score is not None else -1.0),
            paired and m.format in RAW_FORMATS,
            -m.pixels,
            -m.size,
            m.id,
        ),
    )


class _Ties:
    """Union-find over the photos that are tied to another one (only those are held)."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}
        self.facts: dict[int, Member] = {}
        self.ties: dict[int, set[str]] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def tie(self, a: int, b: int, kind: str) -> None:
        self.ties.setdefault(a, set()).add(kind)
        self.ties.setdefault(b, set()).add(kind)
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def member(self, row: Row) -> Member:
        """The photo of ``row`` as a member (the one already held, if it is)."""
        return self.facts.get(row["id"]) or Member.of(row)

    def tie_members(self, a: Member, b: Member, kind: str) -> None:
        self.facts.setdefault(a.id, a)
        self.facts.setdefault(b.id, b)
        self.tie(a.id, b.id, kind)


@dataclass
class _Run:
    """The current burst candidate of one camera."""

    last: datetime
    pending: list[Row]
    """Its photos until it has BURST_MIN_PHOTOS shots (then they are tied, and later ones tie on)."""
    shots: int = 1
    """Distinct times in it: a RAW and its JPEG taken at one instant are one shot, not two."""
    anchor: Member | None = None


def find_stacks(ctx: AppContext, reporter: Reporter | None = None) -> list[Stack]:
    """Every stack of the library, newest top first (see the module's docstring for how)."""
    rep = reporter or Silent()
    found = _Ties()
    group, first = None, 0
    for gid, pid in store.near_duplicate_groups(ctx.db):
        if gid != group:
            group, first = gid, pid
        else:
            found.tie(first, pid, "near")
    rep.start("Finding stacks", store.count_dated(ctx.db))
    # Pairs: the RAW, HEIC and JPEG photos of the last STACK_PAIR_SECONDS, and how many of each
    # kind; names are compared only when two kinds meet (never in a library of JPEGs alone).
    window: deque[tuple[datetime, Row]] = deque()
    kinds = {"raw": 0, "heic": 0, "jpeg": 0}
    runs: dict[tuple[str, str, str], _Run] = {}
    pair_gap = timedelta(seconds=thresholds.STACK_PAIR_SECONDS)
    burst_gap = timedelta(seconds=thresholds.BURST_GAP_SECONDS)
    for row in store.stream_in_time_order(ctx.db):
        rep.advance()
        taken = parse_time(row["taken_local"])
        if row["path"] is None or taken is None:
            continue
        if row["id"] in found.parent and row["id"] not in found.facts:
            found.facts[row["id"]] = Member.of(row)
        while window and window[0][0] < taken - pair_gap:
            kinds[str(family(window.popleft()[1]["format"]))] -= 1
        fam = family(row["format"])
        if fam is not None:
            if len(window) > kinds[fam]:  # a photo of another kind is in the window
                key = _stem(row["path"])
                for _t, other in window:
                    if family(other["format"]) != fam and _stem(other["path"]) == key:
                        found.tie_members(found.member(other), found.member(row), "pair")
            window.append((taken, row))
            kinds[fam] += 1
        # Bursts: the current run of this photo's camera.
        if not (row["make"] or row["model"]) or row["taken_at_source"] in UNTRUSTED_TIME_SOURCES:
            continue
        camera = (row["make"] or "", row["model"] or "", row["serial"] or "")
        run = runs.get(camera)
        if run is None or taken - run.last > burst_gap:
            runs[camera] = _Run(taken, [row])
            continue
        run.shots += taken != run.last
        run.last = taken
        if run.anchor is not None:
            found.tie_members(run.anchor, found.member(row), "burst")
            continue
        run.pending.append(row)
        if run.shots >= thresholds.BURST_MIN_PHOTOS:
            run.anchor = found.member(run.pending[0])
            for other in run.pending[1:]:
                found.tie_members(run.anchor, found.member(other), "burst")
            run.pending = []
    return _assemble(ctx, found)


def _assemble(ctx: AppContext, found: _Ties) -> list[Stack]:
    missing = [pid for pid in found.parent if pid not in found.facts]
    for row in store.photos_by_id(ctx.db, missing):
        if row["path"] is not None:
            found.facts[int(row["id"])] = Member.of(row)
    kept = store.kept_among(ctx.db, found.facts)
    groups: dict[int, list[Member]] = {}
    for pid, m in found.facts.items():
        m.ties = found.ties.get(pid, set())
        m.kept = pid in kept
        groups.setdefault(found.find(pid), []).append(m)
    stacks = [Stack(min(m.id for m in ms), rank(ms)) for ms in groups.values() if len(ms) >= 2]
    stacks.sort(key=lambda s: (s.top.taken_local or "", s.id), reverse=True)
    return stacks


def stack_of(stacks: Iterable[Stack], photo_id: int) -> Stack | None:
    """The stack with this number, or the one this photo is in."""
    for s in stacks:
        if s.id == photo_id or any(m.id == photo_id for m in s.members):
            return s
    return None


@dataclass
class TimelineView:
    """What the timeline needs: the photos under another's top, and each top's stack."""

    hidden: frozenset[int]
    tops: dict[int, tuple[int, int]]
    """Top photo id -> (stack id, photos in the stack)."""
    hidden_by_month: dict[str | None, int] = field(default_factory=dict)
    """``YYYY-MM`` (None: undated) -> how many of that month's photos are under a top: what the
    month's count leaves out (:meth:`month_counts`)."""

    def month_counts(self, counts: Iterable[tuple[str | None, int]]) -> list[tuple[str | None, int]]:
        """Each month's count as the timeline shows it: ``counts`` (every photo shown, as
        ``store.photos.month_counts`` counts them, a stack's members each) less the photos under
        a top, so a stack counts once, in its top's month. Read from the stacks already found,
        not from another pass over the library. A month whose every photo is under a top in
        another month shows nothing, so it goes (a month never goes below nothing, should the
        library change between the two readings)."""
        out = []
        for month, n in counts:
            shown = n - self.hidden_by_month.get(month, 0)
            if shown > 0:
                out.append((month, shown))
        return out


def timeline_view(stacks: Iterable[Stack]) -> TimelineView:
    hidden: set[int] = set()
    tops: dict[int, tuple[int, int]] = {}
    by_month: dict[str | None, int] = {}
    for s in stacks:
        tops[s.top.id] = (s.id, len(s.members))
        for m in s.members[1:]:
            hidden.add(m.id)
            month = None if m.taken_local is None else m.taken_local[:7]  # as the month index cuts it
            by_month[month] = by_month.get(month, 0) + 1
    return TimelineView(frozenset(hidden), tops, by_month)


@dataclass
class Resolution:
    kept: list[int]
    trashed: list[int]
    """Photos moved to the trash (restorable)."""
    refused: list[tuple[str, str]]
    remembered: int
    """Photos newly marked as kept with their stack."""


def resolve(
    ctx: AppContext,
    stack: Stack,
    keep: Collection[int],
    seen: Collection[int] | None = None,
    reporter: Reporter | None = None,
) -> Resolution:
    """Keep ``keep`` (photos of ``stack``) and move the others to the trash. Keeping every photo
    is "keep all": remembered, so the stack is not offered again; when two or more are kept of a
    larger stack, those are remembered as kept together too. ``seen``: the photos the person was
    shown (a web page); a photo that joined the stack since is neither trashed nor remembered."""
    ids = [m.id for m in stack.members]
    if seen is not None:
        ids = [i for i in ids if i in seen]
    keep = [i for i in ids if i in keep]
    if not keep:
        raise ValueError("keep at least one photo of the stack")
    doomed = [i for i in ids if i not in keep]
    trashed: list[int] = []
    refused: list[tuple[str, str]] = []
    if doomed:
        report = trash.delete_photos(ctx, doomed, reporter)
        trashed, refused = report.deleted, report.refused
    remembered = 0
    if len(keep) >= 2:
        remembered = store.mark_kept(ctx.db, keep)
        audit.record(ctx, "curation.stack_kept", photos=len(keep))
    return Resolution(keep, trashed, refused, remembered)


def best_only(stack: Stack) -> list[int]:
    return [stack.top.id]


def everything(stack: Stack) -> list[int]:
    return [m.id for m in stack.members]


def offered(stacks: Sequence[Stack]) -> list[Stack]:
    """The stacks a review shows: every one not kept whole by a person."""
    return [s for s in stacks if not s.kept]
