"""Every lesson's text against its own experiment (issue 20 item 3, design.md §11): each number a lesson
cites — steps, lr values, factors, who reaches the tolerance when, which run diverges — is checked
against the engine's result for the lesson's experiment as static/lessons.json writes it."""

from __future__ import annotations

import itertools
import json
import math
import statistics
from functools import cache
from typing import Any

import pytest
import torch

from app.engine.runs import run_experiment
from app.engine.spec import ExperimentSpec
from app.engine.surfaces import resolve_surface
from tests.conftest import ROOT
from tests.reference import REFERENCE_SURFACES

# The surfaces lessons; the network ones ("mode": "network") are checked in test_network_lessons.py.
LESSONS = {
    lesson["id"]: lesson
    for lesson in json.loads((ROOT / "static" / "lessons.json").read_text())["lessons"]
    if lesson.get("mode", "surfaces") == "surfaces"
}


@cache
def runs_of(lesson_id: str) -> list[dict[str, Any]]:
    return run_experiment(ExperimentSpec.model_validate(LESSONS[lesson_id]["experiment"]))["runs"]


def first(predicate, values) -> int | None:
    """The first index whose value satisfies `predicate`, or None."""
    return next((k for k, value in enumerate(values) if predicate(value)), None)


def sign_changes(values: list[float]) -> int:
    return sum(1 for a, b in itertools.pairwise(values) if (a > 0) != (b > 0))


def with_lr(lesson_id: str, run: int, lr: float) -> dict[str, Any]:
    """The lesson's experiment with one run alone at another lr (for "at 0.0022 it diverges")."""
    experiment = json.loads(json.dumps(LESSONS[lesson_id]["experiment"]))
    experiment["runs"] = [experiment["runs"][run]]
    experiment["runs"][0]["optimizer"]["params"]["lr"] = lr
    return run_experiment(ExperimentSpec.model_validate(experiment))["runs"][0]


def test_every_lesson_is_checked_here_and_ends_as_it_expects() -> None:
    checked = {
        name.removeprefix("test_lesson_").replace("_", "-") for name in globals() if name.startswith("test_lesson_")
    }
    assert checked == set(LESSONS)
    for lesson_id, lesson in LESSONS.items():
        assert [run["status"] for run in runs_of(lesson_id)] == lesson["expect"], lesson_id


def test_lesson_optimizer_vs_scheduler() -> None:
    plain, step, exponential, plateau = runs_of("optimizer-vs-scheduler")
    assert plain["lr"][0] == 0.3 and set(plain["lr"]) == {0.3}
    # Each path is the plain run's until its scheduler first changes the lr (the step after).
    for run in (step, exponential, plateau):
        changed = first(lambda lr: lr != 0.3, run["lr"])
        path, plain_path = list(zip(run["x"], run["y"], strict=True)), list(zip(plain["x"], plain["y"], strict=True))
        assert path[: changed + 1] == plain_path[: changed + 1] and path[changed + 1] != plain_path[changed + 1]
    assert first(lambda lr: lr < 0.3, step["lr"]) == 50 and step["lr"][50] == 0.15  # ×0.5 every 50 steps
    assert exponential["lr"][1] == pytest.approx(0.3 * 0.96)
    assert first(lambda lr: lr < 0.3, plateau["lr"]) == 15  # "cuts the lr from step 15 on"
    assert plateau["loss"][14] > min(plateau["loss"][:14])  # ... after the loss rose
    # ExponentialLR stops short of the minimum; the plain run gets there.
    assert exponential["summary"]["steps_to_tolerance"] is None and plain["summary"]["steps_to_tolerance"] is not None


def test_lesson_momentum_ravine() -> None:
    sgd, momentum = runs_of("momentum-ravine")
    # Above 2/50 = 0.04 SGD diverges; at 0.038 it zigzags, each zig ×(1 − 0.038·50) = −0.9.
    above = with_lr("momentum-ravine", 0, 0.041)  # factor −1.05: each zig longer than the last
    assert above["y"][1] / above["y"][0] == pytest.approx(-1.05) and abs(above["y"][-1]) > 50 * abs(above["y"][0])
    assert all(sgd["y"][k + 1] / sgd["y"][k] == pytest.approx(-0.9) for k in range(20))
    # Momentum across the ravine: a 4-step cycle (two steps each side) shrinking by √0.8 a step, no faster than SGD.
    signs = "".join("+" if y > 0 else "-" for y in momentum["y"][:16])
    assert signs == "+--++--++--++--+"
    assert 19 <= sign_changes(momentum["y"][:41]) <= 22 and sign_changes(sgd["y"][:41]) == 40  # ~4 steps, 2
    assert abs(momentum["y"][40]) >= abs(sgd["y"][40]) / 1.5
    assert abs(momentum["y"][40] / momentum["y"][0]) == pytest.approx(math.sqrt(0.8) ** 40, rel=0.5)
    # Along the floor: tolerance in under 70 steps (SGD never), overshooting and swinging back several times.
    assert momentum["summary"]["steps_to_tolerance"] < 70 and sgd["summary"]["steps_to_tolerance"] is None
    assert sign_changes(momentum["x"]) >= 3 and sign_changes(sgd["x"]) == 0


