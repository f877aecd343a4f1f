"""`camroll album list|create|add|remove|show|rename|delete|cover`: albums, manual and smart (issue 14).

A manual album lists the photos you put in it; a smart album (``create NAME --query "Q"``) is a
saved search whose photos are found again each time it is shown. Albums a cloud export named
(Takeout, Meta, Apple) are listed too, read-only; ``create NAME --from-import ALBUM`` copies one
into an album of your own. :mod:`camroll.search.albums` says what is audited and what deletes an
album. Names come from a person and are printed escaped (:func:`~camroll.cli.common.shown`).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from camroll.cli.common import HomeOption, JsonOption, app, ctx_for, fail, photo_id_of, print_json, shown
from camroll.config import AppContext
from camroll.errors import NotFoundError
from camroll.search import albums
from camroll.store.albums import Album, ImportedAlbum

album_app = typer.Typer(help="Albums: your own lists of photos, and saved searches (smart albums).")
app.add_typer(album_app, name="album")

NameArg = Annotated[str, typer.Argument(help="The album's name (quote it when it has spaces).")]
PhotosArg = Annotated[list[str], typer.Argument(help="Photos: ids, paths or hashes (see `camroll photos`).")]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _out() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _album_json(album: Album) -> dict[str, Any]:
    return {"id": album.id, "name": album.name, "kind": album.kind, "query": album.query, "cover": album.cover_id}


def _imported(ctx: AppContext, name: str) -> ImportedAlbum | None:
    """An imported album by its name, or ``service:name`` where two services used one name."""
    service, _, rest = name.partition(":")
    found = [a for a in albums.imported(ctx) if a.name == name or (a.service == service and a.name == rest)]
    if len(found) > 1:
        fail(f"{len(found)} cloud exports named an album “{name}”: say which, as SERVICE:NAME (takeout, meta, apple)")
    return found[0] if found else None


@album_app.command("list")
def list_cmd(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Your albums with their photo counts, then the albums your cloud exports named (read-only)."""
    ctx = ctx_for(home)
    own = albums.listing(ctx)
    imported = albums.imported(ctx)
    if as_json:
        print_json(
            [{**_album_json(a.album), "photos": a.count, "cover": a.cover} for a in own]
            + [
                {"name": a.name, "kind": "imported", "service": a.service, "photos": a.count, "cover": a.first_id}
                for a in imported
            ]
        )
        return
    out = _out()
    if not own and not imported:
        out.print('No albums yet. `camroll album create NAME` makes one; `--query "Q"` makes it a saved search.')
        return
    table = Table("name", "kind", "photos", "search")
    for a in own:
        table.add_row(shown(a.album.name), a.album.kind, str(a.count), shown(a.album.query or ""))
    for i in imported:
        table.add_row(shown(i.name), f"from {albums.SERVICES.get(i.service, i.service)}", str(i.count), "")
    out.print(table)
    smart = sum(1 for a in own if a.album.kind == "smart")
    out.print(
        f"{_plural(len(own), 'album')} of yours ({smart} smart: their photos are found again each time)"
        + (f", and {_plural(len(imported), 'album')} from cloud exports (read-only)" if imported else "")
        + "."
    )


