"""Export: library.json holds what camroll derived; XMP sidecars carry MWG face regions that
exiftool (and so digiKam and Lightroom) read; names come back from the sidecars; a name a person
gave is never overwritten."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from defusedxml import ElementTree as SafeET
from typer.testing import CliRunner

from camroll.cli import app
from camroll.config import AppContext, Config
from camroll.privacy import audit
from tests.conftest import copy_home, run_cli, tree_hashes

KEYS = {
    "photos",
    "places",
    "faces",
    "people",
    "tags",
    "texts",
    "sensitive",
    "quality",
    "duplicates",
    "moments",
    "creations",
    "expressions",
}
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
MWG = "{http://www.metadataworkinggroup.com/schemas/regions/}"
AREA = "{http://ns.adobe.com/xmp/sType/Area#}"
DIM = "{http://ns.adobe.com/xap/1.0/sType/Dimensions#}"


def _ctx(home: Path) -> AppContext:
    return AppContext(Config(home=home, workers=1))


def _name_two_people(home: Path) -> dict[int, str]:
    """Name the two people with the most faces; return {person id: name}."""
    ctx = _ctx(home)
    ids = [
        r[0]
        for r in ctx.db.query(
            "SELECT person_id FROM faces WHERE person_id IS NOT NULL GROUP BY person_id"
            " ORDER BY count(*) DESC, person_id LIMIT 2"
        )
    ]
    ctx.close()
    names = dict(zip(ids, ["Ada Lovelace", "Émile Zola"], strict=True))
    for pid, name in names.items():
        run_cli(home, "people", "name", str(pid), name)
    return names


def _regions(path: Path) -> tuple[tuple[int, int], list[dict[str, Any]]]:
    root = SafeET.parse(path).getroot()
    dims = root.find(f".//{MWG}AppliedToDimensions")
    assert dims is not None and dims.get(f"{DIM}unit") == "pixel"
    out = []
    for desc in root.iter(f"{RDF}Description"):
        area = desc.find(f"{MWG}Area")
        if area is None:
            continue
        assert desc.get(f"{MWG}Type") == "Face" and area.get(f"{AREA}unit") == "normalized"
        out.append({"name": desc.get(f"{MWG}Name"), **{k: float(area.get(f"{AREA}{k}") or "nan") for k in "xywh"}})
    return (int(dims.get(f"{DIM}w") or 0), int(dims.get(f"{DIM}h") or 0)), out


def test_export_holds_everything_derived_and_sidecars_carry_the_faces(
    library_copy: Path, photos_dir: Path, tmp_path: Path
) -> None:
    names = _name_two_people(library_copy)
    before = tree_hashes(photos_dir)
    out = tmp_path / "export"
    result = run_cli(library_copy, "export", "--out", str(out), "--json")
    assert tree_hashes(photos_dir) == before

    data = json.loads((out / "library.json").read_text(encoding="utf-8"))
    assert set(data) >= KEYS
    ctx = _ctx(library_copy)
    db_faces = {r["id"]: r for r in ctx.db.query("SELECT id, photo_id, x, y, w, h, person_id FROM faces")}
    assert {f["id"] for f in data["faces"]} == set(db_faces) and db_faces
    assert all("face_print" not in f and "embedding" not in f for f in data["faces"])  # not without being asked
    assert len(data["photos"]) == ctx.db.scalar("SELECT count(*) FROM photos")
    assert {p["name"] for p in data["people"]} >= set(names.values())
    assert len(data["tags"]) == ctx.db.scalar("SELECT count(*) FROM tags") > 0
    assert len(data["texts"]) == ctx.db.scalar("SELECT count(*) FROM texts") > 0
    assert result["sidecars"] > 0

    # every face is a region of its photo's sidecar, the box the faces table holds
    photos = {p["id"]: p for p in data["photos"]}
    checked = 0
    for photo_id in {f["photo_id"] for f in db_faces.values()}:
        photo = photos[photo_id]
        (w, h), regions = _regions(out / photo["sidecar"])
        assert (w, h) == (photo["width"], photo["height"])
        mine = [f for f in db_faces.values() if f["photo_id"] == photo_id]
        assert len(regions) == len(mine)
        for f in mine:
            centre = ((f["x"] + f["w"] / 2) / w, (f["y"] + f["h"] / 2) / h)
            [r] = [r for r in regions if abs(r["x"] - centre[0]) < 1e-5 and abs(r["y"] - centre[1]) < 1e-5]
            assert r["w"] == pytest.approx(f["w"] / w, abs=1e-5) and r["h"] == pytest.approx(f["h"] / h, abs=1e-5)
            assert r["name"] == names.get(f["person_id"])
            checked += 1
    assert checked == len(db_faces)

    # exiftool reads the regions (as digiKam and Lightroom do, through the same MWG tags)
    named_photo = next(f["photo_id"] for f in db_faces.values() if f["person_id"] in names)
    sidecar = out / photos[named_photo]["sidecar"]
    read = json.loads(
        subprocess.run(
            [
                "exiftool",
                "-json",
                "-RegionName",
                "-RegionType",
                "-RegionAreaX",
                "-RegionAreaY",
                "-RegionAreaW",
                "-RegionAreaH",
                "-RegionAppliedToDimensionsW",
                "-RegionAppliedToDimensionsH",
                str(sidecar),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )[0]
    _, regions = _regions(sidecar)
    as_list = lambda v: v if isinstance(v, list) else [v]  # noqa: E731 - exiftool gives a scalar for one region
    assert as_list(read["RegionAreaX"]) == pytest.approx([r["x"] for r in regions], abs=1e-6)
    assert set(as_list(read["RegionType"])) == {"Face"}
    assert names[
        next(f["person_id"] for f in db_faces.values() if f["photo_id"] == named_photo and f["person_id"] in names)
    ] in as_list(read["RegionName"])
    assert read["RegionAppliedToDimensionsW"] == photos[named_photo]["width"]

    # the consent ledger and the audit log, with this export recorded (counts only)
    ledger = json.loads((out / "consent.json").read_text(encoding="utf-8"))
    assert {e["capability"] for e in ledger if e["action"] == "grant"} >= {"faces", "people", "tags"}
    log = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    assert log["intact"] and log["events"][-1]["kind"] == "export"
    assert log["events"][-1]["details"]["faces"] == len(db_faces)
    assert [e.kind for e in audit.events(ctx)][-1] == "export"
    ctx.close()


def test_face_prints_only_when_asked_and_then_decrypted(library_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "new" / "export"
    umask = os.umask(0o022)
    try:
        result = run_cli(library_copy, "export", "--out", str(out), "--include-face-prints", "--json")
    finally:
        os.umask(umask)
    assert any("face prints" in w for w in result["warnings"])
    modes = {str(p.relative_to(out)): p.stat().st_mode & 0o777 for p in [out, *out.rglob("*")]}
    assert modes and all(m == (0o700 if (out / name).is_dir() else 0o600) for name, m in modes.items()), modes
    data = json.loads((out / "library.json").read_text(encoding="utf-8"))
    ctx = _ctx(library_copy)
    row = ctx.db.query("SELECT id, embedding FROM faces WHERE embedding IS NOT NULL LIMIT 1")[0]
    expected = np.frombuffer(ctx.sealer("biometric").open(row["embedding"]), np.float32)
    ctx.close()
    [face] = [f for f in data["faces"] if f["id"] == row["id"]]
    assert np.allclose(face["face_print"], expected, atol=1e-6)


def test_names_come_back_from_the_sidecars_and_a_users_name_stays(library_copy: Path, tmp_path: Path) -> None:
    names = _name_two_people(library_copy)
    run_cli(library_copy, "export", "--out", str(tmp_path / "export"))
    fresh = tmp_path / "fresh"
    copy_home(library_copy, fresh)
    first, second = names
    ctx = _ctx(fresh)
    with ctx.db.transaction() as conn:
        conn.execute("UPDATE people SET name = NULL, name_source = NULL")
        conn.execute("UPDATE people SET name = 'Grandma', name_source = 'user' WHERE id = ?", (second,))
    ctx.close()

    result = run_cli(fresh, "import-names", str(tmp_path / "export" / "sidecars"), "--json")
    ctx = _ctx(fresh)
    people = {r["id"]: (r["name"], r["name_source"]) for r in ctx.db.query("SELECT id, name, name_source FROM people")}
    ctx.close()
    assert people[first][0] == names[first] and people[first][1].startswith("import:")
    assert people[second] == ("Grandma", "user")  # the user's name wins
    assert [k["person_id"] for k in result["kept_user_names"]] == [second]
    assert sum(1 for name, _ in people.values() if name) == 2  # nobody else got a name


def test_regions_other_apps_wrote_into_photos_name_people(library_copy: Path) -> None:
    """A region embedded in the photo (read at scan time into photos.regions) over a face names it."""
    ctx = _ctx(library_copy)
    face = ctx.db.query(
        "SELECT fa.photo_id, fa.x, fa.y, fa.w, fa.h, fa.person_id, p.width, p.height FROM faces fa"
        " JOIN photos p ON p.id = fa.photo_id WHERE fa.person_id IS NOT NULL ORDER BY fa.w DESC LIMIT 1"
    )[0]
    # another app's box: 20% larger than camroll's, same centre
    w, h = face["w"] * 1.2 / face["width"], face["h"] * 1.2 / face["height"]
    region = {
        "name": "Marie Curie",
        "type": "Face",
        "x": (face["x"] + face["w"] / 2) / face["width"],
        "y": (face["y"] + face["h"] / 2) / face["height"],
        "w": w,
        "h": h,
    }
    with ctx.db.transaction() as conn:
        conn.execute("UPDATE photos SET regions = ? WHERE id = ?", (json.dumps([region]), face["photo_id"]))
    ctx.close()
    result = run_cli(library_copy, "import-names", "--json")
    assert [n["person_id"] for n in result["named"]] == [face["person_id"]]
    ctx = _ctx(library_copy)
    assert ctx.db.scalar("SELECT name FROM people WHERE id = ?", (face["person_id"],)) == "Marie Curie"
    ctx.close()


def test_export_never_goes_into_a_folder_of_originals(library_copy: Path, photos_dir: Path) -> None:
    folder = photos_dir / "scenes" / "beach"
    before = tree_hashes(folder)
    result = CliRunner().invoke(app, ["export", "--out", str(folder), "--home", str(library_copy)])
    assert result.exit_code == 2 and "holds original photos" in result.output
    assert tree_hashes(folder) == before


def test_a_sidecar_round_trips_odd_names_and_is_found_by_file_name(library_copy: Path, tmp_path: Path) -> None:
    """digiKam names a sidecar ``IMG_1.jpg.xmp`` and writes no camroll hash: the file name finds the photo."""
    from camroll.library.sidecars import FaceRegion, Sidecar, read_sidecar, to_xmp

    ctx = _ctx(library_copy)
    rows = ctx.db.query(
        "SELECT fa.x, fa.y, fa.w, fa.h, fa.person_id, p.width, p.height, f.path FROM faces fa JOIN photos p"
        " ON p.id = fa.photo_id JOIN files f ON f.photo_id = p.id WHERE fa.person_id IS NOT NULL ORDER BY fa.id"
    )
    names = [Path(r[0]).name for r in ctx.db.query("SELECT path FROM files")]
    face = next(
        r
        for r in rows
        if names.count(Path(r["path"]).name) == 1
        and ctx.db.scalar(
            "SELECT count(*) FROM faces WHERE photo_id = (SELECT photo_id FROM files WHERE path = ?)", (r["path"],)
        )
        == 1
    )
    ctx.close()
    odd = 'Zoë "Z" <O\'Brien> & co'
    sidecar = tmp_path / (Path(face["path"]).name + ".xmp")
    sidecar.write_text(
        to_xmp(
            Sidecar(
                face["width"],
                face["height"],
                [FaceRegion(face["x"], face["y"], face["w"], face["h"], odd)],
                keywords=["a & b"],
            )
        ),
        encoding="utf-8",
    )
    read = read_sidecar(sidecar)
    assert [r.name for r in read.regions] == [odd] and read.content_hash is None and not read.problems
    result = run_cli(library_copy, "import-names", str(sidecar), "--json")
    assert [(n["person_id"], n["name"]) for n in result["named"]] == [(face["person_id"], odd)]


def test_sidecars_carry_rating_favourite_and_albums_as_digikam_and_lightroom_read_them(
    tmp_path: Path, photos_dir: Path
) -> None:
    """The person's curation reaches other apps: exiftool (what digiKam and Lightroom share) reads
    the rating, and the albums and favourite as hierarchical keywords, from the exported sidecar."""
    import subprocess

    lib, home = tmp_path / "lib", tmp_path / "home"
    lib.mkdir()
    for rel in ("scenes/dog/dog_orange.jpg", "scenes/cat/cat_black.jpg"):
        shutil.copy(photos_dir / rel, lib / Path(rel).name)
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet")
    ids = {Path(r["path"]).name: r["id"] for r in run_cli(home, "photos", "--json")}
    dog = str(ids["dog_orange.jpg"])
    run_cli(home, "edit", dog, "--rating", "4")
    run_cli(home, "favourite", dog)
    run_cli(home, "album", "create", "Pets & friends")
    run_cli(home, "album", "add", "Pets & friends", dog, str(ids["cat_black.jpg"]))
    out = tmp_path / "export"
    run_cli(home, "export", "--out", str(out))
    data = json.loads((out / "library.json").read_text())
    exported = {Path(p["files"][0]["path"]).name: p for p in data["photos"]}
    assert exported["dog_orange.jpg"]["favourite"] and not exported["cat_black.jpg"]["favourite"]
    asked = ["-XMP:Rating", "-XMP-lr:HierarchicalSubject", "-XMP-digiKam:TagsList", "-XMP-dc:Subject"]
    sidecar_files = sorted(str(p) for p in (out / "sidecars").glob("*.xmp"))
    done = subprocess.run(["exiftool", "-json", *asked, *sidecar_files], capture_output=True, text=True, check=True)
    by_name = {Path(r["SourceFile"]).stem: r for r in json.loads(done.stdout)}
    dog_side, cat_side = by_name["dog_orange"], by_name["cat_black"]
    assert dog_side["Rating"] == 4
    assert set(dog_side["HierarchicalSubject"]) == {"Albums|Pets & friends", "camroll|Favourite"}
    assert set(dog_side["TagsList"]) == {"Albums/Pets & friends", "camroll/Favourite"}
    assert cat_side["HierarchicalSubject"] in ("Albums|Pets & friends", ["Albums|Pets & friends"])
    assert "Rating" not in cat_side
