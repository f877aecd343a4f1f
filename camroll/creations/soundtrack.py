"""The music of a video: a person's own track, trimmed and faded to the video's length, as AAC.

The track is decoded, resampled to 48 kHz stereo and encoded chunk by chunk, interleaved with the
video as it is made (the video module asks for the music up to each frame's time), so a long
track never sits decoded in memory. It fades in over ``VIDEO_MUSIC_FADE_IN_SECONDS`` and out over
``VIDEO_MUSIC_FADE_OUT_SECONDS`` (at most a fifth of the video), ending silent on the last frame;
a track shorter than the video plays again from its start.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import av
import numpy as np
from av.audio.stream import AudioStream
from av.container import OutputContainer

from camroll import thresholds
from camroll.creations.records import CreationError

RATE = 48_000
"""Sample rate of the music track: what AAC in MP4 plays everywhere at."""


def check_music(path: Path) -> None:
    """Raise :class:`CreationError` (before any frame is made) if ``path`` holds no playable audio."""
    try:
        with av.open(str(path)) as probe:
            if not probe.streams.audio:
                raise CreationError(f"{path} has no sound track")
            stream = probe.streams.audio[0]
            for _frame in probe.decode(stream):
                return
    except (av.FFmpegError, OSError) as e:
        raise CreationError(f"cannot read the music file {path}: {e}") from e
    raise CreationError(f"{path} holds no sound")


class Soundtrack:
    """Adds an AAC stream to ``container`` and writes the music into it, up to a time at a call."""

    def __init__(self, container: OutputContainer, path: Path, seconds: float) -> None:
        self.path = path
        self.total = round(seconds * RATE)
        self.written = 0
        self.stream: AudioStream = container.add_stream("aac", rate=RATE)
        self.stream.layout = "stereo"
        self.stream.bit_rate = thresholds.VIDEO_AUDIO_BITRATE
        self.container = container
        fade_out = min(thresholds.VIDEO_MUSIC_FADE_OUT_SECONDS, seconds / 5)
        self.fade_in = max(1, round(min(thresholds.VIDEO_MUSIC_FADE_IN_SECONDS, seconds / 5) * RATE))
        self.fade_out = max(1, round(fade_out * RATE))
        self._chunks = self._decoded()

    def write_until(self, seconds: float) -> None:
        """Encode and mux the music up to ``seconds`` into the video (or to its end)."""
        target = min(self.total, round(seconds * RATE))
        while self.written < target:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._write(chunk)

    def finish(self) -> None:
        """Write the rest, flush the encoder and close the track."""
        self.write_until(self.total / RATE)
        for packet in self.stream.encode(None):
            self.container.mux(packet)
        self._chunks.close()

    def _write(self, samples: np.ndarray) -> None:
        n = min(samples.shape[1], self.total - self.written)
        if n <= 0:
            return
        index = np.arange(self.written, self.written + n, dtype=np.float32)
        gain = np.minimum(1.0, np.minimum((index + 1) / self.fade_in, (self.total - index) / self.fade_out))
        chunk = np.ascontiguousarray(samples[:, :n] * (gain**2)[None, :], dtype=np.float32)
        frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
        frame.sample_rate = RATE
        frame.pts = self.written
        for packet in self.stream.encode(frame):
            self.container.mux(packet)
        self.written += n

    def _decoded(self) -> Generator[np.ndarray, None, None]:
        """The track as float32 (2, n) chunks at 48 kHz, from its start again while it is needed."""
        produced = 0
        while produced < self.total:
            before = produced
            with av.open(str(self.path)) as source:
                resampler = av.AudioResampler(format="fltp", layout="stereo", rate=RATE)
                for frame in source.decode(source.streams.audio[0]):
                    for out in resampler.resample(frame):
                        samples = out.to_ndarray()
                        produced += samples.shape[1]
                        yield samples
                        if produced >= self.total:
                            return
                for out in resampler.resample(None):
                    samples = out.to_ndarray()
                    produced += samples.shape[1]
                    yield samples
            if produced == before:
                return
