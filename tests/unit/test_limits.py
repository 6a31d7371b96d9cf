"""Limits (design.md §12) have one home: the server's settings, the catalog and the engine read them from it."""

from __future__ import annotations

from dataclasses import asdict, fields, replace

import pytest
from pydantic import ValidationError

from app.engine.errors import SpecError
from app.engine.limits import DEFAULT_LIMITS, Limits
from app.engine.runs import prepare_experiment
from app.engine.spec import ExperimentSpec, SweepSpec
from app.engine.sweeps import SWEEP_KINDS, prepare_sweep
from app.settings import Settings

RUN = {"optimizer": {"id": "SGD", "params": {"lr": 0.01}}, "noise": {"std": 1.0, "seed": 0}}
# Per vary kind: a request whose size is 3, and where the error names it.
THREE_OF_A_KIND = {
    "start": ({"kind": "start", "resolution": 3}, "max_sweep_resolution", ["vary", "resolution"]),
    "param": ({"kind": "param", "values": [0.1, 0.2, 0.3]}, "max_sweep_values", ["vary", "values"]),
    "grid2": (
        {"kind": "grid2", "x": {"name": "lr", "values": [0.1, 0.2, 0.3]}, "y": {"name": "momentum", "values": [0.5]}},
        "max_sweep_values",
        ["vary", "x", "values"],
    ),
    "seed": ({"kind": "seed", "seeds": [1, 2, 3]}, "max_sweep_seeds", ["vary", "seeds"]),
}


def test_settings_read_every_limit_from_the_environment_by_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    changed = {limit.name: limit.default * 2 for limit in fields(Limits)}
    for name, value in changed.items():
        monkeypatch.setenv(f"OPTIMLAB_{name.upper()}", str(value))
    assert asdict(Settings().limits) == changed


def test_settings_default_to_the_limits_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for limit in fields(Limits):
        monkeypatch.delenv(f"OPTIMLAB_{limit.name.upper()}", raising=False)
    assert Settings().limits == DEFAULT_LIMITS


@pytest.mark.parametrize(("name", "value"), [("max_steps", 0), ("max_body_bytes", 10), ("max_seconds", 0.0)])
def test_settings_refuse_a_limit_below_its_rule_naming_it(name: str, value: float) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(**{name: value})
    assert [error["loc"] for error in caught.value.errors()] == [(name,)]


def test_the_catalog_document_has_every_limit_by_name() -> None:
    assert DEFAULT_LIMITS.as_dict() == {limit.name: limit.default for limit in fields(Limits)}


def test_every_vary_kind_is_tested_here() -> None:
    assert set(THREE_OF_A_KIND) == set(SWEEP_KINDS)


@pytest.mark.parametrize("kind", THREE_OF_A_KIND)
def test_a_server_may_lower_a_sweep_cap_and_the_error_names_the_field(kind: str) -> None:
    vary, limit, loc = THREE_OF_A_KIND[kind]
    spec = SweepSpec.model_validate({"surface": {"id": "booth"}, "steps": 5, "run": RUN, "vary": vary})
    prepare_sweep(spec, replace(DEFAULT_LIMITS, **{limit: 3}))  # at the limit: accepted
    with pytest.raises(SpecError) as caught:
        prepare_sweep(spec, replace(DEFAULT_LIMITS, **{limit: 2}))
    assert list(caught.value.loc) == loc
    assert "at most 2" in caught.value.msg


STEP = {"id": "StepLR", "params": {"step_size": 5}}


def chained(*schedulers: dict) -> dict:
    return {"id": "ChainedScheduler", "params": {"schedulers": list(schedulers)}}


# Per hyperparameter limit: the scheduler that meets it exactly, the limit's value there, and where a lower one blames.
AT_THE_LIMIT = {
    "max_integer": (STEP, 5, ["params", "step_size"]),
    "max_int_list_length": ({"id": "MultiStepLR", "params": {"milestones": [1, 2, 3]}}, 3, ["params", "milestones"]),
    "max_scheduler_children": (chained(STEP, STEP), 2, ["params", "schedulers"]),
    "max_scheduler_nesting": (chained(chained(STEP)), 2, ["params", "schedulers", 0, "params", "schedulers", 0]),
}  # fmt: skip


@pytest.mark.parametrize("limit", AT_THE_LIMIT)
def test_hyperparameter_limits_hold_at_their_value_and_blame_the_field_below_it(limit: str) -> None:
    scheduler, value, loc = AT_THE_LIMIT[limit]
    spec = ExperimentSpec.model_validate(
        {"surface": {"id": "booth"}, "steps": 20, "runs": [{"optimizer": {"id": "SGD"}, "scheduler": scheduler}]}
    )
    prepare_experiment(spec, replace(DEFAULT_LIMITS, **{limit: value}))
    with pytest.raises(SpecError) as caught:
        prepare_experiment(spec, replace(DEFAULT_LIMITS, **{limit: value - 1}))
    assert list(caught.value.loc) == ["runs", 0, "scheduler", *loc]
    assert str(value - 1) in caught.value.msg
