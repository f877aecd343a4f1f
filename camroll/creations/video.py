"""Memory and birthday videos: photos in time order with slow pan and zoom, cards, cross-fades.

A slide may also be a clip of one of the moment's videos (:mod:`camroll.creations.clips`): its
frames play in the slide's place and its sound is mixed under the music.

The video is an H.264 MP4 that plays anywhere (yuv420p, High profile, ``moov`` atom first for
streaming, BT.709 colour tags), encoded in-process by libx264 through PyAV. Its timeline is a
title card, the photos, and a closing card; each piece cross-fades into the next, the first fades
in from black and the last out to black (:func:`timeline` gives the frames of each piece, which
the tests use to find the frames where a photo is fully shown).

Frames are streamed: a photo is decoded once, when its turn comes (the next one is decoded in a
background thread while the current one plays), at the size its closest window needs, turned
into Y, U and V planes once (BT.709, limited range), and each frame is an affine warp of those
planes straight into the encoder's picture (no per-frame RGB work, no colour conversion per
frame: half the bytes of an RGB warp). At most two photos are held at a time, whatever the
video's length. A cross-fade is one weighted sum of the two pictures.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
from PIL import Image

from camroll import thresholds
from camroll.creations.cards import Card, backdrop, draw_card
from camroll.creations.clips import Clip, ClipReader, clip_sound
from camroll.creations.filters import apply_filter
from camroll.creations.framing import saliency_centre
from camroll.creations.motion import Motion, plan_motion
from camroll.creations.records import CreationError
from camroll.creations.soundtrack import RATE, Soundtrack, Voice, check_music

Box = tuple[float, float, float, float]

_BT709 = np.array(
    [
        [0.18259, 0.61423, 0.06201, 16.0],
        [-0.10064, -0.33848, 0.43922, 128.0],
        [0.43922, -0.39894, -0.04027, 128.0],
    ],
    dtype=np.float32,
)
"""RGB (0-255) to limited-range Y, Cb, Cr with BT.709 weights: the matrix HD video is tagged with
and players assume for HD."""

_AVCOL_BT709 = 1
"""FFmpeg's enum value for BT.709 primaries, transfer and matrix alike; 1 is also 'MPEG' range."""


@dataclass
class Slide:
    """One photo of the video."""

    load: Callable[[int | None], Image.Image]
    """Decodes the photo, RGB and the right way up, its longest side at most the given size."""
    size: tuple[int, int]
    """Displayed (oriented) full size."""
    faces: list[Box] = field(default_factory=list)
    """Face boxes in displayed full-size pixels (empty without the faces capability)."""
    photo_id: int | None = None
    clip: Clip | None = None
    """A video of the moment: its own frames (and sound) play in this slide's place."""


@dataclass(frozen=True)
class Segment:
    kind: str
    """``title``, ``photo`` or ``closing``."""
    index: int
    """The photo's position among the slides (0 for cards)."""
    start: int
    """First frame."""
    end: int
    """One past the last frame."""


@dataclass
class Settings:
    size: tuple[int, int] = (1920, 1080)
    fps: int = 30
    preset: str = thresholds.VIDEO_PRESET
    crf: int = thresholds.VIDEO_CRF
    filter: str | None = None
    music: Path | None = None
    threads: int = 0
    """Encoder threads; 0: libx264 picks (1.5 per core), as the ffmpeg command line does."""


@dataclass
class Rendered:
    path: Path
    frames: int
    seconds: float
    faces_used: bool
    """Face boxes steered the motion of at least one photo."""
    problems: list[str] = field(default_factory=list)
    """Photos that could not be read while rendering (shown as a plain backdrop instead)."""


def parse_length(text: str) -> float:
    """Seconds from ``30s``, ``1m``, ``1m30s``, ``45`` or ``2.5s``; ValueError otherwise."""
    m = re.fullmatch(r"\s*(?:(\d+(?:\.\d+)?)\s*m)?\s*(?:(\d+(?:\.\d+)?)\s*s?)?\s*", text.lower())
    if not m or not (m[1] or m[2]):
        raise ValueError(f"cannot read {text!r} as a length: write 30s, 1m, 1m30s or 45")
    seconds = float(m[1] or 0) * 60 + float(m[2] or 0)
    if seconds <= 0:
        raise ValueError("the length must be more than 0 seconds")
    return seconds


