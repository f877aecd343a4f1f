"""Which frames of a video are analysed: a few spread over its length, and the first frame of each
new scene (issue 13).

One frame (the old way) misses whoever walks in later, the dog in the second shot, the sign at
the end. Decoding every frame costs as much as hundreds of photos. A video's keyframes are the
frames its encoder stored whole (a phone writes one every second or so); decoding only those is
cheap, and an encoder also puts one at most cuts. So:

- the keyframes are decoded in order (``skip_frame = NONKEY``: the frames between them are not
  decoded at all), each reduced to a 64-bin colour histogram of a 32 x 32 copy;
- a keyframe is kept when it is the first at or after one of ``VIDEO_SPREAD_FRAMES`` evenly
  spread times, or when its histogram is ``VIDEO_SCENE_CHANGE`` or more away from the last kept
  one (a new scene);
- at most ``VIDEO_MAX_FRAMES`` are kept, at analysis size, so memory is bounded whatever the
  video's length; a video with more than ``VIDEO_MAX_KEYFRAMES_READ`` keyframes (a long film) is
  read by seeking to the spread times only.

Each kept frame carries its time code (seconds from the start), which the analyses store with what
they find there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image

from camroll import thresholds


class NoFrames(Exception):
    """The video has no frame that can be decoded (the caller says why in its own words)."""


@dataclass
class Keyframe:
    at_s: float
    image: Image.Image
    """As stored in the file (not yet turned by the track's rotation), at most analysis size."""
    why: str
    """``spread`` or ``scene``: why it was kept."""


def histogram(image: Image.Image) -> np.ndarray:
    """A 64-bin colour histogram (4 levels of red, green and blue) of a 32 x 32 copy, summing to
    1: what a cut changes, and what a moving camera or a person walking by changes little."""
    levels = np.asarray(image.convert("RGB").resize((32, 32), Image.Resampling.BILINEAR)) >> 6
    bins = (levels[..., 0].astype(np.int64) * 16 + levels[..., 1] * 4 + levels[..., 2]).ravel()
    counts = np.bincount(bins, minlength=64).astype(np.float64)
    out: np.ndarray = counts / counts.sum()
    return out


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """Half the L1 distance of two histograms: 0 the same, 1 nothing in common."""
    return float(np.abs(a - b).sum() / 2)


def choose(frames: Iterator[tuple[float, Image.Image]], duration: float, side: int) -> list[Keyframe]:
    """Keep the spread and scene-change frames of ``frames`` (time, image) in time order."""
    spread = thresholds.VIDEO_SPREAD_FRAMES
    targets = [duration * (k + 0.5) / spread for k in range(spread)] if duration > 0 else [0.0]
    kept: list[Keyframe] = []
    previous: np.ndarray | None = None  # the keyframe before this one: a cut is a jump from it
    for at_s, image in frames:
        hist = histogram(image)
        why = None
        if targets and at_s >= targets[0] - 1e-6:
            while targets and at_s >= targets[0] - 1e-6:
                targets.pop(0)
            why = "spread"
        elif previous is not None and distance(hist, previous) >= thresholds.VIDEO_SCENE_CHANGE:
            why = "scene"
        previous = hist
        if why is None:
            continue
        small = image.copy()
        small.thumbnail((side, side), Image.Resampling.BILINEAR)
        kept.append(Keyframe(round(at_s, 3), small, why))
        if len(kept) >= thresholds.VIDEO_MAX_FRAMES:
            break
    return kept


def keyframes(path: str, side: int) -> list[Keyframe]:
    """The frames of the video at ``path`` to analyse (see the module). Raises :class:`NoFrames`;
    PyAV's own errors propagate (the caller turns them into words)."""
    import av  # imported here: only workers that meet a video pay for it

    name = os.fsencode(path).decode("utf-8", "surrogateescape")
    with av.open(name, "r") as container:
        if not container.streams.video:
            raise NoFrames("the file holds no video track")
        stream = container.streams.video[0]
        duration = float(container.duration) / av.time_base if container.duration else 0.0
        stream.codec_context.skip_frame = "NONKEY"
        base = float(stream.time_base) if stream.time_base else 0.0

        def decoded() -> Iterator[tuple[float, Image.Image]]:
            for n, frame in enumerate(container.decode(stream)):
                if n >= thresholds.VIDEO_MAX_KEYFRAMES_READ:
                    raise _TooMany
                at = float(frame.pts) * base if frame.pts is not None and base else 0.0
                yield at, frame.to_image()  # type: ignore[no-untyped-call]

        try:
            kept = choose(decoded(), duration, side)
        except _TooMany:
            kept = []
    if not kept:  # a long film (or keyframes without times): seek to the spread times instead
        kept = _seeking(name, duration, side)
    if not kept:
        raise NoFrames("the video has no frame that can be decoded")
    return kept


class _TooMany(Exception):
    pass


def _seeking(name: str, duration: float, side: int) -> list[Keyframe]:
    import av

    kept: list[Keyframe] = []
    spread = thresholds.VIDEO_SPREAD_FRAMES
    with av.open(name, "r") as container:
        stream = container.streams.video[0]
        base = float(stream.time_base) if stream.time_base else 0.0
        for k in range(spread):
            at = duration * (k + 0.5) / spread
            if base:
                container.seek(int(at / base), stream=stream, backward=True)
            for frame in container.decode(stream):
                image: Image.Image = frame.to_image()  # type: ignore[no-untyped-call]
                image.thumbnail((side, side), Image.Resampling.BILINEAR)
                when = float(frame.pts) * base if frame.pts is not None and base else at
                if not kept or when > kept[-1].at_s:
                    kept.append(Keyframe(round(when, 3), image, "spread"))
                break
            if not base:
                break
    return kept
