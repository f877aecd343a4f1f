"""Nearest faces: an in-memory k-nearest-neighbour index over face prints (faiss).

Face prints are biometric and rest sealed in the catalog; they are opened into this index in
memory only, and the index is never saved (no file, no cache): each people run rebuilds it from
the catalog. Building the graph costs some 20 s at 200,000 faces on 2 cores
(``bench/people_scale.py``); keeping an encrypted copy current would cost more code than that.

Two kinds of search, chosen by the work each costs (:func:`exact_is_cheaper`):

* **exact** (faiss ``IndexFlatL2``, blocked matrix products): no building, every query compared
  with every print. Right for few queries (1,000 new faces against 200,000 known: under 1 s)
  and for small sets, and free of any approximation.
* **graph** (faiss ``IndexHNSWFlat``): a build proportional to the prints, then each query in
  about a logarithmic number of steps. Right for a whole library's faces asking for their own
  neighbours. Chosen over hnswlib and usearch by ``bench/people_scale.py --compare-indexes``:
  at 200,000 prints with the same graph settings it had the best recall@30 (0.992 against
  0.973 and 0.977) and the fastest queries.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from camroll import thresholds

DIM = 128


def exact_is_cheaper(prints: int, queries: int) -> bool:
    """Whether comparing each query with every print costs less than building a graph: the
    comparisons grow with prints x queries, a graph's build with the prints alone."""
    return prints < thresholds.PEOPLE_INDEX_GRAPH_FROM or queries <= thresholds.PEOPLE_INDEX_EXACT_QUERIES


class Neighbours:
    """Prints added in batches (their positions are 0, 1, 2, ... in the order added), then
    queried for each query's ``k`` nearest: positions and Euclidean distances, nearest first,
    padded with -1 and ``inf`` when fewer than ``k`` prints exist."""

    def __init__(self, capacity: int, exact: bool = True) -> None:
        import faiss

        self.exact = exact
        self._index: Any
        if exact:
            self._index = faiss.IndexFlatL2(DIM)
        else:
            self._index = faiss.IndexHNSWFlat(DIM, thresholds.PEOPLE_INDEX_LINKS)
            self._index.hnsw.efConstruction = thresholds.PEOPLE_INDEX_BUILD_EF
        self.capacity = capacity

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, DIM)
        if len(vectors):
            self._index.add(vectors)

    def query(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, DIM)
        n = len(vectors)
        found = np.full((n, k), -1, np.int64)
        distances = np.full((n, k), np.inf, np.float32)
        have = min(k, len(self))
        if n == 0 or have == 0:
            return found, distances
        if not self.exact:
            self._index.hnsw.efSearch = max(have, thresholds.PEOPLE_INDEX_SEARCH_EF)
        squared, labels = self._index.search(vectors, have)
        missing = labels < 0
        found[:, :have] = labels
        distances[:, :have] = np.where(missing, np.inf, np.sqrt(np.maximum(squared, 0.0)))
        return found, distances
