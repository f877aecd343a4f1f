"""The real test photos ship inside the repository (tests/data/photos) with their MANIFEST:
every listed file is present, unchanged (sha256), and carries a licence, so a plain clone
tests exactly what the MANIFEST says it does."""

from __future__ import annotations

import csv
import hashlib

import pytest

from tests.conftest import PHOTOS

pytestmark = pytest.mark.photos  # reads tests/data/photos through PHOTOS, not a fixture


def test_every_manifest_row_is_present_unchanged_and_licensed() -> None:
    with (PHOTOS / "MANIFEST.tsv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    assert len(rows) >= 300
    for row in rows:
        path = PHOTOS / row["relative_path"]
        assert path.is_file(), row["relative_path"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == row["sha256"], row["relative_path"]
        assert row["licence"].strip(), row["relative_path"]
        assert row["source_repo"].strip(), row["relative_path"]


def test_no_unlisted_photo_hides_in_the_set() -> None:
    with (PHOTOS / "MANIFEST.tsv").open(encoding="utf-8", newline="") as f:
        listed = {row["relative_path"] for row in csv.DictReader(f, delimiter="\t")}
    present = {
        str(p.relative_to(PHOTOS))
        for p in PHOTOS.rglob("*")
        if p.is_file() and p.name not in {"MANIFEST.tsv", "README.md", "exiftool.json"}
    }
    assert present == listed
