"""Who may use the web app: passwords, signed session cookies, CSRF tokens, user names.

On loopback (the default) the one person at the machine is the user and no password is asked.
Bound to another address (``--allow-remote``), camroll asks for a login: passwords are stored as
scrypt hashes (``hashlib.scrypt``, a random salt each) in ``<home>/web/users.json`` (0600), a
session is a cookie signed with a key kept in ``<home>/keys/web-session.key`` (0600), and every
state-changing request must carry a CSRF token tied to its session (always, even on loopback, so
a page on another site cannot make the browser revoke or delete anything).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from camroll import thresholds

SESSION_COOKIE = "camroll_session"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
USER_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
LOCAL_USER = "local"
"""The user on loopback without login: the server's own camroll home is their library."""


class SecurityError(ValueError):
    """A user or password that cannot be accepted; the message is for the person."""


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64), with a fresh random salt."""
    salt = os.urandom(16)
    n, r, p = thresholds.WEB_SCRYPT_N, 8, 1
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=32)
    return "$".join(["scrypt", str(n), str(r), str(p), _b64(salt), _b64(digest)])


def check_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(password.encode("utf-8"), salt=_unb64(salt), n=int(n), r=int(r), p=int(p),
                             maxmem=256 * 1024 * 1024, dklen=32)  # fmt: skip
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, _unb64(digest))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


@dataclass
class Users:
    """The web users of one server, in ``<home>/web/users.json``."""

    home: Path

    @property
    def path(self) -> Path:
        return self.home / "web" / "users.json"

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            data: dict[str, dict[str, Any]] = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return data

    def names(self) -> list[str]:
        return sorted(self._load())

    def add(self, name: str, password: str) -> None:
        """Create a user (or set a new password for one)."""
        if not USER_NAME.match(name):
            raise SecurityError("a user name is 1-32 lower-case letters, digits, '-' or '_', starting with a letter or digit")
        if len(password) < 8:
            raise SecurityError("a password needs at least 8 characters")
        users = self._load()
        users[name] = {"password": hash_password(password)}
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(users, f, indent=1, sort_keys=True)
        os.replace(tmp, self.path)

    def authenticate(self, name: str, password: str) -> bool:
        entry = self._load().get(name)
        if entry is None:
            # Spend the same time as a real check, so timing does not tell which names exist.
            check_password(password, hash_password("not-a-user"))
            return False
        return check_password(password, str(entry.get("password", "")))


def user_home(server_home: Path, user: str) -> Path:
    """Where a web user's own library lives: ``<home>/users/<name>`` (isolated by construction:
    their own database, keys and caches), or the server's home for the local user."""
    if user == LOCAL_USER:
        return server_home
    if not USER_NAME.match(user):
        raise SecurityError(f"invalid user name {user!r}")
    return server_home / "users" / user


def session_key(home: Path) -> bytes:
    """The key that signs session cookies, made once (0600): restarting the server keeps logins."""
    path = home / "keys" / "web-session.key"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key)
        return key


@dataclass
class Session:
    sid: str
    user: str | None


class Sessions:
    """Signed, timestamped session cookies (itsdangerous): nothing is stored server-side."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._serializer = URLSafeTimedSerializer(key, salt="camroll-session")

    def new(self, user: str | None = None) -> Session:
        return Session(secrets.token_urlsafe(18), user)

    def dump(self, session: Session) -> str:
        return self._serializer.dumps({"sid": session.sid, "user": session.user})

    def load(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=thresholds.WEB_SESSION_SECONDS)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("sid"), str):
            return None
        user = data.get("user")
        return Session(data["sid"], user if isinstance(user, str) else None)

    def csrf_token(self, session: Session) -> str:
        """The token a form of this session must send back: an HMAC of the session id."""
        return hmac.new(self._key, b"csrf:" + session.sid.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session: Session, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf_token(session), str(token))
