"""Model mode's computations (design.md §10), each a whole document at POST <path> and NDJSON at <path>/stream:
/api/trainings, /api/trainings/lr_finder (the LR range test) and /api/trainings/sweeps (kind `param`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import APIRouter

from app.api.computations import ComputationRoutes, add_computation_routes
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
from app.workers.registry import Computation

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
    """An engine iterator that needs none of the server's settings, in the worker registry's signature."""
    return lambda prepared, settings: iterate(prepared)


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

# One record per computation: its path; name, request model and engine functions; result model; examples;
# then what the whole result is and what the stream sends, for /docs.
add_computation_routes(router, *[
    ComputationRoutes(
        "/api/trainings",
        Computation("training", TrainingSpec, prepare_training, _engine_only(iterate_training), collect_training),
        TrainingResult, [EXAMPLE, DIGITS_EXAMPLE],
        "Train the task's network with every run from the same initial weights and return the whole result: per "
        "step and per epoch records, the loss landscape with every run's path (design.md §10).",
        "`training`, an `epoch` event per run and epoch (with the epoch's steps; on a `random` plane, its `path`), "
        "`run_end` per run, `landscape` (with every run's path), then `done`.",
    ),
    ComputationRoutes(
        "/api/trainings/lr_finder",
        Computation("lr_finder", LRFinderSpec, prepare_lr_finder, _engine_only(iterate_lr_finder), collect_lr_finder),
        LRFinderResult, [LR_FINDER_EXAMPLE],
        "The LR range test (Smith 2017; fastai's lr_find): from the initial weights, one minibatch step per lr, "
        "exponentially from start_lr to end_lr; the loss, its smoothed curve and two suggested lrs (design.md §10).",
        "an `lr_finder` header, then the `result`, then `done`.",
    ),
    ComputationRoutes(
        "/api/trainings/sweeps",
        Computation("training_sweep", TrainingSweepSpec, prepare_training_sweep,
                    _engine_only(iterate_training_sweep), collect_training_sweep),
        TrainingSweepResult, [SWEEP_EXAMPLE],
        "One run trained once per value of one optimizer hyperparameter (lr by default), each scored by its final "
        "validation loss, with the best value (design.md §10).",
        "a `sweep` header, `progress` events while training, the `result`, then `done`.",
    ),
])  # fmt: skip
