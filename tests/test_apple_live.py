"""Apple Live Photos: a real still (a JPEG from tests/data/photos, or a HEIC written by libheif)
carrying Apple's MakerNote with the content identifier, and a real H.264 MOV written by PyAV
(FFmpeg's mov muxer) with the identifier in its QuickTime keys, become ONE item: the MOV is the
still's clip, served by /clip and `camroll clip`, hidden from the timeline and search, and never
analysed. exiftool reads both identifiers back, so the files are built as Apple lays them out.
Hostile values (huge, not a UUID, truncated boxes) are refused with a note and break nothing."""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from camroll.library.apple_live import identifier_of_file
from tests.conftest import run_cli

CID = "1E5F1A7C-0B6A-4C4F-9D4E-3C2B1A0F9E8D"
OTHER = "7A3D2E10-55C1-4B8E-A0F2-9E6B4C3D2A11"


# --- building the files ---------------------------------------------------------------------


def _ifd(entries: list[tuple[int, int, int, bytes]], at: int) -> bytes:
    """A big-endian IFD placed at offset ``at`` of its block: values over 4 bytes follow it."""
    data_at = at + 2 + 12 * len(entries) + 4
    head, tail = struct.pack(">H", len(entries)), b""
    for tag, typ, count, value in sorted(entries):
        if len(value) <= 4:
            head += struct.pack(">HHI", tag, typ, count) + value.ljust(4, b"\0")
        else:
            head += struct.pack(">HHII", tag, typ, count, data_at + len(tail))
            tail += value + b"\0" * (len(value) % 2)
    return head + struct.pack(">I", 0) + tail


def apple_maker_note(identifier: bytes | None, typ: int = 2, count: int | None = None) -> bytes:
    """Apple's MakerNote: ``Apple iOS\\0``, version 1, ``MM``, then an IFD whose offsets count
    from the MakerNote's start; tag 0x0001 (version 14, as iOS 16 writes) and 0x0011 (the Live
    Photo identifier, ASCII with its NUL)."""
    entries = [(0x0001, 9, 1, struct.pack(">i", 14))]
    if identifier is not None:
        value = identifier + b"\0"
        entries.append((0x0011, typ, len(value) if count is None else count, value))
    return b"Apple iOS\0" + b"\0\x01" + b"MM" + _ifd(entries, 14)


def apple_exif(maker_note: bytes) -> bytes:
    """A TIFF block as an iPhone writes it: Make, Model, and an Exif IFD with DateTimeOriginal
    and the MakerNote (UNDEFINED)."""
    make, model, when = b"Apple\0", b"iPhone 14\0", b"2024:05:01 12:00:00\0"
    ifd0_len = 2 + 12 * 3 + 4 + len(make) + len(model)
    exif_at = 8 + ifd0_len + ifd0_len % 2
    pointer = struct.pack(">I", exif_at)
    ifd0 = _ifd([(0x010F, 2, len(make), make), (0x0110, 2, len(model), model), (0x8769, 4, 1, pointer)], 8)
    exif = _ifd([(0x9003, 2, len(when), when), (0x927C, 7, len(maker_note), maker_note)], exif_at)
    return b"MM\0*" + struct.pack(">I", 8) + ifd0.ljust(exif_at - 8, b"\0") + exif


def jpeg_with_exif(jpeg: bytes, tiff: bytes) -> bytes:
    """The real JPEG with its own EXIF segments taken out and ``tiff`` put in as APP1."""
    out, pos = bytearray(jpeg[:2]), 2
    while pos + 4 <= len(jpeg) and jpeg[pos] == 0xFF and jpeg[pos + 1] != 0xDA:
        (length,) = struct.unpack_from(">H", jpeg, pos + 2)
        segment = jpeg[pos : pos + 2 + length]
        if not (jpeg[pos + 1] == 0xE1 and segment[4:10] == b"Exif\0\0"):
            out += segment
        pos += 2 + length
    body = b"Exif\0\0" + tiff
    return bytes(out[:2]) + b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body + bytes(out[2:]) + jpeg[pos:]


