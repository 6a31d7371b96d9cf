"""The plain-PyTorch script for one training run (design.md §8, §10): readable, standalone, and exact.

The script is design.md §10's loop written out by hand. The data set is rebuilt by the engine's own
generator functions, printed from their source (one code path: what the server trains on is what the
script trains on); the model, optimizer and scheduler are built with the exact arguments the engine
uses (app/engine/codegen.py renders those for both kinds of script). Running it prints one JSON line
per epoch equal to the API's `epochs` arrays, to the last bit.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable
from types import FunctionType
from typing import Any

from pydantic import Field

from app.engine.clipping import torch_clipping
from app.engine.errors import SpecError
from app.engine.runs import DEFAULT_LIMITS, Limits
from app.engine.script_parts import comment_safe, optimizer_lines, scheduler_lines, scheduler_sources
from app.engine.spec import RequestInt
from app.engine.train import datasets
from app.engine.train.loop import PreparedTask, PreparedTraining, PreparedTrainingRun, prepare_training
from app.engine.train.model import ACTIVATION_LAYERS
from app.engine.train.spec import TrainingBase, TrainingRunSpec, TrainingSpec

FILENAME = "optimlab_training.py"

HEADER = '''\
"""An optimlab training on {dataset}, {epochs} epochs, exported as a standalone script.

Plain PyTorch, float32 on the CPU, one thread. Run it with `python {filename}`: it prints one JSON
line per epoch, {{"epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy", "lr"}}, the
same numbers optimlab shows, to the last bit.
"""

from __future__ import annotations

import json
import math

import torch
import torch.nn.functional as F
from torch import nn
'''

EVALUATE = '''

def evaluate():
    """Loss and accuracy on each whole set, one forward pass each, without gradients."""
    model.eval()
{eval_mode}    with torch.no_grad():
        train_logits, val_logits = model(x_train), model(x_val)
        numbers = {{
            "train_loss": F.cross_entropy(train_logits, y_train).item(),
            "val_loss": F.cross_entropy(val_logits, y_val).item(),
            "train_accuracy": int((train_logits.argmax(dim=1) == y_train).sum()) / len(y_train),
            "val_accuracy": int((val_logits.argmax(dim=1) == y_val).sum()) / len(y_val),
        }}
{train_mode}    return numbers


def record(epoch, numbers):
    """Print the epoch; False when the run has diverged (a number is not finite)."""
    numbers["lr"] = float(opt.param_groups[0]["lr"])
    if not all(math.isfinite(value) for value in numbers.values()):
        return False
    print(json.dumps({{"epoch": epoch, **numbers}}))
    return True


def finite_step(step_loss):
    """The step's loss, the lr and every weight are finite (else the run has diverged)."""
    numbers_finite = math.isfinite(step_loss.item()) and math.isfinite(float(opt.param_groups[0]["lr"]))
    return numbers_finite and all(bool(torch.isfinite(p).all()) for p in model.parameters())


gen = torch.Generator().manual_seed(SHUFFLE_SEED)  # the minibatch order
record(0, evaluate())
for epoch in range(1, EPOCHS + 1):
    model.train()
    perm = torch.randperm(len(y_train), generator=gen)
    diverged = False
    for i in range(0, len(y_train), BATCH_SIZE):
        b = perm[i : i + BATCH_SIZE]

        def closure(b=b):
            opt.zero_grad()
            loss = F.cross_entropy(model(x_train[b]), y_train[b])
            loss.backward()
{clip}            return loss

        step_loss = opt.step(closure)  # the loss before the update
{step_scheduler}        if not finite_step(step_loss):
            diverged = True
            break
    if diverged:
        break
    numbers = evaluate()
{epoch_scheduler}    if not record(epoch, numbers):
        break