def parse_size(text: str) -> tuple[int, int]:
    """``1920x1080`` (or ``1080p``, ``720p``) as (width, height); both even, at least 64 x 64."""
    t = text.strip().lower()
    if m := re.fullmatch(r"(\d+)p", t):
        h = int(m[1])
        return 2 * round(h * 16 / 9 / 2), h + h % 2
    m = re.fullmatch(r"(\d+)\s*x\s*(\d+)", t)
    if not m:
        raise ValueError(f"cannot read {text!r} as a size: write WIDTHxHEIGHT, e.g. 1920x1080, or 720p")
    w, h = int(m[1]), int(m[2])
    if w < 64 or h < 64 or w > 7680 or h > 4320:
        raise ValueError(f"a video must be between 64x64 and 7680x4320, not {w}x{h}")
    if w % 2 or h % 2:
        raise ValueError(f"both sides of a video must be even (H.264 4:2:0), not {w}x{h}")
    return w, h


def photos_that_fit(seconds: float) -> int:
    """How many photos a video of ``seconds`` shows (at ``VIDEO_SECONDS_PER_PHOTO`` each)."""
    cards = _card_seconds(seconds)
    return max(1, round((seconds - sum(cards)) / thresholds.VIDEO_SECONDS_PER_PHOTO))


def length_for(n_photos: int, seconds: float) -> float:
    """The asked length, shortened when there are so few photos that each would stay longer than
    ``VIDEO_MAX_SECONDS_PER_PHOTO``."""
    title, closing = _card_seconds(seconds)
    fade = thresholds.VIDEO_CROSSFADE_SECONDS
    longest = title + closing + n_photos * thresholds.VIDEO_MAX_SECONDS_PER_PHOTO - (n_photos + 1) * fade
    return min(seconds, longest)


def _card_seconds(seconds: float) -> tuple[float, float]:
    """Title and closing card lengths: the thresholds, or less in a very short video."""
    share = min(1.0, seconds * 0.2 / max(thresholds.VIDEO_TITLE_SECONDS, thresholds.VIDEO_CLOSING_SECONDS))
    return thresholds.VIDEO_TITLE_SECONDS * share, thresholds.VIDEO_CLOSING_SECONDS * share


def timeline(n_photos: int, seconds: float, fps: int) -> list[Segment]:
    """The pieces of the video, in frames: title card, each photo, closing card. Consecutive pieces
    overlap by a cross-fade; the last ends on the last frame. A photo is fully shown (not mixed
    with a neighbour) from ``start + fade`` to ``end - fade`` where fade = :func:`fade_frames`."""
    total = max(1, round(seconds * fps))
    fade = fade_frames(seconds, fps)
    title_s, closing_s = _card_seconds(seconds)
    title, closing = max(fade + 1, round(title_s * fps)), max(fade + 1, round(closing_s * fps))
    photo_frames = total - title - closing + (n_photos + 1) * fade
    if n_photos and photo_frames < n_photos * (2 * fade + 1):
        raise CreationError(f"{seconds:g} s is too short for {n_photos} photos: make it longer or choose fewer photos")
    out = [Segment("title", 0, 0, title)]
    start = title - fade
    for i in range(n_photos):
        length = photo_frames // n_photos + (1 if i < photo_frames % n_photos else 0)
        out.append(Segment("photo", i, start, start + length))
        start += length - fade
    out.append(Segment("closing", 0, start, start + closing))
    assert out[-1].end == total, (out[-1].end, total)
    return out


def fade_frames(seconds: float, fps: int) -> int:
    """Frames of each cross-fade (shorter in a very short video)."""
    return max(1, round(min(thresholds.VIDEO_CROSSFADE_SECONDS, seconds / 20) * fps))


@dataclass
class _Picture:
    """What one piece of the video draws from: a card's finished frame, or a photo's planes."""

    still: np.ndarray | None = None
    """A card: the I420 frame, shown as is."""
    planes: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    """A photo: Y, U, V planes at the decoded size (U, V at half size)."""
    factor: float = 1.0
    """Decoded pixels per full-size pixel."""
    motion: Motion | None = None
    backdrop: np.ndarray | None = None
    """The I420 frame under a photo shown whole."""
    clip: ClipReader | None = None
    """A clip: its frames, read as the video is made."""


