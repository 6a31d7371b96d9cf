"""Identical computations run once: a single-flight cache of encoded stream events.

Runs and sweeps are deterministic (design.md §2: same request, same bytes), so when thirty students open
the same lesson, one computation serves them all: requests that arrive while it runs follow it event
by event, and later ones replay its events from a cache bounded in bytes. A computation stops as
soon as its last follower hangs up.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from app.api.pool import ComputePool
from app.api.streaming import Encoded, encoded
from app.engine.runs import RunEnded
from app.engine.sweeps import SweepResult


def request_key(document: Any) -> str:
    """A digest of a request's canonical JSON: equal requests, equal keys."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class Flight:
    """One computation in progress: its events so far, followed by every identical request."""

    events: list[Encoded]
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    finished: bool = False
    error: BaseException | None = None
    followers: int = 0
    task: asyncio.Task | None = None


class FlightCache:
    def __init__(self, pool: ComputePool, max_bytes: int) -> None:
        self.pool = pool
        self.max_bytes = max_bytes
        self.completed: OrderedDict[str, tuple[list[Encoded], int]] = OrderedDict()
        self.cached_bytes = 0
        self.flights: dict[str, Flight] = {}
        self.computed = 0  # computations started
        self.shared = 0  # requests served by another request's computation, running or finished

    def start(self, key: str, computation: Callable[[], Iterator[Any]]) -> AsyncIterator[Encoded]:
        """The events for `key` (with their lines): replayed, followed, or from a new computation (which
        may be refused with 503 at once, before any response begins)."""
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
            events = encoded(computation())
            # The first event costs nothing to make (design.md §6: it comes before any computation), so it
            # is taken here, on the event loop, and reaches the client even while every worker is busy.
            flight = Flight([next(events)])
            self.flights[key] = flight
            flight.task = asyncio.get_running_loop().create_task(self._produce(key, flight, events))
        return self._follow(flight)

    async def _replay(self, events: list[Encoded]) -> AsyncIterator[Encoded]:
        for event in events:
            yield event

    async def _follow(self, flight: Flight) -> AsyncIterator[Encoded]:
        flight.followers += 1
        try:
            seen = 0
            while True:
                async with flight.changed:
                    await flight.changed.wait_for(lambda seen=seen: len(flight.events) > seen or flight.finished)
                new, seen = flight.events[seen:], len(flight.events)
                for event in new:
                    yield event
                if flight.finished and seen == len(flight.events):
                    break
            if flight.error is not None:
                raise flight.error
        finally:
            flight.followers -= 1
            if flight.followers == 0 and not flight.finished and flight.task is not None:
                flight.task.cancel()  # nobody is listening any more: stop computing

    async def _produce(self, key: str, flight: Flight, events: Iterator[Encoded]) -> None:
        try:
            async for event in self.pool.iterate(events):
                async with flight.changed:
                    flight.events.append(event)
                    flight.changed.notify_all()
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
