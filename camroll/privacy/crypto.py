"""Encryption at rest for biometric data, and crypto-shredding.

Face prints are sealed with AES-256-GCM (``cryptography``) under a key kept outside the
database, in ``CAMROLL_HOME/keys/<name>.key`` (a 0700 folder, a 0600 file). Destroying the key
(``shred``) makes every copy of the sealed data unreadable, including copies in backups of the
database that camroll cannot reach: that is what revoking ``faces`` everywhere and ``camroll
forget`` do.

A sealed value is ``b"cr1" + 12-byte nonce + ciphertext-and-tag``; the associated data names what
the value is (the key's purpose, plus an optional label such as the keyed hash a sealed folder name
belongs to), so a sealed face print cannot be passed off as something else, nor one sealed name
moved onto another's hash.

Besides sealing keys, this module makes and reads the raw secrets behind keyed hashes (the audit
chain's HMAC key, the consent ledger's matching key): :func:`load_key` and :func:`subkey`.
"""

from __future__ import annotations

import hashlib
import hmac
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
            key = load_key(self.key_file, create)
            if key is None:
                raise KeyDestroyed(f"the key {self.key_file.name} does not exist (never made, or shredded)")
            self._aead = AESGCM(key)
        return self._aead

    def ensure_key(self) -> None:
        """Create the key now (before worker processes start, so they never race to create it)."""
        self._cipher(create=True)

    def seal(self, data: bytes, label: bytes = b"") -> bytes:
        nonce = os.urandom(12)
        return MAGIC + nonce + self._cipher(create=True).encrypt(nonce, data, self.purpose + label)

    def open(self, blob: bytes, label: bytes = b"") -> bytes:
        if not blob.startswith(MAGIC):
            raise ValueError("not a sealed value")
        return self._cipher(create=False).decrypt(blob[3:15], blob[15:], self.purpose + label)

    def forget_cached_key(self) -> None:
        """Drop the key held in memory (after :func:`shred`, this sealer opens nothing more)."""
        self._aead = None


def load_key(key_file: Path, create: bool) -> bytes | None:
    """The 32 secret bytes in ``key_file``; made (0600, in a 0700 folder) when asked to and absent.

    Two processes making the same key at once both end up with the one that was written first.
    """
    if not key_file.exists():
        if not create:
            return None
        key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = key_file.with_name(f".{key_file.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(32))
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, key_file)  # fails if another process made it first: then theirs is the key
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return key_file.read_bytes()


def subkey(key: bytes, label: str) -> bytes:
    """A key for one use derived from ``key`` (HMAC-SHA256 of the label): one secret on disk, no
    reuse of the same bytes for sealing and for hashing."""
    return hmac.new(key, b"camroll subkey:" + label.encode("ascii"), hashlib.sha256).digest()


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
