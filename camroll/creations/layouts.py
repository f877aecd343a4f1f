"""Collage layouts: one cell per photo, the same gutter everywhere, shapes that suit the photos.

* ``grid``: rows of equal cells in reading order (a last, shorter row stretches its cells across);
  the number of rows is the one whose cell shape costs the photos least.
* ``mosaic``: a guillotine layout (the canvas cut in two, each part cut again...) in which each
  cut shares the room in proportion to the shapes on either side, so a tall photo gets a tall cell
  and a panorama a wide one. Many cutting orders are tried (seeded: the same photos always give
  the same collage) and the cheapest wins.
* ``hero``: one photo takes about ``COLLAGE_HERO_SHARE`` of the canvas, at the left, at the top or
  in a corner with the others wrapped around it, whichever suits its shape; the others form
  mosaics in the room left.

A layout's cost is, per photo, the share of it cropped away to fill its cell plus
``COLLAGE_FACE_LOSS`` for each face its cell's shape forces out (found by the same framing the
collage will crop with), then the unevenness of cell sizes and a penalty for slivers.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from camroll import thresholds

if TYPE_CHECKING:
    from camroll.creations.framing import Rect

LAYOUTS: tuple[str, ...] = ("grid", "mosaic", "hero")
_MOSAIC_SEED = 20261126
"""Fixed, so the same photos always give the same mosaic."""
_ASPECT_STEP = 0.05
"""Cell shapes closer than this (in log aspect) share one face-framing result while scoring."""


@dataclass(frozen=True)
class Shape:
    """What a layout needs to know of a photo: its displayed size and its face boxes."""

    width: int
    height: int
    faces: tuple[Rect, ...] = ()

    @property
    def aspect(self) -> float:
        return self.width / self.height


def crop_loss(photo_aspect: float, cell_aspect: float) -> float:
    """Share of the photo cut away to fill a cell of another shape."""
    return 1.0 - min(photo_aspect / cell_aspect, cell_aspect / photo_aspect)


def plan(shapes: Sequence[Shape], area: Rect, layout: str, gutter: float, hero: int | None = None) -> list[Rect]:
    """One cell (x, y, w, h) per photo, in the order given, inside ``area``, ``gutter`` apart.
    ``hero`` is the index of the hero layout's big photo (default: the first)."""
    if layout not in LAYOUTS:
        raise ValueError(f"no layout named {layout!r}; choose one of: {', '.join(LAYOUTS)}")
    if not shapes:
        return []
    if len(shapes) == 1:
        return [area]
    scorer = _Scorer(shapes)
    indexes = list(range(len(shapes)))
    if layout == "grid":
        return _grid(scorer, area, gutter)
    if layout == "hero":
        return _hero(scorer, area, gutter, hero if hero is not None and 0 <= hero < len(shapes) else 0)
    return _mosaic(scorer, indexes, area, gutter)[1]


class _Scorer:
    """Costs of cells for photos, with the face framing of each (photo, cell shape) remembered."""

    def __init__(self, shapes: Sequence[Shape]) -> None:
        self.shapes = shapes
        self._lost: dict[tuple[int, int], int] = {}

    def faces_lost(self, i: int, aspect: float) -> int:
        shape = self.shapes[i]
        if not shape.faces:
            return 0
        key = (i, round(math.log(aspect) / _ASPECT_STEP))  # cells within 5 % of a shape frame alike
        if key not in self._lost:
            from camroll.creations.framing import frame  # here: framing loads numpy and Pillow, LAYOUTS needs neither

            framing = frame(shape.width, shape.height, aspect, shape.faces)
            self._lost[key] = len(framing.left_out) + len(framing.cut)  # a cut face counts twice
        return self._lost[key]

    def photo_cost(self, i: int, cell: Rect) -> float:
        aspect = cell[2] / cell[3]
        return crop_loss(self.shapes[i].aspect, aspect) + thresholds.COLLAGE_FACE_LOSS * self.faces_lost(i, aspect)

    def cost(self, indexes: Sequence[int], cells: Sequence[Rect]) -> float:
        """Mean cost per photo, plus how uneven the cell sizes are (a photo shrunk to a stamp
        beside a huge one reads as a mistake) and a penalty for slivers."""
        if any(min(c[2], c[3]) <= 1 for c in cells):
            return math.inf
        loss = sum(self.photo_cost(i, c) for i, c in zip(indexes, cells, strict=True)) / len(cells)
        areas = [math.log(c[2] * c[3]) for c in cells]
        mean = sum(areas) / len(areas)
        spread = math.sqrt(sum((v - mean) ** 2 for v in areas) / len(areas))
        thin = max(max(c[2] / c[3], c[3] / c[2]) for c in cells)
        sliver = 1.0 if thin > thresholds.COLLAGE_MAX_CELL_STRETCH else 0.0
        return loss + thresholds.COLLAGE_EVENNESS * spread + sliver


def _grid(scorer: _Scorer, area: Rect, gutter: float) -> list[Rect]:
    n = len(scorer.shapes)
    best: tuple[float, list[Rect]] | None = None
    for rows in range(1, n + 1):
        cols = math.ceil(n / rows)
        if (rows - 1) * cols >= n:
            continue  # an empty last row
        cells = _rows(area, gutter, [cols] * (rows - 1) + [n - cols * (rows - 1)])
        cost = scorer.cost(range(n), cells)
        if best is None or cost < best[0]:
            best = (cost, cells)
    assert best is not None
    return best[1]


