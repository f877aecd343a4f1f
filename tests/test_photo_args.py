"""Every command that takes a PHOTO accepts a catalogued photo's id, the path of its file, or its
content hash (issue 14: `make collage` and `make filtered` refused paths, `remove` took ids only)."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from camroll.cli import app
from tests.conftest import run_cli


@pytest.fixture
def library(tmp_path: Path) -> tuple[Path, list[Path]]:
    folder = tmp_path / "lib"
    folder.mkdir()
    paths = []
    for i, colour in enumerate(((200, 80, 40), (40, 160, 90), (60, 70, 200))):
        path = folder / f"photo{i}.jpg"
        Image.new("RGB", (160, 120), colour).save(path, "JPEG")
        paths.append(path)
    home = tmp_path / "home"
    run_cli(home, "scan", str(folder), "--no-analyze", "--quiet")
    return home, paths


def _id_and_hash(home: Path, path: Path) -> tuple[int, str]:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    con = sqlite3.connect(home / "camroll.db")
    (photo_id,) = con.execute("SELECT id FROM photos WHERE hash = ?", (digest,)).fetchone()
    return int(photo_id), digest


@pytest.mark.parametrize("form", ["path", "hash"])
def test_make_collage_and_filtered_take_paths_and_hashes(library: tuple[Path, list[Path]], form: str) -> None:
    home, paths = library
    named = [str(p) if form == "path" else _id_and_hash(home, p)[1][:12] for p in paths[:2]]
    ids = [_id_and_hash(home, p)[0] for p in paths[:2]]
    out = run_cli(home, "make", "collage", *named, "--layout", "grid", "--size", "400x400", "--json")
    assert sorted(out["photo_ids"]) == sorted(ids)
    out = run_cli(home, "make", "filtered", *named, "--filter", "warm", "--max-side", "64", "--json")
    assert len(out["made"]) == 2 and out["problems"] == []


def test_a_name_that_is_no_photo_is_said_and_the_rest_is_made(library: tuple[Path, list[Path]], tmp_path: Path) -> None:
    home, paths = library
    stranger = tmp_path / "not-scanned.jpg"
    Image.new("RGB", (40, 40)).save(stranger)
    out = run_cli(home, "make", "filtered", str(paths[0]), str(stranger), "deadbeef00", "--filter", "warm", "--json")
    assert len(out["made"]) == 1
    assert [p.split(":")[0] for p in out["problems"]] == [repr(str(stranger)), "'deadbeef00'"]


@pytest.mark.parametrize("form", ["path", "hash"])
def test_remove_takes_paths_and_hashes(library: tuple[Path, list[Path]], form: str) -> None:
    home, paths = library
    photo_id, digest = _id_and_hash(home, paths[1])
    named = str(paths[1]) if form == "path" else digest
    out = run_cli(home, "remove", named, "--json")
    assert out["removed"] == [photo_id]
    assert paths[1].is_file(), "the file itself stays"
    result = CliRunner().invoke(app, ["remove", named, "--home", str(home)])
    assert result.exit_code == 2 and "No photo" in result.output


@pytest.mark.parametrize("form", ["path", "hash"])
def test_edit_favourite_and_delete_take_paths_and_hashes(library: tuple[Path, list[Path]], form: str) -> None:
    home, paths = library
    photo_id, digest = _id_and_hash(home, paths[2])
    named = str(paths[2]) if form == "path" else digest[:10]
    assert run_cli(home, "edit", named, "--rating", "4", "--json")["photo"] == photo_id
    run_cli(home, "favourite", named)
    con = sqlite3.connect(home / "camroll.db")
    assert con.execute("SELECT favourite FROM photo_flags WHERE photo_id = ?", (photo_id,)).fetchone() == (1,)
    run_cli(home, "delete", named, "--yes")
    assert not paths[2].exists(), "moved to the trash"


@pytest.mark.parametrize("form", ["path", "hash"])
def test_add_face_clip_and_album_take_paths_and_hashes(library: tuple[Path, list[Path]], form: str) -> None:
    """Each resolves the photo and goes on to its own answer (not "no photo")."""
    home, paths = library
    photo_id, digest = _id_and_hash(home, paths[0])
    named = str(paths[0]) if form == "path" else digest[:16]
    runner = CliRunner()
    face = runner.invoke(app, ["people", "add-face", named, "--box", "10,10,60,60", "--home", str(home)])
    assert face.exit_code != 0 and "Faces is not granted" in face.output, face.output
    clip = runner.invoke(app, ["clip", named, "--out", str(home.parent / "clips"), "--home", str(home)])
    assert clip.exit_code != 0 and "carries no motion clip" in clip.output, clip.output
    run_cli(home, "album", "create", "Trip")
    run_cli(home, "album", "add", "Trip", named)
    run_cli(home, "album", "cover", "Trip", named)
    con = sqlite3.connect(home / "camroll.db")
    assert con.execute("SELECT photo_id FROM album_photos").fetchall() == [(photo_id,)]
    unknown = runner.invoke(app, ["people", "add-face", "0123456789abcdef", "--box", "1,1,60,60", "--home", str(home)])
    assert unknown.exit_code != 0 and "no photo" in unknown.output
