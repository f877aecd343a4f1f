"""One error model: every failure a person should read is a :class:`CamrollError`.

A feature raises a ``CamrollError`` (or one of its kinds below) with a message in plain words,
naming the file, person or moment concerned and the reason. The front ends catch it once: the CLI
prints the message, escaped for Rich markup, on stderr and exits with ``exit_code``
(:mod:`camroll.cli.common`); the web app shows it as an error page, or as JSON, with
``http_status`` (:mod:`camroll.web.app`). Anything else that escapes is a bug and keeps its
traceback.

The kinds follow the CLI's exit codes: 1, it could not be done (a file is unreadable, a model is
missing); 2, the request itself was wrong (a bad value, an unknown person). A command that knows
better can still choose the code when it catches an error (the same "folder holds originals"
refusal is a usage error for ``share`` and a failure for ``make filtered``).

This module sits below every other one and imports nothing from camroll.
"""

from __future__ import annotations

from typing import Any


class CamrollError(Exception):
    """Something could not be done; ``message`` tells a person what and why."""

    exit_code: int = 1
    """The CLI's exit status when this error ends a command."""
    http_status: int = 500
    """The web app's status when a page ends with this error."""

    def __init__(self, message: str = "", exit_code: int | None = None) -> None:
        super().__init__(*((message,) if message else ()))
        self.message = message
        self._exit_code = exit_code
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        # Not KeyError's repr() of the message for the kinds that are also a KeyError.
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Raised in worker processes too: keep the chosen exit code across pickling.
        return (type(self), (self.message, self._exit_code))


class RequestError(CamrollError):
    """What was asked for is wrong (a value out of range, an unknown option): the person can fix it."""

    exit_code = 2
    http_status = 400


class NotFoundError(RequestError):
    """The person, moment, photo or creation asked for does not exist (any more)."""

    http_status = 404
