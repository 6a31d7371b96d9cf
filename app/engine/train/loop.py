"""The design.md §10 training loop: every run of a training, epoch by epoch, as stream events.

Exactness comes first: every recorded number equals what the plain loop of design.md §10 gives
(tests/reference.py holds one, written from the text). Speed comes from doing less, never from
doing it differently:

- The runs advance in lockstep, one epoch at a time. Each run would draw the same minibatch order
  from its own generator seeded with `shuffle_seed`, so the order (and the minibatch tensors) are
  made once per epoch and shared.
- `optimizer.step` is called without torch.optim's profiling wrapper (runs._unwrapped_step), and a
  plain torch optimizer's `zero_grad` is `p.grad = None` for each parameter, as torch does it.
- Step losses stay tensors until the epoch ends; weights are copied into preallocated rows.

A run that draws from torch's global generator (a random zoo optimizer) keeps its own stream of it,
as it would running alone (catalog.RngStream).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from app.engine.catalog import TORCH_RNG, RngStream, seed_global_generators
from app.engine.clipping import clip_gradients_
from app.engine.construct import ResolvedOptimizer, ResolvedScheduler, resolve_optimizer, resolve_scheduler
from app.engine.errors import SpecError, located
from app.engine.limits import DEFAULT_LIMITS, Limits
from app.engine.runs import (
    Done,
    EvaluationBudget,
    RunEnded,
    _unwrapped_step,
    default_label,
)
from app.engine.spec import ClipSpec, SchedulerSpec
from app.engine.train.boundaries import BoundaryGrid, boundary_grid
from app.engine.train.datasets import Dataset, load_dataset
from app.engine.train.inspector import Inspector, extend_records, plateau_state
from app.engine.train.landscape import Landscape, Plane, landscape_of, random_plane
from app.engine.train.model import build_mlp, flat_weights, parameter_count
from app.engine.train.spec import LandscapeSpec, ModelSpec, TrainingBase, TrainingRunSpec, TrainingSpec

# Closure evaluations are bounded by the time budget in a training; this only keeps the counter finite.
UNBOUNDED_EVALUATIONS = 2**62


# --- preparing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedTrainingRun:
    index: int
    label: str
    optimizer: ResolvedOptimizer
    scheduler: ResolvedScheduler | None
    interval: str  # when the scheduler steps: "epoch" or "step"
    clip: ClipSpec | None = None  # design.md §11: on all the model's parameters after backward()


@dataclass(frozen=True)
class PreparedTask:
    """A validated data set and model: the part every computation of model mode shares."""

    dataset: Dataset
    model: ModelSpec
    parameters: int
    batch_size: int
    shuffle_seed: int

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self.dataset.n_train / self.batch_size)

    def describe(self) -> dict[str, Any]:
        """The resolved task as the result's header shows it (design.md §10 "Whole result")."""
        data = self.dataset
        return {
            "data": {"id": data.id, "params": data.params},
            "model": self.model.model_dump(),
            "n_train": data.n_train, "n_val": data.n_val, "features": data.features, "classes": data.classes,
            "parameters": self.parameters, "steps_per_epoch": self.steps_per_epoch,
        }  # fmt: skip

    def build_model(self) -> nn.Sequential:
        return build_mlp(self.dataset.features, self.dataset.classes, self.model.hidden, self.model.activation,
                         self.model.seed)  # fmt: skip


@dataclass(frozen=True)
class PreparedTraining:
    """A validated training: everything torch or the limits would refuse has been refused already."""

    task: PreparedTask
    epochs: int
    runs: list[PreparedTrainingRun]
    landscape: LandscapeSpec | None
    max_seconds: float = DEFAULT_LIMITS.max_seconds
    boundaries: bool = True  # the pictures at every epoch: decision boundary (2-D data) or digits; sweeps only score
    record_state: bool = False  # the inspector's records (inspector.py)

    @property
    def total_steps(self) -> int:
        return self.epochs * self.task.steps_per_epoch


