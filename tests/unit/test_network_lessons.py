"""The "Training a network" lessons against their own trainings (issue 18 item 9, design.md §10/§11).

Each network lesson in static/lessons.json carries a training request document; this file trains it
with the engine and checks every number its text and its look-for line print. The guard: every number
in the words must be one a test here checked (`Claims.done`), so a lesson whose text changes without
its test fails, as does a lesson without a test.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import statistics
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest

from app.engine.train import LRFinderSpec, TrainingSpec, prepare_training, run_lr_finder, run_training
from tests.conftest import ROOT

LESSONS = {
    lesson["id"]: lesson
    for lesson in json.loads((ROOT / "static" / "lessons.json").read_text())["lessons"]
    if lesson.get("mode") == "network"
}
NUMBER = re.compile(r"\d+(?:\.\d+)?")
# A lesson's training result by lesson id, in POST /api/trainings' shape: the engine's here, the page's
# drawn numbers in tests/e2e/test_network_lessons.py (the same checks, on what the reader sees).
ResultOf = Callable[[str], dict[str, Any]]


@cache
def trained(lesson_id: str) -> dict[str, Any]:
    """The lesson's training, as the page asks the server for it; its runs end as the lesson expects."""
    result = run_training(TrainingSpec.model_validate(LESSONS[lesson_id]["training"]))
    assert [run["status"] for run in result["runs"]] == LESSONS[lesson_id]["expect"], lesson_id
    return result


@cache
def lr_finder_of(lesson_id: str) -> dict[str, Any]:
    """The lesson's LR range test: its training's task and minibatches, the run it names."""
    lesson = LESSONS[lesson_id]
    training, finder = lesson["training"], dict(lesson["lr_finder"])
    run = training["runs"][finder.pop("run")]
    body = {key: training[key] for key in ("task", "batch_size", "shuffle_seed")} | finder
    return run_lr_finder(LRFinderSpec.model_validate(body | {"run": {"optimizer": run["optimizer"]}}))


class Claims:
    """The numbers a lesson's words print, each checked against a computed or requested value."""

    def __init__(self, lesson_id: str) -> None:
        lesson = LESSONS[lesson_id]
        self.words = f"{lesson['text']} {lesson['look_for']}"
        self.checked: set[str] = set()

    def printed(self, value: float, digits: int = 0) -> str:
        """`value` rounded to `digits` decimals must appear in the words."""
        text = f"{value:.{digits}f}"
        assert re.search(rf"(?<![\d.]){re.escape(text)}(?!\d|\.\d)", self.words), f"the lesson should say {text}"
        self.checked.add(text)
        return text

    def done(self) -> None:
        """Every number in the words has been checked: a changed text needs a changed test."""
        unchecked = set(NUMBER.findall(self.words)) - self.checked
        assert not unchecked, f"numbers the test does not check: {sorted(unchecked)}"


def rises(values: list[float], first: int, last: int) -> list[int]:
    """The epochs in first..last whose value is above the epoch before's."""
    return [epoch for epoch in range(first, last + 1) if values[epoch] > values[epoch - 1]]


def step_change_std(run: dict[str, Any]) -> float:
    """The standard deviation of the step-to-step changes of the per-step (minibatch) loss."""
    return statistics.pstdev(b - a for a, b in itertools.pairwise(run["steps"]["loss"]))


def constant_lr(claims: Claims, run: dict[str, Any]) -> float:
    """The run's constant lr, which the words print."""
    lr = run["epochs"]["lr"][0]
    assert set(run["epochs"]["lr"]) == {lr}
    claims.printed(lr, 1)
    return lr


def test_every_network_lesson_is_checked_here_and_valid() -> None:
    assert set(LESSONS) == set(CHECKS)
    assert len(LESSONS) >= 5
    for lesson in LESSONS.values():
        assert lesson["group"] == "Training a network"
        prepare_training(TrainingSpec.model_validate(lesson["training"]))  # within the default limits


