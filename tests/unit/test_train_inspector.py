"""What the inspector shows of a training (design.md §10 `record_state`) and the digits' predictions: exactly
the plain loop's numbers (tests/reference.py), aligned with the steps and epochs, and nothing else changes."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from app.engine.train import TrainingSpec, run_training
from tests.reference import TrainingTrajectory
from tests.unit.test_train_exact import SCHEDULERS, network_ids, reference_for, training_request

INSPECTOR_FIELDS = ("state", "update", "scheduler_state")


def with_state(request: dict[str, Any]) -> dict[str, Any]:
    return {**request, "record_state": True}


def as_engine_shape(expected: TrainingTrajectory) -> dict[str, Any]:
    """The reference's per-step dicts as the result's per-parameter lists (a state absent at a step is null)."""
    assert expected.state is not None and expected.update is not None and expected.plateau is not None
    names = list(expected.update[0]) if expected.update else []
    state: dict[str, dict[str, list[float | None]]] = {name: {} for name in names}
    for k, step in enumerate(expected.state):
        for name, norms in step.items():
            for key, value in norms.items():
                state[name].setdefault(key, [None] * k).append(value)
        for norms in state.values():
            for values in norms.values():
                values.extend([None] * (k + 1 - len(values)))
    update = {name: [step[name] for step in expected.update] for name in names}
    plateau = None
    if expected.plateau:
        plateau = {key: [None if record[key] == math.inf else record[key] for record in expected.plateau]
                   for key in expected.plateau[0]}  # fmt: skip
    return {"state": state, "update": update, "scheduler_state": plateau}


def assert_inspector_equals(run: dict[str, Any], expected: TrainingTrajectory) -> None:
    assert run["status"] == expected.status, run["error"]
    assert run["steps"]["loss"] == expected.step_loss
    shape = as_engine_shape(expected)
    assert run["state"] == shape["state"]
    assert run["update"] == shape["update"]
    assert run.get("scheduler_state") == shape["scheduler_state"]
    for name, values in run["update"].items():
        assert len(values) == len(run["steps"]["loss"]), name


@pytest.mark.parametrize("optimizer", network_ids("torch"))
def test_every_torch_optimizers_state_norms_equal_the_plain_loop(optimizer: str) -> None:
    params = {"lr": 0.1} if optimizer in ("SGD", "ASGD") else {}
    request = with_state(training_request("moons", [(optimizer, params)] * 2, SCHEDULERS[:3:2]))
    result = run_training(TrainingSpec.model_validate(request))
    for run, scheduler in zip(result["runs"], SCHEDULERS[:3:2], strict=True):
        assert_inspector_equals(run, reference_for("moons", optimizer, params, scheduler, record_state=True))


@pytest.mark.parametrize("name", ("Lion", "SOAP", "Prodigy", "ScheduleFreeAdamW"))
def test_a_sample_of_the_zoos_state_norms_equal_the_plain_loop(name: str) -> None:
    optimizer = f"pytorch_optimizer.{name}"
    result = run_training(TrainingSpec.model_validate(with_state(training_request("xor", [(optimizer, {})], [None]))))
    assert_inspector_equals(result["runs"][0], reference_for("xor", optimizer, {}, None, record_state=True))


def test_adam_records_its_moments_under_torchs_names_per_parameter() -> None:
    result = run_training(TrainingSpec.model_validate(with_state(training_request("circles", [("Adam", {})], [None]))))
    [run] = result["runs"]
    assert list(run["state"]) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    assert all(set(norms) == {"exp_avg", "exp_avg_sq"} for norms in run["state"].values())  # `step` has no norm
    assert all(value > 0 for values in run["update"].values() for value in values)
    assert "scheduler_state" not in run


def test_reduce_on_plateau_shows_its_patience_and_bad_epochs_per_epoch() -> None:
    plateau = {"id": "ReduceLROnPlateau", "params": {"patience": 1, "factor": 0.5}}
    request = with_state(training_request("moons", [("SGD", {"lr": 5.0})], [plateau]) | {"epochs": 6})
    [run] = run_training(TrainingSpec.model_validate(request))["runs"]
    counters = run["scheduler_state"]
    assert set(counters) == {"best", "num_bad_epochs", "cooldown_counter", "patience"}
    assert all(len(values) == len(run["epochs"]["lr"]) for values in counters.values())
    assert counters["patience"] == [1] * 7 and counters["best"][0] is None
    assert counters["best"][1:] == [min(run["epochs"]["val_loss"][1 : e + 1]) for e in range(1, 7)]


def test_a_diverging_run_keeps_its_inspector_records_aligned_with_its_steps() -> None:
    optimizers = [("SGD", {"lr": 1e20}), ("SGD", {"lr": 0.1, "momentum": 0.9})]
    result = run_training(TrainingSpec.model_validate(with_state(training_request("circles", optimizers, [None] * 2))))
    assert [run["status"] for run in result["runs"]] == ["diverged", "completed"]
    for run, (optimizer, params) in zip(result["runs"], optimizers, strict=True):
        assert_inspector_equals(run, reference_for("circles", optimizer, params, None, record_state=True))


def test_recording_the_state_changes_no_other_number() -> None:
    """Same bytes apart from the added fields: the norms are read, never written back."""
    optimizers = [("Adam", {}), ("SGD", {"lr": 0.1, "momentum": 0.9}), ("RMSprop", {})]
    request = training_request("spiral", optimizers, [None, SCHEDULERS[1], SCHEDULERS[2]]) | {
        "landscape": {"method": "pca", "resolution": 5}
    }
    plain = run_training(TrainingSpec.model_validate(request))
    recorded = run_training(TrainingSpec.model_validate(with_state(request)))
    assert all("state" in run and "update" in run for run in recorded["runs"])
    for run in recorded["runs"]:
        for name in INSPECTOR_FIELDS:
            run.pop(name, None)
    assert json.dumps(recorded) == json.dumps(plain)


def test_record_state_is_a_strict_boolean() -> None:
    request = training_request("moons", [("Adam", {})], [None]) | {"record_state": "yes"}
    with pytest.raises(ValueError, match="record_state"):
        TrainingSpec.model_validate(request)


@pytest.mark.parametrize("optimizer", ["Adam", "SGD"])
def test_digits_records_the_predicted_class_of_the_first_validation_digits_per_epoch(optimizer: str) -> None:
    params = {"lr": 0.1} if optimizer == "SGD" else {}
    result = run_training(TrainingSpec.model_validate(training_request("digits", [(optimizer, params)], [None])))
    [run] = result["runs"]
    expected = reference_for("digits", optimizer, params, None)
    assert run["val_predictions"] == expected.predicted
    assert len(run["val_predictions"]) == len(run["epochs"]["val_loss"])
    assert all(len(labels) == 12 and all(0 <= label < 10 for label in labels) for labels in run["val_predictions"])
    assert run["boundaries"] is None


def test_two_dimensional_data_has_boundaries_instead_of_predictions() -> None:
    [run] = run_training(TrainingSpec.model_validate(training_request("xor", [("Adam", {})], [None])))["runs"]
    assert run["val_predictions"] is None and len(run["boundaries"]) == len(run["epochs"]["lr"])
