"""The hyperparameters a sweep can vary, by name (design.md §6 `param` and `grid2` sweeps; issue 21 item 5).

- `lr`, `momentum`, `eps`, …: a number the optimizer takes (float or int);
- `betas[0]`, `betas[1]`: one component of a pair (Adam's β₁ and β₂), the other kept as the run has it;
- `scheduler.gamma`, `scheduler.step_size`, `scheduler.T_max`, `scheduler.betas[0]`, …: the same, of the
  run's scheduler.

Setting one gives the run spec a lone run would be given: a sweep's cell is that run, nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from app.engine.catalog import Entry, optimizer_entry, scheduler_entry
from app.engine.errors import SpecError
from app.engine.spec import RunSpec

NAME = re.compile(r"^(?:(?P<owner>scheduler)\.)?(?P<param>[A-Za-z_][A-Za-z0-9_]*)(?:\[(?P<component>[01])\])?$")
SWEEPABLE_KINDS = ("float", "int")


@dataclass(frozen=True)
class Hyperparameter:
    """A parsed, catalog-checked sweep name."""

    owner: Literal["optimizer", "scheduler"]
    param: str
    component: int | None  # which one of a pair; None for a number
    kind: str  # the number's kind: float or int
    pair_default: tuple[float, float] | None = None

    def set(self, run: RunSpec, value: float) -> RunSpec:
        """The run with this hyperparameter at `value`; SpecError (no location) when the value cannot be one."""
        if self.kind == "int" and value != int(value):
            raise SpecError((), f"{self.param} takes whole numbers, not {value!r}")
        number: float | int = int(value) if self.kind == "int" else value
        spec = run.optimizer if self.owner == "optimizer" else run.scheduler
        assert spec is not None  # checked when the name was parsed
        setting: object = number
        if self.component is not None:
            pair = list(spec.params.get(self.param) or self.pair_default or ())
            if len(pair) != 2:
                raise SpecError((), f"{self.param} has no pair to vary one side of: give it in the run")
            pair[self.component] = number
            setting = pair
        updated = spec.model_copy(update={"params": {**spec.params, self.param: setting}})
        return run.model_copy(update={self.owner: updated})


def _sweepable(entry: Entry, prefix: str) -> str:
    names = [p.name for p in entry.params if p.kind in SWEEPABLE_KINDS]
    names += [f"{p.name}[{i}]" for p in entry.params if p.kind == "float_pair" for i in (0, 1)]
    return ", ".join(prefix + name for name in names) or "none"


def hyperparameter(run: RunSpec, name: str, loc: tuple[str, ...]) -> Hyperparameter:
    """Parse and check a sweep name against the run's optimizer and scheduler; SpecError at `loc`."""
    match = NAME.match(name)
    owner: Literal["optimizer", "scheduler"] = "scheduler" if match and match["owner"] else "optimizer"
    if owner == "scheduler" and run.scheduler is None:
        raise SpecError(loc, f"{name!r} names a scheduler hyperparameter, but the run has no scheduler")
    entry = optimizer_entry(run.optimizer.id) if owner == "optimizer" else scheduler_entry(run.scheduler.id)  # type: ignore[union-attr]
    param = entry.param(match["param"]) if match else None
    component = int(match["component"]) if match and match["component"] is not None else None
    wanted = ("float_pair",) if component is not None else SWEEPABLE_KINDS
    if param is None or param.kind not in wanted:
        prefix = "scheduler." if owner == "scheduler" else ""
        raise SpecError(
            loc, f"{entry.id} has no numeric hyperparameter {name!r}; sweepable: {_sweepable(entry, prefix)}"
        )
    if component is None:
        return Hyperparameter(owner, param.name, None, param.kind)
    default = tuple(param.default) if isinstance(param.default, list | tuple) and len(param.default) == 2 else None
    return Hyperparameter(owner, param.name, component, "float", default)  # type: ignore[arg-type]