def check_net_steplr(claims: Claims, result_of: ResultOf) -> None:
    plain, step = result_of("net-steplr")["runs"]
    scheduler = LESSONS["net-steplr"]["training"]["runs"][1]["scheduler"]
    assert scheduler["params"] == {"step_size": 10, "gamma": 0.1} and scheduler["interval"] == "epoch"
    claims.printed(10), claims.printed(0.1, 1), claims.printed(0.01, 2)
    lrs = step["epochs"]["lr"]
    assert lrs[:10] == [0.1] * 10 and lrs[10] == pytest.approx(0.01) and lrs[19] == pytest.approx(0.01)
    assert step["steps"]["lr"][-1] == pytest.approx(0.01)
    # One run for 10 epochs: the same weights, the same minibatches, the same lr.
    assert step["steps"]["loss"][:100] == plain["steps"]["loss"][:100]
    assert step["epochs"]["train_loss"][:11] == plain["epochs"]["train_loss"][:11]
    # "after epoch 12 the train loss falls every epoch, while the run without a scheduler still jumps up 4 times"
    assert rises(step["epochs"]["train_loss"], 11, 20) == [int(claims.printed(12))]
    assert len(rises(plain["epochs"]["train_loss"], 11, 20)) == int(claims.printed(4))
    claims.printed(step["summary"]["final_val_loss"], 3), claims.printed(plain["summary"]["final_val_loss"], 3)
    assert abs(step["summary"]["final_val_loss"] - plain["summary"]["final_val_loss"]) < 0.01  # "level"


def plateau_rule(val_losses: list[float], patience: int, threshold: float = 1e-4) -> tuple[list[int], list[int]]:
    """ReduceLROnPlateau (mode min, relative threshold) from its rule: the epochs after which it cuts the lr,
    and its `num_bad_epochs` after each epoch (index = epoch; 0 at epoch 0, before it is stepped)."""
    best, bad, cuts, counts = float("inf"), 0, [], [0]
    for epoch, value in enumerate(val_losses[1:], start=1):
        if value < best * (1 - threshold):
            best, bad = value, 0
        else:
            bad += 1
        if bad > patience:
            cuts.append(epoch)
            bad = 0
        counts.append(bad)
    return cuts, counts


def check_net_plateau(claims: Claims, result_of: ResultOf) -> None:
    plain, plateau = result_of("net-plateau")["runs"]
    scheduler = LESSONS["net-plateau"]["training"]["runs"][1]["scheduler"]
    assert scheduler["params"] == {"patience": 3, "factor": 0.5}
    claims.printed(3), claims.printed(0.5, 1)
    val = plateau["epochs"]["val_loss"]
    # The best at epoch 13; epochs 14 to 17 do not beat it; the lr halves after 17, 21, 25 and 29.
    assert plateau["summary"]["best_epoch"] == int(claims.printed(13))
    claims.printed(plateau["summary"]["best_val_loss"], 3), claims.printed(14), claims.printed(17)
    assert all(value >= val[13] for value in val[14:])  # "never gets below 0.102 again"
    cuts, bad_epochs = plateau_rule(val, patience=3)
    assert cuts == [int(claims.printed(epoch)) for epoch in (17, 21, 25, 29)]
    # What the inspector shows (tests/e2e/test_network_plateau.py: the page's counters are the API's).
    assert bad_epochs[int(claims.printed(16))] == int(claims.printed(3))
    assert bad_epochs[17] == int(claims.printed(0))
    assert all(b - a == int(claims.printed(4)) for a, b in itertools.pairwise(cuts))  # every 4 epochs
    lrs = plateau["epochs"]["lr"]
    assert [epoch for epoch in range(1, len(lrs)) if lrs[epoch] < lrs[epoch - 1]] == cuts
    claims.printed(lrs[0], 2), claims.printed(lrs[17], 3), claims.printed(lrs[-1], 6)
    assert lrs[-1] == 0.05 / 2**4
    # The scheduled run's train loss ends lower; the constant run finds the lowest validation loss.
    claims.printed(plateau["epochs"]["train_loss"][-1], 3), claims.printed(plain["epochs"]["train_loss"][-1], 3)
    assert plateau["epochs"]["train_loss"][-1] < plain["epochs"]["train_loss"][-1]
    claims.printed(plain["summary"]["best_val_loss"], 3)
    assert plain["summary"]["best_epoch"] == int(claims.printed(29))
    assert plain["summary"]["best_val_loss"] < plateau["summary"]["best_val_loss"]


