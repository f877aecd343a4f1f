"""Albums: a person's own lists of photos, and saved searches that follow the library (issue 14).

A **manual** album lists the photos the person put in it, in that order. A **smart** album is a
saved search: it stores the query and nothing else, and its photos are the search's, found again
each time it is read. So a new photo that matches is in it at once, a photo that no longer
matches (an edit, a revoked consent) has left it, and no membership is stored that could outlive
what the person allowed. That is why this module sits in the search layer: a smart album runs
:func:`camroll.search.engine.search`, and layers point down. Albums a cloud export named (Google
Takeout, Meta, Apple) are shown beside them, read-only; :func:`copy_imported` makes one an album
of the person's own.

**Names** are the person's words and are shown in a terminal and in web pages: one is refused when
it is empty, longer than ``ALBUM_NAME_MAX_CHARS``, or holds a control character (a newline, an
escape sequence that would repaint a terminal, a bidirectional override that would show a
different name than the one stored). Names are unique whatever their case.

**Audit.** Every change is recorded as ``album.*`` with the album's id, its kind and the photo ids
(as ``curation.*`` records photo ids), never its name or query: the audit log can never be edited,
and ``camroll forget`` must be able to delete what a person called their albums and searched for
("Ana's hospital stay").

**What deletes an album.** Albums are the person's own curation, not derived from the pixels, so a
revoke leaves them (like hand corrections of people, ``face_edits``); a removed or deleted photo
leaves every album (the tables cascade), and deleting an album never deletes a photo. ``camroll
forget`` deletes every album: it promises that camroll keeps nothing about the photos, and unlike
the trash (the person's original files) or edits (also written to XMP sidecars beside the photos,
files of the person's own), albums live only in camroll's database; with the catalog gone, their
names and queries would be all that was left, and they describe the library. ``camroll export``
writes them first, for a person who wants to keep them.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from dataclasses import dataclass

from camroll import thresholds
from camroll.config import AppContext
from camroll.errors import NotFoundError, RequestError
from camroll.privacy import audit
from camroll.store import albums as store
from camroll.store.albums import Album, ImportedAlbum

SERVICES = {"takeout": "Google Takeout", "meta": "Facebook/Instagram", "apple": "Apple Photos"}
"""The services an imported album can come from, in a person's words."""

_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean_name(name: str) -> str:
    """The name as stored: surrounding spaces trimmed; RequestError, in words, when it is refused."""
    name = unicodedata.normalize("NFC", name.strip())
    if not name:
        raise RequestError("An album needs a name.")
    if len(name) > thresholds.ALBUM_NAME_MAX_CHARS:
        raise RequestError(
            f"That name is {len(name)} characters long; an album's name can have at most "
            f"{thresholds.ALBUM_NAME_MAX_CHARS}."
        )
    if any(unicodedata.category(c) == "Cc" or c in _BIDI_CONTROLS for c in name):
        raise RequestError("An album's name cannot hold control characters (line breaks, tabs, escapes).")
    return name


def clean_query(query: str) -> str:
    query = " ".join(query.split())
    if not query:
        raise RequestError("A smart album needs a search, for example: Ana at the beach.")
    if len(query) > thresholds.ALBUM_NAME_MAX_CHARS * 2 or any(unicodedata.category(c) == "Cc" for c in query):
        raise RequestError("That search is too long or holds control characters.")
    return query


def _taken(name: str) -> RequestError:
    return RequestError(f"There is already an album called {name!r} (names are the same whatever their case).")


def create(ctx: AppContext, name: str, query: str | None = None) -> Album:
    """A new album: smart when ``query`` is given (a saved search), else manual and empty."""
    name = clean_name(name)
    query = clean_query(query) if query is not None else None
    kind = "smart" if query is not None else "manual"
    try:
        album_id = store.create(ctx.db, name, kind, query)
    except sqlite3.IntegrityError:
        raise _taken(name) from None
    audit.record(ctx, "album.create", album=album_id, album_kind=kind)
    found = store.by_id(ctx.db, album_id)
    assert found is not None
    return found


def get(ctx: AppContext, name: str) -> Album:
    found = store.by_name(ctx.db, name.strip())
    if found is None:
        raise NotFoundError(f"There is no album called {name!r} (see `camroll album list`).")
    return found


def by_id(ctx: AppContext, album_id: int) -> Album:
    found = store.by_id(ctx.db, album_id)
    if found is None:
        raise NotFoundError("There is no such album (any more).")
    return found


def _manual(album: Album) -> None:
    if album.kind != "manual":
        raise RequestError(
            f"{album.name!r} is a smart album: its photos are those its search finds ({album.query!r}). "
            "Make a manual album to choose photos one by one."
        )


def add(ctx: AppContext, album: Album, photo_ids: list[int]) -> list[int]:
    """Add photos to a manual album; return those that were not in it yet."""
    _manual(album)
    added = store.add(ctx.db, album.id, photo_ids)
    if added:
        audit.record(ctx, "album.add", album=album.id, photos=added)
    return added


