"""Vision accuracy on the real, labelled photos (the figures docs/models.md reports).

Runs the same measures as ``bench/accuracy.py``. The floors asserted are the issue's targets
(faces and people), far below what is measured (tags) or the measured figure (expressions), so
they catch a broken pipeline without tuning anything to this set.
"""

from __future__ import annotations

from pathlib import Path

from bench.accuracy import measure_expressions, measure_faces, measure_tags
from camroll.config import AppContext, Config


def _ctx(tmp_path: Path, name: str) -> AppContext:
    return AppContext(Config(home=tmp_path / name))


def test_faces_are_found_and_clustered_into_the_right_people(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, "faces")
    result = measure_faces(ctx, workers=2)
    print(result)
    assert result["detection_rate"] >= 0.98
    assert result["precision"] >= 0.98 and result["recall"] >= 0.98
    faces = ctx.db.scalar("SELECT count(*) FROM faces")
    thumbs = list((ctx.config.cache_dir / "faces").glob("*.jpg.sealed"))
    assert faces >= 87 and len(thumbs) == faces, "every face has its crop"
    ctx.close()


def test_expressions_through_the_pipeline_are_right_or_silent(tmp_path: Path) -> None:
    """Scan, consent and analyse, as a user would: the labels stored are the calibrated ones."""
    result = measure_expressions(_ctx(tmp_path, "expressions"), workers=2)
    print(result)
    assert result["precision"] >= 0.8 and result["coverage"] >= 0.2, "bench/expressions.py measures 86.7% at 23.3%"
    assert sum(c.get("unclear", 0) for c in result["per_class"].values()) > 0, "low-confidence faces stay unlabelled"


def test_scene_labels_appear_among_the_tags(tmp_path: Path) -> None:
    result = measure_tags(_ctx(tmp_path, "tags"), workers=2)
    print(result)
    assert result["hit_rate"] >= 0.7
