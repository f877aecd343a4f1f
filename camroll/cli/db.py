"""`camroll db backup` and `camroll db restore`: the library in one file sealed with a passphrase
(camroll/library/backup.py says what it holds and what that means for privacy)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated

import typer

from camroll.cli.common import HomeOption, JsonOption, console_err, ctx_for, fail, print_json, progress_bar, shown
from camroll.config import Config

db_app = typer.Typer(help="Back up the library into one sealed file, restore one, or copy the catalog to PostgreSQL.")


PassphraseOption = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        help="Read the passphrase from this file's first line (else $CAMROLL_BACKUP_PASSPHRASE, else asked).",
    ),
]

MIN_PASSPHRASE = 8


def _passphrase(source: Path | None, confirm: bool) -> bytes:
    if source is not None:
        try:
            text = source.read_text(encoding="utf-8").splitlines()[0] if source.stat().st_size else ""
        except (OSError, UnicodeDecodeError) as e:
            fail(f"Cannot read the passphrase from {source}: {e}")
    elif os.environ.get("CAMROLL_BACKUP_PASSPHRASE"):
        text = os.environ["CAMROLL_BACKUP_PASSPHRASE"]
    else:
        text = str(typer.prompt("Passphrase", hide_input=True, confirmation_prompt=confirm))
    if len(text) < MIN_PASSPHRASE:
        fail(f"A backup passphrase needs at least {MIN_PASSPHRASE} characters.")
    return text.encode("utf-8")


@db_app.command("backup")
def backup_cmd(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="The file to write (default: <home>/backups/camroll-DATE.backup, kept 30 days)."),
    ] = None,
    passphrase_file: PassphraseOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Seal the library (database, keys, face crops) into one file under a passphrase, as of one
    moment, while it stays in use. Photos are not in it. Revoking a consent later cannot reach a
    backup: restoring it brings back what was there that day. A catalog kept in PostgreSQL is
    dumped with pg_dump (the newest installed) into the same sealed file."""
    from dataclasses import asdict

    from camroll.library import jobs
    from camroll.library.backup import BackupError, backup, default_path

    secret = _passphrase(passphrase_file, confirm=True)
    ctx = ctx_for(home)
    target = (out or default_path(ctx.config, time.time())).expanduser().absolute()
    console = console_err()
    try:
        with jobs.run(ctx.config, "backup", "Backing up the library", ctx.actor) as (_job, outcome):
            with progress_bar(console, "B") as bar:
                task = bar.add_task("Backing up", total=None)

                def progress(phase: str, done: int, total: int | None) -> None:
                    bar.update(task, description=phase, completed=done, total=total)

                result = backup(ctx, target, secret, progress)
            outcome.message = result.sentence()
    except BackupError as e:
        fail(str(e))
    finally:
        ctx.close()
    if as_json:
        print_json(asdict(result) | {"summary": result.sentence()})
        return
    console.print(result.sentence(), highlight=False)
    if out is not None and not target.is_relative_to(ctx.config.home):
        console.print(
            f"It is outside camroll's home: camroll will not delete it, and revoking a consent cannot reach it. "
            f"Keep the passphrase apart from {shown(target.name)}.",
            highlight=False,
        )


@db_app.command("restore")
def restore_cmd(
    source: Annotated[Path, typer.Argument(help="A file made by `camroll db backup`.")],
    passphrase_file: PassphraseOption = None,
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            help="For a backup of a catalog kept in PostgreSQL: the empty PostgreSQL database to restore it into "
            "(postgresql://user:password@host/db; default $CAMROLL_DATABASE or `camroll --database`). "
            "A backup of a SQLite catalog takes none.",
        ),
    ] = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Restore a backup into an empty camroll home (--home, or $CAMROLL_HOME): each file is
    checked, the database against its manifest and SQLite's integrity check, and the audit chain
    is verified. A backup of a PostgreSQL catalog goes into an empty PostgreSQL database (--database),
    loaded by pg_restore in one transaction, and the home remembers that database; the keys and
    face crops go into the home either way."""
    from dataclasses import asdict

    from camroll.library.backup import BackupError, restore
    from camroll.privacy.sealed_stream import SealedStreamError

    if not source.is_file():
        fail(f"No such backup: {source}")
    if database is not None and not database.startswith(("postgresql://", "postgres://")):
        fail(f"--database takes a postgresql:// URL, not {database!r}")
    secret = _passphrase(passphrase_file, confirm=False)
    config = Config(home=home) if home else Config()
    target = database or config.database_url
    console = console_err()
    try:
        with progress_bar(console, "B") as bar:
            task = bar.add_task("Restoring", total=source.stat().st_size)

            def progress(phase: str, done: int, _total: int | None) -> None:
                bar.update(task, description=phase, completed=done)

            result = restore(source, config.home, secret, progress, target)
    except (BackupError, SealedStreamError) as e:
        fail(str(e), 1)
    if as_json:
        print_json(asdict(result) | {"summary": result.sentence()})
        return
    console.print(result.sentence(), highlight=False)
    if result.audit_problems:
        fail("The audit chain does not verify: " + "; ".join(result.audit_problems[:5]), 1)


@db_app.command("migrate-to")
def migrate_to_cmd(
    url: Annotated[str, typer.Argument(help="An empty PostgreSQL database: postgresql://user:password@host/db.")],
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Copy the library's catalog (every table, as of one moment) into an empty PostgreSQL
    database and verify it: each table's row count and checksum must be equal on both sides, or
    nothing is kept. Sealed columns are copied sealed; the keys stay in camroll's home. camroll
    itself still runs on SQLite (docs/scale-out.md)."""
    from dataclasses import asdict

    from camroll.store.pg_copy import MigrationError, migrate

    ctx = ctx_for(home)  # opens (and migrates) the library, so the copy has the current schema
    source = ctx.config.db_path
    ctx.close()
    console = console_err()
    try:
        with progress_bar(console, "rows") as bar:
            task = bar.add_task("Copying", total=None)

            def progress(table: str, done: int, total: int) -> None:
                bar.update(task, description=table, completed=done, total=total)

            result = migrate(source, url, progress)
    except MigrationError as e:  # its message shows the URL through redact(): never the password
        fail(str(e), 1)
    if as_json:
        print_json(asdict(result) | {"rows": result.rows, "summary": result.sentence()})
        return
    console.print(result.sentence(), highlight=False)
