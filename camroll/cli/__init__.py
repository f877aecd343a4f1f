"""The camroll command line: one command per thing a person wants to do.

Every listing takes ``--json`` for scripts; long work shows a Rich progress bar with its rate and
time left, and ends with a summary in plain words. Each module here holds the commands of one
area and registers them on the one Typer ``app`` (or on a sub-app added below).

Commands load lazily, so that ``camroll --help`` or ``camroll jobs`` does not pay for numpy,
Pillow and onnxruntime, which the heavier modules import: :data:`COMMANDS` names every top-level
command, its one-line help and the modules that define it, and the top group
(:class:`~camroll.cli.common.CamrollGroup`) imports a command's modules only when that command
runs or shows its own help. ``camroll --help`` lists every command from this table alone; a test
(``tests/test_cli_startup.py``) fails when the table and the real commands disagree.

``camroll.cli.app`` is the whole app with every command loaded (tests drive it with CliRunner);
:func:`main` runs the lazy one.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import typer
    from typer import _click


class Entry(NamedTuple):
    """Where a top-level command lives. ``sub_app``: the Typer attribute of ``modules[0]`` to add
    under the command's name, for the modules that define a sub-app without adding it themselves."""

    help: str
    """The first paragraph of the command's help, as ``camroll --help`` lists it."""
    modules: tuple[str, ...]
    sub_app: str | None = None


COMMANDS: dict[str, Entry] = {
    "scan": Entry(
        "Catalog photos and read their metadata, then run the analyses you have granted. Pointing camroll at a "
        "folder is your consent to catalog it; nothing else is analysed without a separate consent.",
        ("camroll.cli.library",),
    ),
    "analyze": Entry(
        "Run every capability you have granted on the photos it covers, and nothing else.", ("camroll.cli.analysis",)
    ),
    "photos": Entry("List catalogued photos: when, where, which camera.", ("camroll.cli.library",)),
    "summary": Entry("What camroll knows about your library, at a glance.", ("camroll.cli.library",)),
    "search": Entry(
        "Find photos by people's names, places, dates, camera, what is in them and the text they show.",
        ("camroll.cli.search",),
    ),
    "moments": Entry(
        "Moments: events, trips, on this day and birthdays, found in your photos.", ("camroll.cli.moments",)
    ),
    "home": Entry(
        "Home: where you live, estimated from your photos' places and times (with places consent), or set by you.",
        ("camroll.cli.moments",),
    ),
    "people": Entry(
        "Faces grouped into people: name them, fix them, ignore strangers.", ("camroll.cli.people",), "people_app"
    ),
    "make": Entry(
        "Make collages, videos and filtered copies from your moments and photos.",
        ("camroll.cli.make", "camroll.cli.make_images", "camroll.cli.make_video"),
        "make_app",
    ),
    "import": Entry(
        "Import a Google Takeout, Meta or Apple Photos export: the originals are copied into the library (never "
        "modified, never twice) and catalogued, and what the export's JSON or XMP said is kept with its source; "
        "where the file's own metadata disagrees, the file wins.",
        ("camroll.cli.imports",),
    ),
    "watch": Entry(
        "Keep the catalog current while it runs: new, moved and deleted photos are catalogued as they arrive (a "
        "moved photo keeps everything camroll knows about it), and what you granted is analysed on the new ones. "
        "Ctrl-C stops it and says what it did.",
        ("camroll.cli.watch",),
    ),
    "edit": Entry(
        "Fix a photo's date and time zone, place, title, description, rating, keywords or rotation. The edit is kept in "
        "camroll (it wins over the file, even after a rescan) and written to an XMP sidecar beside the photo "
        "(NAME.xmp, which digiKam and Lightroom read); the original is never written. With no change given, "
        "shows the photo's edits.",
        ("camroll.cli.edit",),
    ),
    "favourite": Entry(
        "Mark photos as favourites (shown as 'favourite' in `camroll photos --json`).", ("camroll.cli.curate",)
    ),
    "unfavourite": Entry("Take photos out of the favourites.", ("camroll.cli.curate",)),
    "archive": Entry(
        "Archive photos: hidden from the timeline and moments, still searchable and kept.", ("camroll.cli.curate",)
    ),
    "unarchive": Entry("Bring archived photos back to the timeline and moments.", ("camroll.cli.curate",)),
    "album": Entry("Albums: your own lists of photos, and saved searches (smart albums).", ("camroll.cli.albums",)),
    "delete": Entry(
        "Move photos to the trash: their files go to the trash folder in camroll's home, kept 30 days (`camroll "
        "trash restore` brings them back), and the photos leave the library with all that was derived from them. "
        "Nothing is destroyed until the trash is emptied.",
        ("camroll.cli.trash",),
    ),
    "db": Entry(
        "Back up the library into one sealed file, restore one, or copy the catalog to PostgreSQL.",
        ("camroll.cli.db",),
        "db_app",
    ),
    "trash": Entry(
        "Deleted photos, kept 30 days: list them, restore them, or empty the trash.", ("camroll.cli.trash",)
    ),
    "stacks": Entry(
        "Stacks of RAW+JPEG pairs, bursts and near duplicates, best copy on top: list them, review them, resolve one.",
        ("camroll.cli.stacks",),
    ),
    "clip": Entry(
        "Write the clip of a motion photo (a JPEG with an MP4 inside, as Google and Samsung phones take them) "
        "to NAME.clip.mp4 in --out, or the MOV of an Apple Live Photo to NAME.clip.mov. The original is only "
        "read; the clip is never written beside it, and an existing file is not overwritten.",
        ("camroll.cli.clip",),
    ),
    "share": Entry(
        "Write copies of photos that are safe to send: a new JPEG from the pixels, with no GPS, serial numbers, "
        "time, maker notes, XMP, IPTC or thumbnails; faces of everyone you did not choose with --person blurred "
        "beyond recognition; each copy read back and checked.",
        ("camroll.cli.share",),
    ),
    "report": Entry(
        "What your photos reveal about you (home, places, routine, people, documents, devices), and what to do "
        "about it. Computed on this machine; nothing is sent anywhere.",
        ("camroll.cli.report",),
    ),
    "consent": Entry("What camroll may analyse: see, grant and revoke.", ("camroll.cli.consent",)),
    "retention": Entry(
        "How long camroll keeps what it derived, and the sweeper that enforces it.", ("camroll.cli.retention",)
    ),
    "audit": Entry(
        "The audit log: every grant, revoke, purge, scan and analysis.", ("camroll.cli.audit",), "audit_app"
    ),
    "jobs": Entry("Long work on your library (scans, analyses): list it, cancel it.", ("camroll.cli.jobs",)),
    "remove": Entry(
        "Forget these photos: their catalog rows, faces, tags, text, places, thumbnails, face crops and the "
        "creations made from them. The photo files themselves are not touched.",
        ("camroll.cli.remove",),
    ),
    "forget": Entry(
        "Delete everything camroll knows about your photos: catalog, places, faces, people, tags, text... Your "
        "photos themselves are never touched. The consent ledger and audit log remain. Files camroll wrote to "
        "folders you chose are listed, and deleted only with --include-my-files.",
        ("camroll.cli.consent",),
    ),
    "export": Entry(
        "Export everything camroll derived: library.json, XMP sidecars with named face regions (digiKam, "
        "Lightroom), the consent ledger and the audit log.",
        ("camroll.cli.export",),
    ),
    "import-names": Entry(
        "Name people from the named face regions of XMP sidecars (digiKam, Lightroom, a camroll export) or of the "
        "photos themselves. A name you gave is never overwritten.",
        ("camroll.cli.export",),
    ),
    "serve": Entry(
        "Serve the web app: consent, library, people, places, moments, search, report.", ("camroll.cli.serve",)
    ),
    "version": Entry("Print camroll's version.", ("camroll.cli.library",)),
}
"""Every top-level command, in the order ``camroll --help`` lists them."""


