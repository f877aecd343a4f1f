"""Hand edits of people survive revoke, a new grant and ``import-names`` (issue 14).

The issue met exactly this sequence on a real library: after revoking faces, granting them again
and importing names from sidecars, a name landed on the wrong cluster, a hand-made split was lost
and a birthday was gone. Here it runs through the CLI on real photos (two LFW identities and one
deepface identity): the name, the split, the "not this person", the birthday and the import all
come out as the person left them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from camroll.config import AppContext, Config
from camroll.library.sidecars import FaceRegion, Sidecar, to_xmp
from tests.conftest import run_cli

IDENTITIES = ("lfw_Colin_Powell", "lfw_Donald_Rumsfeld", "deepface_p01")


def _people(home: Path) -> dict[int, dict[str, object]]:
    """person id -> name, birthday and the set of 'folder/file' of their faces' photos."""
    return {
        p["id"]: {
            "name": p["name"],
            "birthday": p["birthday"],
            "photos": {f"{Path(f['path']).parent.name}/{Path(f['path']).name}" for f in p["faces"]},
            "faces": {f"{Path(f['path']).parent.name}/{Path(f['path']).name}": f for f in p["faces"]},
        }
        for p in run_cli(home, "people", "--json")
    }


def _holding(people: dict[int, dict[str, object]], photo: str) -> int:
    [person] = [pid for pid, p in people.items() if photo in p["photos"]]  # type: ignore[operator]
    return person


def _sidecar(home: Path, folder: Path, photo: str, face: dict[str, object], name: str) -> None:
    """A digiKam-style sidecar (``NAME.jpg.xmp``, no camroll hash) naming one face region."""
    ctx = AppContext(Config(home=home))
    width, height = ctx.db.conn.execute(
        "SELECT p.width, p.height FROM photos p JOIN files f ON f.photo_id = p.id WHERE f.path LIKE ?", ("%/" + photo,)
    ).fetchone()
    ctx.close()
    x, y, w, h = face["box"]  # type: ignore[misc]
    (folder / (Path(photo).name + ".xmp")).write_text(
        to_xmp(Sidecar(width, height, [FaceRegion(x, y, w, h, name)])), encoding="utf-8"
    )


