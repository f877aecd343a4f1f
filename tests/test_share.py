"""Safe sharing: copies carry no identifying metadata (read with exiftool, compared with what
``exiftool -all=`` and ``mat2`` remove), masked faces are no longer recognised by camroll's own
face model, and originals are never touched."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import piexif
import pytest
from PIL import Image

from camroll import thresholds
from camroll.analysis.decode import decode
from camroll.analysis.faces import FaceAnalyser
from camroll.config import AppContext, Config
from camroll.people.import_names import iou
from camroll.privacy import audit
from camroll.sharing.share import ShareOptions, share
from tests.conftest import run_cli, tree_hashes

IDENTIFYING = {"gps", "serial", "time", "maker notes", "xmp"}
"""What the issue names as identifying; each tool is measured on these."""
_TIME = re.compile(r"Date|TimeStamp|SubSecTime|OffsetTime|TimeCreated|TimeOriginal|TimeDigitized")


def exiftool(path: Path) -> dict[str, Any]:
    """Every tag, duplicates included, keyed ``family0:family1:name``."""
    out = subprocess.run(["exiftool", "-json", "-a", "-G0:1", str(path)], capture_output=True, text=True, check=True)
    tags: dict[str, Any] = json.loads(out.stdout)[0]
    return tags


def categories(tags: dict[str, Any]) -> set[str]:
    """The kinds of metadata present, by exiftool's groups and tag names."""
    found = set()
    for key in tags:
        parts = key.split(":")  # family0:family1:name, or family:name where both families agree (IPTC)
        if len(parts) < 2:
            continue
        group0, group1, name = parts[0], parts[-2], parts[-1]
        if name == "Comment":  # a JPEG COM segment: exiftool files it under File
            found.add("comment")
        if group0 in ("ExifTool", "File", "Composite"):
            continue
        if group1 == "GPS" or name.startswith("GPS"):
            found.add("gps")
        if "Serial" in name:
            found.add("serial")
        if _TIME.search(name):
            found.add("time")
        if group0 == "MakerNotes" or name.startswith("MakerNote"):
            found.add("maker notes")
        if group0 == "XMP":
            found.add("xmp")
        if group0 == "IPTC":
            found.add("iptc")
        if group0 == "ICC_Profile":
            found.add("icc")
        if group1 == "IFD1" or group0 == "MPF" or "Thumbnail" in name or "Preview" in name:
            found.add("thumbnail")
    return found


def identifying_photos(photos_dir: Path) -> list[Path]:
    """JPEGs of the real test photos that carry GPS and a serial number (by exiftool.json)."""
    rows = json.loads((photos_dir / "exiftool.json").read_text(encoding="utf-8"))
    picked = []
    for r in rows:
        if r.get("File:FileType") != "JPEG" or not r["SourceFile"].startswith("./exif/"):
            continue
        if any("GPSLatitude" in k for k in r) and any("Serial" in k for k in r):
            picked.append((photos_dir / r["SourceFile"]).resolve())
    return sorted(picked)


def _ctx(home: Path) -> AppContext:
    return AppContext(Config(home=home, workers=1))


def test_copies_carry_nothing_identifying_and_remove_at_least_what_exiftool_and_mat2_do(
    library_copy: Path, photos_dir: Path, tmp_path: Path
) -> None:
    photos = identifying_photos(photos_dir)
    assert len(photos) >= 4, photos
    before = tree_hashes(photos_dir)
    out = tmp_path / "shared"
    result = run_cli(library_copy, "share", *map(str, photos), "--out", str(out), "--json")
    assert not result["failed"]
    assert len(result["copies"]) == len(photos)
    for photo, copy in zip(photos, result["copies"], strict=True):
        original = categories(exiftool(photo))
        assert {"gps", "serial"} <= original, photo  # the test means something: there was data to strip
        ours = categories(exiftool(Path(copy["path"])))
        assert ours == set(), (photo.name, ours)

        # the same photo through exiftool -all= and mat2, each on a copy in a temp folder
        work = tmp_path / "tools" / photo.stem
        work.mkdir(parents=True)
        by_exiftool = work / f"exiftool{photo.suffix}"
        shutil.copy(photo, by_exiftool)
        subprocess.run(["exiftool", "-q", "-q", "-all=", "-overwrite_original", str(by_exiftool)], check=True)
        shutil.copy(photo, work / f"mat2{photo.suffix}")
        subprocess.run(["mat2", "--inplace", str(work / f"mat2{photo.suffix}")], check=True, capture_output=True)
        for tool_output in (by_exiftool, work / f"mat2{photo.suffix}"):
            theirs = categories(exiftool(tool_output))
            removed_by_them = (original - theirs) & IDENTIFYING
            removed_by_us = (original - ours) & IDENTIFYING
            assert removed_by_them <= removed_by_us, (tool_output.name, removed_by_them - removed_by_us)
            with Image.open(tool_output) as img, Image.open(photo) as orig:  # they keep the image...
                img.load()
                assert img.size == orig.size
        with Image.open(copy["path"]) as img, Image.open(photo) as orig:  # ...and so do we, as displayed
            img.load()
            assert img.size in {orig.size, orig.size[::-1]}
    assert tree_hashes(photos_dir) == before


