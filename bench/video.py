"""Video speed: a 30-second 1080p video of 20 photos, camroll against the ffmpeg command line.

    .venv/bin/python -m bench.video [--photos DIR] [--runs 3] [--preset veryfast] [--keep]

In one run, on the same 20 photos (the 20 largest JPEGs of tests/data/photos, 1.3 to 18
megapixels, landscape and portrait, outside ``exif/broken``):

* **camroll**: :func:`camroll.creations.video.render_video` in a child process, as ``camroll make
  video`` runs it: title card, 20 photos with pan and zoom and cross-fades, closing card; each
  photo decoded with camroll's decoder (JPEG DCT scaling, EXIF orientation);
* **ffmpeg**: the ``ffmpeg`` command line (Debian's), a plain slideshow: each photo decoded once,
  scaled and padded to 1920x1080, held for 1.5 s (45 frames) and concatenated; no motion, no fades;
* **floor**: the ffmpeg command line only encoding camroll's frames (its video decoded to raw
  frames by another process, untimed): what libx264 alone spends on pictures that move.

Both encode H.264 with libx264 at the same preset and CRF (``VIDEO_PRESET``, ``VIDEO_CRF`` unless
``--preset``/``--crf`` say otherwise), 30 fps, yuv420p, 900 frames, ``+faststart``, libx264's
frame threads with its automatic count (3 on 2 cores), as x264's own banner in both files shows. The runs alternate (camroll, ffmpeg, camroll, ...) so that a burst of load
on this shared machine hits both; the median of ``--runs`` is reported with each run. Peak memory
is the child's ``ru_maxrss`` (resident set, from ``wait4``). Goals: camroll within 1.5x of
ffmpeg's time; camroll's peak memory under 1 GB. CPU seconds (user + system of the child) are
printed too: on a shared, loaded machine they say more than wall time, since a process's share
of the cores then depends on how many threads it runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from camroll import thresholds

PHOTOS = Path(__file__).resolve().parents[1] / "tests" / "data" / "photos"
SECONDS, FPS, WIDTH, HEIGHT, COUNT = 30.0, 30, 1920, 1080, 20


def pick_photos(folder: Path, n: int = COUNT) -> list[Path]:
    """The ``n`` largest JPEGs (by pixels) that decode, outside ``broken`` folders, largest first."""
    sized: list[tuple[int, str, Path]] = []
    for path in folder.rglob("*"):
        if path.suffix.lower() not in (".jpg", ".jpeg") or "broken" in path.parts:
            continue
        try:
            with Image.open(path) as im:
                sized.append((-im.width * im.height, str(path), path))
        except OSError:
            continue
    return [p for _, _, p in sorted(sized)[:n]]


def timed(args: list[str]) -> tuple[float, float, int]:
    """Run a command; return (wall seconds, CPU seconds, peak resident bytes of that process)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{args[:3]}... failed with status {status}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def encode_floor(video: Path, out: Path, preset: str, crf: int) -> tuple[float, float, int]:
    """libx264 alone on camroll's own moving frames: ``video`` decoded to raw frames by one ffmpeg
    process and piped into another that only encodes (timed: that second process alone). What
    encoding pan and zoom costs at this preset, whoever draws the frames."""
    decode = subprocess.Popen(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(video), "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"],
        stdout=subprocess.PIPE,
    )
    start = time.perf_counter()
    encode = subprocess.Popen(
        [
            "ffmpeg",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "yuv420p",
            "-s",
            f"{WIDTH}x{HEIGHT}",
            "-r",
            str(FPS),
            "-i",
            "-",
            "-c:v",
            "libx264",
            "-preset",
            preset,
            "-crf",
            str(crf),
            "-movflags",
            "+faststart",
            str(out),
        ],
        stdin=decode.stdout,
    )
    assert decode.stdout is not None
    decode.stdout.close()
    _pid, status, usage = os.wait4(encode.pid, 0)
    seconds = time.perf_counter() - start
    decode.wait()
    if os.waitstatus_to_exitcode(status) != 0 or decode.returncode != 0:
        raise SystemExit("the encode-only floor failed")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def ffmpeg_args(photos: list[Path], out: Path, preset: str, crf: int) -> list[str]:
    """A plain slideshow: each image decoded once, scaled/padded, its one frame looped to 45."""
    per = round(SECONDS * FPS / len(photos))
    args = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    for p in photos:
        args += ["-i", str(p)]
    chains = [
        f"[{i}:v]scale={WIDTH}:{HEIGHT}:force_original_aspect_ratio=decrease,"
        f"pad={WIDTH}:{HEIGHT}:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p,"
        f"loop=loop={per - 1}:size=1:start=0,settb=1/{FPS},setpts=N[v{i}]"
        for i in range(len(photos))
    ]
    graph = (
        ";".join(chains) + ";" + "".join(f"[v{i}]" for i in range(len(photos))) + f"concat=n={len(photos)}:v=1:a=0[out]"
    )
    return [
        *args,
        "-filter_complex",
        graph,
        "-map",
        "[out]",
        "-c:v",
        "libx264",
        "-preset",
        preset,
        "-crf",
        str(crf),
        "-r",
        str(FPS),
        "-pix_fmt",
        "yuv420p",
        "-movflags",
        "+faststart",
        str(out),
    ]