def test_name_split_rejection_and_birthday_survive_revoke_regrant_and_import_names(
    tmp_path: Path, photos_dir: Path
) -> None:
    lib, home, sidecars = tmp_path / "lib", tmp_path / "home", tmp_path / "sidecars"
    for name in IDENTITIES:
        shutil.copytree(photos_dir / "faces" / name, lib / name)
    sidecars.mkdir()
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet")
    run_cli(home, "consent", "grant", "faces", "people")
    run_cli(home, "analyze", "--quiet")
    before = _people(home)

    powell = _holding(before, "lfw_Colin_Powell/Colin_Powell_0001.jpg")
    rumsfeld = _holding(before, "lfw_Donald_Rumsfeld/Donald_Rumsfeld_0001.jpg")
    p01 = _holding(before, "deepface_p01/img1.jpg")
    assert len({powell, rumsfeld, p01}) == 3, "three people to start from"

    # The person's edits: a name, "not this person", a split, a birthday.
    run_cli(home, "people", "name", str(powell), "Colin")
    not_colin = before[powell]["faces"]["lfw_Colin_Powell/Colin_Powell_0009.jpg"]["face_id"]  # type: ignore[index]
    run_cli(home, "people", "remove-face", str(not_colin))
    split_photos = {f"lfw_Donald_Rumsfeld/Donald_Rumsfeld_000{i}.jpg" for i in (1, 2, 3)}
    faces_r = before[rumsfeld]["faces"]
    split_args = [a for p in sorted(split_photos) for a in ("--face", str(faces_r[p]["face_id"]))]  # type: ignore[index]
    out = run_cli(home, "people", "split", str(rumsfeld), *split_args).output
    split = int(out.rsplit("new person ", 1)[1].rstrip(".\n"))
    run_cli(home, "people", "birthday", str(p01), "1980-02-03")
    edited = _people(home)
    assert "lfw_Colin_Powell/Colin_Powell_0009.jpg" not in edited[powell]["photos"]  # type: ignore[operator]
    assert edited[split]["photos"] == split_photos

    # Revoke faces (people goes with it), grant both again: every face is found again, new ids.
    run_cli(home, "consent", "revoke", "faces")
    assert run_cli(home, "people", "--json") == []
    run_cli(home, "consent", "grant", "faces", "people")
    run_cli(home, "analyze", "--quiet")

    # Names from another app: one for a Rumsfeld photo not split off, one contradicting a name
    # the person typed, one for a photo of the split-off person.
    after_grant = _people(home)
    keep = "lfw_Donald_Rumsfeld/Donald_Rumsfeld_0005.jpg"
    _sidecar(home, sidecars, keep, after_grant[_holding(after_grant, keep)]["faces"][keep], "Donald Rumsfeld")  # type: ignore[index]
    colin = "lfw_Colin_Powell/Colin_Powell_0002.jpg"
    _sidecar(home, sidecars, colin, after_grant[_holding(after_grant, colin)]["faces"][colin], "General Powell")  # type: ignore[index]
    cut = "lfw_Donald_Rumsfeld/Donald_Rumsfeld_0002.jpg"
    _sidecar(home, sidecars, cut, after_grant[_holding(after_grant, cut)]["faces"][cut], "Rumsfeld Lookalike")  # type: ignore[index]
    result = run_cli(home, "import-names", str(sidecars), "--json")
    assert [k["kept"] for k in result["kept_user_names"]] == ["Colin"]

    after = _people(home)
    # The name is on the same person, holding the same photos (and not the one they rejected).
    assert after[powell]["name"] == "Colin"
    assert after[powell]["photos"] == edited[powell]["photos"]
    assert _holding(after, "lfw_Colin_Powell/Colin_Powell_0009.jpg") != powell
    # The split stays split: the same two people, each with the same photos; the import named
    # each of them, and not the other.
    assert after[split]["photos"] == split_photos and after[split]["name"] == "Rumsfeld Lookalike"
    assert after[rumsfeld]["photos"] == edited[rumsfeld]["photos"]
    assert after[rumsfeld]["name"] == "Donald Rumsfeld"
    # The birthday is still on the person with the same photos.
    assert after[p01]["birthday"] == "1980-02-03" and after[p01]["photos"] == edited[p01]["photos"]


def test_removing_a_photo_deletes_its_hand_edits_and_forget_deletes_them_all(tmp_path: Path, photos_dir: Path) -> None:
    """The edits outlive a revoke, not the photo: removing it, or forgetting everything, deletes them."""
    lib, home = tmp_path / "lib", tmp_path / "home"
    shutil.copytree(photos_dir / "faces" / "lfw_Colin_Powell", lib / "powell")
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet")
    run_cli(home, "consent", "grant", "faces", "people")
    run_cli(home, "analyze", "--quiet")
    [person] = [p for p in run_cli(home, "people", "--json") if p["face_count"] > 5]
    run_cli(home, "people", "name", str(person["id"]), "Colin")
    ctx = AppContext(Config(home=home))
    count = int(ctx.db.scalar("SELECT count(*) FROM face_edits"))
    assert count == person["face_count"]
    run_cli(home, "remove", str(person["faces"][0]["photo_id"]))
    assert ctx.db.scalar("SELECT count(*) FROM face_edits") == count - 1
    run_cli(home, "forget", "--yes")
    assert ctx.db.scalar("SELECT count(*) FROM face_edits") == 0
    assert ctx.db.scalar("SELECT count(*) FROM people") == 0, "a named person goes with the last of their edits"
    ctx.close()
