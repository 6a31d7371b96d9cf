"""POST /api/sweeps (one document) and /api/sweeps/stream (NDJSON: sweep, progress..., result)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends
from fastapi.responses import JSONResponse, StreamingResponse

from app.api.deps import get_pool, get_settings
from app.api.experiments import ndjson
from app.api.jsonio import StrictJSONResponse
from app.api.pool import ComputePool
from app.engine.spec import SweepSpec
from app.engine.sweeps import collect_sweep, iterate_sweep, prepare_sweep
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


@router.post("/api/sweeps")
async def run_sweep(
    spec: SweepBody,
    settings: Annotated[Settings, Depends(get_settings)],
    pool: Annotated[ComputePool, Depends(get_pool)],
) -> JSONResponse:
    """Run a sweep (basin map, hyperparameter sweep or seed band) and return the whole result (SPEC §6)."""
    prepared = await pool.run(prepare_sweep, spec, settings.limits)
    result = await pool.run(lambda: collect_sweep(iterate_sweep(prepared, PROGRESS_SECONDS)))
    return StrictJSONResponse(result)


@router.post(
    "/api/sweeps/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}, "description": "one JSON event per line"}},
)
async def stream_sweep(
    spec: SweepBody,
    settings: Annotated[Settings, Depends(get_settings)],
    pool: Annotated[ComputePool, Depends(get_pool)],
) -> StreamingResponse:
    """The same result as NDJSON: a `sweep` event, `progress` events while computing, then `result`."""
    prepared = await pool.run(prepare_sweep, spec, settings.limits)
    pool.check()
    events = pool.iterate(iterate_sweep(prepared, PROGRESS_SECONDS))
    return StreamingResponse(ndjson(events), media_type="application/x-ndjson")
