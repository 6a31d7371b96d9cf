"""Sweeps (design.md §6): one run repeated over a grid of starts, hyperparameter values or noise seeds.

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
- The surface is evaluated once on the (B, 2) stack, as runs.Lockstep does for up to 16 runs, unless
  its formula has an op whose vectorised kernel rounds differently (`uses_vector_unsafe_ops`); then
  each cell is evaluated on its own (2,) leaf, as a lone run does.
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

Everything else (LBFGS, Adafactor, the rest of the zoo and any optimizer not verified element-wise, ReduceLROnPlateau,
schedulers outside torch or differing between cells) runs as independent runs through
runs.Lockstep — the one implementation of the design.md §2 loop — in chunks that bound memory.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, replace
from typing import Any

import torch

from app.engine.catalog import TORCH_RNG, LambdaFormula
from app.engine.clipping import clip_rows_
from app.engine.construct import ResolvedScheduler
from app.engine.errors import SpecError
from app.engine.hyperparameters import Hyperparameter, hyperparameter
from app.engine.runs import (
    DEFAULT_LIMITS,
    DIVERGENCE_BOUND,
    Limits,
    Points,
    PreparedExperiment,
    PreparedRun,
    RunEnded,
    iterate_experiment,
    prepare_run,
)
from app.engine.spec import Grid2Vary, ParamVary, RunSpec, StartVary, SweepSpec
from app.engine.surfaces import Surface, resolve_surface

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
MINIMUM_RADIUS = 0.05  # × the domain's width: how close a cell must end to a minimum to be in its basin
LOCKSTEP_RECORDS = 2_000_000  # records (runs × (steps + 1)) one lockstep chunk may hold in memory
LOCKSTEP_RUNS = 256
NOISE_STEPS_PER_DRAW = 7  # steps of noise drawn per randn call: 14 numbers, under torch's 16 (module docstring)

STATUS_CODES = ("completed", "diverged", "failed")
COMPLETED, DIVERGED, FAILED = range(3)


# --- the prepared sweep ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedSweep:
    """A validated sweep: one prepared run per cell, in result order (row-major for maps: j * nx + i)."""

    kind: str
    surface: Surface
    steps: int
    tolerance: float
    cells: list[PreparedRun]
    axes: dict[str, Any]  # what the result names its cells by: x/y, name/values or seeds
    max_seconds: float = DEFAULT_LIMITS.max_seconds  # wall-clock budget of the whole sweep, however it runs

    @property
    def work(self) -> int:
        return len(self.cells) * self.steps

    def batch_blocker(self) -> str | None:
        """Why the cells cannot run batched (None when they can); see the module docstring."""
        first = self.cells[0]
        entry = first.optimizer.entry
        torch_elementwise = entry.source == "torch" and entry.name in ELEMENTWISE_OPTIMIZERS
        if not torch_elementwise and entry.id not in ELEMENTWISE_ZOO_OPTIMIZERS:
            return f"{entry.id} is not verified element-wise"
        if not entry.closure_once or entry.random or entry.records_eval_point:
            return f"{entry.id} does not step once per closure call"
        if any(cell.optimizer.entry is not entry for cell in self.cells):
            return "cells use different optimizers"
        key = _scheduler_key(first.scheduler)
        if first.scheduler is not None:
            blocker = _scheduler_blocker(first.scheduler)
            if blocker:
                return blocker
        if any(_scheduler_key(cell.scheduler) != key for cell in self.cells):
            return "the cells' schedulers differ (a default derived from the learning rate)"
        if len({_noise_std(cell) for cell in self.cells}) > 1:
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


def _axis_values(bounds: tuple[float, float] | None, domain: tuple[float, float], n: int, loc: str) -> list[float]:
    low, high = bounds if bounds is not None else domain
    if not low < high:
        raise SpecError(("vary", loc), "the range must be [min, max] with min < max")
    if not math.isfinite(high - low):
        raise SpecError(("vary", loc), "the range must be finite: max - min overflows")
    return torch.linspace(low, high, n, dtype=torch.float64).tolist()


def _prepare_value(
    run: RunSpec,
    values: dict[str, tuple[Hyperparameter, float]],
    index: int,
    surface: Surface,
    steps: int,
    limits: Limits,
    loc: tuple[str | int, ...],
) -> PreparedRun:
    """The run with some hyperparameters (by sweep name) set; a value refused is blamed on its place in `vary`."""
    try:
        for swept, value in values.values():
            run = swept.set(run, value)
        return prepare_run(run, index, surface, steps, limits)
    except SpecError as err:
        setting = ", ".join(f"{name}={value!r}" for name, (_, value) in values.items())
        raise SpecError(loc, f"with {setting}: {err.msg}", err.type) from None


def prepare_sweep(spec: SweepSpec, limits: Limits = DEFAULT_LIMITS) -> PreparedSweep:
    """Validate a sweep against the catalog and the limits; SpecError names the field."""
    if spec.steps > limits.max_steps:
        raise SpecError(("steps",), f"at most {limits.max_steps} steps", "less_than_equal")
    vary = spec.vary
    if isinstance(vary, StartVary):
        cells = vary.resolution**2
    elif isinstance(vary, ParamVary):
        cells = len(vary.values)
    elif isinstance(vary, Grid2Vary):
        cells = len(vary.x.values) * len(vary.y.values)
    else:
        cells = len(vary.seeds)
    if cells * spec.steps > limits.max_sweep_work:
        message = (
            f"this sweep is {cells} runs × {spec.steps} steps = {cells * spec.steps} run-steps; "
            f"at most {limits.max_sweep_work}"
        )
        raise SpecError(("vary",), message, "less_than_equal")
    try:
        surface = resolve_surface(spec.surface.id, spec.surface.params, limits.max_formula_length)
    except SpecError as err:
        raise err.within("surface") from None
    try:
        base = prepare_run(spec.run, 0, surface, spec.steps, limits)
    except SpecError as err:
        raise err.within("run") from None

    prepared: list[PreparedRun]
    axes: dict[str, Any]
    if isinstance(vary, StartVary):
        (x_domain, y_domain) = surface.definition.domain
        xs = _axis_values(vary.x, x_domain, vary.resolution, "x")
        ys = _axis_values(vary.y, y_domain, vary.resolution, "y")
        prepared = [
            replace(base, index=j * len(xs) + i, start=(x, y)) for j, y in enumerate(ys) for i, x in enumerate(xs)
        ]
        axes = {"x": xs, "y": ys}
    elif isinstance(vary, ParamVary):
        swept = hyperparameter(spec.run, vary.name, ("vary", "name"))
        prepared = [
            _prepare_value(spec.run, {vary.name: (swept, value)}, i, surface, spec.steps, limits, ("vary", "values", i))
            for i, value in enumerate(vary.values)
        ]
        axes = {"name": vary.name, "values": list(vary.values)}
    elif isinstance(vary, Grid2Vary):
        if vary.x.name == vary.y.name:
            raise SpecError(("vary", "y", "name"), "the two hyperparameters must differ")
        swept_x = hyperparameter(spec.run, vary.x.name, ("vary", "x", "name"))
        swept_y = hyperparameter(spec.run, vary.y.name, ("vary", "y", "name"))
        for axis_name, axis, swept in (("x", vary.x, swept_x), ("y", vary.y, swept_y)):
            for i, value in enumerate(axis.values):  # blame a bad value on its own axis first
                _prepare_value(spec.run, {axis.name: (swept, value)}, 0, surface, spec.steps, limits,
                               ("vary", axis_name, "values", i))  # fmt: skip
        xs, ys = list(vary.x.values), list(vary.y.values)
        prepared = [
            _prepare_value(
                spec.run,
                {vary.x.name: (swept_x, x), vary.y.name: (swept_y, y)},
                j * len(xs) + i,
                surface,
                spec.steps,
                limits,
                ("vary",),
            )
            for j, y in enumerate(ys)
            for i, x in enumerate(xs)
        ]
        axes = {"x": xs, "y": ys, "x_name": vary.x.name, "y_name": vary.y.name}
    else:
        if base.noise is None or base.noise.std <= 0:
            raise SpecError(("run", "noise", "std"), "a seed band needs gradient noise: set run.noise.std > 0")
        prepared = [
            replace(base, index=i, noise=base.noise.model_copy(update={"seed": seed}))
            for i, seed in enumerate(vary.seeds)
        ]
        axes = {"seeds": list(vary.seeds)}
    return PreparedSweep(vary.kind, surface, spec.steps, spec.tolerance, prepared, axes, limits.max_seconds)


# --- events ----------------------------------------------------------------------------------------


@dataclass
class SweepStarted:
    kind: str
    steps: int
    surface: dict[str, Any]
    cells: int
    axes: dict[str, Any]
    batched: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "event": "sweep",
            "kind": self.kind,
            "steps": self.steps,
            "surface": self.surface,
            "cells": self.cells,
            **self.axes,
            "batched": self.batched,
        }


@dataclass
class Progress:
    done: int  # run-steps computed
    total: int

    def to_dict(self) -> dict[str, Any]:
        return {"event": "progress", "done": self.done, "total": self.total}


@dataclass
class SweepResult:
    result: dict[str, Any]
    cut_short_by_the_server: bool = False  # some cell hit the server's compute budget: not worth caching

    def to_dict(self) -> dict[str, Any]:
        return {"event": "result", **self.result}


SweepEvent = SweepStarted | Progress | SweepResult


# --- what each cell ended with ---------------------------------------------------------------------


@dataclass
class Outcomes:
    """Per cell: the run's status and summary, its last recorded point, and (seed bands) its path."""

    status: list[str]
    final_point: list[tuple[float, float] | None]
    final_loss: list[float | None]  # the last recorded loss (the run's summary)
    best_loss: list[float | None]
    steps_to_tolerance: list[int | None]
    paths: list[tuple[list[float], list[float], list[float]]] | None = None
    cut_short_by_the_server: bool = False


