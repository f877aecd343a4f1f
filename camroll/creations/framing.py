"""Framing: where to crop a photo to a given shape without cutting anyone's face.

A collage cell or a video frame has a fixed shape; the photo rarely has it. The crop chosen here
is the largest rectangle of that shape (or a smaller one, to zoom in) that keeps every face box
whole, with some room around each face when there is room to give, and the faces sitting a little
above the middle (people look framed, not beheaded or floating). When the faces cannot all fit
(a wide group photo in a tall cell), the crop keeps the most face area it can: no face is ever
cut in half; the ones left out are wholly outside, and :func:`frame` says how many.

Without faces the crop centres on a saliency guess (:func:`saliency_centre`: where the photo has
detail and colour, weighted toward the middle), or on the middle itself.

Every rectangle is (x, y, w, h) in the same pixel frame as the boxes: the faces table stores
displayed, oriented pixels of the full photo, so callers scale boxes to the image they crop
(:func:`camroll.creations.source.scale_boxes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageFilter

from camroll import thresholds

Rect = tuple[float, float, float, float]


@dataclass
class Framing:
    rect: Rect
    """The crop: x, y, w, h."""
    kept: list[int] = field(default_factory=list)
    """Indexes of the face boxes wholly inside the crop."""
    left_out: list[int] = field(default_factory=list)
    """Indexes of the faces that could not fit: wholly outside the crop, unless listed in ``cut``."""
    cut: list[int] = field(default_factory=list)
    """Faces the crop shows only part of: empty unless no crop of this shape can avoid it (a face
    taller than a very wide crop, or faces overlapping so that none can be shown alone)."""

    @property
    def all_faces_kept(self) -> bool:
        return not self.left_out


def crop_for(
    width: int,
    height: int,
    aspect: float,
    faces: Sequence[Rect],
    zoom: float = 1.0,
    focus: tuple[float, float] | None = None,
) -> Rect:
    """The crop (x, y, w, h) of shape ``aspect`` (width / height) for a ``width`` x ``height``
    photo: the largest such rectangle, or that divided by ``zoom``, keeping every face whole
    when possible (see :func:`frame` for which faces were left out when not). ``focus`` is the
    point to centre on when there are no faces (default: the middle)."""
    return frame(width, height, aspect, faces, zoom, focus).rect


def frame(
    width: int,
    height: int,
    aspect: float,
    faces: Sequence[Rect],
    zoom: float = 1.0,
    focus: tuple[float, float] | None = None,
) -> Framing:
    """:func:`crop_for` with the faces it kept and left out."""
    if width <= 0 or height <= 0 or aspect <= 0:
        raise ValueError(f"cannot frame a {width} x {height} photo to aspect {aspect}")
    full_w, full_h = (height * aspect, float(height)) if width / height > aspect else (float(width), width / aspect)
    boxes = [_clip(b, width, height) for b in faces]
    present = [i for i, b in enumerate(boxes) if b[2] > 0 and b[3] > 0]
    if not present:
        w, h = full_w / max(zoom, 1.0), full_h / max(zoom, 1.0)
        cx, cy = focus if focus is not None else (width / 2, height / 2)
        return Framing(_place(cx - w / 2, cy - h / 2, w, h, width, height))
    # Try: all faces with breathing room, all faces bare, then the best subset that fits.
    for margin in (thresholds.FRAMING_FACE_MARGIN, 0.0):
        padded = {i: _clip(_pad(boxes[i], margin), width, height) for i in present}
        union = _union(list(padded.values()))
        if union[2] <= full_w + 1e-6 and union[3] <= full_h + 1e-6:
            w, h = _size_around(union, full_w, full_h, zoom)
            return Framing(_around(union, w, h, width, height), kept=present)
    window, kept, clean = _best_window(boxes, present, full_w, full_h, width, height)
    if not clean:
        # every full-size window cuts a face (two faces further apart than the crop is wide, and no
        # room to leave one out): a tighter crop can hold one wholly and stop short of the next.
        # Shrink 10 % a step until one is clean, then halve the last step three times.
        loose, share = 1.0, 1.0
        while share > thresholds.FRAMING_MIN_SHARE:
            share *= 0.9
            tighter = _best_window(boxes, present, full_w * share, full_h * share, width, height)
            if tighter[2]:
                window, kept, clean = tighter
                break
            loose = share
        if clean:
            tight = share
            for _ in range(3):
                mid = (loose + tight) / 2
                tighter = _best_window(boxes, present, full_w * mid, full_h * mid, width, height)
                if tighter[2]:
                    window, kept, tight = tighter[0], tighter[1], mid
                else:
                    loose = mid
    if clean or kept:
        others = [boxes[i] for i in present if i not in kept]
        rect = _refine(window, [boxes[i] for i in kept], others, width, height)
    else:
        # no crop of this shape shows a face whole: show the middle of the largest one
        x, y, w, h = max((boxes[i] for i in present), key=lambda b: b[2] * b[3])
        rect = _place(x + w / 2 - full_w / 2, y + h * 0.45 - full_h / 2, full_w, full_h, width, height)
    inside = [i for i in present if _contains(rect, boxes[i])]
    cut = [i for i in present if _cuts(rect, boxes[i])]
    return Framing(rect, kept=inside, left_out=[i for i in present if i not in inside], cut=cut)


def saliency_centre(img: Image.Image) -> tuple[float, float]:
    """A guess at where the subject is, in ``img`` pixels: the centre of mass of local detail and
    colour (a photo's subject is usually its sharpest, most colourful part), pulled toward the
    middle by ``FRAMING_CENTRE_PRIOR`` so a busy corner does not win over a plain subject."""
    side = thresholds.SALIENCY_SIDE
    small = img.convert("RGB").copy()
    small.thumbnail((side, side), Image.Resampling.BILINEAR)
    rgb = np.asarray(small, dtype=np.float32) / 255.0
    grey = np.asarray(small.convert("L").filter(ImageFilter.FIND_EDGES), dtype=np.float32) / 255.0
    blurred = np.asarray(small.filter(ImageFilter.GaussianBlur(radius=side / 16)), dtype=np.float32) / 255.0
    contrast = np.abs(rgb - blurred).sum(axis=2)
    saturation = rgb.max(axis=2) - rgb.min(axis=2)
    weight = grey + contrast + 0.5 * saturation
    h, w = weight.shape
    if h < 3 or w < 3:
        return img.width / 2, img.height / 2
    weight[:1, :] = weight[-1:, :] = 0.0  # edge filters light up the border
    weight[:, :1] = weight[:, -1:] = 0.0
    yy, xx = np.mgrid[0:h, 0:w]
    prior = np.exp(-(((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2) / thresholds.FRAMING_CENTRE_PRIOR)
    weight = weight * prior
    total = float(weight.sum())
    if total <= 1e-9:
        return img.width / 2, img.height / 2
    cx, cy = float((weight * xx).sum() / total) + 0.5, float((weight * yy).sum() / total) + 0.5
    return cx * img.width / w, cy * img.height / h


def _clip(box: Rect, width: float, height: float) -> Rect:
    x1, y1 = max(0.0, box[0]), max(0.0, box[1])
    x2, y2 = min(float(width), box[0] + box[2]), min(float(height), box[1] + box[3])
    return x1, y1, max(0.0, x2 - x1), max(0.0, y2 - y1)


def _pad(box: Rect, margin: float) -> Rect:
    """The box widened by ``margin`` of its side on each edge, more above (hair) than below."""
    x, y, w, h = box
    return x - w * margin, y - h * margin * 1.5, w * (1 + 2 * margin), h * (1 + 2.5 * margin)


def _union(boxes: Sequence[Rect]) -> Rect:
    x1 = min(b[0] for b in boxes)
    y1 = min(b[1] for b in boxes)
    x2 = max(b[0] + b[2] for b in boxes)
    y2 = max(b[1] + b[3] for b in boxes)
    return x1, y1, x2 - x1, y2 - y1


def _contains(outer: Rect, inner: Rect, tol: float = 1e-6) -> bool:
    return (
        inner[0] >= outer[0] - tol
        and inner[1] >= outer[1] - tol
        and inner[0] + inner[2] <= outer[0] + outer[2] + tol
        and inner[1] + inner[3] <= outer[1] + outer[3] + tol
    )


def _size_around(union: Rect, full_w: float, full_h: float, zoom: float) -> tuple[float, float]:
    """The crop size: the full one divided by ``zoom``, never smaller than the faces need."""
    z = max(zoom, 1.0)
    need = max(union[2] / full_w, union[3] / full_h)  # share of the full crop the faces take
    share = min(1.0, max(1.0 / z, need))
    return full_w * share, full_h * share


def _around(union: Rect, w: float, h: float, width: int, height: int) -> Rect:
    """A w x h crop holding ``union``: centred on it across, its centre at ``FRAMING_FACE_TOP``
    of the crop's height down, then slid inside the photo without letting go of ``union``."""
    ux, uy, uw, uh = union
    x = ux + uw / 2 - w / 2
    y = uy + uh / 2 - h * thresholds.FRAMING_FACE_TOP
    x = _slide(x, w, ux, uw, width)
    y = _slide(y, h, uy, uh, height)
    return x, y, w, h


def _slide(pos: float, size: float, keep_at: float, keep_size: float, limit: float) -> float:
    """``pos`` moved into [keep_at + keep_size - size, keep_at] (holds the kept span) and then into
    [0, limit - size] (stays in the photo); both hold together whenever the span fits."""
    pos = min(max(pos, keep_at + keep_size - size), keep_at)
    return min(max(pos, 0.0), max(0.0, limit - size))


def _place(x: float, y: float, w: float, h: float, width: int, height: int) -> Rect:
    return min(max(x, 0.0), max(0.0, width - w)), min(max(y, 0.0), max(0.0, height - h)), w, h


def _best_window(
    boxes: Sequence[Rect], present: Sequence[int], w: float, h: float, width: int, height: int
) -> tuple[Rect, list[int], bool]:
    """The w x h window inside the photo that holds the most face area whole and cuts no face
    (a window that must cut one is taken only when every window does), its faces, and whether it
    is clean (holds a face and cuts none). Windows anchored on the
    photo's and each face's edges are tried: an optimal window can always be slid until one of its
    edges touches one of those, so no face is dropped that a better placement would have kept."""

    def anchors(axis: int, span: float, limit: float) -> np.ndarray:
        starts = np.array([boxes[i][axis] for i in present])
        ends = starts + np.array([boxes[i][axis + 2] for i in present])
        found = np.concatenate([[0.0, limit - span], starts, ends - span, ends, starts - span])
        return np.unique(np.clip(found, 0.0, max(0.0, limit - span)))

    xs, ys = anchors(0, w, width), anchors(1, h, height)
    b = np.array([boxes[i] for i in present], dtype=np.float64)  # F x 4
    eps = 1e-6
    # per axis, per window start and face: face wholly inside / overlapping the window's span
    in_x = (xs[:, None] <= b[None, :, 0] + eps) & (b[None, :, 0] + b[None, :, 2] <= xs[:, None] + w + eps)
    in_y = (ys[:, None] <= b[None, :, 1] + eps) & (b[None, :, 1] + b[None, :, 3] <= ys[:, None] + h + eps)
    on_x = (xs[:, None] < b[None, :, 0] + b[None, :, 2] - eps) & (b[None, :, 0] < xs[:, None] + w - eps)
    on_y = (ys[:, None] < b[None, :, 1] + b[None, :, 3] - eps) & (b[None, :, 1] < ys[:, None] + h - eps)
    inside = in_x[:, None, :] & in_y[None, :, :]  # X x Y x F
    cut = on_x[:, None, :] & on_y[None, :, :] & ~inside
    area = (inside * (b[:, 2] * b[:, 3])[None, None, :]).sum(axis=2).ravel()
    count = inside.sum(axis=2).ravel()
    clean = ((count > 0) & ~cut.any(axis=2).ravel()).astype(np.int64)
    best = int(np.lexsort((-count, -area, -clean))[0])  # stable: ties go to the first window
    ix, iy = divmod(best, len(ys))
    kept = [present[int(f)] for f in np.flatnonzero(inside[ix, iy])]
    return (float(xs[ix]), float(ys[iy]), w, h), kept, bool(clean[best])


def _refine(window: Rect, kept: Sequence[Rect], others: Sequence[Rect], width: int, height: int) -> Rect:
    """Slide ``window`` toward the pleasing placement of the ``kept`` faces, as far as it can go
    without cutting any of the ``others`` or letting go of a kept one."""
    x0, y0, w, h = window
    if not kept:
        return window
    union = _union(kept)
    if union[2] > w or union[3] > h:
        return window
    ideal = _around(union, w, h, width, height)
    lo_x, hi_x = max(0.0, union[0] + union[2] - w), min(union[0], width - w)
    lo_y, hi_y = max(0.0, union[1] + union[3] - h), min(union[1], height - h)
    xs = {x0, ideal[0], lo_x, hi_x} | {o[0] + o[2] for o in others} | {o[0] - w for o in others}
    ys = {y0, ideal[1], lo_y, hi_y} | {o[1] + o[3] for o in others} | {o[1] - h for o in others}
    pool = [
        (x, y)
        for x in xs
        if lo_x - 1e-6 <= x <= hi_x + 1e-6
        for y in ys
        if lo_y - 1e-6 <= y <= hi_y + 1e-6
        if not any(_cuts((x, y, w, h), o) for o in others)
    ]
    if not pool:
        return window
    x, y = min(pool, key=lambda p: (p[0] - ideal[0]) ** 2 + (p[1] - ideal[1]) ** 2)
    return x, y, w, h


def _cuts(rect: Rect, box: Rect) -> bool:
    """Does the crop hold part of the box but not all of it?"""
    ix = min(rect[0] + rect[2], box[0] + box[2]) - max(rect[0], box[0])
    iy = min(rect[1] + rect[3], box[1] + box[3]) - max(rect[1], box[1])
    overlaps = ix > 1e-6 and iy > 1e-6
    return overlaps and not _contains(rect, box)
