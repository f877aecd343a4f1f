"""The catalog: identity by content, cheap rescans, removed files, resumable scans."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from camroll.config import AppContext
from camroll.library import scan as scan_module
from camroll.library.scan import scan
from tests.conftest import SAMPLE, run_cli, tree_hashes


def _copy_some(dst: Path, photos_dir: Path, names: list[str]) -> list[Path]:
    dst.mkdir(parents=True, exist_ok=True)
    out = []
    for rel in names:
        target = dst / Path(rel).name
        shutil.copyfile(photos_dir / rel, target)
        out.append(target)
    return out


SOME = [
    "exif/photoprism/IMG_4120.JPG",
    "exif/exifr/IMG_5910.jpg",
    "exif/photoprism/iphone_7.heic",
    "exif/ianare/camera/Canon_40D.jpg",
    "exif/exifr/png_with_exif_and_gps.png",
]


def test_originals_are_never_written(tmp_path: Path, photos_dir: Path) -> None:
    before = tree_hashes(photos_dir)
    run_cli(tmp_path / "home", "scan", str(photos_dir))
    run_cli(tmp_path / "home", "consent", "grant", "places")
    run_cli(tmp_path / "home", "scan", str(photos_dir))
    assert tree_hashes(photos_dir) == before


def test_rescan_of_unchanged_files_opens_none(
    ctx: AppContext, tmp_path: Path, photos_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = tmp_path / "lib"
    _copy_some(lib, photos_dir, SOME)
    first = scan(ctx, [str(lib)], workers=1)
    assert first.read == len(SOME) and first.new_photos == len(SOME)
    opened: list[Any] = []
    monkeypatch.setattr(scan_module, "read_file", lambda found: opened.append(found))
    second = scan(ctx, [str(lib)], workers=1)
    assert opened == [] and second.unchanged == len(SOME) and second.read == 0


def test_moved_file_is_the_same_photo_and_a_copy_is_a_duplicate(
    ctx: AppContext, tmp_path: Path, photos_dir: Path
) -> None:
    lib = tmp_path / "lib"
    a, *_ = _copy_some(lib, photos_dir, SOME[:2])
    scan(ctx, [str(lib)], workers=1)
    before = {r["path"]: r["id"] for r in _records(ctx)}
    (lib / "renamed").mkdir()
    moved = lib / "renamed" / "holiday.jpg"
    os.rename(a, moved)
    shutil.copyfile(moved, lib / "copy-of-holiday.jpg")
    summary = scan(ctx, [str(lib)], workers=1)
    assert summary.removed == 1 and summary.new_photos == 0 and summary.duplicates >= 1
    after = {r["path"]: r for r in _records(ctx)}
    assert str(a) not in after
    assert after[str(moved)]["id"] == before[str(a)], "a moved photo must keep its identity"
    copy = after[str(lib / "copy-of-holiday.jpg")]
    assert copy["id"] == after[str(moved)]["id"]
    assert copy["duplicate_of"] == str(moved) or after[str(moved)]["duplicate_of"] == str(lib / "copy-of-holiday.jpg")


def _records(ctx: AppContext) -> list[dict[str, Any]]:
    from camroll.store.catalog import photo_records

    return photo_records(ctx)


def test_changed_file_is_read_again(ctx: AppContext, tmp_path: Path, photos_dir: Path) -> None:
    lib = tmp_path / "lib"
    target, *_ = _copy_some(lib, photos_dir, SOME[:1])
    scan(ctx, [str(lib)], workers=1)
    shutil.copyfile(photos_dir / SOME[1], target)
    summary = scan(ctx, [str(lib)], workers=1)
    assert summary.read == 1
    [record] = _records(ctx)
    assert record["camera"]["model"] == "Canon EOS 600D"


def test_interrupted_scan_is_consistent_and_resumes(
    ctx: AppContext, tmp_path: Path, photos_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C in the middle: committed batches stay, the open one rolls back, a rerun finishes."""
    lib = tmp_path / "lib"
    shutil.copytree(photos_dir / "faces", lib)
    total = sum(len(f) for _, _, f in os.walk(lib))
    monkeypatch.setattr(scan_module.thresholds, "SCAN_BATCH", 10)
    monkeypatch.setattr(scan_module.thresholds, "SCAN_COMMIT_SECONDS", 1e9)

    class InterruptAfter:
        def __init__(self, n: int) -> None:
            self.n, self.phase = n, ""

        def start(self, phase: str, total: int | None) -> None:
            self.phase = phase

        def advance(self, n: int = 1) -> None:
            if self.phase == "Reading metadata":
                self.n -= n
                if self.n == 0:
                    raise KeyboardInterrupt

        def problem(self, path: str, errors: list[str]) -> None:
            pass

    first = scan(ctx, [str(lib)], reporter=InterruptAfter(25), workers=1)
    assert first.interrupted
    done = ctx.db.scalar("SELECT count(*) FROM files")
    assert 0 < done < total and done % 10 == 0, "only whole batches are committed"
    assert ctx.db.integrity_ok()
    assert ctx.db.scalar("SELECT count(*) FROM files WHERE state = 'missing'") == 0
    second = scan(ctx, [str(lib)], workers=2)
    assert second.unchanged == done and second.read == total - done
    assert ctx.db.scalar("SELECT count(*) FROM files") == total


def test_parallel_and_serial_scans_agree(tmp_path: Path, photos_dir: Path) -> None:
    from camroll.config import Config

    results = []
    for workers in (1, 2):
        c = AppContext(Config(home=tmp_path / f"home{workers}"))
        scan(c, [str(photos_dir / "exif")], workers=workers)
        results.append(sorted((r["path"], r["hash"], r["taken_at"], str(r["gps"])) for r in _records(c)))
        c.close()
    assert results[0] == results[1] and len(results[0]) > 60


def test_symlink_loops_are_not_followed_forever(ctx: AppContext, tmp_path: Path, photos_dir: Path) -> None:
    lib = tmp_path / "lib"
    _copy_some(lib / "a", photos_dir, SOME[:2])
    (lib / "a" / "loop").symlink_to(lib)
    (lib / "elsewhere").symlink_to(lib / "a")
    summary = scan(ctx, [str(lib)], workers=1)
    assert summary.new_photos == 2 and summary.failed == 0


def test_sample_gallery_ships_with_attribution() -> None:
    import csv

    with open(SAMPLE / "ATTRIBUTION.tsv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    files = {str(p.relative_to(SAMPLE)) for p in SAMPLE.rglob("*") if p.is_file() and p.name != "ATTRIBUTION.tsv"}
    assert files == {r["relative_path"] for r in rows}
    assert all(r["licence"] and r["source_repo"] for r in rows)
    assert sum((SAMPLE / f).stat().st_size for f in files) < 15_000_000
