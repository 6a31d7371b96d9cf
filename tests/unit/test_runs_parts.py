"""An experiment computed in parts (one per idle worker, design.md §12) gives the same document, byte for
byte, as computed whole: the parts' events merged the way app/api/parts.py merges them."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.engine.errors import SpecError
from app.engine.limits import Limits
from app.engine.runs import (
    Done,
    ExperimentStarted,
    Part,
    PreparedExperiment,
    collect,
    iterate_experiment,
    part_of,
    prepare_experiment,
)
from app.engine.spec import ExperimentSpec
from tests.unit.test_runs_properties import experiments


def in_parts(experiment: PreparedExperiment, count: int) -> list:
    """Every part's events as merged: part 0's header, then each part's events but its last, then `done`."""
    parts = [list(iterate_experiment(part_of(experiment, Part(index, count)))) for index in range(count)]
    assert all(isinstance(events[-1], Done) for events in parts)
    header, *first_part = parts[0]
    assert isinstance(header, ExperimentStarted)
    assert not any(isinstance(event, ExperimentStarted) for events in parts[1:] for event in events)
    return [header, *first_part[:-1], *(event for events in parts[1:] for event in events[:-1]), Done()]


def document(events: list) -> str:
    return json.dumps(collect(iter(events)), allow_nan=False)


# The strategy fuzzes validation too, so most of its requests are refused (SpecError) and filtered out here:
# the valid ones are what this test compares.
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(experiments, st.integers(2, 4))
def test_random_experiments_in_parts_give_the_whole_document(raw: dict, count: int) -> None:
    try:
        experiment = prepare_experiment(ExperimentSpec.model_validate(raw))
    except SpecError:
        assume(False)
    assert document(in_parts(experiment, count)) == document(list(iterate_experiment(experiment)))


def test_runs_that_spend_the_evaluation_budget_stay_together_so_it_runs_out_alike() -> None:
    """Two LBFGS runs share a budget too small for both (they fail where they failed whole); the Adam and
    SGD runs around them, which do not spend it, are dealt out to the other parts."""
    lbfgs = {
        "start": [-1.5, 2.0],
        "optimizer": {"id": "LBFGS", "params": {"max_iter": 50, "tolerance_grad": -1, "tolerance_change": -1}},
    }
    adam = {"start": [-1.5, 2.0], "optimizer": {"id": "Adam", "params": {"lr": 0.1}}}
    sgd = {"start": [1.0, 1.5], "optimizer": {"id": "SGD", "params": {"lr": 1e-3}}}
    spec = ExperimentSpec.model_validate(
        {"surface": {"id": "rosenbrock"}, "steps": 40, "runs": [adam, lbfgs, sgd, lbfgs]}
    )
    experiment = prepare_experiment(spec, Limits(max_steps=40, max_runs=50))  # 2000 closure evaluations in all
    whole = collect(iterate_experiment(experiment))
    assert [run["status"] for run in whole["runs"]] == ["completed", "failed", "completed", "failed"]
    assert "budget of 2000 closure evaluations" in whole["runs"][1]["error"]
    part_runs = [[run.index for run in part_of(experiment, Part(i, 3)).runs_of_part()] for i in range(3)]
    assert part_runs == [[0, 1, 3], [2], []]
    assert document(in_parts(experiment, 3)) == json.dumps(whole, allow_nan=False)
