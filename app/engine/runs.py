"""The design.md §2 loop for the runs of one experiment, advanced in lockstep and yielded in chunks.

Exactness comes first: every number equals what a plain PyTorch loop written from design.md §2 gives.
Speed comes from doing less, never from doing it differently:

- f(p) is evaluated once per step: the loss recorded after step k is the loss the closure of step
  k + 1 computes at the same point (same operations, same bits).
- Runs whose optimizer calls its closure exactly once, at the current point (the catalog's probe
  checks this), share one forward/backward pass over a stacked (R, 2) tensor; the surface's
  operations are element-wise, so each run's value and gradient are bit-for-bit its own. The backward
  pass is app/engine/gradient.py's: autograd's operations in autograd's order, without its engine.
- Records go into preallocated tensors; Python floats are made only when a chunk is emitted.
"""

from __future__ import annotations

import functools
import math
import operator
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import torch

from app.engine.catalog import TORCH_RNG, RngStream, seed_global_generators
from app.engine.clipping import clip_gradients_
from app.engine.construct import ResolvedOptimizer, ResolvedScheduler, resolve_optimizer, resolve_scheduler
from app.engine.errors import SpecError
from app.engine.gradient import ReversePass
from app.engine.limits import DEFAULT_LIMITS, Limits
from app.engine.spec import ClipSpec, ExperimentSpec, NoiseSpec, RunSpec
from app.engine.surfaces import Surface, resolve_surface
from app.engine.theory import heavy_ball_rate, is_heavy_ball, measured_rate

DIVERGENCE_BOUND = 1e6


@dataclass(frozen=True)
class PreparedRun:
    index: int
    label: str
    start: tuple[float, float]
    optimizer: ResolvedOptimizer
    scheduler: ResolvedScheduler | None
    noise: NoiseSpec | None
    clip: ClipSpec | None = None


@dataclass(frozen=True)
class Part:
    """Which share of an experiment's runs one worker computes: part `index` of `count` (design.md §12)."""

    index: int = 0
    count: int = 1


@dataclass(frozen=True)
class PreparedExperiment:
    """A validated experiment: everything torch would refuse has been refused already."""

    surface: Surface
    steps: int
    tolerance: float
    runs: list[PreparedRun]
    record_state: bool = False
    # Closure evaluations the whole experiment may make: as many as the largest experiment of
    # one-evaluation steps, so an LBFGS with max_iter=10**9 ends (as a failed run) instead of hanging.
    max_evaluations: int = DEFAULT_LIMITS.max_steps * DEFAULT_LIMITS.max_runs
    max_seconds: float = DEFAULT_LIMITS.max_seconds
    part: Part = Part()

    def runs_of_part(self) -> list[PreparedRun]:
        """The runs this part computes. Runs are independent, except that those evaluating their closure
        themselves (LBFGS and the like) spend one shared evaluation budget: they stay together, in part 0,
        so the result is the same however the experiment is split. The others are dealt out in turn."""
        if self.part.count == 1:
            return self.runs
        budgeted = [run for run in self.runs if not shares_forward(run, self.surface)]
        dealt = [run for run in self.runs if shares_forward(run, self.surface)][self.part.index :: self.part.count]
        return sorted(dealt + (budgeted if self.part.index == 0 else []), key=lambda run: run.index)


def part_of(experiment: PreparedExperiment, part: Part) -> PreparedExperiment:
    """The experiment as one worker computes it when its runs are shared out among several."""
    return replace(experiment, part=part)


def shares_forward(run: PreparedRun, surface: Surface) -> bool:
    """Whether the run's closure is evaluated once per step at its current point, so its forward and
    backward pass can be shared with other runs' (stacked); the others evaluate it themselves."""
    return run.optimizer.entry.closure_once and not surface.formula.uses_vector_unsafe_ops


def default_label(run: RunSpec) -> str:
    return run.optimizer.id + (f", {run.scheduler.id}" if run.scheduler else "")


