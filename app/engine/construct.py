"""From specs to live torch objects: validated keyword arguments, then the real constructors.

Validation happens once, here, at the edge. Torch's own constructor messages (``Invalid learning
rate: -1``) are reused rather than restated; when torch rejects a value we find which of the user's
hyperparameters it was, so the error points at the field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from app.engine.catalog import (
    REQUIRED_DEFAULTS,
    Entry,
    check_param_names,
    coerce,
    optimizer_entry,
    scheduler_entry,
    signature_of,
    trial_parameters,
)
from app.engine.errors import SpecError
from app.engine.limits import DEFAULT_LIMITS, Limits
from app.engine.spec import OptimizerSpec, SchedulerSpec


def _coerce_all(entry: Entry, given: Mapping[str, Any], limits: Limits) -> dict[str, Any]:
    check_param_names(entry, given)
    kwargs: dict[str, Any] = {}
    for name, value in given.items():
        param = entry.param(name)
        assert param is not None
        if param.kind == "schedulers":
            continue  # resolved recursively by the scheduler resolver
        try:
            kwargs[name] = coerce(param, value, limits)
        except ValueError as err:
            raise SpecError(("params", name), str(err)) from None
    return kwargs


def _blame(build: Callable[[dict[str, Any]], object], kwargs: dict[str, Any], err: Exception) -> SpecError:
    """Point a constructor's error at the user's hyperparameter that causes it on its own."""
    message = f"{err}" or type(err).__name__
    for name, value in kwargs.items():
        try:
            build({name: value})
        except Exception:
            return SpecError(("params", name), message)
    return SpecError(("params",), message)


@dataclass(frozen=True)
class ResolvedOptimizer:
    """An optimizer class and the exact keyword arguments the run passes to it."""

    entry: Entry
    kwargs: dict[str, Any]
    mode: str = "surfaces"  # whose parameters it steps: a 2-vector, or a network's weights (design.md §10)

    def build(self, p: torch.Tensor) -> torch.optim.Optimizer:
        return self.build_on([p])

    def build_on(self, parameters: Iterable[torch.Tensor]) -> torch.optim.Optimizer:
        return self.entry.cls(parameters, **self.kwargs)

    def trial(self) -> torch.optim.Optimizer:
        """The optimizer on throwaway parameters of its mode's shape (to build a scheduler on)."""
        return self.build_on(trial_parameters(self.mode))


def resolve_optimizer(
    spec: OptimizerSpec, limits: Limits = DEFAULT_LIMITS, mode: str = "surfaces"
) -> ResolvedOptimizer:
    """Validated optimizer for a mode; raises SpecError located relative to the optimizer spec."""
    entry = optimizer_entry(spec.id, mode)
    kwargs = _coerce_all(entry, spec.params, limits)

    def build(kw: dict[str, Any]) -> torch.optim.Optimizer:
        return entry.cls(trial_parameters(mode), **kw)

    try:
        build(kwargs)
    except Exception as err:
        raise _blame(build, kwargs, err) from None
    return ResolvedOptimizer(entry, kwargs, mode)


@dataclass(frozen=True)
class ResolvedScheduler:
    """A scheduler class, its exact keyword arguments (derived defaults filled in) and its children."""

    entry: Entry
    kwargs: dict[str, Any]
    children: list[ResolvedScheduler] = field(default_factory=list)
    interval: str = "step"
    steps_per_epoch: int = 1
    calls: int = 0  # m in design.md §2
    auto: dict[str, Any] = field(default_factory=dict)  # the derived values of arguments the user left out

    def describe(self) -> dict[str, Any]:
        """What the stream's `experiment` event says of it: m and what each "auto" became (design.md §6)."""
        return {"calls": self.calls, "auto": self.auto}

    @property
    def is_plateau(self) -> bool:
        return isinstance(self.entry.cls, type) and issubclass(
            self.entry.cls, torch.optim.lr_scheduler.ReduceLROnPlateau
        )

    @property
    def optimizer_first(self) -> bool:
        """ChainedScheduler takes (schedulers, optimizer=None); every other one (optimizer, ...)."""
        return signature_of(self.entry.cls)[0].name == "optimizer"

    def build(self, optimizer: torch.optim.Optimizer) -> Any:
        """Children first, on the same optimizer, as one would write it by hand."""
        kwargs = dict(self.kwargs)
        if self.children:
            kwargs["schedulers"] = [child.build(optimizer) for child in self.children]
        if self.optimizer_first:
            return self.entry.cls(optimizer, **kwargs)
        return self.entry.cls(optimizer=optimizer, **kwargs)


