"""Faces into people: an incremental, re-runnable job that never overrides a person's edits.

The flow goes from a face straight to a person (``faces.person_id``). Clusters exist only while
step 2 runs, and are not stored: unlike PhotoPrism (marker -> cluster -> subject), no
cluster table remembers which faces were grouped or why; the person holding them is the only
record, and a re-run recomputes from the faces.

Prints are read from the catalog in batches into one float32 matrix, opened in memory only, and
searched through :class:`~camroll.people.neighbours.Neighbours` (never saved): time and memory
grow about linearly with the faces (``bench/people_scale.py``), where the full pairwise matrix
of earlier versions grew with their square (20,000 faces: 23 s, 3.2 GB).

1. **Attach.** Each face without a person asks the index of assigned faces for its
   ``PEOPLE_ATTACH_K`` nearest. For each person, its distance is the mean of the
   ``PEOPLE_NEIGHBOURS`` closest of its faces (the face's nearest look of that person, not the
   person's average look, so a profile still finds the profiles). The face joins the closest
   person if that distance is under ``PEOPLE_ATTACH_DISTANCE``, the runner-up person is at least
   ``PEOPLE_ATTACH_MARGIN`` further away, the user never said "not this person" for that face,
   and that person is not already in the photo. Otherwise it waits: an uncertain face is better
   alone than in the wrong person. When the nearest faces cannot settle it (a person seen through
   too few of them, a runner-up that may hide beyond them), that face is compared with every
   assigned face, so the decision is the one a full comparison makes.
2. **Cluster.** The waiting faces are linked to their ``PEOPLE_CLUSTER_K`` nearest faces that are
   within ``PEOPLE_CLUSTER_DISTANCE``; each connected group is clustered by average linkage, cut
   at ``PEOPLE_CLUSTER_DISTANCE`` (two groups with no pair within it can never merge, so nothing
   is lost by cutting them apart first). A group larger than ``PEOPLE_LINKAGE_MAX`` (faces near
   the average face chain whole libraries together at this distance) is clustered by the same
   average linkage on its links alone (:func:`_sparse_linkage`). Each cluster becomes a new,
   unnamed person. Average linkage does not chain: two siblings joined by one
   ambiguous photo stay two people, which a person can merge in one command.

Before both steps: faces the person drew are drawn again where the detector left their box
empty (:func:`camroll.people.add_face.redraw_missing`), the person's hand edits (``face_edits``)
are given back to faces found again after a revoke and a new grant
(:func:`camroll.people.hand_edits.apply_edits`), and faces found
before their quality was stored are measured (:func:`camroll.people.hand_edits.measure_missing`).

**Only clear faces.** A face whose detector score is at or under ``FACE_CLUSTER_MIN_SCORE``
takes part in neither step: it stays on no person ("not clear enough") until a person assigns it
by hand. **Held.** A face close enough to a known person whose runner-up is within
``PEOPLE_HOLD_MARGIN`` joins no one and is not clustered either: it is held for review
(``face_holds``, ``camroll people review``) with its two candidates.

Nothing here changes a face a person assigned (``assigned_by = 'user'``), a name, a birthday or
an ignore. Learning is exact and local: assignments come from stored faces only, so deleting a
photo deletes its faces and with them every influence they had. Ignored people still attract
their new faces, so a stranger stays hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from camroll import thresholds
from camroll.config import AppContext
from camroll.people.add_face import redraw_missing
from camroll.people.hand_edits import apply_edits, measure_missing
from camroll.people.neighbours import DIM, Neighbours, exact_is_cheaper
from camroll.privacy.crypto import KeyDestroyed
from camroll.progress import Reporter, Silent
from camroll.store import faces
from camroll.store import people as store
from camroll.store.job_locks import library_job

VERSION = "knn-attach3-avglink-v2"
_BATCH = 4096  # prints indexed or queried per step (a progress tick)


@dataclass
class Prints:
    """Faces with a print, in id order: numpy columns, no row objects."""

    ids: np.ndarray  # int64
    people: np.ndarray  # int64, -1 for a face on no person
    photos: np.ndarray  # int64
    scores: np.ndarray  # float32, the detector's
    vectors: np.ndarray  # float32, n x 128


def read_prints(ctx: AppContext, reporter: Reporter) -> Prints:
    """Every face print, opened in memory, read from the catalog in batches."""
    sealer = ctx.sealer("biometric")
    reporter.start("Reading face prints", faces.print_count(ctx.db))
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for ids, people, photos, scores, sealed in faces.print_batches(ctx.db, thresholds.PEOPLE_READ_BATCH):
        opened = b"".join(sealer.open(blob) for blob in sealed)
        parts.append((ids, people, photos, scores, np.frombuffer(opened, np.float32).reshape(-1, DIM)))
        reporter.advance(len(ids))
    if not parts:
        empty = np.zeros(0, np.int64)
        return Prints(empty, empty, empty, np.zeros(0, np.float32), np.zeros((0, DIM), np.float32))
    return Prints(*(np.concatenate([p[i] for p in parts]) for i in range(5)))


def update_people(ctx: AppContext, reporter: Reporter | None = None, from_scratch: bool = False) -> str:
    """Assign every face without a person; return what was done, in words. ``from_scratch``
    first forgets the people nobody touched (no name, birthday, ignore or hand edit), so their
    faces are clustered again; every person with an edit stays as it is. One run at a time per
    catalog, across processes (:func:`camroll.store.job_locks.library_job`): a run waits for
    another process's, then has only what that one left."""
    rep = reporter or Silent()
    with library_job(ctx.db, "people", lambda: rep.start("Waiting for another camroll process to finish people", None)):
        return _update_people(ctx, rep, from_scratch)


