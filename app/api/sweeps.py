"""POST /api/sweeps (one document) and /api/sweeps/stream (NDJSON: sweep, progress..., result)."""

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
from app.engine.spec import SweepSpec
from app.engine.sweeps import PreparedSweep, collect_sweep, iterate_sweep, prepare_sweep
from app.settings import Settings

router = APIRouter(tags=["sweeps"])

PROGRESS_SECONDS = 0.1

EXAMPLES = [
    {
        "surface": {"id": "himmelblau"},
        "steps": 300,
        "run": {"optimizer": {"id": "Adam", "params": {"lr": 0.05}}},
        "vary": {"kind": "start", "x": [-5, 5], "y": [-5, 5], "resolution": 64},
    },
    {
        "surface": {"id": "rosenbrock"},
        "steps": 500,
        "run": {"start": [-1.5, 2.0], "optimizer": {"id": "SGD", "params": {"momentum": 0.9}}},
        "vary": {"kind": "param", "name": "lr", "values": [1e-4, 3e-4, 1e-3, 3e-3]},
    },
    {
        "surface": {"id": "quadratic"},
        "steps": 200,
        "run": {"optimizer": {"id": "SGD"}},
        "vary": {
            "kind": "grid2",
            "x": {"name": "lr", "values": [0.01, 0.05, 0.1, 0.15, 0.2]},
            "y": {"name": "momentum", "values": [0.0, 0.5, 0.9]},
        },
    },
    {
        "surface": {"id": "booth"},
        "steps": 200,
        "run": {"optimizer": {"id": "SGD", "params": {"lr": 0.01}}, "noise": {"std": 1.0, "seed": 0}},
        "vary": {"kind": "seed", "seeds": list(range(32))},
    },
]
SweepBody = Annotated[SweepSpec, Body(examples=EXAMPLES)]


def _events(
    spec: SweepSpec, settings: Settings, flights: FlightCache, prepared: PreparedSweep
) -> AsyncIterator[Encoded]:
    """The sweep's events, computed once for identical requests (see flights.py)."""
    key = request_key({"sweep": spec.model_dump(mode="json"), "limits": asdict(settings.limits)})
    return flights.start(key, lambda: iterate_sweep(prepared, PROGRESS_SECONDS))


@router.post("/api/sweeps")
async def run_sweep(
    spec: SweepBody,
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    pool: Annotated[ComputePool, Depends(get_pool)],
    flights: Annotated[FlightCache, Depends(get_flights)],
) -> Response:
    """Run a sweep (basin map, hyperparameter sweep or seed band) and return the whole result (SPEC §6)."""
    prepared = await pool.run(prepare_sweep, spec, settings.limits)
    events = await events_while_connected(request, _events(spec, settings, flights, prepared))
    if events is None:
        return Response(status_code=499)  # nobody is listening; the status is for the log
    return StrictJSONResponse(collect_sweep(iter(events)))


@router.post("/api/sweeps/stream", response_class=StreamingResponse, responses=NDJSON_RESPONSES)
async def stream_sweep(
    spec: SweepBody,
    settings: Annotated[Settings, Depends(get_settings)],
    pool: Annotated[ComputePool, Depends(get_pool)],
    flights: Annotated[FlightCache, Depends(get_flights)],
) -> StreamingResponse:
    """The same result as NDJSON: a `sweep` event, `progress` events while computing, then `result`."""
    prepared = await pool.run(prepare_sweep, spec, settings.limits)
    return ndjson_response(_events(spec, settings, flights, prepared))
