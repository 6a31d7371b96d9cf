"""Sweeps (design.md §6): every cell equals the same run alone through run_experiment, bit for bit.

The batched path (one (B, 2) tensor under one torch optimizer) and the fallback (independent runs in
lockstep) are both held to the lone run: status, final point, final loss and steps to tolerance.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import torch
from pydantic import ValidationError

from app.engine.errors import SpecError
from app.engine.runs import Limits, run_experiment
from app.engine.spec import ExperimentSpec, SweepSpec
from app.engine.sweeps import (
    ELEMENTWISE_OPTIMIZERS,
    ELEMENTWISE_ZOO_OPTIMIZERS,
    NOISE_STEPS_PER_DRAW,
    Progress,
    SweepResult,
    SweepStarted,
    iterate_sweep,
    prepare_sweep,
    run_sweep,
)

# Non-default settings reach the code paths each optimizer has (momentum, amsgrad, centered, ...).
ELEMENTWISE_CASES: list[tuple[str, dict[str, Any]]] = [
    ("SGD", {"lr": 2e-3}),
    ("SGD", {"lr": 2e-3, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 2e-3, "momentum": 0.5, "dampening": 0.3, "maximize": True}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.01, "betas": [0.5, 0.9]}),
    ("Adam", {"lr": 0.05, "decoupled_weight_decay": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.05, "amsgrad": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.3, "lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.1}),
    ("Adadelta", {"lr": 1.0}),
    ("Adadelta", {"lr": 1.0, "rho": 0.5, "weight_decay": 0.1}),
    ("Adamax", {"lr": 0.05, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.05}),
    ("NAdam", {"lr": 0.05, "decoupled_weight_decay": True, "weight_decay": 0.1, "momentum_decay": 0.01}),
    ("RAdam", {"lr": 0.05}),
    ("RAdam", {"lr": 0.05, "decoupled_weight_decay": True, "weight_decay": 0.1}),
    ("ASGD", {"lr": 2e-3}),
    ("ASGD", {"lr": 2e-3, "t0": 5, "lambd": 0.01, "alpha": 0.5, "weight_decay": 0.1}),
    ("Rprop", {"lr": 0.01}),
    ("Rprop", {"lr": 0.01, "etas": [0.3, 1.5], "step_sizes": [1e-5, 1.0]}),
]
ELEMENTWISE_ZOO_CASES: list[tuple[str, dict[str, Any]]] = [
    ("pytorch_optimizer.Lion", {"lr": 0.05}),
    ("pytorch_optimizer.Lion", {"lr": 0.05, "betas": [0.5, 0.9], "weight_decay": 0.1, "weight_decouple": False}),
    ("pytorch_optimizer.Lion", {"lr": 0.05, "weight_decay": 0.1, "fixed_decay": True, "maximize": True}),
    ("pytorch_optimizer.Tiger", {"lr": 0.05}),
    ("pytorch_optimizer.Tiger", {"lr": 0.05, "beta": 0.5, "weight_decay": 0.1, "weight_decouple": False}),
    ("pytorch_optimizer.SignSGD", {"lr": 0.05}),
    ("pytorch_optimizer.SignSGD", {"lr": 0.05, "momentum": 0.0, "weight_decay": 0.1, "weight_decouple": False}),
    ("pytorch_optimizer.SGDW", {"lr": 2e-3}),
    ("pytorch_optimizer.SGDW", {"lr": 2e-3, "momentum": 0.9, "dampening": 0.1, "nesterov": True, "weight_decay": 0.1,
                                "weight_decouple": False, "maximize": True}),
    ("pytorch_optimizer.SGDW", {"lr": 2e-3, "momentum": 0.5, "weight_decay": 0.1}),
    ("pytorch_optimizer.AccSGD", {"lr": 1e-4}),
    ("pytorch_optimizer.AccSGD", {"lr": 1e-4, "kappa": 100.0, "xi": 5.0, "constant": 0.5, "weight_decay": 0.1,
                                  "maximize": True}),
    ("pytorch_optimizer.QHM", {"lr": 2e-3}),
    ("pytorch_optimizer.QHM", {"lr": 2e-3, "momentum": 0.9, "nu": 0.7, "weight_decay": 0.1, "weight_decouple": True,
                               "fixed_decay": True, "maximize": True}),
    ("pytorch_optimizer.QHM", {"lr": 2e-3, "momentum": 0.9, "nu": 0.7, "weight_decay": 0.1}),
    ("pytorch_optimizer.AggMo", {"lr": 2e-3}),
    ("pytorch_optimizer.AggMo", {"lr": 2e-3, "weight_decay": 0.1, "weight_decouple": True, "fixed_decay": True,
                                 "maximize": True}),
    ("pytorch_optimizer.AggMo", {"lr": 2e-3, "weight_decay": 0.1}),
    ("pytorch_optimizer.PID", {"lr": 2e-3}),
    ("pytorch_optimizer.PID", {"lr": 2e-3, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.1,
                               "weight_decouple": True, "fixed_decay": True, "maximize": True}),
    ("pytorch_optimizer.PID", {"lr": 2e-3, "momentum": 0.5, "derivative": 2.0, "integral": 1.0, "weight_decay": 0.1}),
    ("pytorch_optimizer.PNM", {"lr": 2e-3}),
    ("pytorch_optimizer.PNM", {"lr": 2e-3, "betas": [0.5, 0.9], "weight_decay": 0.1, "weight_decouple": False,
                               "maximize": True}),
    ("pytorch_optimizer.PNM", {"lr": 2e-3, "weight_decay": 0.1, "fixed_decay": True}),
    ("pytorch_optimizer.QHAdam", {"lr": 0.05}),
    ("pytorch_optimizer.QHAdam", {"lr": 0.05, "nus": [0.7, 0.8], "weight_decay": 0.1, "weight_decouple": True,
                                  "fixed_decay": True, "maximize": True}),
    ("pytorch_optimizer.QHAdam", {"lr": 0.05, "betas": [0.5, 0.9], "nus": [0.7, 1.0], "weight_decay": 0.1}),
    ("pytorch_optimizer.Yogi", {"lr": 0.05}),
    ("pytorch_optimizer.Yogi", {"lr": 0.05, "weight_decay": 0.1, "weight_decouple": False, "maximize": True}),
    ("pytorch_optimizer.Yogi", {"lr": 0.05, "weight_decay": 0.1, "fixed_decay": True}),
    ("pytorch_optimizer.AdaBelief", {"lr": 0.05}),
    ("pytorch_optimizer.AdaBelief", {"lr": 0.05, "rectify": True, "degenerated_to_sgd": False, "ams_bound": True,
                                     "weight_decay": 0.1, "weight_decouple": False, "maximize": True}),
    ("pytorch_optimizer.AdaBelief", {"lr": 0.05, "rectify": True, "n_sma_threshold": 4, "weight_decay": 0.1,
                                     "fixed_decay": True}),
    ("pytorch_optimizer.LaProp", {"lr": 0.05}),
    ("pytorch_optimizer.LaProp", {"lr": 0.05, "centered": True, "steps_before_using_centered": 3, "ams_bound": True,
                                  "weight_decay": 0.1, "weight_decouple": False, "maximize": True}),
    ("pytorch_optimizer.LaProp", {"lr": 0.05, "centered": True, "weight_decay": 0.1, "fixed_decay": True}),
    ("pytorch_optimizer.AdaMod", {"lr": 0.5}),
    ("pytorch_optimizer.AdaMod", {"lr": 0.5, "weight_decay": 0.1, "weight_decouple": False, "maximize": True}),
    ("pytorch_optimizer.AdaMod", {"lr": 0.5, "weight_decay": 0.1, "fixed_decay": True}),
    ("pytorch_optimizer.AdaPNM", {"lr": 0.05}),
    ("pytorch_optimizer.AdaPNM", {"lr": 0.05, "ams_bound": False, "weight_decay": 0.1, "weight_decouple": False,
                                  "maximize": True}),
    ("pytorch_optimizer.AdaPNM", {"lr": 0.05, "weight_decay": 0.1, "fixed_decay": True}),
    ("pytorch_optimizer.Kate", {"lr": 0.5}),
    ("pytorch_optimizer.Kate", {"lr": 0.5, "delta": 0.5, "weight_decay": 0.1, "weight_decouple": False,
                                "maximize": True}),
    ("pytorch_optimizer.Kate", {"lr": 0.5, "weight_decay": 0.1, "fixed_decay": True}),
    ("pytorch_optimizer.AdaBound", {"lr": 0.05}),
    ("pytorch_optimizer.AdaBound", {"lr": 0.05, "final_lr": 0.05, "gamma": 0.01, "ams_bound": True, "weight_decay": 0.1,
                                    "weight_decouple": False, "maximize": True}),
    ("pytorch_optimizer.AdaBound", {"lr": 0.05, "weight_decay": 0.1, "fixed_decay": True}),
    ("pytorch_optimizer.MSVAG", {"lr": 2e-3}),
    ("pytorch_optimizer.MSVAG", {"lr": 2e-3, "beta": 0.5, "maximize": True}),
    ("pytorch_optimizer.ADOPT", {"lr": 0.05}),
    ("pytorch_optimizer.ADOPT", {"lr": 0.05, "weight_decay": 0.1, "weight_decouple": True, "fixed_decay": True,
                                 "maximize": True}),
    ("pytorch_optimizer.ADOPT", {"lr": 0.05, "weight_decay": 0.1}),
    ("pytorch_optimizer.EXAdam", {"lr": 0.05}),
    ("pytorch_optimizer.EXAdam", {"lr": 0.05, "weight_decay": 0.1, "weight_decouple": False, "maximize": True}),
    ("pytorch_optimizer.EXAdam", {"lr": 0.05, "weight_decay": 0.1, "fixed_decay": True}),
    ("pytorch_optimizer.FOCUS", {"lr": 0.05}),
    ("pytorch_optimizer.FOCUS", {"lr": 0.05, "gamma": 0.5, "weight_decay": 0.1, "maximize": True}),
    ("pytorch_optimizer.Grams", {"lr": 0.05}),
    ("pytorch_optimizer.Grams", {"lr": 0.05, "weight_decay": 0.1, "weight_decouple": False, "maximize": True}),
    ("pytorch_optimizer.Grams", {"lr": 0.05, "weight_decay": 0.1}),
    ("pytorch_optimizer.Ano", {"lr": 0.05}),
    ("pytorch_optimizer.Ano", {"lr": 0.05, "logarithmic_schedule": True, "weight_decay": 0.1, "weight_decouple": False,
                               "maximize": True}),
    ("pytorch_optimizer.Ano", {"lr": 0.05, "weight_decay": 0.1, "fixed_decay": True}),
]  # fmt: skip


def sweep_body(surface: str, steps: int, run: dict, vary: dict, **fields: Any) -> dict:
    return {"surface": {"id": surface} if isinstance(surface, str) else surface, "steps": steps, "run": run,
            "vary": vary, **fields}  # fmt: skip


def lone_run(body: dict, run: dict) -> dict:
    """The run alone, as /api/experiments computes it."""
    spec = ExperimentSpec.model_validate(
        {"surface": body["surface"], "steps": body["steps"], "tolerance": body.get("tolerance", 1e-6), "runs": [run]}
    )
    return run_experiment(spec)["runs"][0]


def expected_cell(run: dict) -> tuple:
    final_loss = None if run["status"] == "diverged" else run["summary"]["final_loss"]
    last = (run["x"][-1], run["y"][-1]) if run["x"] else (None, None)
    return (run["status"], final_loss, run["summary"]["steps_to_tolerance"], *last)


def sweep(body: dict, batched: bool | None = None) -> dict:
    spec = SweepSpec.model_validate(body)
    if batched is not None:
        assert (prepare_sweep(spec).batch_blocker() is None) == batched
    result = run_sweep(spec)
    json.dumps(result, allow_nan=False)  # JSON-safe: no NaN or Infinity anywhere
    return result


def assert_map_equals_lone_runs(body: dict, result: dict) -> None:
    """Every cell [j][i] of a basin map equals the run started alone at (x[i], y[j])."""
    for j, y in enumerate(result["y"]):
        for i, x in enumerate(result["x"]):
            got = tuple(
                result[key][j][i] for key in ("status", "final_loss", "steps_to_tolerance", "final_x", "final_y")
            )
            assert got == expected_cell(lone_run(body, {**body["run"], "start": [x, y]})), (i, j)


def with_param(run: dict, **params: float) -> dict:
    return {**run, "optimizer": {**run["optimizer"], "params": {**run["optimizer"]["params"], **params}}}


def assert_param_equals_lone_runs(body: dict, result: dict) -> None:
    name = body["vary"].get("name", "lr")
    for i, value in enumerate(body["vary"]["values"]):
        lone = lone_run(body, with_param(body["run"], **{name: value}))
        got = (result["status"][i], result["final_loss"][i], result["steps_to_tolerance"][i])
        assert got == expected_cell(lone)[:3], value
        assert result["best_loss"][i] == lone["summary"]["best_loss"]


# --- the batched path --------------------------------------------------------------------------


def test_every_elementwise_optimizer_has_a_case() -> None:
    assert {name for name, _ in ELEMENTWISE_CASES} == ELEMENTWISE_OPTIMIZERS
    assert {name for name, _ in ELEMENTWISE_ZOO_CASES} == ELEMENTWISE_ZOO_OPTIMIZERS


@pytest.mark.parametrize(
    ("optimizer", "params"), ELEMENTWISE_CASES + ELEMENTWISE_ZOO_CASES, ids=lambda v: v if isinstance(v, str) else ""
)
def test_batched_basin_map_equals_lone_runs(optimizer: str, params: dict) -> None:
    # 3 × 3 cells = 18 elements: torch's vectorised kernels take the first 16, the scalar loop the rest.
    body = sweep_body(
        "rosenbrock",
        20,
        {"optimizer": {"id": optimizer, "params": params}},
        {"kind": "start", "x": [-2.0, 1.5], "y": [-1.0, 2.5], "resolution": 3},
        tolerance=0.5,
    )
    assert_map_equals_lone_runs(body, sweep(body, batched=True))


@pytest.mark.parametrize(("optimizer", "params"), ELEMENTWISE_ZOO_CASES, ids=lambda v: v if isinstance(v, str) else "")
def test_batched_zoo_maps_and_lr_sweeps_equal_lone_runs(optimizer: str, params: dict) -> None:
    run = {"optimizer": {"id": optimizer, "params": params}}
    body = sweep_body("himmelblau", 30, run, {"kind": "start", "resolution": 4}, tolerance=0.5)
    assert_map_equals_lone_runs(body, sweep(body, batched=True))
    body = sweep_body("booth", 30, run, {"kind": "param", "values": [1e-3, 0.01, 0.05, 0.3, 2.0]})
    assert_param_equals_lone_runs(body, sweep(body, batched=True))


def test_diverging_cells_end_at_their_last_finite_record_and_leave_the_others_alone() -> None:
    body = sweep_body(
        "rosenbrock", 60, {"optimizer": {"id": "SGD", "params": {"lr": 2e-3, "momentum": 0.9}}},
        {"kind": "start", "resolution": 4},
    )  # fmt: skip
    result = sweep(body, batched=True)
    statuses = {s for row in result["status"] for s in row}
    assert statuses == {"completed", "diverged"}
    for j, row in enumerate(result["status"]):
        for i, status in enumerate(row):
            assert (result["final_loss"][j][i] is None) == (status == "diverged")
    assert_map_equals_lone_runs(body, result)


def test_batched_noise_equals_lone_runs() -> None:
    body = sweep_body(
        "booth", 25, {"optimizer": {"id": "Adam", "params": {"lr": 0.3}}, "noise": {"std": 2.0, "seed": 11}},
        {"kind": "start", "resolution": 3},
    )  # fmt: skip
    assert_map_equals_lone_runs(body, sweep(body, batched=True))


@pytest.mark.parametrize("clip", [{"norm": 1.0}, {"norm": 0.1}, {"value": 0.5}], ids=str)
def test_clipped_sweeps_equal_lone_clipped_runs(clip: dict) -> None:
    """design.md §11: batched basin maps, LR sweeps, 2-parameter maps and seed bands clip as each run alone."""
    run = {"optimizer": {"id": "SGD", "params": {"lr": 0.01, "momentum": 0.9}}, "clip": clip}
    noisy = {**run, "noise": {"std": 3.0, "seed": 1}}
    body = sweep_body("rosenbrock", 30, noisy, {"kind": "start", "resolution": 4}, tolerance=0.5)
    assert_map_equals_lone_runs(body, sweep(body, batched=True))
    body = sweep_body("rosenbrock", 30, run, {"kind": "param", "values": [1e-3, 0.01, 0.1, 1.0]})
    assert_param_equals_lone_runs(body, sweep(body, batched=True))
    grid2 = {"kind": "grid2", "x": {"name": "lr", "values": [0.01, 0.1]}, "y": {"name": "momentum", "values": [0, 0.9]}}
    result = sweep(sweep_body("himmelblau", 30, noisy, grid2), batched=True)
    for j, momentum in enumerate(grid2["y"]["values"]):
        for i, lr in enumerate(grid2["x"]["values"]):
            lone = lone_run(sweep_body("himmelblau", 30, noisy, grid2), with_param(noisy, lr=lr, momentum=momentum))
            assert (result["final_x"][j][i], result["final_y"][j][i]) == (lone["x"][-1], lone["y"][-1])
    body = sweep_body("booth", 30, noisy, {"kind": "seed", "seeds": [1, 2, 3]})
    result = sweep(body, batched=True)
    for s, seed in enumerate(body["vary"]["seeds"]):
        lone = lone_run(body, {**noisy, "noise": {"std": 3.0, "seed": seed}})
        assert (result["x"][s], result["y"][s], result["loss"][s]) == (lone["x"], lone["y"], lone["loss"])


# --- issue 21 item 5: pair components and scheduler hyperparameters --------------------------------


def test_beta1_sweep_equals_lone_runs_with_that_beta1() -> None:
    run = {"optimizer": {"id": "Adam", "params": {"lr": 0.05, "betas": [0.9, 0.99]}}}
    body = sweep_body("rosenbrock", 40, run, {"kind": "param", "name": "betas[0]", "values": [0.0, 0.5, 0.9, 0.99]})
    result = sweep(body, batched=True)
    for i, beta1 in enumerate(body["vary"]["values"]):
        lone = lone_run(body, with_param(run, betas=[beta1, 0.99]))
        assert (result["status"][i], result["final_loss"][i]) == (lone["status"], lone["summary"]["final_loss"])
    assert len(set(result["final_loss"])) == 4


def test_lr_by_beta1_map_equals_lone_runs_and_keeps_betas_default_beta2() -> None:
    run = {"optimizer": {"id": "Adam", "params": {}}}
    grid2 = {
        "kind": "grid2",
        "x": {"name": "lr", "values": [0.01, 0.1]},
        "y": {"name": "betas[0]", "values": [0.5, 0.9]},
    }
    body = sweep_body("himmelblau", 30, run, grid2)
    result = sweep(body, batched=True)
    for j, beta1 in enumerate(grid2["y"]["values"]):
        for i, lr in enumerate(grid2["x"]["values"]):
            lone = lone_run(body, with_param(run, lr=lr, betas=[beta1, 0.999]))  # torch's default β₂
            assert (result["final_x"][j][i], result["final_y"][j][i]) == (lone["x"][-1], lone["y"][-1])


def test_beta1_by_beta2_map_sets_both_sides_of_the_pair() -> None:
    run = {"optimizer": {"id": "Adam", "params": {"lr": 0.05}}}
    grid2 = {"kind": "grid2", "x": {"name": "betas[0]", "values": [0.5, 0.9]},
             "y": {"name": "betas[1]", "values": [0.9, 0.999]}}  # fmt: skip
    body = sweep_body("booth", 30, run, grid2)
    result = sweep(body, batched=True)
    for j, beta2 in enumerate(grid2["y"]["values"]):
        for i, beta1 in enumerate(grid2["x"]["values"]):
            lone = lone_run(body, with_param(run, betas=[beta1, beta2]))
            assert result["final_loss"][j][i] == lone["summary"]["final_loss"]


def with_scheduler_param(run: dict, **params: float) -> dict:
    return {**run, "scheduler": {**run["scheduler"], "params": {**run["scheduler"].get("params", {}), **params}}}


@pytest.mark.parametrize(
    ("scheduler", "name", "values"),
    [({"id": "StepLR", "params": {"step_size": 5}}, "gamma", [0.1, 0.5, 0.9]),
     ({"id": "StepLR"}, "step_size", [2, 5, 10]),
     ({"id": "CosineAnnealingLR"}, "T_max", [10, 40]),
     ({"id": "ExponentialLR"}, "gamma", [0.9, 0.99])],
    ids=["gamma", "step_size", "T_max", "exponential-gamma"],
)  # fmt: skip
def test_scheduler_hyperparameter_sweep_equals_lone_runs(scheduler: dict, name: str, values: list) -> None:
    run = {"optimizer": {"id": "SGD", "params": {"lr": 0.05, "momentum": 0.5}}, "scheduler": scheduler}
    body = sweep_body("quadratic", 30, run, {"kind": "param", "name": f"scheduler.{name}", "values": values})
    result = sweep(body)
    for i, value in enumerate(values):
        lone = lone_run(body, with_scheduler_param(run, **{name: value}))
        assert (result["status"][i], result["final_loss"][i]) == (lone["status"], lone["summary"]["final_loss"])
    assert len(set(result["final_loss"])) == len(values)


def test_lr_by_gamma_map_equals_lone_runs() -> None:
    run = {"optimizer": {"id": "SGD", "params": {}}, "scheduler": {"id": "StepLR", "params": {"step_size": 4}}}
    grid2 = {"kind": "grid2", "x": {"name": "lr", "values": [0.05, 0.15]},
             "y": {"name": "scheduler.gamma", "values": [0.3, 0.9]}}  # fmt: skip
    body = sweep_body("quadratic", 25, run, grid2)
    result = sweep(body)
    for j, gamma in enumerate(grid2["y"]["values"]):
        for i, lr in enumerate(grid2["x"]["values"]):
            lone = lone_run(body, with_scheduler_param(with_param(run, lr=lr), gamma=gamma))
            assert result["final_loss"][j][i] == lone["summary"]["final_loss"]


def test_a_whole_number_hyperparameter_refuses_a_fraction() -> None:
    run = {"optimizer": {"id": "SGD"}, "scheduler": {"id": "StepLR"}}
    body = sweep_body("quadratic", 10, run, {"kind": "param", "name": "scheduler.step_size", "values": [2, 2.5]})
    with pytest.raises(SpecError) as caught:
        prepare_sweep(SweepSpec.model_validate(body))
    assert caught.value.loc == ("vary", "values", 1) and "whole" in caught.value.msg


@pytest.mark.parametrize(
    "surface",
    [{"id": "six_hump_camel"}, {"id": "expression", "params": {"expression": "sinh(x + y)**2/10 + cosh(x - y)"}}],
    ids=["six_hump_camel", "sinh-cosh"],
)
def test_surface_with_vector_unsafe_ops_is_evaluated_cell_by_cell(surface: dict) -> None:
    body = sweep_body(surface, 20, {"optimizer": {"id": "Adam", "params": {"lr": 0.05}}},
                      {"kind": "start", "x": [-1.5, 1.5], "y": [-1.0, 1.0], "resolution": 4})  # fmt: skip
    assert_map_equals_lone_runs(body, sweep(body, batched=True))


def test_lr_sweep_is_one_param_group_per_value() -> None:
    body = sweep_body("rosenbrock", 40, {"optimizer": {"id": "Adam", "params": {}}},
                      {"kind": "param", "values": [1e-3, 0.01, 0.05, 0.1, 0.5, 3.0, 100.0]})  # fmt: skip
    result = sweep(body, batched=True)
    assert_param_equals_lone_runs(body, result)
    assert "diverged" in result["status"] or result["best"] is not None
    finals = [(v, value) for v, value, s in zip(result["final_loss"], result["values"], result["status"], strict=True)
              if s != "diverged"]  # fmt: skip
    assert result["best"] == {"value": min(finals)[1], "final_loss": min(finals)[0]}


@pytest.mark.parametrize(
    "scheduler",
    [
        {"id": "StepLR", "params": {"step_size": 5, "gamma": 0.5}},
        {"id": "LambdaLR", "params": {"lr_lambda": "1/(1 + 0.1*epoch)"}},
        {"id": "CosineAnnealingWarmRestarts", "interval": "epoch", "steps_per_epoch": 3},
        {"id": "SequentialLR"},
        {"id": "CyclicLR", "params": {"base_lr": 1e-3, "max_lr": 0.1}},
        {"id": "OneCycleLR", "params": {"cycle_momentum": False}},  # max_lr derives from lr: run by run
    ],
    ids=lambda s: s["id"],
)
def test_param_sweep_with_a_scheduler_equals_lone_runs(scheduler: dict) -> None:
    body = sweep_body(
        "quadratic", 30, {"optimizer": {"id": "SGD", "params": {"momentum": 0.5}}, "scheduler": scheduler},
        {"kind": "param", "values": [0.01, 0.05, 0.1, 0.15, 0.3]},
    )  # fmt: skip
    assert_param_equals_lone_runs(body, sweep(body, batched=scheduler["id"] != "OneCycleLR"))


def test_noisy_lr_sweep_draws_each_runs_noise() -> None:
    run = {"optimizer": {"id": "Adam", "params": {}}, "noise": {"std": 1.5, "seed": 3}}
    body = sweep_body("himmelblau", 30, run, {"kind": "param", "values": [0.01, 0.1, 0.3]})
    assert_param_equals_lone_runs(body, sweep(body, batched=True))


def test_seeded_lr_sweep_scores_each_lr_by_its_median_over_seeds_of_lone_runs() -> None:
    """design.md §11: with noise, each value's score is the lower-middle final loss of its lone runs, one per seed
    (a diverged seed ranks last); best is the value with the lowest median."""
    seeds = [0, 1, 2, 3]
    run = {"optimizer": {"id": "SGD", "params": {"momentum": 0.9}}, "noise": {"std": 40.0, "seed": 0}}
    values = [1e-3, 2e-3, 2.6e-3]  # 2e-3 diverges for one seed of four, 2.6e-3 for all
    body = sweep_body("rosenbrock", 40, run, {"kind": "param", "values": values, "seeds": seeds})
    result = sweep(body, batched=True)
    assert result["seeds"] == seeds
    for i, value in enumerate(values):
        lone = [lone_run(body, with_param({**run, "noise": {"std": 40.0, "seed": s}}, lr=value)) for s in seeds]
        by_seed = [expected_cell(r)[1] for r in lone]
        assert result["final_loss_by_seed"][i] == by_seed, value
        ranked = sorted(by_seed, key=lambda v: (v is None, v or 0.0))
        assert result["final_loss"][i] == ranked[1], value  # the lower middle of four
        assert result["status"][i] == ("diverged" if ranked[1] is None else "completed")
        best_losses = sorted(r["summary"]["best_loss"] for r in lone)
        assert result["best_loss"][i] == best_losses[1]
    assert result["status"] == ["completed", "completed", "diverged"]  # one diverged seed of four does not count
    assert result["final_loss_by_seed"][1].count(None) == 1
    finite = [(v, i) for i, v in enumerate(result["final_loss"]) if v is not None]
    assert result["best"] == {"value": values[min(finite)[1]], "final_loss": min(finite)[0]}
    assert sweep(body, batched=True) == result  # deterministic


def test_seeds_need_noise_and_fit_the_limits() -> None:
    body = sweep_body("rosenbrock", 10, {"optimizer": {"id": "SGD", "params": {}}},
                      {"kind": "param", "values": [0.001], "seeds": [1, 2]})  # fmt: skip
    with pytest.raises(SpecError) as caught:
        run_sweep(SweepSpec.model_validate(body))
    assert caught.value.loc == ("run", "noise", "std")
    with pytest.raises(ValidationError):
        SweepSpec.model_validate({**body, "vary": {**body["vary"], "seeds": []}})


def test_param_sweep_over_another_hyperparameter() -> None:
    body = sweep_body("beale", 30, {"optimizer": {"id": "RMSprop", "params": {"lr": 0.02}}},
                      {"kind": "param", "name": "alpha", "values": [0.5, 0.9, 0.99]})  # fmt: skip
    result = sweep(body, batched=True)
    assert result["name"] == "alpha"
    assert_param_equals_lone_runs(body, result)


def test_a_failing_scheduler_fails_every_cell_as_it_fails_each_run() -> None:
    run = {"optimizer": {"id": "SGD", "params": {"lr": 0.01}}, "scheduler": {"id": "OneCycleLR",
           "params": {"total_steps": 10, "max_lr": 0.1}}}  # fmt: skip
    body = sweep_body("quadratic", 20, run, {"kind": "start", "resolution": 2})
    result = sweep(body, batched=True)
    assert {s for row in result["status"] for s in row} == {"failed"}
    assert_map_equals_lone_runs(body, result)
    # with several param groups the sweep is recomputed run by run; still the same cells
    body = sweep_body("quadratic", 20, run, {"kind": "param", "values": [0.01, 0.02]})
    assert_param_equals_lone_runs(body, sweep(body))


# --- fallbacks: independent runs in lockstep ---------------------------------------------------


@pytest.mark.parametrize(
    "run",
    [
        {"optimizer": {"id": "LBFGS", "params": {"max_iter": 3}}},
        {"optimizer": {"id": "LBFGS", "params": {"line_search_fn": "strong_wolfe", "max_iter": 3}}},
        {"optimizer": {"id": "Adafactor", "params": {"lr": 0.05}}},
        {
            "optimizer": {"id": "Adam", "params": {"lr": 0.1}},
            "scheduler": {"id": "ReduceLROnPlateau", "params": {"patience": 1}},
        },
        {"optimizer": {"id": "LBFGS", "params": {"max_iter": 2}}, "noise": {"std": 0.5, "seed": 4}},
    ],
    ids=["LBFGS", "LBFGS-wolfe", "Adafactor", "ReduceLROnPlateau", "LBFGS-noise"],
)
def test_fallback_basin_map_equals_lone_runs(run: dict) -> None:
    body = sweep_body("himmelblau", 12, run, {"kind": "start", "resolution": 3})
    assert_map_equals_lone_runs(body, sweep(body, batched=False))


def test_fallback_on_a_vector_unsafe_surface_equals_lone_runs() -> None:
    surface = {"id": "expression", "params": {"expression": "sinh(x + y)**2/10 + cosh(x - y)"}}
    body = sweep_body(surface, 6, {"optimizer": {"id": "LBFGS", "params": {"max_iter": 2}}},
                      {"kind": "start", "x": [-1.0, 1.0], "y": [-1.0, 1.0], "resolution": 4})  # fmt: skip
    assert_map_equals_lone_runs(body, sweep(body, batched=False))


@pytest.mark.parametrize("optimizer", ["pytorch_optimizer.Lamb", "pytorch_optimizer.AdamP"])
def test_zoo_optimizer_that_couples_elements_falls_back(optimizer: str) -> None:
    # Lamb scales by a ratio of whole-tensor norms, AdamP by a cosine similarity: a (B, 2) tensor would mix cells
    run = {"optimizer": {"id": optimizer, "params": {"lr": 0.01}}}
    body = sweep_body("quadratic", 10, run, {"kind": "param", "values": [0.01, 0.1]})
    assert_param_equals_lone_runs(body, sweep(body, batched=False))
    body = sweep_body("himmelblau", 10, run, {"kind": "start", "resolution": 3})
    assert_map_equals_lone_runs(body, sweep(body, batched=False))


# --- shapes ------------------------------------------------------------------------------------


def test_basin_map_is_indexed_j_then_i() -> None:
    body = sweep_body("quadratic", 1, {"optimizer": {"id": "SGD", "params": {"lr": 1e-9}}},
                      {"kind": "start", "x": [-3.0, 1.0], "y": [0.0, 1.0], "resolution": 3})  # fmt: skip
    result = sweep(body)
    assert result["kind"] == "start"
    assert result["x"] == [-3.0, -1.0, 1.0] and result["y"] == [0.0, 0.5, 1.0]
    for key in ("final_loss", "steps_to_tolerance", "status", "final_x", "final_y", "minimum_index"):
        assert len(result[key]) == 3 and all(len(row) == 3 for row in result[key]), key
    for j, y in enumerate(result["y"]):
        for i, x in enumerate(result["x"]):
            assert result["final_x"][j][i] == pytest.approx(x) and result["final_y"][j][i] == pytest.approx(y)


def test_basin_map_defaults_to_the_surface_domain() -> None:
    result = sweep(sweep_body("rosenbrock", 1, {"optimizer": {"id": "Adam"}}, {"kind": "start", "resolution": 2}))
    assert (result["x"], result["y"]) == ([-2.0, 2.0], [-1.0, 3.0])


def test_grid2_is_a_map_of_two_hyperparameters() -> None:
    body = sweep_body("quadratic", 25, {"optimizer": {"id": "SGD", "params": {}}},
                      {"kind": "grid2", "x": {"name": "lr", "values": [0.01, 0.1, 0.19, 0.5]},
                       "y": {"name": "momentum", "values": [0.0, 0.9]}})  # fmt: skip
    result = sweep(body, batched=True)
    assert (result["x"], result["y"]) == ([0.01, 0.1, 0.19, 0.5], [0.0, 0.9])
    assert (result["x_name"], result["y_name"]) == ("lr", "momentum")
    assert len(result["final_loss"]) == 2 and len(result["final_loss"][0]) == 4
    for j, momentum in enumerate(result["y"]):
        for i, lr in enumerate(result["x"]):
            lone = lone_run(body, with_param(body["run"], lr=lr, momentum=momentum))
            got = tuple(result[k][j][i] for k in ("status", "final_loss", "steps_to_tolerance", "final_x", "final_y"))
            assert got == expected_cell(lone), (lr, momentum)
    assert "diverged" in {s for row in result["status"] for s in row}


def test_minimum_index_names_the_basin_each_cell_ends_in() -> None:
    body = sweep_body("himmelblau", 200, {"optimizer": {"id": "Adam", "params": {"lr": 0.1}}},
                      {"kind": "start", "x": [-4.0, 4.0], "y": [-4.0, 4.0], "resolution": 2})  # fmt: skip
    result = sweep(body)
    # minima: 0 (3, 2), 1 (-2.81, 3.13), 2 (-3.78, -3.28), 3 (3.58, -1.85); rows are y = -4 then y = 4
    assert result["minimum_index"] == [[2, 3], [1, 0]]


def test_minimum_index_is_null_far_from_every_minimum() -> None:
    body = sweep_body("himmelblau", 1, {"optimizer": {"id": "SGD", "params": {"lr": 1e-9}}},
                      {"kind": "start", "x": [0.0, 1.0], "y": [0.0, 1.0], "resolution": 2})  # fmt: skip
    assert sweep(body)["minimum_index"] == [[None, None], [None, None]]


# --- seed bands --------------------------------------------------------------------------------


@pytest.mark.parametrize("optimizer", ["SGD", "LBFGS"], ids=["batched", "lockstep"])
def test_seed_band_trajectories_equal_lone_runs(optimizer: str) -> None:
    params = {"lr": 0.02} if optimizer == "SGD" else {"max_iter": 2}
    run = {"start": [-1.0, 1.5], "optimizer": {"id": optimizer, "params": params}, "noise": {"std": 3.0, "seed": 0}}
    seeds = [0, 1, 2, 3, 5, 8, 13, 13, 99]
    body = sweep_body("rosenbrock", 30 if optimizer == "SGD" else 15, run, {"kind": "seed", "seeds": seeds})
    result = sweep(body, batched=optimizer == "SGD")
    assert result["seeds"] == seeds
    for s, seed in enumerate(seeds):
        lone = lone_run(body, {**run, "noise": {"std": 3.0, "seed": seed}})
        assert (result["x"][s], result["y"][s], result["loss"][s]) == (lone["x"], lone["y"], lone["loss"])
        assert result["status"][s] == lone["status"]
    steps = max(len(loss) for loss in result["loss"])
    assert len(result["loss_p50"]) == len(result["loss_p10"]) == len(result["loss_p90"]) == steps
    for k in range(steps):
        running = torch.tensor([loss[k] for loss in result["loss"] if len(loss) > k], dtype=torch.float64)
        expected = torch.quantile(running, torch.tensor([0.1, 0.5, 0.9], dtype=torch.float64)).tolist()
        assert [result["loss_p10"][k], result["loss_p50"][k], result["loss_p90"][k]] == expected


def test_torch_draws_a_short_randn_number_by_number() -> None:
    """What batched noise relies on: randn(2k) for 2k < 16 is k randn(2) in a row, from the same generator."""
    at_once = torch.randn(2 * NOISE_STEPS_PER_DRAW, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    generator = torch.Generator().manual_seed(7)
    one_by_one = [torch.randn(2, generator=generator, dtype=torch.float64) for _ in range(NOISE_STEPS_PER_DRAW)]
    assert torch.equal(at_once, torch.cat(one_by_one))


def test_a_seed_band_needs_noise() -> None:
    body = sweep_body("rosenbrock", 10, {"optimizer": {"id": "SGD"}}, {"kind": "seed", "seeds": [1, 2]})
    with pytest.raises(SpecError) as caught:
        prepare_sweep(SweepSpec.model_validate(body))
    assert caught.value.loc == ("run", "noise", "std")


# --- limits and errors -------------------------------------------------------------------------


@pytest.mark.parametrize("optimizer", ["Adam", "LBFGS"], ids=["batched", "lockstep"])
def test_a_sweep_past_the_server_time_budget_fails_its_cells_and_says_so(optimizer: str) -> None:
    body = sweep_body("rosenbrock", 50, {"optimizer": {"id": optimizer}}, {"kind": "start", "resolution": 3})
    prepared = prepare_sweep(SweepSpec.model_validate(body), Limits(max_seconds=0.0))
    assert (prepared.batch_blocker() is None) == (optimizer == "Adam")
    ended = list(iterate_sweep(prepared))[-1]
    assert isinstance(ended, SweepResult) and ended.cut_short_by_the_server
    assert {status for row in ended.result["status"] for status in row} == {"failed"}


def test_work_beyond_the_budget_is_refused() -> None:
    body = sweep_body("rosenbrock", 1000, {"optimizer": {"id": "Adam"}}, {"kind": "start", "resolution": 10})
    with pytest.raises(SpecError) as caught:
        prepare_sweep(SweepSpec.model_validate(body), Limits(max_sweep_work=99_999))
    assert caught.value.loc == ("vary",)
    prepare_sweep(SweepSpec.model_validate(body), Limits(max_sweep_work=100_000))


def test_steps_beyond_the_limit_are_refused() -> None:
    body = sweep_body("rosenbrock", 101, {"optimizer": {"id": "Adam"}}, {"kind": "param", "values": [0.1]})
    with pytest.raises(SpecError) as caught:
        prepare_sweep(SweepSpec.model_validate(body), Limits(max_steps=100))
    assert caught.value.loc == ("steps",)


@pytest.mark.parametrize(
    "vary",
    [
        {"kind": "start", "resolution": 129},
        {"kind": "start", "resolution": 1},
        {"kind": "param", "values": [0.1] * 257},
        {"kind": "param", "values": []},
        {"kind": "seed", "seeds": list(range(257))},
        {"kind": "grid2", "x": {"name": "lr", "values": [0.1] * 257}, "y": {"name": "momentum", "values": [0.0]}},
        {"kind": "walk"},
    ],
    ids=["resolution>128", "resolution<2", "values>256", "no-values", "seeds>256", "grid2>256", "unknown-kind"],
)
def test_sizes_beyond_the_limits_are_refused(vary: dict) -> None:
    with pytest.raises(ValidationError):
        SweepSpec.model_validate(sweep_body("rosenbrock", 10, {"optimizer": {"id": "Adam"}}, vary))


@pytest.mark.parametrize(
    ("vary", "loc"),
    [
        ({"kind": "param", "name": "betas", "values": [0.1]}, ("vary", "name")),
        ({"kind": "param", "name": "nonsense", "values": [0.1]}, ("vary", "name")),
        ({"kind": "param", "values": [0.1, -1.0]}, ("vary", "values", 1)),
        ({"kind": "grid2", "x": {"name": "lr", "values": [0.1]}, "y": {"name": "eps", "values": [1e-8, -1.0]}},
         ("vary", "y", "values", 1)),
        ({"kind": "start", "x": [1.0, 1.0], "resolution": 2}, ("vary", "x")),
        ({"kind": "start", "y": [-1e308, 1e308], "resolution": 2}, ("vary", "y")),
        ({"kind": "param", "name": "betas[2]", "values": [0.1]}, ("vary", "name")),
        ({"kind": "param", "name": "lr[0]", "values": [0.1]}, ("vary", "name")),
        ({"kind": "param", "name": "betas[0]", "values": [0.5, 1.5]}, ("vary", "values", 1)),
        ({"kind": "param", "name": "scheduler.gamma", "values": [0.5]}, ("vary", "name")),
        ({"kind": "grid2", "x": {"name": "lr", "values": [0.1]}, "y": {"name": "betas[1]", "values": [0.9, -0.1]}},
         ("vary", "y", "values", 1)),
    ],
    ids=["not-a-float", "unknown", "bad-value", "bad-grid2-value", "empty-range", "overflowing-range", "no-component",
         "not-a-pair", "bad-beta", "no-scheduler", "bad-grid2-beta"],
)  # fmt: skip
def test_bad_sweeps_name_the_field(vary: dict, loc: tuple) -> None:
    body = sweep_body("rosenbrock", 10, {"optimizer": {"id": "Adam"}}, vary)
    with pytest.raises(SpecError) as caught:
        prepare_sweep(SweepSpec.model_validate(body))
    assert caught.value.loc == loc


def test_bad_run_is_located_inside_run() -> None:
    body = sweep_body("rosenbrock", 10, {"optimizer": {"id": "Adam", "params": {"lr": -1}}},
                      {"kind": "start", "resolution": 2})  # fmt: skip
    with pytest.raises(SpecError) as caught:
        prepare_sweep(SweepSpec.model_validate(body))
    assert caught.value.loc == ("run", "optimizer", "params", "lr")


# --- events ------------------------------------------------------------------------------------


@pytest.mark.parametrize("optimizer", ["Adam", "LBFGS"], ids=["batched", "lockstep"])
def test_events_start_report_progress_and_end_with_the_result(optimizer: str) -> None:
    params = {"max_iter": 2} if optimizer == "LBFGS" else {}
    run = {"optimizer": {"id": optimizer, "params": params}}
    body = sweep_body("himmelblau", 20, run, {"kind": "start", "resolution": 3})
    spec = SweepSpec.model_validate(body)
    events = list(iterate_sweep(prepare_sweep(spec), progress_seconds=0.0))
    assert isinstance(events[0], SweepStarted) and isinstance(events[-1], SweepResult)
    assert events[0].to_dict()["event"] == "sweep"
    assert events[0].to_dict()["batched"] == (optimizer != "LBFGS")
    progress = [e for e in events if isinstance(e, Progress)]
    assert len(progress) >= 2 and progress[-1].done == progress[-1].total == 9 * 20
    assert [p.done for p in progress] == sorted(p.done for p in progress)
    assert events[-1].to_dict() == {"event": "result", **run_sweep(spec)}
