"""Property tests over random experiment specs: only structured errors escape, JSON stays finite."""

from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engine.catalog import catalog
from app.engine.errors import SpecError
from app.engine.runs import run_experiment
from app.engine.spec import ExperimentSpec
from app.engine.surfaces import SURFACES

numbers = st.one_of(
    st.floats(min_value=-10, max_value=10, allow_nan=False),
    st.sampled_from([0, 1, -1, 1e-3, 0.9, 1e9, -1e9, 10**400, -(10**400), 2**63]),  # ints no float can hold
)
values = st.one_of(numbers, st.booleans(), st.lists(numbers, max_size=3), st.text(max_size=8), st.none())


@st.composite
def schedulers(draw):
    entry = draw(st.sampled_from(list(catalog().schedulers.values())))
    names = [p.name for p in entry.params if p.kind not in ("schedulers", "formula")]
    params = draw(st.dictionaries(st.sampled_from(names), values, max_size=2)) if names else {}
    return {"id": entry.id, "params": params, "interval": draw(st.sampled_from(["step", "epoch"])),
            "steps_per_epoch": draw(st.integers(1, 5))}  # fmt: skip


@st.composite
def runs(draw):
    entry = draw(st.sampled_from([e for e in catalog().optimizers.values() if "surfaces" in e.modes]))
    names = [p.name for p in entry.params]
    params = draw(st.dictionaries(st.sampled_from(names), values, max_size=3))
    return {
        "start": [draw(st.floats(-4, 4)), draw(st.floats(-4, 4))],
        "optimizer": {"id": entry.id, "params": params},
        "scheduler": draw(st.none() | schedulers()),
        "noise": draw(st.none() | st.fixed_dictionaries({"std": st.floats(0, 2), "seed": st.integers(0, 99)})),
    }


experiments = st.fixed_dictionaries(
    {
        "surface": st.fixed_dictionaries({"id": st.sampled_from([s for s in SURFACES if s != "expression"])}),
        "steps": st.integers(1, 25),
        "runs": st.lists(runs(), min_size=1, max_size=3),
    }
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(experiments)
def test_random_experiments_give_a_result_or_a_structured_error(raw: dict) -> None:
    spec = ExperimentSpec.model_validate(raw)
    try:
        result = run_experiment(spec)
    except SpecError as err:
        assert err.loc and err.msg
        return
    json.dumps(result, allow_nan=False)  # strict JSON: no NaN or Infinity anywhere
    for run in result["runs"]:
        n = len(run["x"])
        assert len(run["y"]) == len(run["loss"]) == len(run["lr"]) == n
        if run["status"] == "completed":
            assert n == spec.steps + 1
        elif run["status"] == "diverged":
            assert run["diverged_at"] == n
        else:
            assert run["status"] == "failed" and run["failed_at"] == n and run["error"]
        assert all(math.isfinite(v) and abs(v) <= 1e6 for v in run["x"] + run["y"])


def test_a_run_says_how_many_scheduler_calls_it_made_and_what_each_auto_argument_became() -> None:
    def scheduled(scheduler: dict) -> dict:
        spec = {
            "surface": {"id": "booth"},
            "steps": 500,
            "runs": [{"optimizer": {"id": "SGD"}, "scheduler": scheduler}],
        }
        return run_experiment(ExperimentSpec.model_validate(spec))["runs"][0]

    per_epoch = scheduled({"id": "StepLR", "interval": "epoch", "steps_per_epoch": 10})
    assert per_epoch["scheduler"] == {"calls": 50, "auto": {"step_size": 12}}  # m = 500 // 10; max(1, m // 4)
    lr = per_epoch["lr"]
    assert lr[119] == lr[0] and lr[120] < lr[0]  # 12 calls of 10 steps: the cut comes after step 120
    # What the user set is theirs, not auto; a fixed default (gamma) is no derived value either.
    assert scheduled({"id": "StepLR", "params": {"step_size": 7}})["scheduler"] == {"calls": 500, "auto": {}}
    assert scheduled({"id": "CyclicLR"})["scheduler"]["auto"] == {
        "base_lr": 0.0001,
        "max_lr": 0.001,
        "step_size_up": 125,
    }