def child(out: Path, preset: str, crf: int, photos: list[Path]) -> None:
    """The camroll side, in its own process: decode with camroll's decoder, render, encode."""
    from camroll.analysis.decode import decode, to_pil
    from camroll.creations.cards import Card
    from camroll.creations.video import Settings, Slide, render_video

    slides = []
    for path in photos:
        with Image.open(path) as im:
            orientation = int(im.getexif().get(0x0112, 1) or 1)
            size = (im.height, im.width) if orientation in (5, 6, 7, 8) else (im.width, im.height)

        def load(max_side: int | None, path: Path = path, orientation: int = orientation) -> Image.Image:
            return to_pil(decode(0, "", str(path), orientation, None, max_side))

        slides.append(Slide(load, size))
    render_video(
        out,
        slides,
        Card("Summer 2024", "12 July - 3 August 2024"),
        Card("Happy birthday, Ana!"),
        SECONDS,
        Settings(size=(WIDTH, HEIGHT), fps=FPS, preset=preset, crf=crf),
    )


def probe(path: Path) -> str:
    import av

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        frames = sum(1 for _ in c.demux(s) if _.size)
        return f"{s.codec_context.width}x{s.codec_context.height}, {frames} frames, {path.stat().st_size / 1e6:.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=Path, default=PHOTOS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--preset", default=thresholds.VIDEO_PRESET)
    parser.add_argument("--crf", type=int, default=thresholds.VIDEO_CRF)
    parser.add_argument("--keep", action="store_true", help="keep the two videos (path printed on stderr)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("files", nargs="*", type=Path, help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.child:
        child(a.child, a.preset, a.crf, a.files)
        return
    if shutil.which("ffmpeg") is None:
        raise SystemExit("ffmpeg is not installed (Debian package ffmpeg)")
    photos = pick_photos(a.photos)
    work = Path(tempfile.mkdtemp(prefix="camroll-bench-video-"))
    ours, theirs, floor = work / "camroll.mp4", work / "ffmpeg.mp4", work / "x264-only.mp4"
    me = [sys.executable, "-m", "bench.video", "--child", str(ours), "--preset", a.preset, "--crf", str(a.crf)]
    load_before = os.getloadavg()[0]
    runs: dict[str, list[tuple[float, float, int]]] = {"camroll": [], "ffmpeg": [], "floor": []}
    for _ in range(a.runs):
        runs["camroll"].append(timed(me + [str(p) for p in photos]))
        runs["ffmpeg"].append(timed(ffmpeg_args(photos, theirs, a.preset, a.crf)))
        runs["floor"].append(encode_floor(ours, floor, a.preset, a.crf))
    load_after = os.getloadavg()[0]
    ffmpeg_version = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.split("\n")[0]
    import av

    print(f"$ python -m bench.video --runs {a.runs} --preset {a.preset} --crf {a.crf}\n")
    print(
        f"Machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}; Python {platform.python_version()}; "
        f"PyAV {av.__version__}; {' '.join(ffmpeg_version.split()[:3])}; {time.strftime('%Y-%m-%dT%H:%M:%S%z')}; "
        f"1-min load average {load_before:.2f} before, {load_after:.2f} after\n"
    )
    megapixels = sum(Image.open(p).width * Image.open(p).height for p in photos) / 1e6
    print(
        f"{len(photos)} photos ({megapixels:.0f} MP in all) -> {SECONDS:.0f} s, {WIDTH}x{HEIGHT}, {FPS} fps, "
        f"libx264 preset {a.preset}, crf {a.crf}\n"
    )
    print(
        "| What | Median wall s | Median CPU s | Peak memory | Runs (wall s / CPU s) | Output |\n|---|---:|---:|---:|---|---|"
    )
    wall, cpu = {}, {}
    for name, label, path in (
        ("camroll", "camroll: cards, pan/zoom, cross-fades", ours),
        ("ffmpeg", "ffmpeg CLI: plain slideshow", theirs),
        ("floor", "floor: ffmpeg CLI only encoding camroll's frames", floor),
    ):
        wall[name] = statistics.median(r[0] for r in runs[name])
        cpu[name] = statistics.median(r[1] for r in runs[name])
        peak = max(r[2] for r in runs[name])
        listed = ", ".join(f"{r[0]:.1f} / {r[1]:.1f}" for r in runs[name])
        print(f"| {label} | {wall[name]:.2f} | {cpu[name]:.2f} | {peak / 2**20:.0f} MiB | {listed} | {probe(path)} |")
    peak = max(r[2] for r in runs["camroll"])
    print(
        "\n| Ratio | Value | Goal |\n|---|---:|---|"
        f"\n| camroll time / ffmpeg time (wall) | {wall['camroll'] / wall['ffmpeg']:.2f}x | <= 1.5x |"
        f"\n| camroll CPU time / ffmpeg CPU time | {cpu['camroll'] / cpu['ffmpeg']:.2f}x | |"
        f"\n| encoding camroll's frames alone / ffmpeg slideshow (CPU) | {cpu['floor'] / cpu['ffmpeg']:.2f}x | |"
        f"\n| camroll CPU time / encoding its frames alone | {cpu['camroll'] / cpu['floor']:.2f}x | |"
        f"\n| camroll peak memory | {peak / 2**20:.0f} MiB | < 1024 MiB |"
    )
    if a.keep:
        print(f"kept {work}", file=sys.stderr)
    else:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
