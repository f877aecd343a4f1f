"""Consent is re-checked where results are written: a revoke that lands while an analysis runs
leaves no row of the revoked capability, for the photos analysed before it as for those after.
Before, revoking ``quality`` after the first photo still wrote every photo's ``quality`` row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from camroll.analysis.pipeline import analyse
from camroll.config import AppContext, Config
from camroll.library.scan import scan
from camroll.privacy import consent
from camroll.progress import Silent


def _photos(folder: Path, n: int, seed: int) -> None:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, size=(80, 120, 3), dtype=np.uint8)).save(folder / f"p{i}.jpg")


class RevokeMidRun(Silent):
    """After the first photo's result comes back (analysed, not yet written), another command,
    on its own connection, revokes ``scope`` of quality: the race, made deterministic."""

    def __init__(self, home: Path, scope: str) -> None:
        self.home, self.scope, self.seen = home, scope, 0

    def advance(self, n: int = 1) -> None:
        self.seen += n
        if self.seen == 1:
            other = AppContext(Config(home=self.home))
            consent.revoke(other, "quality", self.scope, note="revoked while the analysis runs")
            other.close()


@pytest.mark.parametrize("workers", [1, 2])
def test_revoke_during_analysis_leaves_no_row(ctx: AppContext, tmp_path: Path, workers: int) -> None:
    _photos(tmp_path / "lib", 6, seed=1)
    scan(ctx, [str(tmp_path / "lib")], workers=1)
    consent.grant(ctx, "quality")
    consent.grant(ctx, "duplicates")

    summary = analyse(ctx, RevokeMidRun(ctx.config.home, consent.EVERYTHING), workers=workers)

    assert ctx.db.scalar("SELECT count(*) FROM quality") == 0
    assert ctx.db.scalar("SELECT count(*) FROM analysis_state WHERE capability = 'quality'") == 0
    assert summary.per_capability["quality"] == 0 and summary.dropped["quality"] == 6
    assert ctx.db.scalar("SELECT count(*) FROM fingerprints") == 6, "what is still consented is kept"
    assert not consent.allows(ctx, "quality", str(tmp_path / "lib" / "p0.jpg"))


def test_revoking_one_folder_mid_run_drops_only_that_folder(ctx: AppContext, tmp_path: Path) -> None:
    _photos(tmp_path / "lib" / "a", 3, seed=2)
    _photos(tmp_path / "lib" / "b", 3, seed=3)
    scan(ctx, [str(tmp_path / "lib")], workers=1)
    consent.grant(ctx, "quality")

    summary = analyse(ctx, RevokeMidRun(ctx.config.home, consent.path_scope(tmp_path / "lib" / "a")), workers=1)

    kept = [
        r[0]
        for r in ctx.db.query("SELECT f.path FROM quality q JOIN files f ON f.photo_id = q.photo_id ORDER BY f.path")
    ]
    assert kept == [str(tmp_path / "lib" / "b" / f"p{i}.jpg") for i in range(3)]
    assert summary.dropped["quality"] == 3
