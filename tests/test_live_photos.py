"""Motion photos (a JPEG with an MP4 appended) are found from the XMP the phones write, and an
offset that lies (past the end, or not onto an MP4) is refused with a note."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import pytest

from camroll.library.live_photos import find_motion_clip
from tests.test_video_analysis import _clip

_XMP_HEAD = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
_XMP_TAIL = b"</rdf:RDF></x:xmpmeta>"


def _gcamera_xmp(length: int) -> bytes:
    return (
        _XMP_HEAD
        + b'<rdf:Description rdf:about="" xmlns:GCamera="http://ns.google.com/photos/1.0/camera/" '
        + b'GCamera:MicroVideo="1" GCamera:MicroVideoVersion="1" '
        + f'GCamera:MicroVideoOffset="{length}" GCamera:MicroVideoPresentationTimestampUs="0"/>'.encode()
        + _XMP_TAIL
    )


def _container_xmp(length: int) -> bytes:
    return (
        _XMP_HEAD
        + b'<rdf:Description rdf:about="" xmlns:Camera="http://ns.google.com/photos/1.0/camera/" '
        + b'xmlns:Container="http://ns.google.com/photos/1.0/container/" '
        + b'xmlns:Item="http://ns.google.com/photos/1.0/container/item/" '
        + b'Camera:MotionPhoto="1" Camera:MotionPhotoVersion="1" '
        + b'Camera:MotionPhotoPresentationTimestampUs="0"><Container:Directory><rdf:Seq>'
        + b'<rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="image/jpeg" '
        + b'Item:Semantic="Primary" Item:Length="0" Item:Padding="0"/></rdf:li>'
        + b'<rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="video/mp4" '
        + f'Item:Semantic="MotionPhoto" Item:Length="{length}" Item:Padding="0"/>'.encode()
        + b"</rdf:li></rdf:Seq></Container:Directory></rdf:Description>"
        + _XMP_TAIL
    )


def _with_xmp(jpeg: bytes, packet: bytes) -> bytes:
    body = b"http://ns.adobe.com/xap/1.0/\x00" + packet
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body + jpeg[2:]


@pytest.fixture(scope="module")
def still_and_clip(tmp_path_factory: pytest.TempPathFactory, photos_dir: Path) -> tuple[bytes, bytes]:
    still = sorted((photos_dir / "scenes" / "dog").glob("*.jpg"))[0]
    mp4 = tmp_path_factory.mktemp("clip") / "clip.mp4"
    _clip(mp4, still, seconds=1.0)
    return still.read_bytes(), mp4.read_bytes()


@pytest.mark.parametrize("xmp", [_gcamera_xmp, _container_xmp])
def test_a_motion_photo_clip_is_found_as_a_byte_range(still_and_clip: tuple[bytes, bytes], xmp: object) -> None:
    jpeg, mp4 = still_and_clip
    data = _with_xmp(jpeg, xmp(len(mp4))) + mp4  # type: ignore[operator]
    result = find_motion_clip(data)
    assert result.note is None and result.clip is not None
    clip = result.clip
    got = data[clip.offset : clip.offset + clip.length]
    assert hashlib.sha256(got).hexdigest() == hashlib.sha256(mp4).hexdigest()
    assert clip.duration_s is not None and 0.5 < clip.duration_s < 1.5


def test_a_lying_offset_is_a_note_and_no_clip(still_and_clip: tuple[bytes, bytes]) -> None:
    jpeg, mp4 = still_and_clip
    past_end = _with_xmp(jpeg, _gcamera_xmp(10**9)) + mp4
    result = find_motion_clip(past_end)
    assert result.clip is None and result.note is not None and "does not fit" in result.note
    not_mp4 = _with_xmp(jpeg, _container_xmp(len(mp4))) + b"\x00" * len(mp4)
    result = find_motion_clip(not_mp4)
    assert result.clip is None and result.note is not None and "not an MP4" in result.note


def test_a_plain_jpeg_has_no_clip_and_no_note(still_and_clip: tuple[bytes, bytes]) -> None:
    jpeg, _ = still_and_clip
    assert find_motion_clip(jpeg).clip is None and find_motion_clip(jpeg).note is None


def test_clip_command_writes_the_clip_elsewhere_only(tmp_path: Path, still_and_clip: tuple[bytes, bytes]) -> None:
    from typer.testing import CliRunner

    from camroll.cli import app
    from tests.conftest import run_cli

    jpeg, mp4 = still_and_clip
    lib, home, out = tmp_path / "lib", tmp_path / "home", tmp_path / "out"
    lib.mkdir()
    (lib / "PXL_1.MP.jpg").write_bytes(_with_xmp(jpeg, _container_xmp(len(mp4))) + mp4)
    (lib / "plain.jpg").write_bytes(jpeg)
    run_cli(home, "scan", str(lib), "--no-analyze")
    before = sorted(p.name for p in lib.iterdir())
    done = run_cli(home, "clip", str(lib / "PXL_1.MP.jpg"), "--out", str(out), "--json")
    assert hashlib.sha256((out / "PXL_1.MP.clip.mp4").read_bytes()).digest() == hashlib.sha256(mp4).digest()
    assert done["bytes"] == len(mp4) and sorted(p.name for p in lib.iterdir()) == before
    beside = CliRunner().invoke(app, ["clip", str(lib / "PXL_1.MP.jpg"), "--out", str(lib), "--home", str(home)])
    assert beside.exit_code != 0 and "beside the original" in beside.output
    plain = CliRunner().invoke(app, ["clip", str(lib / "plain.jpg"), "--out", str(out), "--home", str(home)])
    assert plain.exit_code != 0 and "no motion clip" in plain.output


def test_scan_records_a_motion_photo_once_and_a_liar_stays_a_still(
    tmp_path: Path, still_and_clip: tuple[bytes, bytes]
) -> None:
    from tests.conftest import run_cli

    jpeg, mp4 = still_and_clip
    lib, home = tmp_path / "lib", tmp_path / "home"
    lib.mkdir()
    (lib / "motion.jpg").write_bytes(_with_xmp(jpeg, _gcamera_xmp(len(mp4))) + mp4)
    run_cli(home, "scan", str(lib), "--no-analyze")
    (lib / "liar.jpg").write_bytes(_with_xmp(jpeg, _gcamera_xmp(10**9)) + mp4)  # arrives in a later scan
    run_cli(home, "scan", str(lib), "--no-analyze")
    recs = {Path(r["path"]).name: r for r in run_cli(home, "photos", "--json")}
    assert recs["motion.jpg"]["motion"]["kind"] == "motion_photo"
    assert 0.5 < recs["motion.jpg"]["motion"]["duration_s"] < 1.5
    assert recs["liar.jpg"]["motion"] is None and recs["liar.jpg"]["kind"] == "photo"
