"""Theory beside measurement on the quadratic (design.md §11; Goh, "Why Momentum Really Works", Distill 2017)."""

from __future__ import annotations

import pytest

from app.engine.runs import run_experiment
from app.engine.spec import ExperimentSpec
from app.engine.surfaces import resolve_surface
from app.engine.theory import heavy_ball_rate, measured_rate

RAVINE = {"id": "quadratic", "params": {"a": 1, "b": 100}}


def experiment(surface: dict, steps: int, *runs: dict) -> dict:
    return run_experiment(ExperimentSpec.model_validate({"surface": surface, "steps": steps, "runs": list(runs)}))


def test_the_ravines_optimum_is_where_goh_puts_it() -> None:
    theory = resolve_surface("quadratic", {"a": 1, "b": 100, "angle": 30}).theory  # the angle changes nothing
    assert theory is not None
    heavy_ball = theory["heavy_ball"]
    assert round(heavy_ball["best_lr"], 4) == 0.0331 and round(heavy_ball["best_momentum"], 3) == 0.669
    assert heavy_ball["best_rate"] == pytest.approx(9 / 11)  # √β* = (√κ − 1)/(√κ + 1), κ = 100
    assert heavy_ball["stability_boundary"] == {"momentum": [0.0, 1.0], "lr": [0.02, 0.04]}
    assert theory["gradient_descent"] == {"max_lr": 0.02, "best_lr": 2 / 101, "best_rate": 99 / 101}


@pytest.mark.parametrize("params", [{"a": 0}, {"a": -1, "b": 4}, {"b": -2}], ids=str)
def test_no_theory_without_a_bowl(params: dict) -> None:
    assert resolve_surface("quadratic", params).theory is None
    assert resolve_surface("rosenbrock").theory is None


def test_sgd_at_the_optimum_measures_the_predicted_rate_within_one_percent() -> None:
    """At α*, β* both curvatures are critically damped: the error along each is (c₀ + c₁k)·√β*^k, not a
    pure geometric sequence. Over the last half of n records the measured rate is √β*·((c₀ + c₁n)/(c₀ +
    c₁n/2))^(2/n) ≤ √β*·2^(2/n): with n = 400 that is within 0.35 %, so 1 % holds with room to spare,
    from any start with both components non-zero (here the surface's default start, (-2.5, 2))."""
    theory = resolve_surface("quadratic", RAVINE["params"]).theory
    assert theory is not None
    best = theory["heavy_ball"]
    sgd = {"optimizer": {"id": "SGD", "params": {"lr": best["best_lr"], "momentum": best["best_momentum"]}}}
    [run] = experiment(RAVINE, 400, sgd)["runs"]
    assert run["status"] == "completed"
    assert run["summary"]["measured_rate"] == pytest.approx(best["best_rate"], rel=0.01)
    assert run["summary"]["theory_rate"] == pytest.approx(best["best_rate"], rel=1e-6)


@pytest.mark.parametrize(("lr", "momentum"), [(0.019, 0.0), (0.01, 0.0), (0.025, 0.5), (0.03, 0.9), (0.005, 0.3)])
def test_measured_rate_follows_the_theory_rate_for_plain_sgd(lr: float, momentum: float) -> None:
    """Away from critical damping the slowest direction dominates and the two agree closely."""
    sgd = {"optimizer": {"id": "SGD", "params": {"lr": lr, "momentum": momentum}}}
    [run] = experiment(RAVINE, 600, sgd)["runs"]
    summary = run["summary"]
    assert summary["theory_rate"] == heavy_ball_rate([1.0, 100.0], lr, momentum)
    assert summary["measured_rate"] == pytest.approx(summary["theory_rate"], rel=0.01)


def test_beyond_the_stability_boundary_theory_predicts_growth_and_the_run_diverges() -> None:
    lr = 0.04 * 1.02  # momentum 0.9: the boundary is (2 + 1.8)/100 = 0.038
    sgd = {"optimizer": {"id": "SGD", "params": {"lr": lr, "momentum": 0.9}}}
    [run] = experiment(RAVINE, 600, sgd)["runs"]
    assert heavy_ball_rate([1.0, 100.0], lr, 0.9) > 1
    assert run["status"] == "diverged" and run["summary"]["theory_rate"] > 1


@pytest.mark.parametrize(
    "run",
    [{"optimizer": {"id": "Adam"}},
     {"optimizer": {"id": "SGD", "params": {"lr": 0.01, "nesterov": True, "momentum": 0.5}}},
     {"optimizer": {"id": "SGD", "params": {"lr": 0.01}}, "scheduler": {"id": "StepLR"}},
     {"optimizer": {"id": "SGD", "params": {"lr": 0.01}}, "noise": {"std": 0.1, "seed": 0}},
     {"optimizer": {"id": "SGD", "params": {"lr": 0.01}}, "clip": {"norm": 1.0}}],
    ids=["adam", "nesterov", "scheduled", "noisy", "clipped"],
)  # fmt: skip
def test_theory_rate_is_only_for_the_plain_heavy_ball(run: dict) -> None:
    [result] = experiment(RAVINE, 20, run)["runs"]
    assert result["summary"]["theory_rate"] is None
    assert result["summary"]["measured_rate"] is not None  # measured on every run with a known minimum


def test_measured_rate_is_the_geometric_mean_contraction_over_the_last_half() -> None:
    # distances 8, 4, 2, 1, 0.5 to the origin: records 2..4 halve it each step.
    x = [8.0, 4.0, 2.0, 1.0, 0.5]
    assert measured_rate(x, [0.0] * 5, (0.0, 0.0)) == 0.5
    assert measured_rate([3.0, 2.0, 2.0], [0.0] * 3, (0.0, 0.0)) == 1.0  # stalled from record 1
    assert measured_rate([1.0], [0.0], (0.0, 0.0)) is None  # one record: no step to measure
    assert measured_rate([1.0, 0.0, 0.0], [0.0] * 3, (0.0, 0.0)) is None  # already there at mid-run
    assert measured_rate([9.0, 1.0, 1 / 9], [0.0] * 3, (0.0, 0.0)) == 1 / 9


def test_results_with_theory_match_the_documented_response_schemas() -> None:
    """What /docs promises: the surface's `theory` and the summary's rates, in experiments and grid2 maps."""
    from app.api.schemas import ExperimentResult, SweepResult
    from app.engine.spec import SweepSpec
    from app.engine.sweeps import run_sweep

    result = experiment(RAVINE, 30, {"optimizer": {"id": "SGD", "params": {"lr": 0.02, "momentum": 0.5}}})
    assert ExperimentResult.model_validate(result).surface.theory is not None
    grid2 = {
        "kind": "grid2",
        "x": {"name": "lr", "values": [0.01, 0.03]},
        "y": {"name": "momentum", "values": [0, 0.6]},
    }
    body = {"surface": RAVINE, "steps": 30, "run": {"optimizer": {"id": "SGD"}}, "vary": grid2}
    sweep = SweepResult.model_validate(run_sweep(SweepSpec.model_validate(body))).root
    assert sweep.surface.theory is not None and sweep.surface.theory.heavy_ball.best_momentum == pytest.approx(
        0.669, abs=1e-3
    )