def heic_with_exif(photo: Path, tiff: bytes) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    buf = io.BytesIO()
    Image.open(photo).convert("RGB").resize((128, 96)).save(buf, format="HEIF", exif=b"Exif\0\0" + tiff)
    return buf.getvalue()


def live_mov(path: Path, photo: Path, identifier: str | None, seconds: float = 2.0) -> bytes:
    """A real H.264 MOV showing ``photo``, its identifier in the QuickTime keys (moov/meta,
    'mdta' handler), as FFmpeg writes them with ``movflags=use_metadata_tags``."""
    img = Image.open(photo).convert("RGB")
    img = img.resize((img.width // 4 * 2, img.height // 4 * 2))
    with av.open(str(path), "w", format="mov", options={"movflags": "use_metadata_tags"}) as out:
        if identifier is not None:
            out.metadata["com.apple.quicktime.content.identifier"] = identifier
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = img.width, img.height, "yuv420p"
        frame = av.VideoFrame.from_ndarray(np.asarray(img), format="rgb24")
        for _ in range(int(seconds * 10)):
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path.read_bytes()


def exiftool(path: Path, *tags: str) -> dict[str, object]:
    done = subprocess.run(["exiftool", "-j", *[f"-{t}" for t in tags], str(path)], capture_output=True, check=True)
    return json.loads(done.stdout)[0]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def dog(photos_dir: Path) -> Path:
    return sorted((photos_dir / "scenes" / "dog").glob("*.jpg"))[0]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, dog: Path) -> tuple[bytes, bytes]:
    """(JPEG still, MOV) of one Live Photo, built once."""
    folder = tmp_path_factory.mktemp("pair")
    still = jpeg_with_exif(dog.read_bytes(), apple_exif(apple_maker_note(CID.encode())))
    return still, live_mov(folder / "IMG_0001.MOV", dog, CID)


# --- reading the identifier -----------------------------------------------------------------


def test_both_halves_carry_the_identifier_as_exiftool_reads_it(
    tmp_path: Path, pair: tuple[bytes, bytes], dog: Path
) -> None:
    still, mov = pair
    (tmp_path / "IMG_0001.JPG").write_bytes(still)
    (tmp_path / "IMG_0001.MOV").write_bytes(mov)
    (tmp_path / "IMG_0002.HEIC").write_bytes(heic_with_exif(dog, apple_exif(apple_maker_note(OTHER.encode()))))
    # exiftool 12.19+ names MakerNote 0x0011 MediaGroupUUID (ContentIdentifier before).
    assert exiftool(tmp_path / "IMG_0001.JPG", "MediaGroupUUID")["MediaGroupUUID"] == CID
    assert exiftool(tmp_path / "IMG_0002.HEIC", "MediaGroupUUID")["MediaGroupUUID"] == OTHER
    assert exiftool(tmp_path / "IMG_0001.MOV", "ContentIdentifier")["ContentIdentifier"] == CID
    assert identifier_of_file(str(tmp_path / "IMG_0001.JPG"), "jpeg").content_id == CID
    assert identifier_of_file(str(tmp_path / "IMG_0002.HEIC"), "heic").content_id == OTHER
    assert identifier_of_file(str(tmp_path / "IMG_0001.MOV"), "mov").content_id == CID
    plain = identifier_of_file(str(dog), "jpeg")  # a Canon JPEG: its own maker note, no identifier
    assert plain.content_id is None and plain.note is None


def test_hostile_identifiers_are_refused_with_a_note(tmp_path: Path, dog: Path, pair: tuple[bytes, bytes]) -> None:
    jpeg = dog.read_bytes()
    cases = {
        "not_uuid.jpg": apple_maker_note(b"'; DROP TABLE photos; --"),
        "huge.jpg": apple_maker_note(b"A" * 5000),
        "past_end.jpg": apple_maker_note(CID.encode(), count=10**9),
        "number.jpg": apple_maker_note(CID.encode(), typ=4),
    }
    for name, note in cases.items():
        (tmp_path / name).write_bytes(jpeg_with_exif(jpeg, apple_exif(note)))
        found = identifier_of_file(str(tmp_path / name), "jpeg")
        assert found.content_id is None and found.note, name
    _still, mov = pair
    at = mov.index(CID.encode())
    (tmp_path / "not_uuid.mov").write_bytes(mov[:at] + b"X" * len(CID) + mov[at + len(CID) :])
    found = identifier_of_file(str(tmp_path / "not_uuid.mov"), "mov")
    assert found.content_id is None and found.note is not None and "not a UUID" in found.note
    (tmp_path / "cut.mov").write_bytes(mov[: mov.index(b"moov") + 100])  # the movie header cut short
    found = identifier_of_file(str(tmp_path / "cut.mov"), "mov")
    assert found.content_id is None and found.note is not None and "truncated" in found.note
    moov_at = mov.index(b"moov") - 4
    huge = mov[:moov_at] + struct.pack(">I", 0x7FFFFFF0) + mov[moov_at + 4 :]  # a moov of 2 GB claimed
    (tmp_path / "huge.mov").write_bytes(huge)
    found = identifier_of_file(str(tmp_path / "huge.mov"), "mov")
    assert found.content_id is None and found.note is not None and "limit" in found.note
    heic = heic_with_exif(dog, apple_exif(apple_maker_note(CID.encode())))
    meta_at = heic.index(b"meta") - 4
    (tmp_path / "huge.heic").write_bytes(heic[:meta_at] + struct.pack(">I", 0x7FFFFFF0) + heic[meta_at + 4 :])
    found = identifier_of_file(str(tmp_path / "huge.heic"), "heic")
    assert found.content_id is None and found.note is not None and "limit" in found.note
    (tmp_path / "cut.heic").write_bytes(heic[: heic.index(CID.encode())])  # cut inside the Exif item
    found = identifier_of_file(str(tmp_path / "cut.heic"), "heic")
    assert found.content_id is None and found.note is not None and "truncated" in found.note
    keys_at = mov.index(b"keys") - 4  # a keys box that claims more than its meta holds
    (tmp_path / "keys.mov").write_bytes(mov[:keys_at] + struct.pack(">I", 10**6) + mov[keys_at + 4 :])
    found = identifier_of_file(str(tmp_path / "keys.mov"), "mov")
    assert found.content_id is None


# --- one item -------------------------------------------------------------------------------


def _records(home: Path) -> dict[str, dict[str, object]]:
    return {Path(str(r["path"])).name: r for r in run_cli(home, "photos", "--json")}


def _timeline(home: Path) -> list[int]:
    from camroll.config import AppContext, Config
    from camroll.store import photos

    ctx = AppContext(Config(home=home, workers=1))
    try:
        rows = photos.dated_page(ctx.db, None, 100) + photos.undated_page(ctx.db, 1 << 62, 100)
        return sorted(int(r["id"]) for r in rows)
    finally:
        ctx.close()


def test_a_live_photo_is_one_item_analysed_once(tmp_path: Path, pair: tuple[bytes, bytes], dog: Path) -> None:
    still, mov = pair
    lib, home = tmp_path / "lib", tmp_path / "home"
    lib.mkdir()
    (lib / "IMG_0001.JPG").write_bytes(still)
    (lib / "IMG_0001.MOV").write_bytes(mov)
    live_mov(lib / "holiday.mov", dog, None, seconds=1.0)  # an ordinary video stays an item
    scanned = run_cli(home, "scan", str(lib), "--no-analyze")
    said = " ".join(scanned.output.split())
    assert "1 Live Photos made one item each" in said and "2 videos (1 of them the clips of Live Photos)" in said
    recs = _records(home)
    motion = recs["IMG_0001.JPG"]["motion"]
    assert isinstance(motion, dict) and motion["kind"] == "apple-live" and motion["paired_by"] == "identifier"
    assert 1.5 < float(motion["duration_s"]) < 2.5
    assert recs["IMG_0001.MOV"]["clip_of"] == str(lib / "IMG_0001.JPG")
    assert recs["holiday.mov"]["clip_of"] is None and recs["holiday.mov"]["motion"] is None
    ids = {name: int(str(r["id"])) for name, r in recs.items()}
    assert _timeline(home) == sorted([ids["IMG_0001.JPG"], ids["holiday.mov"]]), "the MOV is no item"
    run_cli(home, "consent", "grant", "quality")
    run_cli(home, "analyze", "--workers", "1", "--quiet")
    from camroll.config import AppContext, Config

    ctx = AppContext(Config(home=home, workers=1))
    try:
        analysed = {int(r[0]) for r in ctx.db.query("SELECT photo_id FROM analysis_state WHERE status = 'done'")}
    finally:
        ctx.close()
    assert ids["IMG_0001.JPG"] in analysed and ids["holiday.mov"] in analysed
    assert ids["IMG_0001.MOV"] not in analysed, "the Live Photo's MOV is never analysed on its own"
    out = tmp_path / "out"
    done = run_cli(home, "clip", str(lib / "IMG_0001.JPG"), "--out", str(out), "--json")
    assert (out / "IMG_0001.clip.mov").read_bytes() == mov and done["kind"] == "apple-live"
    assert sorted(p.name for p in lib.iterdir()) == ["IMG_0001.JPG", "IMG_0001.MOV", "holiday.mov"]


def test_pairs_follow_the_files_on_rescan(tmp_path: Path, pair: tuple[bytes, bytes], dog: Path) -> None:
    still, mov = pair
    lib, home = tmp_path / "lib", tmp_path / "home"
    (lib / "a").mkdir(parents=True)
    (lib / "a" / "IMG_0001.JPG").write_bytes(still)
    (lib / "a" / "IMG_0001.MOV").write_bytes(mov)
    run_cli(home, "scan", str(lib), "--no-analyze")
    assert len(_timeline(home)) == 1
    # The still moves to another folder: the halves no longer sit together, the MOV is a video again.
    (lib / "b").mkdir()
    shutil.move(lib / "a" / "IMG_0001.JPG", lib / "b" / "IMG_0001.JPG")
    assert "1 Live Photos split" in " ".join(run_cli(home, "scan", str(lib), "--no-analyze").output.split())
    recs = _records(home)
    assert recs["IMG_0001.JPG"]["motion"] is None and recs["IMG_0001.MOV"]["clip_of"] is None
    assert len(_timeline(home)) == 2
    # The MOV follows it: one item again.
    shutil.move(lib / "a" / "IMG_0001.MOV", lib / "b" / "IMG_0001.MOV")
    run_cli(home, "scan", str(lib), "--no-analyze")
    assert _records(home)["IMG_0001.MOV"]["clip_of"] == str(lib / "b" / "IMG_0001.JPG")
    assert len(_timeline(home)) == 1
    # The still is deleted: the MOV is an ordinary video, an item of its own.
    os.remove(lib / "b" / "IMG_0001.JPG")
    run_cli(home, "scan", str(lib), "--no-analyze")
    recs = _records(home)
    assert "IMG_0001.JPG" not in recs and recs["IMG_0001.MOV"]["clip_of"] is None
    assert len(_timeline(home)) == 1


def test_by_name_only_without_an_identifier_and_a_short_mov(tmp_path: Path, dog: Path) -> None:
    """A still whose maker note was dropped (an editor) pairs with the MOV of its name when the
    MOV is short; a long one of the same name is a video the person took, not a Live Photo."""
    lib, home = tmp_path / "lib", tmp_path / "home"
    lib.mkdir()
    plain = jpeg_with_exif(dog.read_bytes(), apple_exif(apple_maker_note(None)))
    (lib / "IMG_0005.JPG").write_bytes(plain)
    live_mov(lib / "IMG_0005.MOV", dog, CID, seconds=2.0)
    other = sorted((dog.parent).glob("*.jpg"))[1]  # another photo: identical bytes would be one photo
    (lib / "IMG_0006.JPG").write_bytes(jpeg_with_exif(other.read_bytes(), apple_exif(apple_maker_note(None))))
    live_mov(lib / "IMG_0006.MOV", dog, None, seconds=6.0)
    scanned = run_cli(home, "scan", str(lib), "--no-analyze")
    said = " ".join(scanned.output.split())  # as words: the console wraps long lines
    assert "1 Live Photos made one item each (still and clip), 1 by file name only" in said
    recs = _records(home)
    motion = recs["IMG_0005.JPG"]["motion"]
    assert isinstance(motion, dict) and motion["kind"] == "apple-live" and motion["paired_by"] == "name"
    assert recs["IMG_0006.JPG"]["motion"] is None and recs["IMG_0006.MOV"]["clip_of"] is None


def test_hostile_files_do_not_break_the_scan(tmp_path: Path, pair: tuple[bytes, bytes], dog: Path) -> None:
    still, mov = pair
    lib, home = tmp_path / "lib", tmp_path / "home"
    lib.mkdir()
    (lib / "IMG_0001.JPG").write_bytes(still)
    (lib / "IMG_0001.MOV").write_bytes(mov)
    (lib / "IMG_0009.JPG").write_bytes(jpeg_with_exif(dog.read_bytes(), apple_exif(apple_maker_note(b"A" * 5000))))
    at = mov.index(CID.encode())
    (lib / "IMG_0009.MOV").write_bytes(mov[:at] + b"Z" * len(CID) + mov[at + len(CID) :])
    (lib / "IMG_0010.MOV").write_bytes(mov[: mov.index(b"moov") + 100])
    result = run_cli(home, "scan", str(lib), "--no-analyze")
    assert "not a UUID" in result.output
    recs = _records(home)
    assert recs["IMG_0001.JPG"]["motion"]["kind"] == "apple-live"  # type: ignore[index]
    assert recs["IMG_0009.JPG"]["motion"] is None and recs["IMG_0009.MOV"]["clip_of"] is None
    from camroll.config import AppContext, Config
    from camroll.store import live_photos

    ctx = AppContext(Config(home=home, workers=1))
    try:
        notes = dict(live_photos.identifier_notes(ctx.db))
    finally:
        ctx.close()
    ids = {name: int(str(r["id"])) for name, r in recs.items() if r["id"] is not None}
    assert "not a UUID" in notes[ids["IMG_0009.JPG"]] and "not a UUID" in notes[ids["IMG_0009.MOV"]]


def test_the_web_plays_the_mov_for_the_still_and_lists_one_item(tmp_path: Path, pair: tuple[bytes, bytes]) -> None:
    from camroll.config import Config
    from camroll.web.app import create_app
    from tests.test_web import browser

    still, mov = pair
    lib, home = tmp_path / "lib", tmp_path / "home"
    lib.mkdir()
    (lib / "IMG_0001.JPG").write_bytes(still)
    (lib / "IMG_0001.MOV").write_bytes(mov)
    run_cli(home, "scan", str(lib), "--no-analyze")
    ids = {name: int(str(r["id"])) for name, r in _records(home).items()}
    with browser(create_app(Config(home=home, workers=1))) as c:
        url = f"/clip/{ids['IMG_0001.JPG']}"
        whole = c.get(url)
        assert whole.status_code == 200 and whole.content == mov
        assert whole.headers["content-type"] == "video/quicktime"
        part = c.get(url, headers={"Range": "bytes=100-1099"})
        assert part.status_code == 206 and part.content == mov[100:1100]
        assert part.headers["content-range"] == f"bytes 100-1099/{len(mov)}"
        assert c.get(f"/clip/{ids['IMG_0001.MOV']}").status_code == 404  # the MOV has no clip of its own
        timeline = c.get("/").text
        assert f"/photo/{ids['IMG_0001.JPG']}" in timeline and f"/photo/{ids['IMG_0001.MOV']}" not in timeline


def test_a_live_photo_from_an_apple_export_is_one_item(tmp_path: Path, pair: tuple[bytes, bytes]) -> None:
    """`camroll import apple` copies both halves in; the scan that follows pairs them."""
    still, mov = pair
    export, home = tmp_path / "Exported", tmp_path / "home"
    export.mkdir()
    (export / "IMG_0001.JPG").write_bytes(still)
    (export / "IMG_0001.MOV").write_bytes(mov)
    out = run_cli(home, "import", "apple", str(export), "--json")
    assert out["copied"] == 2
    recs = _records(home)
    motion = recs["IMG_0001.JPG"]["motion"]
    assert isinstance(motion, dict) and motion["kind"] == "apple-live"
    assert str(recs["IMG_0001.MOV"]["clip_of"]).endswith("IMG_0001.JPG")
    assert str(recs["IMG_0001.MOV"]["path"]) != str(export / "IMG_0001.MOV")  # the copy, not the export
    assert len(_timeline(home)) == 1


def test_a_heic_live_photo_is_one_item(tmp_path: Path, dog: Path) -> None:
    """The HEIC's identifier is in its Exif item, wherever ``iloc`` puts it (libheif: in ``mdat``)."""
    lib, home = tmp_path / "lib", tmp_path / "home"
    lib.mkdir()
    (lib / "IMG_0002.HEIC").write_bytes(heic_with_exif(dog, apple_exif(apple_maker_note(OTHER.encode()))))
    mov = live_mov(lib / "IMG_0002.MOV", dog, OTHER, seconds=3.0)
    run_cli(home, "scan", str(lib), "--no-analyze")
    recs = _records(home)
    motion = recs["IMG_0002.HEIC"]["motion"]
    assert isinstance(motion, dict) and motion["kind"] == "apple-live" and motion["paired_by"] == "identifier"
    assert recs["IMG_0002.MOV"]["clip_of"] == str(lib / "IMG_0002.HEIC")
    assert _timeline(home) == [int(str(recs["IMG_0002.HEIC"]["id"]))]
    out = tmp_path / "out"
    run_cli(home, "clip", str(recs["IMG_0002.HEIC"]["id"]), "--out", str(out))
    assert (out / "IMG_0002.clip.mov").read_bytes() == mov


def test_mutated_halves_never_raise(tmp_path: Path, pair: tuple[bytes, bytes], dog: Path) -> None:
    """Bytes flipped in the metadata a reader walks (EXIF and MakerNote, moov, HEIF meta) and
    cuts at random places: every read ends with an identifier of UUID shape, a note, or nothing."""
    import random
    import re

    still, mov = pair
    heic = heic_with_exif(dog, apple_exif(apple_maker_note(CID.encode())))
    shape = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}")
    rng = random.Random(13)
    moov_at = mov.index(b"moov") - 4
    for data, fmt, lo, hi in ((still, "jpeg", 0, 300), (mov, "mov", moov_at, len(mov)), (heic, "heic", 0, len(heic))):
        for i in range(150):
            mutated = bytearray(data)
            for _ in range(rng.randint(1, 8)):
                mutated[rng.randrange(lo, hi)] = rng.randrange(256)
            if i % 3 == 0:
                mutated = mutated[: rng.randrange(lo, hi)]
            path = tmp_path / f"m.{fmt}"
            path.write_bytes(bytes(mutated))
            found = identifier_of_file(str(path), fmt)
            assert found.content_id is None or shape.fullmatch(found.content_id), (fmt, i)
