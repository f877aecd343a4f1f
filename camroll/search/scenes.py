"""Scenes from metadata: sunset, sunrise, night and selfie, answered from stored columns at query time.

No classifier class is a sunset or a selfie, but a photo's metadata can say when the sun was low
where it was taken, or that the phone's front camera took a large face:

- **sunset / sunrise**: the sun's elevation and azimuth (``astral`` 3.2, offline arithmetic) at
  the photo's GPS position and its UTC time (local time minus the file's UTC offset, else the
  place's time zone offset). Sunset: the sun between ``SEARCH_SUN_LOW_MIN_ELEVATION`` and
  ``SEARCH_SUN_LOW_MAX_ELEVATION`` degrees, in the west (azimuth over 180 degrees: the sun sets in
  the west everywhere but near the poles); sunrise: the same in the east. A photo taken then is
  found whatever it shows (a shop window at 18:00 in October is "at sunset"); the reason says so.
- **night**: the sun below ``SEARCH_SUN_LOW_MIN_ELEVATION`` (civil twilight over) with GPS; without
  GPS, a local time between ``SEARCH_NIGHT_FIRST_HOUR`` and ``SEARCH_NIGHT_LAST_HOUR``, ranked
  lower (the clock says night, no sun was computed).
- **selfie**: a face at least ``SEARCH_SELFIE_MIN_FACE_SHARE`` of the photo's shorter side wide,
  in a photo whose lens EXIF names the front camera (``LensModel`` "iPhone 12 front camera ...").
  Cameras that do not name the lens give no selfies: a known limit.

Cost: one SQL query and two sun positions per photo with GPS (about 9 us each, measured with
astral 3.2 here), done only when a query says one of these words.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from camroll import thresholds
from camroll.store import search as store
from camroll.store.db import Database
from camroll.store.search import Where


def _utc(taken_local: str, offset_minutes: int) -> datetime | None:
    try:
        local = datetime.fromisoformat(taken_local[:19])
    except ValueError:
        return None
    return (local - timedelta(minutes=offset_minutes)).replace(tzinfo=UTC)


def sun_matches(db: Database, scene: str, where: Where) -> dict[int, tuple[float, str, str]]:
    """Photo id -> (score, why, taken_local) for "sunset", "sunrise" or "night" from the sun's position."""
    from astral import Observer
    from astral.sun import azimuth, elevation

    low, high = thresholds.SEARCH_SUN_LOW_MIN_ELEVATION, thresholds.SEARCH_SUN_LOW_MAX_ELEVATION
    out: dict[int, tuple[float, str, str]] = {}
    located: set[int] = set()
    for pid, taken_local, offset, lat, lon, _t in store.sun_rows(db, where):
        if offset is None:
            continue  # no UTC time: the sun cannot be placed
        located.add(int(pid))
        when = _utc(taken_local, int(offset))
        if when is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            continue
        observer = Observer(latitude=float(lat), longitude=float(lon))
        try:
            sun_up = float(elevation(observer, when))
        except ValueError:
            continue
        at = f"taken {taken_local[11:16]} local time"
        if scene == "night":
            if sun_up < low:
                out[pid] = (1.0, f"{at}, the sun {-sun_up:.0f}° below the horizon there", taken_local)
            continue
        if not low <= sun_up <= high:
            continue
        west = float(azimuth(observer, when)) > 180
        if west == (scene == "sunset"):
            # nearest the horizon first: 1.0 at 0 degrees, falling to 0.7 at the band's edges
            score = 1.0 - 0.3 * abs(sun_up) / max(abs(low), abs(high))
            side = "setting in the west" if west else "rising in the east"
            out[pid] = (round(score, 4), f"{at}, the sun {sun_up:+.0f}° there, {side} (time and GPS)", taken_local)
    if scene == "night":
        for pid, taken_local in store.local_hour_rows(db, _night_hours(), where):
            if pid not in located:
                why = f"taken {taken_local[11:16]} local time (no GPS and time zone to place the sun)"
                out.setdefault(pid, (thresholds.SEARCH_NIGHT_BY_CLOCK_SCORE, why, taken_local))
    return out


def _night_hours() -> list[int]:
    first, last = thresholds.SEARCH_NIGHT_FIRST_HOUR, thresholds.SEARCH_NIGHT_LAST_HOUR
    return [h % 24 for h in range(first, last + 24 + 1 if last < first else last + 1)]


def selfie_matches(db: Database, where: Where) -> dict[int, tuple[float, str, str]]:
    """Photo id -> (score, why, taken_local) for photos with a large face taken by a front camera."""
    out: dict[int, tuple[float, str, str]] = {}
    for pid, w, h, width, height, lens, taken_local in store.front_camera_face_rows(db, where):
        if not width or not height:
            continue
        share = max(float(w), float(h)) / min(int(width), int(height))
        if share >= thresholds.SEARCH_SELFIE_MIN_FACE_SHARE:
            score = round(min(1.0, 0.5 + share), 4)  # a larger face ranks higher
            why = f"a face {share:.0%} of the photo wide, taken with the front camera ({lens})"
            if pid not in out or out[pid][0] < score:
                out[pid] = (score, why, taken_local or "")
    return out
