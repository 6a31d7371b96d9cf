"""Identical computations run once: a single-flight cache of encoded stream events.

Runs and sweeps are deterministic (design.md §2: same request, same bytes), so when thirty students open
the same lesson, one computation serves them all: requests that arrive while it runs follow it event
by event, and later ones replay its events from a cache bounded in bytes. A computation stops as
soon as its last follower hangs up.

A follower takes every event that has come since it last looked, as one batch: a flush's events come
from the worker one right after another (design.md §6), and a batch is one HTTP chunk where an event
each would pass the middleware and the socket on its own (design.md §12).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from app.api.pool import ComputePool
from app.api.streaming import Batch, Encoded
from app.engine.runs import RunEnded
from app.engine.sweeps import SweepResult


def request_key(document: Any) -> str:
    """A digest of a request's canonical JSON: equal requests, equal keys."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class Flight:
    """One computation in progress: its events so far, followed by every identical request."""

    events: list[Encoded] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    began: asyncio.Event = field(default_factory=asyncio.Event)  # the first event came, or the end
    finished: bool = False
    error: BaseException | None = None
    followers: int = 0
    task: asyncio.Task | None = None


class Follower:
    """One request's view of a flight: its events from the first, in batches of those that have come
    since the last, then the flight's error if it had one.

    A follower counts from the moment it exists, and `aclose()` always lets go of the flight (even when
    it was never iterated), so a computation stops as soon as its last follower hangs up.
    """

    def __init__(self, flight: Flight) -> None:
        self.flight = flight
        self.seen = 0
        self.closed = False
        flight.followers += 1

    def __aiter__(self) -> Follower:
        return self

    async def __anext__(self) -> Batch:
        flight = self.flight
        if self.seen == len(flight.events) and not flight.finished:
            async with flight.changed:
                await flight.changed.wait_for(lambda: len(flight.events) > self.seen or flight.finished)
        if self.seen < len(flight.events):
            batch = flight.events[self.seen :]
            self.seen = len(flight.events)
            return batch
        if flight.error is not None:
            raise flight.error
        raise StopAsyncIteration

    async def aclose(self) -> None:
        if self.closed:
            return
        self.closed = True
        flight = self.flight
        flight.followers -= 1
        if flight.followers == 0 and not flight.finished and flight.task is not None:
            flight.task.cancel()  # nobody is listening any more: stop computing


class FlightCache:
    def __init__(self, pool: ComputePool, max_bytes: int) -> None:
        self.pool = pool
        self.max_bytes = max_bytes
        self.completed: OrderedDict[str, tuple[list[Encoded], int]] = OrderedDict()
        self.cached_bytes = 0
        self.flights: dict[str, Flight] = {}
        self.computed = 0  # computations started
        self.shared = 0  # requests served by another request's computation, running or finished

    async def start(self, key: str, computation: Callable[[], AsyncIterator[Encoded]]) -> AsyncIterator[Batch]:
        """The events for `key`: replayed, followed, or from a new computation. Returns once the first
        event is there (design.md §6: it comes before any computation), so a refused request (503), a bad
        one (the worker's SpecError, 422) or one that failed at once raises here, before any response."""
        if key in self.completed:
            self.completed.move_to_end(key)
            self.shared += 1
            return self._replay(self.completed[key][0])
        flight = self.flights.get(key)
        if flight is not None:
            self.shared += 1
        else:
            self.pool.check()
            self.computed += 1
            flight = self.flights[key] = Flight()
            flight.task = asyncio.get_running_loop().create_task(self._produce(key, flight, computation()))
        follower = Follower(flight)
        try:
            await flight.began.wait()
            if not flight.events and flight.error is not None:
                raise flight.error
        except BaseException:
            await follower.aclose()
            raise
        return follower

    async def _replay(self, events: list[Encoded]) -> AsyncIterator[Batch]:
        yield events

    async def _produce(self, key: str, flight: Flight, events: AsyncIterator[Encoded]) -> None:
        try:
            async with aclosing(events):  # type: ignore[type-var]
                async for event in events:
                    async with flight.changed:
                        flight.events.append(event)
                        flight.changed.notify_all()
                    flight.began.set()
            self._keep(key, flight.events)
        except asyncio.CancelledError:
            pass
        except Exception as err:  # reaches every follower, which ends its stream with an error event
            flight.error = err
        finally:
            self.flights.pop(key, None)
            async with flight.changed:
                flight.finished = True
                flight.changed.notify_all()
            flight.began.set()

    def _keep(self, key: str, events: list[Encoded]) -> None:
        """Cache a finished computation, unless the server's budget cut it short or it is too large."""
        if any(isinstance(e.event, RunEnded | SweepResult) and e.event.cut_short_by_the_server for e in events):
            return
        size = sum(len(e.line) for e in events)
        if size > self.max_bytes // 4:
            return
        self.completed[key] = (events, size)
        self.cached_bytes += size
        while self.cached_bytes > self.max_bytes:
            _, (_, dropped) = self.completed.popitem(last=False)
            self.cached_bytes -= dropped
