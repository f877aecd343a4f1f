"""Face prints rest encrypted; revoking faces everywhere destroys the key (crypto-shredding)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag

from camroll.config import AppContext, Config
from camroll.privacy.crypto import KeyDestroyed, Sealer
from tests.conftest import analysed_faces, run_cli


@pytest.fixture
def analysed(tmp_path: Path, photos_dir: Path) -> Path:
    return analysed_faces(
        tmp_path / "home", tmp_path / "lib", photos_dir, {"p05": "deepface_p05", "p07": "deepface_p07"}
    )


def _prints(home: Path) -> list[bytes]:
    with sqlite3.connect(home / "camroll.db") as conn:
        return [r[0] for r in conn.execute("SELECT embedding FROM faces WHERE embedding IS NOT NULL")]


def test_face_prints_are_not_in_the_database_in_clear(analysed: Path) -> None:
    ctx = AppContext(Config(home=analysed))
    sealed = _prints(analysed)
    assert len(sealed) >= 7
    ctx.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = b"".join(p.read_bytes() for p in analysed.glob("camroll.db*"))
    for blob in sealed:
        clear = ctx.sealer("biometric").open(blob)
        assert len(clear) == 128 * 4 and clear not in raw and clear[:64] not in raw
    key = analysed / "keys" / "biometric.key"
    assert key.stat().st_mode & 0o777 == 0o600 and key.parent.stat().st_mode & 0o777 == 0o700
    with pytest.raises(InvalidTag):  # sealed for face prints: useless under another purpose
        Sealer(key, b"something else").open(sealed[0])
    ctx.close()


def test_revoking_faces_destroys_the_key_so_backups_are_unreadable(analysed: Path, tmp_path: Path) -> None:
    AppContext(Config(home=analysed)).db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    backup = tmp_path / "backup.db"
    shutil.copyfile(analysed / "camroll.db", backup)
    key = analysed / "keys" / "biometric.key"
    assert key.exists()

    reports = {r["capability"]: r for r in run_cli(analysed, "consent", "revoke", "faces", "--json")}
    assert reports["faces"]["rows"]["encryption keys destroyed"] == 1
    assert not key.exists()
    with sqlite3.connect(backup) as conn:
        old = [r[0] for r in conn.execute("SELECT embedding FROM faces WHERE embedding IS NOT NULL")]
    assert old, "the backup still holds the sealed prints..."
    with pytest.raises(KeyDestroyed):  # ...which nobody can read any more
        Sealer(key, b"biometric").open(old[0])


def test_a_folder_revoke_keeps_the_key_for_the_other_folders(analysed: Path) -> None:
    folder = next(Path(r["path"]).parent for r in run_cli(analysed, "photos", "--json") if "p05" in r["path"])
    run_cli(analysed, "consent", "revoke", "faces", "--scope", str(folder))
    assert (analysed / "keys" / "biometric.key").exists()
    ctx = AppContext(Config(home=analysed))
    remaining = _prints(analysed)
    assert remaining and all(len(ctx.sealer("biometric").open(b)) == 512 for b in remaining)
    ctx.close()


def test_face_crops_rest_sealed_and_open_for_camroll(analysed: Path) -> None:
    import io

    from PIL import Image

    from camroll.people.edit import face_crop

    crops = list((analysed / "cache" / "faces").glob("*"))
    assert crops and all(p.name.endswith(".jpg.sealed") for p in crops)
    assert not any(p.read_bytes().startswith(b"\xff\xd8") for p in crops), "no crop is a readable JPEG on disk"
    ctx = AppContext(Config(home=analysed))
    face_id = ctx.db.scalar("SELECT id FROM faces WHERE thumb IS NOT NULL LIMIT 1")
    data = face_crop(ctx, face_id)
    assert data is not None and Image.open(io.BytesIO(data)).size[0] > 20
    ctx.close()
