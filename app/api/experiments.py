"""POST /api/experiments (one document) and /api/experiments/stream (NDJSON, flushed as computed)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import Response, StreamingResponse

from app.api.deps import get_pool, get_settings
from app.api.errors import log
from app.api.jsonio import StrictJSONResponse, dumps
from app.api.pool import ComputePool
from app.engine.runs import collect, iterate_experiment, prepare_experiment
from app.engine.spec import ExperimentSpec
from app.settings import Settings

router = APIRouter(tags=["experiments"])

EXAMPLE = {
    "surface": {"id": "rosenbrock", "params": {"a": 1, "b": 100}},
    "steps": 500,
    "tolerance": 1e-6,
    "runs": [
        {
            "label": "Adam, StepLR",
            "start": [-1.5, 2.0],
            "optimizer": {"id": "Adam", "params": {"lr": 0.01, "betas": [0.9, 0.999]}},
            "scheduler": {"id": "StepLR", "params": {"step_size": 100, "gamma": 0.5}},
            "noise": {"std": 0.0, "seed": 0},
        },
        {"label": "SGD, momentum", "optimizer": {"id": "SGD", "params": {"lr": 0.001, "momentum": 0.9}}},
    ],
}
ExperimentBody = Annotated[ExperimentSpec, Body(examples=[EXAMPLE])]


@router.post("/api/experiments")
async def run_experiment(
    spec: ExperimentBody,
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    pool: Annotated[ComputePool, Depends(get_pool)],
) -> Response:
    """Run every run of the experiment and return the whole result (SPEC §6)."""
    prepared = await pool.run(prepare_experiment, spec, settings.limits)
    pool.check()
    events = []
    # Event by event, as the stream does, so a client that hangs up stops the computation.
    async with aclosing(pool.iterate(iterate_experiment(prepared, settings.chunk_seconds))) as computation:
        async for event in computation:
            if await request.is_disconnected():
                return Response(status_code=499)  # nobody is listening; the status is for the log
            events.append(event)
    return StrictJSONResponse(collect(iter(events)))


async def ndjson(events: AsyncIterator[Any], head: Any = None) -> AsyncIterator[str]:
    """One JSON document per line (`head` first, when given); a failure after the stream began ends it
    with an `error` event."""
    if head is not None:
        yield dumps(head.to_dict()) + "\n"
    try:
        async for event in events:
            yield dumps(event.to_dict()) + "\n"
    except Exception as err:
        log.exception("stream failed")
        yield dumps({"event": "error", "detail": f"{type(err).__name__}: {err}"}) + "\n"


@router.post(
    "/api/experiments/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}, "description": "one JSON event per line"}},
)
async def stream_experiment(
    spec: ExperimentBody,
    settings: Annotated[Settings, Depends(get_settings)],
    pool: Annotated[ComputePool, Depends(get_pool)],
) -> StreamingResponse:
    """The same result as NDJSON: `experiment`, `points` chunks, `run_end` per run, then `done`."""
    prepared = await pool.run(prepare_experiment, spec, settings.limits)
    pool.check()
    computation = iterate_experiment(prepared, settings.chunk_seconds)
    # The `experiment` event comes before any computation (SPEC §6), so it is taken here, on the event
    # loop: it reaches the client at once even while every worker is busy with other streams.
    head = next(computation)
    return StreamingResponse(ndjson(pool.iterate(computation), head), media_type="application/x-ndjson")