class Tracker:
    """The design.md §2 record checks for B rows at once, keeping only what a sweep reports.

    Record k of a live row is good when its loss, point and learning rate are finite and the point is
    within bounds; the first bad record stops the row as diverged at k (its records end at k - 1).
    """

    def __init__(self, rows: int, steps: int, f_min: float | None, tolerance: float, keep_paths: bool) -> None:
        f64 = torch.float64
        self.live = torch.ones(rows, dtype=torch.bool)
        self.status = torch.full((rows,), COMPLETED, dtype=torch.int64)
        self.length = torch.full((rows,), steps + 1, dtype=torch.int64)  # records kept
        self.point = torch.full((rows, 2), math.nan, dtype=f64)
        self.loss = torch.full((rows,), math.nan, dtype=f64)
        self.best = torch.full((rows,), math.inf, dtype=f64)
        self.hit = torch.full((rows,), -1, dtype=torch.int64)  # steps to tolerance, -1 until reached
        self.f_min = f_min
        self.tolerance = tolerance
        self.points = torch.empty(rows, steps + 1, 2, dtype=f64) if keep_paths else None
        self.losses = torch.empty(rows, steps + 1, dtype=f64) if keep_paths else None

    def any_live(self) -> bool:
        return bool(self.live.any())

    def record(self, k: int, points: torch.Tensor, losses: torch.Tensor, lr_ok: torch.Tensor | None) -> None:
        bad = (
            ~torch.isfinite(losses) | ~torch.isfinite(points).all(dim=1) | (points.abs() > DIVERGENCE_BOUND).any(dim=1)
        )
        if lr_ok is not None:
            bad |= ~lr_ok
        stopping = self.live & bad
        if bool(stopping.any()):
            self.status[stopping] = DIVERGED
            self.length[stopping] = k
            self.live &= ~bad
        good = self.live
        self.point = torch.where(good.unsqueeze(1), points, self.point)
        self.loss = torch.where(good, losses, self.loss)
        self.best = torch.where(good & (losses < self.best), losses, self.best)  # the first lowest, as min()
        if self.f_min is not None:
            reached = good & (self.hit < 0) & (losses - self.f_min <= self.tolerance)
            self.hit = torch.where(reached, k, self.hit)
        if self.points is not None and self.losses is not None:
            self.points[:, k] = points
            self.losses[:, k] = losses

    def fail(self, k: int) -> None:
        """Every live row fails at step k: its records end at k - 1."""
        self.status[self.live] = FAILED
        self.length[self.live] = k
        self.live[:] = False

    def outcomes(self, order: list[int]) -> Outcomes:
        """Outcomes in cell order; row r holds cell order[r]."""
        rows = torch.empty(len(order), dtype=torch.int64)
        rows[torch.tensor(order)] = torch.arange(len(order))
        length = self.length[rows].tolist()
        point = self.point[rows].tolist()
        kept = [n > 0 for n in length]
        outcomes = Outcomes(
            status=[STATUS_CODES[s] for s in self.status[rows].tolist()],
            final_point=[(p[0], p[1]) if ok else None for p, ok in zip(point, kept, strict=True)],
            final_loss=[v if ok else None for v, ok in zip(self.loss[rows].tolist(), kept, strict=True)],
            best_loss=[v if ok else None for v, ok in zip(self.best[rows].tolist(), kept, strict=True)],
            steps_to_tolerance=[h if h >= 0 else None for h in self.hit[rows].tolist()],
        )
        if self.points is not None and self.losses is not None:
            outcomes.paths = []
            for row, n in zip(rows.tolist(), length, strict=True):
                xy = self.points[row, :n]
                outcomes.paths.append((xy[:, 0].tolist(), xy[:, 1].tolist(), self.losses[row, :n].tolist()))
        return outcomes