def scheduler_calls(steps: int, spec: SchedulerSpec) -> int:
    """m in design.md §2: how many times the scheduler is called over the run."""
    return steps if spec.interval == "step" else steps // spec.steps_per_epoch


def _filled_in(entry: Entry, given: Mapping[str, Any], m: int, lr: float, limits: Limits) -> dict:
    """Values for the arguments the user left out but torch requires: derived or fixed defaults."""
    filled: dict[str, Any] = {}
    for param in entry.params:
        if given.get(param.name) is not None or param.kind == "schedulers":
            continue
        if param.derived is not None:
            filled[param.name] = param.derived.compute(m, lr, given)
        elif (entry.name, param.name) in REQUIRED_DEFAULTS:
            filled[param.name] = coerce(param, param.default, limits)
    return filled


def _resolve_tree(
    spec: SchedulerSpec, m: int, lr: float, limits: Limits, depth: int = 0
) -> tuple[ResolvedScheduler, dict[str, Any]]:
    """The resolved scheduler and, separately, the user's own (validated) arguments."""
    if depth > limits.max_scheduler_nesting:
        raise SpecError((), f"schedulers nest at most {limits.max_scheduler_nesting} levels deep")
    entry = scheduler_entry(spec.id)
    given = dict(spec.params)
    user_kwargs = _coerce_all(entry, given, limits)
    children: list[ResolvedScheduler] = []
    children_param = entry.param("schedulers")
    if children_param is not None:
        raw = given.get("schedulers", children_param.default)
        most = limits.max_scheduler_children
        if not isinstance(raw, list) or not 1 <= len(raw) <= most:
            raise SpecError(("params", "schedulers"), f"must be a list of 1 to {most} scheduler specs")
        for i, child in enumerate(raw):
            try:
                child_spec = SchedulerSpec.model_validate(child)
            except ValueError as err:
                raise SpecError(("params", "schedulers", i), f"not a scheduler spec: {err}") from None
            try:
                children.append(_resolve_tree(child_spec, m, lr, limits, depth + 1)[0])
            except SpecError as err:
                raise err.within("params", "schedulers", i) from None
            if children[-1].is_plateau:  # torch refuses it too, but names no field
                raise SpecError(
                    ("params", "schedulers", i, "id"),
                    f"{entry.name} cannot hold ReduceLROnPlateau: it calls step() without the loss that one needs",
                )
        given["schedulers"] = raw
    filled = _filled_in(entry, given, m, lr, limits)
    derived = {param.name for param in entry.params if param.derived is not None}
    auto = {name: value for name, value in filled.items() if name in derived and name not in user_kwargs}
    kwargs = {**filled, **user_kwargs}
    resolved = ResolvedScheduler(entry, kwargs, children, spec.interval, spec.steps_per_epoch, m, auto)
    return resolved, user_kwargs


def resolve_scheduler(
    spec: SchedulerSpec,
    steps: int,
    optimizer: ResolvedOptimizer,
    limits: Limits = DEFAULT_LIMITS,
) -> ResolvedScheduler:
    """Validated scheduler for an optimizer; raises SpecError located relative to the scheduler spec."""
    lr = float(optimizer.trial().param_groups[0]["lr"])
    resolved, user_kwargs = _resolve_tree(spec, scheduler_calls(steps, spec), lr, limits)
    base = {k: v for k, v in resolved.kwargs.items() if k not in user_kwargs}

    def build(kw: dict[str, Any]) -> object:
        trial = ResolvedScheduler(resolved.entry, {**base, **kw}, resolved.children)
        return trial.build(optimizer.trial())

    try:
        build(user_kwargs)
    except Exception as err:
        raise _blame(build, user_kwargs, err) from None
    return resolved
