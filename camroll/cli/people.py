"""People commands: list, name, merge, split, remove a face, ignore, set a birthday, choose a
cover, and review the faces held between two people.

Names are the user's own text and are printed escaped: a person named "[bold]Ana[/]" shows as
written, not in bold. A :class:`~camroll.people.edit.PeopleError` (unknown person, empty name)
is a :class:`~camroll.errors.RequestError`: the app prints it and exits 2.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from camroll.cli.common import HomeOption, JsonOption, ctx_for, fail, photo_id_of, print_json, shown
from camroll.people import edit

people_app = typer.Typer(
    help="Faces grouped into people: name them, fix them, ignore strangers.", invoke_without_command=True
)

PersonId = Annotated[int, typer.Argument(help="A person's id (see `camroll people`).")]


@people_app.callback()
def people_list(
    typer_ctx: typer.Context,
    home: HomeOption = None,
    as_json: JsonOption = False,
    include_ignored: Annotated[bool, typer.Option("--all", help="Include people you chose to ignore.")] = False,
) -> None:
    """List people with their faces (the default when no subcommand is given)."""
    if typer_ctx.invoked_subcommand is not None:
        return
    people = edit.listing(ctx_for(home), include_ignored)
    if as_json:
        print_json(people)
        return
    console = Console()
    if not people:
        console.print(
            "No people yet. Faces are found only with your consent: "
            "`camroll consent grant faces people`, then `camroll analyze`."
        )
        return
    table = Table("id", "name", "faces", "photos", "birthday", "example")
    for p in people:
        example = p["faces"][0]["path"].rsplit("/", 1)[-1] if p["faces"] else ""
        name = shown(p["name"]) if p["name"] else "[dim]unnamed[/]"
        table.add_row(
            str(p["id"]), name, str(p["face_count"]), str(p["photo_count"]), p["birthday"] or "", shown(example)
        )
    console.print(table)
    _waiting_line(console, ctx_for(home))


def _waiting_line(console: Console, ctx: Any) -> None:
    counts = edit.waiting(ctx)
    parts = []
    if counts["held"]:
        parts.append(f"{counts['held']} held for review (`camroll people review`)")
    if counts["not_clear_enough"]:
        parts.append(f"{counts['not_clear_enough']} not clear enough to group")
    if counts["not_grouped_yet"]:
        parts.append(f"{counts['not_grouped_yet']} not grouped yet (`camroll people cluster`)")
    if parts:
        console.print("Faces on no one: " + ", ".join(parts) + ".", highlight=False)


def _do(home: Any, action: Callable[..., Any], *args: Any) -> Any:
    """Run an edit on the library; its PeopleError ends the command (exit 2) in the app's one catch."""
    return action(ctx_for(home), *args)


@people_app.command("name")
def people_name(
    person: PersonId, name: Annotated[str, typer.Argument(help="The name to show.")], home: HomeOption = None
) -> None:
    """Give a person a name (and confirm the faces they hold now)."""
    _do(home, edit.name, person, name)
    Console().print(f"Person {person} is now {shown(name)}.", highlight=False)


@people_app.command("merge")
def people_merge(
    into: PersonId,
    others: Annotated[list[int], typer.Argument(help="People to merge into the first.")],
    home: HomeOption = None,
) -> None:
    """Merge people who are one person (all their faces move to the first)."""
    moved = _do(home, edit.merge, into, others)
    Console().print(f"Merged {', '.join(map(str, others))} into {into}: {moved} faces moved.")


@people_app.command("split")
def people_split(
    person: PersonId,
    faces: Annotated[list[int], typer.Option("--face", help="A face id to move (repeat).")],
    home: HomeOption = None,
) -> None:
    """Split faces off a person into a new person (they will not go back)."""
    new = _do(home, edit.split, person, faces)
    Console().print(f"Moved {len(faces)} faces from person {person} to new person {new}.")