def _rows(area: Rect, gutter: float, counts: Sequence[int]) -> list[Rect]:
    x0, y0, w, h = area
    row_h = (h - gutter * (len(counts) - 1)) / len(counts)
    cells: list[Rect] = []
    for r, count in enumerate(counts):
        cell_w = (w - gutter * (count - 1)) / count
        y = y0 + r * (row_h + gutter)
        cells.extend((x0 + c * (cell_w + gutter), y, cell_w, row_h) for c in range(count))
    return cells


# A guillotine tree: a leaf is a photo index; a node is (side_by_side, first, second).
Tree = int | tuple[bool, "Tree", "Tree"]


def _mosaic(scorer: _Scorer, indexes: list[int], area: Rect, gutter: float) -> tuple[float, list[Rect]]:
    """The cheapest of ``COLLAGE_MOSAIC_TRIES`` random cutting orders for ``indexes`` in ``area``:
    (cost, cells in the order of ``indexes``)."""
    if len(indexes) == 1:
        return scorer.cost(indexes, [area]), [area]
    rng = random.Random(_MOSAIC_SEED + len(indexes))
    best: tuple[float, list[Rect]] | None = None
    tries = min(thresholds.COLLAGE_MOSAIC_TRIES, 50 * len(indexes) ** 2)  # few trees exist for few photos
    for attempt in range(tries):
        tree = _random_tree(indexes, rng, side_by_side=bool(attempt % 2))
        cells = _cells(tree, scorer, area, gutter)
        ordered = [cells[i] for i in indexes]
        cost = scorer.cost(indexes, ordered)
        if best is None or cost < best[0]:
            best = (cost, ordered)
    assert best is not None
    return best


def _random_tree(indexes: list[int], rng: random.Random, side_by_side: bool) -> Tree:
    """A random cutting order over photos kept in sequence; cuts mostly alternate direction (a
    grid-like rhythm), sometimes not (two wide photos stacked)."""
    if len(indexes) == 1:
        return indexes[0]
    k = rng.randint(1, len(indexes) - 1)
    nxt = not side_by_side if rng.random() < 0.8 else side_by_side
    return side_by_side, _random_tree(indexes[:k], rng, nxt), _random_tree(indexes[k:], rng, nxt)


def _tree_aspect(tree: Tree, scorer: _Scorer) -> float:
    """Width / height of the tree laid out with every photo at its own shape (no gutters)."""
    if isinstance(tree, int):
        return scorer.shapes[tree].aspect
    side, a, b = tree
    ra, rb = _tree_aspect(a, scorer), _tree_aspect(b, scorer)
    return ra + rb if side else 1.0 / (1.0 / ra + 1.0 / rb)


def _cells(tree: Tree, scorer: _Scorer, area: Rect, gutter: float) -> dict[int, Rect]:
    """Cut ``area`` along the tree, each cut sharing the room in proportion to what each side
    needs to keep its photos' shapes."""
    out: dict[int, Rect] = {}

    def cut(node: Tree, rect: Rect) -> None:
        if isinstance(node, int):
            out[node] = rect
            return
        side, a, b = node
        x, y, w, h = rect
        ra, rb = _tree_aspect(a, scorer), _tree_aspect(b, scorer)
        if side:
            wa = (w - gutter) * ra / (ra + rb)
            cut(a, (x, y, wa, h))
            cut(b, (x + wa + gutter, y, w - gutter - wa, h))
        else:
            ha = (h - gutter) * (1 / ra) / (1 / ra + 1 / rb)
            cut(a, (x, y, w, ha))
            cut(b, (x, y + ha + gutter, w, h - gutter - ha))

    cut(tree, area)
    return out


def _hero(scorer: _Scorer, area: Rect, gutter: float, hero: int) -> list[Rect]:
    """The hero photo at the left, at the top or in the top-left corner (the others wrapped round
    it in a column and a row), at ``COLLAGE_HERO_SHARE`` and a little more; the cheapest wins, the
    hero's own cost counted twice (it is what the eye lands on)."""
    x, y, w, h = area
    rest = [i for i in range(len(scorer.shapes)) if i != hero]
    best: tuple[float, list[Rect]] | None = None

    def consider(hero_cell: Rect, parts: list[tuple[list[int], Rect]]) -> None:
        nonlocal best
        cells: dict[int, Rect] = {hero: hero_cell}
        for members, region in parts:
            if region[2] <= 1 or region[3] <= 1:
                return
            cells.update(zip(members, _mosaic(scorer, members, region, gutter)[1], strict=True))
        # the others judged together, so one region's photos are not much larger than the other's
        total = 2 * scorer.photo_cost(hero, hero_cell) + scorer.cost(rest, [cells[i] for i in rest])
        if best is None or total < best[0]:
            best = (total, [cells[i] for i in range(len(scorer.shapes))])

    for s in (thresholds.COLLAGE_HERO_SHARE, thresholds.COLLAGE_HERO_SHARE + 0.08):
        hw, hh = (w - gutter) * s, (h - gutter) * s
        consider((x, y, hw, h), [(rest, (x + hw + gutter, y, w - gutter - hw, h))])
        consider((x, y, w, hh), [(rest, (x, y + hh + gutter, w, h - gutter - hh))])
        for k in range(1, len(rest)):  # corner: the first k beside the hero, the others below
            column = (x + hw + gutter, y, w - gutter - hw, hh)
            row = (x, y + hh + gutter, w, h - gutter - hh)
            consider((x, y, hw, hh), [(rest[:k], column), (rest[k:], row)])
    assert best is not None
    return best[1]
