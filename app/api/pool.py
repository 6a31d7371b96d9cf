"""Where CPU work runs: worker threads behind a bounded admission count, off the event loop.

The event loop only moves bytes, so /api/health stays fast while clients stream. Each computation
is admitted first; when every worker is busy and the waiting room is full, the request gets a 503
with Retry-After instead of an ever-growing queue.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")
_END = object()

# Worker threads hold the GIL for most of a step (on 2-vectors a step is Python and dispatch, hardly any
# kernel time), and torch drops and retakes it around every op. With Python's default 5 ms switch interval
# the event loop queues behind those slices; 1 ms lets it answer /api/health and move stream bytes
# sooner. Measured with `python -m bench.load` (2 cores): health p95 about 2x lower and throughput
# no worse.
GIL_SWITCH_INTERVAL = 0.001


class Overloaded(Exception):
    """Every worker is busy and the queue is full."""


class ComputePool:
    def __init__(self, workers: int, max_pending: int) -> None:
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_INTERVAL))
        self.limiter = anyio.CapacityLimiter(workers)
        self.capacity = workers + max_pending
        self.admitted = 0
        self.cancelled = 0  # computations stopped early because their client went away

    def check(self) -> None:
        """Refuse at once, before any response is sent, when there is no place for one more."""
        if self.admitted >= self.capacity:
            raise Overloaded

    def reserve(self) -> None:
        self.check()
        self.admitted += 1

    def release(self) -> None:
        self.admitted -= 1

    @contextmanager
    def admit(self) -> Iterator[None]:
        self.reserve()
        try:
            yield
        finally:
            self.release()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        with self.admit():
            return await anyio.to_thread.run_sync(fn, *args, limiter=self.limiter)

    async def iterate(self, items: Iterator[T]) -> AsyncIterator[T]:
        """Drive a blocking generator on the workers, one item at a time.

        The place is taken when the first item is asked for (the caller has checked there is one), so
        a stream that never starts holds nothing. When the consumer stops early (the client
        disconnected), the generator is closed and its computation ends at the next item boundary.
        """
        finished = False
        self.admitted += 1
        try:
            while True:
                item = await anyio.to_thread.run_sync(next, items, _END, limiter=self.limiter)
                if item is _END:
                    finished = True
                    return
                yield item  # type: ignore[misc]
        finally:
            if not finished:
                self.cancelled += 1
            self.release()
            close = getattr(items, "close", None)
            if close is not None:
                close()
