"""Decode a photo once, at the size the models need, the right way up.

Every analyser works on the same pixels: one RGB array whose longest side is at most
``thresholds.ANALYSIS_MAX_SIDE``, with the photo's display transform applied, so a face box
found here maps to the displayed photo by one scale factor. JPEGs are decoded with DCT scaling
(``draft``), which skips most of the decoding work for a large photo; HEIF follows the container's
``irot``/``imir`` when present (libheif applies them) and EXIF orientation otherwise, the same
rule the metadata reader used for the displayed size.

A video is analysed through a few of its frames (:mod:`camroll.analysis.keyframes`: spread over
its length and at each cut, at most ``VIDEO_MAX_FRAMES``), decoded with PyAV and turned by the
track's rotation. Analyses that look at every frame (faces, tags, text, expressions, sensitive
content) say what they found at which time code; the others look at the one ``VIDEO_FRAME_AT``
of the way through.
"""

from __future__ import annotations

import functools
import io
import os
import re
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from camroll import thresholds
from camroll.library.isobmff import is_isobmff, read_isobmff


class DecodeError(Exception):
    """The photo's pixels could not be decoded; the message is for a person."""


@dataclass
class Decoded:
    photo_id: int
    hash: str
    pixels: np.ndarray
    """RGB uint8, H x W x 3, at analysis size."""
    scale: float
    """Analysis pixels per displayed pixel (<= 1): divide a box by it to get displayed coordinates."""
    width: int
    """Displayed width of the full photo."""
    height: int
    at_s: float | None = None
    """For a frame of a video: its time code, in seconds from the start."""
    frames: tuple[Decoded, ...] = ()
    """For a video: every frame chosen for analysis (:mod:`camroll.analysis.keyframes`), this one
    among them; an analyser that looks at every frame reads these (``Analyser.analyse_video``)."""


@functools.cache
def _register_heif() -> None:
    """pillow-heif registers a Pillow plugin: once per process, on the first HEIF photo."""
    import pillow_heif

    pillow_heif.register_heif_opener()


def decode(
    photo_id: int,
    photo_hash: str,
    path: str,
    orientation: int,
    size: tuple[int, int] | None,
    max_side: int | None = None,
    kind: str = "photo",
) -> Decoded:
    """Read ``path`` (read-only) and decode it for analysis. ``size`` is the displayed size the
    catalog recorded (None: take the decoded size); for a video, ``orientation`` is the display
    orientation of its track. Raises :class:`DecodeError`."""
    side = max_side or thresholds.ANALYSIS_MAX_SIDE
    if kind == "video":
        return _video(photo_id, photo_hash, path, orientation, size, side)
    if size and all(size) and size[0] * size[1] > thresholds.MAX_PIXELS and not _jpeg_name(path):
        raise DecodeError(_bomb(*size))  # the scan's verdict, before the file is even read
    try:
        with open(os.fsencode(path), "rb") as f:
            data = f.read()
    except OSError as e:
        raise DecodeError(f"cannot read the file: {e.strerror}") from e
    container_transform = False
    if is_isobmff(data[:16]):
        _register_heif()
        c = read_isobmff(data)
        container_transform = c.container_rotation is not None or c.container_mirror
    Image.MAX_IMAGE_PIXELS = thresholds.MAX_PIXELS
    try:
        opened = Image.open(io.BytesIO(data))
        if opened.format == "JPEG":
            opened.draft("RGB", (side, side))
        # The header, not the catalog, says what load() would allocate (the file may have
        # changed since the scan): over the limit even after JPEG DCT scaling, it is not decoded.
        if opened.width * opened.height > thresholds.MAX_PIXELS:
            raise DecodeError(_bomb(opened.width, opened.height))
        opened.load()
        img: Image.Image = opened
    except Image.DecompressionBombError as e:
        raise DecodeError("image is too large to decode safely (decompression bomb)") from e
    except (OSError, SyntaxError, ValueError) as e:
        if "truncat" in str(e).lower():
            raise DecodeError("the file is cut short (truncated): its pixels cannot be decoded") from e
        raise DecodeError(f"pixels cannot be decoded: {_plain(e, path)}") from e
    if not container_transform and orientation != 1:
        img = _orient(img, orientation)
    return _finish(photo_id, photo_hash, img, size, side)


