"""POST /api/sweeps (one document) and /api/sweeps/stream (NDJSON: sweep, progress..., result)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter

from app.api.computations import ComputationRoutes, add_computation_routes
from app.api.schemas import SweepResult
from app.engine.spec import SweepSpec
from app.engine.sweeps import PreparedSweep, SweepEvent, collect_sweep, iterate_sweep, prepare_sweep
from app.settings import Settings
from app.workers.registry import Computation

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


def iterate(sweep: PreparedSweep, settings: Settings) -> Iterator[SweepEvent]:
    """The sweep's events, a `progress` event every PROGRESS_SECONDS while it computes."""
    return iterate_sweep(sweep, PROGRESS_SECONDS)


add_computation_routes(
    router,
    ComputationRoutes(
        "/api/sweeps",
        Computation("sweep", SweepSpec, prepare_sweep, iterate, collect_sweep),
        SweepResult,
        examples=EXAMPLES,
        description="Run a sweep (basin map, hyperparameter sweep or seed band) and return the whole result "
        "(design.md §6).",
        events="a `sweep` event, `progress` events while computing, then `result`.",
    ),
)