def _update_people(ctx: AppContext, rep: Reporter, from_scratch: bool) -> str:
    forgotten = store.forget_untouched(ctx.db) if from_scratch else 0
    restored = redraw_missing(ctx) + apply_edits(ctx)
    measure_missing(ctx, rep)
    if faces.print_count(ctx.db) == 0:
        return "no faces yet"
    try:
        prints = read_prints(ctx, rep)
    except KeyDestroyed:
        return "face prints cannot be read: their key was destroyed (revoke and grant faces again)"
    known = prints.people >= 0
    clear = prints.scores > thresholds.FACE_CLUSTER_MIN_SCORE
    waiting = np.flatnonzero(~known & clear)
    unclear = int((~known & ~clear).sum())
    edits = f", {restored} of your edits given back to faces found again" if restored else ""
    if not len(waiting):
        store.save_assignments(ctx.db, [], [], f"auto:{VERSION}", prints.ids[~known].tolist(), [])
        return f"{len(np.unique(prints.people[known]))} people, every clear face assigned{_unclear(unclear)}{edits}"

    attached: list[tuple[int, int, float]] = []  # (face, person, confidence)
    holds: list[tuple[int, int, float, int, float]] = []
    if known.any():
        attached, holds = attach(
            prints.vectors[known],
            prints.people[known],
            prints.photos[known],
            prints.vectors[waiting],
            prints.ids[waiting],
            prints.photos[waiting],
            faces.rejections(ctx.db),
            rep,
        )
    settled = [f for f, _, _ in attached] + [h[0] for h in holds]
    done = np.isin(prints.ids[waiting], np.array(settled, np.int64))
    rest = waiting[~done]
    clusters = cluster(prints.vectors[rest], prints.photos[rest], rep) if len(rest) else []
    del prints.vectors  # the opened prints are not needed to write the outcome

    new_people = store.save_assignments(
        ctx.db,
        attached,
        [
            (prints.ids[rest[members]].tolist(), max(0.0, 1.0 - spread / thresholds.PEOPLE_CLUSTER_DISTANCE))
            for members, spread in clusters
        ],
        f"auto:{VERSION}",
        prints.ids[~known].tolist(),
        holds,
    )
    again = f" (re-clustered the faces of {forgotten} untouched people)" if from_scratch else ""
    held = f", {len(holds)} held for review (`camroll people review`)" if holds else ""
    return (
        f"{len(attached)} faces joined people already known, {len(rest)} formed {new_people} new people"
        f"{held}{_unclear(unclear)}{edits}{again}"
    )


def _unclear(n: int) -> str:
    return f", {n} not clear enough to group (assign them by hand)" if n else ""


# --- 1. attach ---------------------------------------------------------------------------------


