"""Videos: the MP4 plays (H.264, yuv420p, the asked size, length and frame count), its frames show
the photos where the timeline says, the motion never cuts a face, the music is AAC of the right
length with fades, originals are untouched, and a birthday video is deleted when its consent goes.

Unit tests render from photos given as files (real pixels from tests/data/photos, shrunk);
the end-to-end test scans a small library of one person's photos (dates written with piexif),
analyses faces and people, sets her birthday and runs the commands. Sizes are small (320x180) to
stay quick, except one 1080p check of two seconds.
"""

from __future__ import annotations

import io
import itertools
import math
import wave
from datetime import datetime
from pathlib import Path
from typing import Any

import av
import numpy as np
import piexif
import pytest
from PIL import Image, ImageOps
from typer.testing import CliRunner

from camroll.cli import app
from camroll.creations.cards import Card
from camroll.creations.motion import plan_motion
from camroll.creations.video import Settings, Slide, fade_frames, parse_length, parse_size, render_video, timeline
from tests.conftest import run_cli, tree_hashes

LANDSCAPES = [
    "scenes/beach/beach_sand.jpg",
    "scenes/eagle/darknet_eagle.jpg",
    "scenes/horses/darknet_horses.jpg",
    "scenes/ferriswheel/ferriswheel_colorful.jpg",
]
ANA = ["img1.jpg", "img2.jpg", "img4.jpg", "img6.jpg", "img7.jpg"]  # deepface_p01: one person


def _file_slide(path: Path) -> Slide:
    with Image.open(path) as im:
        size = ImageOps.exif_transpose(im).size

    def load(max_side: int | None) -> Image.Image:
        with Image.open(path) as im:
            img = ImageOps.exif_transpose(im).convert("RGB")
        if max_side is not None:
            img.thumbnail((max_side, max_side))
        return img

    return Slide(load, size)


def _frames(path: Path, wanted: set[int]) -> tuple[dict[str, Any], dict[int, np.ndarray]]:
    """Decode the whole video: its facts and the RGB frames at the ``wanted`` indexes."""
    got: dict[int, np.ndarray] = {}
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        facts = {
            "codec": s.codec_context.name,
            "width": s.codec_context.width,
            "height": s.codec_context.height,
            "pix_fmt": s.codec_context.pix_fmt,
            "duration": float(c.duration or 0) / av.time_base,
            "audio": [a.codec_context.name for a in c.streams.audio],
        }
        n = 0
        for frame in c.decode(s):
            if n in wanted:
                got[n] = frame.to_ndarray(format="rgb24")
            n += 1
        facts["frames"] = n
    return facts, got


def _signature(rgb: np.ndarray | Image.Image) -> np.ndarray:
    """A 32x18 grey thumbnail, zero mean and unit norm: what 'this frame shows that photo' compares."""
    img = rgb if isinstance(rgb, Image.Image) else Image.fromarray(rgb)
    small = np.asarray(ImageOps.fit(img.convert("L"), (32, 18), Image.Resampling.BOX), dtype=np.float64)
    small -= small.mean()
    return small / (np.linalg.norm(small) + 1e-9)


def _sine_wav(path: Path, seconds: float, rate: int = 44_100) -> None:
    t = np.arange(round(seconds * rate)) / rate
    tone = (0.5 * np.sin(2 * math.pi * 440 * t) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.repeat(tone, 2).tobytes())


def test_lengths_sizes_and_timeline() -> None:
    assert parse_length("30s") == 30 and parse_length("1m") == 60 and parse_length("45") == 45
    assert parse_length("1m30s") == 90 and parse_length("2.5s") == 2.5
    for bad in ("", "abc", "0", "-3s"):
        with pytest.raises(ValueError):
            parse_length(bad)
    assert parse_size("320x180") == (320, 180) and parse_size("1080p") == (1920, 1080)
    for bad in ("321x180", "10x10", "big"):
        with pytest.raises(ValueError):
            parse_size(bad)
    segs = timeline(8, 30.0, 30)
    fade = fade_frames(30.0, 30)
    assert [s.kind for s in segs] == ["title"] + ["photo"] * 8 + ["closing"]
    assert segs[0].start == 0 and segs[-1].end == 900
    for a, b in itertools.pairwise(segs):
        assert b.start == a.end - fade  # each piece cross-fades into the next
    lengths = [s.end - s.start for s in segs if s.kind == "photo"]
    assert max(lengths) - min(lengths) <= 1 and min(lengths) > 2 * fade