def prepare_task(spec: TrainingBase, limits: Limits) -> PreparedTask:
    """The data set and model of a request, checked against the limits; SpecError names the field."""
    hidden = spec.task.model.hidden
    if len(hidden) > limits.max_hidden_layers:
        raise SpecError(("task", "model", "hidden"), f"at most {limits.max_hidden_layers} hidden layers", "too_long")
    for i, units in enumerate(hidden):
        if not 1 <= units <= limits.max_hidden_units:
            raise SpecError(("task", "model", "hidden", i), f"from 1 to {limits.max_hidden_units} units")
    try:
        dataset = load_dataset(spec.task.data.id, spec.task.data.params, limits.max_samples)
    except SpecError as err:
        raise err.within("task", "data") from None
    parameters = parameter_count(dataset.features, dataset.classes, hidden)
    if parameters > limits.max_parameters:
        raise SpecError(
            ("task", "model", "hidden"), f"the model has {parameters} parameters; at most {limits.max_parameters}"
        )
    if spec.batch_size > limits.max_samples:
        raise SpecError(("batch_size",), f"at most {limits.max_samples}", "less_than_equal")
    return PreparedTask(dataset, spec.task.model, parameters, spec.batch_size, spec.shuffle_seed)


def prepare_training_run(
    run: TrainingRunSpec, index: int, task: PreparedTask, epochs: int, limits: Limits
) -> PreparedTrainingRun:
    """Resolve one run for the network; SpecError locations are relative to the run spec."""
    try:
        optimizer = resolve_optimizer(run.optimizer, limits, mode="network")
    except SpecError as err:
        raise err.within("optimizer") from None
    scheduler = None
    interval = "epoch"
    if run.scheduler is not None:
        spec = run.scheduler
        interval = spec.interval
        # design.md §10: `m` is the number of scheduler calls: epochs, or every minibatch step.
        per_epoch = SchedulerSpec(id=spec.id, params=spec.params, interval=spec.interval,
                                  steps_per_epoch=task.steps_per_epoch)  # fmt: skip
        try:
            scheduler = resolve_scheduler(per_epoch, epochs * task.steps_per_epoch, optimizer, limits)
        except SpecError as err:
            raise err.within("scheduler") from None
        if scheduler.is_plateau and interval != "epoch":
            raise SpecError(
                ("scheduler", "interval"),
                "ReduceLROnPlateau steps once per epoch, on the validation loss",
                "literal_error",
            )
    label = run.label or default_label(run)  # type: ignore[arg-type]
    return PreparedTrainingRun(index, label, optimizer, scheduler, interval, run.clip)


def check_work(runs: int, epochs: int, task: PreparedTask, limits: Limits, loc: tuple[str, ...]) -> None:
    """runs × epochs × training points × parameters within the server's work budget (design.md §10)."""
    work = runs * epochs * task.dataset.n_train * task.parameters
    if work > limits.max_training_work:
        raise SpecError(
            loc,
            f"runs × epochs × training points × parameters = {work:.3g} is over the server's budget of "
            f"{limits.max_training_work:.3g}: fewer epochs, runs or points, or a smaller model",
        )


def prepare_training(spec: TrainingSpec, limits: Limits = DEFAULT_LIMITS) -> PreparedTraining:
    """Validate a training against the catalog, the data sets and the limits; SpecError names the field."""
    if spec.epochs > limits.max_epochs:
        raise SpecError(("epochs",), f"at most {limits.max_epochs} epochs", "less_than_equal")
    if len(spec.runs) > limits.max_runs:
        raise SpecError(("runs",), f"at most {limits.max_runs} runs", "too_long")
    task = prepare_task(spec, limits)
    check_work(len(spec.runs), spec.epochs, task, limits, ("epochs",))
    if spec.landscape is not None:
        grid_work = spec.landscape.resolution**2 * task.dataset.n_train * task.parameters
        if grid_work > limits.max_landscape_work:
            raise SpecError(
                ("landscape", "resolution"),
                f"resolution² × training points × parameters = {grid_work:.3g} is over the server's budget of "
                f"{limits.max_landscape_work:.3g}",
            )
        recorded = len(spec.runs) * (spec.epochs * task.steps_per_epoch + 1) * task.parameters
        if spec.landscape.method == "pca" and recorded > limits.max_recorded_weights:
            raise SpecError(
                ("landscape", "method"),
                f"the PCA plane needs every step's weights ({recorded:.3g} numbers, over the server's "
                f'{limits.max_recorded_weights:.3g}): use "random", a larger batch_size or fewer epochs',
            )
    runs = []
    for i, run in enumerate(spec.runs):
        with located("runs", i):
            runs.append(prepare_training_run(run, i, task, spec.epochs, limits))
    return PreparedTraining(task, spec.epochs, runs, spec.landscape, limits.max_seconds,
                            record_state=spec.record_state)  # fmt: skip


