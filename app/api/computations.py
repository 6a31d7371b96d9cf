"""One computation, two routes: POST <path> answers with the whole document, <path>/stream with NDJSON.

Experiments, sweeps and model mode's computations differ only in their data (ComputationRoutes: the
request model and its examples, the engine's prepare / iterate / collect functions, the docs), so
add_computation_routes() registers both routes for each, and the computation itself by name
(app/workers/registry.py), which is how a worker process finds it. No `from __future__ import
annotations` here: FastAPI reads the endpoints' annotations, which name the request model held in a
closure variable, when the routes are registered.
"""

from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel

from app.api.deps import get_flights, get_pool, get_settings
from app.api.flights import FlightCache, request_key
from app.api.jsonio import dumps_in_pieces
from app.api.parts import computed
from app.api.pool import ComputePool
from app.api.schemas import COMPUTATION_ERRORS
from app.api.streaming import NDJSON_RESPONSES, Batch, events_while_connected, ndjson_response
from app.engine.errors import SpecError
from app.settings import Settings
from app.workers.registry import Computation, register

Events = AsyncIterator[Batch]


@dataclass(frozen=True)
class ComputationRoutes:
    """One computation's two routes as data: the computation the workers run (its name, request model
    and engine functions, app/workers/registry.py), where it is served, and how /openapi.json shows it."""

    path: str
    computation: Computation
    result_model: type[BaseModel]  # the whole document, for the docs only (see _add_routes)
    examples: list[dict[str, Any]]
    description: str
    events: str  # what the stream sends, in order: its route's description


def add_computation_routes(router: APIRouter, *computations: ComputationRoutes) -> None:
    """Register each computation by name, and its two routes on `router`."""
    for routes in computations:
        register(routes.computation)
        _add_routes(router, routes)


def _add_routes(router: APIRouter, routes: ComputationRoutes) -> None:
    """`run_<name>` at POST `path` and `stream_<name>` at POST `path`/stream (a function per computation:
    the endpoints' closures hold its name and functions).

    `prepare` validates the request in a worker process (so a bad one fails before any response
    begins), `iterate` yields the engine's events there, and `collect` turns every event into the whole document,
    which `result_model` describes in /openapi.json (documentation only: results can be megabytes, so
    they are sent as the engine made them, not re-validated).
    """
    name, prepare, collect = routes.computation.name, routes.computation.prepare, routes.computation.collect
    body = Annotated[routes.computation.spec_model, Body(examples=routes.examples)]

    async def start(
        spec: body,  # type: ignore[valid-type]
        settings: Annotated[Settings, Depends(get_settings)],
        pool: Annotated[ComputePool, Depends(get_pool)],
        flights: Annotated[FlightCache, Depends(get_flights)],
    ) -> Events:
        """The events, computed once for identical requests (see flights.py), by worker processes."""
        try:
            key = request_key({name: spec.model_dump(mode="json"), "limits": asdict(settings.limits)})
        except ValueError:  # nested too deep to write down, or to send a worker: the engine says where
            prepare(spec, settings.limits)  # raises the SpecError naming the field (a 422)
            raise SpecError((), "the request is nested too deeply", "value_error") from None
        return await flights.start(key, lambda: computed(pool, name, spec, settings))

    async def run(request: Request, events: Annotated[Events, Depends(start)]) -> Response:
        collected = await events_while_connected(request, events)
        if collected is None:
            return Response(status_code=499)  # nobody is listening; the status is for the log
        # A worker thread builds and encodes the document, in pieces (see dumps_in_pieces): 16 runs of
        # 20 000 steps are 20 MB of JSON, whose encoding would otherwise stall the loop for seconds.
        body = await anyio.to_thread.run_sync(lambda: dumps_in_pieces(collect(iter(collected))).encode())
        return Response(body, media_type="application/json")

    async def stream(events: Annotated[Events, Depends(start)]) -> StreamingResponse:
        return ndjson_response(events)

    router.add_api_route(
        routes.path,
        run,
        methods=["POST"],
        name=f"run_{name}",
        description=routes.description,
        response_model=None,
        responses={200: {"model": routes.result_model}, **COMPUTATION_ERRORS},
    )
    router.add_api_route(
        f"{routes.path}/stream",
        stream,
        methods=["POST"],
        name=f"stream_{name}",
        description=f"The same result as NDJSON: {routes.events}",
        response_class=StreamingResponse,
        responses=NDJSON_RESPONSES | COMPUTATION_ERRORS,
    )