@pytest.mark.parametrize(
    ("size", "faces"),
    [
        ((4000, 3000), [(3000, 400, 300, 380)]),  # a face near the corner of a landscape photo
        ((4000, 3000), [(100, 1200, 250, 300), (3600, 1300, 260, 310)]),  # faces at both edges
        ((3000, 4000), [(1300, 900, 500, 600)]),  # portrait: shown whole
        ((6000, 1500), [(200, 300, 400, 500), (5300, 400, 400, 500)]),  # a panorama group
        ((4000, 3000), []),
    ],
)
def test_motion_never_cuts_a_face(size: tuple[int, int], faces: list[tuple[float, float, float, float]]) -> None:
    w, h = size
    for index in (0, 1):
        m = plan_motion(w, h, 16 / 9, faces, 3.5, index)
        assert m.start != m.end  # it moves
        for step in range(11):
            x, y, ww, wh = m.window(step / 10)
            assert ww / wh == pytest.approx(16 / 9, rel=1e-6)
            if not m.fit:  # a cropped photo's window stays on the photo
                assert x >= -1e-6 and y >= -1e-6 and x + ww <= w + 1e-6 and y + wh <= h + 1e-6
            for fx, fy, fw, fh in faces:
                assert x - 1e-6 <= fx and y - 1e-6 <= fy and fx + fw <= x + ww + 1e-6 and fy + fh <= y + wh + 1e-6
        if faces:  # toward the faces: the last window is the closest
            assert m.end[2] < m.start[2]
    assert plan_motion(3000, 4000, 16 / 9, [], 3.0).fit  # a portrait is shown whole


