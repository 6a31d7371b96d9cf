"""The batched path of a sweep (design.md §6): every cell a row of one tensor under one torch optimizer.

Exactness is the contract: every cell equals what the same run gives alone through `run_experiment`
(status, final point, final loss, steps to tolerance), bit for bit. Speed comes from batching, and
only where batching provably changes no bit:

- The cells become rows of float64 leaves driven by ONE real torch optimizer, with one param group
  per distinct set of hyperparameters: a basin map or a seed band is one (B, 2) leaf in one group;
  an LR sweep is one (1, 2) leaf per value, each in its own group. This is done only for optimizers
  whose CPU update is element-wise (`ELEMENTWISE_OPTIMIZERS` from torch, `ELEMENTWISE_ZOO_OPTIMIZERS`
  from pytorch-optimizer; each read in its source and verified bit for bit by
  tests/unit/test_sweeps.py): every row then sees exactly the operations a lone (2,) tensor
  sees, and the hyperparameters still enter as the same Python scalars, group by group. A row that
  diverges keeps being stepped, masked; element-wise updates keep its NaNs to itself.
- The surface and its gradient are computed once on the (B, 2) stack, as runs.Lockstep does for up to
  16 runs, by the reverse pass of app/engine/gradient.py (autograd's numbers without its engine), unless
  its formula has an op whose vectorised kernel rounds differently (`uses_vector_unsafe_ops`); then
  each cell is evaluated on its own (2,) leaf by autograd, as a lone run does.
- Noise: a run's generator is seeded with its noise seed and draws once per step, so cells that share
  a seed draw the same numbers. One generator per distinct seed draws the numbers of design.md §2's
  `randn(2)` per step, and each row gets its seed's draw. They are drawn seven steps at a time:
  torch's CPU `randn` makes fewer than 16 numbers one by one, so `randn(14)` is seven `randn(2)` in a
  row (tests/unit/test_sweeps.py holds torch to it), at a seventh of the calls.
- Gradient clipping (design.md §11), after the noise, row by row: `clipping.clip_rows_` takes, per row,
  the steps torch's clip_grad_norm_ / clip_grad_value_ take on a lone (2,) gradient (held to them by
  tests/unit/test_clipping.py); every cell clips alike, as they all come from one run.
- A scheduler (not loss-driven, from torch itself) is built once on the batched optimizer when every
  cell's resolved scheduler is the same: torch schedulers update each param group from that group's
  own values, so each group follows exactly its lone run's schedule.
- A step that raises is data-independent for these optimizers (only Python scalars of one group can
  raise), so with one group every live cell fails at that step, as each lone run would. With several
  groups the sweep is recomputed the plain way.

Everything else (LBFGS, Adafactor, the rest of the zoo and any optimizer not verified element-wise,
ReduceLROnPlateau, schedulers outside torch or differing between cells) runs cell by cell on the
run-by-run path (app/engine/sweeps/lockstep.py).
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Generator, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import torch

from app.engine.catalog import TORCH_RNG, LambdaFormula, seed_global_generators
from app.engine.clipping import clip_rows_
from app.engine.construct import ResolvedScheduler
from app.engine.gradient import ReversePass
from app.engine.runs import PreparedRun
from app.engine.sweeps.tracking import Outcomes, Tracker

if TYPE_CHECKING:
    from app.engine.sweeps.prepare import PreparedSweep

# torch.optim classes whose CPU single-tensor (foreach=False) step is element-wise over the parameter:
# a (B, 2) tensor steps exactly like B separate (2,) tensors. tests/unit/test_sweeps.py checks each one,
# bit for bit, against lone runs. (Adafactor factors its second moment over rows and columns; LBFGS
# keeps a history of whole-parameter dot products: both couple elements.)
ELEMENTWISE_OPTIMIZERS = frozenset(
    {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop"}
)
# pytorch-optimizer classes (by catalog id) whose step, at every setting the catalog offers, is element-wise:
# weight decay, moving averages, lerp, sign, clamp, sqrt and division on each tensor, foreach or not (the
# choice does not depend on shape), scaled by scalars of the group or of the step count: no norm, mean or sum
# over a tensor, no shape-dependent branch and nothing shared across param groups (adanorm and cautious, which
# would couple elements, come only through **kwargs, which the catalog does not offer). Each was read in its
# source and checked bit for bit against lone runs (basin maps on several surfaces, every bool setting flipped,
# LR sweeps with a group per value); tests/unit/test_sweeps.py keeps checking. Most of the zoo couples elements
# (Lamb, LARS, Nero: norms; DAdapt*, Prodigy: sums over all groups; AdamP, SGDP: cosine similarities; Shampoo,
# SOAP, GaLore: matrices), so only listed ones are batched. FTRL is element-wise but raises to its lr_power, and
# torch's vectorised pow rounds differently from the (2,) path (app/engine/formula.py).
ELEMENTWISE_ZOO_OPTIMIZERS = frozenset(
    f"pytorch_optimizer.{name}"
    for name in (
        "Lion", "Tiger", "SignSGD", "SGDW", "AccSGD", "QHM", "AggMo", "PID", "PNM", "QHAdam", "Yogi",
        "AdaBelief", "LaProp", "AdaMod", "AdaPNM", "Kate", "AdaBound", "MSVAG", "ADOPT", "EXAdam", "FOCUS",
        "Grams", "Ano",
    )
)  # fmt: skip
NOISE_STEPS_PER_DRAW = 7  # steps of noise drawn per randn call: 14 numbers, under torch's 16 (module docstring)


def batch_blocker(sweep: PreparedSweep) -> str | None:
    """Why the cells cannot run batched (None when they can); see the module docstring."""
    first = sweep.cells[0]
    entry = first.optimizer.entry
    torch_elementwise = entry.source == "torch" and entry.name in ELEMENTWISE_OPTIMIZERS
    if not torch_elementwise and entry.id not in ELEMENTWISE_ZOO_OPTIMIZERS:
        return f"{entry.id} is not verified element-wise"
    if not entry.closure_once or entry.random or entry.records_eval_point:
        return f"{entry.id} does not step once per closure call"
    if any(cell.optimizer.entry is not entry for cell in sweep.cells):
        return "cells use different optimizers"
    key = _scheduler_key(first.scheduler)
    if first.scheduler is not None:
        blocker = _scheduler_blocker(first.scheduler)
        if blocker:
            return blocker
    if any(_scheduler_key(cell.scheduler) != key for cell in sweep.cells):
        return "the cells' schedulers differ (a default derived from the learning rate)"
    if len({_noise_std(cell) for cell in sweep.cells}) > 1:
        return "the cells' noise levels differ"
    return None


def _scheduler_blocker(scheduler: ResolvedScheduler) -> str | None:
    if scheduler.is_plateau:
        return "ReduceLROnPlateau follows each cell's own losses"
    if scheduler.entry.source != "torch":
        return f"{scheduler.entry.id} is not one of torch's schedulers"
    return next((b for child in scheduler.children if (b := _scheduler_blocker(child))), None)


def _scheduler_key(scheduler: ResolvedScheduler | None) -> Any:
    """A comparable fingerprint of a resolved scheduler (formulas by their text)."""
    if scheduler is None:
        return None
    kwargs = sorted(
        (name, value.formula.text if isinstance(value, LambdaFormula) else repr(value))
        for name, value in scheduler.kwargs.items()
    )
    children = tuple(_scheduler_key(child) for child in scheduler.children)
    return (scheduler.entry.id, tuple(kwargs), children, scheduler.interval, scheduler.steps_per_epoch)


def _noise_std(cell: PreparedRun) -> float:
    return cell.noise.std if cell.noise is not None and cell.noise.std > 0 else 0.0


class NotBatchable(Exception):
    """A step raised with several param groups: which cells it ends cannot be told apart here."""


def _kwargs_key(kwargs: dict[str, Any]) -> str:
    return repr(sorted(kwargs.items()))


class BatchedCells:
    """Every cell as a row of a float64 leaf, all driven by one real torch optimizer (module docstring)."""

    def __init__(self, sweep: PreparedSweep, keep_paths: bool) -> None:
        self.sweep = sweep
        self.surface = sweep.surface
        self.per_cell_forward = sweep.surface.formula.uses_vector_unsafe_ops
        cells = sweep.cells
        groups: dict[str, list[int]] = {}
        for c, cell in enumerate(cells):
            groups.setdefault(_kwargs_key(cell.optimizer.kwargs), []).append(c)
        members = list(groups.values())
        self.order = [c for group in members for c in group]  # row r holds cell order[r]
        self.sizes = [len(group) for group in members]
        self.leaves = [
            torch.tensor([cells[c].start for c in group], dtype=torch.float64, requires_grad=True) for group in members
        ]
        first = cells[0]
        param_groups = [
            {"params": [leaf], **cells[group[0]].optimizer.kwargs}
            for leaf, group in zip(self.leaves, members, strict=True)
        ]
        with TORCH_RNG:
            seed_global_generators()  # as a lone run does before building its optimizer (design.md §4)
            self.optimizer = first.optimizer.entry.cls(param_groups, **first.optimizer.kwargs)
        self.schedule = first.scheduler
        self.scheduler = first.scheduler.build(self.optimizer) if first.scheduler is not None else None
        self.noise_std = _noise_std(first)
        self.clip = first.clip
        seeds = [cells[c].noise.seed for c in self.order] if self.noise_std else []  # type: ignore[union-attr]
        distinct = list(dict.fromkeys(seeds))
        self.generators = [torch.Generator().manual_seed(seed) for seed in distinct]
        self.seed_rows = torch.tensor([distinct.index(s) for s in seeds]) if len(distinct) > 1 else None
        self.noise_draws = torch.empty(len(distinct), 0, 2, dtype=torch.float64)  # per generator, steps to come
        self.cut_short_by_the_server = False
        self.tracker = Tracker(len(cells), sweep.steps, sweep.surface.min_value, sweep.tolerance, keep_paths)

    def lr_ok(self) -> torch.Tensor | None:
        """Per row: is its group's learning rate finite (a scheduler's formula can overflow)."""
        if self.scheduler is None:
            return None  # the validated initial learning rate never changes
        finite = torch.tensor([math.isfinite(group["lr"]) for group in self.optimizer.param_groups])
        return finite.repeat_interleave(torch.tensor(self.sizes))

    def points(self) -> torch.Tensor:
        return torch.cat([leaf.detach() for leaf in self.leaves])

    def forward_backward(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(points, losses, gradients) at the current points, each row computed as its lone run does."""
        points = self.points()
        if not self.per_cell_forward:
            losses, grads = self.reverse_pass(points)  # autograd's numbers without its engine (app/engine/gradient.py)
            return points, losses, grads
        losses = torch.empty(len(points), dtype=torch.float64)
        grads = torch.empty_like(points)
        for row in range(len(points)):
            p = points[row].clone().requires_grad_(True)  # a (2,) leaf, as in design.md §2
            loss = self.surface(p)
            loss.backward()
            assert p.grad is not None
            losses[row], grads[row] = loss.detach(), p.grad
        return points, losses, grads

    @functools.cached_property
    def reverse_pass(self) -> ReversePass:
        """Built when first needed, for a vector-safe formula: those all have an exact reverse pass."""
        return ReversePass(self.surface.formula)

    def final_losses(self, points: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            if not self.per_cell_forward:
                return self.surface(points)
            return torch.stack([self.surface(points[row].clone()) for row in range(len(points))])

    def add_noise(self, grads: torch.Tensor) -> None:
        if not self.noise_std:
            return
        if self.noise_draws.shape[1] == 0:
            self.noise_draws = torch.stack(
                [torch.randn(2 * NOISE_STEPS_PER_DRAW, generator=g, dtype=torch.float64) for g in self.generators]
            ).view(len(self.generators), NOISE_STEPS_PER_DRAW, 2)
        draws, self.noise_draws = self.noise_draws[:, 0], self.noise_draws[:, 1:]
        scaled = self.noise_std * draws  # the same product a lone run computes, element by element
        grads.add_(scaled[self.seed_rows] if self.seed_rows is not None else scaled)

    def set_step_gradients(self, grads: torch.Tensor) -> None:
        """Hand each leaf its rows of the gradient as a lone run's closure leaves it: the surface's gradient,
        then the noise (design.md §2), then the clipping (§11). Whatever a run's closure does to its gradient
        belongs here, row by row."""
        self.add_noise(grads)
        clip_rows_(grads, self.clip)
        offset = 0
        for leaf, size in zip(self.leaves, self.sizes, strict=True):
            leaf.grad = grads[offset : offset + size]
            offset += size

    def step_scheduler(self, k: int) -> None:
        if self.scheduler is None or self.schedule is None:
            return
        if self.schedule.interval == "epoch" and k % self.schedule.steps_per_epoch != 0:
            return
        self.scheduler.step()

    def advance(self, deadline: float) -> Iterator[int]:
        """design.md §2 for every row at once; yields each completed step number. Past `deadline` (the server's
        time budget) every live row fails at the next step, as a lone run out of time does."""
        tracker = self.tracker
        lr_ok = self.lr_ok()
        n = self.sweep.steps
        for k in range(1, n + 1):
            points, losses, grads = self.forward_backward()
            tracker.record(k - 1, points, losses, lr_ok)
            if not tracker.any_live():
                return
            if time.perf_counter() > deadline:
                tracker.fail(k)
                self.cut_short_by_the_server = True
                return
            self.set_step_gradients(grads)
            try:
                self.optimizer.step(lambda losses=losses: losses)
                self.step_scheduler(k)
            except Exception as err:
                if len(self.leaves) > 1:
                    raise NotBatchable from err
                tracker.fail(k)
                return
            lr_ok = self.lr_ok()
            yield k
        points = self.points()
        tracker.record(n, points, self.final_losses(points), lr_ok)


def batched_outcomes(sweep: PreparedSweep, deadline: float) -> Generator[int, None, Outcomes]:
    """Run-steps done, as the batch advances; returns the outcomes."""
    batch = BatchedCells(sweep, keep_paths=sweep.vary.keeps_paths)
    cells = len(sweep.cells)
    for k in batch.advance(deadline):
        yield k * cells
    return replace(batch.tracker.outcomes(batch.order), cut_short_by_the_server=batch.cut_short_by_the_server)
