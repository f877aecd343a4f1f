"""Face quality (camroll/analysis/face_quality.py) and what the people job does with it (issue 14).

The features on drawn faces whose answers are known; then, on real photos and on faces with
designed prints in a real catalog: a blurred or small face is kept in its photo but forms no
person, a face between two look-alikes is held for review, the cover is the best face unless
chosen by hand, old faces are measured by the people job, and pairwise precision on the test
photos does not fall with the gate.
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
from PIL import Image, ImageFilter

from camroll import thresholds
from camroll.analysis.face_quality import laplacian_variance, measure
from camroll.config import AppContext, Config
from camroll.people.cluster import update_people
from camroll.privacy import consent
from camroll.store.db import now_iso
from tests.conftest import run_cli

FRONTAL = np.array([[40.0, 40.0], [60.0, 40.0], [50.0, 50.0], [42.0, 60.0], [58.0, 60.0]])


def _checker() -> np.ndarray:
    y, x = np.mgrid[0:100, 0:100]
    grey = (((x // 4) + (y // 4)) % 2 * 255).astype(np.uint8)
    return np.stack([grey] * 3, -1)


def test_blur_lowers_sharpness() -> None:
    sharp = _checker()
    blurred = np.asarray(Image.fromarray(sharp).filter(ImageFilter.GaussianBlur(3)))
    a = measure(sharp, (20, 20, 80, 80), FRONTAL, 0.9).sharpness
    b = measure(blurred, (20, 20, 80, 80), FRONTAL, 0.9).sharpness
    assert b < a / 5
    assert laplacian_variance(np.zeros((10, 10))) == 0.0


def test_frontal_pose() -> None:
    q = measure(_checker(), (25, 25, 75, 75), FRONTAL, 0.9)
    assert abs(q.nose_offset) < 0.01
    assert abs(q.eye_ratio - 0.4) < 0.01
    assert abs(q.mouth_below - 1.0) < 0.01
    assert q.width == 50


def test_profile_and_tilt() -> None:
    profile = FRONTAL.copy()
    profile[2] = (66.0, 50.0)  # the nose beyond the right eye
    assert measure(_checker(), (25, 25, 75, 75), profile, 0.9).nose_offset > 1.0
    # a frontal face turned 90 degrees keeps its pose features
    turned = FRONTAL[:, ::-1].copy()
    q = measure(_checker(), (25, 25, 75, 75), turned, 0.9)
    assert abs(q.nose_offset) < 0.01 and abs(q.mouth_below - 1.0) < 0.01


# --- the gate, holds and covers in the people job (issue 14) -----------------------------------


def _people_json(home: Path) -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], run_cli(home, "people", "--json"))


def _name(path: str) -> str:
    return Path(path).name


def test_a_blurred_or_small_face_is_kept_in_its_photo_but_forms_no_person(tmp_path: Path, photos_dir: Path) -> None:
    lib, home = tmp_path / "lib", tmp_path / "home"
    shutil.copytree(photos_dir / "faces" / "lfw_Colin_Powell", lib)
    sharp = Image.open(lib / "Colin_Powell_0001.jpg").convert("RGB")
    sharp.filter(ImageFilter.GaussianBlur(8)).save(lib / "blurred.jpg", quality=92)  # detector score ~0.6
    canvas = Image.new("RGB", (1000, 1000), (128, 128, 128))
    canvas.paste(sharp.resize((80, 80)), (400, 400))  # a 32 px face: found, too small for a print
    canvas.save(lib / "small.jpg", quality=92)
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet")
    run_cli(home, "consent", "grant", "faces", "people")
    run_cli(home, "analyze", "--quiet")

    people = _people_json(home)
    grouped = {_name(f["path"]) for p in people for f in p["faces"]}
    assert {f"Colin_Powell_{i:04}.jpg" for i in range(1, 10)} <= grouped
    assert "blurred.jpg" not in grouped and "small.jpg" not in grouped
    faces_in = {_name(r["path"]): r["faces"] for r in run_cli(home, "photos", "--json")}
    assert faces_in["blurred.jpg"] == 1 and faces_in["small.jpg"] == 1, "kept and shown in its photo"
    review = run_cli(home, "people", "review", "--json")
    assert review["counts"]["not_clear_enough"] == 2 and review["held"] == []
    assert "2 not clear enough to group" in run_cli(home, "people").output

    ctx = AppContext(Config(home=home))
    blurred_face, score, blurred_sharpness = ctx.db.conn.execute(
        "SELECT fa.id, fa.score, fa.sharpness FROM faces fa JOIN files f ON f.photo_id = fa.photo_id"
        " WHERE f.path LIKE '%/blurred.jpg'"
    ).fetchone()
    assert score <= thresholds.FACE_CLUSTER_MIN_SCORE
    original = ctx.db.scalar(
        "SELECT fa.sharpness FROM faces fa JOIN files f ON f.photo_id = fa.photo_id WHERE f.path LIKE '%/Colin_Powell_0001.jpg'"
    )
    assert blurred_sharpness < original / 20, "the quality was measured when the face was found"
    # The person says who it is: the hand assignment stays through later runs.
    colin = max(people, key=lambda p: p["face_count"])["id"]
    run_cli(home, "people", "assign", str(blurred_face), str(colin))
    run_cli(home, "people", "cluster", "--from-scratch")
    row = ctx.db.conn.execute("SELECT person_id, assigned_by FROM faces WHERE id = ?", (blurred_face,)).fetchone()
    assert tuple(row) == (colin, "user")
    ctx.close()


def _centre(rng: np.random.Generator) -> np.ndarray:
    v = rng.normal(size=128)
    return (v / np.linalg.norm(v)).astype(np.float32)


def _add_faces(ctx: AppContext, vectors: list[np.ndarray], score: float = 0.9) -> list[int]:
    """Faces with designed prints, one photo each, written straight into a real catalog."""
    ids = []
    with ctx.db.transaction() as conn:
        for v in vectors:
            photo = conn.execute(
                "INSERT INTO photos (hash, format, kind, size, metadata_version, created_at)"
                " VALUES (?, 'jpeg', 'photo', 1, 1, ?)",
                (os.urandom(16).hex(), now_iso()),
            ).lastrowid
            cur = conn.execute(
                "INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, embedding, model)"
                " VALUES (?, 0, 0, 100, 100, ?, '[]', ?, 't')",
                (photo, score, ctx.sealer("biometric").seal(v.astype(np.float32).tobytes())),
            )
            ids.append(int(cur.lastrowid or 0))
    return ids


def test_a_face_between_two_lookalikes_is_held_for_review(home: Path, ctx: AppContext) -> None:
    rng = np.random.default_rng(11)
    ana = _centre(rng)
    away = _centre(rng)
    away -= ana * float(away @ ana)
    away /= np.linalg.norm(away)
    ben = ana + 0.8 * away  # 0.8 apart: two people, not one

    def near(c: np.ndarray) -> np.ndarray:
        n = rng.normal(size=128)
        return c + 0.12 * n / np.linalg.norm(n)

    a = _add_faces(ctx, [near(ana) for _ in range(4)])
    b = _add_faces(ctx, [near(ben) for _ in range(4)])
    update_people(ctx)
    owner = {f: ctx.db.scalar("SELECT person_id FROM faces WHERE id = ?", (f,)) for f in a + b}
    assert len({owner[f] for f in a}) == 1 and len({owner[f] for f in b}) == 1 and owner[a[0]] != owner[b[0]]
    [between] = _add_faces(ctx, [ana + 0.4 * away])  # ~0.42 from both: either could be right
    [clear] = _add_faces(ctx, [near(ana)])
    message = update_people(ctx)
    assert "1 held for review" in message
    assert ctx.db.scalar("SELECT person_id FROM faces WHERE id = ?", (between,)) is None, "joins no one"
    assert ctx.db.scalar("SELECT person_id FROM faces WHERE id = ?", (clear,)) == owner[a[0]]
    assert ctx.db.scalar("SELECT count(*) FROM people") == 2, "and forms no look-alike person"

    review = run_cli(home, "people", "review", "--json")
    [held] = review["held"]
    assert held["face_id"] == between and review["counts"]["held"] == 1
    assert {c["person_id"] for c in held["candidates"]} == {owner[a[0]], owner[b[0]]}
    assert "looks" in held["why"] and "%" not in held["why"]
    assert {p["id"]: p["held"] for p in _people_json(home)}[held["candidates"][0]["person_id"]] == 1
    update_people(ctx)
    assert len(run_cli(home, "people", "review", "--json")["held"]) == 1, "still held on the next run"
    run_cli(home, "people", "assign", str(between), str(owner[b[0]]))
    assert run_cli(home, "people", "review", "--json")["held"] == []
    update_people(ctx)
    assert ctx.db.scalar("SELECT person_id FROM faces WHERE id = ?", (between,)) == owner[b[0]]


def test_a_weak_face_never_joins_automatically(ctx: AppContext) -> None:
    rng = np.random.default_rng(5)
    ana = _centre(rng)
    _add_faces(ctx, [ana + 0.05 * rng.normal(size=128) / 11 for _ in range(3)])
    update_people(ctx)
    [weak] = _add_faces(ctx, [ana], score=thresholds.FACE_CLUSTER_MIN_SCORE)
    weak_pair = _add_faces(ctx, [_centre(rng)] * 2, score=0.5)
    assert "3 not clear enough" in update_people(ctx)
    assert (
        ctx.db.scalar("SELECT count(*) FROM faces WHERE person_id IS NOT NULL AND id IN (?, ?, ?)", (weak, *weak_pair))
        == 0
    )


def test_the_cover_is_the_sharpest_largest_frontal_face_unless_chosen_by_hand(home: Path, ctx: AppContext) -> None:
    rng = np.random.default_rng(9)
    ana = _centre(rng)
    faces = _add_faces(ctx, [ana + 0.1 * rng.normal(size=128) / 11 for _ in range(4)])
    update_people(ctx)
    # (sharpness, width, nose offset): blurred; small; turned; the good one
    looks = [(15.0, 100.0, 0.0), (400.0, 30.0, 0.0), (400.0, 100.0, 0.9), (350.0, 100.0, 0.05)]
    with ctx.db.transaction() as conn:
        for face, (sharpness, width, nose) in zip(faces, looks, strict=True):
            conn.execute(
                "UPDATE faces SET sharpness = ?, w = ?, h = ?, nose_offset = ?, eye_ratio = 0.4, mouth_below = 1.0"
                " WHERE id = ?",
                (sharpness, width, width, nose, face),
            )
    [person] = _people_json(home)
    assert person["cover_face_id"] == faces[3] and person["cover_by"] == "quality"
    run_cli(home, "people", "cover", str(person["id"]), str(faces[0]))
    [person] = _people_json(home)
    assert person["cover_face_id"] == faces[0] and person["cover_by"] == "user"
    update_people(ctx, from_scratch=True)
    assert _people_json(home)[0]["cover_face_id"] == faces[0], "a hand-chosen cover stays"
    run_cli(home, "people", "cover", str(person["id"]))
    assert _people_json(home)[0]["cover_face_id"] == faces[3]


def test_faces_found_before_their_quality_was_stored_are_measured_by_the_people_job(
    tmp_path: Path, photos_dir: Path
) -> None:
    lib, home = tmp_path / "lib", tmp_path / "home"
    shutil.copytree(photos_dir / "faces" / "deepface_p05", lib)
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet")
    run_cli(home, "consent", "grant", "faces")
    run_cli(home, "analyze", "--quiet")
    ctx = AppContext(Config(home=home))
    measured = {
        r[0]: tuple(r[1:]) for r in ctx.db.query("SELECT id, sharpness, eye_ratio, nose_offset, mouth_below FROM faces")
    }
    assert measured and all(None not in q for q in measured.values())
    with ctx.db.transaction() as conn:  # as a library analysed before migration 0020
        conn.execute("UPDATE faces SET sharpness = NULL, eye_ratio = NULL, nose_offset = NULL, mouth_below = NULL")
    run_cli(home, "consent", "grant", "people")
    run_cli(home, "people", "cluster")
    for face, before in measured.items():
        after = ctx.db.conn.execute(
            "SELECT sharpness, eye_ratio, nose_offset, mouth_below FROM faces WHERE id = ?", (face,)
        ).fetchone()
        assert np.allclose(after[1:], before[1:], atol=0.02), "pose from the stored points"
        assert 0.5 < after[0] / before[0] < 2.0, "sharpness from the stored crop, close to the analysis figure"
    ctx.close()


def _pairwise(truth: list[str], predicted: list[int]) -> tuple[float, float]:
    same_true = same_pred = both = 0
    for i in range(len(truth)):
        for j in range(i + 1, len(truth)):
            t, p = truth[i] == truth[j], predicted[i] == predicted[j] and predicted[i] >= 0
            same_true += t
            same_pred += p
            both += t and p
    return both / max(same_pred, 1), both / max(same_true, 1)


def test_precision_on_the_test_photos_does_not_fall(tmp_path: Path, photos_dir: Path) -> None:
    """The identity and expression photos, clustered with and without the gate: pairwise precision
    over their labelled faces (the largest face of a photo with an identity) does not fall, and
    recall falls by at most 0.03 (the issue's bound)."""
    home = tmp_path / "home"
    for folder in ("faces", "expressions"):
        run_cli(home, "scan", str(photos_dir / folder), "--no-analyze", "--quiet")
    run_cli(home, "consent", "grant", "faces")
    run_cli(home, "analyze", "--quiet")
    with (photos_dir / "MANIFEST.tsv").open(newline="") as f:
        identity = {r["relative_path"]: r["identity"] for r in csv.DictReader(f, delimiter="\t") if r["identity"]}
    ctx = AppContext(Config(home=home))
    consent.grant(ctx, "people")
    labelled: dict[int, str] = {}
    for path, face in ctx.db.query(
        "SELECT f.path, (SELECT fa.id FROM faces fa WHERE fa.photo_id = f.photo_id AND fa.embedding IS NOT NULL"
        " ORDER BY fa.w DESC LIMIT 1) FROM files f"
    ):
        rel = Path(path).relative_to(photos_dir).as_posix()
        if face is not None and rel in identity:
            labelled[int(face)] = identity[rel]

    def measure() -> tuple[float, float]:
        owner = dict(ctx.db.query("SELECT id, coalesce(person_id, -id) FROM faces"))
        ids = sorted(labelled)
        return _pairwise([labelled[i] for i in ids], [int(owner[i]) for i in ids])

    with pytest.MonkeyPatch.context() as m:
        m.setattr(thresholds, "FACE_CLUSTER_MIN_SCORE", 0.0)  # no gate: every printed face
        update_people(ctx)
    open_precision, open_recall = measure()
    update_people(ctx, from_scratch=True)
    precision, recall = measure()
    ctx.close()
    assert len(labelled) > 150
    assert precision >= open_precision and precision >= 0.97, (precision, open_precision)
    assert recall >= open_recall - 0.03, (recall, open_recall)


def test_no_animal_or_thing_becomes_a_person(analysed_library: Path) -> None:
    """The scene photos (dogs, cats, an eagle, elephants, a giraffe, horses, a peacock, a turtle, a
    clock...) with every capability analysed: no face of theirs is on a person. Measured here: the
    face detector finds no face in any of them at FACE_MIN_SCORE, so the gate is not even needed;
    a user's pug (issue 14) is not in the test set, and is what this guards against."""
    records = run_cli(analysed_library, "photos", "--json")
    scenes = [r for r in records if "/scenes/" in (r["path"] or "")]
    assert len(scenes) >= 17
    animals = [r for r in scenes if any(k in r["path"] for k in ("/dog/", "/cat/", "/eagle/", "/horses/"))]
    assert len(animals) >= 7
    assert all(r["people"] == [] for r in scenes), [r["path"] for r in scenes if r["people"]]
