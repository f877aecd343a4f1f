"""Short clips of a moment's videos inside its memory video, their sound under the music (issue 13).

A clip takes a photo's place in the video's timeline: for as long as a photo would stay, the
video's own frames play from a chosen time (where its best face was seen, else a third of the way
in), fitted into the frame over a blurred, dimmed copy of its first frame (computed once), the
right way up. Frames are decoded as the video is made, one at a time, so a clip holds one frame
in memory; a clip that ends early holds its last frame.

Its sound is decoded for just that span, resampled to the soundtrack's rate, faded in and out, and
mixed into the soundtrack, where the music is ducked to ``VIDEO_MUSIC_DUCK`` while it plays
(:class:`camroll.creations.soundtrack.Soundtrack`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np
from PIL import Image

from camroll import thresholds
from camroll.creations.cards import backdrop
from camroll.creations.records import CreationError

_TURN = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_270, 8: Image.Transpose.ROTATE_90}
"""EXIF-style display orientation of a video track -> the turn that shows it upright."""


@dataclass(frozen=True)
class Clip:
    """Where a slide's clip comes from."""

    path: str
    start_s: float
    orientation: int = 1

    def poster(self, max_side: int | None = None) -> Image.Image:
        """The clip's first frame, upright, its longest side at most ``max_side`` (a card's
        background, when the clip opens or closes the video)."""
        try:
            with av.open(self.path, "r") as container:
                stream = container.streams.video[0]
                if self.start_s > 0 and stream.time_base:
                    container.seek(int(self.start_s / stream.time_base), stream=stream, backward=True)
                for frame in container.decode(stream):
                    image: Image.Image = frame.to_image()  # type: ignore[no-untyped-call]
                    turn = _TURN.get(self.orientation)
                    image = image.transpose(turn) if turn is not None else image
                    if max_side:
                        image.thumbnail((max_side, max_side))
                    return image.convert("RGB")
        except (av.FFmpegError, OSError, IndexError) as e:
            raise CreationError(f"the video {self.path} cannot be read: {e}") from e
        raise CreationError(f"the video {self.path} has no frame")


class ClipReader:
    """The clip's frames at the video's frame rate, fitted into ``size`` (I420, one buffer)."""

    def __init__(
        self, clip: Clip, size: tuple[int, int], fps: int, to_i420: Callable[[np.ndarray], np.ndarray]
    ) -> None:
        self.clip, self.size, self.fps, self._to_i420 = clip, size, fps, to_i420
        try:
            self._container = av.open(clip.path, "r")
            self._stream = self._container.streams.video[0]
        except (av.FFmpegError, OSError, IndexError) as e:
            raise CreationError(f"the video {clip.path} cannot be read: {e}") from e
        self._base = float(self._stream.time_base or Fraction(1, 1000))
        if clip.start_s > 0:
            self._container.seek(int(clip.start_s / self._base), stream=self._stream, backward=True)
        self._frames = self._container.decode(self._stream)
        self._current: np.ndarray | None = None
        self._current_t = -math.inf
        self._under: Image.Image | None = None

    def frame(self, k: int) -> np.ndarray:
        """The I420 picture of the clip's ``k``-th output frame (its time: start + k / fps)."""
        target = self.clip.start_s + k / self.fps
        while self._current is None or self._current_t + 0.5 / self.fps < target:
            try:
                decoded = next(self._frames)
            except (StopIteration, av.FFmpegError):
                break
            t = float(decoded.pts) * self._base if decoded.pts is not None else target
            if t + 0.5 / self.fps < self.clip.start_s:
                continue  # before the start: the seek lands on the keyframe before it
            self._current = self._to_i420(np.asarray(self._fit(decoded.to_image())))  # type: ignore[no-untyped-call]
            self._current_t = t
        if self._current is None:
            raise CreationError(f"the video {self.clip.path} has no frame at {self.clip.start_s:.1f} s")
        return self._current

    def _fit(self, image: Image.Image) -> Image.Image:
        turn = _TURN.get(self.clip.orientation)
        if turn is not None:
            image = image.transpose(turn)
        image = image.convert("RGB")
        if self._under is None:
            self._under = backdrop(self.size, image, thresholds.VIDEO_BACKDROP_DIM)
        w, h = self.size
        scale = min(w / image.width, h / image.height)
        fitted = image.resize((max(2, round(image.width * scale)), max(2, round(image.height * scale))))
        out = self._under.copy()
        out.paste(fitted, ((w - fitted.width) // 2, (h - fitted.height) // 2))
        return out

    def close(self) -> None:
        self._container.close()


def clip_sound(clip: Clip, seconds: float, rate: int) -> np.ndarray | None:
    """The clip's sound for ``seconds`` from its start, float32 (2, n) at ``rate``, faded in and
    out over ``VIDEO_CLIP_SOUND_FADE_SECONDS``; None for a clip without sound."""
    try:
        with av.open(clip.path, "r") as container:
            if not container.streams.audio:
                return None
            stream = container.streams.audio[0]
            if clip.start_s > 0 and stream.time_base:
                container.seek(int(clip.start_s / stream.time_base), stream=stream, backward=True)
            resampler = av.AudioResampler(format="fltp", layout="stereo", rate=rate)
            want = round(seconds * rate)
            skip = None
            pieces: list[np.ndarray] = []
            got = 0
            for frame in container.decode(stream):
                if skip is None:  # samples before the start (the seek lands a little before it)
                    at = float(frame.pts * stream.time_base) if frame.pts is not None and stream.time_base else 0.0
                    skip = max(0, round((clip.start_s - at) * rate))
                for out in resampler.resample(frame):
                    samples = out.to_ndarray()
                    if skip:
                        cut = min(skip, samples.shape[1])
                        samples, skip = samples[:, cut:], skip - cut
                    pieces.append(samples)
                    got += samples.shape[1]
                if got >= want:
                    break
    except (av.FFmpegError, OSError):
        return None
    if not pieces:
        return None
    sound = np.concatenate(pieces, axis=1)[:, :want].astype(np.float32)
    ramp = min(sound.shape[1] // 2, max(1, round(thresholds.VIDEO_CLIP_SOUND_FADE_SECONDS * rate)))
    fade = np.linspace(0.0, 1.0, ramp, dtype=np.float32)
    sound[:, :ramp] *= fade
    sound[:, sound.shape[1] - ramp :] *= fade[::-1]
    return sound