@people_app.command("remove-face")
def people_remove_face(
    face: Annotated[int, typer.Argument(help="A face id (see `camroll people --json`).")], home: HomeOption = None
) -> None:
    """This face is not this person: detach it, for good."""
    left = _do(home, edit.remove_face, face)
    Console().print(
        f"Face {face} removed from person {left}; it will not be put back there."
        if left
        else f"Face {face} had no person."
    )


@people_app.command("assign")
def people_assign(
    face: Annotated[int, typer.Argument(help="A face id.")], person: PersonId, home: HomeOption = None
) -> None:
    """This face is this person: put it there by hand."""
    _do(home, edit.assign, face, person)
    Console().print(f"Face {face} is now person {person}.")


@people_app.command("review")
def people_review(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Faces held between two look-alike people, each with both candidates; settle one with
    `camroll people assign FACE PERSON`."""
    from camroll.people import review

    ctx = ctx_for(home)
    held, counts = edit.review(ctx), edit.waiting(ctx)
    if as_json:  # "unassigned": the web review's queue of faces on no one, clearest first
        print_json({"held": held, "counts": counts, "unassigned": review.queue(ctx)})
        return
    console = Console()
    if not held:
        console.print("No face is held for review.")
    else:
        table = Table("face", "photo", "closest", "next", "why")
        for h in held:
            first, second = h["candidates"]
            table.add_row(
                str(h["face_id"]),
                shown((h["path"] or "").rsplit("/", 1)[-1]),
                f"{first['person_id']} {shown(first['name'] or '')}".strip(),
                f"{second['person_id']} {shown(second['name'] or '')}".strip(),
                shown(h["why"]),
            )
        console.print(table)
        console.print(f"{len(held)} faces held. Say who one is: `camroll people assign FACE PERSON`.")
    _waiting_line(console, ctx)


@people_app.command("suggestions")
def people_suggestions(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """People who may be one person (their faces' prints are close), closest first; answer with
    `camroll people merge A B` or `camroll people not-same A B`."""
    from camroll.people import review

    pairs = review.suggestions(ctx_for(home))
    if as_json:
        print_json(pairs)
        return
    console = Console()
    if not pairs:
        console.print("No two people look alike enough to ask about.")
        return
    table = Table("person", "and person")
    for s in pairs:
        a, b = s["a"], s["b"]
        table.add_row(
            f"{a['id']} {shown(a['name'] or '')} ({a['photo_count']} photos)".replace("  ", " "),
            f"{b['id']} {shown(b['name'] or '')} ({b['photo_count']} photos)".replace("  ", " "),
        )
    console.print(table)
    console.print(
        f"{len(pairs)} pairs may be one person each. Same: `camroll people merge A B`; not: `camroll people not-same A B`."
    )


@people_app.command("not-same")
def people_not_same(a: PersonId, b: PersonId, home: HomeOption = None) -> None:
    """These two are different people: never suggest merging them (kept through re-clustering)."""
    from camroll.people import review

    _do(home, review.answer_same, a, b, False)
    Console().print(f"People {a} and {b} are two people; camroll will not ask again.")


@people_app.command("dismiss")
def people_dismiss(
    face: Annotated[int, typer.Argument(help="A face on no one (see `camroll people review --json`).")],
    not_a_face: Annotated[
        bool, typer.Option("--not-a-face", help="The detection is wrong: delete the face and its crop.")
    ] = False,
    home: HomeOption = None,
) -> None:
    """Take a face on no one out of the review (a stranger), or delete it as not a face."""
    from camroll.people import review

    _do(home, review.dismiss, face, not_a_face)
    Console().print(
        f"Face {face} {'deleted: not a face' if not_a_face else 'set aside'}; it will not be asked about again."
    )


@people_app.command("add-face")
def people_add_face(
    photo: Annotated[str, typer.Argument(help="The photo: its id, its path or its hash (see `camroll photos`).")],
    box: Annotated[str, typer.Option("--box", help="The face's box in the photo's pixels: x,y,w,h.")],
    person: Annotated[int | None, typer.Option("--person", help="Put it on this person (an id).")] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Put it on the person of this name (a new one if nobody has it).")
    ] = None,
    home: HomeOption = None,
) -> None:
    """Add a face the detector missed: its print is computed from the box (only where Faces is
    granted for the photo), and it joins the person you name."""
    from camroll.people.add_face import add_face, parse_box

    if person is not None and name:
        fail("Give --person or --name, not both.")
    ctx = ctx_for(home)
    face, who, printed = add_face(ctx, photo_id_of(ctx, photo), parse_box(box), person, name)
    on = f" on person {who}" if who is not None else " on no one yet (`camroll people assign`)"
    tail = "" if printed else " It is too small for a face print, so it will not find its look-alikes."
    Console().print(f"Added face {face}{on}.{tail}", highlight=False)


@people_app.command("cover")
def people_cover(
    person: PersonId,
    face: Annotated[int | None, typer.Argument(help="A face of theirs; leave out to let quality choose.")] = None,
    home: HomeOption = None,
) -> None:
    """Choose a person's cover face (by default the sharpest, largest, most frontal one)."""
    _do(home, edit.set_cover, person, face)
    Console().print(
        f"Person {person}'s cover is face {face}." if face else f"Person {person}'s cover is chosen by quality again."
    )


@people_app.command("ignore")
def people_ignore(
    person: PersonId,
    home: HomeOption = None,
    undo: Annotated[bool, typer.Option("--undo", help="Show this person again.")] = False,
) -> None:
    """Never show or use this person again (a stranger in the background)."""
    _do(home, edit.ignore, person, not undo)
    Console().print(f"Person {person} is {'shown again' if undo else 'ignored: never shown or used in creations'}.")


@people_app.command("set")
def people_set(
    person: PersonId,
    home: HomeOption = None,
    birthday: Annotated[str | None, typer.Option(help="Birthday as YYYY-MM-DD (for birthday videos).")] = None,
) -> None:
    """Set details of a person: their birthday."""
    _do(home, edit.set_birthday, person, birthday)
    Console().print(f"Person {person}: birthday {birthday or 'cleared'}.")


@people_app.command("birthday")
def people_birthday(
    person: PersonId,
    birthday: Annotated[str | None, typer.Argument(help="YYYY-MM-DD; leave out to clear it.")] = None,
    home: HomeOption = None,
) -> None:
    """Set (or clear) a person's birthday: `camroll people birthday 3 1990-05-17`."""
    people_set(person, home, birthday)


@people_app.command("forget")
def people_forget(person: PersonId, home: HomeOption = None) -> None:
    """Forget a person: their faces, face prints, crops, expressions, name, birthday, and the
    creations their faces shaped. The photos stay."""
    from camroll.privacy.removal import forget_person

    report = _do(home, forget_person, person)
    if report.unknown:
        fail(f"There is no person {person}; see `camroll people`.")
    Console().print(f"Person {person} forgotten: {sum(report.rows.values())} rows and {report.files} files deleted.")


@people_app.command("cluster")
def people_cluster(
    home: HomeOption = None,
    from_scratch: Annotated[
        bool,
        typer.Option(
            "--from-scratch",
            help="Group again the faces of people nobody touched; named, ignored or hand-edited people stay.",
        ),
    ] = False,
) -> None:
    """Group faces without a person into people now (`camroll analyze` does it after each run)."""
    from camroll.cli.common import RichReporter, progress_bar
    from camroll.cli.jobs import cli_job
    from camroll.people.cluster import update_people
    from camroll.privacy import consent

    ctx = ctx_for(home)
    if not consent.active_scopes(ctx, "people"):
        fail("People is not granted: `camroll consent grant faces people` first.")
    console = Console()
    with (
        cli_job(ctx, "people", "Grouping faces into people", console) as (job, outcome),
        progress_bar(console, "faces") as progress,
    ):
        message = update_people(ctx, job.reporter(RichReporter(progress, console, True)), from_scratch)
        outcome.message = message
    console.print(message[:1].upper() + message[1:] + ".", highlight=False)