def prepare_run(run: RunSpec, index: int, surface: Surface, steps: int, limits: Limits = DEFAULT_LIMITS) -> PreparedRun:
    """Resolve one run; SpecError locations are relative to the run spec."""
    try:
        optimizer = resolve_optimizer(run.optimizer, limits)
    except SpecError as err:
        raise err.within("optimizer") from None
    scheduler = None
    if run.scheduler is not None:
        try:
            scheduler = resolve_scheduler(run.scheduler, steps, optimizer, limits)
        except SpecError as err:
            raise err.within("scheduler") from None
    start = run.start if run.start is not None else surface.definition.start
    return PreparedRun(index, run.label or default_label(run), start, optimizer, scheduler, run.noise, run.clip)


def prepare_experiment(spec: ExperimentSpec, limits: Limits = DEFAULT_LIMITS) -> PreparedExperiment:
    """Validate an experiment against the catalog and the limits; SpecError names the field."""
    if spec.steps > limits.max_steps:
        raise SpecError(("steps",), f"at most {limits.max_steps} steps", "less_than_equal")
    if len(spec.runs) > limits.max_runs:
        raise SpecError(("runs",), f"at most {limits.max_runs} runs", "too_long")
    try:
        surface = resolve_surface(spec.surface.id, spec.surface.params, limits.max_formula_length)
    except SpecError as err:
        raise err.within("surface") from None
    runs = []
    for i, run in enumerate(spec.runs):
        try:
            runs.append(prepare_run(run, i, surface, spec.steps, limits))
        except SpecError as err:
            raise err.within("runs", i) from None
    return PreparedExperiment(
        surface, spec.steps, spec.tolerance, runs, spec.record_state, limits.max_steps * limits.max_runs,
        limits.max_seconds,
    )  # fmt: skip


# --- events ----------------------------------------------------------------------------------------


@dataclass
class ExperimentStarted:
    steps: int
    surface: dict[str, Any]
    runs: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"event": "experiment", "steps": self.steps, "surface": self.surface, "runs": self.runs}


@dataclass
class Points:
    run: int
    start: int
    x: list[float]
    y: list[float]
    loss: list[float]
    lr: list[float]
    momentum: list[float | None] | None = None  # design.md §11; None for an optimizer without momentum or betas
    extra: dict[str, Any] = field(default_factory=dict)  # record_state: state, grad, evaluations, ...

    def to_dict(self) -> dict[str, Any]:
        return {"event": "points", "run": self.run, "start": self.start, "x": self.x, "y": self.y,
                "loss": self.loss, "lr": self.lr, "momentum": self.momentum, **self.extra}  # fmt: skip


@dataclass
class RunEnded:
    run: int
    status: str
    diverged_at: int | None
    failed_at: int | None
    error: str | None
    summary: dict[str, Any]

    @property
    def cut_short_by_the_server(self) -> bool:
        """Ended by the server's compute budget: another time, on another machine, it may not be."""
        return (self.error or "").startswith(ComputeBudgetExceeded.__name__)

    def to_dict(self) -> dict[str, Any]:
        return {"event": "run_end", "run": self.run, "status": self.status, "diverged_at": self.diverged_at,
                "failed_at": self.failed_at, "error": self.error, "summary": self.summary}  # fmt: skip


@dataclass
class Done:
    def to_dict(self) -> dict[str, Any]:
        return {"event": "done"}


Event = ExperimentStarted | Points | RunEnded | Done


# --- one live run ----------------------------------------------------------------------------------


