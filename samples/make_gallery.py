"""Rebuild samples/gallery from tests/data/photos (how the bundled sample was picked).

Run from the repository root: ``python samples/make_gallery.py``. It copies a varied subset
(cameras and phones with GPS, HEIC/PNG/WebP/TIFF, all orientations, deliberately broken files,
faces of a few people, scene photos) and writes ATTRIBUTION.tsv with the source, licence and
sha256 of every file, as the source's MANIFEST.tsv gives them.
"""

import csv
import shutil
import sys
from pathlib import Path

SOURCE = Path("tests/data/photos")
TARGET = Path("samples/gallery")
PICK = [
    "exif/photoprism/",
    "exif/broken/",
    "scenes/",
    "faces/_groups/",
    "faces/deepface_p03/",
    "faces/deepface_p05/",
    "faces/deepface_p06/",
    "faces/deepface_p07/",
    "exif/exifr/IMG_5910.jpg",
    "exif/exifr/heic-iphone7.heic",
    "exif/exifr/png_with_exif_and_gps.png",
    "exif/exifr/door-knocker.jpg",
    "exif/exifr/heic-single.heic",
    "exif/ianare/camera/",
    "exif/ianare/tests/45-gps_ifd.jpg",
    "exif/ianare/tests/67-0_length_string.jpg",
    "exif/ianare/orientation/landscape_3.jpg",
    "exif/ianare/orientation/portrait_6.jpg",
    "exif/ianare/orientation/portrait_8.jpg",
    "exif/ianare/tiff/Arbitro.tiff",
    "exif/ianare/xmp/BlueSquare.jpg",
    "exif/ianare/heic/samplefilehub.heif",
]
LIMIT_BYTES = 15_000_000


def main() -> int:
    with open(SOURCE / "MANIFEST.tsv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    chosen = [
        r
        for r in rows
        if any(r["relative_path"] == p or (p.endswith("/") and r["relative_path"].startswith(p)) for p in PICK)
    ]
    if TARGET.exists():
        shutil.rmtree(TARGET)
    total = 0
    for r in chosen:
        dest = TARGET / r["relative_path"]
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SOURCE / r["relative_path"], dest)
        total += dest.stat().st_size
    with open(TARGET / "ATTRIBUTION.tsv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter="\t")
        writer.writeheader()
        writer.writerows(chosen)
    print(f"{len(chosen)} files, {total / 1e6:.1f} MB")
    return 0 if total < LIMIT_BYTES else 1


if __name__ == "__main__":
    sys.exit(main())
