"""Turning a photo by hand (``camroll edit --rotate``): the orientation group, a turned photo's
thumbnail and face boxes, its hand-named face, its sidecar, undo, and an original never written."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from camroll import thresholds
from camroll.analysis.decode import _orient
from camroll.config import AppContext, Config
from camroll.library import scan as scan_module
from camroll.library.orientation import compose, inverse, rotate_box, rotated
from camroll.people.hand_edits import iou
from camroll.web import thumbs
from tests.conftest import PHOTOS, run_cli

FACE_PHOTO = PHOTOS / "faces" / "deepface_p01" / "img1.jpg"


def _pixels(img: Image.Image) -> np.ndarray:
    return np.asarray(img).astype(np.int16)


def test_orientation_composition_table() -> None:
    """Every pair of the eight orientations composes to the one PIL's own transposes agree with,
    and a turn of 90/180/270 on top of each is what turning its displayed pixels gives."""
    img = Image.fromarray(np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3) * 13)
    for a in range(1, 9):
        for b in range(1, 9):
            assert (_pixels(_orient(img, compose(a, b))) == _pixels(_orient(_orient(img, a), b))).all(), (a, b)
        for degrees in (0, 90, 180, 270):
            turned = _orient(img, a).rotate(-degrees, expand=True)  # PIL turns anticlockwise
            assert (_pixels(_orient(img, rotated(a, degrees))) == _pixels(turned)).all(), (a, degrees)
        assert compose(a, inverse(a)) == 1
    # The rows a person meets: a quarter turn clockwise of each orientation.
    assert [rotated(o, 90) for o in range(1, 9)] == [6, 7, 8, 5, 2, 3, 4, 1]
    assert rotated(6, 90) == 3 and rotated(6, 270) == 1 and rotated(8, 90) == 1
    with pytest.raises(ValueError):
        rotated(1, 45)


def test_a_box_turns_with_its_photo() -> None:
    """A box drawn on a photo is where :func:`rotate_box` says after the photo turns."""
    width, height, box = 60, 40, (5, 8, 12, 20)
    canvas = np.zeros((height, width), dtype=np.uint8)
    canvas[box[1] : box[1] + box[3], box[0] : box[0] + box[2]] = 255
    for degrees in (90, 180, 270):
        turned = np.asarray(Image.fromarray(canvas).rotate(-degrees, expand=True))
        ys, xs = np.nonzero(turned)
        found = (xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1)
        assert rotate_box(box, width, height, degrees) == found, degrees


def _db(home: Path) -> sqlite3.Connection:
    return sqlite3.connect(home / "camroll.db")


def _row(home: Path) -> tuple[int, int, int, int]:
    with _db(home) as con:
        return con.execute("SELECT orientation, display_orientation, width, height FROM photos").fetchone()


def _faces(home: Path) -> list[tuple[float, float, float, float]]:
    with _db(home) as con:
        return [tuple(r) for r in con.execute("SELECT x, y, w, h FROM faces ORDER BY w * h DESC")]


def _thumb(home: Path) -> Image.Image:
    ctx = AppContext(Config(home=home, workers=1))
    try:
        path = thumbs.thumbnail(ctx, 1, thresholds.WEB_VIEW_SIDE)
        assert path is not None
        with Image.open(path) as img:
            return img.convert("RGB")
    finally:
        ctx.close()


def _like(img: Image.Image, expected: Image.Image) -> float:
    """Mean absolute difference of two pictures, the second scaled to the first's size."""
    return float(np.abs(_pixels(img) - _pixels(expected.resize(img.size, Image.Resampling.BILINEAR))).mean())


