"""Exported training scripts, run as standalone programs, print exactly the API's `epochs` (design.md §8, §10)."""

from __future__ import annotations

import ast
import re
from typing import Any

import pytest

from app.engine.errors import SpecError
from app.engine.train import TrainingRunSpec, TrainingSpec, run_training
from app.engine.train.codegen import TrainingScriptSpec, training_script_for
from tests.scripts import run_scripts

EPOCH_KEYS = ("train_loss", "val_loss", "train_accuracy", "val_accuracy", "lr")


def task(dataset: str, params: dict[str, Any], hidden: list[int], activation: str = "tanh") -> dict[str, Any]:
    return {"data": {"id": dataset, "params": params}, "model": {"hidden": hidden, "activation": activation, "seed": 5}}


MOONS = task("moons", {"n": 60, "seed": 2}, [6])
CASES: dict[str, tuple[dict[str, Any], int, dict[str, Any]]] = {  # name: (task, batch_size, run)
    "moons-sgd-steplr": (MOONS, 16, {"optimizer": {"id": "SGD", "params": {"lr": 0.2, "momentum": 0.9}},
                                     "scheduler": {"id": "StepLR", "params": {"step_size": 1, "gamma": 0.7}}}),
    "circles-rmsprop-plateau": (task("circles", {"n": 64, "noise": 0.05}, [5, 3], "relu"), 20, {
        "optimizer": {"id": "RMSprop", "params": {"lr": 0.01, "centered": True}},
        "scheduler": {"id": "ReduceLROnPlateau", "params": {"patience": 0, "factor": 0.5}}}),
    "xor-adamw-onecycle-per-step": (task("xor", {"n": 48, "validation": 0.2}, [4], "gelu"), 10, {
        "optimizer": {"id": "AdamW", "params": {"lr": 0.01}},
        "scheduler": {"id": "OneCycleLR", "params": {"cycle_momentum": False}, "interval": "step"}}),
    "spiral-adam-sequential": (task("spiral", {"n": 50, "seed": 7}, [8], "sigmoid"), 12, {
        "optimizer": {"id": "Adam", "params": {"lr": 0.02, "betas": [0.8, 0.99]}},
        "scheduler": {"id": "SequentialLR"}}),
    "gaussians-lbfgs": (task("gaussians", {"n": 40}, [3]), 40, {"optimizer": {"id": "LBFGS", "params": {"lr": 0.5}}}),
    "digits-schedule-free-cosine": (task("digits", {"seed": 4, "validation": 0.5}, [4], "relu"), 300, {
        "optimizer": {"id": "pytorch_optimizer.ScheduleFreeAdamW", "params": {"lr": 0.01}},
        "scheduler": {"id": "CosineAnnealingLR"}}),
    "moons-random-zoo-optimizer": (MOONS, 30, {"optimizer": {"id": "pytorch_optimizer.Kron"}}),
    "moons-lambda-formula": (MOONS, 30, {"optimizer": {"id": "Adagrad", "params": {"lr": 0.1}},
                                         "scheduler": {"id": "LambdaLR", "params": {"lr_lambda": "1/(1 + epoch)"}}}),
    "moons-sgd-clipped-by-norm": (MOONS, 16, {
        "optimizer": {"id": "SGD", "params": {"lr": 0.5}}, "clip": {"norm": 0.1}}),
    "circles-adam-clipped-by-value": (task("circles", {"n": 40}, [4]), 8, {
        "optimizer": {"id": "Adam", "params": {"lr": 0.05}}, "clip": {"value": 0.01}}),
    "moons-sgd-diverges": (MOONS, 16, {"optimizer": {"id": "SGD", "params": {"lr": 1e38}}}),
    "moons-max-lr-overflows": (MOONS, 16, {"optimizer": {"id": "Adam", "params": {"lr": 1e308}},
                                           "scheduler": {"id": "OneCycleLR", "interval": "step"}}),
}  # fmt: skip
EPOCHS = 3


def script_spec(case: str) -> TrainingScriptSpec:
    task_, batch_size, run = CASES[case]
    return TrainingScriptSpec.model_validate(
        {"task": task_, "epochs": EPOCHS, "batch_size": batch_size, "shuffle_seed": 3, "run": run}
    )


@pytest.fixture(scope="module")
def script_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    """Each case's script, run as a standalone program in one fresh interpreter; its printed JSON lines."""
    scripts = {case: training_script_for(script_spec(case)) for case in CASES}
    return run_scripts(scripts, tmp_path_factory.mktemp("training_scripts"))


@pytest.mark.parametrize("case", list(CASES))
def test_exported_training_script_prints_exactly_the_apis_epochs(case: str, script_outputs) -> None:
    spec = script_spec(case)
    training = TrainingSpec(task=spec.task, epochs=EPOCHS, batch_size=spec.batch_size, shuffle_seed=spec.shuffle_seed,
                            runs=[spec.run], landscape=None)  # fmt: skip
    [expected] = run_training(training)["runs"]
    rows = script_outputs[case]
    assert [row["epoch"] for row in rows] == list(range(len(expected["epochs"]["lr"])))
    for key in EPOCH_KEYS:
        assert [row[key] for row in rows] == expected["epochs"][key], key
    if case.endswith(("diverges", "overflows")):
        assert expected["status"] == "diverged"
    else:
        assert expected["status"] == "completed" and len(rows) == EPOCHS + 1


def imports_of(script: str) -> set[str]:
    return {
        alias.name
        for node in ast.walk(ast.parse(script))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }


def test_a_training_script_imports_torch_and_what_its_data_and_optimizer_need() -> None:
    assert imports_of(training_script_for(script_spec("moons-sgd-steplr"))) == {
        "annotations", "json", "math", "torch", "torch.nn.functional", "nn",
    }  # fmt: skip
    digits = training_script_for(script_spec("digits-schedule-free-cosine"))
    assert {"pytorch_optimizer", "load_digits"} <= imports_of(digits)


def test_a_training_script_prints_the_engines_own_data_set_functions() -> None:
    from app.engine.train import datasets

    script = training_script_for(script_spec("xor-adamw-onecycle-per-step"))
    for function in (datasets.xor, datasets.split):
        name = function.__name__
        assert re.search(rf"^def {name}\(", script, flags=re.MULTILINE), name
    assert "def moons(" not in script


def test_a_training_script_writes_no_bare_inf_or_nan() -> None:
    script = training_script_for(script_spec("moons-max-lr-overflows"))
    names = {node.id for node in ast.walk(ast.parse(script)) if isinstance(node, ast.Name)}
    assert not names & {"inf", "nan"} and "max_lr=math.inf" in script


def test_a_training_scripts_errors_name_the_field_of_the_request() -> None:
    spec = script_spec("moons-sgd-steplr").model_copy(
        update={"run": TrainingRunSpec.model_validate({"optimizer": {"id": "SGD", "params": {"lr": -1}}})}
    )
    with pytest.raises(SpecError) as raised:
        training_script_for(spec)
    assert raised.value.loc == ("run", "optimizer", "params", "lr")
    with pytest.raises(SpecError) as raised:
        training_script_for(script_spec("moons-sgd-steplr").model_copy(update={"epochs": 10**6}))
    assert raised.value.loc == ("epochs",)
