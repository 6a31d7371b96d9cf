"""The engine equals a plain PyTorch loop written from design.md §2 — exactly, bit for bit.

The reference loop and surfaces (tests/reference.py) and the schedulers below are written from the
contract's text, not copied from the engine, so a mismatch is a real deviation.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import pytest
import torch

from app.engine.catalog import catalog
from app.engine.runs import Points, iterate_experiment, prepare_experiment, run_experiment
from app.engine.spec import ExperimentSpec
from tests.reference import REFERENCE_SURFACES, Trajectory, reference_run

STARTS = {
    "quadratic": [-2.5, 2.0],
    "rosenbrock": [-1.5, 2.0],
    "beale": [1.0, 1.5],
    "himmelblau": [0.5, -0.5],
    "rastrigin": [2.3, -1.8],
    "ackley": [3.0, 2.5],
    "saddle": [1.5, 0.01],
    "booth": [-6.0, -6.0],
    "goldstein_price": [-0.5, 0.5],
    "six_hump_camel": [-1.5, 1.0],
}
# Learning rates small enough that most runs stay finite for a few dozen steps.
LR = {"SGD": 1e-4, "ASGD": 1e-4, "Adadelta": 1.0, "LBFGS": 0.1, "Rprop": 1e-3}
SCHEDULERS = [
    None,
    {"id": "StepLR", "params": {"step_size": 3, "gamma": 0.5}},
    {"id": "OneCycleLR", "params": {"cycle_momentum": False}, "interval": "epoch", "steps_per_epoch": 3},
    {"id": "ReduceLROnPlateau", "params": {"patience": 1, "factor": 0.5}},
    {"id": "LambdaLR", "params": {"lr_lambda": "1/(1 + 0.1*epoch)"}},
    {"id": "SequentialLR"},
]


def scheduler_call_count(steps: int, spec: dict | None) -> int:
    if spec is None or spec.get("interval", "step") == "step":
        return steps
    return steps // spec["steps_per_epoch"]


def reference_scheduler(spec: dict | None, steps: int) -> Callable[[torch.optim.Optimizer], Any] | None:
    """design.md §2's schedulers, with its derived defaults, constructed by hand on the optimizer."""
    if spec is None:
        return None
    m = scheduler_call_count(steps, spec)
    s = torch.optim.lr_scheduler

    def build(opt: torch.optim.Optimizer) -> Any:
        lr = opt.param_groups[0]["lr"]
        match spec["id"]:
            case "StepLR":
                return s.StepLR(opt, step_size=3, gamma=0.5)
            case "OneCycleLR":
                return s.OneCycleLR(opt, max_lr=10 * lr, total_steps=m, cycle_momentum=False)
            case "ReduceLROnPlateau":
                return s.ReduceLROnPlateau(opt, patience=1, factor=0.5)
            case "LambdaLR":
                return s.LambdaLR(opt, lr_lambda=lambda epoch: 1 / (1 + 0.1 * epoch))
            case "SequentialLR":
                warmup = s.LinearLR(opt, start_factor=0.1, total_iters=20)
                cosine = s.CosineAnnealingLR(opt, T_max=m)
                return s.SequentialLR(opt, [warmup, cosine], milestones=[m // 2])
        raise AssertionError(spec["id"])

    return build


def reference(surface: str, start, optimizer: str, params: dict, steps: int, scheduler=None, noise=None) -> Trajectory:
    """The plain loop for one run of these tests, its scheduler given as in the request."""
    every = scheduler["steps_per_epoch"] if scheduler and scheduler.get("interval") == "epoch" else 1
    return reference_run(surface, start, optimizer, params, steps, reference_scheduler(scheduler, steps), every, noise)


def optimizer_ids() -> list[str]:
    return [i for i, entry in catalog().optimizers.items() if entry.source == "torch" and "surfaces" in entry.modes]


def engine_runs(surface: str, runs: list[dict], steps: int) -> list[dict]:
    spec = ExperimentSpec.model_validate({"surface": {"id": surface}, "steps": steps, "runs": runs})
    return run_experiment(spec)["runs"]


def assert_same(run: dict, expected: Trajectory) -> None:
    x, y, loss, lr, momentum, status = expected
    assert run["status"] == status, run.get("error")
    assert (run["x"], run["y"], run["loss"], run["lr"], run["momentum"]) == (x, y, loss, lr, momentum)


@pytest.mark.parametrize("surface", list(REFERENCE_SURFACES))
def test_every_optimizer_on_every_surface_equals_the_plain_loop(surface: str) -> None:
    """All optimizers run together (lockstep, shared forward pass) and each equals its plain loop."""
    steps = 25
    ids = optimizer_ids()
    runs = [
        {"start": STARTS[surface], "optimizer": {"id": oid, "params": {"lr": LR[oid]} if oid in LR else {}}}
        for oid in ids
    ]
    for oid, run in zip(ids, engine_runs(surface, runs, steps), strict=True):
        params = {"lr": LR[oid]} if oid in LR else {}
        assert_same(run, reference(surface, STARTS[surface], oid, params, steps))


@pytest.mark.parametrize("scheduler", SCHEDULERS, ids=lambda s: s["id"] if s else "none")
@pytest.mark.parametrize("noise", [None, {"std": 0.5, "seed": 7}], ids=["exact", "noisy"])
def test_schedulers_and_noise_equal_the_plain_loop(scheduler, noise) -> None:
    steps = 30
    ids = optimizer_ids()
    runs = [
        {"start": [-1.5, 2.0], "optimizer": {"id": oid, "params": {"lr": LR.get(oid, 1e-3)}},
         "scheduler": scheduler, "noise": noise}
        for oid in ids
    ]  # fmt: skip
    for oid, run in zip(ids, engine_runs("rosenbrock", runs, steps), strict=True):
        expected = reference("rosenbrock", [-1.5, 2.0], oid, {"lr": LR.get(oid, 1e-3)}, steps, scheduler, noise)
        assert_same(run, expected)


# Each surface with a scheduler, noise and (every other one) an epoch interval, so that together with the
# test above every surface sees schedulers, noise and epochs with every optimizer.
EPOCH_STEP_LR = {"id": "StepLR", "params": {"step_size": 3, "gamma": 0.5}, "interval": "epoch", "steps_per_epoch": 4}
SURFACE_SCHEDULES = [*SCHEDULERS[1:], EPOCH_STEP_LR]


@pytest.mark.parametrize("index", range(len(REFERENCE_SURFACES)), ids=list(REFERENCE_SURFACES))
def test_every_surface_with_schedulers_noise_and_epochs_equals_the_plain_loop(index: int) -> None:
    surface = list(REFERENCE_SURFACES)[index]
    scheduler = SURFACE_SCHEDULES[index % len(SURFACE_SCHEDULES)]
    noise = {"std": 0.3, "seed": index}
    steps = 24
    ids = optimizer_ids()
    runs = [
        {"start": STARTS[surface], "optimizer": {"id": oid, "params": {"lr": LR.get(oid, 1e-3)}},
         "scheduler": scheduler, "noise": noise}
        for oid in ids
    ]  # fmt: skip
    for oid, run in zip(ids, engine_runs(surface, runs, steps), strict=True):
        expected = reference(surface, STARTS[surface], oid, {"lr": LR.get(oid, 1e-3)}, steps, scheduler, noise)
        assert_same(run, expected)


def test_runs_together_equal_runs_alone() -> None:
    runs = [
        {"start": [-1.5 + 0.1 * i, 2.0], "optimizer": {"id": oid, "params": {"lr": LR.get(oid, 1e-3)}},
         "noise": {"std": 0.1, "seed": i} if i % 2 else None}
        for i, oid in enumerate(optimizer_ids())
    ]  # fmt: skip
    together = engine_runs("ackley", runs, 40)
    for run, result in zip(runs, together, strict=True):
        assert engine_runs("ackley", [run], 40)[0] == result


def test_diverged_run_ends_at_its_last_finite_record() -> None:
    [run] = engine_runs("rosenbrock", [{"optimizer": {"id": "SGD", "params": {"lr": 0.1}}}], 100)
    assert run["status"] == "diverged"
    assert run["diverged_at"] == len(run["x"]) > 1
    assert all(math.isfinite(v) and abs(v) <= 1e6 for v in run["x"] + run["y"])
    assert all(math.isfinite(v) for v in run["loss"])
    assert_same(run, reference("rosenbrock", [-1.5, 2.0], "SGD", {"lr": 0.1}, 100))


def test_nan_gradient_at_ackley_minimum_is_a_divergence() -> None:
    [run] = engine_runs("ackley", [{"start": [0.0, 0.0], "optimizer": {"id": "Adam"}}], 10)
    assert run["status"] == "diverged"
    assert run["diverged_at"] == 1
    assert run["x"] == [0.0]


def test_many_runs_on_a_vector_unsafe_surface_equal_each_run_alone() -> None:
    """sinh and x**4 round differently on >= 8 elements: runs must never be evaluated as a batch."""
    surface = {"id": "expression", "params": {"expression": "sinh(x + y) + x**4 + y**2"}}
    runs = [{"start": [0.1 * i, -0.05 * i], "optimizer": {"id": "SGD", "params": {"lr": 0.01}}} for i in range(16)]
    together = run_experiment(ExperimentSpec.model_validate({"surface": surface, "steps": 3, "runs": runs}))["runs"]
    for run, result in zip(runs, together, strict=True):
        alone = run_experiment(ExperimentSpec.model_validate({"surface": surface, "steps": 3, "runs": [run]}))
        assert alone["runs"][0] == result


def test_a_scheduled_run_raises_no_warning_about_step_order() -> None:
    """The engine steps optimizers without torch.optim's per-call wrapper: the scheduler must still see
    `optimizer.step()` called before `scheduler.step()`, as in the plain loop."""
    spec = ExperimentSpec.model_validate({
        "surface": {"id": "rosenbrock"}, "steps": 5,
        "runs": [{"optimizer": {"id": "Adam"}, "scheduler": {"id": "StepLR", "params": {"step_size": 2}}},
                 {"optimizer": {"id": "SGD"}, "scheduler": {"id": "ReduceLROnPlateau"}}],
    })  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = run_experiment(spec)
    assert [run["status"] for run in result["runs"]] == ["completed", "completed"]


def plain_recorded_state(optimizer: str, params: dict[str, Any], plateau: bool, steps: int) -> dict[str, Any]:
    """design.md §6 `record_state` from a plain loop: after each step, optimizer.state[p] (its numbers, and its
    tensors of one or two numbers), the gradient, ReduceLROnPlateau's counters, and the points the closure visited."""
    f = REFERENCE_SURFACES["rosenbrock"]
    p = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
    torch.manual_seed(0)
    opt = getattr(torch.optim, optimizer)([p], **params)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(opt) if plateau else None
    state: dict[str, list[Any]] = {}
    counters: dict[str, list[Any]] = {"best": [None], "num_bad_epochs": [None], "cooldown_counter": [None]}
    grads: list[Any] = [None]
    visited: list[list[list[float]]] = [[]]
    for _ in range(steps):
        points: list[list[float]] = []

        def closure(points: list[list[float]] = points) -> torch.Tensor:
            opt.zero_grad()
            loss = f(p[0], p[1])
            loss.backward()
            points.append(p.detach().tolist())
            return loss

        loss = opt.step(closure)
        if scheduler is not None:
            scheduler.step(loss.item())
            for name, values in counters.items():
                values.append(getattr(scheduler, name))
        for name, value in opt.state[p].items():
            if isinstance(value, torch.Tensor) and value.numel() in (1, 2):
                state.setdefault(name, [None]).append(value.item() if value.numel() == 1 else value.tolist())
            elif isinstance(value, int | float):
                state.setdefault(name, [None]).append(value)
        grads.append(p.grad.tolist())
        visited.append(points)
    return {"state": state, "grad": grads, "scheduler_state": counters, "evaluations": visited}


@pytest.mark.parametrize(
    ("optimizer", "params", "plateau"),
    [("Adam", {"lr": 0.02}, True), ("SGD", {"lr": 1e-3, "momentum": 0.9}, False), ("LBFGS", {"max_iter": 4}, False)],
    ids=["adam-plateau", "sgd-momentum", "lbfgs"],
)
def test_recorded_state_equals_the_plain_loops_optimizer_state(optimizer: str, params: dict, plateau: bool) -> None:
    steps = 6
    run = {"start": [-1.5, 2.0], "optimizer": {"id": optimizer, "params": params}}
    if plateau:
        run["scheduler"] = {"id": "ReduceLROnPlateau"}
    spec = ExperimentSpec.model_validate(
        {"surface": {"id": "rosenbrock"}, "steps": steps, "record_state": True, "runs": [run]}
    )
    recorded = run_experiment(spec)["runs"][0]
    plain = plain_recorded_state(optimizer, params, plateau, steps)
    assert recorded["state"] == plain["state"]
    assert recorded["grad"] == plain["grad"]
    assert recorded.get("scheduler_state") == (plain["scheduler_state"] if plateau else None)
    assert recorded.get("evaluations") == (plain["evaluations"] if optimizer == "LBFGS" else None)


# --- design.md §11: gradient clipping and the momentum record ---------------------------------------------

CLIPS = [{"norm": 1.0}, {"norm": 0.05}, {"value": 0.5}, {"value": 3.0}]


@pytest.mark.parametrize("noise", [None, {"std": 2.0, "seed": 5}], ids=["exact", "noisy"])
def test_clipped_runs_together_equal_the_plain_loop_with_torchs_clipping(noise) -> None:
    """Every optimizer with each clip, all in one experiment (shared forward pass, LBFGS by its own closure)."""
    steps = 25
    cases = [(oid, clip) for oid in optimizer_ids() for clip in CLIPS]
    runs = [
        {"start": [-1.5, 2.0], "optimizer": {"id": oid, "params": {"lr": LR.get(oid, 1e-2)}}, "noise": noise,
         "clip": clip}
        for oid, clip in cases
    ]  # fmt: skip
    results = [run for i in range(0, len(runs), 16) for run in engine_runs("rosenbrock", runs[i : i + 16], steps)]
    unclipped = reference("rosenbrock", [-1.5, 2.0], "SGD", {"lr": 1e-2}, steps, noise=noise)
    for (oid, clip), run in zip(cases, results, strict=True):
        params = {"lr": LR.get(oid, 1e-2)}
        expected = reference_run("rosenbrock", [-1.5, 2.0], oid, params, steps, noise=noise, clip=clip)
        assert_same(run, expected)
        if oid == "SGD":  # the clip did something: Rosenbrock's gradient at the start is far above these bounds
            assert run["x"][1] != unclipped.x[1]


@pytest.mark.parametrize(
    ("optimizer", "params"),
    [("SGD", {"lr": 1e-3, "momentum": 0.9}), ("Adam", {"lr": 1e-2, "betas": [0.9, 0.99]}),
     ("RMSprop", {"lr": 1e-3, "momentum": 0.5}), ("NAdam", {"lr": 1e-2})],
    ids=["sgd-momentum", "adam-betas", "rmsprop-momentum", "nadam-betas"],
)  # fmt: skip
@pytest.mark.parametrize("scheduler", ["OneCycleLR", "CyclicLR"])
def test_momentum_record_equals_param_groups_in_a_plain_loop(optimizer: str, params: dict, scheduler: str) -> None:
    """OneCycleLR and CyclicLR cycle momentum (or betas[0]); the record follows param_groups[0] at every step."""
    steps = 40
    s = torch.optim.lr_scheduler

    def build(opt: torch.optim.Optimizer) -> Any:
        lr = opt.param_groups[0]["lr"]
        if scheduler == "OneCycleLR":
            return s.OneCycleLR(opt, max_lr=10 * lr, total_steps=steps)
        return s.CyclicLR(opt, base_lr=lr / 10, max_lr=lr, step_size_up=steps // 4)

    [run] = engine_runs(
        "quadratic", [{"start": [-2.5, 2.0], "optimizer": {"id": optimizer, "params": params},
                        "scheduler": {"id": scheduler}}], steps,
    )  # fmt: skip
    expected = reference_run("quadratic", [-2.5, 2.0], optimizer, params, steps, build)
    assert_same(run, expected)
    assert len(run["momentum"]) == steps + 1
    assert len(set(run["momentum"])) > steps // 4, "the scheduler cycles it"


def test_an_optimizer_without_momentum_records_none() -> None:
    runs = [{"optimizer": {"id": "Adagrad"}}, {"optimizer": {"id": "SGD"}}, {"optimizer": {"id": "Adam"}}]
    adagrad, sgd, adam = engine_runs("rosenbrock", runs, 5)
    assert adagrad["momentum"] is None
    assert sgd["momentum"] == [0.0] * 6  # SGD has a momentum hyperparameter, 0 by default
    assert adam["momentum"] == [0.9] * 6


def test_a_run_diverging_at_record_0_has_momentum_as_empty_as_its_lr() -> None:
    """Nothing recorded is still a record of momentum: [] beside lr [], in the whole result and the stream;
    an optimizer without momentum keeps null."""
    far = [1e7, 0.0]  # beyond the divergence bound: record 0 is already out
    runs = [{"start": far, "optimizer": {"id": oid, "params": {"lr": 1e-3}}} for oid in ("Adam", "SGD", "Adagrad")]
    adam, sgd, adagrad = engine_runs("rosenbrock", runs, 5)
    for run in (adam, sgd, adagrad):
        assert (run["status"], run["diverged_at"], run["x"], run["lr"]) == ("diverged", 0, [], [])
    assert adam["momentum"] == sgd["momentum"] == []
    assert adagrad["momentum"] is None
    spec = ExperimentSpec.model_validate({"surface": {"id": "rosenbrock"}, "steps": 5, "runs": runs})
    chunks = [e for e in iterate_experiment(prepare_experiment(spec)) if isinstance(e, Points)]
    assert [(e.run, e.x, e.momentum) for e in chunks] == [(0, [], []), (1, [], []), (2, [], None)]
