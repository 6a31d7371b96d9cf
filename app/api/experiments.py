"""POST /api/experiments (one document) and /api/experiments/stream (NDJSON, flushed as computed)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import Response, StreamingResponse

from app.api.deps import get_flights, get_pool, get_settings
from app.api.flights import FlightCache, request_key
from app.api.jsonio import StrictJSONResponse
from app.api.pool import ComputePool
from app.api.streaming import NDJSON_RESPONSES, Encoded, events_while_connected, ndjson_response
from app.engine.runs import PreparedExperiment, collect, iterate_experiment, prepare_experiment
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


def _events(
    spec: ExperimentSpec, settings: Settings, flights: FlightCache, prepared: PreparedExperiment
) -> AsyncIterator[Encoded]:
    """The experiment's events, computed once for identical requests (see flights.py)."""
    key = request_key({"experiment": spec.model_dump(mode="json"), "limits": asdict(settings.limits)})
    return flights.start(key, lambda: iterate_experiment(prepared, settings.chunk_seconds))


@router.post("/api/experiments")
async def run_experiment(
    spec: ExperimentBody,
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    pool: Annotated[ComputePool, Depends(get_pool)],
    flights: Annotated[FlightCache, Depends(get_flights)],
) -> Response:
    """Run every run of the experiment and return the whole result (SPEC §6)."""
    prepared = await pool.run(prepare_experiment, spec, settings.limits)
    events = await events_while_connected(request, _events(spec, settings, flights, prepared))
    if events is None:
        return Response(status_code=499)  # nobody is listening; the status is for the log
    return StrictJSONResponse(collect(iter(events)))


@router.post("/api/experiments/stream", response_class=StreamingResponse, responses=NDJSON_RESPONSES)
async def stream_experiment(
    spec: ExperimentBody,
    settings: Annotated[Settings, Depends(get_settings)],
    pool: Annotated[ComputePool, Depends(get_pool)],
    flights: Annotated[FlightCache, Depends(get_flights)],
) -> StreamingResponse:
    """The same result as NDJSON: `experiment`, `points` chunks, `run_end` per run, then `done`."""
    prepared = await pool.run(prepare_experiment, spec, settings.limits)
    return ndjson_response(_events(spec, settings, flights, prepared))
