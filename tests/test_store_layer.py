"""The data-access layer: SQL lives in ``camroll/store/`` behind named functions, and "this file is
still readable" is defined once (``store/files.py``).

The first tests read the source of the modules already cleaned: a query written back into one of
them fails the build. Extend ``CLEANED`` as more modules move their SQL into ``store/``. The last
tests build a small catalog in code (a clean photo, a photo read with a problem, a photo whose
only file went missing, a file that could not be read at all) and check that every page, search
and listing agrees on which photos are live.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from camroll.config import AppContext
from camroll.creations import records, source
from camroll.creations.records import CreationError
from camroll.people import edit
from camroll.report import exposure
from camroll.search import engine
from camroll.store import files, people, photos
from camroll.store.db import now_iso
from camroll.web import routes_library, routes_places
from tests.conftest import REPO

NOT_YET = {
    "camroll/capabilities.py": "the registry declares its purge SQL (purge_sql); store.purge runs it",
}
"""Modules outside ``store/`` that still hold SQL, each with why. Every other module is checked,
so a new module starts clean; a line here is a debt, removed when its SQL moves."""


def _outside_store() -> list[str]:
    return [
        str(path.relative_to(REPO))
        for path in sorted((REPO / "camroll").rglob("*.py"))
        if path.parent.name != "store" and "migrations" not in path.parts
    ]


CLEANED = [m for m in _outside_store() if m not in NOT_YET]
"""Every module outside ``store/`` but those of ``NOT_YET``: they hold no SQL."""


def test_the_not_yet_list_holds_no_clean_module() -> None:
    """A module that lost its SQL leaves NOT_YET, so the test keeps it clean from then on."""
    clean = [m for m in NOT_YET if not _sql_in(REPO / m)]
    assert not clean, f"no SQL left in {clean}: take them off NOT_YET"


SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|"
    r"CREATE\s+(TABLE|INDEX|TRIGGER)|DROP\s+TABLE|WHERE\s+\w+(\.\w+)?\s*(=|!=|<>|IN\b|IS\b))",
    re.DOTALL,
)
"""A statement or a WHERE fragment, as written in a string."""

CONNECTION_CALLS = {"execute", "executemany", "executescript"}
"""Methods of a connection that run SQL: only ``store/`` calls them, on whatever receiver."""

DATABASE_CALLS = {"query", "scalar"}
"""Methods of ``Database`` that run SQL, flagged when called on a ``db`` (``db.query``,
``ctx.db.scalar``): other objects have methods of these names (a k-d tree's ``query``)."""


def _runs_sql(node: ast.AST) -> bool:
    """Whether ``node`` is a call that runs SQL."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    if node.func.attr in CONNECTION_CALLS:
        return True
    receiver = node.func.value
    named = receiver.id if isinstance(receiver, ast.Name) else getattr(receiver, "attr", "")
    return node.func.attr in DATABASE_CALLS and named == "db"


LIVE_SPELLINGS = re.compile(r"\bstate\s*(IN\s*\(\s*'(ok|problem)'|(!=|<>|=)\s*'(ok|problem|missing)')")
"""A file-state test written by hand instead of ``store.files.live_file``/``live_photo`` (other
tables have states too: a job's ``'queued'``, ``'running'`` or ``'failed'`` is not a file's)."""


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string literal (f-strings' literal parts included), with its line. Docstrings count
    too: a docstring quoting a query is fine in store/, and nowhere else needs one."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append((node.lineno, node.value))
    return out


def _sql_in(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [f"{path.name}:{line}: SQL text {text.strip()[:60]!r}" for line, text in _strings(tree) if SQL.search(text)]
    found += [
        f"{path.name}:{line}: hand-written file state {text.strip()[:60]!r}"
        for line, text in _strings(tree)
        if LIVE_SPELLINGS.search(text)
    ]
    for node in ast.walk(tree):
        if _runs_sql(node):
            assert isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            found.append(f"{path.name}:{node.lineno}: .{node.func.attr}() runs SQL outside store/")
    return found


def test_cleaned_modules_hold_no_sql() -> None:
    problems = [p for module in CLEANED for p in _sql_in(REPO / module)]
    assert not problems, "SQL belongs in camroll/store/ behind a named function:\n" + "\n".join(problems)


def test_the_sql_detector_sees_what_it_must() -> None:
    """The detector itself: it finds each way SQL was written in these modules before, and passes
    the prose those modules really hold."""
    for text in (
        "SELECT id FROM photos WHERE hash = ?",
        "INSERT OR REPLACE INTO texts (photo_id) VALUES (?)",
        "UPDATE people SET name = ? WHERE id = ?",
        "DELETE FROM faces WHERE photo_id = ?",
        " AND f.state != 'missing'",
        "EXISTS (SELECT 1 FROM files f WHERE f.photo_id = p.id)",
        "p.id IN (SELECT photo_id\n FROM faces WHERE person_id IN (?))",
    ):
        assert SQL.search(text) or LIVE_SPELLINGS.search(text), text
    for text in (
        "Select the best photo from each group",
        "Where your photos were taken",
        "the state of a file",
        "Delete the photo from camroll (`camroll remove PHOTO_ID`)",
        "update_people",
    ):
        assert not SQL.search(text) and not LIVE_SPELLINGS.search(text), text
    for call in ("ctx.db.query(q)", "db.scalar(q)", "conn.execute(q)", "self.conn.executemany(q, rows)"):
        assert _runs_sql(ast.parse(call, mode="eval").body), call
    for call in ("self._tree.query(point, k=8)", "re.compile(p).scalar()", "db.transaction()"):
        assert not _runs_sql(ast.parse(call, mode="eval").body), call


def test_live_is_defined_once_in_store() -> None:
    """The file states of a readable file are spelt in store/files.py and nowhere else in store/
    (catalog.py, owned elsewhere, is the known exception until it moves)."""
    assert files.LIVE_STATES == ("ok", "problem")
    assert files.live_file("x") == "x.state IN ('ok', 'problem')"
    spelt = []
    for path in sorted((REPO / "camroll" / "store").glob("*.py")):
        if path.name in ("files.py", "catalog.py"):
            continue
        spelt += [
            f"{path.name}:{line}"
            for line, text in _strings(ast.parse(path.read_text(encoding="utf-8")))
            if LIVE_SPELLINGS.search(text)
        ]
    assert not spelt, spelt


# --- one catalog, built in code, seen the same way everywhere -----------------------------------


def _catalog(ctx: AppContext, tmp_path: Path) -> dict[str, int]:
    """Three photos and four files: ``clean`` (one ok file and one missing copy), ``problem`` (read
    with a metadata problem), ``gone`` (its only file missing), and a file that failed to read
    (no photo). Each photo has a face on one person, a date and a position."""
    db, now = ctx.db, now_iso()
    with db.transaction() as conn:
        root = conn.execute(
            "INSERT INTO roots (path, path_bytes, added_at) VALUES (?, ?, ?)", (str(tmp_path), bytes(tmp_path), now)
        ).lastrowid
        person = conn.execute("INSERT INTO people (name, created_at) VALUES ('Ada', ?)", (now,)).lastrowid
        ids: dict[str, int] = {"person": int(person or 0)}
        for n, name in enumerate(("clean", "problem", "gone")):
            ids[name] = int(
                conn.execute(
                    "INSERT INTO photos (hash, format, kind, size, width, height, taken_local, taken_at_source, gps_lat,"
                    " gps_lon, metadata_version, created_at) VALUES (?, 'jpeg', 'photo', 10, 40, 30, ?, 'exif', ?, ?, 1, ?)",
                    (f"{n:064x}", f"2021-0{n + 1}-01T12:00:00", 38.7 + n, -9.1, now),
                ).lastrowid
                or 0
            )
            conn.execute(
                "INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, model, person_id)"
                " VALUES (?, 1, 1, 10, 10, 0.9, '{}', 'test', ?)",
                (ids[name], ids["person"]),
            )
        for name, photo, state in (
            ("b-clean.jpg", ids["clean"], "ok"),
            ("a-copy.jpg", ids["clean"], "missing"),
            ("problem.jpg", ids["problem"], "problem"),
            ("gone.jpg", ids["gone"], "missing"),
            ("broken.jpg", None, "failed"),
        ):
            path = tmp_path / name
            conn.execute(
                "INSERT INTO files (root_id, path_bytes, path, size, mtime_ns, photo_id, state, first_seen,"
                " scanned_at) VALUES (?, ?, ?, 10, 0, ?, ?, ?, ?)",
                (root, bytes(path), str(path), photo, state, now, now),
            )
    return ids


def test_every_view_agrees_on_live_photos(ctx: AppContext, tmp_path: Path) -> None:
    ids = _catalog(ctx, tmp_path)
    live = {ids["clean"], ids["problem"]}

    page, _cursor = routes_library.timeline(ctx, None, 10)
    assert {p["id"] for p in page} == live
    assert sum(m["count"] for m in routes_library.month_index(ctx)) == 2
    assert photos.live_photo_row(ctx.db, ids["gone"]) is None
    assert photos.live_photo_row(ctx.db, ids["problem"]) is not None
    newer, older = photos.neighbours(ctx.db, ids["clean"], "2021-01-01T12:00:00")
    assert (newer, older) == (ids["problem"], None), "the gone photo is no one's neighbour"

    assert [r["path"] for r in files.live_files(ctx.db, ids["clean"])] == [str(tmp_path / "b-clean.jpg")]
    assert files.readable_paths(ctx.db, ids["gone"]) == []
    assert files.live_files_named_like(ctx.db, ("%/broken.jpg", "%/gone.jpg")) == []
    assert files.first_live(ctx.db, ids["clean"]) == str(tmp_path / "b-clean.jpg")
    assert files.first_live(ctx.db, ids["gone"]) is None
    assert files.a_live_path_each(ctx.db, [ids["clean"], ids["problem"], ids["gone"]]) == {
        ids["clean"]: str(tmp_path / "b-clean.jpg"),
        ids["problem"]: str(tmp_path / "problem.jpg"),
    }
    assert photos.existing_ids(ctx.db, [ids["gone"], 10**6]) == {ids["gone"]}, "a photo is removable while catalogued"
    assert (
        people.ids_by_id_or_name(ctx.db, "ADA")
        == people.ids_by_id_or_name(ctx.db, str(ids["person"]))
        == [ids["person"]]
    )
    assert people.ids_by_id_or_name(ctx.db, "Ad%") == []

    assert sum(c["count"] for c in routes_places.clusters(ctx)) == 2

    found = engine.search(ctx, "2021", limit=10)
    assert {h.photo_id for h in found.hits} == live and found.total == 2
    assert {h.path for h in found.hits} == {str(tmp_path / "b-clean.jpg"), str(tmp_path / "problem.jpg")}

    faces = {f["photo_id"]: f["path"] for p in edit.listing(ctx) for f in p["faces"]}
    assert faces == {
        ids["clean"]: str(tmp_path / "b-clean.jpg"),
        ids["problem"]: str(tmp_path / "problem.jpg"),
        ids["gone"]: None,
    }, "a face stays on its person; a photo with no live file has no path"

    report = {p.id: p.path for p in exposure._photos(ctx)}
    assert report[ids["gone"]] is None and report[ids["clean"]] == str(tmp_path / "b-clean.jpg")


def test_a_creation_does_not_open_a_missing_or_failed_file(ctx: AppContext, tmp_path: Path) -> None:
    ids = _catalog(ctx, tmp_path)
    with pytest.raises(CreationError, match="no file on disk"):
        source.open_photo(ctx, ids["gone"], 64)
    assert source.face_boxes(ctx, ids["gone"]) == [(1.0, 1.0, 10.0, 10.0)]


def test_creations_never_land_beside_an_original_even_an_unreadable_one(ctx: AppContext, tmp_path: Path) -> None:
    """A folder that held a file camroll could not read is still a folder of originals (the next
    scan walks it): a creation is refused there, as before; a folder whose only file is gone from
    disk, or a folder above one of originals, is fine."""
    _catalog(ctx, tmp_path)
    with ctx.db.transaction() as conn:
        for folder, state in (("failed-only", "failed"), ("missing-only", "missing")):
            (tmp_path / folder).mkdir()
            path = tmp_path / folder / "x.jpg"
            conn.execute(
                "INSERT INTO files (root_id, path_bytes, path, size, mtime_ns, photo_id, state, first_seen,"
                " scanned_at) VALUES (1, ?, ?, 10, 0, NULL, ?, '', '')",
                (bytes(path), str(path), state),
            )
    with pytest.raises(CreationError, match="holds original photos"):
        records.output_dir(ctx, tmp_path / "failed-only")
    assert records.output_dir(ctx, tmp_path / "missing-only") == (tmp_path / "missing-only").resolve()
    assert files.on_disk_directly_in(ctx.db, bytes(tmp_path.parent)) is None
