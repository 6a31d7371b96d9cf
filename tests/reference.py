"""The plain PyTorch loop a user would write from design.md §2, and the surfaces of design.md §3, by hand.

The yardstick the engine is held to: the unit tests compare the engine with it bit for bit and
`make bench` times the engine against it. It is written from the contract's text (docs/design.md
§2), not copied from the engine, and never calls it, so a mismatch is a real deviation.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
import torch

pi, e = math.pi, math.e
cos, exp, sqrt = torch.cos, torch.exp, torch.sqrt

# design.md §3, written by hand: f(x, y).
REFERENCE_SURFACES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
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


class Trajectory(NamedTuple):
    """One run's records and how it ended (`"completed"`, `"diverged"` or `"failed"`).

    `momentum` is design.md §11's record: None for an optimizer with neither `momentum` nor `betas`.
    """

    x: list[float]
    y: list[float]
    loss: list[float]
    lr: list[float]
    momentum: list[float] | None
    status: str


def optimizer_class(optimizer_id: str) -> type[torch.optim.Optimizer]:
    """design.md §4's ids: a bare `torch.optim` class name, or `pytorch_optimizer.<ClassName>`."""
    module, _, name = optimizer_id.rpartition(".")
    return getattr(importlib.import_module(module or "torch.optim"), name)


def reference_run(
    surface: str,
    start: Sequence[float],
    optimizer: str,
    params: dict[str, Any],
    steps: int,
    scheduler: Callable[[torch.optim.Optimizer], Any] | None = None,
    steps_per_epoch: int = 1,
    noise: dict[str, Any] | None = None,
    clip: dict[str, float] | None = None,
) -> Trajectory:
    """design.md §2 line by line, with §4's seeding and eval-mode records and §11's clipping and momentum.

    `scheduler` builds the scheduler on the optimizer (None: no scheduler); it is called every
    `steps_per_epoch` steps. `noise` is the request's `{"std", "seed"}`, `clip` its `{"norm"}` or `{"value"}`.
    """
    f_xy = REFERENCE_SURFACES[surface]

    def f(p: torch.Tensor) -> torch.Tensor:
        return f_xy(p[0], p[1])

    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    torch.manual_seed(0)  # design.md §4: a random optimizer is seeded before it is built
    np.random.seed(0)  # numpy's generator too: Kron draws its balancing coin from np.random
    opt = optimizer_class(optimizer)([p], **params)
    sched = scheduler(opt) if scheduler is not None else None
    plateau = isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau)
    noisy = noise is not None and noise["std"] > 0
    gen = torch.Generator().manual_seed(noise["seed"]) if noisy else None
    modes = hasattr(opt, "eval") and hasattr(opt, "train")  # schedule-free: record the eval-mode point
    xs: list[float] = []
    ys: list[float] = []
    losses: list[float] = []
    lrs: list[float] = []
    group = opt.param_groups[0]
    has_momentum = "momentum" in group or "betas" in group
    momenta: list[float] = []

    def record() -> bool:
        if modes:
            opt.eval()
        with torch.no_grad():
            x, y, loss = p[0].item(), p[1].item(), f(p).item()
        if modes:
            opt.train()
        lr = opt.param_groups[0]["lr"]
        if not all(math.isfinite(v) for v in (x, y, loss, lr)) or max(abs(x), abs(y)) > 1e6:
            return False
        xs.append(x), ys.append(y), losses.append(loss), lrs.append(lr)
        if has_momentum:
            group = opt.param_groups[0]
            momenta.append(group["momentum"] if "momentum" in group else group["betas"][0])
        return True

    def ended(status: str) -> Trajectory:
        return Trajectory(xs, ys, losses, lrs, momenta if has_momentum else None, status)

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = f(p)
        loss.backward()
        if noisy:
            p.grad.add_(noise["std"] * torch.randn(2, generator=gen, dtype=torch.float64))  # type: ignore[index, union-attr]
        if clip is not None and "norm" in clip:
            torch.nn.utils.clip_grad_norm_([p], clip["norm"])
        if clip is not None and "value" in clip:
            torch.nn.utils.clip_grad_value_([p], clip["value"])
        return loss

    if not record():
        return ended("diverged")
    window: list[float] = []  # ReduceLROnPlateau's step losses since its previous call
    for k in range(1, steps + 1):
        try:
            step_loss = opt.step(closure)
            if sched is not None:
                if plateau:
                    window.append(step_loss.item())
                if k % steps_per_epoch == 0:
                    if plateau:
                        sched.step(sum(window) / len(window))
                        window = []
                    else:
                        sched.step()
        except Exception:
            return ended("failed")
        if not record():
            return ended("diverged")
    return ended("completed")


# --- design.md §10: training a network ------------------------------------------------------------

