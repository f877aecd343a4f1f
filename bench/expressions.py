"""Expressions on the labelled test faces: per-class figures, before and after, and calibration.

    .venv/bin/python -m bench.expressions

On the 132 labelled faces of tests/data/photos (MANIFEST column ``expression``), the largest face
CenterFace finds in each photo is classified by camroll's expression model, and the run prints:

* the confusion matrix and per-class precision and recall of the model's top class, **before**
  (the face square filled with black past the photo's edge, as camroll did until issue 15) and
  **after** (the edge repeated), side by side, with the model's time per face for each;
* the **calibration**: per-class thresholds chosen on one half of the faces and reported on the
  other half, both ways (two-fold cross-validation, the halves stratified by label), for several
  precision targets, and a single global threshold for comparison: precision of the labels shown
  against coverage (the share of faces that get a label), all held out;
* the thresholds chosen on all the faces with the shipped target (what goes into
  ``camroll/thresholds.py``) and what they give on these faces (in-sample, so optimistic);
* the ``smiling`` flag (happy >= SMILE_MIN_HAPPY) against the "happiness" label.

"contempt" is not one of the model's classes: its 4 faces count as faces that should get no label
(any label shown on them is wrong). The 3 photos where no face is found are left out of coverage.
Labels are student-made and noisy. The machine is shared and noisy: read times as ratios.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from bench.accuracy import EXPRESSION_WORDS, PHOTOS, manifest
from camroll import thresholds
from camroll.analysis.decode import decode
from camroll.analysis.expressions import LABELS, SIDE, UNCLEAR, ExpressionAnalyser, face_square
from camroll.analysis.faces import FaceAnalyser

Box = tuple[float, float, float, float]
TARGETS = (0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 1.0)
"""Per-class precision targets tried by the calibration (each class's threshold is the lowest
score at which that class's labels on the choosing half are at least this often right)."""
MIN_KEPT = 3
"""A class is shown only when at least this many faces of the choosing half pass its threshold:
one or two right answers are no evidence."""


@dataclass
class Face:
    path: str
    truth: str | None
    """The label in the model's words (None: contempt, not a model class)."""
    label: str
    """The MANIFEST label."""
    grey: np.ndarray
    box: Box | None


@dataclass
class Scored:
    face: Face
    probs: np.ndarray

    @property
    def top(self) -> str:
        return LABELS[int(np.argmax(self.probs))]

    @property
    def score(self) -> float:
        return float(np.max(self.probs))


def labelled_faces(progress: bool = True) -> list[Face]:
    """Every labelled face photo, decoded as analysis decodes it, with its largest face's box."""
    rows = [r for r in manifest() if r["relative_path"].startswith("expressions/") and r["expression"]]
    detector = FaceAnalyser(threads=2)
    detector.ensure_loaded()
    out: list[Face] = []
    for row in _progress(rows, "finding faces", progress):
        photo = decode(len(out), "", str(PHOTOS / row["relative_path"]), 1, None)
        boxes, _scores, _points = detector.detect(photo.pixels)
        box: Box | None = None
        if len(boxes):
            x1, y1, x2, y2 = max(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
            box = (float(x1), float(y1), float(x2 - x1), float(y2 - y1))
        grey = np.asarray(Image.fromarray(photo.pixels).convert("L"))
        out.append(Face(row["relative_path"], EXPRESSION_WORDS[row["expression"]], row["expression"], grey, box))
    return out


def _progress(rows: Sequence[dict[str, str]], what: str, show: bool) -> Iterable[dict[str, str]]:
    if not show:
        yield from rows
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn(what),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.speed} /s"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(what, total=len(rows))
        for row in rows:
            yield row
            bar.advance(task)


def black_square(grey: np.ndarray, box: Box, margin: float) -> np.ndarray:
    """The face square as camroll made it before issue 15: black wherever it passes the edge."""
    x, y, w, h = box
    side = max(w, h) * (1 + 2 * margin)
    cx, cy = x + w / 2, y + h / 2
    square = (int(cx - side / 2), int(cy - side / 2), int(cx + side / 2), int(cy + side / 2))
    crop = Image.fromarray(grey).crop(square).resize((SIDE, SIDE), Image.Resampling.BILINEAR)
    return (np.asarray(crop, np.float32) / 255.0 - 0.5) * 2.0


def classify(
    faces: Sequence[Face], square: Callable[[np.ndarray, Box, float], np.ndarray] = face_square
) -> tuple[list[Scored], float]:
    """Each found face's class probabilities, and the mean milliseconds per face (square + model)."""
    analyser = ExpressionAnalyser(threads=1)
    analyser.ensure_loaded()
    model = analyser._model
    out, started = [], time.perf_counter()
    for face in faces:
        if face.box is None:
            continue
        model.set_tensor(
            analyser._input, square(face.grey, face.box, thresholds.EXPRESSION_FACE_MARGIN)[None, :, :, None]
        )
        model.invoke()
        probs = np.asarray(model.get_tensor(analyser._output)[0], np.float64)
        out.append(Scored(face, probs / probs.sum()))
    return out, (time.perf_counter() - started) / max(1, len(out)) * 1000


# --- measures -----------------------------------------------------------------------------------


def shown(rows: Iterable[Scored], cut: Mapping[str, float]) -> list[tuple[Scored, str]]:
    """Each face with the label shown under per-class thresholds ``cut`` (``UNCLEAR`` below)."""
    return [(r, r.top if r.score >= cut[r.top] else UNCLEAR) for r in rows]


def precision_coverage(labelled: Sequence[tuple[Scored, str]]) -> tuple[float, float, int, int]:
    """(precision of the labels shown, coverage, right, shown) over ``labelled``."""
    given = [(r, label) for r, label in labelled if label != UNCLEAR]
    right = sum(r.face.truth == label for r, label in given)
    return (right / len(given) if given else 1.0), len(given) / max(1, len(labelled)), right, len(given)


def per_class(labelled: Sequence[tuple[Scored, str]]) -> dict[str, tuple[int, int, int]]:
    """label -> (right, shown with this label, faces that truly have it)."""
    out = {}
    for label in LABELS:
        given = [r for r, shown_as in labelled if shown_as == label]
        out[label] = (
            sum(r.face.truth == label for r in given),
            len(given),
            sum(r.face.truth == label for r, _ in labelled),
        )
    return out


def choose_thresholds(rows: Sequence[Scored], target: float, min_kept: int = MIN_KEPT) -> dict[str, float]:
    """Per class, the lowest top-class score at which the faces labelled with that class in
    ``rows`` are right at least ``target`` of the time (and at least ``min_kept`` of them pass);
    a class that never gets there gets infinity: it is never shown."""
    cut = {}
    for label in LABELS:
        mine = sorted((r for r in rows if r.top == label), key=lambda r: -r.score)
        best, right = float("inf"), 0
        for kept, r in enumerate(mine, 1):
            right += r.face.truth == label
            if kept >= min_kept and right / kept >= target:
                best = r.score
        cut[label] = best
    return cut


def halves(rows: Sequence[Scored]) -> tuple[list[Scored], list[Scored]]:
    """Two halves stratified by label: within each label, by path, alternately."""
    a: list[Scored] = []
    b: list[Scored] = []
    for label in sorted({r.face.label for r in rows}):
        for i, r in enumerate(sorted((r for r in rows if r.face.label == label), key=lambda r: r.face.path)):
            (a if i % 2 == 0 else b).append(r)
    return a, b


def cross_validated(rows: Sequence[Scored], target: float) -> dict[str, float]:
    """Choose on one half, measure on the other, both ways: the held-out precision and coverage
    (pooled over both held-out halves) and each direction's."""
    a, b = halves(rows)
    out: dict[str, float] = {}
    pooled: list[tuple[Scored, str]] = []
    for name, choose_on, test_on in (("a->b", a, b), ("b->a", b, a)):
        labelled = shown(test_on, choose_thresholds(choose_on, target))
        pooled += labelled
        out[f"precision {name}"], out[f"coverage {name}"], _, _ = precision_coverage(labelled)
    out["precision"], out["coverage"], right, given = precision_coverage(pooled)
    out["right"], out["shown"] = right, given
    return out


def global_curve(rows: Sequence[Scored]) -> list[tuple[float, float, float]]:
    """(threshold, precision, coverage) of one threshold for every class, held out the same way:
    the threshold is the lowest at which the choosing half reaches each target."""
    out = []
    a, b = halves(rows)
    for target in TARGETS:
        pooled: list[tuple[Scored, str]] = []
        for choose_on, test_on in ((a, b), (b, a)):
            cut = _global_threshold(choose_on, target)
            pooled += shown(test_on, dict.fromkeys(LABELS, cut))
        precision, coverage, _, _ = precision_coverage(pooled)
        out.append((target, precision, coverage))
    return out


def _global_threshold(rows: Sequence[Scored], target: float) -> float:
    best, right = float("inf"), 0
    for kept, r in enumerate(sorted(rows, key=lambda r: -r.score), 1):
        right += r.face.truth == r.top
        if kept >= MIN_KEPT and right / kept >= target:
            best = r.score
    return best


# --- printing -------------------------------------------------------------------------------------


def confusion_table(labelled: Sequence[tuple[Scored, str]]) -> str:
    columns = [*LABELS, UNCLEAR]
    counts = Counter((r.face.label, label) for r, label in labelled)
    head = "| label \\ shown | " + " | ".join(c if c != UNCLEAR else "unclear" for c in columns) + " |"
    lines = [head, "|---" * (len(columns) + 1) + "|"]
    for truth in sorted({r.face.label for r, _ in labelled}):
        lines.append(f"| {truth} | " + " | ".join(str(counts[(truth, c)] or ".") for c in columns) + " |")
    return "\n".join(lines)


def class_table(
    before: Sequence[tuple[Scored, str]], after: Sequence[tuple[Scored, str]], titles: tuple[str, str]
) -> str:
    lines = [
        f"| class | {titles[0]} precision | {titles[0]} recall | {titles[1]} precision | {titles[1]} recall |",
        "|---|---:|---:|---:|---:|",
    ]
    b, a = per_class(before), per_class(after)
    for label in LABELS:
        cells = []
        for right, given, truly in (b[label], a[label]):
            cells += [f"{right}/{given}" if given else "-", f"{right}/{truly}" if truly else "-"]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", type=float, default=thresholds.EXPRESSION_CALIBRATION_TARGET)
    args = parser.parse_args()
    faces = labelled_faces()
    print(f"{len(faces)} labelled photos, a face found in {sum(f.box is not None for f in faces)}")
    old, old_ms = classify(faces, black_square)
    new, new_ms = classify(faces, face_square)
    raw = dict.fromkeys(LABELS, 0.0)
    before, after = shown(old, raw), shown(new, raw)
    for name, labelled, ms in (("before (black fill)", before, old_ms), ("after (edge repeated)", after, new_ms)):
        precision, _, right, given = precision_coverage(labelled)
        calls = Counter(label for _, label in labelled)
        print(f"\n## top class, {name}: {right}/{given} right ({precision:.1%}), {ms:.2f} ms per face")
        print(f"'angry' given to {calls['angry']} of {given} faces")
        print(confusion_table(labelled))
    print("\n## per class, top class (right/shown = precision, right/labelled = recall)\n")
    print(class_table(before, after, ("before", "after")))

    print("\n## calibration, held out (2-fold, choose on one half, report on the other, both ways)\n")
    print("| per-class target | precision | coverage | right/shown | a->b precision, coverage | b->a |")
    print("|---:|---:|---:|---:|---|---|")
    for target in TARGETS:
        cv = cross_validated(new, target)
        print(
            f"| {target:.2f} | {cv['precision']:.1%} | {cv['coverage']:.1%} | {cv['right']:.0f}/{cv['shown']:.0f} |"
            f" {cv['precision a->b']:.1%}, {cv['coverage a->b']:.1%} | {cv['precision b->a']:.1%}, {cv['coverage b->a']:.1%} |"
        )
    print("\none threshold for every class, held out the same way:\n")
    print("| target | precision | coverage |\n|---:|---:|---:|")
    for target, precision, coverage in global_curve(new):
        print(f"| {target:.2f} | {precision:.1%} | {coverage:.1%} |")

    cut = choose_thresholds(new, args.target)
    print(f"\n## thresholds chosen on all faces, target {args.target} (in-sample)\n")
    print(", ".join(f"{k} {v:.3f}" for k, v in cut.items()))
    shipped = shown(new, thresholds.EXPRESSION_MIN_SCORE)
    precision, coverage, right, given = precision_coverage(shipped)
    print(f"shipped thresholds (camroll/thresholds.py) on these faces: {right}/{given} right ({precision:.1%}),")
    print(
        f"coverage {coverage:.1%} of {len(shipped)} faces (in-sample: the held-out figures above are the honest ones)"
    )
    print(confusion_table(shipped))
    print(class_table(after, shipped, ("uncalibrated", "calibrated")))

    smiling = [r for r in new if r.probs[LABELS.index("happy")] >= thresholds.SMILE_MIN_HAPPY]
    happy = sum(r.face.label == "happiness" for r in new)
    right_smiles = sum(r.face.label == "happiness" for r in smiling)
    print(
        f"\n## smiling flag: {right_smiles}/{len(smiling)} of the smiling faces are labelled happiness; "
        f"{right_smiles}/{happy} of the happiness faces smile"
    )


if __name__ == "__main__":
    main()
