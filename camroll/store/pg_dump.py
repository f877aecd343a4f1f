"""A catalog kept in PostgreSQL, out and back in with PostgreSQL's own ``pg_dump`` and
``pg_restore`` (``camroll db backup``/``db restore``, :mod:`camroll.library.backup`).

``pg_dump --format=custom`` reads every table inside one repeatable-read transaction, so the dump
is the catalog as of one moment while the library stays in use (what SQLite's online backup gives
the SQLite path). Its output is read from a pipe: camroll never writes it to disk in plain.

``pg_restore --single-transaction --exit-on-error`` loads a dump whole or not at all: a refusal
half way leaves the target as empty as it was. ``--no-owner --no-privileges``: the target may
belong to another role than the one the backup was made from.

The password never goes on a command line (any user on the machine can read those): the URL
without it becomes the programs' ``--dbname`` conninfo, and the password goes into a passfile
(0600, removed afterwards) named by ``PGPASSFILE``.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, BinaryIO

from camroll.errors import CamrollError
from camroll.store.pg_copy import redact
from camroll.store.pg_schema import OWN_OBJECTS_SQL

CONNECT_TIMEOUT_S = 10
"""A wrong host fails in seconds instead of hanging a backup."""

RESTORE_TIMEOUT_S = 24 * 3600
"""pg_restore of a very large catalog takes long; only a hung one is stopped."""


class PgToolError(CamrollError):
    """pg_dump or pg_restore missing, or refusing, in plain words (never with the password)."""


def program(name: str) -> str:
    """The newest installed ``pg_dump``/``pg_restore``: Debian keeps each major version's in
    /usr/lib/postgresql/N/bin, and the newest reads every older server and archive; else PATH's."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_major)
    if found:
        return found[-1]
    on_path = shutil.which(name)
    if on_path:
        return on_path
    raise PgToolError(f"{name} is not installed: install PostgreSQL's client programs (Debian: postgresql-client)")


def _major(path: str) -> int:
    try:
        return int(Path(path).parts[-3])
    except (IndexError, ValueError):
        return -1


def _passfile_line(password: str) -> str:
    escaped = password.replace("\\", "\\\\").replace(":", "\\:")
    return f"*:*:*:*:{escaped}\n"


@contextmanager
def _connection(url: str) -> Iterator[tuple[str, dict[str, str]]]:
    """``(conninfo, env)`` for a PostgreSQL program: the URL's settings without its password, and
    an environment whose ``PGPASSFILE`` holds it."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        params = conninfo_to_dict(url)
    except Exception as e:  # psycopg.ProgrammingError: not a URL libpq reads
        raise PgToolError(f"Not a PostgreSQL URL camroll can read: {redact(url)}") from e
    password = params.pop("password", None)
    params.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
    env = dict(os.environ)
    passfile: str | None = None
    if password:
        env.pop("PGPASSWORD", None)  # it would win over the passfile
        fd, passfile = tempfile.mkstemp(prefix="camroll-pgpass-")  # 0600
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(_passfile_line(str(password)))
        env["PGPASSFILE"] = passfile
    try:
        yield make_conninfo("", **params), env
    finally:
        if passfile is not None:
            Path(passfile).unlink(missing_ok=True)


def _scrub(text: str, url: str) -> str:
    """``text`` with the URL's password (should a program or driver ever repeat it) as ``***``."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        secret = str(conninfo_to_dict(url).get("password") or "")
    except Exception:
        return text
    return text.replace(secret, "***") if secret else text


def _said(errors: BinaryIO, url: str) -> str:
    errors.seek(0)
    return _scrub(errors.read()[-4000:].decode("utf-8", errors="replace").strip(), url)


@contextmanager
def dump(url: str) -> Iterator[IO[bytes]]:
    """The custom-format dump of the database at ``url``, as a pipe to read to its end; raises
    :class:`PgToolError` on leaving if pg_dump failed (a consumer that raises stops it)."""
    with _connection(url) as (conninfo, env), tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            [program("pg_dump"), "--format=custom", "--no-password", f"--dbname={conninfo}"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
            env=env,
        )
        assert proc.stdout is not None
        try:
            yield proc.stdout
        except BaseException:
            proc.kill()
            raise
        finally:
            proc.stdout.close()
            code = proc.wait()
        if code != 0:
            raise PgToolError(f"pg_dump could not dump {redact(url)}: {_said(errors, url)}")


def restore(url: str, archive: Path) -> None:
    """Load the custom-format dump ``archive`` into the database at ``url``, whole or not at all."""
    with _connection(url) as (conninfo, env), tempfile.TemporaryFile() as errors:
        args = [program("pg_restore"), "--no-password", "--single-transaction", "--exit-on-error"]
        args += ["--no-owner", "--no-privileges", f"--dbname={conninfo}", str(archive)]
        code = subprocess.run(
            args, stdin=subprocess.DEVNULL, stdout=errors, stderr=errors, env=env, timeout=RESTORE_TIMEOUT_S
        ).returncode
        if code != 0:
            raise PgToolError(f"pg_restore refused the backup, nothing was kept in {redact(url)}: {_said(errors, url)}")


def objects_in(url: str) -> list[str]:
    """Up to five tables, sequences, views or functions the database at ``url`` holds outside
    PostgreSQL's own schemas: a restore goes only where this is empty, so no two catalogs mix."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S) as conn:
            rows = conn.execute(OWN_OBJECTS_SQL).fetchall()
    except psycopg.Error as e:
        raise PgToolError(f"Cannot connect to PostgreSQL at {redact(url)}: {_scrub(str(e).strip(), url)}") from e
    return [str(r[0]) for r in rows]