def test_the_time_and_a_coarse_place_are_kept_only_when_asked(
    library_copy: Path, photos_dir: Path, tmp_path: Path
) -> None:
    photo = photos_dir / "exif" / "exifr" / "IMG_5910.jpg"
    ctx = _ctx(library_copy)
    place = ctx.db.query(
        "SELECT pp.city, pp.country FROM photo_places pp JOIN files f ON f.photo_id = pp.photo_id WHERE f.path = ?",
        (str(photo),),
    )[0]
    ctx.close()
    result = run_cli(
        library_copy, "share", str(photo), "--out", str(tmp_path), "--keep-time", "--keep-place", "city", "--json"
    )
    [copy] = result["copies"]
    tags = exiftool(Path(copy["path"]))
    assert tags["EXIF:ExifIFD:DateTimeOriginal"] == "2015:06:11 10:29:26"
    assert tags["EXIF:IFD0:ImageDescription"] == f"{place['city']}, {place['country']}"
    assert categories(tags) == {"time"}  # no GPS, serial, maker notes or XMP came with it

    country = run_cli(library_copy, "share", str(photo), "--out", str(tmp_path), "--keep-place", "country", "--json")
    tags = exiftool(Path(country["copies"][0]["path"]))
    assert tags["EXIF:IFD0:ImageDescription"] == place["country"]
    assert categories(tags) == set()


@pytest.fixture(scope="module")
def face_model() -> FaceAnalyser:
    model = FaceAnalyser(threads=1)
    model.ensure_loaded()
    return model


def _prints(ctx: AppContext, person: int) -> np.ndarray:
    sealer = ctx.sealer("biometric")
    rows = ctx.db.query("SELECT embedding FROM faces WHERE person_id = ? AND embedding IS NOT NULL", (person,))
    return np.stack([np.frombuffer(sealer.open(r[0]), np.float32) for r in rows])


def _closest(
    model: FaceAnalyser, path: Path, box: tuple[float, float, float, float], prints: np.ndarray
) -> float | None:
    """Distance from the face found on ``path`` where ``box`` was to the nearest of ``prints``
    (None: no face with a print is found there)."""
    found = model.analyse(decode(0, "copy", str(path), 1, None), {}).faces
    distances = [
        float(np.linalg.norm(prints - np.frombuffer(f.embedding, np.float32), axis=1).min())
        for f in found
        if f.embedding is not None and iou(f.box, box) > 0
    ]
    return min(distances) if distances else None


