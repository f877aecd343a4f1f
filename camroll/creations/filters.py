"""Filters: named looks applied to copies of photos (never to the originals).

Each look is a written-down recipe, not a black box, built from four plain operations:

* a **colour function** on (R, G, B) in 0..1: channel gains (white balance), a saturation change
  around Rec. 709 luma, split toning (a tint added to shadows and another to highlights), and a
  **tone curve** through a few control points (monotone cubic, so it never inverts tones). The
  function is baked into a 33 x 33 x 33 **colour lookup table** that Pillow applies with
  trilinear interpolation (the way film emulation LUTs work: fast, and exact for grey in/grey out);
* **grain**: Gaussian noise on luminance, drawn at a size relative to the photo (so grain looks
  alike on a thumbnail and a print), strongest in the mid-tones as on film, from a seeded
  generator (the same photo and seed give the same pixels);
* a **vignette**: a smooth darkening toward the corners;
* for the portrait look, **background softening**: a blurred copy shown everywhere except a
  feathered mask around each face and the body below it.

``FILTERS`` names each look with the sentence the ``make filtered`` help prints; the recipes are
in :mod:`camroll.creations.looks` (plain data, so help texts list them without loading numpy). Filters are also used by collages (``--filter``) and videos (per frame, with the
frame number as seed so grain moves like film).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from camroll.creations.looks import FILTERS as FILTERS  # re-exported: the names and sentences go with the filters
from camroll.creations.looks import LOOKS, Look
from camroll.errors import RequestError

Box = tuple[float, float, float, float]
ColourFn = Callable[[np.ndarray], np.ndarray]

_LUT_SIZE = 33
"""Lookup table points per channel: 33 is the size film-emulation LUTs ship at; at 17 steep
curves show faint banding in skies."""
_LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)
"""Rec. 709 luma weights: brightness as the eye sees it (green counts most, blue least)."""


class UnknownFilter(RequestError, ValueError):
    """A filter name that is not in :data:`FILTERS`."""


def apply_filter(img: Image.Image, name: str, faces: Sequence[Box] = (), seed: int = 0) -> Image.Image:
    """A new RGB image: ``img`` with the look ``name``. ``faces`` (x, y, w, h in ``img`` pixels)
    steer the portrait look's sharp region; ``seed`` fixes the grain. ``img`` is not changed."""
    look = LOOKS.get(name)
    if look is None:
        raise UnknownFilter(f"no filter named {name!r}; choose one of: {', '.join(FILTERS)}")
    out = img.convert("RGB")
    if look.soften_background > 0:
        out = _soften_background(out, faces, look.soften_background)
    out = out.filter(_lut(look))
    if look.grain > 0 or look.vignette > 0:
        out = _grain_and_vignette(out, look, seed)
    return out


@functools.lru_cache(maxsize=len(LOOKS))
def _lut(look: Look) -> ImageFilter.Color3DLUT:
    """The look's colour function baked into a table (about 35 ms; kept, since a video applies the
    same look to every frame). A pure function of the frozen recipe, so caching it shares nothing."""
    axis = np.linspace(0.0, 1.0, _LUT_SIZE, dtype=np.float32)
    b, g, r = np.meshgrid(axis, axis, axis, indexing="ij")  # Pillow's order: red changes fastest
    rgb = np.stack([r, g, b], axis=-1).reshape(-1, 3)
    table = _colour(look, rgb).reshape(_LUT_SIZE, _LUT_SIZE, _LUT_SIZE, 3)
    return ImageFilter.Color3DLUT(_LUT_SIZE, table)


def _colour(look: Look, rgb: np.ndarray) -> np.ndarray:
    """The look's colour function on an N x 3 array of RGB values in 0..1."""
    from scipy.interpolate import PchipInterpolator  # here, not at the top: scipy costs ~1 s at every `camroll` start

    c = np.clip(rgb * np.asarray(look.gains, np.float32), 0.0, 1.0)
    if look.mono_mix is not None:
        grey = c @ np.asarray(look.mono_mix, np.float32)
        c = np.repeat(grey[:, None], 3, axis=1)
    else:
        luma = (c @ _LUMA)[:, None]
        chroma = c.max(axis=1, keepdims=True) - c.min(axis=1, keepdims=True)
        factor = look.saturation + look.vibrance * (1.0 - chroma) ** 2
        c = luma + (c - luma) * factor
        if any(look.shadows_tint) or any(look.highlights_tint):
            c = c + (1.0 - luma) ** 2 * np.asarray(look.shadows_tint, np.float32)
            c = c + luma**2 * np.asarray(look.highlights_tint, np.float32)
    c = np.clip(c, 0.0, 1.0)
    xs, ys = zip(*look.curve, strict=True)
    curve = PchipInterpolator(np.asarray(xs), np.asarray(ys))
    toned: np.ndarray = np.clip(curve(c), 0.0, 1.0).astype(np.float32)
    return toned


