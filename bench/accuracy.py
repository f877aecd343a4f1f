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

    .venv/bin/python -m bench.accuracy --tags

runs only the tag model on every test photo and prints, for each kind of tag (words, "animal",
the top class's own name), how many of the tags at or above each threshold are right, judged by
looking at the photos (``TAGS_RIGHT``, ``TAGS_UNSURE``); the thresholds that choice gives, in-sample
and held out; and the worst confusions. camroll/thresholds.py's tag thresholds come from it.

The figures go to docs/models.md. Nothing here is tuned: thresholds live in camroll/thresholds.py.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
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


# --- tag thresholds: every tag on the test photos, judged by looking at the photos --------------

FACE_PHOTO_TAGS_UNSURE = frozenset(
    [
        "suit",
        "windsor tie",
        "bow tie",
        "jersey",
        "sweatshirt",
        "cardigan",
        "sunglass",
        "sunglasses",
        "military uniform",
        "bikini",
        "brassiere",
        "maillot",
        "swimming trunks",
        "lipstick",
        "face powder",
        "bathing cap",
        "bulletproof vest",
        "lab coat",
        "academic gown",
        "wig",
    ]
)
"""On the 221 face and expression photos (a face, shoulders at most) every tag is judged wrong
except clothes and make-up, which may be right and were not checked one by one: left out."""

TAGS_RIGHT: dict[str, str] = {
    # exif/ and scenes/: the tags that are right, judged by looking at each photo (2026-12-04).
    # Any other tag a photo gets (words at 0.05 or more, or its top class) is wrong, except those
    # in TAGS_UNSURE. Keyed by file name.
    "ianare_image01088.jpg": "text",
    "IMG_5910.jpg": "animal,squirrel,fox squirrel",
    "heic-iphone7.heic": "landscape,beach,seashore",
    "heic-single.heic": "building,boathouse",
    "Canon_40D.jpg": "animal,lizard",
    "Kodak_CX7530.jpg": "animal,lizard,agama",
    "Olympus_C8080WZ.jpg": "animal,fish",
    **{f"{k}_{i}.jpg": "landscape" for k in ("landscape", "portrait") for i in range(1, 9)},
    "11-tests.jpg": "landscape,mountain,valley",
    "22-canon_tags.jpg": "car,seat belt",
    "32-lens_data.jpeg": "truck,car",
    "45-gps_ifd.jpg": "car",
    "Arbitro.tiff": "text",
    "IMG_4120.JPG": "plane,airliner",
    "IMG_E4120.JPG": "plane,airliner",
    "Iceland-P3.jpg": "landscape",
    "Iceland-sRGB.jpg": "landscape",
    "aurora.jpg": "landscape,mountain",
    "digikam.jpg": "shop",
    "gps-2000.jpg": "landscape,sea,beach,seashore",
    "iphone_15_pro.heic": "animal",
    "iphone_7.heic": "building",
    "ladybug.jpg": "animal,insect,ladybug",
    "norway-kjetil-moe.webp": "landscape,mountain,valley",
    "notebook.jpg": "computer,space bar",
    "snow.jpg": "snow,landscape,mountain",
    "beach_sand.jpg": "landscape,sea,beach,seashore",
    "building_mono.jpg": "building",
    "cat_black.jpg": "animal,pet,cat",
    "cat_brown.jpg": "animal,pet,cat,tabby",
    "clock_purple.jpg": "clock,analog clock",
    "darknet_dog.jpg": "animal,pet,dog",
    "dog_orange.jpg": "animal,pet,dog",
    "dog_toshi_red.jpg": "animal,pet,dog",
    "darknet_eagle.jpg": "animal,bird,eagle",
    "elephants.jpg": "animal,elephant,african elephant",
    "giraffe_green_brown.jpg": "animal",
    "darknet_horses.jpg": "animal",
    "jellyfish_blue.jpg": "animal,jellyfish",
    "limes.jpg": "food,fruit",
    "peacock_blue.jpg": "animal,bird,peacock",
    "turtle_brown_blue.jpg": "animal,turtle",
}

TAGS_UNSURE: dict[str, str] = {
    # could be right or wrong from the photo alone: left out of the counts
    "ianare_image01088.jpg": "document,screenshot",
    "heic-iphone7.heic": "sea,lake,lakeside",
    "Ricoh_Caplio_RR330.jpg": "sea,landscape,beach,bridge",
    **{f"{k}_{i}.jpg": "mountain,valley" for k in ("landscape", "portrait") for i in range(1, 9)},
    "30-type_error.jpg": "bridge",
    "Iceland-P3.jpg": "sea,beach,seashore,mountain,lake",
    "Iceland-sRGB.jpg": "sea,beach,seashore,mountain,lake",
    "altitude.jpg": "text",
    "iphone_7.heic": "castle",
    "darknet_dog.jpg": "malamute",
    "dog_orange.jpg": "pembroke",
    "dog_toshi_red.jpg": "pug",
    "turtle_brown_blue.jpg": "loggerhead",
}

TAG_CUTS = tuple(round(0.05 * i, 2) for i in range(1, 20))
"""The thresholds tried: 0.05 .. 0.95."""

TAG_TARGET = 0.8
"""A kind of tag is shown from the lowest threshold in TAG_CUTS at which the judged tags at or above
it are right at least this often (the issue's aim for expressions, used for tags too)."""

JUDGED_FLOOR = 0.05
"""Word tags judged: every word scoring at least this on a photo (the top class always)."""


@dataclass(frozen=True)
class JudgedTag:
    photo: str
    tag: str
    score: float
    kind: str
    """"word" (a word of the table, its classes summed) or "class" (the top class's own name)."""
    right: bool
    dropped: bool
    """The class is in data/tag_misleading.tsv: never shown by its own name."""


def judged_tags() -> list[JudgedTag]:
    """Every candidate tag of every test photo with the model's score, judged right or wrong
    (unsure ones left out). Runs the tag model on all photos (about 20 s)."""
    import numpy as np

    from camroll.analysis import tags
    from camroll.analysis.decode import decode

    analyser = tags.TagAnalyser(threads=2)
    analyser.ensure_loaded()
    paths = sorted(
        p
        for folder in ("exif", "scenes", "faces", "expressions")
        for p in (PHOTOS / folder).rglob("*")
        if p.is_file() and p.suffix.lower() in {".jpg", ".jpeg", ".png", ".heic", ".webp", ".tif", ".tiff"}
    )
    misleading = tags.misleading_classes()
    out: list[JudgedTag] = []
    for i, path in enumerate(paths):
        try:
            photo = decode(i, "", str(path), 1, None)
        except Exception:  # a deliberately broken test file: nothing to judge
            continue
        logits = analyser._model.run(None, {"pixels": tags.preprocess(photo)})[0][0].astype(np.float64)
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        face_photo = path.relative_to(PHOTOS).parts[0] in ("faces", "expressions")
        right = set(TAGS_RIGHT.get(path.name, "").split(","))
        unsure = set(TAGS_UNSURE.get(path.name, "").split(",")) | (FACE_PHOTO_TAGS_UNSURE if face_photo else set())
        found = [(w, min(1.0, float(probs[sorted(c)].sum())), "word", False) for w, c in tags.tag_words().items()]
        top = int(np.argmax(probs))
        found.append((tags.lemma_tag(top), float(probs[top]), "class", top in misleading))
        for tag, score, kind, dropped in found:
            if (kind == "class" or score >= JUDGED_FLOOR) and tag not in unsure:
                out.append(JudgedTag(str(path.relative_to(PHOTOS)), tag, score, kind, tag in right, dropped))
    return out


def tag_curve(judged: list[JudgedTag], cuts: tuple[float, ...]) -> list[tuple[float, int, int]]:
    """(threshold, right, shown) of the judged tags at or above each threshold."""
    return [(c, sum(t.right for t in judged if t.score >= c), sum(t.score >= c for t in judged)) for c in cuts]


def choose_tag_threshold(judged: list[JudgedTag], target: float = TAG_TARGET) -> float:
    """The lowest threshold of TAG_CUTS at which the tags at or above it are right ``target`` of the
    time (at least 3 of them); 1.0 when none is."""
    for cut, right, shown in tag_curve(judged, TAG_CUTS):
        if shown >= 3 and right / shown >= target:
            return cut
    return 1.0


def tag_held_out(judged: list[JudgedTag], target: float = TAG_TARGET) -> tuple[int, int, int]:
    """Two-fold check of the procedure: photos split in two halves (alternately, by path within
    each folder), each kind's threshold chosen on one half and applied to the other, both ways.
    Returns (right shown, shown, right there were) pooled over both held-out halves."""
    photos = sorted({t.photo for t in judged})
    half = {p: i % 2 for i, p in enumerate(photos)}
    right = shown = total = 0
    for held in (0, 1):
        for rows in tag_groups(judged).values():
            cut = choose_tag_threshold([t for t in rows if half[t.photo] != held], target)
            test = [t for t in rows if half[t.photo] == held]
            right += sum(t.right and t.score >= cut for t in test)
            shown += sum(t.score >= cut for t in test)
            total += sum(t.right for t in test)
    return right, shown, total


def tag_groups(judged: list[JudgedTag]) -> dict[str, list[JudgedTag]]:
    """The kinds of tag that get their own threshold."""
    return {
        "class names (top class; misleading ones dropped)": [t for t in judged if t.kind == "class" and not t.dropped],
        "words except animal": [t for t in judged if t.kind == "word" and t.tag != "animal"],
        "animal (398 classes summed)": [t for t in judged if t.tag == "animal"],
    }


def tag_report() -> None:
    """What ``--tags`` prints: precision of the tags shown against each threshold, per kind, the
    shipped thresholds' figures and the worst confusions (docs/models.md)."""
    from camroll import thresholds
    from camroll.analysis.tags import tag_min_score

    judged = judged_tags()
    cuts = TAG_CUTS
    groups = tag_groups(judged)
    photos = {t.photo.split("/")[0] for t in judged}
    print(f"{len(judged)} judged tags on {len({t.photo for t in judged})} photos ({', '.join(sorted(photos))})")
    for name, rows in groups.items():
        print(f"\n## {name}: right/shown at or above each threshold\n")
        print("| threshold | " + " | ".join(f"{c:.2f}" for c in cuts) + " |")
        print("|---" * (len(cuts) + 1) + "|")
        cells = [f"{r}/{s} ({r / s:.0%})" if s else "-" for _, r, s in tag_curve(rows, cuts)]
        print("| right/shown | " + " | ".join(cells) + " |")
        print(f"\nlowest threshold with {TAG_TARGET:.0%} right: {choose_tag_threshold(rows)}")
    shown = [t for t in judged if not t.dropped and t.score >= tag_min_score(t.tag, t.kind)]
    kept_right = sum(t.right for t in shown)
    print(
        f"\nshipped thresholds (words {thresholds.TAG_WORD_MIN_SCORE}, overrides {thresholds.TAG_WORD_MIN_SCORE_BY_WORD},"
        f" class names {thresholds.TAG_LEMMA_MIN_SCORE}): {kept_right}/{len(shown)} right"
        f" ({kept_right / max(1, len(shown)):.0%}); right tags kept {kept_right}/{sum(t.right for t in judged)}"
    )
    right, held_shown, total = tag_held_out(judged)
    print(
        f"held out (2-fold: thresholds chosen on half the photos, shown on the other, both ways):"
        f" {right}/{held_shown} right ({right / max(1, held_shown):.0%}); right tags kept {right}/{total}"
    )
    before = [t for t in judged if t.kind == "class" or t.score >= 0.3]
    print(
        f"before (words 0.3, every top class): {sum(t.right for t in before)}/{len(before)} right"
        f" ({sum(t.right for t in before) / max(1, len(before)):.0%})"
    )
    print("\n## worst confusions: wrong tags, highest score first (* = now dropped or below its threshold)\n")
    wrong = sorted((t for t in judged if not t.right), key=lambda t: -t.score)
    for t in wrong[:25]:
        hidden = t.dropped or t.score < tag_min_score(t.tag, t.kind)
        print(f"- {t.tag} {t.score:.2f} ({t.kind}) on {t.photo}{' *' if hidden else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tags", action="store_true", help="only the tag thresholds survey (all test photos)")
    args = parser.parse_args()
    if args.tags:
        tag_report()
        return
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
