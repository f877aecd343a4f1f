"""Worker processes: stream items through a few workers, results back as they finish, and a
worker that dies costs the one item it held.

Both the scan and the analysis fan work out the same way. Workers are ``fork``ed (they inherit
the imported code at once and open no database handle). Each has its own pipe and a shared
integer: the parent sends it chunks of items (two chunks ahead) and knows which items each worker
holds, in order; the worker answers each chunk with its list of results, and before each item
writes that item's index into the shared integer, so the parent always knows which item a worker
was on when it died.

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
``workers * 2 * chunksize`` are in flight, and results are yielded as soon as a chunk is done. On any
exception in the caller, Ctrl-C included, every worker is terminated rather than left to finish.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import signal
import time
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


CHUNKS_AHEAD = 2
"""Chunks sent to a worker at once: the one it works on and the next, so it never waits for the
parent between two chunks."""


def _serve(
    conn: Connection,
    current: Any,
    since: Any,
    fn: Callable[[Any], Any],
    initializer: Callable[..., Any] | None,
    initargs: tuple[Any, ...],
) -> None:
    """A worker's loop: a list of results per chunk, in order, until the parent sends ``None`` or
    goes. ``current`` (shared memory) says which item of the chunk it is working on, and ``since``
    when it started it (``time.monotonic``, the same clock in every process of the machine)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it ends us
    if initializer is not None:
        initializer(*initargs)
    while True:
        try:
            chunk = conn.recv()
        except (EOFError, OSError):
            return
        if chunk is None:
            return
        answers: list[tuple[bool, Any]] = []
        for index, item in enumerate(chunk):
            since.value = time.monotonic()
            current.value = index
            try:
                answers.append((True, fn(item)))
            except Exception as e:  # the parent decides: a failure result (on_lost) or an error
                answers.append((False, f"{type(e).__name__}: {e}"))
        current.value = -1
        conn.send(answers)


class _Slot(Generic[T]):
    """One worker process, its pipe, the chunks it holds (oldest first: the one in work) and the
    shared index of the item it is working on."""

    def __init__(self, start: Callable[[Any, Any], tuple[BaseProcess, Connection]], current: Any, since: Any) -> None:
        self._start, self.current, self.since = start, current, since
        self.proc, self.conn = start(current, since)
        self.held: deque[list[T]] = deque()

    def stuck_for(self, now: float) -> float:
        """Seconds the worker has spent on its current item (0 when it holds none)."""
        return now - self.since.value if self.held and self.current.value >= 0 else 0.0

    def send(self, chunk: list[T]) -> None:
        self.held.append(chunk)
        self.conn.send(chunk)

    def restart(self) -> None:
        self.close(kill=True)
        self.current.value = -1
        self.proc, self.conn = self._start(self.current, self.since)
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


def stream(
    fn: Callable[[T], R],
    items: Iterable[T],
    workers: int,
    chunksize: int = 1,
    initializer: Callable[..., Any] | None = None,
    initargs: tuple[Any, ...] = (),
    on_lost: Callable[[T, str], R] | None = None,
    item_timeout: float | None = None,
) -> Iterator[R]:
    """``fn(item)`` for every item, in ``workers`` processes, results in completion order.

    Items go to a worker ``chunksize`` at a time (one message each way per chunk: larger chunks
    cost less per item, smaller ones hold fewer results back and redo less after a death). When
    ``fn`` raises, or the worker running it dies, the item becomes ``on_lost(item, reason)``; the
    reason reads ``died (signal 9, SIGKILL)`` or ``failed: ValueError: ...``. The rest of a dead
    worker's chunks is run again by its replacement (``fn`` must be safe to repeat: reading a
    file, analysing a photo). Without ``on_lost`` a :class:`WorkerError` is raised instead.

    ``item_timeout``: a worker still on one item after this many seconds is hung (a decoder in an
    endless loop, a read from a stalled network disk); it is killed and the item becomes
    ``on_lost(item, "hung (no answer after N s)")``, like a worker that died.
    """
    context = multiprocessing.get_context("fork")
    size = max(1, chunksize)

    def start(current: Any, since: Any) -> tuple[BaseProcess, Connection]:
        parent_end, child_end = context.Pipe(duplex=True)
        proc = context.Process(target=_serve, args=(child_end, current, since, fn, initializer, initargs), daemon=True)
        proc.start()
        child_end.close()
        return proc, parent_end

    def lost(item: T, reason: str) -> R:
        if on_lost is None:
            raise WorkerError(f"a worker {reason}")
        return on_lost(item, reason)

    source = iter(items)
    again: deque[T] = deque()  # items a dead worker held but did not finish: sent first

    def next_chunk() -> list[T]:
        chunk = [again.popleft() for _ in range(min(size, len(again)))]
        chunk.extend(itertools.islice(source, size - len(chunk)))
        return chunk

    finished = False
    slots: list[_Slot[T]] = []
    try:
        slots = [_Slot[T](start, context.RawValue("q", -1), context.RawValue("d", 0.0)) for _ in range(max(1, workers))]
        while True:
            for slot in slots:
                while len(slot.held) < CHUNKS_AHEAD:
                    chunk = next_chunk()
                    if not chunk:
                        break
                    slot.send(chunk)
            busy = [s for s in slots if s.held]
            if not busy:
                finished = True
                return
            ready = set(wait([s.conn for s in busy] + [s.proc.sentinel for s in busy], _wait_for(busy, item_timeout)))
            hung: set[int] = set()
            if item_timeout is not None and not ready:
                now = time.monotonic()
                for slot in busy:
                    if slot.stuck_for(now) > item_timeout and not slot.conn.poll():
                        slot.proc.kill()
                        slot.proc.join()
                        hung.add(id(slot))
                        ready.add(slot.proc.sentinel)
            for slot in busy:
                if slot.conn not in ready and slot.proc.sentinel not in ready:
                    continue
                died = False
                while slot.held:
                    try:
                        if not slot.conn.poll():
                            break
                        answers = slot.conn.recv()
                    except (EOFError, OSError):
                        died = True
                        break
                    chunk = slot.held.popleft()
                    for item, (ok, value) in zip(chunk, answers, strict=True):
                        yield value if ok else lost(item, f"failed: {value}")
                if died or slot.proc.sentinel in ready:
                    slot.proc.join()
                    if slot.held:
                        working = slot.held.popleft()
                        at = max(0, int(slot.current.value))  # -1: it died before starting the chunk
                        victim = working[at]
                        rest = working[:at] + working[at + 1 :] + [x for chunk in slot.held for x in chunk]
                        again.extendleft(reversed(rest))
                        reason = (
                            f"hung (no answer after {item_timeout:.0f} s)"
                            if id(slot) in hung
                            else f"died ({death_reason(slot.proc.exitcode)})"
                        )
                        slot.restart()
                        yield lost(victim, reason)
                    else:
                        slot.restart()
    finally:
        for slot in slots:
            slot.close(kill=not finished)


def _wait_for(busy: list[_Slot[Any]], item_timeout: float | None) -> float | None:
    """How long the parent may wait before some busy worker's item passes ``item_timeout``."""
    if item_timeout is None:
        return None
    now = time.monotonic()
    return max(0.05, min(item_timeout - slot.stuck_for(now) for slot in busy) + 0.05)
