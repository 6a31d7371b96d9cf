"""Model mode's computations (design.md §10), each a whole document at POST <path> and NDJSON at <path>/stream:
/api/trainings, /api/trainings/lr_finder (the LR range test) and /api/trainings/sweeps (kind `param`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import APIRouter

from app.api.computations import add_computation_routes
from app.api.schemas import LRFinderResult, TrainingResult, TrainingSweepResult
from app.engine.train import (
    LRFinderSpec,
    TrainingSpec,
    TrainingSweepSpec,
    collect_lr_finder,
    collect_training,
    collect_training_sweep,
    iterate_lr_finder,
    iterate_training,
    iterate_training_sweep,
    prepare_lr_finder,
    prepare_training,
    prepare_training_sweep,
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


def _engine_only(iterate: Callable[[Any], Iterator[Any]]) -> Callable[[Any, Settings], Iterator[Any]]:
    """An engine iterator that needs none of the server's settings, in the route factory's signature."""
    return lambda prepared, settings: iterate(prepared)


add_computation_routes(
    router,
    name="training",
    path="/api/trainings",
    spec_model=TrainingSpec,
    result_model=TrainingResult,
    examples=[EXAMPLE, DIGITS_EXAMPLE],
    prepare=prepare_training,
    iterate=_engine_only(iterate_training),
    collect=collect_training,
    description="Train the task's network with every run from the same initial weights and return the whole "
    "result: per step and per epoch records, the loss landscape with every run's path (design.md §10).",
    stream_description="The same result as NDJSON: `training`, an `epoch` event per run and epoch (with the epoch's "
    "steps; on a `random` plane, its `path`), `run_end` per run, `landscape` (with every run's path), then `done`.",
)

TASK = {"data": {"id": "moons"}, "model": {"hidden": [16, 16], "activation": "tanh"}}
LR_FINDER_EXAMPLE = {
    "task": TASK,
    "batch_size": 32,
    "run": {"optimizer": {"id": "SGD", "params": {"momentum": 0.9}}},
    "start_lr": 1e-7,
    "end_lr": 10,
    "num_steps": 100,
}
SWEEP_EXAMPLE = {
    "task": TASK,
    "epochs": 30,
    "batch_size": 32,
    "run": {"optimizer": {"id": "Adam"}},
    "vary": {"kind": "param", "name": "lr", "values": [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1]},
}


add_computation_routes(
    router,
    name="lr_finder",
    path="/api/trainings/lr_finder",
    spec_model=LRFinderSpec,
    result_model=LRFinderResult,
    examples=[LR_FINDER_EXAMPLE],
    prepare=prepare_lr_finder,
    iterate=_engine_only(iterate_lr_finder),
    collect=collect_lr_finder,
    description="The LR range test (Smith 2017; fastai's lr_find): from the initial weights, one minibatch step per "
    "lr, exponentially from start_lr to end_lr; the loss, its smoothed curve and two suggested lrs (design.md §10).",
    stream_description="The same result as NDJSON: an `lr_finder` header, then the `result`, then `done`.",
)
add_computation_routes(
    router,
    name="training_sweep",
    path="/api/trainings/sweeps",
    spec_model=TrainingSweepSpec,
    result_model=TrainingSweepResult,
    examples=[SWEEP_EXAMPLE],
    prepare=prepare_training_sweep,
    iterate=_engine_only(iterate_training_sweep),
    collect=collect_training_sweep,
    description="One run trained once per value of one optimizer hyperparameter (lr by default), each scored by "
    "its final validation loss, with the best value (design.md §10).",
    stream_description="The same result as NDJSON: a `sweep` header, `progress` events while training, the `result`, "
    "then `done`.",
)
