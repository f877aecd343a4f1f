"""Collages: crops never cut a face, layouts keep even gutters and suit the photos' shapes, photo
choice covers everyone, and every collage is recorded and goes when its faces consent does.

Unit cases are built in code (photos whose "faces" are magenta squares, so the output's pixels can
be checked against the recorded geometry, one of them stored sideways with an EXIF orientation);
the end-to-end cases use the analysed real photos (face boxes from the faces analyser).
"""

from __future__ import annotations

import io
import itertools
import json
import random
from pathlib import Path

import numpy as np
import piexif
import pytest
from PIL import Image, ImageDraw

from camroll.config import AppContext, Config
from camroll.creations import records
from camroll.creations.choose import best_photo, choose_photos
from camroll.creations.collage import Placement, make_collage
from camroll.creations.framing import crop_for, frame, saliency_centre
from camroll.creations.layouts import Shape, crop_loss, plan
from camroll.creations.records import CreationError
from tests.conftest import run_cli, tree_hashes

Box = tuple[float, float, float, float]


def _inside(outer: Box, inner: Box, tol: float = 1e-6) -> bool:
    return (
        inner[0] >= outer[0] - tol
        and inner[1] >= outer[1] - tol
        and inner[0] + inner[2] <= outer[0] + outer[2] + tol
        and inner[1] + inner[3] <= outer[1] + outer[3] + tol
    )


def _disjoint(a: Box, b: Box, tol: float = 1e-6) -> bool:
    return (
        a[0] + a[2] <= b[0] + tol or b[0] + b[2] <= a[0] + tol or a[1] + a[3] <= b[1] + tol or b[1] + b[3] <= a[1] + tol
    )


def _to_cell(p: Placement | dict[str, object], box: Box) -> Box:
    crop = p.crop if isinstance(p, Placement) else p["crop"]  # type: ignore[index]
    cell = p.cell if isinstance(p, Placement) else p["cell"]  # type: ignore[index]
    cx, cy, cw, ch = crop  # type: ignore[misc]
    dx, dy, dw, dh = cell  # type: ignore[misc]
    sx, sy = dw / cw, dh / ch
    return dx + (box[0] - cx) * sx, dy + (box[1] - cy) * sy, box[2] * sx, box[3] * sy


def _assert_faces_whole(crop: Box, cell: Box, faces: list[Box]) -> int:
    """Every face is wholly in the crop (and then wholly in the cell) or wholly out; returns how many are in."""
    kept = 0
    for face in faces:
        if _inside(crop, face, tol=1e-3):
            mapped = _to_cell(Placement(0, crop, cell), face)
            assert _inside(cell, mapped, tol=0.5), (face, crop, cell, mapped)
            kept += 1
        else:
            assert _disjoint(crop, face, tol=1e-3), f"face {face} is cut by crop {crop}"
    return kept


# --- framing -------------------------------------------------------------------------------------


def test_crop_for_keeps_every_face_whole_in_random_cases() -> None:
    rng = random.Random(4)
    fitted = 0
    for _ in range(400):
        width, height = rng.randint(200, 4000), rng.randint(200, 4000)
        aspect = rng.choice([0.5, 0.75, 1.0, 4 / 3, 16 / 9, 3.0])
        faces: list[Box] = []
        for _f in range(rng.randint(1, 5)):
            side = rng.uniform(0.04, 0.3) * min(width, height)
            faces.append((rng.uniform(0, width - side), rng.uniform(0, height - side * 1.2), side, side * 1.2))
        result = frame(width, height, aspect, faces)
        x, y, w, h = result.rect
        assert w / h == pytest.approx(aspect, rel=1e-6)
        assert x >= -1e-6 and y >= -1e-6 and x + w <= width + 1e-6 and y + h <= height + 1e-6
        full_w = min(width, height * aspect)
        if all(f[2] <= full_w * 0.3 and f[3] <= full_w / aspect * 0.3 for f in faces):
            # faces small enough that some crop always shows one whole: none is ever cut
            assert not result.cut, (width, height, aspect, faces, result)
            assert result.kept
            kept = _assert_faces_whole(result.rect, (0, 0, 100 * aspect, 100), faces)
            assert kept == len(result.kept)
            fitted += 1
        union_w = max(f[0] + f[2] for f in faces) - min(f[0] for f in faces)
        union_h = max(f[1] + f[3] for f in faces) - min(f[1] for f in faces)
        if union_w <= full_w and union_h <= full_w / aspect:
            assert result.all_faces_kept, (width, height, aspect, faces, result)
    assert fitted > 100