ACTIVATIONS: dict[str, Callable[[], torch.nn.Module]] = {
    "relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "gelu": torch.nn.GELU, "sigmoid": torch.nn.Sigmoid,
}  # fmt: skip


def reference_mlp(features: int, classes: int, hidden: Sequence[int], activation: str, seed: int) -> torch.nn.Module:
    """design.md §10's model: torch.manual_seed(seed), then Linear + activation per hidden layer, then Linear."""
    torch.manual_seed(seed)
    layers: list[torch.nn.Module] = []
    d = features
    for h in hidden:
        layers += [torch.nn.Linear(d, h), ACTIVATIONS[activation]()]
        d = h
    return torch.nn.Sequential(*layers, torch.nn.Linear(d, classes))


class TrainingTrajectory(NamedTuple):
    """One training run's records: per step (loss, lr), per epoch (design.md §10's five), how it ended.

    With `record_state`: per step, `state[k][param][name]` is the norm of each of the optimizer's state tensors
    of that parameter (those with a dimension) and `update[k][param]` the norm of the step's change of it;
    `plateau` holds ReduceLROnPlateau's counters per epoch. `predicted[e]` is the predicted class of the
    first 12 validation points after epoch e."""

    step_loss: list[float]
    step_lr: list[float]
    epochs: dict[str, list[float]]
    status: str
    state: list[dict[str, dict[str, float]]] | None = None
    update: list[dict[str, float]] | None = None
    plateau: list[dict[str, Any]] | None = None
    predicted: list[list[int]] | None = None


def reference_training(
    data: Any,
    hidden: Sequence[int],
    activation: str,
    model_seed: int,
    epochs: int,
    batch_size: int,
    shuffle_seed: int,
    optimizer: str,
    params: dict[str, Any],
    scheduler: Callable[[torch.optim.Optimizer], Any] | None = None,
    interval: str = "epoch",
    clip: dict[str, float] | None = None,
    record_state: bool = False,
) -> TrainingTrajectory:
    """design.md §10 line by line: float32, torch's default init, seeded minibatch order; §11's clipping
    (`clip` is the request's `{"norm"}` or `{"value"}`) on all the model's parameters after backward().

    `data` has x_train, y_train, x_val, y_val (the tensors GET /api/datasets/{id} gives). A run ends at
    step k when step k raises or gives a non-finite loss, lr or weights, or when the evaluation or the
    epoch scheduler that follows its epoch's last step k does: its records end at step k - 1.
    """
    torch.set_num_threads(1)
    x_train, y_train, x_val, y_val = data.x_train, data.y_train, data.x_val, data.y_val
    model = reference_mlp(x_train.shape[1], int(max(y_train.max(), y_val.max())) + 1, hidden, activation, model_seed)
    torch.manual_seed(0)  # design.md §4: a random optimizer is seeded right before it is built
    np.random.seed(0)  # numpy's generator too: Kron draws its balancing coin from np.random
    opt = optimizer_class(optimizer)(model.parameters(), **params)
    sched = scheduler(opt) if scheduler is not None else None
    plateau = isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau)
    gen = torch.Generator().manual_seed(shuffle_seed)
    modes = hasattr(opt, "eval") and hasattr(opt, "train")
    step_loss_list: list[float] = []
    step_lr_list: list[float] = []
    records: dict[str, list[float]] = {
        k: [] for k in ("train_loss", "val_loss", "train_accuracy", "val_accuracy", "lr")
    }
    state_norms: list[dict[str, dict[str, float]]] = []
    update_norms: list[dict[str, float]] = []
    plateau_records: list[dict[str, Any]] = []
    predicted: list[list[int]] = []

    def inspect_step(before: dict[str, torch.Tensor]) -> None:
        state_norms.append({
            name: {key: torch.linalg.vector_norm(t).item() for key, t in opt.state[p].items()
                   if torch.is_tensor(t) and t.dim() > 0 and t.is_floating_point()}
            for name, p in model.named_parameters()
        })  # fmt: skip
        update_norms.append(
            {name: torch.linalg.vector_norm(p.detach() - before[name]).item() for name, p in model.named_parameters()}
        )

    def inspect_epoch() -> None:
        if plateau:
            plateau_records.append({k: getattr(sched, k) for k in ("best", "num_bad_epochs", "cooldown_counter",
                                                                  "patience")})  # fmt: skip

    def evaluate() -> dict[str, float]:
        model.eval()
        if modes:
            opt.eval()
        with torch.no_grad():
            out_train, out_val = model(x_train), model(x_val)
            numbers = {
                "train_loss": torch.nn.functional.cross_entropy(out_train, y_train).item(),
                "val_loss": torch.nn.functional.cross_entropy(out_val, y_val).item(),
                "train_accuracy": (out_train.argmax(1) == y_train).sum().item() / len(y_train),
                "val_accuracy": (out_val.argmax(1) == y_val).sum().item() / len(y_val),
            }
            predicted.append(out_val[:12].argmax(1).tolist())
        if modes:
            opt.train()
        return numbers

    def drop_last_step() -> None:
        if step_loss_list:
            step_loss_list.pop()
            step_lr_list.pop()
            if record_state:
                state_norms.pop()
                update_norms.pop()

    def finished(status: str) -> TrainingTrajectory:
        del predicted[len(records["lr"]) :]  # an evaluation whose epoch is not recorded
        if not record_state:
            return TrainingTrajectory(step_loss_list, step_lr_list, records, status, predicted=predicted)
        return TrainingTrajectory(step_loss_list, step_lr_list, records, status, state_norms, update_norms,
                                  plateau_records, predicted)  # fmt: skip

    numbers = evaluate()
    for key, value in numbers.items():
        records[key].append(value)
    inspect_epoch()
    records["lr"].append(float(opt.param_groups[0]["lr"]))
    n_train = len(y_train)
    for _epoch in range(1, epochs + 1):
        model.train()
        perm = torch.randperm(n_train, generator=gen)
        for i in range(0, n_train, batch_size):
            b = perm[i : i + batch_size]

            def closure(b: torch.Tensor = b) -> torch.Tensor:
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(model(x_train[b]), y_train[b])
                loss.backward()
                if clip is not None and "norm" in clip:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), clip["norm"])
                if clip is not None and "value" in clip:
                    torch.nn.utils.clip_grad_value_(model.parameters(), clip["value"])
                return loss

            before = {name: p.detach().clone() for name, p in model.named_parameters()}
            try:
                step_loss = opt.step(closure)
                if sched is not None and interval == "step":
                    sched.step()
            except Exception:
                return finished("failed")
            loss, lr = step_loss.item(), float(opt.param_groups[0]["lr"])
            weights_finite = all(bool(torch.isfinite(p).all()) for p in model.parameters())
            if not (math.isfinite(loss) and math.isfinite(lr) and weights_finite):
                return finished("diverged")
            step_loss_list.append(loss)
            step_lr_list.append(lr)
            if record_state:
                inspect_step(before)
        try:
            numbers = evaluate()
            if sched is not None and interval == "epoch":
                if plateau:
                    sched.step(numbers["val_loss"])
                else:
                    sched.step()
        except Exception:
            drop_last_step()
            return finished("failed")
        numbers["lr"] = float(opt.param_groups[0]["lr"])
        if not all(math.isfinite(v) for v in numbers.values()):
            drop_last_step()
            return finished("diverged")
        for key, value in numbers.items():
            records[key].append(value)
        inspect_epoch()
    return finished("completed")