def _unwrapped_step(optimizer: torch.optim.Optimizer) -> Callable[[Callable[[], torch.Tensor]], Any]:
    """`optimizer.step` without torch.optim's per-call wrapper, where no step hooks are registered.

    The wrapper (a profiler `record_function`, loops over step hooks, the LR scheduler's "was step called"
    flag) costs about as much as updating a 2-vector; it changes no number. An optimizer whose class
    `step` is not that wrapper, or that has hooks, is stepped as it is.
    """
    from torch.optim import optimizer as torch_optimizer

    step = type(optimizer).step
    hooks = (
        optimizer._optimizer_step_pre_hooks,
        optimizer._optimizer_step_post_hooks,
        torch_optimizer._global_optimizer_pre_hooks,
        torch_optimizer._global_optimizer_post_hooks,
    )
    if not getattr(step, "hooked", False) or not hasattr(step, "__wrapped__") or any(hooks):
        return optimizer.step
    optimizer._opt_called = True  # type: ignore[attr-defined]  # the flag the scheduler checks: we always step first
    return step.__wrapped__.__get__(optimizer)


def _state_value(value: Any) -> Any:
    """An optimizer-state entry as plain numbers, in its own type (a counter stays an int): 2-vectors and
    scalars; anything else is skipped."""
    if isinstance(value, torch.Tensor) and value.numel() in (1, 2) and value.dtype != torch.bool:
        numbers = value.reshape(-1).tolist()
        return numbers[0] if len(numbers) == 1 else numbers
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return None


def _finite_or_none(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list):
        return [_finite_or_none(v) for v in value]
    return value


def momentum_path(group: dict[str, Any]) -> tuple[str] | tuple[str, int] | None:
    """Where design.md §11's momentum record lives in a param group: its `momentum`, else the first of its
    `betas` (what OneCycleLR and CyclicLR cycle); None for an optimizer with neither. Exported scripts read it
    from the same place (codegen.py)."""
    if "momentum" in group:
        return ("momentum",)
    if "betas" in group and isinstance(group["betas"], tuple | list) and group["betas"]:
        return ("betas", 0)
    return None


def momentum_of(group: dict[str, Any]) -> float | None:
    """design.md §11's momentum record at `momentum_path`; None where there is none or it is not a number."""
    path = momentum_path(group)
    if path is None:
        return None
    value = functools.reduce(operator.getitem, path, group)
    if isinstance(value, float):  # the common case, recorded every step: no tensor checks
        return value
    plain = _state_value(value)
    return float(plain) if isinstance(plain, int | float) else None


PLATEAU_COUNTERS = ("best", "num_bad_epochs", "cooldown_counter")


class ComputeBudgetExceeded(RuntimeError):
    """The server's limit on one experiment's work ran out; not a property of the run itself."""


class EvaluationBudget:
    """Closure evaluations and seconds left to an experiment, shared by its runs.

    The server's guard against requests that would compute for hours (an LBFGS with a huge
    max_iter and zero tolerances): the runs still going when it runs out end as `failed`.
    """

    def __init__(self, evaluations: int, seconds: float, computation: str = "experiment") -> None:
        self.total, self.left, self.seconds = evaluations, evaluations, seconds
        self.deadline = time.perf_counter() + seconds
        self.computation = computation  # what the messages call it: an experiment, a training

    def out_of_time(self) -> bool:
        return time.perf_counter() > self.deadline

    def timeout_error(self) -> ComputeBudgetExceeded:
        return ComputeBudgetExceeded(f"the {self.computation} ran longer than the server's limit of {self.seconds:g} s")

    def spend(self) -> None:
        if self.left <= 0:
            raise ComputeBudgetExceeded(
                f"the {self.computation} used up its budget of {self.total} closure evaluations"
            )
        if self.out_of_time():
            raise self.timeout_error()
        self.left -= 1