def test_video_shows_each_photo_in_time_with_faded_music(photos_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    paths = []
    for i, rel in enumerate(LANDSCAPES):
        with Image.open(photos_dir / rel) as im:
            im.convert("RGB").save(folder / f"{i}.jpg", quality=90)
        paths.append(folder / f"{i}.jpg")
    music = tmp_path / "tune.wav"
    _sine_wav(music, 3.0)  # shorter than the video: played again from the start
    before = tree_hashes(folder)
    out = tmp_path / "out.mp4"
    seconds, fps = 7.0, 30
    rendered = render_video(
        out,
        [_file_slide(p) for p in paths],
        Card("A day out", "12 May 2025"),
        Card("Happy birthday, Ana!"),
        seconds,
        Settings(size=(320, 180), fps=fps, music=music),
    )
    assert tree_hashes(folder) == before and not rendered.problems and not rendered.faces_used
    segs = timeline(len(paths), seconds, fps)
    fade = fade_frames(seconds, fps)
    middles = {s.index: (s.start + fade + s.end - fade) // 2 for s in segs if s.kind == "photo"}
    facts, frames = _frames(out, set(middles.values()) | {segs[0].end // 2})
    assert facts["codec"] == "h264" and facts["pix_fmt"] == "yuv420p"
    assert (facts["width"], facts["height"], facts["frames"]) == (320, 180, round(seconds * fps))
    assert facts["duration"] == pytest.approx(seconds, abs=0.1)
    references = [_signature(Image.open(p)) for p in paths]
    for index, f in middles.items():
        scores = [float(np.sum(_signature(frames[f]) * ref)) for ref in references]
        assert int(np.argmax(scores)) == index, scores
        assert scores[index] > 0.8, scores
    title = frames[segs[0].end // 2]
    assert title.max() > 200  # the title's white type is there
    # The music: AAC, as long as the video, fading in and out.
    assert facts["audio"] == ["aac"]
    with av.open(str(out)) as c:
        samples = np.concatenate([f.to_ndarray().reshape(-1, f.samples)[0] for f in c.decode(c.streams.audio[0])])
        rate = c.streams.audio[0].codec_context.sample_rate
    assert len(samples) / rate == pytest.approx(seconds, abs=0.06)

    def rms(a: float, b: float) -> float:
        return float(np.sqrt(np.mean(samples[int(a * rate) : int(b * rate)] ** 2)))

    middle = rms(3.0, 4.0)
    assert middle > 0.25
    assert rms(0.0, 0.1) < 0.5 * middle and rms(seconds - 0.2, seconds) < 0.2 * middle


def test_1080p_is_full_hd_with_every_frame(photos_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "hd.mp4"
    render_video(out, [_file_slide(photos_dir / LANDSCAPES[1])], Card("One photo"), Card("The end"), 2.0)
    facts, _ = _frames(out, set())
    assert (facts["width"], facts["height"], facts["frames"], facts["pix_fmt"]) == (1920, 1080, 60, "yuv420p")
    with open(out, "rb") as f:  # 'faststart': the index (moov) comes before the media (mdat)
        head = f.read(4096)
    assert 0 <= head.find(b"moov") < max(head.find(b"mdat"), 4096)


def _write_dated(path: Path, source: Path, taken: str) -> None:
    with Image.open(source) as original:
        im = original.convert("RGB")
        im.thumbnail((640, 640))
        stamp = datetime.fromisoformat(taken).strftime("%Y:%m:%d %H:%M:%S").encode()
        exif = {"0th": {piexif.ImageIFD.Make: b"camroll-test"}, "Exif": {piexif.ExifIFD.DateTimeOriginal: stamp}}
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=88, exif=piexif.dump(exif))
    path.write_bytes(buf.getvalue())


def test_birthday_and_moment_videos_from_the_library(photos_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    dates = [
        "2022-03-08T17:00:00",
        "2023-03-08T16:00:00",
        "2023-03-08T16:30:00",
        "2024-03-08T18:00:00",
        "2024-03-08T18:20:00",
    ]
    for name, taken in zip(ANA, dates, strict=True):
        _write_dated(folder / f"{taken[:10]}-{name}", photos_dir / "faces" / "deepface_p01" / name, taken)
    home = tmp_path / "home"
    run_cli(home, "scan", str(folder), "--no-analyze", "--quiet")
    run_cli(home, "consent", "grant", "faces", "people")
    run_cli(home, "analyze", "--quiet", "--workers", "1")
    people = run_cli(home, "people", "--json")
    ana = max(people, key=lambda p: p["face_count"])["id"]
    run_cli(home, "people", "name", str(ana), "Ana")
    run_cli(home, "people", "set", str(ana), "--birthday", "1990-03-08")
    before = tree_hashes(folder)

    made = run_cli(home, "make", "birthday", "Ana", "--size", "320x180", "--length", "14s", "--json")
    path = Path(made["path"])
    assert path.parent == home / "creations" and path.suffix == ".mp4"
    assert {"people", "faces"} <= set(made["capabilities"]) and len(made["photo_ids"]) == 3  # one a year
    facts, _ = _frames(path, set())
    assert (facts["width"], facts["height"]) == (320, 180) and facts["frames"] == made["frames"] == 420

    moments = {m["id"]: m for m in run_cli(home, "moments", "--json")}
    assert f"birthday-{ana}-2023" in moments  # two photos of her 2023 birthday
    out = tmp_path / "videos"
    other = run_cli(
        home,
        "make",
        "video",
        f"birthday-{ana}-2023",
        "--size",
        "320x180",
        "--length",
        "9s",
        "--out",
        str(out),
        "--filter",
        "warm",
        "--json",
    )
    assert Path(other["path"]).parent == out.resolve() and Path(other["path"]).exists()
    assert len(other["photo_ids"]) == 2 and "people" in other["capabilities"]
    assert tree_hashes(folder) == before  # originals untouched, nothing written beside them

    bad = CliRunner().invoke(app, ["make", "video", "event-20990101-deadbeef", "--home", str(home)])
    assert bad.exit_code == 1 and "no moment" in bad.output
    # The motion followed faces: camroll's own video goes with them; the one written to a folder
    # the person chose is named and kept unless they ask for it to go too.
    reports = run_cli(home, "consent", "revoke", "faces", "--json")
    assert not path.exists() and Path(other["path"]).exists()
    assert other["path"] in [f for r in reports for f in r["my_files_kept"]]


def _clip_with_tone(path: Path, picture: Image.Image, seconds: float, hz: float, fps: int = 30) -> None:
    """An H.264 + AAC clip showing ``picture`` with a ``hz`` tone: what a phone's video is made of."""
    rate = 48_000
    picture = ImageOps.fit(picture.convert("RGB"), (320, 240))
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = 320, 240, "yuv420p"
        audio = out.add_stream("aac", rate=rate)
        audio.layout = "stereo"
        frame = av.VideoFrame.from_ndarray(np.asarray(picture), format="rgb24")
        for _ in range(round(seconds * fps)):
            for packet in video.encode(frame):
                out.mux(packet)
        t = np.arange(round(seconds * rate)) / rate
        tone = (0.5 * np.sin(2 * math.pi * hz * t)).astype(np.float32)
        for start in range(0, len(tone), 1024):
            piece = np.ascontiguousarray(np.stack([tone[start : start + 1024]] * 2))
            sound = av.AudioFrame.from_ndarray(piece, format="fltp", layout="stereo")
            sound.sample_rate, sound.pts = rate, start
            for packet in audio.encode(sound):
                out.mux(packet)
        for stream in (video, audio):
            for packet in stream.encode(None):
                out.mux(packet)


def test_a_clip_plays_in_its_slide_with_its_sound_over_ducked_music(photos_dir: Path, tmp_path: Path) -> None:
    from camroll.creations.clips import Clip

    dog = Image.open(photos_dir / "scenes" / "dog" / "dog_orange.jpg")
    clip = tmp_path / "dog.mp4"
    _clip_with_tone(clip, dog, 6.0, 1000.0)
    music = tmp_path / "tune.wav"
    _sine_wav(music, 12.0)
    beach, horses = (_file_slide(photos_dir / rel) for rel in (LANDSCAPES[0], LANDSCAPES[2]))
    played = Slide(Clip(str(clip), 1.0).poster, (320, 240), [], None, Clip(str(clip), 1.0))
    out = tmp_path / "out.mp4"
    seconds, fps = 9.0, 30
    rendered = render_video(
        out,
        [beach, played, horses],
        Card("A walk"),
        Card("Fin"),
        seconds,
        Settings(size=(320, 180), fps=fps, music=music),
    )
    assert not rendered.problems
    segs = [s for s in timeline(3, seconds, fps) if s.kind == "photo"]
    fade = fade_frames(seconds, fps)
    middle = (segs[1].start + fade + segs[1].end - fade) // 2
    _facts, frames = _frames(out, {middle})
    shown = _signature(frames[middle][:, 40:280])  # the clip's 4:3 picture, fitted in the middle
    Image.fromarray(frames[middle]).save(tmp_path / "clip-frame.png")
    assert float(np.sum(shown * _signature(ImageOps.fit(dog.convert("RGB"), (320, 240))))) > 0.9
    with av.open(str(out)) as c:
        samples = np.concatenate([f.to_ndarray().reshape(-1, f.samples)[0] for f in c.decode(c.streams.audio[0])])
        rate = c.streams.audio[0].codec_context.sample_rate

    def level(a: float, b: float, hz: float) -> float:
        window = samples[int(a * rate) : int(b * rate)]
        spectrum = np.abs(np.fft.rfft(window * np.hanning(len(window))))
        freqs = np.fft.rfftfreq(len(window), 1 / rate)
        return float(spectrum[np.abs(freqs - hz) < 15].max())

    during = (segs[1].start + fade) / fps + 0.4, (segs[1].end - fade) / fps - 0.4
    before = (segs[0].start + fade) / fps + 0.2, (segs[0].end - fade) / fps - 0.2
    assert level(*during, 1000.0) > 10 * level(*before, 1000.0), "the clip's own sound plays in its slide"
    ducked = level(*during, 440.0) / level(*before, 440.0)
    assert 0.1 < ducked < 0.45, f"the music goes down to about a quarter under the clip, not {ducked:.2f}"


def test_a_moments_video_becomes_a_clip_slide(photos_dir: Path, tmp_path: Path) -> None:
    from camroll.config import AppContext, Config
    from camroll.creations.choose import choose_clips
    from camroll.creations.memories import slides_for

    lib, home = tmp_path / "lib", tmp_path / "home"
    lib.mkdir()
    _clip_with_tone(lib / "walk.mp4", Image.open(photos_dir / "scenes" / "dog" / "dog_orange.jpg"), 8.0, 1000.0)
    for rel in LANDSCAPES[:2]:
        (lib / Path(rel).name).write_bytes((photos_dir / rel).read_bytes())
    run_cli(home, "scan", str(lib), "--no-analyze")
    ids = {Path(r["path"]).name: r["id"] for r in run_cli(home, "photos", "--json")}
    ctx = AppContext(Config(home=home, workers=1))
    try:
        assert choose_clips(ctx, list(ids.values()), 3) == [ids["walk.mp4"]]
        slides, problems = slides_for(ctx, [ids["beach_sand.jpg"], ids["walk.mp4"]])
    finally:
        ctx.close()
    assert not problems and slides[0].clip is None
    clip = slides[1].clip
    assert clip is not None and clip.path.endswith("walk.mp4")
    assert clip.start_s == pytest.approx(8.0 * 0.3, abs=0.1)  # no face: VIDEO_FRAME_AT of the way in
    assert slides[1].load(64).size[0] <= 64  # its poster, for a card behind it
