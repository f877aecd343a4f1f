"""How long work tells its caller what it is doing, without knowing about terminals.

The CLI implements :class:`Reporter` with a Rich progress bar; the web app (later) with a job
record a page polls; tests with nothing at all.
"""

from __future__ import annotations

from typing import Protocol


class Reporter(Protocol):
    def start(self, phase: str, total: int | None) -> None: ...
    def advance(self, n: int = 1) -> None: ...
    def problem(self, path: str, errors: list[str]) -> None: ...


class Silent:
    """A reporter that reports nothing."""

    def start(self, phase: str, total: int | None) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def problem(self, path: str, errors: list[str]) -> None:
        pass
