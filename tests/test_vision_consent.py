"""Vision and consent: nothing analysed before consent; revoking faces deletes every trace."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from camroll.analysis import pipeline
from camroll.analysis.quality import QualityAnalyser
from camroll.config import AppContext, Config
from camroll.library.scan import scan
from camroll.privacy import consent
from tests.conftest import run_cli


@pytest.fixture
def few_faces(tmp_path: Path, photos_dir: Path) -> Path:
    lib = tmp_path / "lib"
    shutil.copytree(photos_dir / "faces" / "deepface_p05", lib / "p05")
    shutil.copytree(photos_dir / "faces" / "_groups", lib / "groups")
    return lib


def _count(ctx: AppContext, table: str) -> int:
    return int(ctx.db.scalar(f"SELECT count(*) FROM {table}"))


def test_scan_analyses_what_is_granted_and_only_that(tmp_path: Path, few_faces: Path) -> None:
    home = tmp_path / "home"
    first = run_cli(home, "scan", str(few_faces), "--json")
    assert first["analysis"] is None, "nothing granted: scan only catalogues"
    run_cli(home, "consent", "grant", "faces")
    second = run_cli(home, "scan", str(few_faces), "--json")
    assert second["analysis"]["per_capability"] == {"faces": 7}
    records = run_cli(home, "photos", "--json")
    assert sum(r["faces"] for r in records) >= 8
    assert all(r["tags"] == [] and r["text"] is None for r in records), "tags and text were not granted"


def test_revoking_faces_deletes_faces_prints_crops_and_people(tmp_path: Path, few_faces: Path) -> None:
    home = tmp_path / "home"
    run_cli(home, "scan", str(few_faces))
    run_cli(home, "consent", "grant", "faces", "people", "expressions")
    run_cli(home, "analyze")
    ctx = AppContext(Config(home=home))
    faces, people = _count(ctx, "faces"), _count(ctx, "people")
    crops = list((home / "cache" / "faces").glob("*.jpg.sealed"))
    assert faces >= 8 and people >= 2 and len(crops) == faces and _count(ctx, "expressions") == faces
    person = run_cli(home, "people", "--json")[0]["id"]
    run_cli(home, "people", "name", str(person), "Ana")

    reports = {r["capability"]: r for r in run_cli(home, "consent", "revoke", "faces", "--json")}
    assert set(reports) == {"faces", "people", "expressions"}, "what depends on faces goes with it"
    assert reports["faces"]["rows"]["faces"] == faces and reports["faces"]["files"] == faces
    assert reports["expressions"]["rows"]["expressions"] == faces
    # The person the user named stays (with no face) for a new grant: a hand edit, not derived data.
    assert reports["people"]["rows"]["people"] == people - 1
    assert [tuple(r) for r in ctx.db.query("SELECT id, name FROM people")] == [(person, "Ana")]
    for table in ("faces", "expressions", "face_rejections"):
        assert _count(ctx, table) == 0, table
    assert list((home / "cache" / "faces").glob("*")) == []
    assert _count(ctx, "analysis_state") == 0
    out = run_cli(home, "consent", "revoke", "faces").output
    assert "deleted" in out
    assert run_cli(home, "people", "--json") == []
    ctx.close()


def test_a_model_failing_on_one_photo_costs_only_that_photo(
    ctx: AppContext, few_faces: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scan(ctx, [str(few_faces)], workers=1)
    consent.grant(ctx, "quality")
    real = QualityAnalyser.analyse

    def flaky(self: QualityAnalyser, photo: Any, upstream: dict[str, Any]) -> Any:
        if "couple" in str(ctx.db.scalar("SELECT path FROM files WHERE photo_id = ?", (photo.photo_id,))):
            raise RuntimeError("model exploded")
        return real(self, photo, upstream)

    monkeypatch.setattr(QualityAnalyser, "analyse", flaky)
    summary = pipeline.analyse(ctx, workers=1)
    assert summary.per_capability["quality"] == 6
    [(path, cap, error)] = summary.failures
    assert path.endswith("deepface_couple.jpg") and cap == "quality" and "model exploded" in error
    monkeypatch.setattr(QualityAnalyser, "analyse", real)
    again = pipeline.analyse(ctx, workers=1)
    assert again.planned == 1 and again.per_capability["quality"] == 1, "the failed photo is retried, alone"