# --- events ----------------------------------------------------------------------------------------


@dataclass
class Document:
    """An event that is a name and a document: a computation's header, or its whole result."""

    event: str
    body: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.event, **self.body}


@dataclass
class TrainingStarted:
    header: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"event": "training", **self.header}


@dataclass
class EpochEnded:
    """One run's epoch: its evaluation, and the records of the steps it took."""

    run: int
    epoch: int
    metrics: dict[str, float]  # train_loss, val_loss, train_accuracy, val_accuracy, lr
    steps: dict[str, list[float]]  # loss and lr of each step of the epoch
    boundary: str | None = None  # the decision boundary after the epoch (boundaries.py); 2-D data only
    path: dict[str, list[float]] | None = None  # the epoch's steps on a plane known beforehand (random)
    val_predictions: list[int] | None = None  # the predicted class of the first validation points; not 2-D data
    extra: dict[str, Any] = field(default_factory=dict)  # record_state: the epoch's state, update, scheduler_state

    def to_dict(self) -> dict[str, Any]:
        out = {"event": "epoch", "run": self.run, "epoch": self.epoch, **self.metrics, "steps": self.steps}
        optional = {"boundary": self.boundary, "path": self.path, "val_predictions": self.val_predictions}
        out.update({key: value for key, value in optional.items() if value is not None})
        return out | self.extra


@dataclass
class TrainingRunEnded(RunEnded):
    """How a run ended (runs.RunEnded); `steps` holds the records of a last epoch it did not finish."""

    steps: dict[str, list[float]] = field(default_factory=lambda: {"loss": [], "lr": []})
    extra: dict[str, Any] = field(default_factory=dict)  # record_state: those steps' state and update

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "steps": self.steps, **self.extra}


@dataclass
class LandscapeReady:
    landscape: dict[str, Any]  # method, explained_variance, u, v, loss
    paths: list[dict[str, list[float]]]  # every run's path: θ0, then the weights after each kept step

    def to_dict(self) -> dict[str, Any]:
        return {"event": "landscape", **self.landscape, "paths": self.paths}


TrainingEvent = TrainingStarted | EpochEnded | TrainingRunEnded | LandscapeReady | Done

METRICS = ("train_loss", "val_loss", "train_accuracy", "val_accuracy", "lr")
SHOWN_DIGITS = 12  # validation points whose predicted class every epoch records, for data that is not 2-D


# --- one live run ----------------------------------------------------------------------------------


def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """The fraction of points whose largest logit is their class: correct / n as a Python float."""
    return int((logits.argmax(dim=1) == labels).sum()) / len(labels)


