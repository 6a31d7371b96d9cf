"""Model mode equals the plain design.md §10 loop of tests/reference.py — exactly, bit for bit.

Every torch optimizer × no scheduler, StepLR and ReduceLROnPlateau per epoch, OneCycleLR per step ×
every data set (small: a few epochs of a few minibatches), and a sample of the zoo. The four runs of
one optimizer go through one training, so the lockstep loop is also held to runs computed alone.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch

from app.engine.catalog import catalog
from app.engine.train import TrainingSpec, load_dataset, run_training
from tests.reference import TrainingTrajectory, reference_training

DATASETS = {  # id: (params, hidden, activation, batch_size, epochs)
    "moons": ({"n": 48, "noise": 0.2, "seed": 1}, [5], "tanh", 10, 3),
    "circles": ({"n": 48, "noise": 0.1, "seed": 2}, [5, 3], "relu", 10, 3),
    "xor": ({"n": 40, "seed": 3, "validation": 0.2}, [4], "gelu", 16, 3),
    "spiral": ({"n": 44, "seed": 4}, [6], "sigmoid", 12, 3),
    "gaussians": ({"n": 40, "noise": 0.5}, [3], "tanh", 9, 3),
    "digits": ({"seed": 5, "validation": 0.5}, [4], "relu", 300, 2),
}
SCHEDULERS: list[dict[str, Any] | None] = [
    None,
    {"id": "StepLR", "params": {"step_size": 1, "gamma": 0.5}},
    {"id": "ReduceLROnPlateau", "params": {"patience": 0, "factor": 0.5}},
    {"id": "OneCycleLR", "params": {"cycle_momentum": False}, "interval": "step"},
]
LR = {"SGD": 0.1, "ASGD": 0.1, "LBFGS": 0.5}
ZOO_SAMPLE = ("Lion", "ScheduleFreeAdamW", "FAdam", "SOAP", "Prodigy", "ADOPT", "Kron", "AdEMAMix", "MARS")


def reference_scheduler(spec: dict[str, Any] | None, steps: int):
    """design.md §10's schedulers built by hand, OneCycleLR with §2's derived defaults (m = steps)."""
    if spec is None:
        return None
    s = torch.optim.lr_scheduler

    def build(opt: torch.optim.Optimizer) -> Any:
        match spec["id"]:
            case "StepLR":
                return s.StepLR(opt, step_size=1, gamma=0.5)
            case "ReduceLROnPlateau":
                return s.ReduceLROnPlateau(opt, patience=0, factor=0.5)
            case "OneCycleLR":
                return s.OneCycleLR(opt, max_lr=10 * opt.param_groups[0]["lr"], total_steps=steps, cycle_momentum=False)
        raise AssertionError(spec["id"])

    return build


def training_request(dataset: str, optimizers: list[tuple[str, dict[str, Any]]], schedulers: list) -> dict:
    params, hidden, activation, batch_size, epochs = DATASETS[dataset]
    model = {"hidden": hidden, "activation": activation, "seed": 7}
    runs = [
        {"optimizer": {"id": o, "params": p}, "scheduler": s} for (o, p), s in zip(optimizers, schedulers, strict=True)
    ]
    return {
        "task": {"data": {"id": dataset, "params": params}, "model": model},
        "epochs": epochs, "batch_size": batch_size, "shuffle_seed": 11, "landscape": None, "runs": runs,
    }  # fmt: skip


def reference_for(
    dataset: str,
    optimizer: str,
    params: dict[str, Any],
    scheduler: dict | None,
    clip: dict | None = None,
    record_state: bool = False,
) -> TrainingTrajectory:
    data_params, hidden, activation, batch_size, epochs = DATASETS[dataset]
    data = load_dataset(dataset, data_params)
    steps = epochs * math.ceil(data.n_train / batch_size)
    interval = scheduler.get("interval", "epoch") if scheduler else "epoch"
    return reference_training(
        data, hidden, activation, 7, epochs, batch_size, 11, optimizer, params,
        reference_scheduler(scheduler, steps), interval, clip, record_state,
    )  # fmt: skip


def assert_run_equals(run: dict[str, Any], expected: TrainingTrajectory) -> None:
    assert run["status"] == expected.status, run["error"]
    assert run["steps"]["loss"] == expected.step_loss
    assert run["steps"]["lr"] == expected.step_lr
    assert run["epochs"] == expected.epochs


def network_ids(source: str) -> list[str]:
    return [i for i, entry in catalog().optimizers.items() if entry.source == source and "network" in entry.modes]


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("optimizer", network_ids("torch"))
def test_every_torch_optimizer_and_scheduler_equals_the_plain_loop(optimizer: str, dataset: str) -> None:
    params = {"lr": LR[optimizer]} if optimizer in LR else {}
    result = run_training(TrainingSpec.model_validate(training_request(dataset, [(optimizer, params)] * 4, SCHEDULERS)))
    for run, scheduler in zip(result["runs"], SCHEDULERS, strict=True):
        assert_run_equals(run, reference_for(dataset, optimizer, params, scheduler))


@pytest.mark.parametrize("name", ZOO_SAMPLE)
def test_a_sample_of_the_zoo_equals_the_plain_loop(name: str) -> None:
    optimizer = f"pytorch_optimizer.{name}"
    schedulers = [None, SCHEDULERS[1]]
    result = run_training(TrainingSpec.model_validate(training_request("moons", [(optimizer, {})] * 2, schedulers)))
    for run, scheduler in zip(result["runs"], schedulers, strict=True):
        assert_run_equals(run, reference_for("moons", optimizer, {}, scheduler))


def test_random_optimizers_in_one_training_each_draw_as_if_alone() -> None:
    random_ids = [i for i in network_ids("pytorch_optimizer") if catalog().optimizers[i].random][:3]
    assert len(random_ids) >= 2
    optimizers = [(i, {}) for i in random_ids]
    result = run_training(TrainingSpec.model_validate(training_request("xor", optimizers, [None] * len(optimizers))))
    for run, (optimizer, params) in zip(result["runs"], optimizers, strict=True):
        assert_run_equals(run, reference_for("xor", optimizer, params, None))


def test_a_diverging_run_ends_at_its_first_non_finite_step_and_the_others_go_on() -> None:
    optimizers = [("SGD", {"lr": 1e20}), ("SGD", {"lr": 0.1})]
    result = run_training(TrainingSpec.model_validate(training_request("circles", optimizers, [None, None])))
    diverged, completed = result["runs"]
    assert diverged["status"] == "diverged" and completed["status"] == "completed"
    assert diverged["diverged_at"] == len(diverged["steps"]["loss"]) + 1
    for run, (optimizer, params) in zip(result["runs"], optimizers, strict=True):
        assert_run_equals(run, reference_for("circles", optimizer, params, None))


def test_a_scheduler_that_refuses_a_step_fails_its_run_there() -> None:
    scheduler = {"id": "OneCycleLR", "params": {"total_steps": 5, "cycle_momentum": False}, "interval": "step"}
    result = run_training(TrainingSpec.model_validate(training_request("moons", [("Adam", {})], [scheduler])))
    [run] = result["runs"]
    assert (run["status"], run["failed_at"], len(run["steps"]["loss"])) == ("failed", 6, 5)
    assert run["error"].startswith("ValueError: Tried to step")
    assert len(run["epochs"]["val_loss"]) == 2  # epoch 0 and the first epoch of 4 steps


def test_clipped_runs_equal_the_plain_loop_clipping_after_backward() -> None:
    """design.md §11: a run's `clip` clips all the model's parameters' gradients in its closure, after backward()."""
    clips = [{"norm": 0.05}, {"value": 0.01}, {"norm": 0.05}, None]
    optimizers = [("SGD", {"lr": 0.5, "momentum": 0.9}), ("Adam", {"lr": 0.01}), ("LBFGS", {"lr": 0.5}),
                  ("SGD", {"lr": 0.5, "momentum": 0.9})]  # fmt: skip
    request = training_request("moons", optimizers, [None] * 4)
    for run, clip in zip(request["runs"], clips, strict=True):
        run["clip"] = clip
    result = run_training(TrainingSpec.model_validate(request))
    for run, (optimizer, params), clip in zip(result["runs"], optimizers, clips, strict=True):
        assert_run_equals(run, reference_for("moons", optimizer, params, None, clip))
    assert result["runs"][0]["steps"]["loss"] != result["runs"][3]["steps"]["loss"]  # the clip bites