# --- the batched engine ----------------------------------------------------------------------------


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
            torch.manual_seed(0)  # as a lone run does before building its optimizer (design.md §4)
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
            stack = points.requires_grad_(True)  # a fresh leaf: cat() copied the rows
            losses = self.surface(stack)
            losses.sum().backward()
            assert stack.grad is not None
            return stack.detach(), losses.detach(), stack.grad
        losses = torch.empty(len(points), dtype=torch.float64)
        grads = torch.empty_like(points)
        for row in range(len(points)):
            p = points[row].clone().requires_grad_(True)  # a (2,) leaf, as in design.md §2
            loss = self.surface(p)
            loss.backward()
            assert p.grad is not None
            losses[row], grads[row] = loss.detach(), p.grad
        return points, losses, grads

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
            self.add_noise(grads)
            clip_rows_(grads, self.clip)
            offset = 0
            for leaf, size in zip(self.leaves, self.sizes, strict=True):
                leaf.grad = grads[offset : offset + size]
                offset += size
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


def _batched(sweep: PreparedSweep, deadline: float) -> Generator[int, None, Outcomes]:
    """Run-steps done, as the batch advances; returns the outcomes."""
    batch = BatchedCells(sweep, keep_paths=sweep.kind == "seed")
    cells = len(sweep.cells)
    for k in batch.advance(deadline):
        yield k * cells
    return replace(batch.tracker.outcomes(batch.order), cut_short_by_the_server=batch.cut_short_by_the_server)


