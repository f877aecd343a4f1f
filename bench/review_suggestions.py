"""The people review's merge suggestions at scale: what computing them costs (it reads and opens
every face print), and what the review page costs now that it reads the kept ones.

    .venv/bin/python -m bench.review_suggestions [--faces 20000] [--per-person 10] [--repeat 3]

A catalog of ``--faces`` sealed faces (one face a photo), in people of ``--per-person`` faces:
each person's prints are a random unit centre plus noise (a spread like one person's real
faces), and one person in twenty is split in two halves (as clustering can leave one person), so
the computation finds real pairs to suggest. People are written straight into the catalog; the
clustering is not measured here (bench/people_scale.py measures it).

Measured, each ``--repeat`` times on a warm page cache (best and median):

* **compute** - :func:`camroll.people.review.suggestions`: what the review page paid on its
  first load after the people changed, and what the analysis job's follow-up
  (:meth:`camroll.web.review_suggestions.KeptSuggestions.after_job`) pays now instead;
* **page, kept** - ``GET /people/review`` with the suggestions kept (the page reads them and the
  review marker, and renders the held faces and the queue).

The machine is shared and noisy (2 cores, several people working): the figures are what one run
saw, not bounds.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

DIM = 128


def _catalog(home: Path, faces: int, per_person: int) -> int:
    """Write the synthetic people and faces; return how many people."""
    from camroll.config import AppContext, Config
    from camroll.privacy import consent

    ctx = AppContext(Config(home=home, workers=1))
    try:
        consent.grant(ctx, "faces")
        consent.grant(ctx, "people")
        seal = ctx.sealer("biometric").seal
        rng = np.random.default_rng(14)
        groups = faces // per_person
        centres = rng.normal(size=(groups, DIM))
        centres /= np.linalg.norm(centres, axis=1, keepdims=True)
        # each face 0.25 from its centre on average: faces of one person ~0.35 apart
        noise = rng.normal(scale=0.25 / np.sqrt(DIM), size=(groups * per_person, DIM))
        prints = (np.repeat(centres, per_person, axis=0) + noise).astype(np.float32)
        prints /= np.linalg.norm(prints, axis=1, keepdims=True)
        with ctx.db.transaction() as conn:
            people: list[int] = []
            for g in range(groups):
                parts = 2 if g % 20 == 0 else 1
                for _ in range(parts):
                    people.append(
                        int(
                            conn.execute("INSERT INTO people (created_at) VALUES ('2026-01-01T00:00:00')").lastrowid
                            or 0
                        )
                    )
            person_of: list[int] = []
            at = 0
            for g in range(groups):
                split = g % 20 == 0
                for i in range(per_person):
                    person_of.append(people[at + (1 if split and i >= per_person // 2 else 0)])
                at += 2 if split else 1
            for n, (vector, person) in enumerate(zip(prints, person_of, strict=True)):
                photo = conn.execute(
                    "INSERT INTO photos (hash, format, kind, size, metadata_version, created_at)"
                    " VALUES (?, 'jpeg', 'photo', 1, 1, '2026-01-01T00:00:00')",
                    (f"{n:064x}",),
                ).lastrowid
                conn.execute(
                    "INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, embedding, model, person_id,"
                    " confidence, assigned_by) VALUES (?, 0, 0, 10, 10, 0.9, '[]', ?, 'bench', ?, 0.8, 'auto:bench')",
                    (photo, seal(vector.tobytes()), person),
                )
        return len(people)
    finally:
        ctx.close()


def _times(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    seen = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        seen.append(time.perf_counter() - t)
    return min(seen), statistics.median(seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--faces", type=int, default=20_000)
    parser.add_argument("--per-person", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from camroll.config import AppContext, Config
    from camroll.people import review
    from camroll.web.app import create_app
    from camroll.web.review_suggestions import KeptSuggestions

    with tempfile.TemporaryDirectory(prefix="camroll-review-bench-") as tmp:
        home = Path(tmp) / "home"
        t = time.perf_counter()
        people = _catalog(home, args.faces, args.per_person)
        print(f"catalog: {args.faces:,} faces, {people:,} people, written in {time.perf_counter() - t:.1f} s")

        ctx = AppContext(Config(home=home, workers=1))
        try:
            found = review.suggestions(ctx)  # warms the page cache; not counted
            best, median = _times(lambda: review.suggestions(ctx), args.repeat)
            print(f"compute (review.suggestions): best {best:.2f} s, median {median:.2f} s, {len(found)} suggested")
            keeper = KeptSuggestions(Config(home=home, workers=1), "bench")
            t = time.perf_counter()

            class Quiet:
                def start(self, phase: str, total: int | None) -> None: ...
                def advance(self, n: int = 1) -> None: ...
                def problem(self, path: str, errors: list[str]) -> None: ...

            keeper.after_job(ctx, Quiet())
            print(f"after the people job (KeptSuggestions.after_job): {time.perf_counter() - t:.2f} s")
        finally:
            ctx.close()

        with TestClient(create_app(Config(home=home, workers=1)), base_url="http://127.0.0.1") as client:
            t = time.perf_counter()
            first = client.get("/people/review")
            first_s = time.perf_counter() - t
            preparing = "being prepared" in first.text
            print(
                f"page, nothing kept yet: {first_s:.2f} s ({'says being prepared' if preparing else 'suggestions shown'})"
            )
            for _ in range(600):  # until the background computation is kept
                if "being prepared" not in client.get("/people/review").text:
                    break
                time.sleep(0.5)
            best, median = _times(lambda: client.get("/people/review"), args.repeat)
            print(f"page, kept: best {best:.3f} s, median {median:.3f} s")


if __name__ == "__main__":
    main()