def attach(
    known: np.ndarray,
    owners: np.ndarray,
    known_photos: np.ndarray,
    waiting: np.ndarray,
    waiting_ids: np.ndarray,
    waiting_photos: np.ndarray,
    rejected: set[tuple[int, int]],
    reporter: Reporter,
) -> tuple[list[tuple[int, int, float]], list[tuple[int, int, float, int, float]]]:
    """(face id, person, confidence) of each waiting face that joins a known person, and (face id,
    first person, distance, second person, distance) of each face held between two people."""
    order = np.argsort(owners, kind="stable")
    by_owner, sorted_known = owners[order], known[order]
    persons, starts, counts = np.unique(by_owner, return_index=True, return_counts=True)
    segment = {int(p): (int(s), int(s + c)) for p, s, c in zip(persons, starts, counts, strict=True)}
    # One person appears once in a photo: the people already in it are not candidates.
    taken = set(zip(known_photos.tolist(), owners.tolist(), strict=True))
    k = min(thresholds.PEOPLE_ATTACH_K, len(known))
    complete = k >= len(known)  # the k nearest are every assigned face: the search is the full comparison

    index = Neighbours(len(known), exact=exact_is_cheaper(len(known), len(waiting)))
    _fill(index, known, reporter, "Indexing known faces")
    reporter.start("Joining faces to known people", len(waiting))
    out: list[tuple[int, int, float]] = []
    held: list[tuple[int, int, float, int, float]] = []
    for start in range(0, len(waiting), _BATCH):
        found, distances = index.query(waiting[start : start + _BATCH], k)
        for row in range(len(found)):
            i = start + row
            face_id, photo = int(waiting_ids[i]), int(waiting_photos[i])

            def allowed(person: int, face_id: int = face_id, photo: int = photo) -> bool:
                return (face_id, person) not in rejected and (photo, person) not in taken

            def exact(person: int, vector: np.ndarray = waiting[i]) -> float:
                s, e = segment[person]
                mine = np.linalg.norm(sorted_known[s:e] - vector, axis=1)
                return float(np.sort(mine)[: thresholds.PEOPLE_NEIGHBOURS].mean())

            seen: dict[int, list[float]] = {}
            for j, d in zip(found[row], distances[row], strict=True):
                if j >= 0 and allowed(person := int(owners[j])):
                    seen.setdefault(person, []).append(float(d))
            scores = sorted(
                (
                    float(np.mean(ds[: thresholds.PEOPLE_NEIGHBOURS]))
                    if len(ds) >= min(thresholds.PEOPLE_NEIGHBOURS, segment[p][1] - segment[p][0])
                    else exact(p),
                    p,
                )
                for p, ds in seen.items()
            )
            horizon = float("inf") if complete else float(distances[row, k - 1])
            if not _settled(scores, horizon):  # someone unseen may be closer: compare with everyone
                scores = sorted((exact(int(p)), int(p)) for p in persons if allowed(int(p)))
            choice = _choose(scores)
            if choice is not None:
                out.append((face_id, *choice))
                taken.add((photo, choice[0]))
            elif _held(scores):
                (d1, p1), (d2, p2) = scores[0], scores[1]
                held.append((face_id, p1, d1, p2, d2))
        reporter.advance(len(found))
    return out, held


def _settled(scores: list[tuple[float, int]], horizon: float) -> bool:
    """Whether the people seen among the nearest faces decide the face as a full comparison would.
    A person not seen has every face beyond ``horizon``, so their distance is at least that."""
    if horizon == float("inf"):
        return True
    if not scores or scores[0][0] >= horizon:
        return horizon >= thresholds.PEOPLE_ATTACH_DISTANCE  # nobody unseen can be close enough
    best = scores[0][0]
    runner_up = scores[1][0] if len(scores) > 1 else float("inf")
    if best >= thresholds.PEOPLE_ATTACH_DISTANCE or runner_up - best < thresholds.PEOPLE_ATTACH_MARGIN:
        return True  # refused whatever lies beyond
    return min(runner_up, horizon) - best >= thresholds.PEOPLE_ATTACH_MARGIN


def _choose(scores: list[tuple[float, int]]) -> tuple[int, float] | None:
    if not scores:
        return None
    best, person = scores[0]
    runner_up = scores[1][0] if len(scores) > 1 else float("inf")
    if best >= thresholds.PEOPLE_ATTACH_DISTANCE or runner_up - best < thresholds.PEOPLE_ATTACH_MARGIN:
        return None
    return person, max(0.0, 1.0 - best / thresholds.PEOPLE_ATTACH_DISTANCE)


