"""One error model, escaped output and the video cards both front ends share (issue 11).

Everything is built in code: a handful of generated JPEGs, scanned, and people written straight
into the catalog with names that are Rich markup, so the tests need neither the real photos nor
any face model.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import piexif
from fastapi import FastAPI
from typer.testing import CliRunner

from camroll.cli import app
from camroll.config import AppContext, Config
from camroll.errors import CamrollError, NotFoundError, RequestError
from camroll.moments import Moment, MomentNotFound
from camroll.store.db import now_iso
from tests.conftest import run_cli
from tests.hostile import jpeg

HOSTILE = "[bold]Ana[/]"
"""Rich markup as a name: printed unescaped it would vanish into bold type."""
BRACKETS = "Ana [x]"
"""A name whose brackets Rich would read as a (broken) tag."""


def _invoke(home: Path, *args: str) -> tuple[int, str]:
    """Exit code and output of ``camroll ARGS``, on a terminal wide enough that tables do not wrap."""
    result = CliRunner().invoke(app, [*args, "--home", str(home)], catch_exceptions=False, env={"COLUMNS": "250"})
    return result.exit_code, result.output


def _ok(home: Path, *args: str) -> str:
    code, out = _invoke(home, *args)
    assert code == 0, out
    return out


def _library(home: Path, folder: Path) -> dict[str, int]:
    """Three photos on 17 May 2023 and two people, one named ``HOSTILE`` (born 17 May 1990) and
    one ``BRACKETS``, each with a face in every photo; their ids by name."""
    folder.mkdir()
    for i in range(3):
        stamp = f"2023:05:17 1{i}:00:00".encode()
        data = jpeg({"Exif": {piexif.ExifIFD.DateTimeOriginal: stamp}}, size=(64 + i, 48))
        (folder / f"party-{i}.jpg").write_bytes(data)
    run_cli(home, "scan", str(folder), "--no-analyze", "--quiet")
    ctx = AppContext(Config(home=home))
    ids: dict[str, int] = {}
    with ctx.db.transaction() as conn:
        photos = [int(r[0]) for r in conn.execute("SELECT id FROM photos ORDER BY id")]
        for name, birthday in ((HOSTILE, "1990-05-17"), (BRACKETS, None)):
            pid = conn.execute(
                "INSERT INTO people (name, name_source, birthday, created_at) VALUES (?, 'user', ?, ?)",
                (name, birthday, now_iso()),
            ).lastrowid
            ids[name] = int(pid or 0)
            for photo in photos:
                conn.execute(
                    "INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, model, person_id)"
                    " VALUES (?, 1, 1, 9, 9, 0.9, '[]', 't', ?)",
                    (photo, pid),
                )
    ctx.close()
    assert len(photos) == 3
    return ids


def test_names_and_titles_with_markup_print_as_written(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ids = _library(home, tmp_path / "photos")
    out = _ok(home, "people")
    assert HOSTILE in out and BRACKETS in out

    renamed = _ok(home, "people", "name", str(ids[BRACKETS]), "[red]Bo[/] [x]")
    assert "[red]Bo[/] [x]" in renamed

    moment_id = f"birthday-{ids[HOSTILE]}-2023"
    listed = _ok(home, "moments", "--kind", "birthday")
    assert f"{HOSTILE}'s birthday 2023" in listed
    shown = _ok(home, "moments", "show", moment_id)
    assert f"{HOSTILE}'s birthday 2023" in shown and "[red]Bo[/] [x]" in shown


def test_errors_end_commands_once_with_their_code_and_escaped_words(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ids = _library(home, tmp_path / "photos")
    code, out = _invoke(home, "people", "name", "999", "Somebody")
    assert code == 2 and "no person 999" in out, "PeopleError is a RequestError: exit 2, its message"
    code, out = _invoke(home, "people", "name", str(ids[HOSTILE]), "   ")
    assert code == 2 and "name cannot be empty" in out
    code, out = _invoke(home, "people", "forget", "999")
    assert code == 2 and "There is no person 999" in out
    code, out = _invoke(home, "moments", "show", "event-[bold]x[/]")
    assert code == 2 and "event-[bold]x[/]" in out, "the id the person typed is shown as typed"
    code, out = _invoke(home, "make", "birthday", "[b]Nobody[/]")
    assert code == 1 and "[b]Nobody[/]" in out


def test_the_error_model() -> None:
    """Kinds, exit codes and HTTP statuses; KeyError-based kinds read as plain words; the code a
    command chose survives a worker process (pickling)."""
    assert CamrollError("x").exit_code == 1 and RequestError("x").exit_code == 2
    assert NotFoundError("x").http_status == 404 and RequestError("x").http_status == 400
    missing = MomentNotFound("no moment 'x' now")
    assert isinstance(missing, KeyError) and isinstance(missing, NotFoundError)
    assert str(missing) == "no moment 'x' now" and missing.exit_code == 2
    back = pickle.loads(pickle.dumps(CamrollError("could not", 7)))
    assert str(back) == "could not" and back.exit_code == 7


def test_every_user_facing_error_is_a_camroll_error_and_names_are_unique() -> None:
    from camroll.analysis.base import ModelFileError
    from camroll.analysis.onnx_cache import OnnxExportError
    from camroll.creations.filters import UnknownFilter
    from camroll.creations.records import CreationError
    from camroll.moments.home import HomeError
    from camroll.people.edit import PeopleError
    from camroll.privacy.crypto import KeyDestroyed
    from camroll.privacy.retention import RetentionError
    from camroll.report.export import ExportError
    from camroll.sharing.share import ShareRequestError
    from camroll.web.security import SecurityError

    kinds = (
        ModelFileError,
        OnnxExportError,
        UnknownFilter,
        CreationError,
        HomeError,
        PeopleError,
        KeyDestroyed,
        RetentionError,
        ExportError,
        ShareRequestError,
        SecurityError,
        MomentNotFound,
    )
    assert all(issubclass(k, CamrollError) for k in kinds)
    assert len({k.__name__ for k in kinds}) == len(kinds), "two error classes share a name"


def test_the_web_app_shows_a_camroll_error_in_plain_words(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from camroll.web.app import create_app

    web: FastAPI = create_app(Config(home=tmp_path / "home", workers=1))

    def refuse() -> None:
        raise RequestError("the folder <b>x</b> holds original photos")

    def gone() -> None:
        raise MomentNotFound("no such moment now")

    web.add_api_route("/test-refuse", refuse)
    web.add_api_route("/test-gone", gone)
    with TestClient(web, base_url="http://127.0.0.1") as client:
        page = client.get("/test-refuse")
        assert page.status_code == 400 and "the folder &lt;b&gt;x&lt;/b&gt; holds original photos" in page.text
        as_json = client.get("/test-gone", headers={"accept": "application/json"})
        assert as_json.status_code == 404 and as_json.json() == {"detail": "no such moment now"}


def _moment(people: list[str], person_ids: list[int], kind: str = "event", **details: object) -> Moment:
    return Moment(
        id="event-x",
        kind=kind,
        title="Saturday in Lisbon",
        start="2025-06-14T10:00:00",
        end="2025-06-14T18:00:00",
        people=people,
        person_ids=person_ids,
        place="Lisbon",
        details=dict(details),
    )


def test_video_cards_name_people_and_never_show_an_id() -> None:
    from camroll.creations.memories import moment_cards, people_words

    cards = moment_cards(_moment(["Ana", "person 18"], [3, 18]))
    assert cards.opening.title == "Saturday in Lisbon" and cards.opening.subtitle == "14 June 2025 · Lisbon"
    assert cards.closing.title == "14 June 2025" and cards.closing.subtitle == "with Ana and someone"
    assert cards.capabilities == ("people",)
    assert moment_cards(_moment(["person 18", "person 19"], [18, 19])).closing.subtitle == "with 2 people"
    nobody = moment_cards(_moment([], []))
    assert nobody.closing.subtitle == "Lisbon" and nobody.capabilities == ()
    assert people_words(["Ana", "Ben", "Cleo", "Dan"], 1) == "Ana, Ben, Cleo and 2 more"
    assert people_words(["Ana", "Ben"]) == "Ana and Ben"

    birthday = _moment(["Ana"], [3], "birthday", person_id=3, year=2025, age=35)
    assert moment_cards(birthday).closing.title == "Happy birthday, Ana!"
    assert moment_cards(birthday).closing.subtitle == "35 today"
    unnamed = Moment(
        id="birthday-18-2025",
        kind="birthday",
        title="person 18's birthday 2025",
        start="2025-06-14T10:00:00",
        end="2025-06-14T18:00:00",
        people=["person 18"],
        person_ids=[18],
        details={"person_id": 18, "year": 2025, "age": 3},
    )
    cards = moment_cards(unnamed)
    texts = [cards.opening.title, cards.opening.subtitle, cards.closing.title, cards.closing.subtitle]
    assert not any("18" in t for t in texts), texts
    assert cards.closing.title == "Happy birthday!"
