"""The mechanics lessons (design.md §11) cite numbers: each one, as printed, is what the engine computes for the
lesson's own experiment, or what the formula the text states gives. A lesson whose runs change must change
its text."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import torch

from app.engine.runs import run_experiment
from app.engine.spec import ExperimentSpec
from app.engine.surfaces import resolve_surface
from tests.reference import REFERENCE_SURFACES

LESSONS = json.loads((Path(__file__).parents[2] / "static" / "lessons.json").read_text(encoding="utf-8"))["lessons"]


def lesson(lesson_id: str) -> dict[str, Any]:
    return next(entry for entry in LESSONS if entry["id"] == lesson_id)


def lesson_runs(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The lesson's runs, as the page runs them (its statuses are the ones it expects)."""
    runs = run_experiment(ExperimentSpec.model_validate(entry["experiment"]))["runs"]
    assert [run["status"] for run in runs] == entry["expect"]
    return runs


def cites(entry: dict[str, Any], value: float, digits: int) -> None:
    """The lesson's text or its look-for line prints `value` rounded to `digits` decimals."""
    printed = f"{value:.{digits}f}"
    assert printed in entry["text"] + entry["look_for"], f"{entry['id']} should cite {printed}"


def step_length(run: dict[str, Any], k: int) -> float:
    return math.dist((run["x"][k], run["y"][k]), (run["x"][k + 1], run["y"][k + 1]))


def gradient_norm(x: float, y: float) -> float:
    """|∇f| of Rosenbrock at (x, y), by autograd on the formula of tests/reference.py."""
    point = torch.tensor([x, y], dtype=torch.float64, requires_grad=True)
    REFERENCE_SURFACES["rosenbrock"](point[0], point[1]).backward()
    assert point.grad is not None
    return point.grad.norm().item()


def test_the_ravine_lesson_cites_the_theory_and_the_runs() -> None:
    entry = lesson("best-momentum-ravine")
    theory = resolve_surface("quadratic", entry["experiment"]["surface"]["params"]).theory
    assert theory is not None
    plain, best, heavy, rounded = lesson_runs(entry)
    gradient_descent, heavy_ball = theory["gradient_descent"], theory["heavy_ball"]

    cites(entry, gradient_descent["best_lr"], 6)
    assert plain["lr"][0] == round(gradient_descent["best_lr"], 6)
    cites(entry, gradient_descent["best_rate"], 4)
    cites(entry, heavy_ball["best_lr"], 8)
    cites(entry, heavy_ball["best_momentum"], 8)
    assert (best["lr"][0], best["momentum"][0]) == (
        round(heavy_ball["best_lr"], 8),
        round(heavy_ball["best_momentum"], 8),
    )
    cites(entry, heavy_ball["best_rate"], 4)
    assert heavy_ball["best_rate"] == pytest.approx(9 / 11)
    assert heavy_ball["stability_boundary"]["lr"] == [2 / 100, 4 / 100]  # (2 + 2β)/100 at β = 0 and 1
    cites(entry, heavy["summary"]["theory_rate"], 4)
    assert heavy["summary"]["theory_rate"] == pytest.approx(math.sqrt(0.9))
    cites(entry, rounded["summary"]["theory_rate"], 4)

    # "for plain SGD and at (α*, β*) they agree within 1 %"
    for run in (plain, best):
        assert run["summary"]["measured_rate"] == pytest.approx(run["summary"]["theory_rate"], rel=0.01)
    assert best["summary"]["measured_rate"] == pytest.approx(heavy_ball["best_rate"], rel=0.01)
    # "β* reaches the tolerance at step 72, momentum 0.9 at step 136, plain SGD not at all"
    assert [run["summary"]["steps_to_tolerance"] for run in (best, heavy, plain)] == [72, 136, None]
    assert "step 72" in entry["look_for"] and "step 136" in entry["look_for"]


def test_the_clipping_lesson_cites_the_runs() -> None:
    entry = lesson("clipping-gallery-rosenbrock")
    adam_clipped, sgd_clipped, adam, sgd = lesson_runs(entry)
    steps = entry["experiment"]["steps"]

    start_norm = gradient_norm(-2.0, 2.0)
    assert f"norm is {start_norm:.0f}" in entry["text"]
    sgd_lr = sgd["lr"][0]
    assert step_length(sgd, 0) == pytest.approx(sgd_lr * start_norm)
    cites(entry, step_length(sgd, 0), 1)
    assert sgd["diverged_at"] == 2 and "diverges at step 2" in entry["text"]
    assert step_length(sgd_clipped, 0) == pytest.approx(sgd_lr)  # lr × the clipped norm, 1
    cites(entry, step_length(sgd_clipped, 0), 4)
    # Adam's first step is lr per coordinate, clipped or not: lr·√2.
    assert step_length(adam, 0) == pytest.approx(step_length(adam_clipped, 0))
    assert step_length(adam, 0) == pytest.approx(adam["lr"][0] * math.sqrt(2))
    cites(entry, step_length(adam, 0), 3)

    def clipped_steps(run: dict[str, Any]) -> int:
        return sum(gradient_norm(x, y) > 1 for x, y in zip(run["x"][:steps], run["y"][:steps], strict=True))

    assert clipped_steps(adam_clipped) == 494 and "494 of clipped Adam's 500" in entry["text"]

    cites(entry, sgd_clipped["summary"]["final_loss"], 2)
    cites(entry, adam_clipped["summary"]["final_loss"], 2)
    cites(entry, adam["summary"]["final_loss"], 4)