def _lockstep(sweep: PreparedSweep, chunk_seconds: float, deadline: float) -> Generator[int, None, Outcomes]:
    """Run-steps done, as independent runs advance in lockstep chunks; returns the outcomes."""
    n = sweep.steps
    cells = sweep.cells
    size = max(1, min(LOCKSTEP_RUNS, LOCKSTEP_RECORDS // (n + 1)))
    keep_paths = sweep.kind == "seed"
    out = Outcomes(
        ["completed"] * len(cells),
        [None] * len(cells),
        [None] * len(cells),
        [None] * len(cells),
        [None] * len(cells),
        [([], [], []) for _ in cells] if keep_paths else None,
    )
    for first in range(0, len(cells), size):
        chunk = [replace(cell, index=i) for i, cell in enumerate(cells[first : first + size])]
        known = [0] * len(chunk)
        experiment = PreparedExperiment(
            sweep.surface, n, sweep.tolerance, chunk, max_seconds=max(0.0, deadline - time.perf_counter())
        )
        for event in iterate_experiment(experiment, chunk_seconds):
            if isinstance(event, Points):
                c = first + event.run
                out.final_point[c] = (event.x[-1], event.y[-1])
                if out.paths is not None:
                    for path, values in zip(out.paths[c], (event.x, event.y, event.loss), strict=True):
                        path.extend(values)
                known[event.run] = event.start + len(event.x) - 1
                yield first * n + sum(known)
            elif isinstance(event, RunEnded):
                c = first + event.run
                out.status[c] = event.status
                out.final_loss[c] = event.summary["final_loss"]
                out.best_loss[c] = event.summary["best_loss"]
                out.steps_to_tolerance[c] = event.summary["steps_to_tolerance"]
                out.cut_short_by_the_server |= event.cut_short_by_the_server
                known[event.run] = n
    return out


class ProgressMeter:
    """Progress events at most every `seconds`, never going back (a batch redone run by run restarts
    its count: nothing is reported until it passes what was reported before)."""

    def __init__(self, total: int, seconds: float) -> None:
        self.total = total
        self.seconds = seconds
        self.reported = 0
        self.last = time.perf_counter()

    def follow(self, work: Generator[int, None, Outcomes]) -> Generator[Progress, None, Outcomes]:
        """Drive `work` (which yields run-steps done), reporting on the way; returns what it returns."""
        while True:
            try:
                done = min(next(work), self.total)
            except StopIteration as stop:
                return stop.value
            now = time.perf_counter()
            if done > self.reported and now - self.last >= self.seconds:
                self.reported, self.last = done, now
                yield Progress(done, self.total)


# --- results ---------------------------------------------------------------------------------------


def minimum_index(surface: Surface, point: tuple[float, float] | None) -> int | None:
    """The index of the minimum within MINIMUM_RADIUS × domain width of `point` (the nearest), or None."""
    if point is None or not surface.minima:
        return None
    (x_min, x_max), _ = surface.definition.domain
    radius = MINIMUM_RADIUS * (x_max - x_min)
    distances = [math.dist(point, m.point) for m in surface.minima]
    nearest = min(range(len(distances)), key=distances.__getitem__)
    return nearest if distances[nearest] <= radius else None


def _percentiles(paths: list[tuple[list[float], list[float], list[float]]]) -> dict[str, list[float]]:
    """Per step, the 10th/50th/90th percentile (linear interpolation) of the loss over seeds still running."""
    steps = max((len(loss) for _, _, loss in paths), default=0)
    if steps == 0:
        return {"loss_p10": [], "loss_p50": [], "loss_p90": []}
    table = torch.full((len(paths), steps), math.nan, dtype=torch.float64)
    for row, (_, _, loss) in enumerate(paths):
        table[row, : len(loss)] = torch.tensor(loss, dtype=torch.float64)
    q = torch.nanquantile(table, torch.tensor([0.1, 0.5, 0.9], dtype=torch.float64), dim=0)
    return {"loss_p10": q[0].tolist(), "loss_p50": q[1].tolist(), "loss_p90": q[2].tolist()}


def build_result(sweep: PreparedSweep, out: Outcomes) -> dict[str, Any]:
    """The design.md §6 sweep result; a diverged cell's final loss is null."""
    final_loss = [None if s == "diverged" else v for s, v in zip(out.status, out.final_loss, strict=True)]
    head = {"kind": sweep.kind, "surface": sweep.surface.describe(), "steps": sweep.steps}
    if sweep.kind == "param":
        eligible = [i for i, v in enumerate(final_loss) if v is not None]
        best_cell = min(eligible, key=lambda i: final_loss[i], default=None)  # type: ignore[arg-type,return-value]
        values = sweep.axes["values"]
        best = None if best_cell is None else {"value": values[best_cell], "final_loss": final_loss[best_cell]}
        return {
            **head,
            **sweep.axes,
            "final_loss": final_loss,
            "best_loss": out.best_loss,
            "steps_to_tolerance": out.steps_to_tolerance,
            "status": out.status,
            "best": best,
        }
    if sweep.kind == "seed":
        assert out.paths is not None
        return {
            **head,
            **sweep.axes,
            "x": [x for x, _, _ in out.paths],
            "y": [y for _, y, _ in out.paths],
            "loss": [loss for _, _, loss in out.paths],
            "status": out.status,
            "final_loss": final_loss,
            **_percentiles(out.paths),
        }
    nx = len(sweep.axes["x"])

    def grid(values: list[Any]) -> list[list[Any]]:
        return [values[j * nx : (j + 1) * nx] for j in range(len(values) // nx)]

    basins = [
        None if s == "diverged" else minimum_index(sweep.surface, p)
        for s, p in zip(out.status, out.final_point, strict=True)
    ]
    return {
        **head,
        **sweep.axes,
        "final_loss": grid(final_loss),
        "steps_to_tolerance": grid(out.steps_to_tolerance),
        "status": grid(out.status),
        "final_x": grid([p[0] if p is not None else None for p in out.final_point]),
        "final_y": grid([p[1] if p is not None else None for p in out.final_point]),
        "minimum_index": grid(basins),
    }


# --- entry points ----------------------------------------------------------------------------------


def iterate_sweep(sweep: PreparedSweep, progress_seconds: float = 0.1) -> Iterator[SweepEvent]:
    """The sweep as stream events: `sweep`, `progress` (at most every `progress_seconds`), `result`.

    Computation happens between events, so a consumer that stops asking stops it.
    """
    batched = sweep.batch_blocker() is None
    deadline = time.perf_counter() + sweep.max_seconds  # the server's budget covers the whole sweep
    yield SweepStarted(sweep.kind, sweep.steps, sweep.surface.describe(), len(sweep.cells), sweep.axes, batched)
    meter = ProgressMeter(sweep.work, progress_seconds)
    outcomes: Outcomes | None = None
    if batched:
        try:
            outcomes = yield from meter.follow(_batched(sweep, deadline))
        except NotBatchable:
            outcomes = None  # recomputed below, run by run
    if outcomes is None:
        outcomes = yield from meter.follow(_lockstep(sweep, progress_seconds / 2, deadline))
    yield Progress(sweep.work, sweep.work)
    yield SweepResult(build_result(sweep, outcomes), outcomes.cut_short_by_the_server)


def collect_sweep(events: Iterator[SweepEvent]) -> dict[str, Any]:
    """The result document from the stream events: one code path for both."""
    result: dict[str, Any] = {}
    for event in events:
        if isinstance(event, SweepResult):
            result = event.result
    return result


def run_sweep(spec: SweepSpec, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Validate and run a sweep; the whole result document."""
    return collect_sweep(iterate_sweep(prepare_sweep(spec, limits)))