@pytest.mark.parametrize("style", ["blur", "solid"])
def test_masked_faces_are_no_longer_recognised_by_camrolls_face_model(
    library_copy: Path, tmp_path: Path, face_model: FaceAnalyser, style: str
) -> None:
    ctx = _ctx(library_copy)
    # the person with the most faces, and one photo of them (a single-face photo, the hardest case:
    # the face is large and sharp)
    person = ctx.db.scalar(
        "SELECT person_id FROM faces WHERE person_id IS NOT NULL GROUP BY person_id"
        " ORDER BY count(*) DESC, person_id LIMIT 1"
    )
    face = ctx.db.query(
        "SELECT fa.photo_id, fa.x, fa.y, fa.w, fa.h FROM faces fa WHERE fa.person_id = ? AND fa.embedding IS NOT NULL"
        " AND (SELECT count(*) FROM faces o WHERE o.photo_id = fa.photo_id) = 1 ORDER BY fa.w DESC LIMIT 1",
        (person,),
    )[0]
    prints = _prints(ctx, person)
    box = (face["x"], face["y"], face["w"], face["h"])

    masked = share(ctx, [str(face["photo_id"])], tmp_path / "masked", ShareOptions(mask=style))  # type: ignore[arg-type]
    visible = share(ctx, [str(face["photo_id"])], tmp_path / "visible", ShareOptions(persons=[str(person)]))
    ctx.close()
    assert masked.copies[0].faces_masked == 1 and visible.copies[0].faces_visible == 1

    # the control: left visible, the copy's face is still this person (the test can fail)
    seen = _closest(face_model, Path(visible.copies[0].path), box, prints)
    assert seen is not None and seen < thresholds.PEOPLE_ATTACH_DISTANCE
    # masked: no face there, or one that is nobody camroll would match to this person
    hidden = _closest(face_model, Path(masked.copies[0].path), box, prints)
    assert hidden is None or hidden > thresholds.PEOPLE_ATTACH_DISTANCE, hidden


def test_every_face_in_a_group_photo_is_masked_by_default(
    library_copy: Path, photos_dir: Path, tmp_path: Path, face_model: FaceAnalyser
) -> None:
    photo = photos_dir / "faces" / "_groups" / "deepface_couple.jpg"
    ctx = _ctx(library_copy)
    faces = ctx.db.query(
        "SELECT fa.x, fa.y, fa.w, fa.h, fa.person_id FROM faces fa JOIN files f ON f.photo_id = fa.photo_id"
        " WHERE f.path = ? AND fa.embedding IS NOT NULL",
        (str(photo),),
    )
    assert len(faces) == 2
    result = share(ctx, [str(photo)], tmp_path, ShareOptions())
    assert result.copies[0].faces_masked == 2
    for f in faces:
        hidden = _closest(
            face_model, Path(result.copies[0].path), (f["x"], f["y"], f["w"], f["h"]), _prints(ctx, f["person_id"])
        )
        assert hidden is None or hidden > thresholds.PEOPLE_ATTACH_DISTANCE
    events = [e for e in audit.events(ctx) if e.kind == "share"]
    ctx.close()
    assert events and events[-1].details["faces_masked"] == 2
    assert str(photo) not in json.dumps(events[-1].details)  # counts, never the original's path


def _identifying_jpeg(source: Path, target: Path) -> None:
    """Real pixels with GPS, a serial number, a time, a thumbnail, XMP and a comment written in."""
    exif = {
        "0th": {piexif.ImageIFD.Make: b"Canon", piexif.ImageIFD.Model: b"Canon EOS 6D", piexif.ImageIFD.Orientation: 6},
        "Exif": {
            piexif.ExifIFD.DateTimeOriginal: b"2021:07:14 18:30:00",
            piexif.ExifIFD.BodySerialNumber: b"083024001234",
            piexif.ExifIFD.MakerNote: b"Canon secret maker note",
        },
        "GPS": {
            piexif.GPSIFD.GPSLatitudeRef: b"N",
            piexif.GPSIFD.GPSLatitude: ((48, 1), (51, 1), (2400, 100)),
            piexif.GPSIFD.GPSLongitudeRef: b"E",
            piexif.GPSIFD.GPSLongitude: ((2, 1), (17, 1), (4000, 100)),
        },
        "1st": {piexif.ImageIFD.Compression: 6},
        "thumbnail": _thumbnail(source),
    }
    buf = io.BytesIO()
    with Image.open(source) as img:
        img.convert("RGB").save(buf, "JPEG", exif=piexif.dump(exif), comment=b"taken at home")
    data = buf.getvalue()
    xmp = (
        b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf="
        b"'http://www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description xmlns:xmpMM='http://ns.adobe.com/xap/1.0/mm/'"
        b" xmpMM:DocumentID='xmp.did:1234'/></rdf:RDF></x:xmpmeta>"
    )
    segment = b"\xff\xe1" + (len(xmp) + 2).to_bytes(2, "big") + xmp
    target.write_bytes(data[:2] + segment + data[2:])