def reference_lr_finder(
    data: Any, hidden: Sequence[int], activation: str, model_seed: int, batch_size: int, shuffle_seed: int,
    optimizer: str, params: dict[str, Any], start_lr: float, end_lr: float, num_steps: int,
) -> tuple[list[float], list[float], list[float]]:  # fmt: skip
    """design.md §10's LR finder, by hand: lr, loss and the debiased smoothed loss (β = 0.98) per step."""
    torch.set_num_threads(1)
    x_train, y_train = data.x_train, data.y_train
    model = reference_mlp(x_train.shape[1], data.classes, hidden, activation, model_seed)
    torch.manual_seed(0)
    opt = optimizer_class(optimizer)(model.parameters(), **params)
    gen = torch.Generator().manual_seed(shuffle_seed)
    lrs: list[float] = []
    losses: list[float] = []
    smoothed: list[float] = []
    avg, best, k = 0.0, math.inf, 0
    while k < num_steps:
        perm = torch.randperm(len(y_train), generator=gen)
        for i in range(0, len(y_train), batch_size):
            if k == num_steps:
                break
            b = perm[i : i + batch_size]
            lr = start_lr * (end_lr / start_lr) ** (k / (num_steps - 1))
            for group in opt.param_groups:
                group["lr"] = lr

            def closure(b: torch.Tensor = b) -> torch.Tensor:
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(model(x_train[b]), y_train[b])
                loss.backward()
                return loss

            loss = opt.step(closure).item()
            if not math.isfinite(loss):
                return lrs, losses, smoothed
            avg = 0.98 * avg + (1 - 0.98) * loss  # fastai: mom * avg + (1 - mom) * loss
            value = avg / (1 - 0.98 ** (k + 1))
            lrs.append(lr)
            losses.append(loss)
            smoothed.append(value)
            if value > 4 * best:
                return lrs, losses, smoothed
            best = min(best, value)
            k += 1
    return lrs, losses, smoothed
