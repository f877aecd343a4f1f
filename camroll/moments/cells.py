"""Cells of the Earth's surface about a given distance a side, to find what lies near a point
without comparing it with everything.

Both the home estimate (photos folded into cells of the home radius) and the exposure report's
places (photos grouped at a street block's scale) file points by these cells, then look only at
the cells around a point. A cell is ``radius_km`` tall and at least ``radius_km`` wide over its
whole band of latitude (its width is set at the band's poleward edge), and :meth:`Cells.near`
looks two columns either side in the rows above and below, so every point within the radius of a
point lies in one of the cells it returns. The 180th meridian is not wrapped: points either side
of it are never near.
"""

from __future__ import annotations

import math

from camroll.library.places import EARTH_KM

Cell = tuple[int, int]

KM_PER_DEGREE = EARTH_KM * math.pi / 180
"""Length of one degree of latitude (and of longitude at the equator)."""


class Cells:
    """The cell geometry for one radius; holds nothing else."""

    def __init__(self, radius_km: float) -> None:
        self.lat_step = radius_km / KM_PER_DEGREE

    def _lon_step(self, row: int) -> float:
        poleward = max(abs(row * self.lat_step), abs((row + 1) * self.lat_step))
        return self.lat_step / max(0.01, math.cos(math.radians(min(poleward, 89.99))))

    def cell_of(self, lat: float, lon: float) -> Cell:
        row = math.floor(lat / self.lat_step)
        return row, math.floor(lon / self._lon_step(row))

    def near(self, lat: float, lon: float) -> list[Cell]:
        """Every cell that may hold a point within the radius of (lat, lon)."""
        row = math.floor(lat / self.lat_step)
        out: list[Cell] = []
        for r in (row - 1, row, row + 1):
            column = math.floor(lon / self._lon_step(r))
            out.extend((r, c) for c in range(column - 2, column + 3))
        return out