def _thumbnail(source: Path) -> bytes:
    buf = io.BytesIO()
    with Image.open(source) as img:
        small = img.convert("RGB")
        small.thumbnail((160, 160))
        small.save(buf, "JPEG")
    return buf.getvalue()


def test_a_photo_whose_faces_were_never_looked_for_is_refused_unless_faces_may_stay(
    tmp_path: Path, photos_dir: Path, home: Path
) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    _identifying_jpeg(
        photos_dir / "scenes" / "dog" / sorted((photos_dir / "scenes" / "dog").iterdir())[0].name, folder / "dog.jpg"
    )
    assert {"gps", "serial", "time", "xmp", "thumbnail", "comment"} <= categories(exiftool(folder / "dog.jpg"))
    run_cli(home, "scan", str(folder), "--no-analyze", "--quiet")
    before = tree_hashes(folder)

    ctx = _ctx(home)
    refused = share(ctx, [str(folder / "dog.jpg")], tmp_path / "out", ShareOptions())
    ctx.close()
    assert not refused.copies and "faces" in refused.failed[0]["error"]

    result = run_cli(home, "share", str(folder / "dog.jpg"), "--out", str(tmp_path / "out"), "--keep-faces", "--json")
    [copy] = result["copies"]
    assert categories(exiftool(Path(copy["path"]))) == set()
    with Image.open(folder / "dog.jpg") as orig, Image.open(copy["path"]) as shared:
        assert shared.size == orig.size[::-1]  # orientation 6 applied to the pixels, no tag needed
    assert tree_hashes(folder) == before
    assert Path(copy["path"]).name == "shared-1.jpg"  # the original's name does not travel


def test_bad_items_are_reported_and_the_rest_is_shared(library_copy: Path, photos_dir: Path, tmp_path: Path) -> None:
    photo = photos_dir / "scenes" / "beach" / next((photos_dir / "scenes" / "beach").iterdir()).name
    result = run_cli(
        library_copy, "share", "999999", str(tmp_path / "nope.jpg"), str(photo), "--out", str(tmp_path / "o"), "--json"
    )
    assert len(result["copies"]) == 1 and len(result["failed"]) == 2


def test_never_writes_into_a_folder_of_originals(library_copy: Path, photos_dir: Path) -> None:
    from typer.testing import CliRunner

    from camroll.cli import app

    folder = photos_dir / "scenes" / "beach"
    before = tree_hashes(folder)
    photo = next(folder.iterdir())
    result = CliRunner().invoke(app, ["share", str(photo), "--out", str(folder), "--home", str(library_copy)])
    assert result.exit_code == 2 and "holds original photos" in result.output
    assert tree_hashes(folder) == before


def test_a_mask_destroys_detail_inside_and_leaves_the_rest_alone() -> None:
    from camroll.sharing.mask import mask_area, mask_faces

    rng = np.random.default_rng(7)
    img = rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)  # all detail, no smooth area to hide behind
    box = (150.0, 100.0, 80.0, 100.0)
    x0, y0, x1, y1 = mask_area(box, 400, 300)
    for style in ("blur", "solid"):
        out = mask_faces(img, [box], style)  # type: ignore[arg-type]
        face = out[100:200, 150:230].astype(np.float32)
        # inside the face box, neighbouring pixels no longer differ like the original's do
        assert (
            np.abs(np.diff(face, axis=1)).mean()
            < 0.3 * np.abs(np.diff(img[100:200, 150:230].astype(np.float32), axis=1)).mean()
        )
        outside = np.ones(img.shape[:2], bool)
        outside[y0:y1, x0:x1] = False
        assert (out[outside] == img[outside]).all()
    a, b = mask_faces(img, [box]), mask_faces(img, [box])
    assert not (a == b).all()  # fresh noise every time: two copies cannot be averaged back


def test_an_unknown_person_is_a_clear_error_and_nothing_is_written(
    library_copy: Path, photos_dir: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from camroll.cli import app

    photo = photos_dir / "faces" / "_groups" / "deepface_couple.jpg"
    result = CliRunner().invoke(
        app,
        ["share", str(photo), "--person", "Nobody Atall", "--out", str(tmp_path / "o"), "--home", str(library_copy)],
    )
    assert result.exit_code == 2 and "no person 'Nobody Atall'" in result.output
    assert not list((tmp_path / "o").glob("*.jpg"))
