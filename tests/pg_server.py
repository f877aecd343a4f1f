"""A throwaway PostgreSQL server for tests: Debian's ``postgresql`` package (``make test``
installs it), a cluster made by ``initdb`` in a temporary folder and run by ``pg_ctl``,
listening only on a Unix socket in that folder (``listen_addresses = ''``: no TCP port at all),
password (SCRAM) authentication, stopped and removed afterwards.

Root: ``initdb`` and ``postgres`` refuse to run as root. When the tests run as root (a container,
this machine) the cluster belongs to ``nobody``: its folder is chowned to it and the server
programs are started through ``runuser -u nobody --`` (util-linux, on every Debian). As any other
user they simply run as that user. The test process (root or not) reaches the socket as the
folder's owner or as root, and logs in with the generated password: nothing logs in as a
PostgreSQL superuser named after the OS user, and nothing listens beyond the folder.

Use: ``from tests.pg_server import pg_server`` in a test module gives the ``pg_server`` fixture
(one server per module); ``pg_server.new_database()`` makes an empty database and returns its
URL.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

SUPERUSER = "camroll_test"

RUNNING: dict[str, Any] = {}
"""The PostgreSQL homes of a ``CAMROLL_TEST_DATABASE=postgresql`` session (tests/conftest.py)."""


def pg_bin() -> Path:
    """The newest installed server's programs (Debian keeps them per major version)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise RuntimeError("PostgreSQL's server is not installed: `make test` installs the Debian package postgresql")
    return Path(found[-1]).parent


class PgServer:
    def __init__(self) -> None:
        self.bin = pg_bin()
        # /tmp, not pytest's tmp_path: that sits in a 0700 folder the unprivileged owner of the
        # cluster could not enter, and a Unix socket path must stay under ~100 bytes.
        self.root = Path(tempfile.mkdtemp(prefix="camroll-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root
        self.password = secrets.token_urlsafe(18)
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.root, nobody.pw_uid, nobody.pw_gid)
            self.as_user = ["runuser", "-u", "nobody", "--"]
        self.log = self.root / "server.log"
        self._databases = 0

    def _run(self, *args: str) -> None:
        result = subprocess.run([*self.as_user, *args], capture_output=True, text=True, cwd=self.root, timeout=120)
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {result.stdout}{result.stderr}{log}")

    def start(self) -> None:
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        if self.as_user:
            nobody = pwd.getpwnam("nobody")
            os.chown(pwfile, nobody.pw_uid, nobody.pw_gid)
        pwfile.chmod(0o600)
        try:
            self._run(
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                SUPERUSER,
                f"--pwfile={pwfile}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                # A server's default collation is a person's locale, not SQLite's byte order: the
                # catalog must sort as SQLite does whatever it is (pg_schema.BINARY_COLLATION).
                "--locale-provider=icu",
                "--icu-locale=en-US",
                "--locale=C.UTF-8",
                "--no-sync",
            )
        finally:
            pwfile.unlink()
        options = f"-c listen_addresses='' -c unix_socket_directories='{self.socket_dir}' -c fsync=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres", password: str | None = None) -> str:
        secret = quote(self.password if password is None else password, safe="")
        return f"postgresql://{SUPERUSER}:{secret}@/{database}?host={quote(str(self.socket_dir), safe='')}"

    def new_database(self) -> str:
        """A new, empty database; its URL (with the password)."""
        import psycopg

        self._databases += 1
        name = f"camroll_{self._databases}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="module")
def pg_server() -> Iterator[PgServer]:
    server = PgServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()
