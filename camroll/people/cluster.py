"""Faces into people: an incremental, re-runnable job that never overrides a person's edits.

The flow goes from a face straight to a person (``faces.person_id``). Clusters exist only while
step 2 runs, and are not stored: unlike PhotoPrism (marker -> cluster -> subject), no
cluster table remembers which faces were grouped or why; the person holding them is the only
record, and a re-run recomputes from the faces.

1. **Attach.** Each face without a person is compared with the faces already assigned. For each
   person, its distance is the mean of the ``PEOPLE_NEIGHBOURS`` closest of its faces (the face's
   nearest look of that person, not the person's average look, so a profile still finds the
   profiles). The face joins the closest person if that distance is under
   ``PEOPLE_ATTACH_DISTANCE``, the runner-up person is at least ``PEOPLE_ATTACH_MARGIN`` further
   away, and the user never said "not this person" for that face. Otherwise it waits: an
   uncertain face is better alone than in the wrong person.
2. **Cluster.** The waiting faces are clustered among themselves by average linkage, cut at
   ``PEOPLE_CLUSTER_DISTANCE``; each cluster becomes a new, unnamed person. Average linkage does
   not chain: two siblings joined by one ambiguous photo stay two people, which a person can
   merge in one command; the reverse (splitting a merged family) is the complaint people have
   about the best-known self-hosted photo systems.

Nothing here changes a face a person assigned (``assigned_by = 'user'``), a name, a birthday or
an ignore. Learning is exact and local: assignments come from stored faces only, so deleting a
photo deletes its faces and with them every influence they had. Ignored people still attract
their new faces, so a stranger stays hidden.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist

from camroll import thresholds
from camroll.config import AppContext
from camroll.privacy.crypto import KeyDestroyed
from camroll.store import faces
from camroll.store import people as store

VERSION = "attach-knn3-avglink-v1"


def _embeddings(blobs: list[bytes]) -> np.ndarray:
    return np.stack([np.frombuffer(b, dtype=np.float32) for b in blobs]) if blobs else np.zeros((0, 128), np.float32)


def _opened(ctx: AppContext, rows: list[Any]) -> list[dict[str, Any]]:
    """Face rows with their prints decrypted (they rest sealed under the ``biometric`` key)."""
    sealer = ctx.sealer("biometric")
    return [
        {
            "id": r["id"],
            "photo_id": r["photo_id"],
            "person_id": r["person_id"],
            "embedding": sealer.open(r["embedding"]),
        }
        for r in rows
    ]


def update_people(ctx: AppContext) -> str:
    """Assign every face without a person; return what was done, in words."""
    sealed = faces.sealed_prints(ctx.db)
    if not sealed:
        return "no faces yet"
    try:
        rows = _opened(ctx, sealed)
    except KeyDestroyed:
        return "face prints cannot be read: their key was destroyed (revoke and grant faces again)"
    rejected = faces.rejections(ctx.db)
    assigned = [r for r in rows if r["person_id"] is not None]
    waiting = [r for r in rows if r["person_id"] is None]
    if not waiting:
        return f"{len({r['person_id'] for r in assigned})} people, all faces assigned"

    attached: list[tuple[int, int, float]] = []  # (face, person, confidence)
    if assigned:
        known = _embeddings([r["embedding"] for r in assigned])
        owners = np.array([r["person_id"] for r in assigned])
        in_photo: dict[int, set[int]] = {}
        for r in assigned:
            in_photo.setdefault(r["photo_id"], set()).add(r["person_id"])
        for face in waiting:
            # One person appears once in a photo: the people already in it are not candidates.
            taken = {(face["id"], p) for p in in_photo.get(face["photo_id"], set())}
            choice = _attach(_embeddings([face["embedding"]])[0], known, owners, face["id"], rejected | taken)
            if choice is not None:
                attached.append((face["id"], *choice))
    done = {f for f, _, _ in attached}
    rest = [r for r in waiting if r["id"] not in done]
    clusters = _cluster(_embeddings([r["embedding"] for r in rest]), [r["photo_id"] for r in rest]) if rest else []

    new_people = store.save_assignments(
        ctx.db,
        attached,
        [
            ([rest[i]["id"] for i in members], max(0.0, 1.0 - spread / thresholds.PEOPLE_CLUSTER_DISTANCE))
            for members, spread in clusters
        ],
        f"auto:{VERSION}",
    )
    return f"{len(attached)} faces joined people already known, {len(rest)} formed {new_people} new people"


def _attach(
    face: np.ndarray, known: np.ndarray, owners: np.ndarray, face_id: int, rejected: set[tuple[int, int]]
) -> tuple[int, float] | None:
    distances = np.linalg.norm(known - face, axis=1)
    scores: list[tuple[float, int]] = []
    for person in np.unique(owners):
        if (face_id, int(person)) in rejected:
            continue
        mine = np.sort(distances[owners == person])[: thresholds.PEOPLE_NEIGHBOURS]
        scores.append((float(mine.mean()), int(person)))
    if not scores:
        return None
    scores.sort()
    best, person = scores[0]
    runner_up = scores[1][0] if len(scores) > 1 else float("inf")
    if best >= thresholds.PEOPLE_ATTACH_DISTANCE or runner_up - best < thresholds.PEOPLE_ATTACH_MARGIN:
        return None
    return person, max(0.0, 1.0 - best / thresholds.PEOPLE_ATTACH_DISTANCE)


def _cluster(vectors: np.ndarray, photos: list[int]) -> list[tuple[list[int], float]]:
    """Average-linkage clusters cut at PEOPLE_CLUSTER_DISTANCE: (member indices, mean spread).
    A cluster holding two faces of one photo (one person is in a photo once) keeps the face
    closest to the rest; the others become people of their own, which a person can merge."""
    if len(vectors) == 1:
        return [([0], 0.0)]
    labels = fcluster(
        linkage(vectors, method="average", metric="euclidean"),
        t=thresholds.PEOPLE_CLUSTER_DISTANCE,
        criterion="distance",
    )
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
