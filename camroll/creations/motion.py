"""Pan and zoom for a photo in a video: which part of it the frame shows, from first to last frame.

A still photo on screen for three seconds looks dead; one that drifts slowly looks filmed. The
frame is a window of the video's shape over the photo, moving in a straight line from a start
window to an end window (linear in time, so the motion never stops and starts again, and the
cross-fades on either side blend two moving pictures). With faces the window always closes in
on them, and every window on the way holds every face whole: the start and end windows do, and
the windows in between are convex blends of them, so they do too (a box inside two rectangles is
inside any rectangle between them, edge by edge).

A photo whose shape is far from the video's (a portrait photo in a landscape video), or whose
faces cannot all fit a full-frame crop (a wide group photo), is shown whole ("fit"), over a
blurred copy of itself; the window may then reach past the photo's edges, onto that backdrop.

Windows are (x, y, w, h) in displayed pixels of the full-size photo, like face boxes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from camroll import thresholds
from camroll.creations.framing import frame

Rect = tuple[float, float, float, float]


@dataclass(frozen=True)
class Motion:
    start: Rect
    end: Rect
    fit: bool
    """The whole photo is shown over a blurred backdrop (windows may reach past its edges)."""

    def window(self, progress: float) -> Rect:
        """The window at ``progress`` (0: first frame, 1: last frame of the photo)."""
        p = min(max(progress, 0.0), 1.0)
        a, b = self.start, self.end
        return (a[0] + (b[0] - a[0]) * p, a[1] + (b[1] - a[1]) * p, a[2] + (b[2] - a[2]) * p, a[3] + (b[3] - a[3]) * p)

    @property
    def tightest_width(self) -> float:
        """The narrowest window's width: the photo must be decoded sharp enough for it."""
        return min(self.start[2], self.end[2])


def zoom_for(seconds: float) -> float:
    """How far a photo on screen for ``seconds`` zooms: a constant speed, capped, so a short slide
    does not rush and a long one does not end in a blurry close-up."""
    return min(thresholds.VIDEO_MAX_ZOOM, 1.0 + thresholds.VIDEO_ZOOM_PER_SECOND * max(seconds, 0.0))


def plan_motion(
    width: int,
    height: int,
    aspect: float,
    faces: Sequence[Rect],
    seconds: float,
    index: int = 0,
    focus: tuple[float, float] | None = None,
) -> Motion:
    """The motion for a ``width`` x ``height`` photo shown ``seconds`` in a video of shape ``aspect``.

    With faces: from the widest window to a closer one, both holding every face (framing's rule:
    faces whole, a little above the middle). Without: toward ``focus`` (a saliency guess, the
    middle by default), zooming in on even ``index`` and out on odd ones, for variety.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"cannot move over a {width} x {height} photo")
    zoom = zoom_for(seconds)
    boxes = [b for b in faces if b[2] > 0 and b[3] > 0]
    if (width / height) / aspect >= thresholds.VIDEO_COVER_MIN_SHARE:
        wide = frame(width, height, aspect, boxes, 1.0, focus)
        if wide.all_faces_kept:
            tight = frame(width, height, aspect, boxes, zoom, focus)
            if boxes or index % 2 == 0:
                return Motion(wide.rect, tight.rect, fit=False)
            return Motion(tight.rect, wide.rect, fit=False)
    return _fit_motion(width, height, aspect, boxes, zoom, index, focus)


def _fit_motion(
    width: int,
    height: int,
    aspect: float,
    faces: Sequence[Rect],
    zoom: float,
    index: int,
    focus: tuple[float, float] | None,
) -> Motion:
    """The whole photo in the frame (centred, bands of backdrop on two sides), closing in on the
    faces or ``focus``; the close window stays inside the whole-photo window and holds every face."""
    if width / height < aspect:
        fw, fh = height * aspect, float(height)
    else:
        fw, fh = float(width), width / aspect
    whole = ((width - fw) / 2, (height - fh) / 2, fw, fh)
    if faces:
        ux1 = min(b[0] for b in faces)
        uy1 = min(b[1] for b in faces)
        ux2 = max(b[0] + b[2] for b in faces)
        uy2 = max(b[1] + b[3] for b in faces)
        zoom = max(1.0, min(zoom, fw / max(ux2 - ux1, 1e-6), fh / max(uy2 - uy1, 1e-6)))
        cx, cy = (ux1 + ux2) / 2, (uy1 + uy2) / 2
    else:
        ux1, uy1, ux2, uy2 = whole[0] + fw, whole[1] + fh, whole[0], whole[1]  # nothing to hold
        cx, cy = focus if focus is not None else (width / 2, height / 2)
    tw, th = fw / zoom, fh / zoom
    x = _within(cx - tw / 2, tw, ux1, ux2, whole[0], whole[0] + fw)
    y = _within(cy - th / 2, th, uy1, uy2, whole[1], whole[1] + fh)
    tight = (x, y, tw, th)
    if faces or index % 2 == 0:
        return Motion(whole, tight, fit=True)
    return Motion(tight, whole, fit=True)


def _within(pos: float, size: float, keep_lo: float, keep_hi: float, lo: float, hi: float) -> float:
    """``pos`` moved so [pos, pos + size] holds [keep_lo, keep_hi] (when that is a real span) and
    then stays inside [lo, hi]; the zoom was limited so that both hold together."""
    if keep_hi > keep_lo:
        pos = min(max(pos, keep_hi - size), keep_lo)
    return min(max(pos, lo), hi - size)
