"""Sensitive content: the port of nudenet's pre/post-processing gives nudenet's own answers, nothing
explicit is found on real everyday photos, boxes come back in displayed pixels, results round-trip
through the database, and the model loads offline from the checked file."""

from __future__ import annotations

import ast
import json
import socket
import sqlite3
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from camroll.analysis import sensitive
from camroll.analysis.base import ModelFileError
from camroll.analysis.decode import DecodeError, decode
from camroll.analysis.sensitive import LABELS, SensitiveAnalyser, SensitiveResult

MIGRATION = Path(__file__).resolve().parents[1] / "camroll" / "store" / "migrations" / "0002_analysis.sql"


@pytest.fixture(scope="module")
def analyser() -> SensitiveAnalyser:
    a = SensitiveAnalyser(threads=2)
    a.ensure_loaded()
    return a


@pytest.fixture(scope="module")
def nudenet_detector() -> Any:
    import nudenet

    return nudenet.NudeDetector()


def _as_nudenet(found: list[sensitive.Detection]) -> list[tuple[str, list[int], float]]:
    return [(d.label, [int(v) for v in d.box], round(d.score, 6)) for d in found]


def _theirs(found: list[dict[str, Any]]) -> list[tuple[str, list[int], float]]:
    return [(d["class"], d["box"], round(d["score"], 6)) for d in found]


def test_labels_are_nudenets_and_the_models() -> None:
    import nudenet.nudenet as nn

    assert tuple(vars(nn)["__labels"]) == LABELS
    session = SensitiveAnalyser()
    session.load()
    names = ast.literal_eval(session._session.get_modelmeta().custom_metadata_map["names"])
    assert tuple(names[i] for i in range(len(names))) == LABELS


def test_port_reproduces_nudenet_on_files(analyser: SensitiveAnalyser, nudenet_detector: Any, photos_dir: Path) -> None:
    """nudenet.detect(path) reads BGR with OpenCV and (through its double channel swap) feeds the
    network BGR; the port given the same BGR array must give exactly its boxes, labels, scores."""
    photos = [photos_dir / "faces" / "deepface_p03" / "img48.jpg", photos_dir / "faces" / "_groups"]
    paths = [photos[0], *sorted(photos[1].glob("*.jpg"))[:2]]
    compared = 0
    for path in paths:
        theirs = nudenet_detector.detect(str(path))
        assert _as_nudenet(analyser.detect(cv2.imread(str(path)))) == _theirs(theirs)
        compared += len(theirs)
    assert compared >= 3  # faces, covered breasts, armpits: real detections were compared


def test_port_reproduces_nudenet_on_analysis_pixels(
    analyser: SensitiveAnalyser, nudenet_detector: Any, photos_dir: Path
) -> None:
    """On the RGB pixels camroll analyses, nudenet's detector (which feeds an RGB array as RGB)
    and the port agree exactly, on every face photo."""
    for path in sorted((photos_dir / "faces").rglob("*.jpg"))[::4]:
        rgb = decode(1, "h", str(path), 1, None).pixels
        assert _as_nudenet(analyser.detect(rgb)) == _theirs(nudenet_detector.detect(np.ascontiguousarray(rgb))), path


def test_boxes_in_displayed_pixels(analyser: SensitiveAnalyser, nudenet_detector: Any, photos_dir: Path) -> None:
    path = photos_dir / "faces" / "deepface_p02" / "img54.jpg"  # 2000 x 2400: analysed at 1067 x 1280
    photo = decode(1, "h", str(path), 1, None)
    assert photo.scale < 0.6
    result = analyser.analyse(photo, {})
    full = nudenet_detector.detect(np.ascontiguousarray(cv2.imread(str(path))[:, :, ::-1]))
    strong = [d for d in full if d["score"] > 0.5]
    assert strong
    for d in strong:  # every strong detection at full size is found at analysis size, same place
        best = min(
            (x for x in result.labels if x.label == d["class"]),
            key=lambda x: sum(abs(a - b) for a, b in zip(x.box, d["box"], strict=True)),
        )
        assert all(abs(a - b) < 0.03 * 2400 for a, b in zip(best.box, d["box"], strict=True)), (best, d)


def test_nothing_explicit_on_real_photos(analyser: SensitiveAnalyser, photos_dir: Path) -> None:
    files = sorted([*(photos_dir / "scenes").glob("*/*.jpg"), *(photos_dir / "faces").rglob("*.jpg")])
    assert len(files) > 100
    for path in files:
        try:
            photo = decode(1, "h", str(path), 1, None)
        except DecodeError:
            continue
        result = analyser.analyse(photo, {})
        assert not result.explicit, (path, result)
        for d in result.labels:
            x, y, w, h = d.box
            assert min(x, y) >= 0 and x + w <= photo.width + 1 and y + h <= photo.height + 1


def test_explicit_follows_the_threshold(
    analyser: SensitiveAnalyser, monkeypatch: pytest.MonkeyPatch, photos_dir: Path
) -> None:
    """The rule itself, shown on a photo where the model wrongly sees an exposed class (0.50)."""
    photo = decode(1, "h", str(photos_dir / "faces" / "lfw_Ariel_Sharon" / "Ariel_Sharon_0007.jpg"), 1, None)
    result = analyser.analyse(photo, {})
    assert 0.4 < result.score < sensitive.thresholds.SENSITIVE_EXPLICIT_MIN_SCORE and not result.explicit
    monkeypatch.setattr(sensitive.thresholds, "SENSITIVE_EXPLICIT_MIN_SCORE", 0.4)
    assert analyser.analyse(photo, {}).explicit


def test_blank_and_tiny_images(analyser: SensitiveAnalyser) -> None:
    for shape in [(1, 1, 3), (7, 300, 3), (640, 480, 3)]:
        assert analyser.detect(np.zeros(shape, np.uint8)) == []


def test_store_round_trip(analyser: SensitiveAnalyser, photos_dir: Path) -> None:
    conn = sqlite3.connect(":memory:")
    conn.executescript(MIGRATION.read_text(encoding="utf-8"))
    photo = decode(3, "h", str(photos_dir / "faces" / "deepface_p03" / "img48.jpg"), 1, None)
    result = analyser.analyse(photo, {})
    assert result.labels
    SensitiveAnalyser.store(conn, 3, SensitiveResult(True, 0.9), "old")
    SensitiveAnalyser.store(conn, 3, result, SensitiveAnalyser.version)
    rows = conn.execute("SELECT photo_id, explicit, score, labels, model FROM sensitive").fetchall()
    assert len(rows) == 1
    photo_id, explicit, score, labels, model = rows[0]
    assert (photo_id, explicit, score, model) == (3, 0, result.score, SensitiveAnalyser.version)
    assert json.loads(labels) == [{"label": d.label, "score": d.score, "box": d.box} for d in result.labels]


def test_loads_offline_and_checks_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    a = SensitiveAnalyser()
    assert a.detect(np.full((200, 300, 3), 128, np.uint8)) == []
    monkeypatch.setattr(sensitive, "MODEL", (sensitive.MODEL[0], "0" * 64))
    with pytest.raises(ModelFileError, match="sha256"):
        SensitiveAnalyser().load()