def remove(ctx: AppContext, album: Album, photo_ids: list[int]) -> list[int]:
    """Take photos out of a manual album (the photos stay in the library); return those that were in it."""
    _manual(album)
    removed = store.remove(ctx.db, album.id, photo_ids)
    if removed:
        audit.record(ctx, "album.remove", album=album.id, photos=removed)
    return removed


def rename(ctx: AppContext, album: Album, new: str) -> Album:
    new = clean_name(new)
    try:
        store.rename(ctx.db, album.id, new)
    except sqlite3.IntegrityError:
        raise _taken(new) from None
    audit.record(ctx, "album.rename", album=album.id)
    return by_id(ctx, album.id)


def delete(ctx: AppContext, album: Album) -> int:
    """Delete the album (never its photos); return how many photos it listed."""
    n = store.delete(ctx.db, album.id)
    audit.record(ctx, "album.delete", album=album.id, album_kind=album.kind, photos_listed=n)
    return n


def set_cover(ctx: AppContext, album: Album, photo_id: int) -> None:
    store.set_cover(ctx.db, album.id, photo_id)
    audit.record(ctx, "album.cover", album=album.id, photos=[photo_id])


@dataclass
class Page:
    """One page of an album's photos."""

    photo_ids: list[int]
    total: int
    """Every photo in it (a smart album: every photo its search finds, also past the cap)."""
    page: int
    """From 1."""
    pages: int
    capped: bool = False
    """A smart album found more than ``ALBUM_SMART_MAX`` photos: only the best are shown."""


def page_of(ctx: AppContext, album: Album, page: int = 1, size: int = thresholds.ALBUM_PAGE) -> Page:
    """Photos ``(page - 1) * size`` on. A smart album runs its search now, ranked as the search
    box ranks it, so it always shows the library as it is."""
    page = max(1, page)
    offset = (page - 1) * size
    if album.kind == "manual":
        total = store.count(ctx.db, album.id)
        ids = store.members(ctx.db, album.id, offset, size)
        return Page(ids, total, page, max(1, -(-total // size)))
    assert album.query is not None
    from camroll.search.engine import search  # loads the query reader and the vocabulary

    reach = min(offset + size, thresholds.ALBUM_SMART_MAX)
    result = search(ctx, album.query, limit=max(reach, 1))
    shown = min(result.total, thresholds.ALBUM_SMART_MAX)
    ids = [h.photo_id for h in result.hits[offset:reach]] if offset < reach else []
    return Page(ids, result.total, page, max(1, -(-shown // size)), capped=result.total > shown)


def cover_of(ctx: AppContext, album: Album) -> int | None:
    """The photo shown for the album: the one chosen, else the first (a smart album: its best match)."""
    if album.cover_id is not None:
        return album.cover_id
    if album.kind == "manual":
        return album.first_id if album.first_id is not None else next(iter(store.members(ctx.db, album.id, 0, 1)), None)
    first = page_of(ctx, album).photo_ids
    return first[0] if first else None


@dataclass
class Listed:
    """An album as a list shows it: its cover and how many photos it has."""

    album: Album
    cover: int | None
    count: int


def listing(ctx: AppContext) -> list[Listed]:
    """Every album of the person's, by name; a smart album's count and cover come from running
    its search (one search each, with a page of results)."""
    out: list[Listed] = []
    for album in store.listing(ctx.db):
        if album.kind == "manual":
            out.append(Listed(album, album.cover_id or album.first_id, album.count or 0))
        else:
            first = page_of(ctx, album)
            cover = album.cover_id or (first.photo_ids[0] if first.photo_ids else None)
            out.append(Listed(album, cover, first.total))
    return out


def imported(ctx: AppContext) -> list[ImportedAlbum]:
    return store.imported(ctx.db)


def imported_album(ctx: AppContext, service: str, name: str) -> ImportedAlbum:
    for found in store.imported(ctx.db):
        if found.service == service and found.name == name:
            return found
    raise NotFoundError("No cloud export you imported named that album.")


def imported_page(ctx: AppContext, found: ImportedAlbum, page: int = 1) -> Page:
    size = thresholds.ALBUM_PAGE
    page = max(1, page)
    ids = store.imported_members(ctx.db, found.service, found.name, (page - 1) * size, size)
    return Page(ids, found.count, page, max(1, -(-found.count // size)))


def copy_imported(ctx: AppContext, found: ImportedAlbum, name: str | None = None) -> Album:
    """A manual album of the person's own with the photos of an imported one (oldest first); the
    imported album itself stays as the export had it."""
    album = create(ctx, name or found.name)
    ids = store.imported_members(ctx.db, found.service, found.name, 0, found.count)
    add(ctx, album, ids)
    return by_id(ctx, album.id)