def test_two_faces_too_far_apart_for_a_square_show_one_whole_and_not_the_other() -> None:
    couple = [(1393.0, 253.0, 619.0, 876.0), (338.0, 469.0, 620.0, 872.0)]  # the real couple photo's boxes
    result = frame(2280, 1588, 1.0, couple)
    assert len(result.kept) == 1 and len(result.left_out) == 1 and not result.cut
    _assert_faces_whole(result.rect, (0, 0, 500, 500), couple)


def test_crop_centres_faces_with_headroom_and_zooms_only_as_far_as_faces_allow() -> None:
    face = (1800.0, 1200.0, 300.0, 300.0)
    x, y, w, h = crop_for(4000, 3000, 1.0, [face], zoom=3.0)
    assert w == pytest.approx(1000) and _inside((x, y, w, h), face)
    face_centre_y = (face[1] + face[3] / 2 - y) / h
    assert 0.3 < face_centre_y < 0.5  # a little above the middle
    assert crop_for(4000, 3000, 1.0, [face], zoom=20.0)[2] >= 300  # never tighter than the face


def test_without_faces_the_crop_follows_the_subject() -> None:
    rng = np.random.default_rng(1)
    pixels = np.full((600, 1200, 3), 120, np.uint8)
    pixels[200:400, 900:1100] = rng.integers(0, 255, (200, 200, 3), dtype=np.uint8)  # a busy, colourful subject
    img = Image.fromarray(pixels)
    sx, sy = saliency_centre(img)
    assert sx > 800 and 200 < sy < 400
    x, _y, w, _h = crop_for(1200, 600, 1.0, [], focus=(sx, sy))
    assert x <= 900 and x + w >= 1100
    assert crop_for(1200, 600, 1.0, [])[0] == pytest.approx(300)  # no focus: the middle


# --- layouts -------------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["grid", "mosaic", "hero"])
def test_layouts_keep_even_gutters_and_fill_the_canvas(layout: str) -> None:
    rng = random.Random(7)
    gutter = 20.0
    area = (20.0, 20.0, 2008.0, 1508.0)
    for n in (2, 3, 5, 8, 12):
        shapes = [Shape(rng.choice([400, 600, 900, 1600]), rng.choice([400, 600, 900])) for _ in range(n)]
        cells = plan(shapes, area, layout, gutter, hero=1)
        assert len(cells) == n
        for c in cells:
            assert _inside(area, c, tol=1e-6) and c[2] > 50 and c[3] > 50
        gaps = []
        for a, b in itertools.combinations(cells, 2):
            assert _disjoint(a, b), (a, b)
            overlap_y = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
            overlap_x = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
            if overlap_y > 1:  # side by side: the gap between them
                gaps.append(max(b[0] - (a[0] + a[2]), a[0] - (b[0] + b[2])))
            if overlap_x > 1:
                gaps.append(max(b[1] - (a[1] + a[3]), a[1] - (b[1] + b[3])))
        assert min(gaps) == pytest.approx(gutter)  # neighbours are exactly one gutter apart
        covered = sum(c[2] * c[3] for c in cells)
        assert covered > 0.85 * area[2] * area[3]  # no empty holes beyond the gutters


def test_mosaic_gives_each_photo_a_cell_of_its_own_shape() -> None:
    shapes = [
        Shape(3000, 1000),
        Shape(1000, 3000),
        Shape(1000, 1000),
        Shape(1500, 1000),
        Shape(1000, 1500),
        Shape(3000, 1000),
    ]
    area = (0.0, 0.0, 2000.0, 2000.0)

    def loss(cells: list[tuple[float, float, float, float]]) -> float:
        return sum(crop_loss(s.aspect, c[2] / c[3]) for s, c in zip(shapes, cells, strict=True)) / len(shapes)

    mosaic, grid = plan(shapes, area, "mosaic", 10), plan(shapes, area, "grid", 10)
    assert loss(mosaic) < 0.15 < loss(grid)
    assert plan(shapes, area, "mosaic", 10) == mosaic  # the same photos always give the same collage


def test_layouts_prefer_cells_that_keep_a_group_whole() -> None:
    group = Shape(1600, 1000, tuple((100.0 + i * 300, 300.0, 200.0, 240.0) for i in range(5)))
    shapes = [Shape(1000, 1000), group, Shape(1000, 1000)]
    cells = plan(shapes, (0.0, 0.0, 2000.0, 2000.0), "mosaic", 10)
    assert len(frame(group.width, group.height, cells[1][2] / cells[1][3], group.faces).kept) == 5


