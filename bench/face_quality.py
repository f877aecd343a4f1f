"""Distributions of the face quality features (camroll/analysis/face_quality.py) on the test photos.

Every photo of tests/data/photos is run through CenterFace (at FACE_MIN_SCORE, as analysis
does); each detection is printed with its features and the photo's kind from MANIFEST.tsv: ``person`` (an identity or an
expression label), ``scene:<label>`` (animals, objects: no human face expected) or ``other``.
A summary gives each feature's quartiles per kind, to choose where they separate.

    .venv/bin/python -m bench.face_quality
    .venv/bin/python -m bench.face_quality --gate    # precision/recall with each candidate gate,
                                                     # then the built gate through camroll itself
    .venv/bin/python -m bench.face_quality --mixed   # today's pairwise precision/recall, the floor to beat

``--gate`` ends with :func:`built`: the photos scanned and analysed by camroll in a temporary
home, grouped by the people job with the gate off and on (``FACE_CLUSTER_MIN_SCORE``, held faces,
attach then cluster), measured the same way.

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
from camroll.analysis.face_quality import FaceQuality, measure
from camroll.analysis.faces import FaceAnalyser

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


def gate() -> None:
    """Today's clustering with and without each candidate gate, on the identity and expression photos."""
    import csv as _csv

    from bench.people_scale import labels_of, pairwise
    from camroll.analysis.decode import Decoded
    from camroll.people.cluster import cluster

    a = FaceAnalyser(threads=2)
    a.ensure_loaded()
    with (PHOTOS / "MANIFEST.tsv").open(newline="") as f:
        rows = list(_csv.DictReader(f, delimiter="\t"))
    V, L, P, Q = [], [], [], []
    for n, r in enumerate(rows):
        if not r["relative_path"].startswith(("faces/", "expressions/")):
            continue
        img = ImageOps.exif_transpose(Image.open(PHOTOS / r["relative_path"])).convert("RGB")
        img.thumbnail((thresholds.ANALYSIS_MAX_SIDE,) * 2)
        px = np.asarray(img)
        h, w = px.shape[:2]
        res = a.analyse(Decoded(-1, "", px, 1.0, w, h), {})
        faces = [f for f in res.faces if f.embedding is not None]
        if not faces:
            continue
        big = max(range(len(faces)), key=lambda i: faces[i].box[2])
        for i, f in enumerate(faces):
            x, y, bw, bh = f.box
            kp = np.array([f.points[k] for k in f.points])
            Q.append(measure(px, (x, y, x + bw, y + bh), kp, f.score))
            V.append(np.frombuffer(f.embedding, np.float32))
            P.append(n)
            L.append(r["identity"] if (i == big and r["identity"]) else "")
    V, L, P = np.array(V), np.array(L), np.array(P)

    def run(name, ok):
        idx = np.flatnonzero(ok)
        cl = cluster(V[idx], P[idx])
        pred = labels_of(cl, len(idx))
        lab = L[idx] != ""
        _, truth = np.unique(L[idx][lab], return_inverse=True)
        # precision/recall over labelled faces; recall against all labelled pairs incl. held ones
        p, r = pairwise(truth, pred[lab])
        _, full = np.unique(L[L != ""], return_inverse=True)
        tot = sum(c * (c - 1) / 2 for c in np.bincount(full))
        got = sum(c * (c - 1) / 2 for c in np.bincount(truth))
        print(f"{name:28} kept {len(idx):4} held {len(V) - len(idx):3}  precision {p:.4f} recall {r * got / tot:.4f}")

    nose = np.array([abs(q.nose_offset) for q in Q])
    mouth = np.array([q.mouth_below for q in Q])
    sharp = np.array([q.sharpness for q in Q])
    score = np.array([q.score for q in Q])
    print(len(V), "faces,", (L != "").sum(), "labelled")
    run("no gate (today)", np.ones(len(V), bool))
    for t in (0.5, 0.7, 1.0):
        run(f"|nose| < {t}", nose < t)
    for t in (1.3, 1.5):
        run(f"mouth_below < {t}", mouth < t)
    for t in (50, 100, 150):
        run(f"sharpness > {t}", sharp > t)
    for t in (0.5, 0.6, 0.7):
        run(f"score > {t}", score > t)
    run("|nose|<0.7 & sharp>100", (nose < 0.7) & (sharp > 100))
    built()


def built() -> None:
    """The gate as built: camroll's own scan, analysis and people job on the identity and
    expression photos, with the gate off (every printed face) and on. The labelled face of a
    photo is its largest printed face; a face on no person counts as a person of its own."""
    import tempfile

    from bench.people_scale import pairwise
    from camroll.cli import app
    from camroll.config import AppContext, Config
    from camroll.people.cluster import update_people
    from camroll.people.edit import waiting
    from camroll.privacy import consent

    with (PHOTOS / "MANIFEST.tsv").open(newline="") as f:
        identity = {r["relative_path"]: r["identity"] for r in csv.DictReader(f, delimiter="\t") if r["identity"]}
    with tempfile.TemporaryDirectory() as tmp:
        from typer.testing import CliRunner

        home = str(Path(tmp) / "home")
        for args in (
            ["scan", str(PHOTOS / "faces"), "--no-analyze", "--quiet"],
            ["scan", str(PHOTOS / "expressions"), "--no-analyze", "--quiet"],
            ["consent", "grant", "faces"],
            ["analyze", "--quiet"],
        ):
            result = CliRunner().invoke(app, [*args, "--home", home])
            assert result.exit_code == 0, result.output
        ctx = AppContext(Config(home=Path(home)))
        consent.grant(ctx, "people")
        labelled: dict[int, str] = {}
        for path, face in ctx.db.query(
            "SELECT f.path, (SELECT fa.id FROM faces fa WHERE fa.photo_id = f.photo_id AND fa.embedding IS NOT NULL"
            " ORDER BY fa.w DESC LIMIT 1) FROM files f"
        ):
            rel = Path(path).relative_to(PHOTOS).as_posix()
            if face is not None and rel in identity:
                labelled[int(face)] = identity[rel]
        ids = sorted(labelled)
        _, truth = np.unique([labelled[i] for i in ids], return_inverse=True)
        total = int(ctx.db.scalar("SELECT count(*) FROM faces WHERE embedding IS NOT NULL"))
        print(f"\nbuilt: {total} printed faces, {len(ids)} labelled, {len(set(labelled.values()))} identities")
        for name, gate in (("no gate", 0.0), (f"score > {thresholds.FACE_CLUSTER_MIN_SCORE}", None)):
            saved = thresholds.FACE_CLUSTER_MIN_SCORE
            if gate is not None:
                thresholds.FACE_CLUSTER_MIN_SCORE = gate
            try:
                update_people(ctx, from_scratch=True)
                counts = waiting(ctx)
            finally:
                thresholds.FACE_CLUSTER_MIN_SCORE = saved
            owner = dict(ctx.db.query("SELECT id, coalesce(person_id, -id) FROM faces"))
            p, r = pairwise(truth, np.array([owner[i] for i in ids], np.int64))
            print(
                f"{name:28} precision {p:.4f} recall {r:.4f}  held {counts['held']}, "
                f"not clear enough {counts['not_clear_enough']}, not grouped yet {counts['not_grouped_yet']}"
            )
        ctx.close()


if __name__ == "__main__":
    import sys

    gate() if "--gate" in sys.argv else mixed() if "--mixed" in sys.argv else main()
