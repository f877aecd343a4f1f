"""Faces: CenterFace finds the faces of the real test photos (groups, close-ups, tilted heads),
dlib's face print run as ONNX equals dlib's own, and a result survives the database round trip."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from camroll.analysis import face_print
from camroll.analysis.base import ModelFileError, package_file
from camroll.analysis.decode import Decoded, decode
from camroll.analysis.faces import DLIB_RESNET, POINT_NAMES, Face, FaceAnalyser, FaceResult
from camroll.store.db import migrations as all_migrations
from camroll.store.db import split_sql
from tests.conftest import PHOTOS

pytestmark = pytest.mark.photos  # reads tests/data/photos through FACES, not a fixture

FACES = PHOTOS / "faces"
SINGLE = sorted(p for p in FACES.glob("*/*.jpg") if p.parent.name != "_groups")


@pytest.fixture(scope="module")
def analyser() -> FaceAnalyser:
    faces = FaceAnalyser(threads=1)
    faces.ensure_loaded()
    return faces


def _decode(path: Path) -> Decoded:
    return decode(1, "hash", str(path), 1, None)


def _pixels(img: np.ndarray) -> Decoded:
    return Decoded(1, "hash", np.ascontiguousarray(img), 1.0, img.shape[1], img.shape[0])


def _largest(result: FaceResult) -> Face:
    return max(result.faces, key=lambda f: f.box[2] * f.box[3])


def _print(face: Face) -> np.ndarray:
    assert face.embedding is not None
    return np.frombuffer(face.embedding, np.float32)


def test_the_onnx_face_print_equals_dlibs_own(analyser: FaceAnalyser) -> None:
    import dlib

    resnet = dlib.face_recognition_model_v1(str(package_file(*DLIB_RESNET)))
    for path in SINGLE[::17]:  # LFW and deepface photos, small and large
        img = _decode(path).pixels
        boxes, _, _ = analyser.detect(img)
        x1, y1, x2, y2 = (int(v) for v in max(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1])))
        shape = analyser._points(img, dlib.rectangle(x1, y1, x2, y2))
        native = np.array(resnet.compute_face_descriptor(img, shape), np.float32)
        chip = dlib.get_face_chip(img, shape, face_print.CHIP_SIDE, face_print.CHIP_PADDING)
        ours = analyser._print.run(None, {"chips": chip[None]})[0][0]
        assert np.abs(ours - native).max() < 1e-4, path.name


def test_a_changed_weight_file_is_refused(tmp_path: Path) -> None:
    data = bytearray(package_file(*DLIB_RESNET).read_bytes())
    data[-100] ^= 0x40  # one weight of the last layer
    changed = tmp_path / "resnet.dat"
    changed.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="not the graph checked equal"):
        face_print.convert(changed)


def test_every_single_person_photo_has_a_face(analyser: FaceAnalyser) -> None:
    assert len(SINGLE) == 87
    missed = [p.name for p in SINGLE if not len(analyser.detect(_decode(p).pixels)[0])]
    assert missed == []


def test_group_photos(analyser: FaceAnalyser) -> None:
    couple = _decode(FACES / "_groups" / "deepface_couple.jpg")
    assert couple.scale < 1, "a photo larger than the analysis size: boxes must be scaled back"
    faces = analyser.analyse(couple, {}).faces
    assert len(faces) == 2
    for face in faces:
        x, y, w, h = face.box
        assert x >= 0 and y >= 0 and x + w <= couple.width + 1 and y + h <= couple.height + 1
        assert w > 300, "displayed pixels, not analysis pixels"
        assert set(face.points) == set(POINT_NAMES) and face.embedding is not None
        for px, py in face.points.values():
            assert x <= px <= x + w and y <= py <= y + h
        p = face.points  # an upright face: the subject's right eye and mouth corner are on the image's left
        assert p["right_eye"][0] < p["left_eye"][0] and p["mouth_right"][0] < p["mouth_left"][0]
        assert max(p["right_eye"][1], p["left_eye"][1]) < p["nose"][1] < min(p["mouth_right"][1], p["mouth_left"][1])
    a, b = (_print(f) for f in faces)
    assert np.linalg.norm(a - b) > 0.6, "two people"
    selfie = analyser.analyse(_decode(FACES / "_groups" / "deepface_selfie-many-people.jpg"), {}).faces
    assert len(selfie) >= 6


@pytest.mark.parametrize("angle", [60, 90, -75])
def test_a_tilted_face_is_found_and_gets_the_same_print(analyser: FaceAnalyser, angle: int) -> None:
    photo = _decode(FACES / "deepface_p04" / "img57.jpg")
    upright = _print(_largest(analyser.analyse(photo, {})))
    turned = Image.fromarray(photo.pixels).rotate(angle, expand=True, resample=Image.Resampling.BILINEAR)
    face = _largest(analyser.analyse(_pixels(np.asarray(turned)), {}))
    assert np.linalg.norm(_print(face) - upright) < 0.2, "levelled before the 5-point predictor"


def test_a_small_face_is_kept_without_a_print(analyser: FaceAnalyser) -> None:
    face = np.asarray(Image.open(SINGLE[-1]).convert("RGB").resize((80, 80)))  # an LFW face, about 30 px
    canvas = np.full((480, 640, 3), 127, np.uint8)
    canvas[200:280, 300:380] = face
    [found] = analyser.analyse(_pixels(canvas), {}).faces
    assert found.embedding is None


@pytest.fixture
def conn() -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(":memory:")  # every migration, without foreign keys (no photo rows needed)
    for _number, _name, sql in all_migrations():
        for statement in split_sql(sql):
            db.execute(statement)
    yield db
    db.close()


def test_store_and_stored_round_trip(conn: sqlite3.Connection, tmp_path: Path) -> None:
    faces = FaceAnalyser(threads=1, cache_dir=tmp_path)
    faces.ensure_loaded()
    result = faces.analyse(_decode(FACES / "_groups" / "deepface_couple.jpg"), {})
    FaceAnalyser.store(conn, 7, result, FaceAnalyser.version)
    FaceAnalyser.store(conn, 7, result, FaceAnalyser.version)  # a rerun replaces, never adds
    back = FaceAnalyser.stored(conn, 7)
    assert len(back.faces) == len(result.faces) == 2
    for old, new in zip(result.faces, back.faces, strict=True):
        assert new.box == pytest.approx(old.box) and new.score == pytest.approx(old.score)
        assert [c for k in POINT_NAMES for c in new.points[k]] == pytest.approx(
            [c for k in POINT_NAMES for c in old.points[k]]
        )
        assert new.thumb == old.thumb and old.thumb is not None
        assert (tmp_path / "faces" / old.thumb).is_file()
    rows = conn.execute("SELECT embedding, model FROM faces WHERE photo_id = 7 ORDER BY id").fetchall()
    assert [r[0] for r in rows] == [f.embedding for f in result.faces]
    assert {r[1] for r in rows} == {FaceAnalyser.version}
