"""Near duplicates: a perceptual fingerprint per photo, and groups with the best copy named.

Exact copies are already one photo (same content hash, see the catalog). Near duplicates are
different files of the same picture: a resized or re-saved copy, a HEIC and its JPEG export, a
burst. The fingerprint is imagehash's 64-bit pHash of the analysis pixels; two photos within
``thresholds.NEAR_DUPLICATE_DISTANCE`` bits are grouped (transitively), and the best copy is the
one with the most pixels, then the sharpest.
"""

from __future__ import annotations

from typing import Any

import imagehash
import numpy as np

from camroll import thresholds
from camroll.analysis.base import Analyser
from camroll.analysis.decode import Decoded, to_pil
from camroll.config import AppContext
from camroll.store import analysis_results as results
from camroll.store.db import Connection


class Fingerprint(Analyser):
    capability = "duplicates"
    version = "phash64-imagehash4"

    def analyse(self, photo: Decoded, upstream: dict[str, Any]) -> str:
        return str(imagehash.phash(to_pil(photo)))

    @staticmethod
    def store(conn: Connection, photo_id: int, result: Any, version: str) -> None:
        results.replace_fingerprint(conn, photo_id, result, version)


def group_near_duplicates(ctx: AppContext) -> str:
    """Rebuild the near-duplicate groups from all fingerprints (vectorised: fine to ~50k photos)."""
    rows = results.fingerprints_for_grouping(ctx.db)
    # A featureless picture (a blank frame, a 1-pixel image) hashes to almost no bits set and
    # would match every other featureless picture: it is nobody's duplicate.
    rows = [r for r in rows if bin(int(r[1], 16)).count("1") > thresholds.FLAT_FINGERPRINT_BITS]
    ids = [r[0] for r in rows]
    hashes = np.array([int(r[1], 16) for r in rows], dtype=np.uint64)
    parent = list(range(len(ids)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(ids)):
        diff = np.bitwise_xor(hashes[i + 1 :], hashes[i])
        bits = np.unpackbits(diff.view(np.uint8).reshape(-1, 8), axis=1).sum(axis=1) if len(diff) else []
        for j in np.nonzero(np.asarray(bits) <= thresholds.NEAR_DUPLICATE_DISTANCE)[0]:
            parent[find(i + 1 + int(j))] = find(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(ids)):
        groups.setdefault(find(i), []).append(i)
    values = []
    for members in groups.values():
        if len(members) < 2:
            continue
        best = max(members, key=lambda k: (rows[k][2], rows[k][3], -ids[k]))
        for k in members:
            distance = bin(int(hashes[k]) ^ int(hashes[best])).count("1")
            values.append((ids[k], min(ids[m] for m in members), ids[best], distance))
    results.replace_near_duplicates(ctx.db, values)
    n_groups = len({v[1] for v in values})
    return f"{n_groups} groups of near duplicates ({len(values)} photos)"
