"""Model mode (design.md §10) against the plain §10 loop of tests/reference.py, timed in the same run.

(f) the default training of the issue (moons 400, [16, 16] tanh, 30 epochs, batch 32; SGD + StepLR,
Adam, RMSprop + ReduceLROnPlateau, AdamW + OneCycleLR per step) without a landscape, vs. four plain
loops; (g) the same training with its 31×31 PCA landscape vs. without it (the landscape's share);
(h) the LR finder's 100 steps and (i) a 25-value LR sweep of one run, against a budget of one second
and of 25 × a lone run's time.
"""

from __future__ import annotations

from typing import Any

from app.engine.train import (
    LRFinderSpec,
    TrainingSpec,
    TrainingSweepSpec,
    load_dataset,
    run_lr_finder,
    run_training,
    run_training_sweep,
)
from bench.engine_bench import Measurement, Scenario, best_time
from tests.reference import reference_training

TASK = {"data": {"id": "moons", "params": {"n": 400}}, "model": {"hidden": [16, 16], "activation": "tanh", "seed": 0}}
RUNS: list[dict[str, Any]] = [
    {"optimizer": {"id": "SGD", "params": {"lr": 0.1, "momentum": 0.9}},
     "scheduler": {"id": "StepLR", "params": {"step_size": 10, "gamma": 0.1}}},
    {"optimizer": {"id": "Adam", "params": {"lr": 0.01}}},
    {"optimizer": {"id": "RMSprop", "params": {"lr": 0.01}}, "scheduler": {"id": "ReduceLROnPlateau"}},
    {"optimizer": {"id": "AdamW", "params": {"lr": 0.01}},
     "scheduler": {"id": "OneCycleLR", "params": {"total_steps": 300}, "interval": "step"}},
]  # fmt: skip


def default_training(landscape: dict[str, Any] | None) -> TrainingSpec:
    body = {"task": TASK, "epochs": 30, "batch_size": 32, "runs": RUNS, "landscape": landscape}
    return TrainingSpec.model_validate(body)


def plain_schedulers() -> list[Any]:
    """The four runs' schedulers, built by hand as the plain loop's user would."""
    import torch.optim.lr_scheduler as s

    return [
        lambda opt: s.StepLR(opt, step_size=10, gamma=0.1),
        None,
        lambda opt: s.ReduceLROnPlateau(opt),
        lambda opt: s.OneCycleLR(opt, max_lr=0.1, total_steps=300),
    ]


def plain_trainings() -> list[Any]:
    data = load_dataset("moons", {"n": 400})
    return [
        reference_training(
            data,
            [16, 16],
            "tanh",
            0,
            30,
            32,
            0,
            run["optimizer"]["id"],
            run["optimizer"]["params"],
            scheduler,
            run.get("scheduler", {}).get("interval", "epoch"),
        )
        for run, scheduler in zip(RUNS, plain_schedulers(), strict=True)
    ]


def training(repeat: int) -> Measurement:
    """(f) The default training without a landscape vs. four plain §10 loops; the arrays must be identical."""
    spec = default_training(None)
    result = run_training(spec)
    identical = all(
        (run["steps"]["loss"], run["steps"]["lr"], run["epochs"]) == (plain.step_loss, plain.step_lr, plain.epochs)
        for run, plain in zip(result["runs"], plain_trainings(), strict=True)
    )
    engine = best_time(lambda: run_training(spec), repeat)
    plain = best_time(plain_trainings, repeat)
    return Measurement(engine, plain, 1.1, note="identical arrays" if identical else "ARRAYS DIFFER")


def landscape_share(repeat: int) -> Measurement:
    """(g) The default training with its 31×31 PCA landscape vs. the same without one."""
    with_landscape = default_training({"method": "pca", "resolution": 31})
    without = default_training(None)
    engine = best_time(lambda: run_training(with_landscape), repeat)
    plain = best_time(lambda: run_training(without), repeat)
    return Measurement(engine, plain, 1.25, note=f"whole default training {engine:.3f} s", against="no landscape")


def lr_finder(repeat: int) -> Measurement:
    """(h) The LR finder's 100 steps on the default task, against a budget of one second."""
    spec = LRFinderSpec.model_validate({"task": TASK, "run": {"optimizer": {"id": "Adam"}}, "num_steps": 100})
    return Measurement(best_time(lambda: run_lr_finder(spec), repeat), 1.0, 1.0, against="budget")


def lr_sweep(repeat: int) -> Measurement:
    """(i) 25 lr values × 30 epochs of Adam on the default task vs. 25 × one lone run of it."""
    values = [10 ** (-4 + 3 * i / 24) for i in range(25)]
    body = {
        "task": TASK,
        "epochs": 30,
        "run": {"optimizer": {"id": "Adam"}},
        "vary": {"kind": "param", "values": values},
    }
    spec = TrainingSweepSpec.model_validate(body)
    alone = TrainingSpec.model_validate({"task": TASK, "epochs": 30, "runs": [{"optimizer": {"id": "Adam"}}],
                                         "landscape": None})  # fmt: skip
    engine = best_time(lambda: run_training_sweep(spec), repeat)
    plain = 25 * best_time(lambda: run_training(alone), repeat)
    return Measurement(engine, plain, 1.1, note=f"{engine:.3f} s for 25 runs", against="25 lone")


TRAIN_SCENARIOS: list[Scenario] = [
    Scenario("(f) default training, 30 epochs", training),
    Scenario("(g) + its 31×31 PCA landscape", landscape_share),
    Scenario("(h) LR finder, 100 steps", lr_finder),
    Scenario("(i) 25-value LR sweep × 30 epochs", lr_sweep),
]


def warm_up_training() -> None:
    """Touch model mode's code paths once, outside the timings."""
    body = {"task": TASK, "epochs": 1, "batch_size": 32, "runs": RUNS[:2], "landscape": {"resolution": 5}}
    run_training(TrainingSpec.model_validate(body))
