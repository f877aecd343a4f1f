"""A file sealed under a passphrase, written and read as a stream: what a backup is made of.

The passphrase is stretched with scrypt (its parameters and salt in the header) into an AES-256-GCM
key. The plaintext is cut into chunks of ``CHUNK`` bytes, each sealed on its own, so a backup of
any size is written and read in bounded memory. Each chunk's nonce is a random 7-byte prefix, the
chunk's number and a last-chunk flag, and the header is every chunk's associated data (the STREAM
construction): chunks cannot be reordered, dropped, moved to another backup or cut off at the end
without the reader noticing, and the wrong passphrase fails on the first chunk.

File: ``MAGIC`` (16 bytes), salt (16), scrypt log2 N, r, p and the chunk size (4 x uint32), the
nonce prefix (7); then per chunk a uint32 length and the sealed chunk.
"""

from __future__ import annotations

import hashlib
import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from camroll.errors import CamrollError

MAGIC = b"camroll-backup\x00\x01"
CHUNK = 1 << 20
"""Plaintext bytes per sealed chunk."""
SCRYPT = (15, 8, 1)
"""log2 N, r, p: 32 MiB and about a tenth of a second to try one passphrase."""
_MOST_SCRYPT = (20, 16, 4)
"""What a reader accepts from a header (a forged one must not make it allocate gigabytes)."""
_HEADER = struct.Struct(">16s16sIIII7s")


class SealedStreamError(CamrollError):
    """The file is not a camroll backup, the passphrase is wrong, or it was changed or cut short."""


def _key(passphrase: bytes, salt: bytes, log_n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(passphrase, salt=salt, n=1 << log_n, r=r, p=p, maxmem=(1 << log_n) * r * 256, dklen=32)


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


class SealedWriter:
    """A write-only file object: what is written is sealed into ``out``; :meth:`close` seals the
    last chunk (it must be called, or the reader will say the file was cut short)."""

    def __init__(self, out: BinaryIO, passphrase: bytes) -> None:
        self._out = out
        salt, prefix = os.urandom(16), os.urandom(7)
        self._header = _HEADER.pack(MAGIC, salt, *SCRYPT, CHUNK, prefix)
        self._aead = AESGCM(_key(passphrase, salt, *SCRYPT))
        self._prefix = prefix
        self._buffer = bytearray()
        self._counter = 0
        self._closed = False
        out.write(self._header)

    def write(self, data: bytes) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK:  # keep at least one byte back: the last chunk is sealed as last
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _seal(self, chunk: bytes, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._counter, last), chunk, self._header)
        self._out.write(struct.pack(">I", len(sealed)) + sealed)
        self._counter += 1

    def close(self) -> None:
        if not self._closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._closed = True

    def flush(self) -> None:  # tarfile calls it
        pass


class SealedReader:
    """A read-only file object over a sealed stream; raises :class:`SealedStreamError` for a wrong
    passphrase or a changed, reordered or cut file."""

    def __init__(self, source: BinaryIO, passphrase: bytes) -> None:
        self._in = source
        header = source.read(_HEADER.size)
        if len(header) != _HEADER.size or not header.startswith(MAGIC):
            raise SealedStreamError("this is not a camroll backup")
        _magic, salt, log_n, r, p, chunk, prefix = _HEADER.unpack(header)
        if not (10 <= log_n <= _MOST_SCRYPT[0] and 1 <= r <= _MOST_SCRYPT[1] and 1 <= p <= _MOST_SCRYPT[2]):
            raise SealedStreamError("the backup's key parameters are out of range: not a camroll backup")
        if not 0 < chunk <= 16 * CHUNK:
            raise SealedStreamError("the backup's chunk size is out of range: not a camroll backup")
        self._header, self._prefix, self._chunk = header, prefix, chunk
        self._aead = AESGCM(_key(passphrase, salt, log_n, r, p))
        self._counter = 0
        self._plain = b""
        self._done = False

    def _next(self) -> None:
        size_bytes = self._in.read(4)
        if len(size_bytes) < 4:
            raise SealedStreamError("the backup is cut short: its last part is missing")
        (size,) = struct.unpack(">I", size_bytes)
        if size > self._chunk + 16:
            raise SealedStreamError("the backup is damaged (a part longer than any camroll writes)")
        sealed = self._in.read(size)
        if len(sealed) < size:
            raise SealedStreamError("the backup is cut short")
        for last in (False, True):
            try:
                self._plain = self._aead.decrypt(_nonce(self._prefix, self._counter, last), sealed, self._header)
            except InvalidTag:
                continue
            self._counter += 1
            if last:
                if self._in.read(1):
                    raise SealedStreamError("the backup has data after its end: it was changed")
                self._done = True
            return
        if self._counter == 0:
            raise SealedStreamError("wrong passphrase, or the backup was changed")
        raise SealedStreamError("the backup was changed (a part does not open)")

    def read(self, n: int = -1) -> bytes:
        out = bytearray()
        while (n < 0 or len(out) < n) and not (self._done and not self._plain):
            if not self._plain:
                self._next()
                continue
            take = len(self._plain) if n < 0 else min(n - len(out), len(self._plain))
            out += self._plain[:take]
            self._plain = self._plain[take:]
        return bytes(out)