@album_app.command("create")
def create_cmd(
    name: NameArg,
    query: Annotated[
        str | None, typer.Option("--query", help="Make it a smart album: this search, run each time it is shown.")
    ] = None,
    from_import: Annotated[
        str | None,
        typer.Option("--from-import", help="Copy the photos of an album a cloud export named (see `album list`)."),
    ] = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make an album: manual (add photos with `camroll album add`), or smart with --query."""
    ctx = ctx_for(home)
    if query is not None and from_import is not None:
        fail("an album is either a search (--query) or a copy of an imported album (--from-import), not both")
    if from_import is not None:
        source = _imported(ctx, from_import)
        if source is None:
            fail(f"no cloud export named an album “{from_import}” (see `camroll album list`)")
        album = albums.copy_imported(ctx, source, name)
    else:
        album = albums.create(ctx, name, query)
    count = albums.page_of(ctx, album).total
    if as_json:
        print_json({**_album_json(album), "photos": count})
        return
    what = (
        f"a smart album: the photos that `{shown(album.query or '')}` finds, {count} now"
        if album.kind == "smart"
        else f"an album with {_plural(count, 'photo')}"
    )
    _out().print(f"Made “{shown(album.name)}”, {what}.")


def _change(name: str, photos: list[str], home: Any, as_json: bool, adding: bool) -> None:
    ctx = ctx_for(home)
    album = albums.get(ctx, name)
    ids = list(dict.fromkeys(photo_id_of(ctx, p) for p in photos))
    changed = albums.add(ctx, album, ids) if adding else albums.remove(ctx, album, ids)
    if as_json:
        print_json({"album": _album_json(album), "photos": ids, "changed": changed})
        return
    total = albums.page_of(ctx, album).total
    verb, where = ("Added", "to") if adding else ("Took", "out of")
    was = "already there" if adding else "not in it"
    _out().print(
        f"{verb} {_plural(len(changed), 'photo')} {where} “{shown(album.name)}” ({len(ids) - len(changed)} {was}); "
        f"it has {_plural(total, 'photo')}." + ("" if adding else " The photos stay in your library.")
    )


@album_app.command("add")
def add_cmd(name: NameArg, photos: PhotosArg, home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Add photos to a manual album (at its end, in the order given)."""
    _change(name, photos, home, as_json, True)


@album_app.command("remove")
def remove_cmd(name: NameArg, photos: PhotosArg, home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Take photos out of a manual album; they stay in your library."""
    _change(name, photos, home, as_json, False)


@album_app.command("show")
def show_cmd(
    name: NameArg,
    page: Annotated[int, typer.Option("--page", min=1, help="Which page of photos (120 a page).")] = 1,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """An album's photos, a page at a time; a smart album runs its search now."""
    from camroll.store import photos as photo_rows

    ctx = ctx_for(home)
    own = None
    try:
        own = albums.get(ctx, name)
    except NotFoundError:
        source = _imported(ctx, name)
        if source is None:
            raise
    if own is not None:
        head: dict[str, Any] = _album_json(own)
        shown_page = albums.page_of(ctx, own, page)
    else:
        assert source is not None
        head = {"name": source.name, "kind": "imported", "service": source.service}
        shown_page = albums.imported_page(ctx, source, page)
    rows = []
    for pid in shown_page.photo_ids:
        row = photo_rows.live_source(ctx.db, pid)
        rows.append({"id": pid, "path": row["path"] if row is not None else None})
    if as_json:
        print_json(
            {
                "album": head,
                "page": shown_page.page,
                "pages": shown_page.pages,
                "total": shown_page.total,
                "capped": shown_page.capped,
                "photos": rows,
            }
        )
        return
    out = _out()
    table = Table("id", "file")
    for r in rows:
        table.add_row(str(r["id"]), shown(str(r["path"] or "")))
    if rows:
        out.print(table)
    kind = {"smart": f"smart album (search: {shown(str(head.get('query') or ''))})", "manual": "album"}.get(
        head["kind"], f"album from {albums.SERVICES.get(head.get('service', ''), 'a cloud export')} (read-only)"
    )
    out.print(
        f"“{shown(head['name'])}”, {kind}: {_plural(shown_page.total, 'photo')}; "
        f"page {shown_page.page} of {shown_page.pages}."
        + (" Only the best matches are shown; narrow the search to see the rest." if shown_page.capped else "")
    )


@album_app.command("rename")
def rename_cmd(
    old: Annotated[str, typer.Argument(help="The album's name now.")],
    new: Annotated[str, typer.Argument(help="Its new name.")],
    home: HomeOption = None,
) -> None:
    """Rename an album."""
    ctx = ctx_for(home)
    album = albums.rename(ctx, albums.get(ctx, old), new)
    _out().print(f"Renamed “{shown(old)}” to “{shown(album.name)}”.")


@album_app.command("delete")
def delete_cmd(name: NameArg, home: HomeOption = None) -> None:
    """Delete an album. Its photos stay in your library: only the album goes."""
    ctx = ctx_for(home)
    album = albums.get(ctx, name)
    n = albums.delete(ctx, album)
    listed = f"it listed {_plural(n, 'photo')}, which" if album.kind == "manual" else "its photos"
    _out().print(f"Deleted the album “{shown(album.name)}”; {listed} stay in your library.")


@album_app.command("cover")
def cover_cmd(
    name: NameArg,
    photo: Annotated[str, typer.Argument(help="The photo to show for the album: id, path or hash.")],
    home: HomeOption = None,
) -> None:
    """Choose the photo shown for an album in lists."""
    ctx = ctx_for(home)
    album = albums.get(ctx, name)
    albums.set_cover(ctx, album, photo_id_of(ctx, photo))
    _out().print(f"“{shown(album.name)}” now shows photo {photo}.")
