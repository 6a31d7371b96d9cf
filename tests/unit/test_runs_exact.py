"""The engine equals a plain PyTorch loop written from SPEC §2 — exactly, bit for bit.

The reference loop and the surfaces below are written from the SPEC's text, not copied from the
engine, so a mismatch is a real deviation.
"""

from __future__ import annotations

import math

import pytest
import torch

from app.engine.catalog import catalog
from app.engine.runs import run_experiment
from app.engine.spec import ExperimentSpec

pi, e = math.pi, math.e
cos, sin, exp, sqrt = torch.cos, torch.sin, torch.exp, torch.sqrt

# SPEC §3, written by hand: f(p) with x = p[0], y = p[1].
REFERENCE_SURFACES = {
    "quadratic": lambda x, y: 0.5 * (1 * (x * 1.0 + y * 0.0) ** 2 + 10 * (-x * 0.0 + y * 1.0) ** 2),
    "rosenbrock": lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
    "beale": lambda x, y: (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2,
    "himmelblau": lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
    "rastrigin": lambda x, y: 2 * 10 + x**2 - 10 * cos(2 * pi * x) + y**2 - 10 * cos(2 * pi * y),
    "ackley": lambda x, y: (
        -20 * exp(-0.2 * sqrt(0.5 * (x**2 + y**2))) - exp(0.5 * (cos(2 * pi * x) + cos(2 * pi * y))) + e + 20
    ),
    "saddle": lambda x, y: x**2 - y**2,
    "booth": lambda x, y: (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2,
    "goldstein_price": lambda x, y: (
        (1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2))
        * (30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2))
    ),
    "six_hump_camel": lambda x, y: (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2,
}
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


def build_reference_scheduler(opt: torch.optim.Optimizer, spec: dict | None, m: int, lr: float):
    """SPEC §2's schedulers, with its derived defaults, constructed by hand."""
    if spec is None:
        return None
    s = torch.optim.lr_scheduler
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


def reference_run(surface: str, start, optimizer: str, params: dict, steps: int, scheduler=None, noise=None):
    """SPEC §2, line by line. Returns (x, y, loss, lr, status)."""
    f_xy = REFERENCE_SURFACES[surface]

    def f(p):
        return f_xy(p[0], p[1])

    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    torch.manual_seed(0)
    opt = getattr(torch.optim, optimizer)([p], **params)
    m = scheduler_call_count(steps, scheduler)
    sched = build_reference_scheduler(opt, scheduler, m, opt.param_groups[0]["lr"])
    gen = torch.Generator().manual_seed(noise["seed"]) if noise else None
    every = scheduler["steps_per_epoch"] if scheduler and scheduler.get("interval") == "epoch" else 1
    plateau = scheduler is not None and scheduler["id"] == "ReduceLROnPlateau"
    xs, ys, losses, lrs = [], [], [], []

    def record() -> bool:
        x, y, loss, lr = p[0].item(), p[1].item(), f(p).item(), opt.param_groups[0]["lr"]
        if not all(math.isfinite(v) for v in (x, y, loss, lr)) or max(abs(x), abs(y)) > 1e6:
            return False
        xs.append(x), ys.append(y), losses.append(loss), lrs.append(lr)
        return True

    def closure():
        opt.zero_grad()
        loss = f(p)
        loss.backward()
        if noise:
            p.grad.add_(noise["std"] * torch.randn(2, generator=gen, dtype=torch.float64))
        return loss

    if not record():
        return xs, ys, losses, lrs, "diverged"
    window = []
    for k in range(1, steps + 1):
        try:
            step_loss = opt.step(closure)
            if sched is not None:
                if plateau:
                    window.append(step_loss.item())
                if k % every == 0:
                    if plateau:
                        sched.step(sum(window) / len(window))
                        window = []
                    else:
                        sched.step()
        except Exception:
            return xs, ys, losses, lrs, "failed"
        if not record():
            return xs, ys, losses, lrs, "diverged"
    return xs, ys, losses, lrs, "completed"


def optimizer_ids() -> list[str]:
    return [i for i, entry in catalog().optimizers.items() if entry.source == "torch"]


def engine_runs(surface: str, runs: list[dict], steps: int) -> list[dict]:
    spec = ExperimentSpec.model_validate({"surface": {"id": surface}, "steps": steps, "runs": runs})
    return run_experiment(spec)["runs"]


def assert_same(run: dict, reference: tuple) -> None:
    x, y, loss, lr, status = reference
    assert run["status"] == status, run.get("error")
    assert (run["x"], run["y"], run["loss"], run["lr"]) == (x, y, loss, lr)


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
        assert_same(run, reference_run(surface, STARTS[surface], oid, params, steps))


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
        reference = reference_run("rosenbrock", [-1.5, 2.0], oid, {"lr": LR.get(oid, 1e-3)}, steps, scheduler, noise)
        assert_same(run, reference)


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
    reference = reference_run("rosenbrock", [-1.5, 2.0], "SGD", {"lr": 0.1}, 100)
    assert_same(run, reference)


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
