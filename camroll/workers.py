"""Worker processes: stream items through a pool, results back in completion order.

Both the scan and the analysis fan work out the same way: ``fork`` (workers inherit the
imported code at once and open no database handle), ``imap_unordered`` (results stream back
as they finish, so memory stays bounded and progress is live), and on any exception, Ctrl-C
included, the pool is terminated rather than left to finish.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def stream(fn: Callable[[T], R], items: Iterable[T], workers: int, chunksize: int,
           initializer: Callable[..., Any] | None = None, initargs: tuple[Any, ...] = ()) -> Iterator[R]:  # fmt: skip
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=initializer, initargs=initargs)
    try:
        yield from pool.imap_unordered(fn, items, chunksize=chunksize)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
