"""Collages: several photos on one print, each cropped without cutting a face.

The photos are laid out by :mod:`camroll.creations.layouts` (``grid``, ``mosaic``, ``hero``), with
the same gutter between photos and around the edge and an optional title band at the top.

Each photo is cropped to its cell by :mod:`camroll.creations.framing` from its face boxes (never
cutting one), else a saliency guess. :class:`Placement` records, per photo, the crop in the
photo's displayed full-size pixels and the cell on the canvas, so the face guarantee can be
checked on the output itself; the placements are stored in the creation record's params.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from camroll import thresholds
from camroll.config import AppContext
from camroll.creations import records
from camroll.creations.filters import apply_filter
from camroll.creations.framing import Rect, frame, saliency_centre
from camroll.creations.layouts import LAYOUTS, Shape, plan
from camroll.creations.looks import FILTERS
from camroll.creations.records import CreationError
from camroll.creations.source import displayed_size, face_boxes, open_photo

_BACKGROUND = (250, 248, 244)
"""Warm paper white: pure white looks cold on a screen and clinical in print."""
_TITLE_INK = (40, 38, 36)
_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"


@dataclass
class Placement:
    photo_id: int
    crop: Rect
    """The part of the photo shown: x, y, w, h in its displayed full-size pixels."""
    cell: Rect
    """Where it is drawn: x, y, w, h in canvas pixels."""
    faces: list[Rect] = field(default_factory=list)
    """The photo's face boxes (displayed full-size pixels) that framed the crop."""
    faces_left_out: int = 0
    """Faces that could not fit the cell's shape (wholly outside the crop unless counted in ``faces_cut``)."""
    faces_cut: int = 0
    """Faces shown only in part: zero unless no crop of the cell's shape can show one whole."""


@dataclass
class Collage:
    path: Path
    creation_id: int
    size: tuple[int, int]
    layout: str
    placements: list[Placement]
    skipped: list[tuple[int, str]] = field(default_factory=list)
    """Photos that could not be used, with why."""


def make_collage(
    ctx: AppContext,
    photo_ids: Sequence[int],
    *,
    layout: str = "mosaic",
    size: tuple[int, int] = (2048, 2048),
    title: str | None = None,
    filter_name: str | None = None,
    out: Path | None = None,
    fmt: str = "jpeg",
    hero_id: int | None = None,
    source: str | None = None,
    capabilities: Sequence[str] = (),
    on_photo: Callable[[], None] | None = None,
) -> Collage:
    """Lay out ``photo_ids`` (in the order given) on a ``size`` canvas, write it as JPEG or PNG to
    the output folder and record it. Unreadable photos are skipped with a reason; with none left,
    :class:`CreationError`. ``capabilities`` are recorded besides ``faces`` (which is recorded when
    face boxes framed a crop), e.g. ``people`` when a moment's people steered the choice of photos.
    ``on_photo`` is called after each photo is drawn (a progress bar)."""
    if layout not in LAYOUTS:
        raise CreationError(f"no layout named {layout!r}; choose one of: {', '.join(LAYOUTS)}")
    if filter_name is not None and filter_name not in FILTERS:
        raise CreationError(f"no filter named {filter_name!r}; choose one of: {', '.join(FILTERS)}")
    if fmt not in ("jpeg", "png"):
        raise CreationError(f"collages are written as jpeg or png, not {fmt!r}")
    width, height = size
    if min(width, height) < 64 or max(width, height) > thresholds.COLLAGE_MAX_SIDE:
        raise CreationError(f"a collage is 64 to {thresholds.COLLAGE_MAX_SIDE} pixels a side, not {width}x{height}")
    folder = records.output_dir(ctx, out)
    ids = list(dict.fromkeys(photo_ids))
    skipped: list[tuple[int, str]] = []
    shapes: dict[int, Shape] = {}
    for pid in ids:
        size_of = displayed_size(ctx, pid)
        if size_of is None:
            skipped.append((pid, "not a photo in the library (or its size is unknown)"))
            continue
        shapes[pid] = Shape(size_of[0], size_of[1], tuple(face_boxes(ctx, pid)))
    canvas = Image.new("RGB", (width, height), _BACKGROUND)
    gutter = max(2.0, round(min(width, height) * thresholds.COLLAGE_GUTTER))
    area = _draw_title(canvas, title, gutter) if title else (0.0, 0.0, float(width), float(height))
    area = (area[0] + gutter, area[1] + gutter, area[2] - 2 * gutter, area[3] - 2 * gutter)
    placements: list[Placement] = []
    used = [pid for pid in ids if pid in shapes]
    while used:
        hero = used.index(hero_id) if hero_id in used else None
        cells = plan([shapes[p] for p in used], area, layout, gutter, hero)
        failed = _fill(ctx, canvas, [shapes[p] for p in used], used, cells, filter_name, placements, skipped, on_photo)
        if not failed:
            break
        # a photo failed to decode: lay out again without it, so no hole is left
        canvas.paste(_BACKGROUND, (round(area[0]), round(area[1]), round(area[0] + area[2]), round(area[1] + area[3])))
        placements.clear()
        used = [p for p in used if p not in failed]
    if not placements:
        reasons = "; ".join(f"{pid}: {why}" for pid, why in skipped) or "no photos given"
        raise CreationError(f"no photo could be used for the collage ({reasons})")
    stem = f"collage-{layout}-" + (title or "-".join(str(p.photo_id) for p in placements[:4]))
    path = records.unique_path(folder, stem, ".jpg" if fmt == "jpeg" else ".png")
    if fmt == "jpeg":
        canvas.save(path, "JPEG", quality=thresholds.COLLAGE_JPEG_QUALITY, dpi=(300, 300), optimize=True)
    else:
        canvas.save(path, "PNG", dpi=(300, 300), optimize=True)
    caps = [*capabilities, "faces"] if any(p.faces for p in placements) else list(capabilities)
    params = {
        "layout": layout,
        "size": [width, height],
        "filter": filter_name,
        "format": fmt,
        "placements": [asdict(p) for p in placements],
    }
    cid = records.record(
        ctx,
        "collage",
        path,
        [p.photo_id for p in placements],
        capabilities=caps,
        title=title,
        source=source,
        params=params,
    )
    return Collage(path, cid, (width, height), layout, placements, skipped)


