"""Every export or report file is written 0600 in a 0700 folder (issue 10): they hold names, GPS,
text and perhaps face prints, so no other user of the computer may read them."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from camroll.privacy.private_files import write_private
from tests.conftest import run_cli


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The common default: new files 0644 and folders 0755 unless camroll says otherwise."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def library(tmp_path: Path, photos_dir: Path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(photos_dir / "exif" / "photoprism", tmp_path / "lib")
    run_cli(home, "scan", str(tmp_path / "lib"))
    run_cli(home, "consent", "grant", "places")
    run_cli(home, "analyze")
    return home


def test_export_files_are_0600_in_0700_folders(library: Path, tmp_path: Path, loose_umask: None) -> None:
    out = tmp_path / "exports" / "mine"
    result = run_cli(library, "export", "--out", str(out), "--json")
    assert result["sidecars"] > 0 and result["warnings"] == []
    assert _mode(out) == 0o700 and _mode(out / "sidecars") == 0o700
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"library.json", "consent.json", "audit.json"}
    assert {p.name: oct(_mode(p)) for p in files} == {p.name: "0o600" for p in files}
    run_cli(library, "export", "--out", str(out))  # again, over the earlier export
    assert {oct(_mode(p)) for p in out.rglob("*") if p.is_file()} == {"0o600"}


def test_a_folder_the_person_had_keeps_its_mode_and_is_named(library: Path, tmp_path: Path, loose_umask: None) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    (shared / "notes.txt").write_text("someone else's file")
    result = run_cli(library, "export", "--out", str(shared), "--json")
    assert _mode(shared) == 0o755, "camroll does not change the mode of a folder it did not make"
    assert any("can be listed by other users" in w for w in result["warnings"])
    assert _mode(shared / "library.json") == 0o600 and _mode(shared / "sidecars") == 0o700


def test_the_html_report_is_0600_in_a_0700_folder(library: Path, tmp_path: Path, loose_umask: None) -> None:
    page = tmp_path / "reports" / "revealed.html"
    run_cli(library, "report", "--html", str(page), "--metadata-only")
    assert _mode(page.parent) == 0o700 and _mode(page) == 0o600


def test_a_private_write_replaces_the_old_file_whole_and_never_widens(tmp_path: Path, loose_umask: None) -> None:
    target = tmp_path / "x.json"
    target.write_text("old")
    target.chmod(0o644)
    write_private(target, b"new")
    assert target.read_bytes() == b"new" and _mode(target) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"], "no temporary file left behind"