def render_video(
    path: Path,
    slides: Sequence[Slide],
    opening: Card,
    closing: Card,
    seconds: float,
    settings: Settings | None = None,
    on_frame: Callable[[int, int], None] | None = None,
) -> Rendered:
    """Render the video to ``path`` (written under a temporary name, then renamed: a failed or
    interrupted render leaves nothing). ``on_frame(done, total)`` reports progress."""
    cfg = settings or Settings()
    w, h = cfg.size
    if w % 2 or h % 2:
        raise CreationError(f"both sides of a video must be even, not {w}x{h}")
    if cfg.music is not None:
        check_music(cfg.music)
    segments = timeline(len(slides), seconds, cfg.fps)
    total = segments[-1].end
    fade = fade_frames(seconds, cfg.fps)
    seconds_of = {s.index: (s.end - s.start) / cfg.fps for s in segments if s.kind == "photo"}
    result = Rendered(path, total, total / cfg.fps, faces_used=any(s.faces for s in slides))
    partial = path.with_name(f".{path.name}.part")
    container = av.open(str(partial), "w", format="mp4", container_options={"movflags": "+faststart"})
    try:
        stream = container.add_stream("libx264", rate=cfg.fps, options={"preset": cfg.preset, "crf": str(cfg.crf)})
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        codec = stream.codec_context
        codec.thread_count = cfg.threads
        codec.thread_type = "FRAME"  # like the ffmpeg command line: PyAV would pick slices, which cost more
        codec.color_range = codec.color_primaries = codec.color_trc = codec.colorspace = _AVCOL_BT709
        voices = _voices(slides, segments, cfg.fps)
        music = Soundtrack(container, cfg.music, total / cfg.fps, voices) if cfg.music is not None or voices else None
        buffers = [np.empty((h * 3 // 2, w), np.uint8) for _ in range(3)]
        black = np.empty_like(buffers[0])
        black[:h], black[h:] = 16, 128
        pictures: dict[int, Future[_Picture]] = {}

        def prepare(k: int) -> _Picture:
            seg = segments[k]
            if seg.kind == "title":
                return _card_picture(cfg.size, opening, slides[0] if slides else None)
            if seg.kind == "closing":
                return _card_picture(cfg.size, closing, slides[-1] if slides else None)
            try:
                clip = slides[seg.index].clip
                if clip is not None:
                    return _Picture(clip=ClipReader(clip, cfg.size, cfg.fps, _to_i420))
                return _photo_picture(slides[seg.index], cfg, seconds_of[seg.index], seg.index)
            except (CreationError, OSError, ValueError) as e:
                result.problems.append(f"photo {slides[seg.index].photo_id or seg.index + 1}: {e}")
                return _Picture(still=_to_i420(np.asarray(backdrop(cfg.size, None, 1.0))))

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="camroll-video") as pool:
            for f in range(total):
                active = [k for k, s in enumerate(segments) if s.start <= f < s.end]
                for k in [*active, active[-1] + 1]:  # the next piece decodes while this one plays
                    if k < len(segments) and k not in pictures:
                        pictures[k] = pool.submit(prepare, k)
                for k in [k for k in pictures if segments[k].end <= f]:
                    done = pictures.pop(k).result()
                    if done.clip is not None:
                        done.clip.close()
                out = _draw(pictures[active[0]].result(), segments[active[0]], f, buffers[0])
                if len(active) > 1:
                    nxt = _draw(pictures[active[1]].result(), segments[active[1]], f, buffers[1])
                    alpha = (f - segments[active[1]].start + 1) / (fade + 1)
                    out = cv2.addWeighted(out, 1.0 - alpha, nxt, alpha, 0.0, dst=buffers[2])
                out = _fade_black(out, f, total, cfg.fps, black, buffers[2])
                frame = av.VideoFrame.from_ndarray(out, format="yuv420p")
                frame.pts, frame.time_base = f, Fraction(1, cfg.fps)
                for packet in stream.encode(frame):
                    container.mux(packet)
                if music is not None:
                    music.write_until((f + 1) / cfg.fps)
                if on_frame is not None:
                    on_frame(f + 1, total)
        for packet in stream.encode(None):
            container.mux(packet)
        if music is not None:
            music.finish()
        container.close()
        os.replace(partial, path)
    except BaseException:
        container.close()
        partial.unlink(missing_ok=True)
        raise
    return result


def _fade_black(out: np.ndarray, f: int, total: int, fps: int, black: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    """The frame faded from black at the start and to black at the end."""
    fade_in = max(1, round(thresholds.VIDEO_FADE_IN_SECONDS * fps))
    fade_out = max(1, round(thresholds.VIDEO_FADE_OUT_SECONDS * fps))
    level = min(1.0, (f + 1) / (fade_in + 1), (total - f) / (fade_out + 1))
    if level >= 1.0:
        return out
    return cv2.addWeighted(out, level, black, 1.0 - level, 0.0, dst=scratch)


def _voices(slides: Sequence[Slide], segments: list[Segment], fps: int) -> list[Voice]:
    """The sound of each clip, placed where its slide plays."""
    voices = []
    for seg in segments:
        clip = slides[seg.index].clip if seg.kind == "photo" else None
        if clip is not None:
            sound = clip_sound(clip, (seg.end - seg.start) / fps, RATE)
            if sound is not None:
                voices.append(Voice(round(seg.start / fps * RATE), sound))
    return voices


def _draw(pic: _Picture, seg: Segment, f: int, buf: np.ndarray) -> np.ndarray:
    """The piece's picture at frame ``f``, in ``buf`` (or the card's own frame)."""
    if pic.still is not None:
        return pic.still
    if pic.clip is not None:
        return pic.clip.frame(f - seg.start)
    assert pic.planes is not None and pic.motion is not None
    h = buf.shape[0] * 2 // 3
    w = buf.shape[1]
    ys, us, vs = pic.planes
    y_out = buf[:h]
    u_out = buf[h : h + h // 4].reshape(h // 2, w // 2)
    v_out = buf[h + h // 4 :].reshape(h // 2, w // 2)
    if pic.backdrop is not None:
        np.copyto(buf, pic.backdrop)
        border = cv2.BORDER_TRANSPARENT
    else:
        border = cv2.BORDER_REPLICATE
    progress = (f - seg.start) / max(1, seg.end - seg.start - 1)
    x, y, ww, _wh = (v * pic.factor for v in pic.motion.window(progress))
    s = w / ww
    luma = np.array([[s, 0, s * (0.5 - x) - 0.5], [0, s, s * (0.5 - y) - 0.5]], np.float64)
    chroma = np.array([[s, 0, s * (0.5 - x / 2) - 0.5], [0, s, s * (0.5 - y / 2) - 0.5]], np.float64)
    cv2.warpAffine(ys, luma, (w, h), dst=y_out, flags=cv2.INTER_LINEAR, borderMode=border)
    cv2.warpAffine(us, chroma, (w // 2, h // 2), dst=u_out, flags=cv2.INTER_LINEAR, borderMode=border)
    cv2.warpAffine(vs, chroma, (w // 2, h // 2), dst=v_out, flags=cv2.INTER_LINEAR, borderMode=border)
    return buf


def _planes(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Y at full size and U, V at half size (2x2 averages: centre-sited chroma), BT.709 limited."""
    h, w = rgb.shape[:2]
    rgb = rgb[: h - h % 2, : w - w % 2]
    yuv = cv2.transform(np.ascontiguousarray(rgb), _BT709)
    half = (rgb.shape[1] // 2, rgb.shape[0] // 2)
    y = np.ascontiguousarray(yuv[:, :, 0])
    u = cv2.resize(yuv[:, :, 1], half, interpolation=cv2.INTER_AREA)
    v = cv2.resize(yuv[:, :, 2], half, interpolation=cv2.INTER_AREA)
    return y, u, v


def _to_i420(rgb: np.ndarray) -> np.ndarray:
    """An output-size RGB image as one I420 frame (Y rows, then U, then V)."""
    y, u, v = _planes(rgb)
    return np.concatenate([y.ravel(), u.ravel(), v.ravel()]).reshape(-1, y.shape[1])


def _card_picture(size: tuple[int, int], card: Card, slide: Slide | None) -> _Picture:
    photo = None
    if slide is not None:
        try:
            photo = slide.load(max(size) // 4)
        except (CreationError, OSError, ValueError):
            photo = None
    return _Picture(still=_to_i420(np.asarray(draw_card(size, card, photo))))


def _photo_picture(slide: Slide, cfg: Settings, seconds: float, index: int) -> _Picture:
    """Decode the photo once, at the size its closest window needs, and plan its motion."""
    w, h = cfg.size
    fw, fh = slide.size
    motion = plan_motion(fw, fh, w / h, slide.faces, seconds, index)
    factor = min(1.0, w / motion.tightest_width)
    img = slide.load(max(16, math.ceil(max(fw, fh) * factor)))
    factor = img.width / fw
    faces = [(x * factor, y * factor, bw * factor, bh * factor) for x, y, bw, bh in slide.faces]
    if not slide.faces:
        cx, cy = saliency_centre(img)
        motion = plan_motion(fw, fh, w / h, [], seconds, index, focus=(cx / factor, cy / factor))
    if cfg.filter:
        img = apply_filter(img, cfg.filter, faces=faces, seed=index)
    rgb = np.asarray(img.convert("RGB"))
    under = None
    if motion.fit:
        under = _to_i420(np.asarray(backdrop(cfg.size, img, thresholds.VIDEO_BACKDROP_DIM)))
    return _Picture(planes=_planes(rgb), factor=factor, motion=motion, backdrop=under)
