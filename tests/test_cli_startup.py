"""The CLI starts light: ``camroll --help`` lists every command from a static table
(``camroll.cli.COMMANDS``) without importing the modules that define them, and so without numpy,
Pillow, onnxruntime or scipy. These are behaviour tests (what gets imported, what gets listed),
not timings; ``bench/startup.py`` measures the time."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from camroll.cli import COMMANDS, full_app

HEAVY = ("numpy", "PIL", "onnxruntime", "scipy", "faiss", "cv2", "pydantic")
"""What a light command must not import: the imaging and model stack, and pydantic (which Typer
only needs to convert option values, and costs a tenth of a second)."""

REPO = Path(__file__).resolve().parents[1]


def _listed_help(command: typer.main._click.Command) -> str:
    """The first paragraph of a command's help, whitespace folded: what a listing shows."""
    text = inspect.cleandoc(command.short_help or command.help or "").split("\n\n")[0]
    return " ".join(text.split())


def _modules_after(*argv: str, home: Path) -> tuple[set[str], str]:
    """Run ``camroll argv`` in a fresh interpreter; the modules it imported, and its output."""
    code = (
        "import json, sys\n"
        "from camroll.cli import main\n"
        f"sys.argv = ['camroll', *{list(argv)!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write('\\nMODULES=' + json.dumps(sorted(sys.modules)))\n"
    )
    env = {**os.environ, "CAMROLL_HOME": str(home), "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=env, timeout=60, check=False
    )
    listed = done.stderr.rsplit("MODULES=", 1)
    assert len(listed) == 2, done.stderr
    return set(json.loads(listed[1])), done.stdout + listed[0]


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


def test_the_table_names_every_command_with_its_own_help() -> None:
    real = typer.main.get_command(full_app())
    assert isinstance(real, typer.core.TyperGroup)
    assert set(real.commands) == set(COMMANDS), "camroll.cli.COMMANDS and the commands the modules define differ"
    for name, command in real.commands.items():
        assert " ".join(COMMANDS[name].help.split()) == _listed_help(command), f"{name}: help differs from the table"


def test_help_lists_every_command_and_imports_nothing_heavy(tmp_path: Path) -> None:
    modules, out = _modules_after("--help", home=tmp_path)
    assert _heavy(modules) == []
    assert not [m for m in modules if m.startswith("camroll.cli.") and m != "camroll.cli.common"], (
        "--help imported a command module"
    )
    lines = out.splitlines()
    for name, entry in COMMANDS.items():
        row = [line for line in lines if line.strip(" │").startswith(name + " ")]
        assert row, f"{name} is not listed by --help"
        assert " ".join(entry.help.split()[:4]) in row[0], f"{name}'s help is not listed beside it"


# Only a command's own --help: Typer 0.29 builds a pydantic adapter for every non-bool parameter
# it processes, even one left at None, so ``camroll audit verify --help`` (whose parent group's
# options are processed first) imports pydantic, as does every command that runs (bench/startup.py
# measures that floor: "a Typer command given one option").
@pytest.mark.parametrize("argv", [("--version",), ("jobs", "--help"), ("audit", "--help")])
def test_light_commands_import_nothing_heavy(argv: tuple[str, ...], tmp_path: Path) -> None:
    modules, out = _modules_after(*argv, home=tmp_path)
    assert _heavy(modules) == [], out
    assert ("camroll 0." in out) if argv == ("--version",) else ("Usage: camroll " + argv[0] in out), out


def test_a_lazily_loaded_command_keeps_the_error_model(tmp_path: Path) -> None:
    # A CamrollError raised by a command loaded on demand still ends in one escaped message.
    _, out = _modules_after("retention", "set", "faces", "[red]soon[/]", home=tmp_path)
    assert "'[red]soon[/]' is not a duration" in out, out


def test_a_typo_is_answered_with_the_nearest_command(tmp_path: Path) -> None:
    # Typer suggests from the commands loaded so far; the lazy group suggests from all of them.
    modules, out = _modules_after("jobz", home=tmp_path)
    assert "Did you mean 'jobs'" in out, out
    assert "camroll.cli.jobs" not in modules
