"""The result shapes (app/engine/results.py) are the documents the engine builds, field for field."""

from __future__ import annotations

from typing import Any

import pytest

from app.engine.results import SWEEP_RESULTS, ExperimentResult, RunResult
from app.engine.runs import run_experiment
from app.engine.spec import ExperimentSpec, SweepSpec
from app.engine.sweeps import SWEEP_KINDS, run_sweep

RUN = {"optimizer": {"id": "SGD", "params": {"lr": 0.01}}, "noise": {"std": 0.5, "seed": 1}}
VARY: dict[str, dict[str, Any]] = {
    "start": {"kind": "start", "resolution": 3},
    "param": {"kind": "param", "values": [0.01, 10.0]},  # the second diverges: a null final loss
    "grid2": {"kind": "grid2", "x": {"name": "lr", "values": [0.01, 0.02]}, "y": {"name": "momentum", "values": [0.5]}},
    "seed": {"kind": "seed", "seeds": [1, 2, 3]},
}


def test_every_sweep_kind_has_a_result_shape() -> None:
    assert set(SWEEP_RESULTS) == set(SWEEP_KINDS) == set(VARY)


@pytest.mark.parametrize("kind", VARY)
def test_a_sweep_result_has_exactly_the_fields_of_its_shape(kind: str) -> None:
    spec = SweepSpec.model_validate({"surface": {"id": "booth"}, "steps": 30, "run": RUN, "vary": VARY[kind]})
    document = run_sweep(spec)
    shape = SWEEP_RESULTS[kind]
    assert set(document) == set(shape.model_fields)
    shape.model_validate(document)
    assert kind != "param" or document["status"] == ["completed", "diverged"]


def test_a_seeded_param_sweep_has_exactly_the_fields_of_its_shape() -> None:
    vary = {**VARY["param"], "seeds": [4, 5]}
    document = run_sweep(SweepSpec.model_validate({"surface": {"id": "booth"}, "steps": 30, "run": RUN, "vary": vary}))
    assert set(document) == set(SWEEP_RESULTS["param"].model_fields)
    SWEEP_RESULTS["param"].model_validate(document)
    assert document["seeds"] == [4, 5] and len(document["final_loss_by_seed"]) == 2


def test_an_experiment_result_has_exactly_the_fields_of_its_shape() -> None:
    spec = ExperimentSpec.model_validate({"surface": {"id": "booth"}, "steps": 30, "runs": [RUN, RUN]})
    document = run_experiment(spec)
    assert set(document) == set(ExperimentResult.model_fields)
    run_fields = {name for name, field in RunResult.model_fields.items() if field.is_required()}
    assert all(set(run) == run_fields for run in document["runs"])
    ExperimentResult.model_validate(document)
