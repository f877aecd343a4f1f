"""`camroll watch --install`: make the watch survive a reboot, without camroll running anything.

On Linux it writes a systemd *user* unit, ``$XDG_CONFIG_HOME/systemd/user/camroll-watch.service``
(``~/.config`` without it), and prints the ``systemctl --user enable --now`` line for the person
to run: camroll never starts services itself, so nothing runs that they did not start. On macOS it
prints a launchd agent's plist and where to put it; it writes nothing there.

The unit's ``ExecStart`` is the absolute camroll executable, ``watch``, the folders and
``--home``, each word quoted by systemd's own rules (``systemd.syntax(7)``, ``systemd.service(5)``):
inside double quotes a backslash escapes C-style (``\\"``, ``\\\\``, ``\\n``, ``\\xNN`` for a byte
that is not UTF-8), and the unit file's expansions are disarmed, ``%`` as ``%%`` (specifiers)
and, in the arguments, ``$`` as ``$$`` (environment variables; systemd does not expand them in the
executable's own path, where ``$$`` would stay two). So a folder named ``Ana's "best" 100% $HOME``
reaches ``camroll watch`` as those bytes, and nothing in a folder's name can add a line to the
unit. systemd refuses an executable path holding a quote, a backslash or a control character
(checked with ``systemd-analyze verify``, systemd 252): such an installation is refused, with why.
"""

from __future__ import annotations

import os
import plistlib
import shutil
import sys
from pathlib import Path

from camroll.errors import CamrollError

UNIT_NAME = "camroll-watch"
LAUNCHD_LABEL = "org.camroll.watch"


def camroll_command() -> list[str]:
    """The absolute command that runs this camroll: the ``camroll`` script that started us, or the
    one installed beside this Python, or on ``PATH``; else this Python with ``-m camroll.cli``."""
    started = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    candidates = [
        started if started is not None and started.name == "camroll" else None,
        Path(sys.executable).parent / "camroll",
        Path(found) if (found := shutil.which("camroll")) else None,
    ]
    for exe in candidates:
        if exe is not None and exe.is_file() and os.access(exe, os.X_OK):
            return [str(exe.absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "camroll.cli"]


EXECUTABLE_REFUSED = "'\"\\"
"""Characters systemd refuses in an ``Exec*=`` executable's path, besides control characters."""


def systemd_quote(word: str, executable: bool = False) -> str:
    """One word of an ``Exec*=`` line, double-quoted by systemd's rules (module docstring);
    ``executable``: the command's path, where systemd expands no variable."""
    out = []
    for ch in word:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "%":
            out.append("%%")
        elif ch == "$" and not executable:
            out.append("$$")
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (os.fsdecode's surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def watch_argv(folders: list[str], home: Path) -> list[str]:
    """What the service runs: camroll, ``watch``, the folders, ``--home`` (all absolute)."""
    return [*camroll_command(), "watch", *folders, "--home", str(home.absolute())]


def unit_text(argv: list[str]) -> str:
    """The systemd user unit that runs ``argv`` from login (or boot, with lingering) on."""
    if any(ch in EXECUTABLE_REFUSED or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in argv[0]):
        raise CamrollError(
            f"systemd cannot run a program whose path holds a quote, a backslash or a control character: {argv[0]!r}"
            " (install camroll somewhere else, then run camroll watch --install again)",
            1,
        )
    return (
        "[Unit]\n"
        "Description=camroll: keep the photo catalog current (watched folders)\n"
        "\n"
        "[Service]\n"
        "Type=simple\n"
        f"ExecStart={' '.join(systemd_quote(w, executable=i == 0) for i, w in enumerate(argv))}\n"
        "Restart=on-failure\n"
        "RestartSec=30\n"
        # a background catalogue: the person's own work comes first
        "Nice=10\n"
        "IOSchedulingClass=idle\n"
        "\n"
        "[Install]\n"
        "WantedBy=default.target\n"
    )


def unit_path() -> Path:
    """``$XDG_CONFIG_HOME/systemd/user/camroll-watch.service`` (``~/.config`` by default)."""
    config = os.environ.get("XDG_CONFIG_HOME") or ""
    base = Path(config) if os.path.isabs(config) else Path.home() / ".config"  # the spec ignores a relative one
    return base / "systemd" / "user" / f"{UNIT_NAME}.service"


def write_unit(argv: list[str]) -> tuple[Path, bool]:
    """Write the unit (atomically, 0644); returns its path and whether it replaced one."""
    text, path = unit_text(argv), unit_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    replaced = path.exists()
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.chmod(0o644)
    os.replace(tmp, path)
    return path, replaced


def launchd_plist(argv: list[str], home: Path) -> str:
    """The launchd agent (macOS) that runs ``argv`` at login and restarts it if it dies."""
    log = str((home / "watch.log").absolute())
    return plistlib.dumps(
        {
            "Label": LAUNCHD_LABEL,
            "ProgramArguments": argv,
            "RunAtLoad": True,
            "KeepAlive": {"SuccessfulExit": False},
            "ProcessType": "Background",
            "StandardOutPath": log,
            "StandardErrorPath": log,
        }
    ).decode("utf-8")
