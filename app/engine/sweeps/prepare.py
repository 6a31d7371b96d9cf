"""A sweep request validated against the catalog and the limits, every cell a prepared run (design.md §6)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.engine.errors import SpecError
from app.engine.limits import DEFAULT_LIMITS, Limits
from app.engine.runs import PreparedRun, prepare_run
from app.engine.spec import SweepSpec
from app.engine.surfaces import Surface, resolve_surface
from app.engine.sweeps.batched import batch_blocker
from app.engine.sweeps.kinds import SweepBase, SweepKind, sweep_kind
from app.engine.sweeps.tracking import Outcomes


@dataclass(frozen=True)
class PreparedSweep:
    """A validated sweep: one prepared run per cell, in result order (row-major for maps: j * nx + i)."""

    vary: SweepKind[Any]
    surface: Surface
    steps: int
    tolerance: float
    cells: list[PreparedRun]
    axes: dict[str, Any]  # what the result names its cells by: x/y, name/values or seeds
    max_seconds: float = DEFAULT_LIMITS.max_seconds  # wall-clock budget of the whole sweep, however it runs

    @property
    def kind(self) -> str:
        return self.vary.name

    @property
    def work(self) -> int:
        return len(self.cells) * self.steps

    def batch_blocker(self) -> str | None:
        """Why the cells cannot run batched (None when they can); see app/engine/sweeps/batched.py."""
        return batch_blocker(self)

    def result(self, outcomes: Outcomes) -> dict[str, Any]:
        """The design.md §6 result document from what each cell ended with (app/engine/sweeps/tracking.py)."""
        head = {"kind": self.kind, "surface": self.surface.describe(), "steps": self.steps}
        return self.vary.result(head, self.axes, self.surface, outcomes)


def _check_limits(vary: SweepKind[Any], steps: int, limits: Limits) -> None:
    if steps > limits.max_steps:
        raise SpecError(("steps",), f"at most {limits.max_steps} steps", "less_than_equal")
    for bounded in vary.bounded():
        most = getattr(limits, bounded.limit)
        if bounded.size > most:
            raise SpecError(bounded.loc, f"at most {most}", bounded.type)
    cells = vary.count()
    if cells * steps > limits.max_sweep_work:
        message = (
            f"this sweep is {cells} runs × {steps} steps = {cells * steps} run-steps; at most {limits.max_sweep_work}"
        )
        raise SpecError(("vary",), message, "less_than_equal")


def prepare_sweep(spec: SweepSpec, limits: Limits = DEFAULT_LIMITS) -> PreparedSweep:
    """Validate a sweep against the catalog and the limits; SpecError names the field."""
    vary = sweep_kind(spec.vary)
    _check_limits(vary, spec.steps, limits)
    try:
        surface = resolve_surface(spec.surface.id, spec.surface.params, limits.max_formula_length)
    except SpecError as err:
        raise err.within("surface") from None
    try:
        run = prepare_run(spec.run, 0, surface, spec.steps, limits)
    except SpecError as err:
        raise err.within("run") from None
    base = SweepBase(spec, surface, run, limits)
    axes = vary.axes(base)
    return PreparedSweep(vary, surface, spec.steps, spec.tolerance, vary.cells(base, axes), axes, limits.max_seconds)