def check_net_warmup_cosine(claims: Claims, result_of: ResultOf) -> None:
    constant, scheduled = result_of("net-warmup-cosine")["runs"]
    params = LESSONS["net-warmup-cosine"]["training"]["runs"][1]["scheduler"]["params"]
    linear, cosine = params["schedulers"]
    assert linear["params"] == {"start_factor": 0.1, "total_iters": 5} and params["milestones"] == [5]
    assert cosine["params"] == {"T_max": 25}
    claims.printed(10), claims.printed(100), claims.printed(5), claims.printed(25), claims.printed(30)
    lrs = scheduled["epochs"]["lr"]
    assert lrs[0] == pytest.approx(0.1 * constant_lr(claims, constant))  # 10 % of 0.5 ...
    # ... 100 % at 5, then half a cosine that reaches 0 at epoch 30 (the lr of each epoch the page draws)
    assert lrs[5:] == pytest.approx([0.25 * (1 + math.cos(math.pi * (epoch - 5) / 25)) for epoch in range(5, len(lrs))])
    assert all(b < a for a, b in itertools.pairwise(lrs[6:]))  # then down along the cosine
    optimizer = LESSONS["net-warmup-cosine"]["training"]["runs"][0]["optimizer"]
    assert optimizer == {"id": "SGD", "params": {"lr": 0.5, "momentum": float(claims.printed(0.9, 1))}}
    claims.printed(0)
    # The last 5 epochs: the constant run's train loss between 0.126 and 0.263; the scheduled one's within 0.002.
    last_constant = constant["epochs"]["train_loss"][26:]
    claims.printed(min(last_constant), 3), claims.printed(max(last_constant), 3)
    assert len(rises(constant["epochs"]["train_loss"], 26, 30)) >= 2  # up and down
    last_scheduled = scheduled["epochs"]["train_loss"][26:]
    assert max(last_scheduled) - min(last_scheduled) < float(claims.printed(0.002, 3))
    claims.printed(last_scheduled[-1], 3)
    # At the peak lr both runs jump (a rise of more than 0.1 in an epoch); the constant run ends low by luck.
    for run in (constant, scheduled):
        train = run["epochs"]["train_loss"]
        assert max(b - a for a, b in itertools.pairwise(train[:16])) > 0.1
    claims.printed(constant["summary"]["final_val_loss"], 3)
    assert constant["summary"]["final_val_loss"] < scheduled["summary"]["final_val_loss"]
    assert max(constant["epochs"]["val_loss"][26:]) > 3 * constant["summary"]["final_val_loss"]  # it jumps as much


def check_net_adam_vs_sgd(claims: Claims, result_of: ResultOf) -> None:
    result = result_of("net-adam-vs-sgd")
    adam, sgd = result["runs"]
    task = result["task"]
    data = LESSONS["net-adam-vs-sgd"]["training"]["task"]["data"]
    assert data["id"] == "gaussians" and data["params"]["n"] == int(claims.printed(100))
    assert task["n_train"] == int(claims.printed(75)) and task["parameters"] == int(claims.printed(4482))
    claims.printed(adam["epochs"]["lr"][0], 2), claims.printed(sgd["epochs"]["lr"][0], 2), claims.printed(0.9, 1)
    adam_train, sgd_train = adam["epochs"]["train_loss"], sgd["epochs"]["train_loss"]
    assert all(a < s for a, s in zip(adam_train[1:], sgd_train[1:], strict=True))  # below at every epoch
    assert len(adam_train) - 1 == int(claims.printed(40))
    claims.printed(adam_train[-1], 3), claims.printed(sgd_train[-1], 3)
    # Adam's validation loss: lowest at epoch 13, then up to 0.207 while its train loss keeps falling.
    assert adam["summary"]["best_epoch"] == int(claims.printed(13))
    claims.printed(adam["summary"]["best_val_loss"], 3), claims.printed(adam["summary"]["final_val_loss"], 3)
    assert (
        adam_train[-1] < adam_train[13] / 2 and adam["summary"]["final_val_loss"] > 2 * adam["summary"]["best_val_loss"]
    )
    for run in (adam, sgd):
        claims.printed(run["summary"]["final_val_loss"] - run["epochs"]["train_loss"][-1], 3)


