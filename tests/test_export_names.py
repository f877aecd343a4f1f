"""Names a cloud export gave photos name the person camroll finds in them (issue 13)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import run_cli

PHOTOS = Path(__file__).resolve().parent / "data" / "photos"
pytestmark = pytest.mark.photos


def _takeout(root: Path, named: dict[str, list[Path]]) -> Path:
    """A Takeout folder: each photo with a sidecar whose ``people`` is the name given."""
    album = root / "Takeout" / "Google Photos" / "Photos from 2023"
    album.mkdir(parents=True)
    for i, (name, photos) in enumerate(sorted(named.items())):
        for j, photo in enumerate(photos):
            target = album / f"{name}_{j}{photo.suffix}"
            shutil.copy(photo, target)
            sidecar = {"photoTakenTime": {"timestamp": str(1688486112 + 1000 * i + j)}, "people": [{"name": name}]}
            (album / f"{target.name}.json").write_text(json.dumps(sidecar))
    return root / "Takeout"


def test_a_name_from_takeout_names_the_person_in_those_photos_and_never_a_typed_name(tmp_path: Path) -> None:
    faces = PHOTOS / "faces"
    named = {
        "Ana Souza": sorted((faces / "deepface_p01").glob("img[1245].jpg")),
        "Ben Okafor": sorted((faces / "deepface_p02").glob("*.jpg"))[:4],
    }
    home = tmp_path / "home"
    run_cli(home, "import", "takeout", str(_takeout(tmp_path / "export", named)), "--json")
    run_cli(home, "consent", "grant", "faces", "people")
    run_cli(home, "analyze", "--json")
    people = {p["name"]: p for p in run_cli(home, "people", "--json", "--all") if p["name"]}
    assert {"Ana Souza", "Ben Okafor"} <= set(people), [p["name"] for p in run_cli(home, "people", "--json", "--all")]
    ana = people["Ana Souza"]
    assert all(Path(f["path"]).name.startswith("Ana Souza_") for f in ana["faces"])
    conn = sqlite3.connect(home / "camroll.db")
    assert conn.execute("SELECT name_source FROM people WHERE id = ?", (ana["id"],)).fetchone() == (
        "import:takeout:people",
    )
    conn.close()
    # A name typed by hand wins over the export's, also when the people are clustered again.
    ben = people["Ben Okafor"]["id"]
    run_cli(home, "people", "name", str(ben), "Benjamin")
    run_cli(home, "analyze", "--json")
    after = {p["id"]: p["name"] for p in run_cli(home, "people", "--json", "--all")}
    assert after[ben] == "Benjamin" and after[ana["id"]] == "Ana Souza"