def _held(scores: list[tuple[float, int]]) -> bool:
    """Close enough to the nearest person, but the next one is nearly as close: a look-alike the
    person should decide (``PEOPLE_HOLD_MARGIN``)."""
    return (
        len(scores) > 1
        and scores[0][0] < thresholds.PEOPLE_ATTACH_DISTANCE
        and scores[1][0] - scores[0][0] < thresholds.PEOPLE_HOLD_MARGIN
    )


def _fill(index: Neighbours, vectors: np.ndarray, reporter: Reporter, phase: str) -> None:
    reporter.start(phase, len(vectors))
    for start in range(0, len(vectors), _BATCH):
        index.add(vectors[start : start + _BATCH])
        reporter.advance(min(_BATCH, len(vectors) - start))


# --- 2. cluster --------------------------------------------------------------------------------


def cluster(
    vectors: np.ndarray, photos: np.ndarray, reporter: Reporter | None = None
) -> list[tuple[np.ndarray, float]]:
    """Clusters of ``vectors``: (member indices, mean distance between members), found from each
    face's nearest faces only; every index is in exactly one cluster."""
    rep = reporter or Silent()
    n = len(vectors)
    if n <= 1:
        return [(np.arange(n), 0.0)] if n else []
    k = min(thresholds.PEOPLE_CLUSTER_K, n - 1) + 1  # each face finds itself first
    index = Neighbours(n, exact=exact_is_cheaper(n, n))
    _fill(index, vectors, rep, "Indexing face prints")
    rep.start("Finding each face's nearest faces", n)
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    apart: list[np.ndarray] = []
    for start in range(0, n, _BATCH):
        found, distances = index.query(vectors[start : start + _BATCH], k)
        rows = np.repeat(np.arange(start, start + len(found)), k)
        near = (found.ravel() >= 0) & (distances.ravel() < thresholds.PEOPLE_CLUSTER_DISTANCE)
        near &= found.ravel() != rows
        left.append(rows[near])
        right.append(found.ravel()[near])
        apart.append(distances.ravel()[near])
        rep.advance(len(found))
    del index
    a, b, d = np.concatenate(left), np.concatenate(right), np.concatenate(apart)
    groups, labels = connected_components(coo_matrix((np.ones(len(a), np.int8), (a, b)), shape=(n, n)), directed=False)

    rep.start("Grouping faces into people", n)
    order = np.argsort(labels, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(labels, minlength=groups))])
    by_group = np.argsort(labels[a], kind="stable")  # each group's links, for the groups too large for a matrix
    link_bounds = np.concatenate([[0], np.cumsum(np.bincount(labels[a], minlength=groups))])
    out: list[tuple[np.ndarray, float]] = []
    for g in range(groups):
        members = order[bounds[g] : bounds[g + 1]]
        if len(members) == 1:
            out.append((members, 0.0))
            parts = []
        elif len(members) <= thresholds.PEOPLE_LINKAGE_MAX:
            parts = _linkage_cut(vectors[members], members)
        else:
            links = by_group[link_bounds[g] : link_bounds[g + 1]]
            parts = _sparse_linkage(vectors, members, a[links], b[links], d[links])
        for part in parts:
            out.extend(_one_per_photo(vectors, photos, part))
        rep.advance(len(members))
    return out


def _linkage_cut(v: np.ndarray, members: np.ndarray) -> list[np.ndarray]:
    if len(v) == 1:
        return [members]
    labels = fcluster(
        linkage(v, method="average", metric="euclidean"), t=thresholds.PEOPLE_CLUSTER_DISTANCE, criterion="distance"
    )
    order = np.argsort(labels, kind="stable")
    return np.split(members[order], np.flatnonzero(np.diff(labels[order])) + 1)