'''


def _functions_used(function: Callable[..., Any]) -> list[FunctionType]:
    """`function` and, first, the functions of the data sets module it calls (digits() reads a helper)."""
    found = (vars(datasets).get(name) for name in function.__code__.co_names)
    unwrapped = (inspect.unwrap(value) for value in found if callable(value))  # under a decorator (a cache)
    called = [f for f in unwrapped if isinstance(f, FunctionType) and f.__module__ == datasets.__name__]
    return [*(f for helper in called for f in _functions_used(helper)), function]  # type: ignore[arg-type]


def _source(function: FunctionType) -> str:
    """A function's source as written in the engine, without decorators (a cache means nothing in a script)."""
    lines = textwrap.dedent(inspect.getsource(function)).splitlines()
    return "\n".join(line for line in lines if not line.startswith("@"))


def _data_lines(task: PreparedTask) -> list[str]:
    data = task.dataset
    definition = datasets.DATASETS[data.id]
    params = data.params
    functions = [*_functions_used(definition.source), datasets.split]
    call = definition.source.__name__
    arguments = "" if call == "digits" else f"{params['n']!r}, {params['noise']!r}, gen"
    described = ", ".join(f"{name}={value!r}" for name, value in params.items())
    lines = ["", "", f"# The data set: {data.id} ({described}), made by the very functions optimlab uses."]
    for function in functions:
        lines += ["", "", _source(function)]
    lines += [
        "",
        "",
        f"gen = torch.Generator().manual_seed({params['seed']!r})  # the points, then the validation split",
        f"x, y = {call}({arguments})",
        f"x_train, y_train, x_val, y_val = split(x, y, {params['validation']!r}, gen)",
    ]
    return lines


def _model_lines(task: PreparedTask) -> list[str]:
    model = task.model
    activation = f"nn.{ACTIVATION_LAYERS[model.activation].__name__}()"
    layers, width = [], task.dataset.features
    for units in model.hidden:
        layers += [f"nn.Linear({width}, {units})", activation]
        width = units
    layers.append(f"nn.Linear({width}, {task.dataset.classes})")
    return [
        "",
        "",
        f"torch.manual_seed({model.seed!r})  # torch's default initialisation, seeded: every run starts here",
        "model = nn.Sequential(",
        *(f"    {layer}," for layer in layers),
        ")",
    ]


def _scheduler_calls(run: PreparedTrainingRun) -> tuple[str, str]:
    """The scheduler call after each minibatch step, and the one after each epoch's evaluation."""
    scheduler = run.scheduler
    if scheduler is None:
        return "", ""
    if run.interval == "step":
        return "        sched.step()\n", ""
    if scheduler.is_plateau:
        return "", '    sched.step(numbers["val_loss"])  # ReduceLROnPlateau watches the validation loss\n'
    return "", "    sched.step()\n"


def render_training_script(training: PreparedTraining) -> str:
    """The script of the training's first (only) run."""
    task = training.task
    [run] = training.runs
    optimizer = run.optimizer
    sources = {optimizer.entry.source} | scheduler_sources(run.scheduler)
    lines = [
        HEADER.format(dataset=task.dataset.id, epochs=training.epochs, filename=FILENAME).rstrip("\n"),
        *(f"import {source}" for source in sorted(sources - {"torch"})),
        "",
        f"# Run: {comment_safe(run.label)}",
        f"EPOCHS = {training.epochs}",
        f"BATCH_SIZE = {task.batch_size}",
        f"SHUFFLE_SEED = {task.shuffle_seed}",
        "torch.set_num_threads(1)  # as optimlab computes: the same numbers, to the last bit",
    ]  # fmt: skip
    lines += _data_lines(task)
    lines += _model_lines(task)
    lines += optimizer_lines(optimizer, "model.parameters()")
    if run.scheduler is not None:
        scheduler_lines(run.scheduler, "sched", lines)
    modes = optimizer.entry.records_eval_point
    step_scheduler, epoch_scheduler = _scheduler_calls(run)
    lines.append(
        EVALUATE.format(
            eval_mode="    opt.eval()  # schedule-free: evaluate at the averaged point\n" if modes else "",
            train_mode="    opt.train()\n" if modes else "",
            step_scheduler=step_scheduler,
            epoch_scheduler=epoch_scheduler,
            clip=_clip_line(run),
        )
    )
    return "\n".join(lines).rstrip("\n") + "\n"


def _clip_line(run: PreparedTrainingRun) -> str:
    """The closure's clipping call (design.md §11), the same torch function the engine calls."""
    if run.clip is None:
        return ""
    function, bound = torch_clipping(run.clip)
    return f"            torch.nn.utils.{function.__name__}(model.parameters(), {bound!r})\n"


class TrainingScriptSpec(TrainingBase):
    """POST /api/code for a training: the task, the minibatches and one run (design.md §10)."""

    epochs: RequestInt = Field(default=30, ge=1, description="At most the server's `limits.max_epochs`.")
    run: TrainingRunSpec


def training_script_for(spec: TrainingScriptSpec, limits: Limits = DEFAULT_LIMITS) -> str:
    """Validate like a training with this one run (no landscape), then render its script."""
    training = TrainingSpec(task=spec.task, batch_size=spec.batch_size, shuffle_seed=spec.shuffle_seed,
                            epochs=spec.epochs, runs=[spec.run], landscape=None)  # fmt: skip
    try:
        prepared = prepare_training(training, limits)
    except SpecError as err:
        if err.loc[:2] == ("runs", 0):  # the request names its one run `run`
            raise SpecError(("run", *err.loc[2:]), err.msg, err.type) from None
        raise
    return render_training_script(prepared)
