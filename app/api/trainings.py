"""POST /api/trainings (one document) and /api/trainings/stream (NDJSON, flushed per epoch), design.md §10."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter

from app.api.computations import add_computation_routes
from app.api.schemas import TrainingResult
from app.engine.train import (
    PreparedTraining,
    TrainingEvent,
    TrainingSpec,
    collect_training,
    iterate_training,
    prepare_training,
)
from app.settings import Settings

router = APIRouter(tags=["model mode"])

EXAMPLE = {
    "task": {
        "data": {"id": "moons", "params": {"n": 400, "noise": 0.2, "seed": 0, "validation": 0.25}},
        "model": {"hidden": [16, 16], "activation": "tanh", "seed": 0},
    },
    "epochs": 30,
    "batch_size": 32,
    "shuffle_seed": 0,
    "runs": [
        {
            "label": "SGD + StepLR",
            "optimizer": {"id": "SGD", "params": {"lr": 0.1, "momentum": 0.9}},
            "scheduler": {"id": "StepLR", "params": {"step_size": 10, "gamma": 0.1}, "interval": "epoch"},
        },
        {"label": "Adam", "optimizer": {"id": "Adam", "params": {"lr": 0.01}}},
        {
            "label": "RMSprop + ReduceLROnPlateau",
            "optimizer": {"id": "RMSprop", "params": {"lr": 0.01}},
            "scheduler": {"id": "ReduceLROnPlateau", "params": {"patience": 2}},
        },
        {
            "label": "AdamW + OneCycleLR",
            "optimizer": {"id": "AdamW", "params": {"lr": 0.005}},
            "scheduler": {"id": "OneCycleLR", "interval": "step"},
        },
    ],
    "landscape": {"method": "pca", "resolution": 31},
}
DIGITS_EXAMPLE = {
    "task": {"data": {"id": "digits"}, "model": {"hidden": [32], "activation": "relu"}},
    "epochs": 10,
    "batch_size": 64,
    "runs": [{"optimizer": {"id": "Adam", "params": {"lr": 0.01}}}],
    "landscape": {"method": "random", "resolution": 21},
}


def iterate(training: PreparedTraining, settings: Settings) -> Iterator[TrainingEvent]:
    """The training's events: every run's epochs in turn, then the landscape (design.md §10)."""
    return iterate_training(training)


add_computation_routes(
    router,
    name="training",
    path="/api/trainings",
    spec_model=TrainingSpec,
    result_model=TrainingResult,
    examples=[EXAMPLE, DIGITS_EXAMPLE],
    prepare=prepare_training,
    iterate=iterate,
    collect=collect_training,
    description="Train the task's network with every run from the same initial weights and return the whole "
    "result: per step and per epoch records, the loss landscape with every run's path (design.md §10).",
    stream_description="The same result as NDJSON: `training`, an `epoch` event per run and epoch (with the epoch's "
    "steps; on a `random` plane, its `path`), `run_end` per run, `landscape` (with every run's path), then `done`.",
)
