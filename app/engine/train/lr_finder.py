"""The LR range test (design.md §10; Smith, "Cyclical Learning Rates", 2017; fastai's `lr_find`).

From θ0, step k sets every param group's lr to start_lr·(end_lr/start_lr)^(k/(num_steps−1)) and takes
one minibatch step (epochs of the seeded minibatch order cycle as needed). The loss is smoothed by the
debiased exponential average with β = 0.98. The test ends at the first step whose smoothed loss exceeds
4× the best before it (recorded), or at a non-finite loss (not recorded). Suggestions, as fastai's:
`steepest`, the lr where the smoothed loss falls fastest per unit of log lr (forward differences), and
`minimum_over_10`, a tenth of the lr at the smoothed minimum.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch

from app.engine.errors import SpecError, located
from app.engine.runs import DEFAULT_LIMITS, Done, EvaluationBudget, Limits
from app.engine.train.loop import (
    UNBOUNDED_EVALUATIONS,
    Document,
    LiveTrainingRun,
    PreparedTask,
    PreparedTrainingRun,
    check_work,
    prepare_task,
    prepare_training_run,
)
from app.engine.train.spec import LRFinderSpec

BETA = 0.98
STOP_FACTOR = 4.0


@dataclass(frozen=True)
class PreparedLRFinder:
    task: PreparedTask
    run: PreparedTrainingRun
    start_lr: float
    end_lr: float
    num_steps: int
    max_seconds: float = DEFAULT_LIMITS.max_seconds

    def lr_at(self, k: int) -> float:
        return self.start_lr * (self.end_lr / self.start_lr) ** (k / (self.num_steps - 1))


def prepare_lr_finder(spec: LRFinderSpec, limits: Limits = DEFAULT_LIMITS) -> PreparedLRFinder:
    """Validate a range test; SpecError names the field."""
    if spec.end_lr <= spec.start_lr:
        raise SpecError(("end_lr",), "must be larger than start_lr")
    if spec.run.scheduler is not None:
        raise SpecError(("run", "scheduler"), "the LR finder sets the learning rate itself: leave the scheduler out")
    task = prepare_task(spec, limits)
    epochs = math.ceil(spec.num_steps / task.steps_per_epoch)  # the epochs the steps run through
    check_work(1, epochs, task, limits, ("num_steps",))
    with located("run"):
        run = prepare_training_run(spec.run, 0, task, epochs, limits)
    return PreparedLRFinder(task, run, spec.start_lr, spec.end_lr, spec.num_steps, limits.max_seconds)


def _minibatches(finder: PreparedLRFinder) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """design.md §10's minibatches, epoch after epoch, for as long as the test asks."""
    data = finder.task.dataset
    generator = torch.Generator().manual_seed(finder.task.shuffle_seed)
    while True:
        for batch in torch.randperm(data.n_train, generator=generator).split(finder.task.batch_size):
            yield data.x_train[batch], data.y_train[batch]


def suggestions(lrs: list[float], smoothed: list[float]) -> dict[str, float | None]:
    """fastai's two suggestions from the smoothed curve (None where the curve is too short)."""
    steepest = None
    if len(lrs) >= 2:
        slopes = [
            (smoothed[i + 1] - smoothed[i]) / (math.log(lrs[i + 1]) - math.log(lrs[i])) for i in range(len(lrs) - 1)
        ]
        steepest = lrs[min(range(len(slopes)), key=slopes.__getitem__)]
    lowest = min(range(len(lrs)), key=smoothed.__getitem__) if lrs else None
    return {"steepest": steepest, "minimum_over_10": lrs[lowest] / 10 if lowest is not None else None}


def range_test(finder: PreparedLRFinder) -> dict[str, Any]:
    """Run the test; the whole result (design.md §10 "LR finder")."""
    torch.set_num_threads(1)
    budget = EvaluationBudget(UNBOUNDED_EVALUATIONS, finder.max_seconds, "LR finder")
    run = LiveTrainingRun(finder.run, finder.task, budget)
    lrs: list[float] = []
    losses: list[float] = []
    smoothed: list[float] = []
    average, best = 0.0, math.inf
    error = None
    for k, (x, y) in zip(range(finder.num_steps), _minibatches(finder), strict=False):
        lr = finder.lr_at(k)
        for group in run.optimizer.param_groups:
            group["lr"] = lr
        try:
            loss = run.take_step(x, y).item()
        except Exception as err:  # a step that raises ends the test; what came before stands
            error = f"{type(err).__name__}: {err}"
            break
        if not math.isfinite(loss):
            break
        average = BETA * average + (1 - BETA) * loss
        value = average / (1 - BETA ** (k + 1))
        lrs.append(lr), losses.append(loss), smoothed.append(value)
        if value > STOP_FACTOR * best:
            break
        best = min(best, value)
    return {"lr": lrs, "loss": losses, "smoothed": smoothed, "suggestion": suggestions(lrs, smoothed), "error": error}


def iterate_lr_finder(finder: PreparedLRFinder) -> Iterator[Document | Done]:
    """The test as events (an `lr_finder` header before any computation, the `result`), like every computation."""
    yield Document(
        "lr_finder", {"task": finder.task.describe(), "label": finder.run.label, "num_steps": finder.num_steps}
    )
    yield Document("result", range_test(finder))
    yield Done()


def collect_lr_finder(events: Iterator[Any]) -> dict[str, Any]:
    """The whole result: the header's task and the result's curves and suggestions."""
    result: dict[str, Any] = {}
    for event in events:
        if isinstance(event, Document):
            result |= {"task": event.body["task"]} if event.event == "lr_finder" else event.body
    return result


def run_lr_finder(spec: LRFinderSpec, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    return collect_lr_finder(iterate_lr_finder(prepare_lr_finder(spec, limits)))
