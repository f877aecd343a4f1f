"""The sound of a video: a person's own track, trimmed and faded to the video's length, and the
sound of the clips it shows, the music ducked under them, as AAC.

The track is decoded, resampled to 48 kHz stereo and encoded chunk by chunk, interleaved with the
video as it is made (the video module asks for the music up to each frame's time), so a long
track never sits decoded in memory. It fades in over ``VIDEO_MUSIC_FADE_IN_SECONDS`` and out over
``VIDEO_MUSIC_FADE_OUT_SECONDS`` (at most a fifth of the video), ending silent on the last frame;
a track shorter than the video plays again from its start. While a clip's own sound plays
(:class:`Voice`), the music is turned down to ``VIDEO_MUSIC_DUCK`` of its level, with a short
ramp either side; without music, the clips' sound plays over silence.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Voice:
    """A clip's sound: float32 (2, n) samples at ``RATE``, starting ``start`` samples in."""

    start: int
    samples: np.ndarray

    @property
    def end(self) -> int:
        return self.start + int(self.samples.shape[1])


class Soundtrack:
    """Adds an AAC stream to ``container`` and writes the music (or silence) and the clips'
    sound into it, up to a time at a call."""

    def __init__(
        self, container: OutputContainer, path: Path | None, seconds: float, voices: Sequence[Voice] = ()
    ) -> None:
        self.path = path
        self.voices = list(voices)
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
        mixed = samples[:, :n] * (gain**2 * self._duck(index))[None, :]
        for voice in self.voices:
            a, b = max(voice.start, self.written), min(voice.end, self.written + n)
            if a < b:
                mixed[:, a - self.written : b - self.written] += voice.samples[:, a - voice.start : b - voice.start]
        chunk = np.ascontiguousarray(np.clip(mixed, -1.0, 1.0), dtype=np.float32)
        frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
        frame.sample_rate = RATE
        frame.pts = self.written
        for packet in self.stream.encode(frame):
            self.container.mux(packet)
        self.written += n

    def _duck(self, index: np.ndarray) -> np.ndarray:
        """The music's gain at each sample: ``VIDEO_MUSIC_DUCK`` under a clip's sound, ramping
        over ``VIDEO_MUSIC_DUCK_RAMP_SECONDS`` into and out of it, else 1."""
        gain = np.ones_like(index)
        ramp = max(1.0, thresholds.VIDEO_MUSIC_DUCK_RAMP_SECONDS * RATE)
        for voice in self.voices:
            inside = np.clip(np.minimum(index - voice.start + ramp, voice.end + ramp - index) / ramp, 0.0, 1.0)
            gain = np.minimum(gain, 1.0 - (1.0 - thresholds.VIDEO_MUSIC_DUCK) * inside)
        return gain

    def _decoded(self) -> Generator[np.ndarray, None, None]:
        """The track as float32 (2, n) chunks at 48 kHz, from its start again while it is needed;
        silence when there is no track."""
        if self.path is None:
            for _ in range(0, self.total, RATE):
                yield np.zeros((2, RATE), np.float32)
            return
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
