"""Who may use the web app: host names, passwords, signed session cookies, CSRF tokens, user names.

On loopback (the default) the one person at the machine is the user and no password is asked.
With ``--allow-remote`` camroll asks for a login: passwords are stored as scrypt hashes
(``hashlib.scrypt``, a random salt each) in ``<home>/web/users.json`` (0600), a session is a
cookie signed with a key kept in ``<home>/keys/web-session.key`` (0600) that names a login kept
on the server (:mod:`camroll.web.sessions`), and every state-changing request must carry a CSRF
token tied to its session (always, even on loopback, so a page on another site cannot make the
browser revoke or delete anything).

Every request, in every mode, must name the server by a name it answers to (:class:`HostPolicy`):
a web page the person visits can point its own name at 127.0.0.1 (DNS rebinding) and would
otherwise read the library as if it were the same site.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer

from camroll import thresholds
from camroll.errors import RequestError
from camroll.privacy.private_files import write_private

SESSION_COOKIE = "camroll_session"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
USER_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
LOCAL_USER = "local"
"""The user on loopback without login: the server's own camroll home is their library."""


class SecurityError(RequestError, ValueError):
    """A user or password that cannot be accepted; the message is for the person."""


LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
"""The names this computer has for itself: always accepted in ``Host``, whatever the address."""

UNSPECIFIED_ADDRESSES = ("0.0.0.0", "::", "")
"""``--host`` values that mean "every address": they are not a name anyone types in a browser."""


def host_name(value: str) -> str | None:
    """The name in a ``Host`` header or a ``--allow-host`` value: lower case, without the port,
    the IPv6 brackets or a final dot; None when it is not a host name at all."""
    value = value.strip().lower()
    if not value or any(c in value for c in "/\\@ ?#\t\r\n\x00"):
        return None
    if value.startswith("["):
        end = value.find("]")
        name, rest = value[1:end], value[end + 1 :]
        if end < 0 or (rest and not (rest.startswith(":") and rest[1:].isdigit())):
            return None
    elif value.count(":") == 1:
        name, port = value.split(":")
        if not port.isdigit():
            return None
    else:
        name = value  # a plain name, or a bare IPv6 address as given to --host
    name = name.rstrip(".")
    return name or None


@dataclass(frozen=True)
class HostPolicy:
    """The names a browser may use to reach this server: the loopback names, the ``--host``
    address (unless it means every address) and every ``--allow-host``. Checked on every request
    (:meth:`host_ok`), and on state-changing ones against the page that sent them (:meth:`origin_ok`)."""

    names: frozenset[str]

    @classmethod
    def for_server(cls, bind_host: str | None = None, allow_hosts: Iterable[str] = ()) -> HostPolicy:
        names = set(LOOPBACK_NAMES)
        for value in ([bind_host] if bind_host and bind_host not in UNSPECIFIED_ADDRESSES else []) + list(allow_hosts):
            name = host_name(value)
            if name is None:
                raise SecurityError(f"{value!r} is not a host name (give a name or an address, without http://)")
            names.add(name)
        return cls(frozenset(names))

    def host_ok(self, header: str | None) -> bool:
        """Whether a request's ``Host`` names this server (a request without one is refused)."""
        name = host_name(header) if header else None
        return name is not None and name in self.names

    def origin_ok(self, origin: str | None, referer: str | None) -> bool:
        """Whether the page that sent a state-changing request is this server. ``Origin`` is
        what browsers send with every POST; ``Referer`` is asked only without it. A request with
        neither comes from no web page (a script, curl, a test client): it passes here, and the
        CSRF token, which only camroll's own pages carry, still has to match."""
        sender = origin if origin is not None else referer
        if sender is None:
            return True
        try:
            parts = urlsplit(sender.strip())
            name = parts.hostname
        except ValueError:
            return False
        return parts.scheme in ("http", "https") and name is not None and name.rstrip(".") in self.names


def folder_under_roots(folder: str, roots: Iterable[str | Path]) -> Path | None:
    """The real path of ``folder`` when it is an existing folder at or below one of ``roots``,
    else None. Both sides are resolved first (symlinks and ``..``), so a link inside a root that
    points outside it, or ``root/../..``, is outside."""
    text = folder.strip()
    if not text or "\x00" in text:
        return None
    try:
        path = Path(text).expanduser()
        if not path.is_absolute():
            return None
        real = Path(os.path.realpath(path))
        if not real.is_dir():
            return None
        for root in roots:
            base = Path(os.path.realpath(root))
            if base.is_dir() and (real == base or base in real.parents):
                return real
    except (OSError, RuntimeError, ValueError):  # a name too long, "~nobody": not a folder to scan
        return None
    return None


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64), with a fresh random salt."""
    salt = os.urandom(16)
    n, r, p = thresholds.WEB_SCRYPT_N, 8, 1
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=32)
    return "$".join(["scrypt", str(n), str(r), str(p), _b64(salt), _b64(digest)])


DUMMY_HASH = "$".join(
    [
        "scrypt",
        str(thresholds.WEB_SCRYPT_N),
        "8",
        "1",
        base64.b64encode(bytes(16)).decode(),
        base64.b64encode(bytes(32)).decode(),
    ]
)
"""What a password for a name that does not exist is checked against: the same scrypt work as a
real user's, so the time a failed login takes does not tell which names exist."""


def check_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode("utf-8"),
            salt=_unb64(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=256 * 1024 * 1024,
            dklen=32,
        )
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
            raise SecurityError(
                "a user name is 1-32 lower-case letters, digits, '-' or '_', starting with a letter or digit"
            )
        if name == LOCAL_USER:
            raise SecurityError(f"{LOCAL_USER!r} is the name of the server's own library; choose another name")
        if len(password) < 8:
            raise SecurityError("a password needs at least 8 characters")
        users = self._load()
        users[name] = {"password": hash_password(password)}
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_private(self.path, json.dumps(users, indent=1, sort_keys=True).encode("utf-8"))

    def authenticate(self, name: str, password: str) -> bool:
        entry = self._load().get(name)
        if entry is None:
            # One scrypt, as for a real user, so timing does not tell which names exist.
            check_password(password, DUMMY_HASH)
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
    """Signed, timestamped session cookies (itsdangerous). The cookie carries only the session
    id; who is logged in under it is kept on the server (:class:`camroll.web.sessions.Logins`),
    so a cookie can be ended there."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._serializer = URLSafeTimedSerializer(key, salt="camroll-session")

    def new(self, user: str | None = None) -> Session:
        return Session(secrets.token_urlsafe(18), user)

    def dump(self, session: Session) -> str:
        return self._serializer.dumps({"sid": session.sid})

    def load(self, cookie: str | None) -> Session | None:
        """The session a cookie names, with no user yet (the server's login store says who)."""
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=thresholds.WEB_SESSION_SECONDS)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("sid"), str):
            return None
        return Session(data["sid"], None)

    def csrf_token(self, session: Session) -> str:
        """The token a form of this session must send back: an HMAC of the session id."""
        return hmac.new(self._key, b"csrf:" + session.sid.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session: Session, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf_token(session), str(token))
