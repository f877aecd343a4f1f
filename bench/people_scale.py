"""People at scale: time and peak memory of clustering faces into people, next to the previous
clustering (average linkage on the full pairwise matrix), on prints derived from real faces.

    .venv/bin/python -m bench.people_scale [--sizes 10000,50000,100000,200000]
        [--old-sizes 5000,10000,20000] [--catalog 200000] [--new-faces 1000] [--compare-indexes]

The prints: ``bench/people_prints.py`` runs camroll's own face analyser on every photo of
tests/data/photos/faces and expressions under 18 image augmentations (mirror x 3 scales x
3 brightnesses, each re-encoded as JPEG at quality 92 or 55): about 4,000 real prints of
237 faces, cached in a temp folder. To reach 200,000, the set is copied: copy 0 is the real
prints; copy c > 0 turns every print about the prints' mean by one random orthogonal 128 x 128
rotation (so every distance inside a copy is a real distance between real prints, and a copy's
faces are new people, as far from the other copies' as unrelated faces are) and adds Gaussian
noise of 0.005 per coordinate (a distance of ~0.06, a tenth of the 0.6 cut). A face's person
(for precision and recall) is its labelled identity (faces/) or its source face (expressions/),
per copy; its photo is its original photo and augmentation, per copy.

Each measure runs in a fresh process, so its peak memory (``resource`` maxrss of that process)
is its own:

* **new** - ``camroll.people.cluster.cluster`` (index + k-NN graph + average linkage per group)
  at each size;
* **old** - the previous clustering, verbatim (scipy ``linkage(method='average')`` on all faces,
  the same one-person-per-photo rule) at the sizes where it fits, with the ratios;
  pairwise precision/recall of new against old (old as the reference) and of both against truth;
* **catalog** - ``update_people`` end to end on a real catalog of ``--catalog`` sealed faces
  (read in batches, opened, clustered, written), from scratch; then ``--new-faces`` new faces of
  known people against them all (the incremental run);
* ``--compare-indexes`` - hnswlib, usearch and faiss HNSW at 200,000 prints with the same graph
  settings: build, all-queries time and recall@30 against exact search (2,000 queries).

The machine is shared and noisy (2 cores, several people working): compare ratios in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.people_prints import load

K = 30


def synthetic(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(prints n x 128, photo ids, person ids) of ``n`` faces (see the module docstring)."""
    data = load(verbose=False)
    base, rng = data["prints"], np.random.default_rng(seed)
    labels = np.array([f"i:{i}" if i else f"s:{s}" for i, s in zip(data["identity"], data["source"], strict=True)])
    _, person = np.unique(labels, return_inverse=True)
    photo = data["photo"] * 100 + data["variant"]
    mean = base.mean(axis=0)
    vectors, photos, people = [], [], []
    for c in range(-(-n // len(base))):
        turn = np.eye(128) if c == 0 else np.linalg.qr(rng.normal(size=(128, 128)))[0]
        copy = mean + (base - mean) @ turn.T.astype(np.float32)
        if c:
            copy = copy + rng.normal(scale=0.005, size=base.shape)
        vectors.append(copy.astype(np.float32))
        photos.append(photo + c * 1_000_000)
        people.append(person + c * 10_000)
    return np.concatenate(vectors)[:n], np.concatenate(photos)[:n], np.concatenate(people)[:n]


def old_cluster(vectors: np.ndarray, photos: list[int]) -> list[tuple[list[int], float]]:
    """The clustering of camroll before issue 12, as it was (cluster.py ``_cluster``)."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    if len(vectors) == 1:
        return [([0], 0.0)]
    labels = fcluster(linkage(vectors, method="average", metric="euclidean"), t=0.6, criterion="distance")
    out: list[tuple[list[int], float]] = []
    for label in np.unique(labels):
        members = [int(i) for i in np.nonzero(labels == label)[0]]
        if len({photos[i] for i in members}) < len(members):
            centre = vectors[members].mean(axis=0)
            kept: dict[int, int] = {}
            for i in sorted(members, key=lambda i: float(np.linalg.norm(vectors[i] - centre))):
                kept.setdefault(photos[i], i)
            out.extend(([i], 0.0) for i in members if i not in kept.values())
            members = sorted(kept.values())
        spread = float(pdist(vectors[members]).mean()) if len(members) > 1 else 0.0
        out.append((members, spread))
    return out


def labels_of(clusters: list[tuple[Any, float]], n: int) -> np.ndarray:
    out = np.full(n, -1, np.int64)
    for c, (members, _) in enumerate(clusters):
        out[np.asarray(members, np.int64)] = c
    assert (out >= 0).all()
    return out


def pairwise(truth: np.ndarray, predicted: np.ndarray) -> tuple[float, float]:
    """Pairwise precision and recall of ``predicted`` against ``truth`` (counts of pairs)."""

    def pairs(labels: np.ndarray) -> float:
        counts = np.unique(labels, return_counts=True, axis=0)[1].astype(np.float64)
        return float((counts * (counts - 1) / 2).sum())

    both = pairs(np.stack([truth, predicted], 1))
    predicted_pairs, true_pairs = pairs(predicted), pairs(truth)
    return (both / predicted_pairs if predicted_pairs else 1.0), (both / true_pairs if true_pairs else 1.0)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s() -> float:
    """CPU seconds of this process (user + system, all threads): less sensitive than the wall
    clock to the other work on a shared machine."""
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


# --- measures, each in its own process -----------------------------------------------------------


def child(kind: str, n: int, home: str) -> dict[str, Any]:
    if kind in ("new", "old"):
        from camroll.people.cluster import cluster

        vectors, photos, people = synthetic(n)
        before, cpu = peak_mb(), cpu_s()
        t = time.perf_counter()
        result: list[tuple[Any, float]] = (
            cluster(vectors, photos) if kind == "new" else old_cluster(vectors, photos.tolist())  # type: ignore[arg-type]
        )
        seconds = time.perf_counter() - t
        labels = labels_of(result, n)
        np.save(Path(home) / f"{kind}-{n}.npy", labels)
        p, r = pairwise(people, labels)
        return {
            "seconds": seconds,
            "cpu": cpu_s() - cpu,
            "peak_mb": peak_mb(),
            "data_mb": before,
            "people": len(result),
            "p": p,
            "r": r,
        }
    from camroll.config import AppContext, Config
    from camroll.people.cluster import update_people

    ctx = AppContext(Config(home=Path(home), workers=2))
    if kind == "make-catalog":
        vectors, photos, _ = synthetic(n)
        _insert(ctx, vectors, photos, seed=1)
        return {"faces": n}
    if kind == "add-new":
        vectors, photos, _ = synthetic(n, seed=99)  # other rotations: copy 0 only is shared
        pick = np.random.default_rng(5).choice(min(len(vectors), 4000), size=1000, replace=False)
        noisy = vectors[pick] + np.random.default_rng(6).normal(scale=0.005, size=(1000, 128)).astype(np.float32)
        _insert(ctx, noisy, photos[pick] + 500_000_000, seed=2)
        return {"faces": 1000}
    before, cpu = peak_mb(), cpu_s()
    t = time.perf_counter()
    message = update_people(ctx)
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "cpu": cpu_s() - cpu, "peak_mb": peak_mb(), "start_mb": before, "message": message}


def _insert(ctx: Any, vectors: np.ndarray, photos: np.ndarray, seed: int) -> None:
    seal = ctx.sealer("biometric").seal
    rng = np.random.default_rng(seed)
    with ctx.db.transaction() as conn:
        ids: dict[int, int] = {}
        for p in np.unique(photos).tolist():
            ids[p] = int(
                conn.execute(
                    "INSERT INTO photos (hash, format, kind, size, metadata_version, created_at)"
                    " VALUES (?, 'jpeg', 'photo', 1, 1, '2026-01-01T00:00:00')",
                    (rng.bytes(16).hex(),),
                ).lastrowid
                or 0
            )
        conn.executemany(
            "INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, embedding, model)"
            " VALUES (?, 0, 0, 10, 10, 0.9, '[]', ?, 'bench')",
            ((ids[int(p)], seal(v.tobytes())) for v, p in zip(vectors, photos, strict=True)),
        )


def run_child(kind: str, n: int, home: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.people_scale", "--child", kind, str(n), home],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        return {"error": out.stderr.strip().splitlines()[-1:] or [f"exit {out.returncode}"]}
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def compare_indexes(n: int = 200_000, k: int = K) -> None:
    import faiss

    try:  # peers for this comparison only, not camroll's needs
        import hnswlib
        from usearch.index import Index
    except ImportError:
        raise SystemExit(
            "--compare-indexes needs its peers: .venv/bin/pip install hnswlib==0.8.0 usearch==2.26.6"
        ) from None

    vectors, _, _ = synthetic(n)
    rng = np.random.default_rng(1)
    sample = rng.choice(n, 2000, replace=False)
    truth = faiss.knn(vectors[sample], vectors, k)[1]

    def recall(found: np.ndarray) -> float:
        return float(np.mean([len(set(a) & set(b)) / k for a, b in zip(found[sample], truth, strict=True)]))

    print(f"\n## Vector indexes: {n:,} prints, k={k}, M=16, efConstruction=100, efSearch=64, 2 threads\n")
    print("| index | build s | all queries s | recall@30 |\n|---|---:|---:|---:|")
    rows = []
    t = time.perf_counter()
    h = hnswlib.Index(space="l2", dim=128)
    h.init_index(max_elements=n, ef_construction=100, M=16, random_seed=7)
    h.add_items(vectors, np.arange(n), num_threads=2)
    build = time.perf_counter() - t
    h.set_ef(64)
    t = time.perf_counter()
    found = h.knn_query(vectors, k=k, num_threads=2)[0]
    rows.append(("hnswlib 0.8.0", build, time.perf_counter() - t, recall(found)))
    t = time.perf_counter()
    u = Index(ndim=128, metric="l2sq", dtype="f32", connectivity=16, expansion_add=100, expansion_search=64)
    u.add(np.arange(n), vectors, threads=2)
    build = time.perf_counter() - t
    t = time.perf_counter()
    found = u.search(vectors, k, threads=2).keys
    rows.append(("usearch 2.26.6", build, time.perf_counter() - t, recall(np.asarray(found))))
    faiss.omp_set_num_threads(2)
    t = time.perf_counter()
    f = faiss.IndexHNSWFlat(128, 16)
    f.hnsw.efConstruction = 100
    f.add(vectors)
    build = time.perf_counter() - t
    f.hnsw.efSearch = 64
    t = time.perf_counter()
    found = f.search(vectors, k)[1]
    rows.append(("faiss-cpu 1.15.1 HNSWFlat", build, time.perf_counter() - t, recall(found)))
    t = time.perf_counter()
    found = faiss.knn(vectors[sample], vectors, k)[1]
    exact = (time.perf_counter() - t) * n / len(sample)
    rows.append(("exact (faiss flat), extrapolated from 2,000 queries", 0.0, exact, 1.0))
    for name, b, q, r in rows:
        print(f"| {name} | {b:.1f} | {q:.1f} | {r:.4f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,50000,100000,200000")
    parser.add_argument("--old-sizes", default="5000,10000,20000")
    parser.add_argument("--catalog", type=int, default=200_000)
    parser.add_argument("--compare-indexes", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "N", "HOME"))
    args = parser.parse_args()
    if args.child:
        kind, n, home = args.child
        print(json.dumps(child(kind, int(n), home)))
        return
    load()  # computes the real prints once (a few minutes), before anything is timed
    print(f"# camroll people at scale ({' '.join(sys.argv)})\n")
    print(f"nproc {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}, {time.strftime('%Y-%m-%d %H:%M')}")
    print("Shared, noisy machine: compare the ratios within this run.\n")
    with tempfile.TemporaryDirectory() as tmp:
        print("## Clustering from scratch (the function alone: prints in memory -> people)\n")
        print(
            "| faces | new s | new peak MB | old s | old peak MB | old/new time | old/new memory |"
            " new vs old P/R | new vs truth P/R | old vs truth P/R |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|---|---|---|")
        sizes = sorted({int(s) for s in args.sizes.split(",") + args.old_sizes.split(",") if s})
        for n in sizes:
            new = run_child("new", n, tmp)
            old = run_child("old", n, tmp) if str(n) in args.old_sizes.split(",") else None
            if "error" in new:
                print(f"| {n:,} | failed: {new['error']} |")
                continue
            cells = [f"{n:,}", f"{new['seconds']:.1f} ({new['cpu']:.1f})", f"{new['peak_mb']:.0f}"]
            if old and "error" not in old:
                agree = pairwise(np.load(Path(tmp) / f"old-{n}.npy"), np.load(Path(tmp) / f"new-{n}.npy"))
                cells += [
                    f"{old['seconds']:.1f} ({old['cpu']:.1f})",
                    f"{old['peak_mb']:.0f}",
                    f"{old['seconds'] / new['seconds']:.1f}x",
                    f"{old['peak_mb'] / new['peak_mb']:.1f}x",
                    f"{agree[0]:.4f}/{agree[1]:.4f}",
                    f"{new['p']:.4f}/{new['r']:.4f}",
                    f"{old['p']:.4f}/{old['r']:.4f}",
                ]
            else:
                cells += ["-", "-", "-", "-", "-", f"{new['p']:.4f}/{new['r']:.4f}", "-"]
            print("| " + " | ".join(cells) + " |", flush=True)
        if args.catalog:
            home = Path(tmp) / "library"
            run_child("make-catalog", args.catalog, str(home))
            scratch = run_child("update", args.catalog, str(home))
            run_child("add-new", args.catalog, str(home))
            more = run_child("update", args.catalog, str(home))
            print(f"\n## update_people end to end on a catalog of {args.catalog:,} sealed faces\n")
            print("| run | s | cpu s | peak MB | outcome |\n|---|---:|---:|---:|---|")
            for name, r in (("from scratch", scratch), ("1,000 new faces against them", more)):
                if "error" in r:
                    print(f"| {name} | failed: {r['error']} | | | |")
                else:
                    print(f"| {name} | {r['seconds']:.1f} | {r['cpu']:.1f} | {r['peak_mb']:.0f} | {r['message']} |")
    if args.compare_indexes:
        compare_indexes()


if __name__ == "__main__":
    main()
