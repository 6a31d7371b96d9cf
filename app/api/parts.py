"""One request computed by several idle workers at once: their streams merged into one (design.md §12).

An experiment's runs are independent, so when workers are idle its runs are shared out among them
(app/workers/registry.py, Split) and the request takes the time of its slowest share instead of the
sum of all. The client sees one stream, as one worker would have sent it: part 0's first event (the
`experiment` header) first, then every part's events as they come (runs interleave, as they may), and
the final event (`done`, which every part sends) once, when every part has ended.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.api.pool import ComputePool, raise_for
from app.api.streaming import Encoded
from app.engine.runs import Part
from app.workers.child import ResultTooLarge, failure
from app.workers.registry import COMPUTATIONS

if TYPE_CHECKING:
    from pydantic import BaseModel

    from app.settings import Settings


def computed(pool: ComputePool, name: str, spec: BaseModel, settings: Settings) -> AsyncIterator[Encoded]:
    """The events of the registered computation `name` on `spec`: in parts, one per idle worker, when it
    has a Split and more than one worker is idle now; else by one worker."""
    split = COMPUTATIONS[name].split
    count = min(pool.idle(), split.most(spec)) if split is not None else 1
    if count < 2:
        return pool.events(name, spec, settings)
    parts = [pool.events(name, spec, settings, Part(index, count)) for index in range(count)]
    return merged(parts, settings.max_result_bytes)


@dataclass(frozen=True)
class PartEnded:
    """A part has sent everything; `final` is its last event, held back (every part ends with the same)."""

    final: Encoded | None


# What a part's pump reports: one of its events, its end, or its failure.
Arrival = tuple[int, Encoded | PartEnded | Exception]


async def merged(parts: list[AsyncIterator[Encoded]], max_bytes: int) -> AsyncIterator[Encoded]:
    """The parts' events as one stream. A part's failure ends it, and stops the other parts; so does a
    whole result past `max_bytes` (each worker holds only its own part to the budget)."""
    arrivals: asyncio.Queue[Arrival] = asyncio.Queue()
    pumps = [asyncio.ensure_future(_pump(index, part, arrivals)) for index, part in enumerate(parts)]
    early: list[Encoded] = []  # other parts' events that came before part 0's header
    header_sent, running, size, final = False, len(parts), 0, None
    try:
        while running:
            index, arrival = await arrivals.get()
            if isinstance(arrival, Exception):
                raise arrival
            if isinstance(arrival, PartEnded):
                running -= 1
                final = final or arrival.final
                continue
            size += len(arrival.line)
            if size > max_bytes:
                raise_for(failure(0, ResultTooLarge(max_bytes)))
            if header_sent:
                yield arrival
            elif index == 0:
                header_sent = True
                yield arrival
                for item in early:
                    yield item
            else:
                early.append(arrival)
        if final is not None:
            yield final
    finally:
        for pump in pumps:
            pump.cancel()  # closes its part: a part still computing is cancelled in its worker
        await asyncio.gather(*pumps, return_exceptions=True)


async def _pump(index: int, part: AsyncIterator[Encoded], arrivals: asyncio.Queue[Arrival]) -> None:
    """Pass a part's events on as they come, but for its last (see PartEnded). Part 0's first event, the
    header, goes on at once: it is never that part's last."""
    held: Encoded | None = None
    try:
        async with aclosing(part):  # type: ignore[type-var]
            events = aiter(part)
            if index == 0:
                arrivals.put_nowait((index, await anext(events)))
            async for item in events:
                if held is not None:
                    arrivals.put_nowait((index, held))
                held = item
        arrivals.put_nowait((index, PartEnded(held)))
    except Exception as err:
        arrivals.put_nowait((index, err))