def _grain_and_vignette(img: Image.Image, look: Look, seed: int) -> Image.Image:
    arr = np.asarray(img, dtype=np.float32) / 255.0
    h, w = arr.shape[:2]
    gain = np.ones((h, w), np.float32)
    if look.vignette > 0:
        yy = (np.arange(h, dtype=np.float32) - (h - 1) / 2) / (h / 2)
        xx = (np.arange(w, dtype=np.float32) - (w - 1) / 2) / (w / 2)
        r2 = (yy[:, None] ** 2 + xx[None, :] ** 2) / 2.0  # 0 in the middle, 1 in the corners
        gain *= 1.0 - look.vignette * np.clip(r2, 0.0, 1.0) ** 1.5
    arr *= gain[:, :, None]
    if look.grain > 0:
        arr += _grain(h, w, look, seed)[:, :, None] * _midtones(arr)
    return Image.fromarray(np.clip(arr * 255.0 + 0.5, 0, 255).astype(np.uint8))


def _grain(h: int, w: int, look: Look, seed: int) -> np.ndarray:
    """Luminance grain: unit-variance noise drawn on a grid of particles ``grain_size`` of the long
    side, enlarged smoothly to the photo, then scaled to ``look.grain``."""
    cell = max(1.0, max(h, w) * look.grain_size)
    gh, gw = max(1, round(h / cell)), max(1, round(w / cell))
    noise = np.random.default_rng(seed).standard_normal((gh, gw)).astype(np.float32)
    if (gh, gw) != (h, w):
        noise_img = Image.fromarray(noise).resize((w, h), Image.Resampling.BICUBIC)
        noise = np.array(noise_img, dtype=np.float32)
        noise /= max(float(noise.std()), 1e-6)
    return noise * look.grain


def _midtones(arr: np.ndarray) -> np.ndarray:
    """How much grain shows at each pixel: full in mid-tones, a third in deep shadow and highlight."""
    luma = arr @ _LUMA
    return (0.33 + 0.67 * (1.0 - (2.0 * luma - 1.0) ** 2))[:, :, None]


def _soften_background(img: Image.Image, faces: Sequence[Box], radius_share: float) -> Image.Image:
    """Blur everything but the people. The sharp region is an ellipse around each head (the face
    box widened for hair and ears) and a wider one for the shoulders, feathered as widely as the
    blur so no edge shows in the background; each face box itself stays fully sharp whatever the
    feathering (a second, tightly feathered mask). Without faces, an ellipse in the middle stays sharp."""
    w, h = img.size
    long_side = max(w, h)
    radius = max(1.0, long_side * radius_share)
    people = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(people)
    core = Image.new("L", (w, h), 0)
    core_draw = ImageDraw.Draw(core)
    if faces:
        for x, y, fw, fh in faces:
            cx = x + fw / 2
            draw.ellipse((cx - fw * 0.85, y - fh * 0.6, cx + fw * 0.85, y + fh * 1.3), fill=255)
            draw.ellipse((cx - fw * 1.8, y + fh * 0.9, cx + fw * 1.8, y + fh * 4.5), fill=255)  # shoulders
            core_draw.rectangle((x - fw * 0.05, y - fh * 0.1, x + fw * 1.05, y + fh * 1.05), fill=255)
    else:
        draw.ellipse((w * 0.22, h * 0.12, w * 0.78, h * 0.92), fill=255)
    smallest = min((min(fw, fh) for _x, _y, fw, fh in faces), default=long_side / 3)
    mask = ImageChops.lighter(
        people.filter(ImageFilter.GaussianBlur(radius * 1.5)),
        core.filter(ImageFilter.GaussianBlur(max(1.0, smallest * 0.04))),
    )
    blurred = img.filter(ImageFilter.GaussianBlur(radius))
    return Image.composite(img, blurred, mask)
