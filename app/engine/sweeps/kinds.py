"""The vary kinds (design.md §6 "Sweep request"): what a sweep repeats the run over.

One small class per kind, in the shape of torch's lr_scheduler: the base `SweepKind` states the
contract (how many cells, what the result names them by, the cells themselves, the result), each kind
fills it in, and `SWEEP_KINDS` is the registry the rest of the package looks a kind up in. Adding a
kind is a `Vary` model in app/engine/spec.py and a class here (design.md §13).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar, Generic, NamedTuple, TypeVar

import torch

from app.engine.errors import SpecError
from app.engine.hyperparameters import Hyperparameter, hyperparameter
from app.engine.limits import Limits
from app.engine.runs import PreparedRun, prepare_run
from app.engine.spec import Grid2Vary, ParamVary, SeedVary, StartVary, SweepSpec
from app.engine.surfaces import Surface

if TYPE_CHECKING:
    from app.engine.sweeps.tracking import Outcomes

MINIMUM_RADIUS = 0.05  # × the domain's width: how close a cell must end to a minimum to be in its basin

VaryModel = TypeVar("VaryModel", StartVary, ParamVary, Grid2Vary, SeedVary)


@dataclass(frozen=True)
class SweepBase:
    """What every cell starts from: the validated run alone, and what it was made from."""

    spec: SweepSpec
    surface: Surface
    run: PreparedRun
    limits: Limits

    def with_params(
        self, values: dict[str, tuple[Hyperparameter, float]], index: int, loc: tuple[str | int, ...]
    ) -> PreparedRun:
        """The run with some hyperparameters (by sweep name) set; a value refused is blamed on its place in `vary`."""
        run = self.spec.run
        try:
            for swept, value in values.values():
                run = swept.set(run, value)
            return prepare_run(run, index, self.surface, self.spec.steps, self.limits)
        except SpecError as err:
            setting = ", ".join(f"{name}={value!r}" for name, (_, value) in values.items())
            raise SpecError(loc, f"with {setting}: {err.msg}", err.type) from None

    def hyperparameter(self, name: str, loc: tuple[str, ...]) -> Hyperparameter:
        """A sweep name (`lr`, `betas[0]`, `scheduler.gamma`) checked against the run's optimizer and scheduler."""
        return hyperparameter(self.spec.run, name, loc)


class Bounded(NamedTuple):
    """A number in the request that a limit holds: where it is, what it is, which limit (by its name)."""

    loc: tuple[str, ...]
    size: int
    limit: str
    type: str = "too_long"  # the error type when over: a list too long, or "less_than_equal" for a number


class SweepKind(ABC, Generic[VaryModel]):
    """The contract of a vary kind: `count`, `bounded`, `axes`, `cells` and `result`."""

    name: ClassVar[str]  # the `kind` of the request and the result
    keeps_paths: ClassVar[bool] = False  # whether the result carries every cell's whole path

    def __init__(self, vary: VaryModel) -> None:
        self.vary = vary

    @abstractmethod
    def count(self) -> int:
        """How many cells (checked against the limits before anything is built)."""

    @abstractmethod
    def bounded(self) -> list[Bounded]:
        """The request's sizes the limits hold (the schema caps them at the defaults; a server may set less)."""

    @abstractmethod
    def axes(self, base: SweepBase) -> dict[str, Any]:
        """What the result names its cells by (x/y, name/values or seeds); SpecError names a bad field."""

    @abstractmethod
    def cells(self, base: SweepBase, axes: dict[str, Any]) -> list[PreparedRun]:
        """One prepared run per cell, in result order (row-major for maps: j * nx + i)."""

    @abstractmethod
    def result(self, head: dict[str, Any], axes: dict[str, Any], surface: Surface, out: Outcomes) -> dict[str, Any]:
        """The design.md §6 result of this kind from what each cell ended with; a diverged cell's final
        loss is null."""


def _axis_values(bounds: tuple[float, float] | None, domain: tuple[float, float], n: int, loc: str) -> list[float]:
    low, high = bounds if bounds is not None else domain
    if not low < high:
        raise SpecError(("vary", loc), "the range must be [min, max] with min < max")
    if not math.isfinite(high - low):
        raise SpecError(("vary", loc), "the range must be finite: max - min overflows")
    return torch.linspace(low, high, n, dtype=torch.float64).tolist()


def minimum_index(surface: Surface, point: tuple[float, float] | None) -> int | None:
    """The index of the minimum within MINIMUM_RADIUS × domain width of `point` (the nearest), or None."""
    if point is None or not surface.minima:
        return None
    (x_min, x_max), _ = surface.definition.domain
    radius = MINIMUM_RADIUS * (x_max - x_min)
    distances = [math.dist(point, m.point) for m in surface.minima]
    nearest = min(range(len(distances)), key=distances.__getitem__)
    return nearest if distances[nearest] <= radius else None


