"""Encryption at rest for biometric data, and crypto-shredding.

Face prints are sealed with AES-256-GCM (``cryptography``) under a key kept outside the
database, in ``CAMROLL_HOME/keys/<name>.key`` (a 0700 folder, a 0600 file). Destroying the key
(``shred``) makes every copy of the sealed data unreadable, including copies in backups of the
database that camroll cannot reach: that is what revoking ``faces`` everywhere and ``camroll
forget`` do.

A sealed value is ``b"cr1" + 12-byte nonce + ciphertext-and-tag``; the associated data names what
the value is, so a sealed face print cannot be passed off as something else.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from camroll.errors import CamrollError

MAGIC = b"cr1"


class KeyDestroyed(CamrollError, RuntimeError):
    """The key was shredded: what it sealed can no longer be read, by design."""


class Sealer:
    """Seals and opens values under one named key, created on first use."""

    def __init__(self, key_file: Path, purpose: bytes) -> None:
        self.key_file, self.purpose = key_file, purpose
        self._aead: AESGCM | None = None

    def _cipher(self, create: bool) -> AESGCM:
        if self._aead is None:
            if not self.key_file.exists():
                if not create:
                    raise KeyDestroyed(f"the key {self.key_file.name} does not exist (never made, or shredded)")
                self.key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(AESGCM.generate_key(bit_length=256))
            self._aead = AESGCM(self.key_file.read_bytes())
        return self._aead

    def ensure_key(self) -> None:
        """Create the key now (before worker processes start, so they never race to create it)."""
        self._cipher(create=True)

    def seal(self, data: bytes) -> bytes:
        nonce = os.urandom(12)
        return MAGIC + nonce + self._cipher(create=True).encrypt(nonce, data, self.purpose)

    def open(self, blob: bytes) -> bytes:
        if not blob.startswith(MAGIC):
            raise ValueError("not a sealed value")
        return self._cipher(create=False).decrypt(blob[3:15], blob[15:], self.purpose)


def shred(key_file: Path) -> bool:
    """Overwrite and delete a key file; True if there was one."""
    if not key_file.exists():
        return False
    size = key_file.stat().st_size
    with open(key_file, "r+b") as f:
        f.write(os.urandom(size))
        f.flush()
        os.fsync(f.fileno())
    key_file.unlink()
    return True