def _fill(
    ctx: AppContext,
    canvas: Image.Image,
    shapes: list[Shape],
    ids: list[int],
    cells: list[Rect],
    filter_name: str | None,
    placements: list[Placement],
    skipped: list[tuple[int, str]],
    on_photo: Callable[[], None] | None,
) -> set[int]:
    """Draw each photo into its cell; return the ids that could not be decoded."""
    failed: set[int] = set()
    for index, (shape, pid, cell) in enumerate(zip(shapes, ids, cells, strict=True)):
        full_w, full_h = shape.width, shape.height
        cx, cy, cw, ch = _snap(cell)
        if cw < 1 or ch < 1:
            failed.add(pid)
            skipped.append((pid, "no room left on the canvas"))
            continue
        aspect = cw / ch
        crop_w = min(full_w, full_h * aspect)
        need = max(cw / crop_w, ch / (crop_w / aspect))  # pixels of the cell per full-size pixel
        max_side = min(max(full_w, full_h), math.ceil(max(full_w, full_h) * need * 1.05) + 2)
        try:
            img = open_photo(ctx, pid, max_side=max_side)
        except CreationError as e:
            failed.add(pid)
            skipped.append((pid, str(e)))
            continue
        k = img.width / full_w  # decoded pixels per full-size pixel
        boxes = list(shape.faces)
        focus = None
        if not boxes:
            sx, sy = saliency_centre(img)
            focus = (sx / k, sy / k)
        framing = frame(full_w, full_h, aspect, boxes, focus=focus)
        x, y, w, h = framing.rect
        box = (
            max(0.0, x * k),
            max(0.0, y * k),
            min(float(img.width), (x + w) * k),
            min(float(img.height), (y + h) * k),
        )
        piece = img.resize((cw, ch), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
        if filter_name:
            s = cw / w
            shown = [b for i, b in enumerate(boxes) if i in framing.kept]
            cell_faces = [((bx - x) * s, (by - y) * s, bw * s, bh * s) for bx, by, bw, bh in shown]
            piece = apply_filter(piece, filter_name, faces=cell_faces, seed=index)
        canvas.paste(piece, (cx, cy))
        placements.append(
            Placement(pid, framing.rect, (cx, cy, cw, ch), boxes, len(framing.left_out), len(framing.cut))
        )
        if on_photo is not None:
            on_photo()
    return failed


def _snap(cell: Rect) -> tuple[int, int, int, int]:
    """Whole pixels, edges rounded (not sizes), so neighbouring gutters stay equal."""
    x1, y1 = round(cell[0]), round(cell[1])
    return x1, y1, round(cell[0] + cell[2]) - x1, round(cell[1] + cell[3]) - y1


def _draw_title(canvas: Image.Image, title: str, gutter: float) -> Rect:
    """Write the title in a band at the top; return the area left for photos."""
    width, height = canvas.size
    band = round(height * thresholds.COLLAGE_TITLE_BAND)
    draw = ImageDraw.Draw(canvas)
    font_size = round(band * 0.5)
    font = ImageFont.truetype(_FONT, font_size)
    while font_size > 8 and draw.textlength(title, font=font) > width - 4 * gutter:
        font_size = round(font_size * 0.9)
        font = ImageFont.truetype(_FONT, font_size)
    draw.text((width / 2, gutter + (band - gutter) / 2), title, font=font, fill=_TITLE_INK, anchor="mm")
    return 0.0, float(band), float(width), float(height - band)