def test_lesson_adam_vs_sgd_rosenbrock() -> None:
    sgd, _, adam_small = runs_of("adam-vs-sgd-rosenbrock")
    # At 0.002 SGD's first steps fling it across the valley (x from −1.5 to the other side); 0.0022 diverges.
    assert sgd["x"][0] == -1.5 and max(sgd["x"][:5]) > 0
    assert with_lr("adam-vs-sgd-rosenbrock", 0, 0.0022)["status"] == "diverged"
    # Adam at lr 0.01: no coordinate moves much more than 0.01 a step; the whole path is about 1.2 long.
    moves = [max(abs(adam_small["x"][k + 1] - adam_small["x"][k]), abs(adam_small["y"][k + 1] - adam_small["y"][k]))
             for k in range(500)]  # fmt: skip
    assert max(moves) <= 0.0101
    length = sum(math.hypot(adam_small["x"][k + 1] - adam_small["x"][k], adam_small["y"][k + 1] - adam_small["y"][k])
                 for k in range(500))  # fmt: skip
    assert 1.1 < length < 1.3


def test_lesson_step_cosine_plateau() -> None:
    constant, step, cosine, plateau = runs_of("step-cosine-plateau")
    assert step["lr"][99:101] == [0.1, pytest.approx(0.01)] and step["lr"][200] == pytest.approx(0.001)  # ×0.1 / 100
    assert cosine["lr"][-1] == 0.0  # glides down to zero
    assert sorted(set(plateau["lr"]), reverse=True) == [0.1, 0.05, 0.025, 0.0125]  # halves, and only so
    # The constant run is no closer to the minimum at step 400 than at step 50.
    assert math.hypot(constant["x"][400], constant["y"][400]) >= math.hypot(constant["x"][50], constant["y"][50])
    # Each cut lowers the floor: the schedules end far below the constant run.
    assert max(step["loss"][-50:] + cosine["loss"][-50:]) < statistics.mean(constant["loss"][-50:])


def test_lesson_warm_up() -> None:
    plain, cosine, warm = runs_of("warm-up")
    assert plain["diverged_at"] <= 10 and cosine["diverged_at"] <= 10  # ✕ within ten steps
    assert warm["lr"][0] == pytest.approx(0.02 * 0.04) and warm["lr"][100] == pytest.approx(0.04)  # 2 % → full lr
    assert warm["summary"]["steps_to_tolerance"] == 70 and warm["lr"][70] < warm["lr"][100]  # while still rising
    assert (warm["x"][-1], warm["y"][-1]) == (pytest.approx(3), pytest.approx(2))  # the minimum (3, 2)


def test_lesson_noise_minibatches() -> None:
    clean, noise1, noise4, noise4_slow = runs_of("noise-minibatches")
    assert LESSONS["noise-minibatches"]["seed_bands"] == [2] and noise4["label"] == "noise 4, lr 0.05"
    # The noise-free run does not stretch the loss axis decades below the noisy floors (issue 20: the squashed band).
    assert min(clean["loss"]) > min(noise1["loss"] + noise4["loss"] + noise4_slow["loss"]) / 100
    # The cloud grows with the noise and the lr; the smaller lr starts slower and ends on a lower floor.
    floor = {run["label"]: statistics.mean(run["loss"][200:]) for run in (noise1, noise4, noise4_slow)}
    assert floor["noise 1, lr 0.05"] < floor["noise 4, lr 0.05"] > floor["noise 4, lr 0.01"]
    assert noise4["loss"][10] < noise4_slow["loss"][10]


def test_lesson_saddle_escape() -> None:
    ridge, offset, noisy, adam = runs_of("saddle-escape")
    left = {run["label"]: first(lambda y: abs(y) > 0.5, run["y"]) for run in (ridge, offset, noisy, adam)}
    assert left[ridge["label"]] is None and set(ridge["y"]) == {0.0}  # never leaves the ridge
    assert left[adam["label"]] <= 11
    assert all(40 <= left[run["label"]] - left[adam["label"]] <= 60 for run in (offset, noisy))
    assert offset["y"][1] / offset["y"][0] == pytest.approx(1.1)  # the offset grows 10 % a step
    assert offset["loss"][-1] == pytest.approx(-0.5) and adam["loss"][-1] == pytest.approx(-0.5)  # y = ±1


def test_lesson_lbfgs_line_search() -> None:
    lr1, lr02, wolfe = runs_of("lbfgs-line-search")
    assert wolfe["summary"]["steps_to_tolerance"] <= 3
    assert lr02["summary"]["steps_to_tolerance"] == 13
    assert lr1["summary"]["steps_to_tolerance"] is None and lr1["loss"][-1] > 10  # every later step tiny


def test_lesson_too_large_lr() -> None:
    runs = {run["label"]: run for run in runs_of("too-large-lr")}
    # Along the steep axis (curvature 10) one step multiplies y by 1 − 10·lr.
    for lr, factor in ((0.15, -0.5), (0.19, -0.9), (0.21, -1.1)):
        run = runs[f"SGD, lr {lr}"]
        assert run["y"][1] / run["y"][0] == pytest.approx(factor)
    diverged = runs["SGD, lr 0.21"]
    assert diverged["status"] == "diverged" and diverged["diverged_at"] == 138 and len(diverged["loss"]) == 138
    assert all(b > a for a, b in zip(diverged["loss"][1:], diverged["loss"][2:], strict=False))  # climbs steadily
    assert runs["SGD, lr 0.19"]["summary"]["steps_to_tolerance"] > runs["SGD, lr 0.15"]["summary"]["steps_to_tolerance"]


# The mechanics lessons (design.md §11): each number as printed is what the engine computes for the
# lesson's own experiment, or what the formula the text states gives.


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


def test_lesson_best_momentum_ravine() -> None:
    entry = LESSONS["best-momentum-ravine"]
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


def test_lesson_clipping_gallery_rosenbrock() -> None:
    entry = LESSONS["clipping-gallery-rosenbrock"]
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
