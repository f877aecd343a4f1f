"""`camroll forget`: everything derived is gone, down to the bytes of the database file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import run_cli, tree_hashes


@pytest.mark.sqlite_only  # it reads the bytes of camroll.db*
def test_forget_leaves_no_trace_of_a_photo(tmp_path: Path, photos_dir: Path) -> None:
    home, lib = tmp_path / "home", tmp_path / "lib"
    shutil.copytree(photos_dir / "faces" / "_groups", lib / "groups")
    shutil.copyfile(photos_dir / "exif" / "exifr" / "IMG_5910.jpg", lib / "IMG_5910.jpg")
    before = tree_hashes(lib)
    run_cli(home, "scan", str(lib))
    run_cli(home, "consent", "grant", "places", "faces", "people", "tags", "duplicates")
    run_cli(home, "analyze")
    records = run_cli(home, "photos", "--json")
    secrets = {r["hash"] for r in records} | {"Berkeley", "IMG_5910", "deepface_couple"}
    assert list((home / "cache" / "faces").glob("*.jpg.sealed"))

    reports = run_cli(home, "forget", "--yes", "--json")
    assert sum(r["total"] for r in reports) > 0
    assert run_cli(home, "photos", "--json") == [] and run_cli(home, "people", "--json") == []
    assert list((home / "cache" / "faces").glob("*")) == []
    raw = b"".join(p.read_bytes() for p in home.glob("camroll.db*"))
    for secret in secrets:
        assert secret.encode() not in raw, f"{secret} is still in the database file"
    assert run_cli(home, "audit", "verify", "--json")["intact"]
    assert tree_hashes(lib) == before, "forgetting never touches the photos"
