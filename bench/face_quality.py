"""Distributions of the face quality features (camroll/people/face_quality.py) on the test photos.

Every photo of tests/data/photos is run through CenterFace (at FACE_MIN_SCORE, as analysis
does); each detection is printed with its features and the photo's kind from MANIFEST.tsv: ``person`` (an identity or an
expression label), ``scene:<label>`` (animals, objects: no human face expected) or ``other``.
A summary gives each feature's quartiles per kind, to choose where they separate.

    .venv/bin/python -m bench.face_quality
    .venv/bin/python -m bench.face_quality --mixed   # today's pairwise precision/recall, the floor to beat

``--mixed`` clusters the cached prints of bench/people_prints.py (original photos only, labelled
faces only: the unlabelled faces of group photos have no truth) with camroll's own clustering
and prints pairwise precision and recall against the MANIFEST identities.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from camroll import thresholds
from camroll.analysis.faces import FaceAnalyser
from camroll.people.face_quality import FaceQuality, measure

PHOTOS = Path(__file__).resolve().parent.parent / "tests" / "data" / "photos"


def kinds() -> dict[str, str]:
    out = {}
    with (PHOTOS / "MANIFEST.tsv").open(newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["identity"] or row["expression"]:
                out[row["relative_path"]] = "person"
            elif row["scene"]:
                out[row["relative_path"]] = "scene:" + row["scene"]
            else:
                out[row["relative_path"]] = "other"
    return out


def main() -> None:
    analyser = FaceAnalyser(threads=2)
    analyser.ensure_loaded()
    rows: list[tuple[str, str, FaceQuality]] = []
    for rel, kind in sorted(kinds().items()):
        try:
            img = ImageOps.exif_transpose(Image.open(PHOTOS / rel)).convert("RGB")
        except Exception:  # the broken-EXIF samples: not faces
            continue
        img.thumbnail((thresholds.ANALYSIS_MAX_SIDE, thresholds.ANALYSIS_MAX_SIDE))
        pixels = np.asarray(img)
        boxes, scores, points = analyser.detect(pixels)
        for box, score, kp in zip(boxes, scores, points, strict=True):
            q = measure(pixels, tuple(float(v) for v in box), kp, float(score))  # type: ignore[arg-type]
            rows.append((rel, kind, q))
            print(
                f"{kind:20} {q.score:5.2f} w={q.width:6.1f} sharp={q.sharpness:8.1f} eye={q.eye_ratio:5.2f} "
                f"nose={q.nose_offset:+6.2f} mouth={q.mouth_below:5.2f}  {rel}"
            )
    print("\nquartiles (25/50/75) per kind")
    for group in sorted({k if k in ("person", "other") else "scene" for _, k, _ in rows}):
        sel = [q for _, k, q in rows if (k if k in ("person", "other") else "scene") == group]
        line = [f"{group:7} n={len(sel):4}"]
        for name in ("score", "width", "sharpness", "eye_ratio", "nose_offset", "mouth_below"):
            v = np.array([getattr(q, name) for q in sel])
            a, b, c = np.percentile(v, [25, 50, 75])
            line.append(f"{name}={a:.2f}/{b:.2f}/{c:.2f}")
        print("  ".join(line))


def mixed() -> None:
    from bench.people_prints import load
    from bench.people_scale import labels_of, pairwise
    from camroll.people.cluster import cluster

    d = load(False)
    sel = d["variant"] == 0
    ident, vectors, photos = d["identity"][sel], d["prints"][sel], d["photo"][sel]
    idx = np.flatnonzero(ident != "")
    clusters = cluster(vectors[idx], photos[idx])
    _, truth = np.unique(ident[idx], return_inverse=True)
    p, r = pairwise(truth, labels_of(clusters, len(idx)))
    print(
        f"{len(idx)} faces, {len(set(ident[idx]))} identities, {len(clusters)} clusters: precision {p:.4f} recall {r:.4f}"
    )


if __name__ == "__main__":
    import sys

    mixed() if "--mixed" in sys.argv else main()