def check_net_batch_8(claims: Claims, result_of: ResultOf) -> None:
    result = result_of("net-batch-8")
    (run,) = result["runs"]
    assert LESSONS["net-batch-8"]["training"]["batch_size"] == int(claims.printed(8))
    claims.printed(run["epochs"]["lr"][0], 1)
    assert result["task"]["n_train"] == int(claims.printed(300))
    assert result["task"]["steps_per_epoch"] == int(claims.printed(38))
    assert len(run["steps"]["loss"]) == int(claims.printed(760)) == 38 * int(claims.printed(20))
    claims.printed(step_change_std(run), 2)
    assert len(rises(run["epochs"]["train_loss"], 1, 20)) >= 2  # "rises now and then"
    claims.printed(run["summary"]["final_val_loss"], 3)


def check_net_full_batch(claims: Claims, result_of: ResultOf) -> None:
    result = result_of("net-full-batch")
    (run,), (small,) = result["runs"], result_of("net-batch-8")["runs"]
    assert LESSONS["net-full-batch"]["training"]["batch_size"] == result["task"]["n_train"] == int(claims.printed(300))
    claims.printed(run["epochs"]["lr"][0], 1), claims.printed(8)
    assert result["task"]["steps_per_epoch"] == 1 and len(run["steps"]["loss"]) == int(claims.printed(20))
    assert rises(run["epochs"]["train_loss"], 1, 20) == []  # falls every epoch
    full_std, small_std = step_change_std(run), step_change_std(small)
    claims.printed(full_std, 4)
    assert round(small_std / full_std) == int(claims.printed(166))
    claims.printed(run["summary"]["final_val_loss"], 3), claims.printed(small["summary"]["final_val_loss"], 3)
    assert len(small["steps"]["loss"]) == int(claims.printed(760))


def check_net_lr_finder_onecycle(claims: Claims, result_of: ResultOf) -> None:
    lesson = LESSONS["net-lr-finder-onecycle"]
    finder = lr_finder_of("net-lr-finder-onecycle")
    settings = lesson["lr_finder"]
    assert len(finder["lr"]) == int(claims.printed(settings["num_steps"])) and finder["error"] is None
    claims.printed(settings["start_lr"], 5), claims.printed(settings["end_lr"])
    lowest = min(range(len(finder["smoothed"])), key=finder["smoothed"].__getitem__)
    claims.printed(finder["lr"][lowest], 3)
    assert finder["smoothed"][-1] > finder["smoothed"][lowest]  # rises after it
    suggestion = finder["suggestion"]
    assert suggestion["minimum_over_10"] == finder["lr"][lowest] / 10
    max_lr = float(claims.printed(suggestion["minimum_over_10"], 4))
    claims.printed(suggestion["steepest"], 7)
    default, constant, one_cycle = result_of("net-lr-finder-onecycle")["runs"]
    assert lesson["training"]["runs"][2]["scheduler"]["params"] == {"max_lr": max_lr}
    assert constant["epochs"]["lr"][0] == max_lr
    # OneCycleLR: from max_lr/25 up to max_lr in the first 30 % of the steps, then down to almost 0.
    step_lrs = one_cycle["steps"]["lr"]
    # Its lr starts at max_lr/25: the lr after the first step (what the page's lr plot draws first) is just above.
    assert max_lr / int(claims.printed(25)) < one_cycle["steps"]["lr"][0] < 1.05 * max_lr / 25
    peak = max(range(len(step_lrs)), key=step_lrs.__getitem__)
    assert peak + 1 == pytest.approx(int(claims.printed(30)) / 100 * len(step_lrs), abs=1)
    assert step_lrs[peak] == pytest.approx(max_lr) and step_lrs[-1] < max_lr / 1000
    claims.printed(0)
    for run in (one_cycle, default, constant):
        claims.printed(run["summary"]["final_val_loss"], 3)
    assert (
        one_cycle["summary"]["final_val_loss"]
        < constant["summary"]["final_val_loss"]
        < default["summary"]["final_val_loss"]
    )
    claims.printed(default["epochs"]["lr"][0], 3)
    assert len(one_cycle["epochs"]["train_loss"]) - 1 == int(claims.printed(20))


CHECKS: dict[str, Callable[[Claims, ResultOf], None]] = {
    lesson_id: globals()[f"check_{lesson_id.replace('-', '_')}"] for lesson_id in LESSONS
}


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_lesson(lesson_id: str) -> None:
    """The lesson's words against its training, every number they print checked."""
    claims = Claims(lesson_id)
    CHECKS[lesson_id](claims, trained)
    claims.done()
