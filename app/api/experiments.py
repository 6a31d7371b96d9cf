"""POST /api/experiments (one document) and /api/experiments/stream (NDJSON, flushed as computed)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter

from app.api.computations import ComputationRoutes, add_computation_routes
from app.api.schemas import ExperimentResult
from app.engine.runs import Event, PreparedExperiment, collect, iterate_experiment, part_of, prepare_experiment
from app.engine.spec import ExperimentSpec
from app.settings import Settings
from app.workers.registry import Computation, Split

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


def iterate(experiment: PreparedExperiment, settings: Settings) -> Iterator[Event]:
    """The experiment's events, points flushed in chunks every `chunk_seconds` (a setting)."""
    return iterate_experiment(experiment, settings.chunk_seconds)


add_computation_routes(
    router,
    ComputationRoutes(
        "/api/experiments",
        Computation(
            "experiment",
            ExperimentSpec,
            prepare_experiment,
            iterate,
            collect,
            split=Split(lambda spec: len(spec.runs), part_of),  # its runs are independent
        ),
        ExperimentResult,
        examples=[EXAMPLE],
        description="Run every run of the experiment and return the whole result (design.md §6).",
        events="`experiment`, `points` chunks, `run_end` per run, then `done`.",
    ),
)
