"""The looks a filter gives: each a written-down recipe, with the sentence help texts show.

The recipes are plain data, kept apart from the pixel work that applies them
(:mod:`camroll.creations.filters`, which needs numpy, Pillow and scipy), so that help texts and
option checks can list the looks without loading any of those at every ``camroll`` start.
"""

from __future__ import annotations

from dataclasses import dataclass

Curve = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Look:
    description: str
    gains: tuple[float, float, float] = (1.0, 1.0, 1.0)
    """Multipliers on R, G, B: white balance (warm raises red and lowers blue)."""
    saturation: float = 1.0
    """1 keeps colour, 0 is grey, above 1 is more colourful."""
    vibrance: float = 0.0
    """Extra saturation given mostly to dull colours (already vivid ones and skin keep theirs)."""
    mono_mix: tuple[float, float, float] | None = None
    """Black and white: grey = this mix of R, G, B (a red-leaning mix flatters skin, as a red
    filter does on black and white film)."""
    shadows_tint: tuple[float, float, float] = (0.0, 0.0, 0.0)
    """Added to R, G, B in the shadows, fading out toward the highlights."""
    highlights_tint: tuple[float, float, float] = (0.0, 0.0, 0.0)
    curve: Curve = ((0.0, 0.0), (1.0, 1.0))
    """Tone curve control points (input, output), applied to each channel last."""
    grain: float = 0.0
    """Standard deviation of the grain in mid-tones, as a share of full scale."""
    grain_size: float = 1 / 1800
    """Grain particle size as a share of the photo's longest side (about 1.1 px at 2048 px)."""
    vignette: float = 0.0
    """How much the far corners darken (0.3 = to 70 %)."""
    soften_background: float = 0.0
    """Blur radius of the background, as a share of the longest side (portrait look)."""


_S_CURVE: Curve = ((0.0, 0.0), (0.25, 0.21), (0.5, 0.5), (0.75, 0.80), (1.0, 1.0))
LOOKS: dict[str, Look] = {
    "warm": Look(
        "Golden-hour warmth: red up 7 %, blue down 12 %, mid-tones lifted a touch.",
        gains=(1.07, 1.0, 0.88),
        curve=((0.0, 0.0), (0.25, 0.265), (0.5, 0.53), (0.75, 0.78), (1.0, 1.0)),
    ),
    "cool": Look(
        "Crisp and cool: red down 8 %, blue up 8 %, a gentle contrast curve.",
        gains=(0.92, 1.0, 1.08),
        curve=((0.0, 0.0), (0.25, 0.23), (0.5, 0.5), (0.75, 0.78), (1.0, 1.0)),
    ),
    "mono": Look(
        "Black and white: a red-leaning grey mix (kind to skin), with an S-curve for punch.",
        mono_mix=(0.35, 0.55, 0.10),
        curve=_S_CURVE,
    ),
    "vintage": Look(
        "Faded print: muted colour (70 %), lifted blacks and dimmed whites, yellow-green shadows and "
        "warm highlights, a soft vignette and a little grain.",
        saturation=0.7,
        shadows_tint=(0.02, 0.03, -0.02),
        highlights_tint=(0.04, 0.01, -0.05),
        curve=((0.0, 0.09), (0.25, 0.30), (0.5, 0.52), (0.75, 0.74), (1.0, 0.92)),
        grain=0.02,
        vignette=0.35,
    ),
    "vivid": Look(
        "Vivid: dull colours saturated up to 45 % more (vivid ones and skin less), with an S-curve.",
        vibrance=0.45,
        saturation=1.1,
        curve=_S_CURVE,
    ),
    "film": Look(
        "Colour negative film: soft blacks, gentle highlight roll-off, teal shadows and warm "
        "highlights, slightly muted colour, visible grain and a light vignette.",
        saturation=0.9,
        shadows_tint=(-0.02, 0.01, 0.03),
        highlights_tint=(0.03, 0.01, -0.03),
        curve=((0.0, 0.04), (0.25, 0.24), (0.5, 0.51), (0.75, 0.77), (1.0, 0.96)),
        grain=0.045,
        vignette=0.2,
    ),
    "portrait": Look(
        "Portrait: the background around the faces softly blurred (as a wide-open lens does), skin "
        "warmed a touch and a light vignette; without known faces, the middle stays sharp.",
        gains=(1.03, 1.0, 0.97),
        curve=((0.0, 0.0), (0.5, 0.52), (1.0, 1.0)),
        vignette=0.15,
        soften_background=0.018,
    ),
}

FILTERS: dict[str, str] = {name: look.description for name, look in LOOKS.items()}
"""Every filter's name and what it does, for help texts and the web app."""
