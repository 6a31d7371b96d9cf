"""The parts every exported script shares (design.md §8): exact literals, the optimizer built as the
engine builds it (seeded first), the scheduler tree. app/engine/codegen.py writes a surface run's script with
them and app/engine/train/codegen.py a training's."""

from __future__ import annotations

import math
from typing import Any

from app.engine.catalog import Entry, LambdaFormula
from app.engine.construct import ResolvedOptimizer, ResolvedScheduler


def comment_safe(text: str) -> str:
    """User text for a comment line: repr() escapes every newline and control character."""
    return repr(text)


def literal(value: Any) -> str:
    """Python source for a hyperparameter value, exact for floats (repr round-trips).

    Not every float's repr is Python source: `inf` and `nan` would be NameErrors in the script (Adam
    at lr=1e308 under OneCycleLR derives max_lr=inf), so they are written as `math.inf`, `math.nan`.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return "math.nan" if math.isnan(value) else ("-math.inf" if value < 0 else "math.inf")
    if isinstance(value, LambdaFormula):
        return f"lambda epoch: {value.formula.to_python('math')}"
    if isinstance(value, tuple):
        return "(" + ", ".join(literal(v) for v in value) + ")"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    return repr(value)


def qualified(entry: Entry, kind: str) -> str:
    """The class's name as the script's imports reach it."""
    if entry.source == "torch":
        return f"torch.optim.{entry.name}" if kind == "optimizer" else f"torch.optim.lr_scheduler.{entry.name}"
    return f"{entry.source}.{entry.name}"


def arguments(*parts: str) -> str:
    """A call's argument list from its parts, leaving out the empty ones."""
    return ", ".join(part for part in parts if part)


def keyword_arguments(kwargs: dict[str, Any]) -> str:
    """`name=value, ...`, each value exact (see literal)."""
    return ", ".join(f"{name}={literal(value)}" for name, value in kwargs.items())


def scheduler_lines(scheduler: ResolvedScheduler, name: str, lines: list[str]) -> None:
    """Children first, in order, as the engine builds them (each constructor touches the lr)."""
    kwargs = dict(scheduler.kwargs)
    if scheduler.children:
        child_names = []
        for i, child in enumerate(scheduler.children, start=1):
            child_name = f"{name}_{i}"
            scheduler_lines(child, child_name, lines)
            child_names.append(child_name)
        kwargs_text = arguments(f"schedulers=[{', '.join(child_names)}]", keyword_arguments(kwargs))
    else:
        kwargs_text = keyword_arguments(kwargs)
    cls = qualified(scheduler.entry, "scheduler")
    args = arguments("opt", kwargs_text) if scheduler.optimizer_first else arguments(kwargs_text, "optimizer=opt")
    lines.append(f"{name} = {cls}({args})")


def scheduler_sources(scheduler: ResolvedScheduler | None) -> set[str]:
    """The packages the scheduler and its children come from, for the script's imports."""
    if scheduler is None:
        return set()
    return {scheduler.entry.source}.union(*(scheduler_sources(child) for child in scheduler.children))


def optimizer_lines(optimizer: ResolvedOptimizer, parameters: str) -> list[str]:
    """`opt = ...` on `parameters`, after the seeding the engine does before it builds one (design.md §4)."""
    lines = ["torch.manual_seed(0)  # seeds any optimizer that draws random numbers, as optimlab does"]
    if optimizer.entry.source != "torch":  # some of the zoo (Kron) also draw from numpy's generator
        lines += ["import numpy", "numpy.random.seed(0)"]
    call = arguments(parameters, keyword_arguments(optimizer.kwargs))
    return [*lines, f"opt = {qualified(optimizer.entry, 'optimizer')}({call})"]
