"""Training sweeps (design.md §10): one run repeated over values of one optimizer hyperparameter.

Each value is a run of one training (the design.md §10 loop, without landscape or boundaries), so a
cell equals that run trained alone. Cells are scored by their final validation loss; `best` is the
value with the lowest among the runs that completed (the first, on a tie).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from app.engine.catalog import optimizer_entry
from app.engine.errors import SpecError
from app.engine.limits import DEFAULT_LIMITS, Limits
from app.engine.runs import Done
from app.engine.sweeps import Progress
from app.engine.train.loop import (
    Document,
    EpochEnded,
    PreparedTraining,
    Training,
    TrainingRunEnded,
    check_work,
    prepare_task,
    prepare_training_run,
)
from app.engine.train.spec import TrainingSweepSpec


@dataclass(frozen=True)
class PreparedTrainingSweep:
    name: str
    values: list[float]
    training: PreparedTraining  # one run per value


def prepare_training_sweep(spec: TrainingSweepSpec, limits: Limits = DEFAULT_LIMITS) -> PreparedTrainingSweep:
    """Validate a sweep; SpecError names the field (a refused value at its index in `vary.values`)."""
    if spec.epochs > limits.max_epochs:
        raise SpecError(("epochs",), f"at most {limits.max_epochs} epochs", "less_than_equal")
    task = prepare_task(spec, limits)
    check_work(len(spec.vary.values), spec.epochs, task, limits, ("vary", "values"))
    name = spec.vary.name
    try:
        param = optimizer_entry(spec.run.optimizer.id, "network").param(name)
    except SpecError as err:
        raise err.within("run", "optimizer") from None
    if param is None or param.kind != "float":
        raise SpecError(("vary", "name"), f"{spec.run.optimizer.id} has no float hyperparameter {name!r}")
    runs = []
    for i, value in enumerate(spec.vary.values):
        optimizer = spec.run.optimizer.model_copy(update={"params": {**spec.run.optimizer.params, name: value}})
        run = spec.run.model_copy(update={"optimizer": optimizer, "label": f"{name} = {value:g}"})
        try:
            runs.append(prepare_training_run(run, i, task, spec.epochs, limits))
        except SpecError as err:
            if err.loc == ("optimizer", "params", name):
                raise SpecError(("vary", "values", i), err.msg, err.type) from None
            raise err.within("run") from None
    training = PreparedTraining(task, spec.epochs, runs, None, limits.max_seconds, boundaries=False)
    return PreparedTrainingSweep(name, list(spec.vary.values), training)


def iterate_training_sweep(sweep: PreparedTrainingSweep) -> Iterator[Any]:
    """A `sweep` header, `progress` after each epoch of all cells, the `result`, `done`."""
    training = sweep.training
    yield Document("sweep", {"task": training.task.describe(), "epochs": training.epochs, "kind": "param",
                                "name": sweep.name, "values": sweep.values})  # fmt: skip
    ended: list[TrainingRunEnded | None] = [None] * len(sweep.values)
    total, done = len(sweep.values) * training.epochs, 0
    for event in Training(training).events():
        if isinstance(event, TrainingRunEnded):
            ended[event.run] = event
        elif isinstance(event, EpochEnded) and event.epoch > 0:
            done += 1
            if done % len(sweep.values) == 0:
                yield Progress(done, total)  # run-epochs trained
    yield Document("result", sweep_result(sweep, [e for e in ended if e is not None]))
    yield Done()


def sweep_result(sweep: PreparedTrainingSweep, ended: list[TrainingRunEnded]) -> dict[str, Any]:
    final = [e.summary["final_val_loss"] for e in ended]
    completed = [i for i, e in enumerate(ended) if e.status == "completed" and final[i] is not None]
    best = min(completed, key=final.__getitem__, default=None)
    return {
        "kind": "param", "name": sweep.name, "values": sweep.values,
        "status": [e.status for e in ended],
        "final_val_loss": final,
        "best_val_loss": [e.summary["best_val_loss"] for e in ended],
        "final_val_accuracy": [e.summary["final_val_accuracy"] for e in ended],
        "best": None if best is None else {"value": sweep.values[best], "final_val_loss": final[best]},
    }  # fmt: skip


def collect_training_sweep(events: Iterator[Any]) -> dict[str, Any]:
    """The whole result: the header's task and epochs, and the result's scores."""
    result: dict[str, Any] = {}
    for event in events:
        if isinstance(event, Document):
            header = event.event == "sweep"
            result |= {"task": event.body["task"], "epochs": event.body["epochs"]} if header else event.body
    return result


def run_training_sweep(spec: TrainingSweepSpec, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    return collect_training_sweep(iterate_training_sweep(prepare_training_sweep(spec, limits)))
