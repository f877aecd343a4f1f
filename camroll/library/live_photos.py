"""Motion photos: a JPEG with its short clip (an MP4) appended, as Google and Samsung phones write.

The phone declares the clip in the still's XMP, in one of two forms:

* older: ``GCamera:MicroVideo="1"`` and ``GCamera:MicroVideoOffset`` = the clip's length, counted
  back from the end of the file;
* newer: ``Camera:MotionPhoto="1"`` and a ``Container:Directory`` whose item with
  ``Item:Semantic="MotionPhoto"`` has ``Item:Length`` = the clip's length (the clip is the file's
  tail).

The file is untrusted, so an offset is never believed on its word: it must land inside the file,
past the JPEG's own header, on an ISO-BMFF ``ftyp`` box. A file that lies gets a note and stays an
ordinary still. The clip is never copied out at scan time: :class:`MotionClip` is a byte range of
the original, which the web serves as such and ``photos clip`` writes out on request.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass

from camroll import thresholds
from camroll.config import AppContext
from camroll.library.formats import read_jpeg
from camroll.library.isobmff import read_isobmff
from camroll.library.xmp import NS, Xmp
from camroll.progress import Reporter
from camroll.store import live_photos as store

CAMERA_NS = "http://ns.google.com/photos/1.0/camera/"
CONTAINER_NS = "http://ns.google.com/photos/1.0/container/"
ITEM_NS = "http://ns.google.com/photos/1.0/container/item/"
_RDF = "{" + NS["rdf"] + "}"

_MIN_FTYP = 16
"""The smallest ``ftyp`` box that names a brand: size (4) + type (4) + major brand (4) + minor
version (4). Anything shorter is not an MP4."""


@dataclass(frozen=True)
class MotionClip:
    """Where the clip lies inside the still's file (bytes ``offset`` .. ``offset + length - 1``)."""

    offset: int
    length: int
    duration_s: float | None
    form: str
    """``"gcamera"`` (MicroVideoOffset) or ``"container"`` (Container:Directory)."""


@dataclass(frozen=True)
class MotionResult:
    """What a JPEG says about a clip: the clip if it is real, or a note why it was not believed."""

    clip: MotionClip | None = None
    note: str | None = None


def _declared_length(packet: bytes) -> tuple[int, str] | None:
    """The clip length the XMP declares and the form that declared it, or None."""
    if b"MicroVideo" not in packet and b"MotionPhoto" not in packet:
        return None
    xmp = Xmp(packet)
    for desc in xmp.descriptions:
        attrs = desc.attrib
        if attrs.get("{" + CAMERA_NS + "}MicroVideo") == "1":
            raw = attrs.get("{" + CAMERA_NS + "}MicroVideoOffset")
            if raw is not None:
                return int(raw), "gcamera"
    for el in (e for d in xmp.descriptions for e in d.iter()):
        attrs = el.attrib
        if attrs.get("{" + ITEM_NS + "}Semantic") == "MotionPhoto":
            raw = attrs.get("{" + ITEM_NS + "}Length")
            if raw is not None:
                return int(raw), "container"
        if el.tag == "{" + ITEM_NS + "}Semantic" and (el.text or "").strip() == "MotionPhoto":
            parent_len = _sibling_text(el, xmp, "{" + ITEM_NS + "}Length")
            if parent_len is not None:
                return int(parent_len), "container"
    return None


def _sibling_text(el: object, xmp: Xmp, tag: str) -> str | None:
    """``Item:Length`` written as an element beside an element-form ``Item:Semantic``."""
    for desc in xmp.descriptions:
        for parent in desc.iter():
            if el in list(parent):
                found = parent.find(tag)
                return (found.text or "").strip() if found is not None else None
    return None


def find_motion_clip(data: bytes) -> MotionResult:
    """The appended clip of a motion photo, validated against the bytes themselves."""
    if data[:2] != b"\xff\xd8":
        return MotionResult()
    try:
        packet = read_jpeg(data).xmp
    except (ValueError, struct.error):
        return MotionResult()
    if not packet:
        return MotionResult()
    try:
        declared = _declared_length(packet)
    except (ValueError, SyntaxError) as exc:
        return MotionResult(note=f"motion photo XMP unreadable: {exc}")
    if declared is None:
        return MotionResult()
    length, form = declared
    offset = len(data) - length
    if length <= 0 or offset <= 2:
        return MotionResult(note=f"motion photo clip length {length} does not fit a {len(data)}-byte file")
    head = data[offset : offset + _MIN_FTYP]
    if len(head) < _MIN_FTYP or head[4:8] != b"ftyp":
        return MotionResult(note=f"motion photo clip at byte {offset} is not an MP4 (no ftyp box)")
    box_size = struct.unpack(">I", head[:4])[0]
    if box_size < _MIN_FTYP or box_size > length:
        return MotionResult(note=f"motion photo clip at byte {offset} has a broken ftyp box")
    try:
        duration = read_isobmff(data[offset:]).duration
    except (ValueError, struct.error, IndexError):
        duration = None
    return MotionResult(clip=MotionClip(offset, length, duration, form))


def find_motion_clip_in_file(path: str) -> MotionResult:
    """:func:`find_motion_clip` on a file, reading all of it only when its head declares a clip:
    the XMP that declares one sits in the first segments, so an ordinary JPEG costs one small
    read (the scan has just read every new file once already)."""
    with open(path, "rb") as f:
        head = f.read(thresholds.MOTION_HEAD_BYTES)
        if b"MicroVideo" not in head and b"MotionPhoto" not in head:
            return MotionResult()
        return find_motion_clip(head + f.read())


def clip_still_there(path: str, offset: int, length: int) -> bool:
    """Whether the file still ends in the clip recorded for it: its size, and an MP4 ``ftyp`` box
    at the offset (12 bytes read, not the photo)."""
    try:
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size != offset + length:
                return False
            f.seek(offset)
            return f.read(8)[4:8] == b"ftyp"
    except OSError:
        return False


def find_motion_photos(ctx: AppContext, rep: Reporter) -> int:
    """Look at every JPEG not looked at yet for an appended clip and record what was found (a
    step right after a scan's writes). Returns how many clips were found."""
    todo = store.unchecked_jpegs(ctx.db)
    if not todo:
        return 0
    rep.start("Looking for motion photos", len(todo))
    found = 0
    for photo_id, photo_hash, path in todo:
        try:
            result = find_motion_clip_in_file(path)
        except OSError:
            rep.advance()
            continue
        clip = result.clip
        store.record_motion_photo(
            ctx.db,
            photo_id,
            photo_hash,
            (clip.offset, clip.length, clip.duration_s) if clip else None,
            result.note,
        )
        if result.note:
            rep.problem(path, [result.note])
        found += clip is not None
        rep.advance()
    return found
