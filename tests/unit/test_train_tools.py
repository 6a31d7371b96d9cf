"""The LR finder and training sweeps of model mode (design.md §10)."""

from __future__ import annotations

import math

import pytest

from app.engine.errors import SpecError
from app.engine.train import (
    LRFinderSpec,
    TrainingSpec,
    TrainingSweepSpec,
    load_dataset,
    prepare_lr_finder,
    prepare_training_sweep,
    run_lr_finder,
    run_training,
    run_training_sweep,
)
from tests.reference import reference_lr_finder

TASK = {"data": {"id": "moons", "params": {"n": 120}}, "model": {"hidden": [8], "activation": "tanh", "seed": 3}}


@pytest.mark.parametrize(("optimizer", "num_steps"), [("SGD", 100), ("Adam", 60), ("pytorch_optimizer.Lion", 30)])
def test_the_lr_finder_equals_the_plain_range_test(optimizer: str, num_steps: int) -> None:
    body = {"task": TASK, "batch_size": 16, "shuffle_seed": 2, "run": {"optimizer": {"id": optimizer}},
            "start_lr": 1e-5, "end_lr": 10.0, "num_steps": num_steps}  # fmt: skip
    result = run_lr_finder(LRFinderSpec.model_validate(body))
    data = load_dataset("moons", {"n": 120})
    lrs, losses, smoothed = reference_lr_finder(data, [8], "tanh", 3, 16, 2, optimizer, {}, 1e-5, 10.0, num_steps)
    assert (result["lr"], result["loss"], result["smoothed"]) == (lrs, losses, smoothed)
    assert result["lr"][0] == 1e-5
    assert 2 <= len(result["lr"]) <= num_steps
    suggestion = result["suggestion"]
    lowest = min(range(len(smoothed)), key=smoothed.__getitem__)
    assert suggestion["minimum_over_10"] == lrs[lowest] / 10
    assert suggestion["steepest"] in lrs


def test_the_lr_finder_stops_when_the_smoothed_loss_passes_four_times_its_best() -> None:
    body = {"task": TASK, "run": {"optimizer": {"id": "SGD"}}, "start_lr": 1e-3, "end_lr": 1e4, "num_steps": 200}
    result = run_lr_finder(LRFinderSpec.model_validate(body))
    smoothed = result["smoothed"]
    assert len(smoothed) < 200
    last = smoothed[-1]
    assert last > 4 * min(smoothed[:-1]) or not math.isfinite(last) or result["error"]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"start_lr": 1.0, "end_lr": 0.1}, ("end_lr",)),
        ({"run": {"optimizer": {"id": "SGD"}, "scheduler": {"id": "StepLR"}}}, ("run", "scheduler")),
        ({"run": {"optimizer": {"id": "SGD", "params": {"momentum": -1}}}}, ("run", "optimizer", "params", "momentum")),
    ],
)
def test_the_lr_finder_refuses_bad_input_at_its_field(body: dict, loc: tuple) -> None:
    with pytest.raises(SpecError) as err:
        prepare_lr_finder(LRFinderSpec.model_validate({"task": TASK, "run": {"optimizer": {"id": "SGD"}}} | body))
    assert err.value.loc == loc


def test_a_training_sweep_scores_each_value_as_that_run_alone() -> None:
    values = [1e-3, 1e-2, 0.1, 1.0]
    body = {"task": TASK, "epochs": 4, "run": {"optimizer": {"id": "SGD", "params": {"momentum": 0.9}},
            "scheduler": {"id": "StepLR"}}, "vary": {"kind": "param", "values": values}}  # fmt: skip
    result = run_training_sweep(TrainingSweepSpec.model_validate(body))
    assert (result["kind"], result["name"], result["values"]) == ("param", "lr", values)
    for i, value in enumerate(values):
        run = {"optimizer": {"id": "SGD", "params": {"momentum": 0.9, "lr": value}}, "scheduler": {"id": "StepLR"}}
        alone = run_training(TrainingSpec.model_validate({"task": TASK, "epochs": 4, "runs": [run], "landscape": None}))
        [expected] = alone["runs"]
        assert result["status"][i] == expected["status"]
        assert result["final_val_loss"][i] == expected["summary"]["final_val_loss"]
    completed = [i for i, status in enumerate(result["status"]) if status == "completed"]
    best = min(completed, key=lambda i: result["final_val_loss"][i])
    assert result["best"] == {"value": values[best], "final_val_loss": result["final_val_loss"][best]}


@pytest.mark.parametrize(
    ("vary", "loc"),
    [
        ({"kind": "param", "name": "nesterov", "values": [1.0]}, ("vary", "name")),
        ({"kind": "param", "name": "momentum", "values": [0.5, -1.0]}, ("vary", "values", 1)),
    ],
)
def test_a_training_sweep_refuses_bad_input_at_its_field(vary: dict, loc: tuple) -> None:
    body = {"task": TASK, "run": {"optimizer": {"id": "SGD"}}, "vary": vary}
    with pytest.raises(SpecError) as err:
        prepare_training_sweep(TrainingSweepSpec.model_validate(body))
    assert err.value.loc == loc
