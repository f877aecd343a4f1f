"""Filters: each look changes pixels as its recipe says, is deterministic, and only ever writes
copies (the originals' bytes and times are unchanged; the copies go to the creations folder,
recorded, and a portrait copy shaped by face boxes goes when the faces consent does)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from camroll.config import AppContext, Config
from camroll.creations import records
from camroll.creations.filters import FILTERS, UnknownFilter, apply_filter
from tests.conftest import run_cli, tree_hashes

REQUIRED = ("warm", "cool", "mono", "vintage", "vivid", "film", "portrait")


def _scene() -> Image.Image:
    """A test card: a colour sweep on top, a flat mid-grey patch, and a textured lower half."""
    rng = np.random.default_rng(3)
    h, w = 480, 640
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.zeros((h, w, 3), np.float32)
    img[..., 0] = 60 + 160 * xx / w
    img[..., 1] = 80 + 120 * (1 - xx / w)
    img[..., 2] = 70 + 150 * yy / h
    img[40:140, 40:200] = 128  # flat grey
    img[240:, :] += rng.normal(0, 30, (h - 240, w, 3))  # texture, where sharpness shows
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def _arr(img: Image.Image) -> np.ndarray:
    return np.asarray(img, dtype=np.float64)


def _noise(img: Image.Image, box: tuple[int, int, int, int]) -> float:
    """Spatial spread of each channel over ``box`` (the largest): zero on a flat patch."""
    return float(_arr(img.crop(box)).std(axis=(0, 1)).max())


def _sharpness(img: Image.Image, box: tuple[int, int, int, int]) -> float:
    edges = np.asarray(img.convert("L").crop(box).filter(ImageFilter.FIND_EDGES), dtype=np.float64)
    return float(edges[2:-2, 2:-2].var())


def test_every_required_look_is_documented_and_keeps_the_size() -> None:
    scene = _scene()
    before = scene.tobytes()
    for name in REQUIRED:
        assert name in FILTERS and len(FILTERS[name]) > 30
        out = apply_filter(scene, name, seed=1)
        assert out.size == scene.size and out.mode == "RGB"
        assert np.abs(_arr(out) - _arr(scene)).mean() > 2, f"{name} changed almost nothing"
        assert apply_filter(scene, name, seed=1).tobytes() == out.tobytes()  # deterministic
    assert scene.tobytes() == before  # the input is never changed
    with pytest.raises(UnknownFilter, match="choose one of"):
        apply_filter(scene, "sepia-ish")


def test_mono_is_grey() -> None:
    out = _arr(apply_filter(_scene(), "mono"))
    assert np.array_equal(out[..., 0], out[..., 1]) and np.array_equal(out[..., 1], out[..., 2])


def test_warm_and_cool_move_the_red_blue_balance() -> None:
    scene = _scene()

    def red_over_blue(img: Image.Image) -> float:
        a = _arr(img)
        return float(a[..., 0].mean() / a[..., 2].mean())

    base = red_over_blue(scene)
    assert red_over_blue(apply_filter(scene, "warm")) > base * 1.15
    assert red_over_blue(apply_filter(scene, "cool")) < base * 0.9


def test_vivid_saturates_and_vintage_fades() -> None:
    scene = _scene()

    def chroma(img: Image.Image) -> float:
        a = _arr(img)
        return float((a.max(axis=2) - a.min(axis=2)).mean())

    assert chroma(apply_filter(scene, "vivid")) > chroma(scene) * 1.15
    vintage = apply_filter(scene, "vintage")
    assert chroma(vintage) < chroma(scene) * 0.85
    black = apply_filter(Image.new("RGB", (64, 64), (0, 0, 0)), "vintage")
    assert _arr(black)[24:40, 24:40].mean() > 15  # lifted blacks: a faded print has no true black


def test_film_grain_adds_variance_in_flat_areas_and_follows_the_seed() -> None:
    scene = _scene()
    flat = (50, 50, 190, 130)
    assert _noise(scene, flat) < 0.5
    film = apply_filter(scene, "film", seed=1)
    assert _noise(film, flat) > 4
    assert _noise(apply_filter(scene, "warm"), flat) < 0.5  # no grain in a look without it
    other = apply_filter(scene, "film", seed=2)
    assert other.tobytes() != film.tobytes()
    # grain looks alike at any size: the particle is a share of the photo, not a pixel
    small = apply_filter(scene.resize((320, 240)), "film", seed=1)
    assert _noise(small, (25, 25, 95, 65)) > 4


def test_portrait_keeps_faces_sharp_and_softens_the_background() -> None:
    scene = _scene()
    face = (260.0, 300.0, 90.0, 110.0)
    out = apply_filter(scene, "portrait", faces=[face])
    face_box = (270, 310, 340, 400)
    background = (520, 250, 630, 340)
    kept = _sharpness(out, face_box) / _sharpness(scene, face_box)
    softened = _sharpness(out, background) / _sharpness(scene, background)
    assert kept > 0.8 and softened < 0.2, (kept, softened)
    no_faces = apply_filter(scene, "portrait")  # the middle stays sharp, the edges soften
    assert _sharpness(no_faces, (290, 300, 350, 360)) > 3 * _sharpness(no_faces, (0, 300, 60, 360))


def test_filtered_copies_never_touch_originals_and_are_recorded(library_copy: Path, photos_dir: Path) -> None:
    ctx = AppContext(Config(home=library_copy))
    try:
        couple = ctx.db.scalar("SELECT photo_id FROM files WHERE path LIKE '%_groups/deepface_couple%'")
        scene = ctx.db.scalar("SELECT photo_id FROM files WHERE path LIKE '%scenes/dog/dog_orange%'")
    finally:
        ctx.close()
    before = tree_hashes(photos_dir)
    made = run_cli(
        library_copy, "make", "filtered", str(couple), str(scene), "999999", "--filter", "portrait", "--json"
    )
    mono = run_cli(library_copy, "make", "filtered", str(scene), "--filter", "mono", "--max-side", "200", "--json")
    assert tree_hashes(photos_dir) == before
    assert len(made["made"]) == 2 and len(made["problems"]) == 1
    by_photo = {m["photo_id"]: m for m in made["made"]}
    creations = (library_copy / "creations").resolve()
    for m in [*made["made"], *mono["made"]]:
        assert Path(m["path"]).parent == creations and Path(m["path"]).is_file()
    assert by_photo[couple]["capabilities"] == ["faces"] and by_photo[scene]["capabilities"] == []
    assert max(mono["made"][0]["size"]) == 200
    grey = _arr(Image.open(mono["made"][0]["path"]).convert("RGB"))
    assert np.abs(grey[..., 0] - grey[..., 2]).max() <= 6
    # the couple's faces stayed sharp and the background behind them softened
    ctx = AppContext(Config(home=library_copy))
    try:
        out = Image.open(by_photo[couple]["path"]).convert("RGB")
        from camroll.creations.source import face_boxes, open_photo

        original = open_photo(ctx, couple)
        x, y, w, h = (round(v) for v in face_boxes(ctx, couple)[0])
        face = (x + w // 4, y + h // 4, x + 3 * w // 4, y + 3 * h // 4)
        corner = (0, 0, 300, 220)
        assert _sharpness(out, face) > 0.6 * _sharpness(original, face)
        assert _sharpness(out, corner) < 0.3 * _sharpness(original, corner)
        rows = {c.id: c for c in records.listing(ctx)}
        assert rows[by_photo[couple]["id"]].kind == "filtered" and rows[by_photo[couple]["id"]].photo_ids == [couple]
        from camroll.privacy.consent import revoke

        revoke(ctx, "faces")  # the portrait copy was shaped by face boxes: it goes with them
        assert not Path(by_photo[couple]["path"]).exists() and Path(by_photo[scene]["path"]).exists()
    finally:
        ctx.close()


def test_filtered_refuses_unknown_looks_and_originals_folders(library_copy: Path, photos_dir: Path) -> None:
    from typer.testing import CliRunner

    from camroll.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["make", "filtered", "1", "--filter", "sepia-ish", "--home", str(library_copy)])
    assert result.exit_code == 2 and "choose one of" in result.output
    folder = photos_dir / "scenes" / "dog"
    before = tree_hashes(folder)
    result = runner.invoke(
        app, ["make", "filtered", "1", "--filter", "warm", "--out", str(folder), "--home", str(library_copy)]
    )
    assert result.exit_code == 1 and "holds original photos" in result.output
    assert tree_hashes(folder) == before