def _mean_distance(vectors: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    if len(x) * len(y) <= 256:  # most calls: small clusters, where fewer numpy calls matter
        diff = vectors[x][:, None, :] - vectors[y][None, :, :]
        return float(np.sqrt(np.einsum("ijk,ijk->ij", diff, diff)).mean())
    total = 0.0
    yv = vectors[y]
    yy = np.einsum("ij,ij->i", yv, yv)
    step = max(1, 2**22 // max(1, len(y)))
    for s in range(0, len(x), step):
        xv = vectors[x[s : s + step]]
        sq = np.einsum("ij,ij->i", xv, xv)[:, None] - 2.0 * (xv @ yv.T) + yy[None, :]
        total += float(np.sqrt(np.maximum(sq, 0.0)).sum())
    return total / (len(x) * len(y))


def _sparse_linkage(
    vectors: np.ndarray, members: np.ndarray, a: np.ndarray, b: np.ndarray, d: np.ndarray
) -> list[np.ndarray]:
    """Average linkage of a group too large for its pairwise matrix, on its faces' links alone
    (the nearest-neighbour chain: follow each cluster to its nearest linked cluster until two are
    each other's nearest, merge them while they are closer than ``PEOPLE_CLUSTER_DISTANCE``;
    average linkage is reducible, so this merges what the full algorithm merges). Two clusters are
    linked when some face of one has a face of the other among its nearest. The mean distance
    from a merged cluster to another follows from its parts' (weighted by size: the Lance-Williams
    update of average linkage), a part's computed exactly when it had no link to it. Memory grows
    with the links, not with the square of the faces; on the test faces it gives the full
    matrix's people (tests/test_people_index.py)."""
    cut = thresholds.PEOPLE_CLUSTER_DISTANCE
    members_of: dict[int, np.ndarray] = {int(i): np.array([i]) for i in members}
    links: dict[int, dict[int, float]] = {int(i): {} for i in members}
    for x, y, dxy in zip(a.tolist(), b.tolist(), d.tolist(), strict=True):
        links[x][y] = links[y][x] = dxy
    todo = list(members_of)
    done: list[np.ndarray] = []
    chain: list[int] = []
    next_id = len(vectors)
    while chain or todo:
        if not chain:
            c = todo.pop()
            if c in members_of:
                chain.append(c)
            continue
        c = chain[-1]
        near = links[c]
        z, dz = min(near.items(), key=lambda kv: kv[1]) if near else (-1, float("inf"))
        if len(chain) > 1 and near.get(chain[-2], float("inf")) <= dz:
            z, dz = chain[-2], near[chain[-2]]
        if dz >= cut:  # nothing can join it any more (reducible: merging never brings others closer)
            for other in near:
                del links[other][c]
            del links[c]
            done.append(members_of.pop(c))
            chain.pop()
            continue
        if len(chain) == 1 or z != chain[-2]:
            if z in chain:  # a link that appeared with a merge reached back into the chain: restart it
                todo.extend(chain[:-1])
                del chain[:-1]
            chain.append(z)
            continue
        chain.pop()
        chain.pop()
        x, y = c, z
        mx, my = members_of.pop(x), members_of.pop(y)
        lx, ly = links.pop(x), links.pop(y)
        new, next_id = next_id, next_id + 1
        members_of[new] = np.concatenate([mx, my])
        joined: dict[int, float] = {}
        for w in (lx.keys() | ly.keys()) - {x, y}:
            dx = lx[w] if w in lx else _mean_distance(vectors, mx, members_of[w])
            dy = ly[w] if w in ly else _mean_distance(vectors, my, members_of[w])
            theirs = links[w]
            theirs.pop(x, None)
            theirs.pop(y, None)
            joined[w] = theirs[new] = (len(mx) * dx + len(my) * dy) / (len(mx) + len(my))
        links[new] = joined
        todo.append(new)
    return done


def _one_per_photo(vectors: np.ndarray, photos: np.ndarray, members: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """A cluster holding two faces of one photo (one person is in a photo once) keeps the face
    closest to the rest; the others become people of their own, which a person can merge.
    Returned with the cluster's spread: the mean distance between its faces (from at most
    ``PEOPLE_SPREAD_SAMPLE`` of them)."""
    out: list[tuple[np.ndarray, float]] = []
    if len(np.unique(photos[members])) < len(members):
        centre = vectors[members].mean(axis=0)
        by_distance = members[np.argsort(np.linalg.norm(vectors[members] - centre, axis=1), kind="stable")]
        _, first = np.unique(photos[by_distance], return_index=True)
        kept = np.sort(by_distance[first])
        out.extend((np.array([i]), 0.0) for i in np.setdiff1d(members, kept))
        members = kept
    if len(members) == 1:
        return [*out, (members, 0.0)]
    sample = members[:: max(1, len(members) // thresholds.PEOPLE_SPREAD_SAMPLE)]
    n = len(sample)
    spread = _mean_distance(vectors, sample, sample) * n / (n - 1)  # the zero self-distances left out
    return [*out, (members, spread)]
