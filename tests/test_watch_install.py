"""`camroll watch --install`: the systemd user unit it writes is one systemd accepts
(``systemd-analyze verify``, systemd's own parser), runs the absolute camroll with the folders
exactly as named (spaces, quotes, ``%``, ``$``, backslashes), lands in ``$XDG_CONFIG_HOME`` and
nowhere else; on macOS the launchd plist is printed and nothing is written."""

from __future__ import annotations

import os
import plistlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from camroll.cli import app
from camroll.cli.watch_install import unit_text

WEIRD = 'Ana\'s "best" 100% $HOME \\ day\ttwo'
"""A folder name that breaks every naive quoting: quote, double quote, specifier, variable,
backslash, a tab (a control character), spaces."""


def _files(root: Path) -> set[Path]:
    return {Path(d) / n for d, _dirs, names in os.walk(root) for n in names}


def _unquote_exec(line: str) -> list[str]:
    """An ``ExecStart=`` value split as systemd.syntax(7) and systemd.service(5) say: specifiers
    first (``%%`` is ``%``), then words split on whitespace, double quotes grouping, C escapes
    inside them, then ``$$`` is ``$`` in the arguments (not in the executable's path). Written
    from the documentation, independently of camroll's quoting."""
    line = line.replace("%%", "%")
    escapes = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t", "r": "\r", "s": " "}
    words, i = [], 0
    while i < len(line):
        if line[i].isspace():
            i += 1
            continue
        word = ""
        assert line[i] == '"', f"every word is quoted: {line[i:]!r}"
        i += 1
        while line[i] != '"':
            if line[i] == "\\":
                if line[i + 1] == "x":
                    word += chr(int(line[i + 2 : i + 4], 16))
                    i += 4
                    continue
                word += escapes[line[i + 1]]
                i += 2
                continue
            word += line[i]
            i += 1
        i += 1
        assert i == len(line) or line[i] == " ", "a closing quote ends the word"
        words.append(word)
    return [words[0], *(w.replace("$$", "$") for w in words[1:])]


def _verify(unit: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(unit)], capture_output=True, text=True, timeout=60
    )