class LiveTrainingRun:
    """One run's model, optimizer and scheduler, its records, and how it ended."""

    def __init__(
        self,
        prepared: PreparedTrainingRun,
        task: PreparedTask,
        budget: EvaluationBudget,
        keep_rows: int = 1,
        record_state: bool = False,
    ) -> None:
        self.prepared = prepared
        self.index = prepared.index
        self.budget = budget
        self.model = task.build_model()
        self.parameters = list(self.model.parameters())
        entry = prepared.optimizer.entry
        with TORCH_RNG:
            seed_global_generators()
            self.optimizer = prepared.optimizer.build_on(self.parameters)
            self.rng = RngStream() if entry.random else None
        self.scheduler = prepared.scheduler.build(self.optimizer) if prepared.scheduler else None
        self.step_scheduler = self.scheduler is not None and prepared.interval == "step"
        self.plateau = prepared.scheduler is not None and prepared.scheduler.is_plateau
        self.optimizer_step = _unwrapped_step(self.optimizer)
        self.plain_zero_grad = type(self.optimizer).zero_grad is torch.optim.Optimizer.zero_grad
        self.modes = entry.records_eval_point  # schedule-free: evaluate in the optimizer's eval mode
        self.steps_done = 0
        # The weights after each step: every step for the PCA plane, else one epoch's worth (row 0 = θ0).
        self.weights = torch.empty(keep_rows, task.parameters)
        flat_weights(self.parameters, out=self.weights[0])
        self.kept = 1  # rows of self.weights that hold records
        self.status = "completed"
        self.diverged_at: int | None = None
        self.failed_at: int | None = None
        self.error: str | None = None
        self.val_losses: list[float] = []
        self.val_accuracies: list[float] = []
        self.inspector = Inspector(self.model) if record_state else None

    @property
    def stopped(self) -> bool:
        return self.status != "completed"

    def zero_grad(self) -> None:
        if self.plain_zero_grad:
            for p in self.parameters:  # what Optimizer.zero_grad() does, minus its profiling wrapper
                p.grad = None
        else:
            self.optimizer.zero_grad()  # the zoo's own may do more

    def closure_for(self, x: torch.Tensor, y: torch.Tensor) -> Callable[[], torch.Tensor]:
        def closure() -> torch.Tensor:
            self.budget.spend()
            self.zero_grad()
            loss = F.cross_entropy(self.model(x), y)
            loss.backward()
            clip_gradients_(self.parameters, self.prepared.clip)
            return loss

        return closure

    def train_epoch(self, batches: list[tuple[torch.Tensor, torch.Tensor]]) -> tuple[list[torch.Tensor], list[float]]:
        """design.md §10's inner loop over the epoch's minibatches; stops at a step that raises."""
        self.model.train()
        losses: list[torch.Tensor] = []
        lrs: list[float] = []
        for x, y in batches:
            k = self.steps_done + 1
            try:
                step_loss = self.take_step(x, y)
            except Exception as err:  # ends this run only (design.md §2)
                self.fail(k, err)
                break
            losses.append(step_loss)
            lrs.append(float(self.optimizer.param_groups[0]["lr"]))
            flat_weights(self.parameters, out=self.weights[self.kept])
            if self.inspector is not None:
                self.inspector.after_step(self.optimizer, self.weights[self.kept - 1], self.weights[self.kept])
            self.kept += 1
            self.steps_done = k
        return losses, lrs

    def take_step(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """One optimizer step on a minibatch, then a per-step scheduler; the step loss, or what they raise."""
        closure = self.closure_for(x, y)
        if self.rng is None:
            step_loss = self.optimizer_step(closure)
        else:
            with self.rng:
                step_loss = self.optimizer_step(closure)
        if self.step_scheduler:
            self.scheduler.step()  # type: ignore[union-attr]
        return step_loss.detach()

    def fail(self, k: int, err: Exception) -> None:
        self.status, self.failed_at, self.error = "failed", k, f"{type(err).__name__}: {err}"

    def evaluate(
        self, data: Dataset, grid: BoundaryGrid | None, pictures: bool
    ) -> tuple[dict[str, float], torch.Tensor | None, list[int] | None]:
        """The epoch's four numbers (one forward pass over each whole set) and, with `pictures`, class-1
        probabilities on the grid (2-D data) or the predicted class of the first validation points (other data)."""
        self.model.eval()
        if self.modes:
            self.optimizer.eval()
        with torch.no_grad():
            train_logits = self.model(data.x_train)
            val_logits = self.model(data.x_val)
            metrics = {
                "train_loss": F.cross_entropy(train_logits, data.y_train).item(),
                "val_loss": F.cross_entropy(val_logits, data.y_val).item(),
                "train_accuracy": accuracy(train_logits, data.y_train),
                "val_accuracy": accuracy(val_logits, data.y_val),
            }
            probabilities = grid.probabilities(self.model) if grid is not None else None
            shown = pictures and grid is None
            predictions = val_logits[:SHOWN_DIGITS].argmax(dim=1).tolist() if shown else None
        if self.modes:
            self.optimizer.train()
        return metrics, probabilities, predictions

    def step_epoch_scheduler(self, val_loss: float) -> None:
        if self.scheduler is None or self.step_scheduler:
            return
        if self.plateau:
            self.scheduler.step(val_loss)
        else:
            self.scheduler.step()

    def diverge(self, k: int) -> None:
        self.status, self.diverged_at, self.failed_at, self.error = "diverged", k, None, None

    def summary(self) -> dict[str, Any]:
        """final and best validation loss, the epoch of the best, final validation accuracy."""
        if not self.val_losses:
            return {"final_val_loss": None, "best_val_loss": None, "best_epoch": None, "final_val_accuracy": None}
        best = min(range(len(self.val_losses)), key=self.val_losses.__getitem__)
        return {"final_val_loss": self.val_losses[-1], "best_val_loss": self.val_losses[best], "best_epoch": best,
                "final_val_accuracy": self.val_accuracies[-1]}  # fmt: skip


def _first_bad(losses: list[torch.Tensor], lrs: list[float], weights: torch.Tensor) -> int | None:
    """The first step (0-based within the epoch) whose loss, lr or weights are not finite."""
    if not losses:
        return None
    bad = ~torch.isfinite(torch.stack(losses)) | ~torch.isfinite(weights).all(dim=1)
    bad |= ~torch.isfinite(torch.tensor(lrs, dtype=torch.float64))
    hits = torch.nonzero(bad)
    return int(hits[0]) if len(hits) else None


# --- the training ----------------------------------------------------------------------------------


class Training:
    """Every run of a training, advanced one epoch at a time, yielding design.md §10's events."""

    def __init__(self, training: PreparedTraining) -> None:
        self.training = training
        self.data = training.task.dataset
        self.budget = EvaluationBudget(UNBOUNDED_EVALUATIONS, training.max_seconds, "training")
        method = training.landscape.method if training.landscape else None
        keep_rows = training.total_steps + 1 if method == "pca" else training.task.steps_per_epoch + 1
        self.runs = [
            LiveTrainingRun(run, training.task, self.budget, keep_rows, training.record_state) for run in training.runs
        ]
        self.keep_all = method == "pca"
        self.grid = boundary_grid(self.data) if training.boundaries else None
        self.theta0 = self.runs[0].weights[0].clone() if self.runs else None
        self.plane: Plane | None = None
        if method == "random":
            self.plane = random_plane(self.runs[0].model, training.landscape.seed)  # type: ignore[union-attr]
        self.paths: list[list[torch.Tensor]] = [[] for _ in self.runs]  # projected chunks (random plane)

    def events(self) -> Iterator[TrainingEvent]:
        generator = torch.Generator().manual_seed(self.training.task.shuffle_seed)
        for run in self.runs:
            yield from self.record(run, epoch=0, losses=[], lrs=[])
        batch = self.training.task.batch_size
        for _ in range(1, self.training.epochs + 1):
            active = [run for run in self.runs if not run.stopped]
            if not active:
                break
            order = torch.randperm(self.data.n_train, generator=generator)
            batches = [(self.data.x_train[b], self.data.y_train[b]) for b in order.split(batch)]
            for run in active:
                epoch = run.steps_done // self.training.task.steps_per_epoch + 1
                first_row = run.kept
                losses, lrs = run.train_epoch(batches)
                yield from self.finish_epoch(run, epoch, losses, lrs, first_row)
        for run in self.runs:
            if not run.stopped:
                yield self.run_end(run)
        if self.training.landscape is not None:
            yield self.landscape()
        yield Done()

    def finish_epoch(
        self, run: LiveTrainingRun, epoch: int, losses: list[torch.Tensor], lrs: list[float], first_row: int
    ) -> Iterator[TrainingEvent]:
        """Divergence checks, then the epoch's record (or how the run ended)."""
        bad = _first_bad(losses, lrs, run.weights[first_row : first_row + len(losses)])
        if bad is not None:
            first_step = run.steps_done - len(losses) + 1
            run.diverge(first_step + bad)
            run.steps_done = first_step + bad - 1
            del losses[bad:], lrs[bad:]
            run.kept = first_row + bad
        if run.stopped:  # diverged or failed within the epoch: its steps so far go with run_end
            yield self.run_end(run, losses, lrs)
            return
        yield from self.record(run, epoch, losses, lrs)

    def record(
        self, run: LiveTrainingRun, epoch: int, losses: list[torch.Tensor], lrs: list[float]
    ) -> Iterator[TrainingEvent]:
        """Evaluate, step an epoch scheduler, and emit the epoch (design.md §10's `record epoch`)."""
        try:
            metrics, probabilities, predictions = run.evaluate(self.data, self.grid, self.training.boundaries)
            if epoch > 0:
                run.step_epoch_scheduler(metrics["val_loss"])
        except Exception as err:  # an optimizer's eval() or a scheduler that refuses: ends this run only
            run.fail(run.steps_done, err)
            yield from self.end_within_epoch(run, losses, lrs)
            return
        metrics["lr"] = float(run.optimizer.param_groups[0]["lr"])
        if not all(math.isfinite(value) for value in metrics.values()):
            run.diverge(max(run.steps_done, 1))  # the last step made the model's losses non-finite
            yield from self.end_within_epoch(run, losses, lrs)
            return
        run.val_losses.append(metrics["val_loss"])
        run.val_accuracies.append(metrics["val_accuracy"])
        steps = {"loss": torch.stack(losses).tolist() if losses else [], "lr": lrs}
        boundary = self.grid.encode(probabilities) if self.grid is not None and probabilities is not None else None
        path = self.project_epoch(run, len(losses))
        extra = self.inspected(run, len(losses))
        if run.inspector is not None and run.plateau:
            extra["scheduler_state"] = plateau_state(run.scheduler)
        if not self.keep_all:  # the epoch's rows are free again; row 0 keeps the latest weights
            run.weights[0] = run.weights[run.kept - 1]
            run.kept = 1
        yield EpochEnded(run.index, epoch, metrics, steps, boundary, path, predictions, extra)

    def end_within_epoch(
        self, run: LiveTrainingRun, losses: list[torch.Tensor], lrs: list[float]
    ) -> Iterator[TrainingEvent]:
        """The run ends at its last step k (failed_at or diverged_at = k): the epoch's steps before k are kept."""
        if losses:
            del losses[-1], lrs[-1]
            run.kept -= 1
            run.steps_done -= 1
        yield self.run_end(run, losses, lrs)

    def project_epoch(self, run: LiveTrainingRun, steps: int) -> dict[str, list[float]] | None:
        """On a plane known beforehand, the epoch's steps as path points."""
        if self.plane is None:
            return None
        uv = self.plane.project(run.weights[run.kept - steps : run.kept])
        self.paths[run.index].append(uv)
        return {"u": uv[:, 0].tolist(), "v": uv[:, 1].tolist()}

    @staticmethod
    def inspected(run: LiveTrainingRun, steps: int) -> dict[str, Any]:
        """The inspector's records of the epoch's first `steps` steps (record_state); nothing without it."""
        return run.inspector.take(steps) if run.inspector is not None else {}

    def run_end(
        self, run: LiveTrainingRun, losses: list[torch.Tensor] | None = None, lrs: list[float] | None = None
    ) -> TrainingRunEnded:
        steps = {"loss": torch.stack(losses).tolist() if losses else [], "lr": list(lrs or [])}
        if self.plane is not None and losses:
            self.paths[run.index].append(self.plane.project(run.weights[run.kept - len(losses) : run.kept]))
        return TrainingRunEnded(run.index, run.status, run.diverged_at, run.failed_at, run.error, run.summary(), steps,
                                self.inspected(run, len(steps["loss"])))  # fmt: skip

    def landscape(self) -> LandscapeReady:
        assert self.theta0 is not None and self.training.landscape is not None
        spec = self.training.landscape
        if self.plane is None:  # pca: the plane of every run's recorded weights
            records = [run.weights[: run.kept] for run in self.runs]
            landscape: Landscape = landscape_of(spec, self.theta0, self.runs[0].model, self.data, records=records)
        else:
            paths = [torch.cat([torch.zeros(1, 2, dtype=torch.float64), *chunks]) for chunks in self.paths]
            landscape = landscape_of(spec, self.theta0, self.runs[0].model, self.data, plane=self.plane, paths=paths)
        return LandscapeReady(landscape.describe(), landscape.paths_as_lists())


def header(training: PreparedTraining) -> dict[str, Any]:
    task = training.task
    grid = boundary_grid(task.dataset)
    return {
        "task": task.describe(),
        "epochs": training.epochs,
        "batch_size": task.batch_size,
        "shuffle_seed": task.shuffle_seed,
        "runs": [{"index": run.index, "label": run.label} for run in training.runs],
        "landscape": training.landscape.model_dump() if training.landscape else None,
        "boundary": grid.describe() if grid is not None else None,
    }


def iterate_training(training: PreparedTraining) -> Iterator[TrainingEvent]:
    """The training as design.md §10 stream events; stops computing as soon as the consumer stops.

    Float32 on one thread: torch.set_num_threads(1) is process-wide, which the server sets at start
    (app/main.py) for the same reason; it is set here too so a notebook's training matches the script.
    """
    yield TrainingStarted(header(training))
    torch.set_num_threads(1)
    yield from Training(training).events()


def collect_training(events: Iterator[TrainingEvent]) -> dict[str, Any]:
    """The whole result document (design.md §10) from the stream events: one code path for both."""
    result: dict[str, Any] = {}
    runs: list[dict[str, Any]] = []
    for event in events:
        if isinstance(event, TrainingStarted):
            result = dict(event.header)
            result.pop("runs")
            result["landscape"] = None
            two_d = event.header["boundary"] is not None
            runs = [
                {"label": run["label"], "steps": {"loss": [], "lr": []}, "epochs": {name: [] for name in METRICS},
                 "path": None, "boundaries": [] if two_d else None, "val_predictions": None if two_d else []}
                for run in event.header["runs"]
            ]  # fmt: skip
        elif isinstance(event, EpochEnded):
            run = runs[event.run]
            _extend_steps(run, event.steps, event.extra)
            for name in METRICS:
                run["epochs"][name].append(event.metrics[name])
            if event.boundary is not None:
                run["boundaries"].append(event.boundary)
            if event.val_predictions is not None:
                run["val_predictions"].append(event.val_predictions)
        elif isinstance(event, TrainingRunEnded):
            run = runs[event.run]
            _extend_steps(run, event.steps, event.extra)
            run.update(status=event.status, diverged_at=event.diverged_at, failed_at=event.failed_at,
                       error=event.error, summary=event.summary)  # fmt: skip
        elif isinstance(event, LandscapeReady):
            result["landscape"] = event.landscape
            for run, path in zip(runs, event.paths, strict=True):
                run["path"] = path
    result["runs"] = runs
    return result


def _extend_steps(run: dict[str, Any], steps: dict[str, list[float]], extra: dict[str, Any]) -> None:
    """Append an event's step records, and its inspector records (per step, and the epoch's scheduler_state)."""
    before = len(run["steps"]["loss"])
    for name in ("loss", "lr"):
        run["steps"][name].extend(steps[name])
    for name in ("state", "update"):
        if name in extra:
            extend_records(run.setdefault(name, {}), extra[name], before, len(steps["loss"]))
    if "scheduler_state" in extra:
        for name, value in extra["scheduler_state"].items():
            run.setdefault("scheduler_state", {}).setdefault(name, []).append(value)


def run_training(spec: TrainingSpec, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Validate and run a training; the whole result document."""
    return collect_training(iterate_training(prepare_training(spec, limits)))
