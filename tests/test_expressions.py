"""Expressions: the face square, the calibrated "right or silent" labels, measured on the labelled
test faces (the figures docs/models.md reports; ``python -m bench.expressions`` prints them all)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bench import expressions as bench
from camroll import thresholds
from camroll.analysis.expressions import LABELS, SIDE, UNCLEAR, decide, face_square


def _probs(**p: float) -> np.ndarray:
    out = np.array([p.get(label, 0.0) for label in LABELS])
    rest = (1 - out.sum()) / (len(LABELS) - len(p))
    return np.where(out == 0, rest, out)


def test_a_square_past_the_edge_repeats_the_edge_and_is_never_black() -> None:
    grey = np.full((100, 80), 200, np.uint8)
    grey[:, 0] = 50  # the left edge column
    square = face_square(grey, (0.0, 0.0, 40.0, 40.0), 0.25)  # reaches 10 px past the top and left
    assert square.shape == (SIDE, SIDE)
    assert square.min() == pytest.approx((50 / 255 - 0.5) * 2), "the left edge is repeated outward"
    assert square[:, -1].min() == pytest.approx((200 / 255 - 0.5) * 2), "no black fill anywhere"
    wholly_outside = face_square(grey, (500.0, 500.0, 20.0, 20.0), 0.1)
    assert wholly_outside.shape == (SIDE, SIDE) and wholly_outside.min() > -1.0


def test_a_label_is_shown_only_above_its_class_threshold() -> None:
    label, score = decide(_probs(happy=0.97))
    assert label == "happy" and score == pytest.approx(0.97)
    assert decide(_probs(happy=0.6))[0] == UNCLEAR, "a weak smile is not called happy"
    assert decide(_probs(sad=0.99))[0] == UNCLEAR, "sadness is never shown by this model"
    assert decide(_probs(angry=0.3, neutral=0.25))[0] == UNCLEAR
    assert set(thresholds.EXPRESSION_MIN_SCORE) == set(LABELS)


@pytest.fixture(scope="module")
def scored() -> list[bench.Scored]:
    faces = bench.labelled_faces(progress=False)
    assert len(faces) == 132, "the labelled test faces are missing"
    rows, _ms = bench.classify(faces)
    assert len(rows) >= 128
    return rows


def test_calibrated_labels_are_right_at_the_measured_precision_and_coverage(scored: list[bench.Scored]) -> None:
    precision, coverage, right, shown = bench.precision_coverage(bench.shown(scored, thresholds.EXPRESSION_MIN_SCORE))
    print(f"shipped thresholds, in-sample: {right}/{shown} right ({precision:.1%}), coverage {coverage:.1%}")
    assert precision >= 0.8 and coverage >= 0.2  # measured: 86.7% at 23.3%
    held_out = bench.cross_validated(scored, thresholds.EXPRESSION_CALIBRATION_TARGET)
    print(held_out)
    assert held_out["precision"] >= 0.8 and held_out["coverage"] >= 0.15  # measured: 86.4% at 17.1%


def test_the_shipped_thresholds_are_what_the_documented_procedure_chooses(scored: list[bench.Scored]) -> None:
    """Not tuned by hand: thresholds.py holds choose_thresholds() on all faces, floored to 3 places."""
    chosen = bench.choose_thresholds(scored, thresholds.EXPRESSION_CALIBRATION_TARGET)
    for label, value in chosen.items():
        shipped = thresholds.EXPRESSION_MIN_SCORE[label]
        if math.isinf(value):
            assert math.isinf(shipped), label
        else:
            assert shipped <= value < shipped + 0.002, label


def test_the_edge_fill_ends_angry_everywhere(scored: list[bench.Scored]) -> None:
    """The issue's "angry" on most faces came from the black frame around a cropped face."""
    faces = [r.face for r in scored]
    black, _ = bench.classify(faces, bench.black_square)
    angry_black = sum(r.top == "angry" for r in black)
    angry_edge = sum(r.top == "angry" for r in scored)
    right = sum(r.top == r.face.truth for r in scored)
    print(f"angry: black fill {angry_black}, edge {angry_edge}; top class right {right}/{len(scored)}")
    assert angry_edge < 0.7 * angry_black  # measured: 30 against 50
    assert right >= 0.5 * len(scored)  # measured: 69 of 129