def test_a_turned_photo_is_shown_turned_its_faces_found_again_and_undo_restores(tmp_path: Path) -> None:
    home, folder = tmp_path / "home", tmp_path / "lib"
    folder.mkdir()
    photo = folder / "portrait.jpg"
    shutil.copyfile(FACE_PHOTO, photo)
    original = hashlib.sha256(photo.read_bytes()).hexdigest()
    run_cli(home, "scan", str(folder), "--no-analyze", "--quiet")
    run_cli(home, "consent", "grant", "faces", "people")
    run_cli(home, "analyze", "--quiet", "--workers", "1")
    width, height = _row(home)[2:]
    (face, *_) = _faces(home)
    with _db(home) as con:
        (person,) = con.execute("SELECT person_id FROM faces WHERE person_id IS NOT NULL").fetchone()
    run_cli(home, "people", "name", str(person), "Ana")
    upright = Image.open(photo).convert("RGB")
    assert _like(_thumb(home), upright) < 8

    out = run_cli(home, "edit", str(photo), "--rotate", "90", "--json")
    assert out["changed"] == ["rotation"] and out["edits"] == {"rotation": 90}
    assert _row(home) == (6, 6, height, width)
    assert _faces(home) == [], "the faces found sideways are purged, to be found again"
    with _db(home) as con:
        assert con.execute("SELECT count(*) FROM analysis_state WHERE capability = 'faces'").fetchone()[0] == 0
        (edit_box,) = con.execute("SELECT x, y, w, h FROM face_edits WHERE kind = 'is'").fetchall()
    # The person's naming of the face turned with the photo (its key is the box).
    assert iou(edit_box, rotate_box(face, width, height, 90)) > 0.95
    sidecar = photo.with_name("portrait.xmp").read_text(encoding="utf-8")
    assert 'tiff:Orientation="6"' in sidecar and 'camroll:Rotation="90"' in sidecar
    # The thumbnail is made again, turned: like the photo turned a quarter clockwise, unlike it upright.
    shown = _thumb(home)
    assert (shown.width > shown.height) == (height > width)
    assert _like(shown, upright.rotate(-90, expand=True)) < 8
    assert _like(shown, upright.rotate(90, expand=True)) > 25

    run_cli(home, "analyze", "--quiet", "--workers", "1")
    (found, *_) = _faces(home)
    assert iou(found, rotate_box(face, width, height, 90)) > 0.6, (found, face)
    with _db(home) as con:
        names = con.execute("SELECT p.name FROM faces f JOIN people p ON p.id = f.person_id").fetchall()
    assert names == [("Ana",)], "the face found again is still Ana"

    # Read again by a newer metadata reader: the file says upright, the turn still wins.
    old = scan_module.METADATA_VERSION
    try:
        scan_module.METADATA_VERSION = old + 1
        run_cli(home, "scan", str(folder), "--no-analyze", "--quiet")
    finally:
        scan_module.METADATA_VERSION = old
    assert _row(home) == (6, 6, height, width)

    # A rebuilt library gets the turn back from the sidecar.
    rebuilt = tmp_path / "rebuilt"
    run_cli(rebuilt, "scan", str(folder), "--no-analyze", "--quiet")
    assert _row(rebuilt) == (6, 6, height, width)

    # Turns add up; undo gives the file's own orientation back, and the faces are found upright.
    assert run_cli(home, "edit", "1", "--rotate", "180", "--json")["edits"] == {"rotation": 270}
    assert _row(home) == (8, 8, height, width)
    run_cli(home, "edit", "1", "--undo", "rotation", "--json")
    assert _row(home) == (1, 1, width, height)
    assert _like(_thumb(home), upright) < 8
    run_cli(home, "analyze", "--quiet", "--workers", "1")
    (again, *_) = _faces(home)
    assert iou(again, face) > 0.8
    with _db(home) as con:
        assert con.execute("SELECT p.name FROM faces f JOIN people p ON p.id = f.person_id").fetchall() == [("Ana",)]
    # A full turn is no edit at all.
    run_cli(home, "edit", "1", "--rotate", "270", "--json")
    assert run_cli(home, "edit", "1", "--rotate", "90", "--json")["edits"] == {}
    assert _row(home) == (1, 1, width, height)
    assert hashlib.sha256(photo.read_bytes()).hexdigest() == original


def test_bad_turns_are_refused(tmp_path: Path) -> None:
    home, folder = tmp_path / "home", tmp_path / "lib"
    folder.mkdir()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(folder / "a.jpg")
    run_cli(home, "scan", str(folder), "--no-analyze", "--quiet")
    from typer.testing import CliRunner

    from camroll.cli import app

    result = CliRunner().invoke(app, ["edit", "1", "--rotate", "45", "--home", str(home)])
    assert result.exit_code != 0 and "90, 180 or 270" in result.output
    assert _row(home) == (1, 1, 40, 30)
