"""Vision accuracy on the real, labelled photos (the figures docs/models.md reports).

Runs the same measures as ``bench/accuracy.py``. The floors asserted are the issue's targets
(faces and people) or far below what is measured (expressions, tags), so they catch a broken
pipeline without tuning anything to this set.
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


def test_expressions_do_better_than_chance(tmp_path: Path) -> None:
    result = measure_expressions(_ctx(tmp_path, "expressions"), workers=2)
    print(result)
    assert result["overall"] > 1 / 7 * 1.5, "seven classes: chance is 14%"
    happy = result["per_class"]["happiness"]
    assert happy.get("right", 0) > happy.get("wrong", 0), "the class creations rely on (smiling) is the strong one"


def test_scene_labels_appear_among_the_tags(tmp_path: Path) -> None:
    result = measure_tags(_ctx(tmp_path, "tags"), workers=2)
    print(result)
    assert result["hit_rate"] >= 0.7
