"""The analysis pipeline: consent gate, decode once, failures per photo, resume, purge."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageFilter

from camroll.analysis.decode import decode
from camroll.analysis.pipeline import analyse, plan
from camroll.config import AppContext
from camroll.library.scan import scan
from camroll.privacy import consent
from tests.conftest import run_cli, tree_hashes

SOURCE = "exif/photoprism/Iceland-sRGB.jpg"


@pytest.fixture
def library(tmp_path: Path, photos_dir: Path) -> Path:
    """A photo, a smaller re-save of it, a blurred copy, an unrelated photo, a broken one."""
    lib = tmp_path / "lib"
    lib.mkdir()
    original = Image.open(photos_dir / SOURCE)
    shutil.copyfile(photos_dir / SOURCE, lib / "original.jpg")
    original.resize((original.width // 2, original.height // 2)).save(lib / "small-copy.jpg", quality=80)
    original.filter(ImageFilter.GaussianBlur(6)).save(lib / "blurred.jpg", quality=92)
    shutil.copyfile(photos_dir / "exif/exifr/IMG_5910.jpg", lib / "other.jpg")
    data = (photos_dir / "exif/photoprism/IMG_4120.JPG").read_bytes()
    (lib / "cut.jpg").write_bytes(data[: len(data) // 3])
    return lib


def _by_name(ctx: AppContext, sql: str) -> dict[str, Any]:
    rows = ctx.db.query(sql)
    return {Path(r[0]).name: tuple(r)[1:] for r in rows}


def test_nothing_is_analysed_without_consent(ctx: AppContext, library: Path) -> None:
    scan(ctx, [str(library)], workers=1)
    assert plan(ctx) == []
    summary = analyse(ctx, workers=1)
    assert summary.analysed == 0 and ctx.db.scalar("SELECT count(*) FROM analysis_state") == 0


def test_cli_says_why_nothing_was_analysed(tmp_path: Path, library: Path) -> None:
    home = tmp_path / "home"
    run_cli(home, "scan", str(library))
    out = run_cli(home, "analyze").output
    assert "Nothing was analysed" in out and "camroll consent grant" in out


def test_quality_and_near_duplicates(ctx: AppContext, library: Path) -> None:
    before = tree_hashes(library)
    scan(ctx, [str(library)], workers=1)
    consent.grant(ctx, "quality")
    consent.grant(ctx, "duplicates")
    summary = analyse(ctx, workers=2)
    assert summary.per_capability == {"quality": 4, "duplicates": 4}
    assert [(Path(p).name, c) for p, c, _ in summary.failures] == [
        ("cut.jpg", "quality"),
        ("cut.jpg", "duplicates"),
    ] or {Path(p).name for p, _, _ in summary.failures} == {"cut.jpg"}
    sharp = _by_name(ctx, "SELECT f.path, q.sharpness, q.score FROM quality q JOIN files f ON f.photo_id = q.photo_id")
    assert sharp["blurred.jpg"][0] < sharp["original.jpg"][0] / 5
    assert sharp["blurred.jpg"][1] < sharp["original.jpg"][1]
    groups = _by_name(
        ctx,
        "SELECT f.path, n.group_id, n.best_id, n.photo_id FROM near_duplicates n JOIN files f ON f.photo_id = n.photo_id",
    )
    assert set(groups) == {"original.jpg", "small-copy.jpg", "blurred.jpg"}, "the unrelated photo stays alone"
    assert all(g[1] == groups["original.jpg"][2] for g in groups.values()), "the biggest, sharpest copy is best"
    from camroll.store.catalog import photo_records

    records = {Path(r["path"]).name: r for r in photo_records(ctx)}
    assert records["small-copy.jpg"]["duplicate_of"].endswith("original.jpg")
    assert records["small-copy.jpg"]["duplicate_kind"] == "near"
    assert records["original.jpg"]["duplicate_of"] is None
    assert tree_hashes(library) == before


def test_failures_are_retried_and_done_work_is_not_redone(ctx: AppContext, library: Path) -> None:
    scan(ctx, [str(library)], workers=1)
    consent.grant(ctx, "quality")
    analyse(ctx, workers=1)
    [job] = plan(ctx)
    assert Path(job.path).name == "cut.jpg" and job.caps == ("quality",)
    state = ctx.db.query(
        "SELECT status, error FROM analysis_state a JOIN files f ON f.photo_id = a.photo_id WHERE f.path LIKE '%cut.jpg'"
    )
    assert state[0]["status"] == "failed" and "truncated" in state[0]["error"]


def test_revoking_deletes_what_was_derived(ctx: AppContext, library: Path) -> None:
    scan(ctx, [str(library)], workers=1)
    consent.grant(ctx, "duplicates")
    analyse(ctx, workers=1)
    assert ctx.db.scalar("SELECT count(*) FROM fingerprints") == 4
    [report] = consent.revoke(ctx, "duplicates")
    assert report.rows["fingerprints"] == 4 and report.rows["near_duplicates"] == 3
    assert report.rows["analysis_state"] == 5
    for table in ("fingerprints", "near_duplicates"):
        assert ctx.db.scalar(f"SELECT count(*) FROM {table}") == 0
    assert ctx.db.scalar("SELECT count(*) FROM analysis_state WHERE capability = 'duplicates'") == 0


def test_decode_applies_orientation_and_scales(photos_dir: Path) -> None:
    """portrait_N is the same picture stored with EXIF orientation N: decoded, all eight match
    (apart from the digit drawn on each), and a wrong transform does not."""
    folder = photos_dir / "exif/ianare/orientation"

    def small(orientation: int, as_if: int | None = None) -> np.ndarray:
        d = decode(orientation, "h", str(folder / f"portrait_{orientation}.jpg"), as_if or orientation, (450, 600))
        assert d.pixels.shape == (600, 450, 3) or as_if
        return np.asarray(Image.fromarray(d.pixels).convert("L").resize((45, 60), Image.Resampling.BOX), dtype=float)

    def similarity(a: np.ndarray, b: np.ndarray) -> float:  # the files differ in tone: correlate shapes
        return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])

    reference = small(1)
    for n in range(2, 9):
        assert similarity(small(n), reference) > 0.9, n
    assert similarity(small(3, as_if=1), reference) < 0.5, "ignoring the orientation shows it upside down"
    big = decode(3, "h", str(photos_dir / "exif/exifr/canon-dslr.jpg"), 1, (5184, 3456), max_side=1280)
    assert max(big.pixels.shape[:2]) == 1280 and big.scale == pytest.approx(1280 / 5184, rel=1e-3)
