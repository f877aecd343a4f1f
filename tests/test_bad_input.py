"""Bad input gets a clear error on that file; everything else goes on; a rerun retries it."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

from tests.conftest import run_cli

GOOD = "exif/photoprism/IMG_4120.JPG"


def _png_header_only(width: int, height: int) -> bytes:
    """A valid PNG whose IHDR claims a huge size: a decompression bomb's signature."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


def _build_bad_library(lib: Path, photos_dir: Path) -> dict[str, Path]:
    lib.mkdir(parents=True)
    good = photos_dir / GOOD
    data = good.read_bytes()
    files = {
        "good": lib / "good.jpg",
        "truncated": lib / "truncated.jpg",
        "empty": lib / "empty.jpg",
        "png_named_jpg": lib / "really-a-png.jpg",
        "text_named_jpg": lib / "notes.jpg",
        "bad_exif": lib / "bad-exif.jpg",
        "bomb": lib / "bomb.png",
        "non_utf8": lib / os.fsdecode(b"caf\xe9-latin1.jpg"),
    }
    files["good"].write_bytes(data)
    files["truncated"].write_bytes(data[: len(data) // 2])
    files["empty"].write_bytes(b"")
    shutil.copyfile(photos_dir / "exif/exifr/png_with_exif_and_gps.png", files["png_named_jpg"])
    files["text_named_jpg"].write_text("shopping list: milk, eggs\n")
    # An APP1 Exif segment whose IFD offsets point far outside the segment.
    junk_exif = b"Exif\x00\x00" + b"II*\x00" + struct.pack("<I", 0x7FFFFFF0) + os.urandom(40)
    files["bad_exif"].write_bytes(data[:2] + b"\xff\xe1" + struct.pack(">H", len(junk_exif) + 2) + junk_exif + data[2:])
    files["bomb"].write_bytes(_png_header_only(60_000, 60_000))
    files["non_utf8"].write_bytes(data)
    return files


def _by_name(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {os.path.basename(r["path"]): r for r in records}


def test_each_bad_file_gets_a_clear_error_and_the_rest_is_read(tmp_path: Path, photos_dir: Path) -> None:
    home, lib = tmp_path / "home", tmp_path / "lib"
    _build_bad_library(lib, photos_dir)
    result = run_cli(home, "scan", str(lib))
    assert "could not be read" in result.output
    recs = _by_name(run_cli(home, "photos", "--json"))
    assert len(recs) == 8

    assert recs["good.jpg"]["errors"] == [] and recs["good.jpg"]["camera"]["model"] == "iPhone SE"
    assert any("ends early" in e for e in recs["truncated.jpg"]["errors"])
    assert recs["truncated.jpg"]["camera"]["model"] == "iPhone SE", "a cut file still has its EXIF"
    assert recs["empty.jpg"]["state"] == "failed" and any("empty" in e for e in recs["empty.jpg"]["errors"])
    png = recs["really-a-png.jpg"]
    assert png["format"] == "png" and png["camera"]["model"] == "Canon PowerShot S40"
    assert any("does not match the content (PNG)" in e for e in png["errors"])
    text = recs["notes.jpg"]
    assert text["state"] == "failed" and any("plain text" in e for e in text["errors"])
    bad = recs["bad-exif.jpg"]
    assert bad["state"] == "problem" and any("EXIF" in e for e in bad["errors"])
    assert (bad["width"], bad["height"]) == (500, 375), "the pixels' size survives a broken EXIF"
    bomb = recs["bomb.png"]
    assert bomb["width"] == 60_000 and any("decompression bomb" in e for e in bomb["errors"])
    latin = recs["caf\\xe9-latin1.jpg"]
    assert latin["camera"]["model"] == "iPhone SE" and any("not valid UTF-8" in e for e in latin["errors"])


def test_a_fixed_file_is_retried_on_the_next_scan(tmp_path: Path, photos_dir: Path) -> None:
    home, lib = tmp_path / "home", tmp_path / "lib"
    files = _build_bad_library(lib, photos_dir)
    run_cli(home, "scan", str(lib))
    files["empty"].write_bytes((photos_dir / GOOD).read_bytes())
    summary = run_cli(home, "scan", str(lib), "--json")
    assert summary["read"] >= 1
    recs = _by_name(run_cli(home, "photos", "--json"))
    assert recs["empty.jpg"]["state"] == "ok"


def test_failed_files_are_retried_even_when_unchanged(tmp_path: Path, photos_dir: Path) -> None:
    home, lib = tmp_path / "home", tmp_path / "lib"
    _build_bad_library(lib, photos_dir)
    run_cli(home, "scan", str(lib))
    again = run_cli(home, "scan", str(lib), "--json")
    assert again["read"] == 2 and again["failed"] == 2, "the two unreadable files are tried again, the rest skipped"


def test_unreadable_permissions(tmp_path: Path, photos_dir: Path) -> None:
    """A file the user may not read. As root (CI), the scan runs without the capabilities that
    let root read anything (util-linux ``setpriv``), so the kernel really refuses the open."""
    lib, home = tmp_path / "lib", tmp_path / "home"
    lib.mkdir()
    shutil.copyfile(photos_dir / GOOD, lib / "ok.jpg")
    shutil.copyfile(photos_dir / GOOD, lib / "secret.jpg")
    os.chmod(lib / "secret.jpg", 0o000)
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    cmd = [*prefix, sys.executable, "-m", "camroll.cli", "scan", str(lib), "--home", str(home)]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "secret.jpg" in run.stderr and "Permission denied" in run.stderr
    recs = _by_name(run_cli(home, "photos", "--json"))
    assert recs["ok.jpg"]["state"] == "ok"
    assert recs["secret.jpg"]["state"] == "failed"
    assert any("Permission denied" in e for e in recs["secret.jpg"]["errors"])
    os.chmod(lib / "secret.jpg", 0o644)
    run_cli(home, "scan", str(lib))
    assert _by_name(run_cli(home, "photos", "--json"))["secret.jpg"]["state"] == "ok"