def _reported_losses(out: Outcomes) -> list[float | None]:
    return [None if s == "diverged" else v for s, v in zip(out.status, out.final_loss, strict=True)]


class _MapKind(SweepKind[VaryModel]):
    """A map of cells on a grid of two axes: `[j][i]` is the cell at (x[i], y[j])."""

    def result(self, head: dict[str, Any], axes: dict[str, Any], surface: Surface, out: Outcomes) -> dict[str, Any]:
        nx = len(axes["x"])

        def grid(values: list[Any]) -> list[list[Any]]:
            return [values[j * nx : (j + 1) * nx] for j in range(len(values) // nx)]

        basins = [
            None if s == "diverged" else minimum_index(surface, p)
            for s, p in zip(out.status, out.final_point, strict=True)
        ]
        return {
            **head,
            **axes,
            "final_loss": grid(_reported_losses(out)),
            "steps_to_tolerance": grid(out.steps_to_tolerance),
            "status": grid(out.status),
            "final_x": grid([p[0] if p is not None else None for p in out.final_point]),
            "final_y": grid([p[1] if p is not None else None for p in out.final_point]),
            "minimum_index": grid(basins),
        }


class StartSweepKind(_MapKind[StartVary]):
    """A basin map: the run repeated from every start of an N×N grid (the surface's domain by default)."""

    name = "start"

    def count(self) -> int:
        return self.vary.resolution**2

    def bounded(self) -> list[Bounded]:
        return [Bounded(("vary", "resolution"), self.vary.resolution, "max_sweep_resolution", "less_than_equal")]

    def axes(self, base: SweepBase) -> dict[str, Any]:
        (x_domain, y_domain) = base.surface.definition.domain
        return {
            "x": _axis_values(self.vary.x, x_domain, self.vary.resolution, "x"),
            "y": _axis_values(self.vary.y, y_domain, self.vary.resolution, "y"),
        }

    def cells(self, base: SweepBase, axes: dict[str, Any]) -> list[PreparedRun]:
        xs, ys = axes["x"], axes["y"]
        return [
            replace(base.run, index=j * len(xs) + i, start=(x, y)) for j, y in enumerate(ys) for i, x in enumerate(xs)
        ]


class Grid2SweepKind(_MapKind[Grid2Vary]):
    """Two hyperparameters at once (design.md §6 sweep names): a map of every pair of values."""

    name = "grid2"

    def count(self) -> int:
        return len(self.vary.x.values) * len(self.vary.y.values)

    def bounded(self) -> list[Bounded]:
        x, y = self.vary.x, self.vary.y
        return [
            Bounded(("vary", name, "values"), len(axis.values), "max_sweep_values")
            for name, axis in (("x", x), ("y", y))
        ]

    def axes(self, base: SweepBase) -> dict[str, Any]:
        x, y = self.vary.x, self.vary.y
        return {"x": list(x.values), "y": list(y.values), "x_name": x.name, "y_name": y.name}

    def cells(self, base: SweepBase, axes: dict[str, Any]) -> list[PreparedRun]:
        x, y = self.vary.x, self.vary.y
        if x.name == y.name:
            raise SpecError(("vary", "y", "name"), "the two hyperparameters must differ")
        swept = {name: base.hyperparameter(axis.name, ("vary", name, "name")) for name, axis in (("x", x), ("y", y))}
        for axis_name, axis in (("x", x), ("y", y)):
            for i, value in enumerate(axis.values):  # blame a bad value on its own axis first
                base.with_params({axis.name: (swept[axis_name], value)}, 0, ("vary", axis_name, "values", i))
        xs, ys = axes["x"], axes["y"]
        return [
            base.with_params({x.name: (swept["x"], xv), y.name: (swept["y"], yv)}, j * len(xs) + i, ("vary",))
            for j, yv in enumerate(ys)
            for i, xv in enumerate(xs)
        ]


def _with_seeds(run: PreparedRun, seeds: list[int], first_index: int) -> list[PreparedRun]:
    """The run once per noise seed (indices from `first_index`); only a run with gradient noise has seeds."""
    noise = run.noise
    if noise is None or noise.std <= 0:
        raise SpecError(("run", "noise", "std"), "seeds need gradient noise: set run.noise.std > 0")
    return [
        replace(run, index=first_index + s, noise=noise.model_copy(update={"seed": seed}))
        for s, seed in enumerate(seeds)
    ]


def _median(values: list[Any]) -> Any:
    """The lower middle of `values` with None as worse than anything (a diverged seed, a tolerance never met):
    a value one seed really reached, or None when the middle seed has none."""
    ranked = sorted(values, key=lambda v: (v is None, v if v is not None else 0))
    return ranked[(len(ranked) - 1) // 2]


class ParamSweepKind(SweepKind[ParamVary]):
    """The run repeated with one hyperparameter (a sweep name, app/engine/hyperparameters.py) at each value;
    with `seeds`, once per value and noise seed, each value scored by its median over the seeds."""

    name = "param"

    @property
    def seeds(self) -> list[int]:
        return list(self.vary.seeds or [])

    def count(self) -> int:
        return len(self.vary.values) * max(1, len(self.seeds))

    def bounded(self) -> list[Bounded]:
        seeds = [Bounded(("vary", "seeds"), len(self.seeds), "max_sweep_seeds")] if self.seeds else []
        return [Bounded(("vary", "values"), len(self.vary.values), "max_sweep_values"), *seeds]

    def axes(self, base: SweepBase) -> dict[str, Any]:
        return {"name": self.vary.name, "values": list(self.vary.values)}

    def cells(self, base: SweepBase, axes: dict[str, Any]) -> list[PreparedRun]:
        name = self.vary.name
        swept = base.hyperparameter(name, ("vary", "name"))
        runs = [
            base.with_params({name: (swept, value)}, i, ("vary", "values", i))
            for i, value in enumerate(self.vary.values)
        ]
        if not self.seeds:
            return runs
        n = len(self.seeds)
        return [cell for i, run in enumerate(runs) for cell in _with_seeds(run, self.seeds, i * n)]

    def result(self, head: dict[str, Any], axes: dict[str, Any], surface: Surface, out: Outcomes) -> dict[str, Any]:
        if self.seeds:
            return self._best({**head, **axes, "seeds": self.seeds, **self._medians(out)}, axes["values"])
        return self._best(
            {**head, **axes, "final_loss": _reported_losses(out), "best_loss": out.best_loss,
             "steps_to_tolerance": out.steps_to_tolerance, "status": out.status, "seeds": None,
             "final_loss_by_seed": None},
            axes["values"],
        )  # fmt: skip

    def _medians(self, out: Outcomes) -> dict[str, Any]:
        """Per value, the medians over its seeds' cells (value i holds cells i·n … i·n + n − 1)."""
        n = len(self.seeds)

        def by_value(values: list[Any]) -> list[list[Any]]:
            return [values[i : i + n] for i in range(0, len(values), n)]

        final_by_seed = by_value(_reported_losses(out))
        final_loss = [_median(losses) for losses in final_by_seed]
        return {
            "final_loss": final_loss,
            "best_loss": [_median(losses) for losses in by_value(out.best_loss)],
            "steps_to_tolerance": [_median(steps) for steps in by_value(out.steps_to_tolerance)],
            "status": ["diverged" if loss is None else "completed" for loss in final_loss],
            "final_loss_by_seed": final_by_seed,
        }

    @staticmethod
    def _best(result: dict[str, Any], values: list[float]) -> dict[str, Any]:
        """`best`: the value with the lowest (median) final loss among those that did not diverge."""
        final_loss = result["final_loss"]
        eligible = [i for i, v in enumerate(final_loss) if v is not None]
        best_cell = min(eligible, key=lambda i: final_loss[i], default=None)  # type: ignore[arg-type,return-value]
        best = None if best_cell is None else {"value": values[best_cell], "final_loss": final_loss[best_cell]}
        return {**result, "best": best}


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


class SeedSweepKind(SweepKind[SeedVary]):
    """The run, with noise, repeated once per noise seed: a seed band."""

    name = "seed"
    keeps_paths = True

    def count(self) -> int:
        return len(self.vary.seeds)

    def bounded(self) -> list[Bounded]:
        return [Bounded(("vary", "seeds"), len(self.vary.seeds), "max_sweep_seeds")]

    def axes(self, base: SweepBase) -> dict[str, Any]:
        return {"seeds": list(self.vary.seeds)}

    def cells(self, base: SweepBase, axes: dict[str, Any]) -> list[PreparedRun]:
        return _with_seeds(base.run, list(self.vary.seeds), 0)

    def result(self, head: dict[str, Any], axes: dict[str, Any], surface: Surface, out: Outcomes) -> dict[str, Any]:
        assert out.paths is not None
        return {
            **head,
            **axes,
            "x": [x for x, _, _ in out.paths],
            "y": [y for _, y, _ in out.paths],
            "loss": [loss for _, _, loss in out.paths],
            "status": out.status,
            "final_loss": _reported_losses(out),
            **_percentiles(out.paths),
        }


SWEEP_KINDS: dict[str, type[SweepKind[Any]]] = {
    kind.name: kind for kind in (StartSweepKind, ParamSweepKind, Grid2SweepKind, SeedSweepKind)
}


def sweep_kind(vary: StartVary | ParamVary | Grid2Vary | SeedVary) -> SweepKind[Any]:
    """The kind class for a request's `vary`, from the registry."""
    return SWEEP_KINDS[vary.kind](vary)
