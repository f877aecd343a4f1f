"""People through the nearest-neighbour index (issue 12): the same people as the full comparison,
hand edits that survive a full re-cluster, and rejections that still hold when joining is a
k-NN query.

The real prints are camroll's own, computed once per session from tests/data/photos/faces (each
photo and its mirror image: two real prints per face, as a library holds several photos of one
person); the rules tests use designed 128-d prints written straight into a catalog.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps
from scipy.cluster.hierarchy import fcluster, linkage

from camroll import thresholds
from camroll.config import AppContext
from camroll.people import cluster as people_cluster
from camroll.people import edit
from camroll.people.cluster import attach, update_people
from camroll.people.neighbours import Neighbours
from camroll.progress import Silent
from tests.test_people import _add_faces, _centre, _near, _people


@pytest.fixture(scope="session")
def real_prints(photos_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """(prints, photo numbers) of every face printed in faces/, each photo also mirrored."""
    from camroll.analysis.decode import Decoded
    from camroll.analysis.faces import FaceAnalyser

    analyser = FaceAnalyser(threads=2)
    analyser.ensure_loaded()
    prints, photos = [], []
    paths = sorted(p for p in (photos_dir / "faces").rglob("*") if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
    for n, path in enumerate(paths):
        original = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
        for m, img in enumerate((original, ImageOps.mirror(original))):
            pixels = np.asarray(img)
            result = analyser.analyse(Decoded(-1, "", pixels, 1.0, img.width, img.height), {})
            for face in result.faces:
                if face.embedding is not None:
                    prints.append(np.frombuffer(face.embedding, np.float32))
                    photos.append(2 * n + m)
    return np.stack(prints), np.array(photos, np.int64)


def _full_matrix_people(vectors: np.ndarray) -> set[frozenset[int]]:
    """The clustering before the index: average linkage on every pair, cut at the same distance."""
    labels = fcluster(
        linkage(vectors, method="average", metric="euclidean"),
        t=thresholds.PEOPLE_CLUSTER_DISTANCE,
        criterion="distance",
    )
    return {frozenset(np.flatnonzero(labels == label).tolist()) for label in np.unique(labels)}


def _as_sets(clusters: list[tuple[np.ndarray, float]]) -> set[frozenset[int]]:
    return {frozenset(members.tolist()) for members, _ in clusters}


def test_the_index_finds_the_exact_nearest_faces_on_real_prints(real_prints: tuple[np.ndarray, np.ndarray]) -> None:
    vectors, _ = real_prints
    graph, exact = Neighbours(len(vectors), exact=False), Neighbours(len(vectors), exact=True)
    graph.add(vectors)
    exact.add(vectors)
    k = 10
    by_graph, _ = graph.query(vectors, k)
    by_exact, d_exact = exact.query(vectors, k)
    assert (by_exact[:, 0] == np.arange(len(vectors))).mean() > 0.99  # each print finds itself first
    assert np.allclose(d_exact[:, 1], np.linalg.norm(vectors - vectors[by_exact[:, 1]], axis=1), atol=1e-3)
    assert np.mean([len(set(a) & set(b)) / k for a, b in zip(by_graph, by_exact, strict=True)]) > 0.98
    few, far = Neighbours(3).query(vectors[:2], 5)  # an empty index answers nobody, not garbage
    assert (few == -1).all() and np.isinf(far).all()


@pytest.mark.parametrize("piece", [None, 12], ids=["whole groups", "groups cut into pieces of 12"])
def test_clustering_through_the_index_gives_the_people_of_the_full_comparison(
    real_prints: tuple[np.ndarray, np.ndarray], monkeypatch: pytest.MonkeyPatch, piece: int | None
) -> None:
    vectors, _ = real_prints
    photos = np.arange(len(vectors))  # one face per photo: the one-per-photo rule is tested below
    monkeypatch.setattr(thresholds, "PEOPLE_INDEX_GRAPH_FROM", 0)  # through the HNSW graph, not exact
    monkeypatch.setattr(thresholds, "PEOPLE_INDEX_EXACT_QUERIES", 0)
    if piece:
        monkeypatch.setattr(thresholds, "PEOPLE_LINKAGE_MAX", piece)
    clusters = people_cluster.cluster(vectors, photos)
    assert sorted(np.concatenate([m for m, _ in clusters]).tolist()) == list(range(len(vectors)))
    expected = _full_matrix_people(vectors)
    assert _as_sets(clusters) == expected
    assert sum(len(p) > 1 for p in expected) >= 10, "the test faces form real groups, not singletons"


def test_one_photo_still_holds_one_person_once(real_prints: tuple[np.ndarray, np.ndarray]) -> None:
    vectors, photos = real_prints
    clusters = people_cluster.cluster(vectors, photos // 2)  # a photo and its mirror: one photo
    for members, _ in clusters:
        assert len(set((photos[members] // 2).tolist())) == len(members)


def test_user_edits_survive_a_full_recluster(ctx: AppContext) -> None:
    ana, ben, cara, dan = _centre(), _centre(), _centre(), _centre()
    a = _add_faces(ctx, [_near(ana, 0.3) for _ in range(4)])
    b = _add_faces(ctx, [_near(ben, 0.3) for _ in range(4)])
    c = _add_faces(ctx, [_near(cara, 0.3) for _ in range(4)])
    d = _add_faces(ctx, [_near(dan, 0.3) for _ in range(3)])
    update_people(ctx)

    def person(face: int) -> int:
        return int(ctx.db.scalar("SELECT person_id FROM faces WHERE id = ?", (face,)))

    edit.name(ctx, person(a[0]), "Ana")
    split_off = edit.split(ctx, person(b[0]), b[:2])  # the user says b0, b1 are someone else
    left = edit.remove_face(ctx, c[0])  # "not this person"
    edit.assign(ctx, d[0], person(a[0]))  # a face of Dan put on Ana, by hand
    edit.merge(ctx, person(c[1]), [person(d[1])])  # Cara and Dan are one person, says the user
    before = _people(ctx)
    names = dict(ctx.db.query("SELECT id, name FROM people").__iter__())

    message = update_people(ctx, from_scratch=True)
    assert "re-clustered" in message
    after = _people(ctx)
    for person_id, faces in before.items():
        assert after[person_id] >= faces, f"person {person_id} lost faces a person put there"
    assert {i: n for i, n in ctx.db.query("SELECT id, name FROM people")}.items() >= {
        k: v for k, v in names.items() if v
    }.items()
    assert person(c[0]) != left and after[split_off] == set(b[:2])
    assert person(d[0]) == person(a[0])


def test_a_full_recluster_rebuilds_only_untouched_people(ctx: AppContext) -> None:
    ana, ben = _centre(), _centre()
    a = _add_faces(ctx, [_near(ana, 0.3) for _ in range(4)])
    b = _add_faces(ctx, [_near(ben, 0.3) for _ in range(4)])
    update_people(ctx)
    named = int(ctx.db.scalar("SELECT person_id FROM faces WHERE id = ?", (a[0],)))
    edit.name(ctx, named, "Ana")
    message = update_people(ctx, from_scratch=True)
    assert "re-clustered the faces of 1 untouched people" in message and "4 formed 1 new people" in message
    people = _people(ctx)
    assert people[named] == set(a)
    assert set(b) in people.values(), "rebuilt: the same faces, one person again"


def test_attach_through_k_nearest_equals_the_full_comparison() -> None:
    """Many people, a small k: whatever the k nearest faces cannot settle is compared in full."""
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(40, 128)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    owners = np.repeat(np.arange(40), 6)
    known = centres[owners] + rng.normal(scale=0.3 / np.sqrt(128), size=(len(owners), 128)).astype(np.float32)
    who = rng.integers(0, 40, 300)
    waiting = centres[who] + rng.normal(scale=0.35 / np.sqrt(128), size=(300, 128)).astype(np.float32)
    waiting[:20] = centres[who[:20]] * 0.5 + centres[(who[:20] + 1) % 40] * 0.5  # between two people
    ids, photos = np.arange(1000, 1300), np.arange(300)
    rejected = {(1000 + i, int(who[i])) for i in range(20, 60)}  # "not this person", for 40 faces
    args = (known, owners, np.arange(len(owners)) + 10_000, waiting, ids, photos, rejected, Silent())
    with pytest.MonkeyPatch.context() as m:
        m.setattr(thresholds, "PEOPLE_ATTACH_K", len(known))  # every assigned face: the full comparison
        full, full_held = attach(*args)
    for k in (1, 3, 8, 50):
        with pytest.MonkeyPatch.context() as m:
            m.setattr(thresholds, "PEOPLE_ATTACH_K", k)
            got, held = attach(*args)
        assert [(f, p) for f, p, _ in got] == [(f, p) for f, p, _ in full]
        assert [h[:2] + h[3:4] for h in held] == [h[:2] + h[3:4] for h in full_held], "the same faces held"
        assert np.allclose([c for _, _, c in got], [c for _, _, c in full], atol=1e-5)
    joined = {f: p for f, p, _ in full}
    assert all(joined.get(1000 + i) != who[i] for i in range(20, 60)), "a rejection holds"
    assert sum(joined.get(1000 + i) == who[i] for i in range(60, 300)) > 200, "the rest mostly join their person"


def test_incremental_attach_obeys_rejections_at_scale(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(thresholds, "PEOPLE_ATTACH_K", 2)  # the k nearest are never the whole library
    ana, ben = _centre(), _centre()
    a = _add_faces(ctx, [_near(ana, 0.3) for _ in range(5)])
    _add_faces(ctx, [_near(ben, 0.3) for _ in range(5)])
    update_people(ctx)
    left = edit.remove_face(ctx, a[0])
    [new] = _add_faces(ctx, [_near(ana, 0.2)])
    update_people(ctx)
    assert ctx.db.scalar("SELECT person_id FROM faces WHERE id = ?", (a[0],)) != left
    assert ctx.db.scalar("SELECT person_id FROM faces WHERE id = ?", (new,)) == left, "a new face still joins"