def _jpeg_name(path: str) -> bool:
    """JPEGs decode at a reduced size (DCT scaling), so a large one may still be read; the
    header check after ``draft`` decides (a lying extension meets that check too)."""
    return os.path.splitext(path)[1].lower() in (".jpg", ".jpeg", ".jpe", ".jfif")


def _bomb(width: int, height: int) -> str:
    return (
        f"image is {width}x{height} ({width * height / 1e6:.0f} megapixels), over the "
        f"{thresholds.MAX_PIXELS / 1e6:.0f} MP limit: a decompression bomb, not decoded"
    )


def _plain(error: Exception, path: str) -> str:
    """A decoder's message for a person: Pillow names the in-memory buffer it was given
    (``<_io.BytesIO object at 0x...>``); name the file instead."""
    name = os.path.basename(os.fsdecode(os.fsencode(path)))
    return re.sub(r"<_io\.\w+ object at 0x[0-9a-fA-F]+>", name, str(error))


def _finish(photo_id: int, photo_hash: str, img: Image.Image, size: tuple[int, int] | None, side: int) -> Decoded:
    full_w, full_h = size if size and all(size) else img.size
    img = img.convert("RGB")
    if max(img.size) > side:
        img.thumbnail((side, side), Image.Resampling.LANCZOS, reducing_gap=2.0)
    scale = img.width / full_w if full_w else 1.0
    return Decoded(photo_id, photo_hash, np.asarray(img), scale, full_w, full_h)


def _video(
    photo_id: int, photo_hash: str, path: str, orientation: int, size: tuple[int, int] | None, side: int
) -> Decoded:
    """A video's frames to analyse, each the right way up at analysis size; the one returned is
    the frame ``VIDEO_FRAME_AT`` of the way through them (what a one-frame analysis looks at),
    with all of them in ``frames``."""
    import av

    from camroll.analysis.keyframes import NoFrames, keyframes

    try:
        chosen = keyframes(path, side)
    except NoFrames as e:
        raise DecodeError(str(e)) from e
    except av.FFmpegError as e:
        raise DecodeError(f"the video cannot be decoded: {e}") from e
    frames = tuple(
        replace(_finish(photo_id, photo_hash, _orient(k.image, orientation), size, side), at_s=k.at_s) for k in chosen
    )
    main = frames[min(len(frames) - 1, round(thresholds.VIDEO_FRAME_AT * (len(frames) - 1)))]
    return replace(main, frames=frames)


def video_frame(path: str) -> Image.Image:
    """One frame of a video, ``thresholds.VIDEO_FRAME_AT`` of the way in (the first frame of a
    clip is often dark or blurred while the camera settles), as stored (not yet rotated)."""
    import av  # imported here: only workers that meet a video pay for it

    try:
        with av.open(os.fsencode(path).decode("utf-8", "surrogateescape"), "r") as container:
            if not container.streams.video:
                raise DecodeError("the file holds no video track")
            stream = container.streams.video[0]
            duration = float(container.duration) / av.time_base if container.duration else 0.0
            at = duration * thresholds.VIDEO_FRAME_AT
            if at > 0 and stream.time_base:
                container.seek(int(at / stream.time_base), stream=stream, backward=True)
            for frame in container.decode(stream):
                image: Image.Image = frame.to_image()  # type: ignore[no-untyped-call]
                return image
    except av.FFmpegError as e:
        raise DecodeError(f"the video cannot be decoded: {e}") from e
    raise DecodeError("the video has no frame that can be decoded")


def _orient(img: Image.Image, orientation: int) -> Image.Image:
    method = {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_270,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_90,
    }.get(orientation)
    return img.transpose(method) if method is not None else img


def to_pil(decoded: Decoded) -> Image.Image:
    return Image.fromarray(decoded.pixels)
