"""Where camroll keeps what it derives, and the app context every command passes down.

There is no module-level state: a command builds one :class:`AppContext` and hands it to the
layers it calls, so tests can run many isolated libraries in one process and nothing leaks
between them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from camroll.library.places import Geocoder
    from camroll.privacy.crypto import Sealer
    from camroll.store.db import Database

POLICY_VERSION = "2026-11-26.1"
"""Version of the consent wording (capabilities.py). A grant records the version it was given
under; when the wording changes, the consent screen can show what is new."""


def default_home() -> Path:
    """``$CAMROLL_HOME``, else ``$XDG_DATA_HOME/camroll``, else ``~/.local/share/camroll``."""
    env = os.environ.get("CAMROLL_HOME")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "camroll"


DATABASE_RECORD = "database.url"
"""The file in a camroll home that names the PostgreSQL database its catalog lives in (0600: the URL
may hold a password, as ``~/.pgpass`` does). Written the first time a home is used with
``--database``/``CAMROLL_DATABASE``, so later commands in that home find the same catalog."""


@dataclass
class Config:
    home: Path = field(default_factory=default_home)
    workers: int = field(default_factory=lambda: max(1, os.cpu_count() or 1))
    database: str | None = field(default_factory=lambda: os.environ.get("CAMROLL_DATABASE") or None)
    """``postgresql://...`` to keep the catalog in PostgreSQL; None: the home's own choice (its
    ``database.url``), else SQLite in the home."""

    @property
    def db_path(self) -> Path:
        return self.home / "camroll.db"

    @property
    def database_url(self) -> str | None:
        """The PostgreSQL URL of this home's catalog, or None when it is the SQLite file."""
        if self.database:
            return self.database
        record = self.home / DATABASE_RECORD
        if record.is_file():
            return record.read_text(encoding="utf-8").strip() or None
        return None

    @property
    def has_library(self) -> bool:
        """Whether a catalog exists (so a command that only looks need not create one)."""
        return self.database_url is not None or self.db_path.exists()

    def open_database(self) -> Database:
        """A new connection to this home's catalog, made or migrated as needed."""
        from camroll.store.db import Database

        self.home.mkdir(parents=True, exist_ok=True)
        url = self.database_url
        if url is None:
            return Database.open(self.db_path)
        record = self.home / DATABASE_RECORD
        if not record.exists():
            fd = os.open(record, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(url + "\n")
        return Database.open_url(url, self.home)

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"


@dataclass
class AppContext:
    """What a command needs: settings, the database and lazily loaded heavy helpers."""

    config: Config
    actor: str = "local-user"
    """Who acts, as recorded in the consent ledger (the web app sets its logged-in user)."""
    _db: Database | None = None
    _geocoder: Geocoder | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def db(self) -> Database:
        if self._db is None:
            self.config.home.mkdir(parents=True, exist_ok=True)
            os.chmod(self.config.home, 0o700)
            self._db = self.config.open_database()
        return self._db

    @property
    def geocoder(self) -> Geocoder:
        if self._geocoder is None:
            from camroll.library.places import Geocoder

            self._geocoder = Geocoder()
        return self._geocoder

    def sealer(self, key: str) -> Sealer:
        """The sealer of a named key (``biometric``: face prints), one per context."""
        from camroll.privacy.crypto import Sealer

        cached = self.extras.get(f"sealer:{key}")
        if cached is None:
            cached = self.extras[f"sealer:{key}"] = Sealer(self.config.home / "keys" / f"{key}.key", key.encode())
        return cached

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