# --- collages of photos built in code --------------------------------------------------------------

MAGENTA = (255, 0, 255)


def _photo(
    path: Path, size: tuple[int, int], faces: list[Box], orientation: int = 1, taken: str = "2024:05:04 12:00:00"
) -> None:
    """A JPEG whose displayed picture is ``size`` with magenta squares at ``faces`` (displayed
    pixels) over a textured background; stored sideways when ``orientation`` is 6."""
    w, h = size
    rng = np.random.default_rng(abs(hash(path.name)) % 1000)
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([(xx * 200 // w), (yy * 200 // h), np.full_like(xx, 90)], -1)
    pixels = np.clip(base + rng.integers(-25, 25, (h, w, 3)), 0, 255).astype(np.uint8)
    img = Image.fromarray(pixels)
    draw = ImageDraw.Draw(img)
    for x, y, fw, fh in faces:
        draw.rectangle((x, y, x + fw - 1, y + fh - 1), fill=MAGENTA)
    if orientation == 6:
        img = img.transpose(Image.Transpose.ROTATE_90)  # a viewer turns it back 90 degrees clockwise
    exif = piexif.dump(
        {"0th": {piexif.ImageIFD.Orientation: orientation}, "Exif": {piexif.ExifIFD.DateTimeOriginal: taken.encode()}}
    )
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=95, exif=exif)
    path.write_bytes(buf.getvalue())


@pytest.fixture
def built(tmp_path: Path, home: Path) -> tuple[AppContext, Path, dict[str, list[Box]]]:
    """Five photos with 'faces' (one stored sideways), scanned, their face rows written."""
    folder = tmp_path / "photos"
    folder.mkdir()
    specs: dict[str, tuple[tuple[int, int], list[Box], int]] = {
        "wide-group.jpg": (
            (2400, 1200),
            [
                (150.0, 400.0, 180.0, 220.0),
                (700.0, 380.0, 200.0, 240.0),
                (1300.0, 420.0, 170.0, 200.0),
                (2050.0, 400.0, 190.0, 230.0),
            ],
            1,
        ),
        "tall-single.jpg": ((900, 1600), [(300.0, 250.0, 300.0, 360.0)], 1),
        "sideways.jpg": ((1200, 1800), [(700.0, 200.0, 260.0, 300.0)], 6),
        "couple.jpg": ((2000, 1400), [(250.0, 300.0, 500.0, 600.0), (1250.0, 350.0, 500.0, 600.0)], 1),
        "square-edge.jpg": ((1200, 1200), [(0.0, 500.0, 220.0, 260.0)], 1),
    }
    for i, (name, (size, faces, orientation)) in enumerate(specs.items()):
        _photo(folder / name, size, faces, orientation, taken=f"2024:05:04 12:0{i}:00")
    run_cli(home, "scan", str(folder), "--no-analyze", "--quiet")
    context = AppContext(Config(home=home, workers=1))
    boxes: dict[str, list[Box]] = {}
    with context.db.transaction() as conn:
        for name, (size, faces, _o) in specs.items():
            pid = conn.execute("SELECT photo_id FROM files WHERE path LIKE ?", (f"%/{name}",)).fetchone()[0]
            w, h = conn.execute("SELECT width, height FROM photos WHERE id = ?", (pid,)).fetchone()
            assert (w, h) == size, f"{name}: the catalog's displayed size is {w}x{h}"
            for face in faces:
                conn.execute(
                    "INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, model) VALUES (?, ?, ?, ?, ?, 0.99, '[]', 'test')",
                    (pid, *face),
                )
            boxes[str(pid)] = faces
    yield context, folder, boxes
    context.close()


def _magenta_share(img: np.ndarray, box: Box) -> float:
    x, y, w, h = box
    inner = img[round(y + h * 0.15) : round(y + h * 0.85), round(x + w * 0.15) : round(x + w * 0.85)].astype(int)
    hits = (inner[..., 0] > 170) & (inner[..., 1] < 100) & (inner[..., 2] > 170)
    return float(hits.mean()) if hits.size else 0.0


@pytest.mark.parametrize("layout", ["grid", "mosaic", "hero"])
def test_collage_crops_keep_faces_whole_on_the_output(
    built: tuple[AppContext, Path, dict[str, list[Box]]], layout: str, tmp_path: Path
) -> None:
    ctx, folder, boxes = built
    before = tree_hashes(folder)
    ids = sorted(int(p) for p in boxes)
    collage = make_collage(
        ctx, ids, layout=layout, size=(1600, 1200), title="Built in code", out=tmp_path / "out", fmt="png"
    )
    assert tree_hashes(folder) == before
    assert collage.path.parent == (tmp_path / "out").resolve() and collage.path.suffix == ".png"
    out = np.asarray(Image.open(collage.path).convert("RGB"))
    assert out.shape[:2] == (1200, 1600)
    assert sorted(p.photo_id for p in collage.placements) == ids
    kept_total = 0
    for p in collage.placements:
        faces = boxes[str(p.photo_id)]
        assert sorted(p.faces) == sorted(faces)
        kept = _assert_faces_whole(p.crop, p.cell, faces)
        assert kept == len(faces) - p.faces_left_out and p.faces_cut == 0
        kept_total += kept
        for face in faces:
            if _inside(p.crop, face, tol=1e-3):
                # the pixels agree with the recorded geometry: the face's square is where it says
                assert _magenta_share(out, _to_cell(p, face)) > 0.95, (p, face)
    assert kept_total >= 7
    row = records.listing(ctx, collage.creation_id)[0]
    assert row.kind == "collage" and row.capabilities == ["faces"] and sorted(row.photo_ids) == ids
    assert len(row.params["placements"]) == len(ids)


def test_collage_goes_on_past_bad_ids_and_refuses_an_originals_folder(
    built: tuple[AppContext, Path, dict[str, list[Box]]],
) -> None:
    ctx, folder, boxes = built
    ids = [int(p) for p in boxes][:2]
    collage = make_collage(ctx, [*ids, 9999], layout="grid")
    assert [pid for pid, _why in collage.skipped] == [9999]
    assert collage.path.parent == ctx.config.home / "creations"
    with pytest.raises(CreationError, match="holds original photos"):
        make_collage(ctx, ids, out=folder)
    with pytest.raises(CreationError):
        make_collage(ctx, [9999])


def test_choice_without_any_analysis_is_the_first_photos_in_time_order(
    built: tuple[AppContext, Path, dict[str, list[Box]]],
) -> None:
    ctx, _folder, boxes = built
    in_time = [r["id"] for r in ctx.db.query("SELECT id FROM photos ORDER BY taken_local")]
    assert sorted(in_time) == sorted(int(p) for p in boxes)
    chosen = choose_photos(ctx, list(reversed(in_time)), 3)
    assert len(chosen) == 3 and chosen == [p for p in in_time if p in chosen]
    assert choose_photos(ctx, sorted(in_time), 10) == in_time
    assert choose_photos(ctx, [*in_time, 9999], 0) == []
    assert choose_photos(ctx, [9999, in_time[0]], 5) == [in_time[0]]  # an unknown id is left out


def test_choice_never_takes_a_photo_marked_explicit(ctx: AppContext) -> None:
    """The nudity check's verdict keeps a photo out of collages and videos, however good it is and
    however few photos are left; as a hero among photos named by hand it comes last."""
    with ctx.db.transaction() as conn:
        for pid, taken, score in (
            (1, "2024-05-04T10:00:00", 0.6),
            (2, "2024-05-04T11:00:00", 0.99),
            (3, "2024-05-04T12:00:00", 0.5),
        ):
            conn.execute(
                "INSERT INTO photos (id, hash, format, kind, size, taken_local, metadata_version, created_at)"
                " VALUES (?, ?, 'jpeg', 'photo', 1, ?, 1, '')",
                (pid, f"{pid:064x}", taken),
            )
            conn.execute("INSERT INTO quality VALUES (?, 1, 0.5, 0, NULL, ?, 't')", (pid, score))
        conn.execute("INSERT INTO sensitive VALUES (2, 1, 0.9, '[]', 't')")  # the best photo, but explicit
        conn.execute("INSERT INTO sensitive VALUES (3, 0, 0.1, '[]', 't')")  # checked and fine
    assert choose_photos(ctx, [1, 2, 3], 1) == [1]
    assert choose_photos(ctx, [1, 2, 3], 3) == [1, 3]
    assert choose_photos(ctx, [2], 1) == []
    assert best_photo(ctx, [1, 2, 3]) == 1
    assert best_photo(ctx, [2]) == 2


# --- the real photos -----------------------------------------------------------------------------


def _ids_by_path(home: Path, *fragments: str) -> list[int]:
    ctx = AppContext(Config(home=home))
    try:
        out = []
        for fragment in fragments:
            rows = ctx.db.query("SELECT photo_id FROM files WHERE path LIKE ? ORDER BY photo_id", (f"%{fragment}%",))
            out += [r["photo_id"] for r in rows]
        return out
    finally:
        ctx.close()


def test_real_group_photos_collage_keeps_faces_whole_and_goes_with_faces_consent(
    library_copy: Path, photos_dir: Path
) -> None:
    ids = _ids_by_path(library_copy, "_groups/", "deepface_p01/img4", "deepface_p03/img47", "deepface_p04/img13")
    assert len(ids) == 5
    before = tree_hashes(photos_dir / "faces" / "_groups")
    made = run_cli(library_copy, "make", "collage", *map(str, ids), "--layout", "hero", "--title", "Friends", "--json")
    assert tree_hashes(photos_dir / "faces" / "_groups") == before
    ctx = AppContext(Config(home=library_copy))
    try:
        total = 0
        for p in made["placements"]:
            faces = [
                (r["x"], r["y"], r["w"], r["h"])
                for r in ctx.db.query("SELECT x, y, w, h FROM faces WHERE photo_id = ?", (p["photo_id"],))
            ]
            total += _assert_faces_whole(tuple(p["crop"]), tuple(p["cell"]), faces)
            assert p["faces_cut"] == 0
        assert total >= 9  # the couple, the seven in the selfie (the hero's cell suits it) and more
        assert "faces" in made["capabilities"] and Path(made["path"]).is_file()
        from camroll.privacy.consent import revoke

        revoke(ctx, "faces")
        assert not Path(made["path"]).exists()
        assert records.listing(ctx, made["id"]) == []
    finally:
        ctx.close()


def test_choose_covers_every_person_skips_duplicates_and_prefers_quality(analysed_library: Path) -> None:
    ctx = AppContext(Config(home=analysed_library))
    try:
        ids = [r["id"] for r in ctx.db.query("SELECT id FROM photos WHERE kind = 'photo' ORDER BY id")]
        people = [
            r["person_id"]
            for r in ctx.db.query(
                "SELECT person_id FROM faces WHERE person_id IS NOT NULL GROUP BY person_id ORDER BY count(*) DESC LIMIT 4"
            )
        ]
        assert len(people) == 4
        chosen = choose_photos(ctx, ids, 6, people)
        assert len(chosen) == 6
        shown = {
            r["person_id"]
            for r in ctx.db.query(
                f"SELECT person_id FROM faces WHERE photo_id IN ({','.join('?' * len(chosen))})", chosen
            )
        }
        assert set(people) <= shown
        order = [
            r["id"]
            for r in ctx.db.query(
                f"SELECT id FROM photos WHERE id IN ({','.join('?' * len(chosen))}) ORDER BY COALESCE(taken_local, ''), id",
                chosen,
            )
        ]
        assert chosen == order
        groups = ctx.db.query("SELECT group_id, best_id FROM near_duplicates")
        assert groups, "the test photos hold near duplicates"
        many = choose_photos(ctx, ids, len(ids))
        for group in {g["group_id"] for g in groups}:
            members = {g["best_id"] for g in groups if g["group_id"] == group}
            in_group = [
                r["photo_id"] for r in ctx.db.query("SELECT photo_id FROM near_duplicates WHERE group_id = ?", (group,))
            ]
            assert sum(1 for p in many if p in in_group) == 1 and members & set(many)
        quality = {r["photo_id"]: r["score"] for r in ctx.db.query("SELECT photo_id, score FROM quality")}
        few = choose_photos(ctx, ids, 10)
        assert np.mean([quality[p] for p in few]) > np.mean(list(quality.values()))
    finally:
        ctx.close()


def test_cli_collage_reports_bad_items_and_keeps_going(library_copy: Path) -> None:
    ids = _ids_by_path(library_copy, "_groups/")
    made = run_cli(
        library_copy,
        "make",
        "collage",
        *map(str, ids),
        "999999",
        "no-such-moment",
        "--layout",
        "grid",
        "--size",
        "800x600",
        "--filter",
        "mono",
        "--json",
    )
    assert made["photo_ids"] == ids and made["size"] == [800, 600] and len(made["problems"]) == 2
    img = np.asarray(Image.open(made["path"]).convert("RGB")).astype(int)
    cell = made["placements"][0]["cell"]
    inner = img[cell[1] + 5 : cell[1] + cell[3] - 5, cell[0] + 5 : cell[0] + cell[2] - 5]
    assert np.abs(inner[..., 0] - inner[..., 2]).max() <= 6  # the mono look (JPEG keeps it grey)
    assert json.loads(json.dumps(made))["kind"] == "collage"
