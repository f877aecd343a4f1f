"""Title and closing cards of a video: a few words over a softened cover photo.

A card is drawn once, as a still image the size of the video; the video module fades it in from
black or out to black. The backdrop is the cover photo, blurred until only its colours remain and
darkened (``VIDEO_CARD_DIM``), so white type reads on any photo and the card already belongs to
the photos that follow. Without a photo it is a deep two-colour gradient.

Type is DejaVu (Debian's fonts-dejavu, always present with camroll's packages), shrunk to fit and
wrapped to at most two lines, with a soft shadow for edges the blur left bright.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

from camroll import thresholds

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
"""Where Debian's fonts-dejavu-core puts its fonts."""

_TITLE_SHARE = 0.095
"""Title type size as a share of the card's height, before shrinking to fit."""

_SUBTITLE_SHARE = 0.042
_MAX_TEXT_WIDTH = 0.84
"""Text never spans more than this share of the card's width."""


@dataclass(frozen=True)
class Card:
    title: str
    subtitle: str = ""


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans (bold for titles); Pillow's built-in font if DejaVu is missing."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        return ImageFont.truetype(str(FONT_DIR / name), size)
    except OSError:
        return ImageFont.load_default(size)


def backdrop(size: tuple[int, int], photo: Image.Image | None, dim: float) -> Image.Image:
    """The photo scaled to cover ``size``, blurred to its colours and darkened to ``dim`` of its
    brightness; a dark gradient when there is no photo. Blurred at an eighth of the size (the blur
    hides the difference) so a 1080p backdrop costs milliseconds."""
    w, h = size
    small_size = (max(8, w // 8), max(8, h // 8))
    if photo is None:
        top, bottom = Image.new("RGB", small_size, (38, 44, 74)), Image.new("RGB", small_size, (92, 40, 70))
        mask = Image.linear_gradient("L").resize(small_size)
        small = Image.composite(bottom, top, mask)
    else:
        small = ImageOps.fit(photo.convert("RGB"), small_size, Image.Resampling.BILINEAR)
        small = small.filter(ImageFilter.GaussianBlur(radius=max(small_size) / 24))
        small = small.point(lambda v: round(v * dim))
    return small.resize(size, Image.Resampling.BICUBIC)


def draw_card(size: tuple[int, int], card: Card, photo: Image.Image | None) -> Image.Image:
    """The card as an RGB image of ``size``: title centred a little above the middle, subtitle
    below it, over :func:`backdrop`."""
    w, h = size
    image = backdrop(size, photo, thresholds.VIDEO_CARD_DIM)
    title_font, title_lines = _fit(card.title, w, max(10, round(h * _TITLE_SHARE)), bold=True)
    sub_font, sub_lines = _fit(card.subtitle, w, max(8, round(h * _SUBTITLE_SHARE)), bold=False)
    title_h = _line_height(title_font)
    sub_h = _line_height(sub_font)
    gap = round(h * 0.035) if sub_lines else 0
    block = title_h * len(title_lines) + gap + sub_h * len(sub_lines)
    top = round(h * 0.47 - block / 2)
    text = Image.new("L", size, 0)
    pen = ImageDraw.Draw(text)
    y = top
    for line in title_lines:
        pen.text((w / 2, y), line, font=title_font, fill=255, anchor="ma")
        y += title_h
    y += gap
    for line in sub_lines:
        pen.text((w / 2, y), line, font=sub_font, fill=225, anchor="ma")
        y += sub_h
    shadow = text.filter(ImageFilter.GaussianBlur(radius=max(2, h // 180)))
    image.paste((0, 0, 0), (0, 0), shadow.point(lambda v: v * 0.55))
    image.paste((255, 255, 255), (0, 0), text)
    return image


def _line_height(f: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> int:
    box = f.getbbox("Hgjy")
    return round((box[3] - box[1]) * 1.3)


def _fit(
    text: str, width: int, size: int, bold: bool
) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, list[str]]:
    """The largest font (from ``size`` down) at which ``text`` fits the card's text width on one
    line, or on two lines split at the most even word break; never below 55 % of ``size``."""
    text = " ".join(text.split())
    if not text:
        return font(size, bold), []
    limit = width * _MAX_TEXT_WIDTH
    words = text.split(" ")
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    s = size
    while True:
        f = font(s, bold)
        if f.getlength(text) <= limit:
            return f, [text]
        if splits:
            best = min(splits, key=lambda ab: max(f.getlength(ab[0]), f.getlength(ab[1])))
            if max(f.getlength(best[0]), f.getlength(best[1])) <= limit:
                return f, list(best)
        if s <= size * 0.55:
            return f, list(best) if splits else [text]
        s = max(1, round(s * 0.92))
