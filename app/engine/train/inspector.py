"""What the inspector shows of a training run (design.md §10 `record_state`): per step and per parameter,
the norms of the optimizer's state tensors and of the update; per epoch, ReduceLROnPlateau's counters.

Exact by construction: every norm is `torch.linalg.vector_norm` of the tensor the run itself holds (the
optimizer's state after the step; the update as the difference of the weights recorded before and after
it, in float32), taken as a Python float. State entries without a dimension (Adam's `step` counter) and
entries that are not tensors (LBFGS's lists) are not norms and are left out; a state that first appears
at a later step is null before it. Records are kept for the current epoch only and handed out with its
event, so the memory does not grow with the training.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from app.engine.runs import PLATEAU_COUNTERS

PLATEAU_FIELDS = (*PLATEAU_COUNTERS, "patience")  # per epoch: patience is what a lesson points at


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


class Inspector:
    """The current epoch's per-step norms of one run, under torch's parameter names (`0.weight`)."""

    def __init__(self, model: nn.Module) -> None:
        self.named = list(model.named_parameters())
        self.columns: list[tuple[str, int, int]] = []  # name, first and last+1 column in a flat weights row
        offset = 0
        for name, p in self.named:
            self.columns.append((name, offset, offset + p.numel()))
            offset += p.numel()
        self.state: dict[str, dict[str, list[float | None]]] = {}
        self.update: dict[str, list[float | None]] = {}
        self.steps = 0  # steps recorded this epoch

    def after_step(self, optimizer: torch.optim.Optimizer, before: torch.Tensor, after: torch.Tensor) -> None:
        """Record one step: `before` and `after` are the flat weights rows around it."""
        for (name, p), (_, start, stop) in zip(self.named, self.columns, strict=True):
            norms = self.state.setdefault(name, {})
            for key, value in optimizer.state.get(p, {}).items():
                if isinstance(value, torch.Tensor) and value.dim() > 0 and value.dtype.is_floating_point:
                    norms.setdefault(key, [None] * self.steps).append(_finite(torch.linalg.vector_norm(value).item()))
            for values in norms.values():
                values.extend([None] * (self.steps + 1 - len(values)))
            change = after[start:stop] - before[start:stop]
            self.update.setdefault(name, []).append(_finite(torch.linalg.vector_norm(change).item()))
        self.steps += 1

    def take(self, steps: int) -> dict[str, Any]:
        """The epoch's first `steps` records (the ones the run keeps), and a fresh epoch."""
        state = {name: {key: values[:steps] for key, values in norms.items()} for name, norms in self.state.items()}
        chunk = {"state": state, "update": {name: values[:steps] for name, values in self.update.items()}}
        self.state, self.update, self.steps = {}, {}, 0
        return chunk


def plateau_state(scheduler: Any) -> dict[str, float | int | None]:
    """ReduceLROnPlateau's counters now (`best` is null until the first epoch: it starts at ±inf)."""
    values = {name: getattr(scheduler, name) for name in PLATEAU_FIELDS}
    return {name: _finite(float(value)) if isinstance(value, float) else value for name, value in values.items()}


def extend_records(target: dict[str, Any], chunk: dict[str, Any], before: int, length: int) -> None:
    """Append an epoch's chunk of nested per-step lists to the run's, padding names new or missing with null.

    `before` is how many steps the run's lists hold already, `length` how many the chunk adds."""
    for key, value in chunk.items():
        if isinstance(value, dict):
            extend_records(target.setdefault(key, {}), value, before, length)
        else:
            target.setdefault(key, [None] * before).extend(value)
    for key, value in target.items():
        if isinstance(value, list) and key not in chunk:
            value.extend([None] * length)
