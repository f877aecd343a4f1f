"""`camroll db backup` / `db restore` (issue 16): the whole library sealed in one file under a
passphrase, restored whole into an empty home; a wrong passphrase, a changed or cut file and a
hostile member are refused with nothing left behind."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from camroll.cli import app
from camroll.privacy.sealed_stream import CHUNK, SealedReader, SealedStreamError, SealedWriter
from tests.conftest import run_cli

PASS = "correct horse battery"


def _pass_file(tmp_path: Path, text: str = PASS) -> Path:
    f = tmp_path / "pass.txt"
    f.write_text(text + "\n")
    return f


def _restore(tmp_path: Path, backup: Path, home: Path, passphrase: str = PASS) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        ["db", "restore", str(backup), "--passphrase-file", str(_pass_file(tmp_path, passphrase)), "--home", str(home)],
    )
    return result.exit_code, result.output


def test_a_library_comes_back_whole_from_its_backup(library_copy: Path, tmp_path: Path) -> None:
    before_people = run_cli(library_copy, "people", "--json", "--all")
    before_photos = run_cli(library_copy, "photos", "--json")
    out = tmp_path / "elsewhere" / "library.backup"
    made = run_cli(
        library_copy, "db", "backup", "--out", str(out), "--passphrase-file", str(_pass_file(tmp_path)), "--json"
    )
    assert made["keys"] >= 3 and made["face_crops"] > 0 and out.stat().st_size == made["bytes"]
    assert b"camroll.db" not in out.read_bytes()[:100_000]  # sealed, not a plain tar
    home = tmp_path / "restored"
    code, output = _restore(tmp_path, out, home)
    assert code == 0, output
    assert "audit chain verifies" in output
    assert run_cli(home, "photos", "--json") == before_photos
    # Face prints open with the restored key: the people are the same, and clustering runs.
    assert run_cli(home, "people", "--json", "--all") == before_people
    run_cli(home, "analyze", "--json")
    run_cli(home, "audit", "verify")
    kinds = [e["kind"] for e in run_cli(home, "audit", "--json")]
    assert kinds[-2:] == ["db.restore", "analysis"] or "db.restore" in kinds  # recorded in the restored chain
    assert "db.backup" in [e["kind"] for e in run_cli(library_copy, "audit", "--json")]  # and in the original
    # A home that holds a library is never restored over.
    code, output = _restore(tmp_path, out, home)
    assert code != 0 and "holds a library already" in output


def test_wrong_passphrase_changed_or_cut_backups_are_refused(library_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "b.backup"
    run_cli(library_copy, "db", "backup", "--out", str(out), "--passphrase-file", str(_pass_file(tmp_path)), "--json")
    data = out.read_bytes()
    cases = {
        "wrong": (data, "not the passphrase"),
        "changed": (data[:5000] + bytes([data[5000] ^ 1]) + data[5001:], PASS),
        "cut": (data[: len(data) - 100], PASS),
        "cut at a chunk": (data[: 59 + 4 + CHUNK + 16], PASS),
        "extended": (data + b"more", PASS),
    }
    for name, (content, passphrase) in cases.items():
        bad = tmp_path / f"{name}.backup"
        bad.write_bytes(content)
        home = tmp_path / f"home-{name}"
        code, output = _restore(tmp_path, bad, home, passphrase)
        assert code != 0, (name, output)
        assert not (home / "camroll.db").exists() and not list(home.rglob("*.key")), name


def test_a_backup_holding_a_climbing_name_writes_nothing_outside(tmp_path: Path) -> None:
    bad = tmp_path / "evil.backup"
    with open(bad, "wb") as raw:
        sealed = SealedWriter(raw, PASS.encode())
        with tarfile.open(fileobj=sealed, mode="w|") as tar:  # type: ignore[call-overload]
            for name, payload in (("manifest.json", b'{"format": 1}'), ("../outside.txt", b"owned")):
                info = tarfile.TarInfo(name)
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
        sealed.close()
    home = tmp_path / "home"
    code, output = _restore(tmp_path, bad, home)
    assert code != 0 and "no camroll backup holds" in output
    assert not (tmp_path / "outside.txt").exists()


def test_sealed_stream_round_trip_of_every_size() -> None:
    for size in (0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 7):
        plain = bytes(range(256)) * (size // 256) + bytes(size % 256)
        buf = io.BytesIO()
        w = SealedWriter(buf, b"passphrase")
        for start in range(0, len(plain), 100_000):
            w.write(plain[start : start + 100_000])
        w.close()
        assert SealedReader(io.BytesIO(buf.getvalue()), b"passphrase").read() == plain, size
        with pytest.raises(SealedStreamError):
            SealedReader(io.BytesIO(buf.getvalue()), b"passphrase!").read()
    with pytest.raises(SealedStreamError, match="not a camroll backup"):
        SealedReader(io.BytesIO(json.dumps({"x": 1}).encode() * 10), b"passphrase")