def test_install_writes_a_valid_unit_in_xdg_config_home_and_nothing_elsewhere(tmp_path: Path) -> None:
    user_home, xdg, library = tmp_path / "user", tmp_path / "xdg", tmp_path / "library"
    folder, second = tmp_path / "photos" / WEIRD, tmp_path / "photos" / "plain"
    for d in (user_home, xdg, folder, second):
        d.mkdir(parents=True)
    env = {**os.environ, "HOME": str(user_home), "XDG_CONFIG_HOME": str(xdg)}
    env.pop("CAMROLL_HOME", None)
    before = _files(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "camroll.cli", "watch", str(folder), str(second), "--install", "--home", str(library)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    unit = xdg / "systemd" / "user" / "camroll-watch.service"
    new = {p for p in _files(tmp_path) - before if library not in p.parents}
    assert new == {unit}, new  # besides the library's own files, only the unit
    assert "systemctl --user enable --now camroll-watch" in done.stdout
    text = unit.read_text(encoding="utf-8")
    assert re.findall(r"(?m)^\[(\w+)\]$", text) == ["Unit", "Service", "Install"]
    assert "\nWantedBy=default.target\n" in text
    (exec_line,) = [line for line in text.splitlines() if line.startswith("ExecStart=")]
    argv = _unquote_exec(exec_line.removeprefix("ExecStart="))
    assert Path(argv[0]).is_absolute() and os.access(argv[0], os.X_OK), argv
    assert argv[argv.index("watch") :] == ["watch", str(folder), str(second), "--home", str(library)]
    assert "\t" not in exec_line  # the tab is escaped, the line stays one line of words
    checked = _verify(unit)  # systemd's own parser: quoting balanced, executable found
    assert checked.returncode == 0, checked.stderr


def test_systemd_finds_an_executable_whose_path_needs_quoting(tmp_path: Path) -> None:
    """systemd itself reads the quoted path: an executable under a folder with spaces, ``%h`` and
    ``$`` is found only if the quoting and the ``%``/``$`` rules are right (quoted naively, ``%h``
    becomes a home folder and the executable is not found)."""
    exe = tmp_path / "my photos 100%h $HOME" / "camroll"
    exe.parent.mkdir()
    shutil.copy("/bin/true", exe)
    unit = tmp_path / "camroll-watch.service"
    unit.write_text(unit_text([str(exe), "watch", str(tmp_path / WEIRD)]), encoding="utf-8")
    checked = _verify(unit)
    assert checked.returncode == 0, checked.stderr
    unit.write_text(unit_text(["/bin/true"]).replace('"/bin/true"', f'"{exe}"'), encoding="utf-8")
    assert _verify(unit).returncode != 0  # the control: quoted without systemd's rules, it is not found


def test_an_executable_path_systemd_refuses_is_refused_before_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from camroll.cli import watch_install

    xdg = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    monkeypatch.setattr(watch_install, "camroll_command", lambda: ['/opt/it"s/camroll'])
    folder = tmp_path / "Camera"
    folder.mkdir()
    result = CliRunner().invoke(app, ["watch", str(folder), "--install", "--home", str(tmp_path / "lib")])
    assert result.exit_code == 1 and "quote, a backslash" in result.output, result.output
    assert not xdg.exists()


def test_install_without_xdg_config_home_uses_dot_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    folder = tmp_path / "Camera"
    folder.mkdir()
    result = CliRunner().invoke(app, ["watch", str(folder), "--install", "--home", str(tmp_path / "lib")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "user" / ".config" / "systemd" / "user" / "camroll-watch.service").is_file()
    again = CliRunner().invoke(app, ["watch", str(folder), "--install", "--home", str(tmp_path / "lib")])
    assert "Replaced" in again.output and "systemctl --user restart camroll-watch" in again.output


def test_macos_prints_a_launchd_plist_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    folder, library = tmp_path / "photos" / WEIRD, tmp_path / "lib"
    folder.mkdir(parents=True)
    before = _files(tmp_path)
    result = CliRunner().invoke(app, ["watch", str(folder), "--install", "--home", str(library)])
    assert result.exit_code == 0, result.output
    assert {p for p in _files(tmp_path) - before if library not in p.parents} == set()
    plist = plistlib.loads(result.stdout.encode("utf-8"))
    assert plist["Label"] == "org.camroll.watch" and plist["RunAtLoad"] is True
    args = plist["ProgramArguments"]
    assert Path(args[0]).is_absolute() and args[args.index("watch") :] == [
        "watch",
        str(folder),
        "--home",
        str(library),
    ]
    assert "launchctl bootstrap" in result.stderr


def test_install_without_folders_watches_the_library_as_it_is_at_each_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No folder given: the unit names none, so `camroll watch` takes the library's folders when
    the service starts (one scanned later is watched after the next start); with none catalogued
    there is nothing to install."""
    from tests.conftest import run_cli

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    library = tmp_path / "lib"
    empty = CliRunner().invoke(app, ["watch", "--install", "--home", str(library)])
    assert empty.exit_code == 2 and not (tmp_path / "xdg").exists(), empty.output
    folder = tmp_path / "Camera"
    folder.mkdir()
    shutil.copy(Path(__file__).parent / "data" / "photos" / "exif" / "exifr" / "IMG_5910.jpg", folder / "a.jpg")
    run_cli(library, "scan", str(folder), "--no-analyze", "--quiet")
    result = CliRunner().invoke(app, ["watch", "--install", "--home", str(library)])
    assert result.exit_code == 0 and "every folder of the library (now 1" in result.output, result.output
    text = (tmp_path / "xdg" / "systemd" / "user" / "camroll-watch.service").read_text(encoding="utf-8")
    (exec_line,) = [line for line in text.splitlines() if line.startswith("ExecStart=")]
    argv = _unquote_exec(exec_line.removeprefix("ExecStart="))
    assert argv[argv.index("watch") :] == ["watch", "--home", str(library)]