class LiveRun:
    """One run's torch objects (parameter, optimizer, scheduler, noise generator) and its status."""

    def __init__(
        self, prepared: PreparedRun, surface: Surface, record_state: bool, budget: EvaluationBudget | None = None
    ) -> None:
        self.budget = budget or EvaluationBudget(DEFAULT_LIMITS.max_steps * DEFAULT_LIMITS.max_runs, math.inf)
        self.prepared = prepared
        self.index = prepared.index
        self.surface = surface
        self.p = torch.tensor(prepared.start, dtype=torch.float64, requires_grad=True)
        with TORCH_RNG:
            seed_global_generators()
            self.optimizer = prepared.optimizer.build(self.p)
            # Runs step in turn: one that draws from the global generators keeps its own streams.
            self.rng = RngStream() if prepared.optimizer.entry.random else None
        self.scheduler = prepared.scheduler.build(self.optimizer) if prepared.scheduler else None
        self.optimizer_step = _unwrapped_step(self.optimizer)
        self.records_eval_point = prepared.optimizer.entry.records_eval_point
        self.shares_forward = shares_forward(prepared, surface)
        noise = prepared.noise
        self.noise_std = noise.std if noise is not None and noise.std > 0 else 0.0
        self.generator = torch.Generator().manual_seed(noise.seed) if self.noise_std else None
        self.lr: list[float] = [float(self.optimizer.param_groups[0]["lr"])]
        momentum = momentum_of(self.optimizer.param_groups[0])
        self.momentum: list[float | None] | None = None if momentum is None else [momentum]
        self.clip = prepared.clip
        self.plateau_window: list[float] = []
        self.length: int | None = None  # set when the run stops early: records 0..length-1 are kept
        self.status = "completed"
        self.failed_at: int | None = None
        self.error: str | None = None
        self.record_state = record_state
        self.state: dict[str, list[Any]] = {}
        self.grads: list[Any] = [None]
        self.scheduler_state: dict[str, list[Any]] = {name: [None] for name in PLATEAU_COUNTERS}
        self.evaluations: list[list[list[float]]] = [[]]
        self._current_evaluations: list[list[float]] = []

    @property
    def step_loss_is_record(self) -> bool:
        """The closure's loss at step k is the loss of record k - 1 (not so where eval points are recorded)."""
        return not self.records_eval_point

    @property
    def stopped(self) -> bool:
        return self.length is not None

    def finish_gradient(self) -> None:
        """After backward(): one noise draw per closure call added to the gradient (simulated minibatch
        noise), then the clipping a training would apply to that minibatch gradient (design.md §11)."""
        if self.generator is not None:
            assert self.p.grad is not None
            self.p.grad.add_(self.noise_std * torch.randn(2, generator=self.generator, dtype=torch.float64))
        clip_gradients_([self.p], self.clip)

    def closure(self) -> torch.Tensor:
        """The design.md §2 closure, for optimizers that evaluate it themselves (LBFGS and the like)."""
        self.budget.spend()
        self.optimizer.zero_grad()
        loss = self.surface(self.p)
        loss.backward()
        self.finish_gradient()
        if self.record_state:
            self._current_evaluations.append([float(v) for v in self.p.detach()])
        return loss

    def step(self, k: int, closure: Callable[[], torch.Tensor]) -> torch.Tensor:
        """Optimizer step k, then the scheduler; returns the step loss (f before the update)."""
        self._current_evaluations = []
        if self.rng is None:
            step_loss = self.optimizer_step(closure)
        else:
            with self.rng:
                step_loss = self.optimizer_step(closure)
        self._step_scheduler(k, step_loss)
        self.lr.append(float(self.optimizer.param_groups[0]["lr"]))
        if self.momentum is not None:
            self.momentum.append(momentum_of(self.optimizer.param_groups[0]))
        if self.record_state:
            self._record_state()
        return step_loss

    def _step_scheduler(self, k: int, step_loss: torch.Tensor) -> None:
        spec = self.prepared.scheduler
        if spec is None or self.scheduler is None:
            return
        if spec.is_plateau:
            self.plateau_window.append(step_loss.item())
        if spec.interval == "epoch" and k % spec.steps_per_epoch != 0:
            return
        if spec.is_plateau:
            metric = sum(self.plateau_window) / len(self.plateau_window)
            self.plateau_window = []
            self.scheduler.step(metric)
        else:
            self.scheduler.step()

    def _record_state(self) -> None:
        step = len(self.lr) - 1
        for name, value in self.optimizer.state[self.p].items():
            plain = _state_value(value)
            if plain is not None:
                self.state.setdefault(name, [None] * step).append(plain)
        for values in self.state.values():
            values.extend([None] * (step + 1 - len(values)))
        grad = self.p.grad
        self.grads.append([float(v) for v in grad] if grad is not None else None)
        for name in PLATEAU_COUNTERS:
            value = getattr(self.scheduler, name, None) if self.prepared.scheduler else None
            self.scheduler_state[name].append(_state_value(value) if value is not None else None)
        self.evaluations.append(self._current_evaluations)

    def eval_point(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The point and loss to record for an optimizer with train/eval modes: opt.eval(), record, opt.train()."""
        self.optimizer.eval()
        with torch.no_grad():
            point, loss = self.p.detach().clone(), self.surface(self.p)
        self.optimizer.train()
        return point, loss

    def fail(self, k: int, err: Exception) -> None:
        """A step that raises ends this run only; its records end at k - 1."""
        self.status, self.failed_at, self.length = "failed", k, k
        self.error = f"{type(err).__name__}: {err}"

    def state_slice(self, start: int, stop: int) -> dict[str, Any]:
        if not self.record_state:
            return {}
        extra: dict[str, Any] = {
            "state": {name: _finite_or_none(values[start:stop]) for name, values in self.state.items()},
            "grad": _finite_or_none(self.grads[start:stop]),
        }
        if self.prepared.scheduler is not None and self.prepared.scheduler.is_plateau:
            extra["scheduler_state"] = {n: _finite_or_none(v[start:stop]) for n, v in self.scheduler_state.items()}
        if self.prepared.optimizer.entry.name == "LBFGS":
            extra["evaluations"] = _finite_or_none(self.evaluations[start:stop])
        return extra


# --- the lockstep loop -----------------------------------------------------------------------------


class Recorder:
    """Preallocated records of every run: points (R, n+1, 2), losses (R, n+1)."""

    def __init__(self, runs: int, steps: int) -> None:
        self.points = torch.empty(runs, steps + 1, 2, dtype=torch.float64)
        self.losses = torch.empty(runs, steps + 1, dtype=torch.float64)
        self.emitted = [0] * runs  # records already sent
        self.known = [0] * runs  # records whose loss is known

    def first_bad_record(self, run: int, lr: list[float], start: int, stop: int) -> int | None:
        """The first record in [start, stop) that is not finite or out of bounds (design.md §2 divergence).

        A non-finite learning rate counts too (a LambdaLR formula can overflow): JSON cannot carry it.
        """
        pts = self.points[run, start:stop]
        loss = self.losses[run, start:stop]
        bad = ~torch.isfinite(loss) | ~torch.isfinite(pts).all(dim=1) | (pts.abs() > DIVERGENCE_BOUND).any(dim=1)
        bad |= ~torch.isfinite(torch.tensor(lr[start:stop], dtype=torch.float64))
        hits = torch.nonzero(bad)
        return start + int(hits[0]) if len(hits) else None


def summarize(surface: Surface, tolerance: float, x: list[float], y: list[float], loss: list[float]) -> dict[str, Any]:
    """final loss, best loss, steps to tolerance and distance to the nearest minimum (design.md §6), and
    the measured rate of approach to that minimum (design.md §11, app/engine/theory.py)."""
    if not loss:
        return {
            "final_loss": None,
            "best_loss": None,
            "steps_to_tolerance": None,
            "distance_to_minimum": None,
            "measured_rate": None,
        }
    f_min = surface.min_value
    steps_to_tolerance = None
    if f_min is not None:
        steps_to_tolerance = next((k for k, v in enumerate(loss) if v - f_min <= tolerance), None)
    nearest = surface.nearest_minimum((x[-1], y[-1]))
    return {
        "final_loss": loss[-1],
        "best_loss": min(loss),
        "steps_to_tolerance": steps_to_tolerance,
        "distance_to_minimum": surface.distance_to_minimum((x[-1], y[-1])),
        "measured_rate": None if nearest is None else measured_rate(x, y, nearest.point),
    }


def theory_rate(surface: Surface, run: PreparedRun) -> float | None:
    """The rate theory predicts for this run (design.md §11): on a surface with a theory, for a plain heavy
    ball (torch's SGD at a constant lr) whose gradient is exact (no noise, no clipping); else None."""
    theory = surface.theory
    entry = run.optimizer.entry
    exact = (run.noise is None or run.noise.std == 0) and run.clip is None
    if theory is None or not exact or entry.source != "torch":
        return None
    group = run.optimizer.build(torch.zeros(2, dtype=torch.float64, requires_grad=True)).param_groups[0]
    if not is_heavy_ball(entry.name, group, run.scheduler is not None):
        return None
    return heavy_ball_rate(theory["curvatures"], float(group["lr"]), float(group["momentum"]))


class Lockstep:
    """Advances the live runs of one experiment together, one step at a time."""

    def __init__(self, experiment: PreparedExperiment) -> None:
        self.experiment = experiment
        self.surface = experiment.surface
        self.budget = EvaluationBudget(experiment.max_evaluations, experiment.max_seconds)
        self.runs = [
            LiveRun(run, self.surface, experiment.record_state, self.budget) for run in experiment.runs_of_part()
        ]
        # A row per run of the experiment, by run index (a part's other rows stay unused, and unwritten).
        self.recorder = Recorder(len(experiment.runs), experiment.steps)
        self._rows: dict[tuple[int, ...], torch.Tensor] = {}

    def active(self) -> list[LiveRun]:
        return [run for run in self.runs if not run.stopped]

    def step(self, k: int) -> None:
        """Step k for every active run; afterwards record k's point is known, and its loss too where
        it is not the next closure's (eval-point runs); record k - 1's loss is known for all."""
        if self.budget.out_of_time():
            for run in self.active():
                self._fail(run, k, self.budget.timeout_error(), loss_known=not run.step_loss_is_record)
            return
        active = self.active()
        shared = [run for run in active if run.shares_forward]
        rec = self.recorder
        if shared:
            losses = self._shared_forward_backward(shared)
            recorded = [i for i, run in enumerate(shared) if run.step_loss_is_record]
            if recorded:
                rows = self.rows([shared[i] for i in recorded])
                rec.losses[rows, k - 1] = losses if len(recorded) == len(shared) else losses[recorded]
            for run, loss in zip(shared, losses, strict=True):
                self._guarded_step(run, k, lambda loss=loss: loss)
        for run in active:
            if not run.shares_forward:
                self._guarded_step(run, k, run.closure)
        still = [run for run in active if not run.stopped]
        plain_runs = [run for run in still if run.step_loss_is_record]
        if plain_runs:
            rows = self.rows(plain_runs)
            rec.points[rows, k] = torch.stack([run.p.detach() for run in plain_runs])
            for run in plain_runs:
                rec.known[run.index] = k
        for run in still:
            if not run.step_loss_is_record:
                self._record_eval_point(run, k)

    def _record_eval_point(self, run: LiveRun, k: int) -> None:
        rec = self.recorder
        try:
            rec.points[run.index, k], rec.losses[run.index, k] = run.eval_point()
        except Exception as err:  # an optimizer's eval() can raise too; it ends this run only
            rec.known[run.index] = k
            run.fail(k, err)
            return
        rec.known[run.index] = k + 1

    def rows(self, runs: list[LiveRun]) -> torch.Tensor:
        """The record rows of these runs, as an index tensor made once per set of runs."""
        key = tuple(run.index for run in runs)
        if key not in self._rows:
            self._rows[key] = torch.tensor(key)
        return self._rows[key]

    def _guarded_step(self, run: LiveRun, k: int, closure: Callable[[], torch.Tensor]) -> None:
        """A step (or scheduler) that raises ends this run only (design.md §2); the others go on."""
        rec = self.recorder
        try:
            step_loss = run.step(k, closure)
        except Exception as err:
            self._fail(run, k, err, loss_known=run.shares_forward or not run.step_loss_is_record)
            return
        if not run.shares_forward and run.step_loss_is_record:
            rec.losses[run.index, k - 1] = step_loss.detach()

    def _fail(self, run: LiveRun, k: int, err: Exception, loss_known: bool) -> None:
        """End a run at step k: its records stop at k - 1, whose loss may still need evaluating."""
        rec = self.recorder
        if not loss_known:
            with torch.no_grad():
                rec.losses[run.index, k - 1] = self.surface(rec.points[run.index, k - 1])
        rec.known[run.index] = k
        run.fail(k, err)

    @functools.cached_property
    def reverse_pass(self) -> ReversePass:
        """Built when first needed: only runs on a vector-safe formula share the forward pass, and those formulas
        all have an exact reverse pass (tests/unit/test_gradient.py)."""
        return ReversePass(self.surface.formula)

    def _shared_forward_backward(self, shared: list[LiveRun]) -> torch.Tensor:
        """f at the runs' points, and in each p.grad what `f(stack).sum().backward()` would leave there, bit for
        bit, from one reverse pass over the (R, 2) stack without autograd's engine (app/engine/gradient.py)."""
        for run in shared:
            if type(run.optimizer).zero_grad is torch.optim.Optimizer.zero_grad:
                run.p.grad = None  # what zero_grad() does for one parameter, minus torch.optim's profiling wrapper
            else:
                run.optimizer.zero_grad()  # the zoo's own zero_grad may do more
        with torch.no_grad():
            points = torch.stack([run.p for run in shared])
        losses, grads = self.reverse_pass(points)
        for run, grad in zip(shared, grads.unbind(), strict=True):  # stack's backward: a row per run
            if run.p.grad is None:
                run.p.grad = grad
            else:  # left in place by a zero_grad: autograd's AccumulateGrad adds into it
                run.p.grad.add_(grad)
            run.finish_gradient()
        return losses

    def record_start(self) -> None:
        if not self.runs:  # a part left without runs (every run evaluates its own closure: all in part 0)
            return
        self.recorder.points[self.rows(self.runs), 0] = torch.stack([run.p.detach() for run in self.runs])
        for run in self.runs:
            if not run.step_loss_is_record:
                self._record_eval_point(run, 0)

    def record_final_losses(self) -> None:
        """The loss of the last record, for runs that completed every step."""
        n = self.experiment.steps
        done = [run for run in self.runs if not run.stopped and run.step_loss_is_record]
        if done:
            rows = torch.tensor([run.index for run in done])
            points = self.recorder.points[rows, n]
            with torch.no_grad():
                if self.surface.formula.uses_vector_unsafe_ops:  # one by one, as each run alone does
                    losses = torch.stack([self.surface(point) for point in points])
                else:
                    losses = self.surface(points)
                self.recorder.losses[rows, n] = losses
            for run in done:
                self.recorder.known[run.index] = n + 1

    def chunks(self) -> Iterator[Points]:
        """New records of every run as Points events, after stopping runs that diverged."""
        rec = self.recorder
        for run in self.runs:
            start = rec.emitted[run.index]
            stop = rec.known[run.index] if run.length is None else min(rec.known[run.index], run.length)
            if stop <= start:
                continue
            bad = rec.first_bad_record(run.index, run.lr, start, stop)
            if bad is not None:
                run.status, run.length, run.failed_at, run.error = "diverged", bad, None, None
                stop = bad
                # Diverged at record 0: one empty chunk still, so its arrays exist and agree (momentum [] beside
                # lr [], not null: design.md §11). Later, nothing new means no chunk.
                if stop <= start and start > 0:
                    continue
            rec.emitted[run.index] = stop
            xy = rec.points[run.index, start:stop]
            yield Points(
                run.index,
                start,
                xy[:, 0].tolist(),
                xy[:, 1].tolist(),
                rec.losses[run.index, start:stop].tolist(),
                run.lr[start:stop],
                None if run.momentum is None else _finite_or_none(run.momentum[start:stop]),
                run.state_slice(start, stop),
            )

    def run_end(self, run: LiveRun) -> RunEnded:
        rec = self.recorder
        n = rec.emitted[run.index]
        xy = rec.points[run.index, :n]
        summary = summarize(
            self.surface, self.experiment.tolerance, xy[:, 0].tolist(), xy[:, 1].tolist(),
            rec.losses[run.index, :n].tolist(),
        )  # fmt: skip
        summary["theory_rate"] = theory_rate(self.surface, run.prepared)
        diverged_at = run.length if run.status == "diverged" else None
        return RunEnded(run.index, run.status, diverged_at, run.failed_at, run.error, summary)


def iterate_experiment(experiment: PreparedExperiment, chunk_seconds: float = 0.05) -> Iterator[Event]:
    """The experiment as design.md §6 stream events; stops computing as soon as the consumer stops.

    A part (design.md §12) yields its runs' events and `done`; part 0 yields the `experiment` event first."""
    if experiment.part.index == 0:
        yield ExperimentStarted(
            experiment.steps,
            experiment.surface.describe(),
            [
                {"index": run.index, "label": run.label, "scheduler": run.scheduler and run.scheduler.describe()}
                for run in experiment.runs
            ],
        )
    lockstep = Lockstep(experiment)
    lockstep.record_start()
    ended: set[int] = set()
    last_flush = time.perf_counter()
    for k in range(1, experiment.steps + 1):
        if not lockstep.active():
            break
        lockstep.step(k)
        if time.perf_counter() - last_flush >= chunk_seconds:
            yield from lockstep.chunks()
            for run in lockstep.runs:
                if run.stopped and run.index not in ended:
                    ended.add(run.index)
                    yield lockstep.run_end(run)
            last_flush = time.perf_counter()
    lockstep.record_final_losses()
    yield from lockstep.chunks()
    for run in lockstep.runs:
        if run.index not in ended:
            yield lockstep.run_end(run)
    yield Done()


def collect(events: Iterator[Event]) -> dict[str, Any]:
    """The whole result document (design.md §6) from the stream events: one code path for both."""
    result: dict[str, Any] = {}
    runs: list[dict[str, Any]] = []
    for event in events:
        if isinstance(event, ExperimentStarted):
            result = {"surface": event.surface, "steps": event.steps}
            runs = [new_run_record(r) for r in event.runs]
        elif isinstance(event, Points):
            run = runs[event.run]
            for key in ("x", "y", "loss", "lr"):
                run[key].extend(getattr(event, key))
            if event.momentum is not None:
                run["momentum"] = run["momentum"] or []
                run["momentum"].extend(event.momentum)
            _extend_extra(run, event.extra)
        elif isinstance(event, RunEnded):
            run = runs[event.run]
            run.update(status=event.status, diverged_at=event.diverged_at, failed_at=event.failed_at,
                       error=event.error, summary=event.summary)  # fmt: skip
    result["runs"] = runs
    return result


def new_run_record(announced: dict[str, Any]) -> dict[str, Any]:
    """A run of the whole result before its points arrive: what the `experiment` event announced of it."""
    return {
        "label": announced["label"], "scheduler": announced["scheduler"],
        "x": [], "y": [], "loss": [], "lr": [], "momentum": None,
    }  # fmt: skip


def _extend_extra(target: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict):
            _extend_extra(target.setdefault(key, {}), value)
        else:
            target.setdefault(key, []).extend(value)


def run_experiment(spec: ExperimentSpec, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Validate and run an experiment; the whole result document."""
    return collect(iterate_experiment(prepare_experiment(spec, limits)))
