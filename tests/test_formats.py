"""Every format the catalog promises, written in code by real encoders, read end to end."""

from __future__ import annotations

from pathlib import Path

import pillow_heif
import pytest
from PIL import Image

from tests.conftest import run_cli

FORMATS = [  # (file name, Pillow format, expected camroll format)
    ("a.jpg", "JPEG", "jpeg"),
    ("b.png", "PNG", "png"),
    ("c.webp", "WEBP", "webp"),
    ("d.tiff", "TIFF", "tiff"),
    ("e.dng", "TIFF", "dng"),  # DNG is TIFF inside; camroll reads its tags
    ("f.heic", "HEIF", "heic"),
    ("g.avif", "AVIF", "avif"),
    ("h.gif", "GIF", None),  # GIF carries no EXIF: the date falls back to the file's time
]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    pillow_heif.register_heif_opener()
    root = tmp_path_factory.mktemp("formats")
    lib = root / "lib"
    lib.mkdir()
    for i, (name, fmt, _) in enumerate(FORMATS):
        exif = Image.Exif()
        exif[0x010F], exif[0x0110] = "Testmaker", f"Model {fmt}"
        exif.get_ifd(0x8769)[0x9003] = f"2020:01:0{i + 1} 10:00:00"
        exif[0x0132] = f"2020:01:0{i + 1} 10:00:00"  # Pillow's TIFF writer drops the Exif IFD; IFD0 DateTime stays
        img = Image.linear_gradient("L").resize((200 + i, 100)).convert("RGB")
        img.save(lib / name, fmt, **({} if fmt == "GIF" else {"exif": exif}))
    run_cli(root / "home", "scan", str(lib))
    return {Path(str(r["path"])).name: r for r in run_cli(root / "home", "photos", "--json")}


@pytest.mark.parametrize(("name", "pillow_format", "expected"), FORMATS)
def test_format_is_read(
    scanned: dict[str, dict[str, object]], name: str, pillow_format: str, expected: str | None
) -> None:
    i = [f[0] for f in FORMATS].index(name)
    rec = scanned[name]
    assert rec["errors"] == [], rec["errors"]
    assert (rec["width"], rec["height"]) == (200 + i, 100)
    if expected is None:
        assert rec["format"] == "gif" and rec["taken_at_source"] == "file-mtime"
        return
    assert rec["format"] == expected
    assert rec["camera"] == {"make": "Testmaker", "model": f"Model {pillow_format}"}
    assert rec["taken_at"] == f"2020-01-0{i + 1}T10:00:00"
    tiff_based = pillow_format == "TIFF"
    assert rec["taken_at_source"] == ("exif:ModifyDate" if tiff_based else "exif:DateTimeOriginal")
