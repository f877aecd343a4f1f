"""Accuracy of camroll's vision capabilities on the real, labelled photos in tests/data/photos.

    .venv/bin/python -m bench.accuracy [--workers N]

Scans faces/, expressions/ and scenes/ into a temporary library, grants the capabilities each
measure needs, analyses, and prints:

* faces: share of the single-person photos in which a face is found;
* people: pairwise precision and recall of the clustering against the identity labels (one face
  per single-person photo, the largest), the measure the issue sets (both >= 0.98);
* expressions: per class on expressions/, how many faces got the right label, a wrong one, or
  "no clear expression"; the precision of the labels shown and the coverage (bench/expressions.py
  has the full figures and the calibration);
* tags: whether each scene photo's label (or its search word) is among its tags.

The figures go to docs/models.md. Nothing here is tuned: thresholds live in camroll/thresholds.py.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from camroll.analysis.expressions import UNCLEAR
from camroll.analysis.pipeline import analyse
from camroll.config import AppContext, Config
from camroll.library.scan import scan
from camroll.people.edit import listing
from camroll.privacy import consent

PHOTOS = (Path(__file__).resolve().parents[1] / "tests" / "data" / "photos").resolve()
EXPRESSION_WORDS = {
    "anger": "angry",
    "disgust": "disgusted",
    "fear": "fearful",
    "happiness": "happy",
    "neutral": "neutral",
    "sadness": "sad",
    "surprise": "surprised",
    "contempt": None,
}
SCENE_WORDS = {"horses": "horse", "ferriswheel": "ferris wheel", "eagle": "bird", "lime": "fruit"}


def manifest() -> list[dict[str, str]]:
    with open(PHOTOS / "MANIFEST.tsv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def pairwise(truth: dict[str, str], predicted: dict[str, int]) -> tuple[float, float]:
    """Pairwise precision and recall of a clustering (``predicted``) against labels (``truth``)."""
    tp = fp = fn = 0
    for a, b in itertools.combinations(sorted(truth), 2):
        same = truth[a] == truth[b]
        together = a in predicted and b in predicted and predicted[a] == predicted[b]
        tp += same and together
        fp += together and not same
        fn += same and not together
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


def people_by_photo(ctx: AppContext) -> dict[str, int]:
    """Each photo's largest face's person (the photos are single-person)."""
    best: dict[str, tuple[float, int]] = {}
    for person in listing(ctx, include_ignored=True):
        for face in person["faces"]:
            path = str(Path(face["path"]).resolve())
            area = face["box"][2] * face["box"][3]
            if path not in best or area > best[path][0]:
                best[path] = (area, person["id"])
    return {p: person for p, (_, person) in best.items()}


def measure_faces(ctx: AppContext, workers: int) -> dict[str, Any]:
    truth = {
        str(PHOTOS / r["relative_path"]): r["identity"]
        for r in manifest()
        if r["relative_path"].startswith("faces/") and r["identity"]
    }
    scan(ctx, [str(PHOTOS / "faces")], workers=workers)
    for cap in ("faces", "people"):
        consent.grant(ctx, cap)
    summary = analyse(ctx, workers=workers)
    predicted = people_by_photo(ctx)
    found = sum(1 for p in truth if p in predicted)
    precision, recall = pairwise(truth, predicted)
    return {
        "photos": len(truth),
        "with_face": found,
        "detection_rate": found / len(truth),
        "precision": precision,
        "recall": recall,
        "people": len(set(predicted.values())),
        "identities": len(set(truth.values())),
        "seconds": summary.seconds,
    }


def measure_expressions(ctx: AppContext, workers: int) -> dict[str, Any]:
    labels = {
        str(PHOTOS / r["relative_path"]): r["expression"]
        for r in manifest()
        if r["relative_path"].startswith("expressions/") and r["expression"]
    }
    scan(ctx, [str(PHOTOS / "expressions")], workers=workers)
    for cap in ("faces", "expressions"):
        consent.grant(ctx, cap)
    analyse(ctx, workers=workers)
    got: dict[str, str] = {}
    for path, label, _area in ctx.db.query(
        "SELECT f.path, e.label, fa.w * fa.h FROM expressions e JOIN faces fa ON fa.id = e.face_id"
        " JOIN files f ON f.photo_id = e.photo_id ORDER BY fa.w * fa.h"
    ):
        got[str(Path(path).resolve())] = label  # the largest face of the photo comes last
    per_class: dict[str, Counter[str]] = defaultdict(Counter)
    for path, label in labels.items():
        word = EXPRESSION_WORDS.get(label)
        if path not in got:
            outcome = "no face"
        elif got[path] == UNCLEAR:
            outcome = "unclear"
        else:
            outcome = "right" if got[path] == word else "wrong"
        per_class[label][outcome] += 1
    found = [p for p in labels if p in got]
    given = [p for p in found if got[p] != UNCLEAR]
    right = sum(got[p] == EXPRESSION_WORDS.get(labels[p]) for p in given)
    return {
        "precision": right / len(given) if given else 1.0,
        "coverage": len(given) / len(found) if found else 0.0,
        "per_class": {k: dict(v) for k, v in sorted(per_class.items())},
    }


def measure_tags(ctx: AppContext, workers: int) -> dict[str, Any]:
    scan(ctx, [str(PHOTOS / "scenes")], workers=workers)
    consent.grant(ctx, "tags")
    analyse(ctx, workers=workers)
    tags: dict[str, set[str]] = defaultdict(set)
    for path, tag in ctx.db.query("SELECT f.path, t.tag FROM tags t JOIN files f ON f.photo_id = t.photo_id"):
        tags[str(Path(path).resolve())].add(tag)
    results = {}
    for r in manifest():
        if r["relative_path"].startswith("scenes/") and r["scene"]:
            path = str(PHOTOS / r["relative_path"])
            word = SCENE_WORDS.get(r["scene"], r["scene"])
            results[r["relative_path"]] = word in tags[path] or r["scene"] in tags[path]
    return {"hit_rate": sum(results.values()) / len(results), "photos": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name, measure in (
            ("faces and people", measure_faces),
            ("expressions", measure_expressions),
            ("tags", measure_tags),
        ):
            ctx = AppContext(Config(home=Path(tmp) / name.replace(" ", "-")))
            result = measure(ctx, args.workers)
            ctx.close()
            print(f"\n## {name}")
            for key, value in result.items():
                print(f"- {key}: {value:.3f}" if isinstance(value, float) else f"- {key}: {value}")


if __name__ == "__main__":
    main()