def _registered(app: typer.Typer, name: str) -> Any:
    """The CommandInfo or TyperInfo that ``app`` holds under ``name``, or None."""
    from typer.main import get_command_name

    for command in app.registered_commands:
        callback = command.callback
        if (command.name or (get_command_name(callback.__name__) if callback else None)) == name:
            return command
    for group in app.registered_groups:
        if group.name == name:
            return group
    return None


def _import(name: str) -> typer.Typer:
    """Import the modules of command ``name`` (they register on the app), add its sub-app if its
    module leaves that to us, and return the app."""
    from camroll.cli.common import app

    entry = COMMANDS[name]
    modules = [importlib.import_module(module) for module in entry.modules]
    if entry.sub_app is not None and _registered(app, name) is None:
        app.add_typer(getattr(modules[0], entry.sub_app), name=name)
    return app


def load_command(name: str) -> _click.Command:
    """The click command ``name``, built from the modules that define it (imported now)."""
    from typer.main import get_command_from_info, get_group_from_info
    from typer.models import TyperInfo

    app = _import(name)
    info = _registered(app, name)
    if info is None:
        raise LookupError(f"camroll.cli.COMMANDS says {name!r} is in {COMMANDS[name].modules}, which do not define it")
    if isinstance(info, TyperInfo):
        return get_group_from_info(
            info,
            pretty_exceptions_short=app.pretty_exceptions_short,
            suggest_commands=app.suggest_commands,
            rich_markup_mode=app.rich_markup_mode,
        )
    return get_command_from_info(
        info, pretty_exceptions_short=app.pretty_exceptions_short, rich_markup_mode=app.rich_markup_mode
    )


def full_app() -> typer.Typer:
    """The app with every command registered: what ``camroll.cli.app`` gives."""
    app = None
    for name in COMMANDS:
        app = _import(name)
    assert app is not None
    return app


def __getattr__(name: str) -> Any:
    # ``from camroll.cli import app`` (tests, the web's own tests) gets every command loaded.
    if name == "app":
        return full_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """``camroll``: run the app, loading only the command asked for. A
    :class:`~camroll.errors.CamrollError` is caught once, inside the app's own group
    (:class:`~camroll.cli.common.CamrollGroup`, which every command runs in), rather than around
    this call, so that a test driving ``app`` with ``CliRunner`` sees the same message and exit
    status a person does."""
    from camroll.cli.common import app

    app()


__all__ = ["COMMANDS", "Entry", "app", "full_app", "load_command", "main"]
