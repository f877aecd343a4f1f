"""Worker processes: stream items through a few workers, results back as they finish, and a
worker that dies costs the one item it held.

Both the scan and the analysis fan work out the same way. Workers are ``fork``ed (they inherit
the imported code at once and open no database handle). Each has its own pipe: the parent sends
it at most ``chunksize`` items ahead and knows, at every moment, which items each worker holds,
in order; the worker answers one result per item, in the same order, so the oldest item a worker
holds is the one it is working on.

Why not :class:`multiprocessing.Pool`: when a worker is killed (the OOM killer's SIGKILL, a
native crash in a model, SIGBUS on a file cut short), the pool quietly starts a replacement and
the task the dead worker held is never answered, so ``imap`` waits forever. And
:class:`concurrent.futures.ProcessPoolExecutor` marks the whole pool broken on one death, failing
every pending item, and cannot say which item killed it. Here the parent waits on each worker's
pipe *and* its process sentinel together: when a worker dies, the item it was working on is
handed to ``on_lost(item, reason)`` (the caller turns it into its own failure result, so the item
is recorded as failed and retried by the next run), the items queued behind it are sent again,
a new worker is started, and the stream goes on.

Memory stays bounded: items are pulled from the iterable only as workers need them, at most
``workers * chunksize`` are in flight, and results are yielded as soon as they arrive. On any
exception in the caller, Ctrl-C included, every worker is terminated rather than left to finish.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class WorkerError(RuntimeError):
    """An item failed in a worker (its function raised, or the worker died) and the caller gave
    no ``on_lost`` to turn that into a result of its own."""


def death_reason(exitcode: int | None) -> str:
    """A dead worker's exit status in words: ``signal 9, SIGKILL`` or ``exit status 3``."""
    if exitcode is None:
        return "it stopped answering"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            return f"signal {-exitcode}"
        return f"signal {-exitcode}, {name}"
    return f"exit status {exitcode}"


def _serve(conn: Connection, fn: Callable[[Any], Any], initializer: Callable[..., Any] | None,
           initargs: tuple[Any, ...]) -> None:  # fmt: skip
    """A worker's loop: one result per item, in order, until the parent sends ``None`` or goes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it ends us
    if initializer is not None:
        initializer(*initargs)
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        try:
            answer: tuple[bool, Any] = (True, fn(item))
        except Exception as e:  # the parent decides: a failure result (on_lost) or an error
            answer = (False, f"{type(e).__name__}: {e}")
        conn.send(answer)


class _Slot(Generic[T]):
    """One worker process, its pipe and the items it holds (oldest first: the one in work)."""

    def __init__(self, start: Callable[[], tuple[BaseProcess, Connection]]) -> None:
        self._start = start
        self.proc, self.conn = start()
        self.held: deque[T] = deque()

    def send(self, item: T) -> None:
        self.held.append(item)
        self.conn.send(item)

    def restart(self) -> None:
        self.close(kill=True)
        self.proc, self.conn = self._start()
        self.held.clear()

    def close(self, kill: bool) -> None:
        if kill and self.proc.is_alive():
            self.proc.kill()
        else:
            with contextlib.suppress(OSError):
                self.conn.send(None)
        self.proc.join()
        self.conn.close()
        self.proc.close()


def stream(fn: Callable[[T], R], items: Iterable[T], workers: int, chunksize: int = 1,
           initializer: Callable[..., Any] | None = None, initargs: tuple[Any, ...] = (),
           on_lost: Callable[[T, str], R] | None = None) -> Iterator[R]:  # fmt: skip
    """``fn(item)`` for every item, in ``workers`` processes, results in completion order.

    ``chunksize`` items at most are sent ahead to each worker (more: less waiting on small
    items; fewer: less memory and fewer items sent again after a death). When ``fn`` raises, or
    the worker running it dies, the item becomes ``on_lost(item, reason)``; the reason reads
    ``died (signal 9, SIGKILL)`` or ``failed: ValueError: ...``. Without ``on_lost`` a
    :class:`WorkerError` is raised instead.
    """
    context = multiprocessing.get_context("fork")

    def start() -> tuple[BaseProcess, Connection]:
        parent_end, child_end = context.Pipe(duplex=True)
        proc = context.Process(target=_serve, args=(child_end, fn, initializer, initargs), daemon=True)
        proc.start()
        child_end.close()
        return proc, parent_end

    def lost(item: T, reason: str) -> R:
        if on_lost is None:
            raise WorkerError(f"a worker {reason}")
        return on_lost(item, reason)

    source = iter(items)
    again: deque[T] = deque()  # items a dead worker held but had not started: sent first
    exhausted = finished = False
    slots: list[_Slot[T]] = []
    try:
        slots = [_Slot[T](start) for _ in range(max(1, workers))]
        while True:
            for slot in slots:
                while len(slot.held) < max(1, chunksize) and (again or not exhausted):
                    if again:
                        slot.send(again.popleft())
                        continue
                    try:
                        slot.send(next(source))
                    except StopIteration:
                        exhausted = True
            busy = [s for s in slots if s.held]
            if not busy:
                finished = True
                return
            ready = set(wait([s.conn for s in busy] + [s.proc.sentinel for s in busy]))
            for slot in busy:
                if slot.conn not in ready and slot.proc.sentinel not in ready:
                    continue
                died = False
                while slot.held:
                    try:
                        if not slot.conn.poll():
                            break
                        ok, value = slot.conn.recv()
                    except (EOFError, OSError):
                        died = True
                        break
                    item = slot.held.popleft()
                    yield value if ok else lost(item, f"failed: {value}")
                if died or slot.proc.sentinel in ready:
                    slot.proc.join()
                    if slot.held:
                        victim = slot.held.popleft()
                        again.extendleft(reversed(slot.held))
                        reason = f"died ({death_reason(slot.proc.exitcode)})"
                        slot.restart()
                        yield lost(victim, reason)
                    else:
                        slot.restart()
    finally:
        for slot in slots:
            slot.close(kill=not finished)

