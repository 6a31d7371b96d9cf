"""Every limit and bad input of a training (design.md §10) is a SpecError at its field, before anything runs."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from pydantic import ValidationError

from app.engine.errors import SpecError
from app.engine.runs import DEFAULT_LIMITS, Limits
from app.engine.train import (
    TrainingSpec,
    collect_training,
    iterate_training,
    load_dataset,
    prepare_training,
    run_training,
)
from app.engine.train.datasets import DATASETS, list_datasets


def request(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "task": {"data": {"id": "moons", "params": {"n": 100}}, "model": {"hidden": [8], "activation": "tanh"}},
        "epochs": 3,
        "batch_size": 16,
        "runs": [{"optimizer": {"id": "Adam", "params": {"lr": 0.01}}}],
    }
    return base | changes


def refused(body: dict[str, Any], limits: Limits = DEFAULT_LIMITS) -> SpecError:
    with pytest.raises(SpecError) as err:
        prepare_training(TrainingSpec.model_validate(body), limits)
    return err.value


def task(data: dict[str, Any] | None = None, **model: Any) -> dict[str, Any]:
    return {"data": data or {"id": "moons", "params": {"n": 100}}, "model": {"hidden": [8], **model}}


@pytest.mark.parametrize(
    ("body", "limits", "loc"),
    [
        (request(epochs=501), DEFAULT_LIMITS, ("epochs",)),
        (request(runs=[{"optimizer": {"id": "SGD"}}] * 17), DEFAULT_LIMITS, ("runs",)),
        (request(task=task(hidden=[4] * 5)), DEFAULT_LIMITS, ("task", "model", "hidden")),
        (request(task=task(hidden=[4, 129])), DEFAULT_LIMITS, ("task", "model", "hidden", 1)),
        (request(task=task(hidden=[0])), DEFAULT_LIMITS, ("task", "model", "hidden", 0)),
        (request(task=task({"id": "moons", "params": {"n": 5001}})), DEFAULT_LIMITS, ("task", "data", "params", "n")),
        (request(task=task({"id": "digits"}, hidden=[128, 128])), DEFAULT_LIMITS, ("task", "model", "hidden")),
        (request(epochs=100), replace(DEFAULT_LIMITS, max_training_work=10**5), ("epochs",)),
        (request(), replace(DEFAULT_LIMITS, max_landscape_work=10**6), ("landscape", "resolution")),
        (request(epochs=100), replace(DEFAULT_LIMITS, max_recorded_weights=10**4), ("landscape", "method")),
        (request(batch_size=6000), DEFAULT_LIMITS, ("batch_size",)),
        (request(task=task({"id": "mnist"})), DEFAULT_LIMITS, ("task", "data", "id")),
        (request(task=task({"id": "moons", "params": {"noise": -1}})), DEFAULT_LIMITS,
         ("task", "data", "params", "noise")),
        (request(task=task({"id": "moons", "params": {"colour": 1}})), DEFAULT_LIMITS,
         ("task", "data", "params", "colour")),
        (request(task=task({"id": "digits", "params": {"n": 10}})), DEFAULT_LIMITS, ("task", "data", "params", "n")),
        (request(task=task({"id": "moons", "params": {"n": 10, "validation": 0.01}})), DEFAULT_LIMITS,
         ("task", "data", "params", "validation")),
        (request(runs=[{"optimizer": {"id": "Muon"}}]), DEFAULT_LIMITS, ("runs", 0, "optimizer", "id")),
        (request(runs=[{"optimizer": {"id": "Adam", "params": {"lr": -1}}}]), DEFAULT_LIMITS,
         ("runs", 0, "optimizer", "params", "lr")),
        (request(runs=[{"optimizer": {"id": "SGD"}, "scheduler": {"id": "ReduceLROnPlateau", "interval": "step"}}]),
         DEFAULT_LIMITS, ("runs", 0, "scheduler", "interval")),
        (request(runs=[{"optimizer": {"id": "SGD"}, "scheduler": {"id": "StepLR", "params": {"gamma": "x"}}}]),
         DEFAULT_LIMITS, ("runs", 0, "scheduler", "params", "gamma")),
    ],
)  # fmt: skip
def test_each_limit_and_bad_input_is_refused_at_its_field(body: dict, limits: Limits, loc: tuple) -> None:
    assert refused(body, limits).loc == loc


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (request(landscape={"method": "pca", "resolution": 62}), ("landscape", "resolution")),
        (request(landscape={"method": "tsne"}), ("landscape", "method")),
        (request(task=task(activation="swish")), ("task", "model", "activation")),
        (request(epochs=0), ("epochs",)),
        (request(batch_size=0), ("batch_size",)),
        (request(runs=[]), ("runs",)),
        (request(runs=[{"optimizer": {"id": "SGD"}, "scheduler": {"id": "StepLR", "interval": "hour"}}]),
         ("runs", 0, "scheduler", "interval")),
        (request(shuffle_seed=-1), ("shuffle_seed",)),
    ],
)  # fmt: skip
def test_shapes_and_types_are_refused_by_the_request_model(body: dict, loc: tuple) -> None:
    with pytest.raises(ValidationError) as err:
        TrainingSpec.model_validate(body)
    assert err.value.errors()[0]["loc"] == loc


def test_a_training_past_the_time_budget_ends_failed_and_says_so() -> None:
    prepared = prepare_training(
        TrainingSpec.model_validate(request(epochs=50)), replace(DEFAULT_LIMITS, max_seconds=0.0)
    )

    result = collect_training(iterate_training(prepared))
    [run] = result["runs"]
    assert run["status"] == "failed" and run["failed_at"] == 1
    assert run["error"] == "ComputeBudgetExceeded: the training ran longer than the server's limit of 0 s"


def test_datasets_list_their_params_with_defaults_and_load_exact_tensors() -> None:
    listed = {d["id"]: d for d in list_datasets()}
    assert set(listed) == {"moons", "circles", "xor", "spiral", "gaussians", "digits"}
    assert {p["name"]: p["default"] for p in listed["moons"]["params"]} == {
        "n": 400, "noise": 0.2, "seed": 0, "validation": 0.25,
    }  # fmt: skip
    assert [p["name"] for p in listed["digits"]["params"]] == ["seed", "validation"]
    for dataset_id in DATASETS:
        data = load_dataset(dataset_id)
        assert data.x_train.dtype.is_floating_point and str(data.x_train.dtype) == "torch.float32"
        assert str(data.y_train.dtype) == "torch.int64"
        total = data.n_train + data.n_val
        assert data.n_val == round(0.25 * total)
        assert set(data.y_train.tolist()) == set(range(data.classes))
        again = load_dataset(dataset_id)
        assert again.to_dict() == data.to_dict()  # seeded: the same tensors every time
    digits = load_dataset("digits")
    assert (digits.n_train + digits.n_val, digits.features, digits.classes) == (1797, 64, 10)
    assert float(digits.x_train.min()) == 0.0 and float(digits.x_train.max()) == 1.0
    assert load_dataset("moons", {"seed": 1}).to_dict() != load_dataset("moons").to_dict()


def test_the_same_request_gives_the_same_bytes() -> None:
    import json

    body = request(runs=[{"optimizer": {"id": "SGD", "params": {"lr": 0.1}}, "scheduler": {"id": "StepLR"}}])
    first, second = (json.dumps(run_training(TrainingSpec.model_validate(body))) for _ in range(2))
    assert first == second
