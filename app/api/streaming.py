"""Events to NDJSON lines, and the pieces both computation routes (experiments, sweeps) share."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing
from typing import Any, NamedTuple

from fastapi import Request
from fastapi.responses import StreamingResponse

from app.api.jsonio import dumps
from app.api.pool import ComputationFailed

log = logging.getLogger("optimlab")


class Encoded(NamedTuple):
    """An engine event and its NDJSON line, encoded once, on a worker (never on the event loop)."""

    event: Any
    line: str


Batch = list[Encoded]  # events that came together, sent on together (app/api/flights.py); never empty


def encoded(events: Iterator[Any]) -> Iterator[Encoded]:
    for event in events:
        yield Encoded(event, dumps(event.to_dict()) + "\n")


async def ndjson(batches: AsyncIterator[Batch]) -> AsyncIterator[str]:
    """The lines, a batch to a chunk; a failure after the stream began ends it with an `error` event.
    Closing the batches when the client leaves stops their computation."""
    try:
        async with aclosing(batches):
            async for batch in batches:
                yield "".join(item.line for item in batch)
    except Exception as err:
        detail = err.detail if isinstance(err, ComputationFailed) else f"{type(err).__name__}: {err}"
        if not isinstance(err, ComputationFailed):  # a limit or a lost worker is logged where it happens
            log.exception("stream failed")
        yield dumps({"event": "error", "detail": detail}) + "\n"


def ndjson_response(batches: AsyncIterator[Batch]) -> StreamingResponse:
    return StreamingResponse(ndjson(batches), media_type="application/x-ndjson")


async def events_while_connected(request: Request, batches: AsyncIterator[Batch]) -> list[Any] | None:
    """Every event, or None as soon as the client has hung up (which stops the computation).

    A task waits for the hang-up meanwhile, as Starlette's StreamingResponse does. Asking
    `request.is_disconnected()` at every event instead cost more of the server's CPU than all else it
    did for the request (each call opens and cancels a cancel scope, which formats the task's repr).
    """
    collecting = asyncio.ensure_future(_events(batches))
    hang_up = asyncio.ensure_future(_hang_up(request))
    try:
        await asyncio.wait((collecting, hang_up), return_when=asyncio.FIRST_COMPLETED)
        return collecting.result() if collecting.done() else None  # result() raises the computation's error
    finally:
        hang_up.cancel()
        if not collecting.done():
            collecting.cancel()  # closes the items: the computation stops
            await asyncio.wait((collecting,))


async def _events(batches: AsyncIterator[Batch]) -> list[Any]:
    async with aclosing(batches):
        return [item.event async for batch in batches for item in batch]


async def _hang_up(request: Request) -> None:
    """Returns when the client disconnects (the body has been read: nothing else can arrive)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


NDJSON_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/x-ndjson": {}}, "description": "one JSON event per line"}
}
