"""``scan``, ``remove`` and ``retention set`` end a refused request through the one error model
(``fail()`` -> ``CamrollError``, printed once by the CLI's group): exit 2, a message naming what
was wrong, printed literally even when it holds Rich markup (a folder called ``[bold]x[/]``)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from camroll.cli.common import app

MARKUP = "[bold]holiday[/]"
"""A folder name that Rich would swallow as a tag if the message were not escaped."""


def _invoke(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--home", str(home)], catch_exceptions=False, env={"COLUMNS": "250"})
    return result.exit_code, result.output


def test_scan_of_a_missing_folder_names_it_literally(home: Path, tmp_path: Path) -> None:
    gone = tmp_path / MARKUP
    code, out = _invoke(home, "scan", str(gone), "--no-analyze")
    assert code == 2, out
    assert "No such file or folder" in out and MARKUP in out


def test_remove_of_unknown_photos_only_is_a_usage_error(home: Path) -> None:
    code, out = _invoke(home, "remove", "999998", "999999")
    assert code == 2, out
    assert "No photo 999998, 999999 in the catalog" in out


def test_retention_set_refuses_a_bad_duration_and_an_unknown_capability(home: Path) -> None:
    code, out = _invoke(home, "retention", "set", "faces", "[red]soon[/]")
    assert code == 2, out
    assert "'[red]soon[/]' is not a duration" in out
    code, out = _invoke(home, "retention", "set", "[x]", "90d")
    assert code == 2, out
    assert "unknown capability '[x]'" in out


def test_a_file_name_cannot_drive_the_terminal(home: Path, tmp_path: Path) -> None:
    """A file name may hold an ESC sequence or a newline; printed raw it would recolour, move or
    hide the terminal's output. The CLI shows such characters as ``\\xNN``."""
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "evil\x1b[2J\x1b[31mname\nline.jpg").write_bytes(b"not a photo at all")
    code, out = _invoke(home, "scan", str(folder), "--no-analyze")
    assert code == 0, out
    assert "\x1b" not in out and "\\x1b[2J" in out and "name\\x0aline.jpg" in out
    code, out = _invoke(home, "photos", "--failed")
    assert code == 0 and "\x1b" not in out, out
