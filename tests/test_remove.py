"""`camroll remove`: a removed photo stays out of later scans, wherever its file goes, until `forget`."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import run_cli


def test_a_removed_photo_is_not_catalogued_again(tmp_path: Path, photos_dir: Path) -> None:
    lib, home = tmp_path / "lib", tmp_path / "home"
    lib.mkdir()
    scenes = sorted((photos_dir / "scenes").glob("*/*.jpg"))[:2]
    for p in scenes:
        shutil.copy(p, lib / p.name)
    run_cli(home, "scan", str(lib))
    photos = {Path(r["path"]).name: r for r in run_cli(home, "photos", "--json")}
    gone = photos[scenes[0].name]
    removed = run_cli(home, "remove", str(gone["id"]), "--json")
    assert removed["removed"] == [gone["id"]]

    shutil.copy(scenes[0], lib / "copied-elsewhere.jpg")  # the same picture under another name
    out = run_cli(home, "scan", str(lib)).output
    assert "left out" in out
    names = {Path(r["path"]).name for r in run_cli(home, "photos", "--json")}
    assert names == {scenes[1].name}
    assert all(gone["hash"] not in p.read_bytes().decode("latin-1") for p in home.rglob("*.db"))

    run_cli(home, "forget", "--yes")
    run_cli(home, "scan", str(lib))
    names = {Path(r["path"]).name for r in run_cli(home, "photos", "--json")}
    assert names == {scenes[0].name, scenes[1].name, "copied-elsewhere.jpg"}, "forget clears the removed list too"
