"""The surface registry: each loss surface is a formula in the safe grammar plus a data record.

Writing the built-in surfaces in the same grammar as user formulas gives one code path for all of
them: one evaluator, one printer for exported scripts, one notion of exactness.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import torch

from app.engine.errors import SpecError
from app.engine.formula import Formula, FormulaError, parse
from app.engine.limits import DEFAULT_LIMITS
from app.engine.theory import quadratic_theory

Point = tuple[float, float]
Params = Mapping[str, float | str]


class Minimum(NamedTuple):
    """A known global minimum: where it is and the loss there (the ★ on the map)."""

    point: Point
    value: float


@dataclass(frozen=True)
class SurfaceDef:
    """A registry record: the formula (in `x`, `y` and the parameter names) and what we know of it."""

    id: str
    name: str
    formula: str
    params: dict[str, float | str]
    domain: tuple[Point, Point]  # ((x_min, x_max), (y_min, y_max))
    start: Point
    minima: Callable[[Mapping[str, float]], list[Minimum]] = lambda _: []
    description: str = ""
    unbounded: bool = False
    # What theory predicts for optimizers on it, given its parameters (design.md §11); None: no theory.
    theory: Callable[[Mapping[str, float | str]], dict | None] = lambda _: None


def _static(*minima: tuple[float, float, float]) -> Callable[[Mapping[str, float]], list[Minimum]]:
    return lambda _: [Minimum((x, y), v) for x, y, v in minima]


QUADRATIC_FORMULA = (
    "0.5*(a*(x*cos(angle*pi/180) + y*sin(angle*pi/180))**2 + b*(-x*sin(angle*pi/180) + y*cos(angle*pi/180))**2)"
)
GOLDSTEIN_PRICE_FORMULA = (
    "(1 + (x + y + 1)**2*(19 - 14*x + 3*x**2 - 14*y + 6*x*y + 3*y**2))"
    "*(30 + (2*x - 3*y)**2*(18 - 32*x + 12*x**2 + 48*y - 36*x*y + 27*y**2))"
)

# One record per surface, as a table: id, name, formula, params; domain, start, minima; description.
SURFACES: dict[str, SurfaceDef] = {s.id: s for s in [
    SurfaceDef("quadratic", "Quadratic bowl", QUADRATIC_FORMULA, {"a": 1.0, "b": 10.0, "angle": 0.0},
               ((-3.0, 3.0), (-3.0, 3.0)), (-2.5, 2.0), _static((0.0, 0.0, 0.0)),
               "An elongated bowl: curvature a along one axis, b along the other, rotated by angle degrees.",
               theory=quadratic_theory),
    SurfaceDef("rosenbrock", "Rosenbrock", "(a - x)**2 + b*(y - x**2)**2", {"a": 1.0, "b": 100.0},
               ((-2.0, 2.0), (-1.0, 3.0)), (-1.5, 2.0), lambda p: [Minimum((p["a"], p["a"] ** 2), 0.0)],
               "A long curved valley: easy to find, slow to follow to its minimum."),
    SurfaceDef("beale", "Beale", "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2", {},
               ((-4.5, 4.5), (-4.5, 4.5)), (1.0, 1.5), _static((3.0, 0.5, 0.0)),
               "Flat plateaus and sharp ridges around a minimum at (3, 0.5)."),
    SurfaceDef("himmelblau", "Himmelblau", "(x**2 + y - 11)**2 + (x + y**2 - 7)**2", {},
               ((-5.0, 5.0), (-5.0, 5.0)), (0.0, 0.0),
               _static((3.0, 2.0, 0.0), (-2.805118, 3.131312, 0.0), (-3.779310, -3.283186, 0.0),
                       (3.584428, -1.848126, 0.0)),
               "Four equal minima: which one you reach depends on where you start."),
    SurfaceDef("rastrigin", "Rastrigin", "2*A + x**2 - A*cos(2*pi*x) + y**2 - A*cos(2*pi*y)", {"A": 10.0},
               ((-5.12, 5.12), (-5.12, 5.12)), (2.3, -1.8), _static((0.0, 0.0, 0.0)),
               "A bowl covered in local minima: a trap for small steps."),
    SurfaceDef("ackley", "Ackley",
               "-20*exp(-0.2*sqrt(0.5*(x**2 + y**2))) - exp(0.5*(cos(2*pi*x) + cos(2*pi*y))) + e + 20", {},
               ((-5.0, 5.0), (-5.0, 5.0)), (3.0, 2.5), _static((0.0, 0.0, 0.0)),
               "A nearly flat, bumpy plain with a deep hole in the middle."),
    SurfaceDef("saddle", "Saddle", "x**2 - y**2", {}, ((-2.0, 2.0), (-2.0, 2.0)), (1.5, 0.01),
               description="Downhill along y, uphill along x: no minimum, a saddle point at the origin.",
               unbounded=True),
    SurfaceDef("booth", "Booth", "(x + 2*y - 7)**2 + (2*x + y - 5)**2", {},
               ((-10.0, 10.0), (-10.0, 10.0)), (-6.0, -6.0), _static((1.0, 3.0, 0.0)),
               "A tilted quadratic bowl with its minimum at (1, 3)."),
    SurfaceDef("goldstein_price", "Goldstein–Price", GOLDSTEIN_PRICE_FORMULA, {},
               ((-2.0, 2.0), (-3.0, 1.0)), (-0.5, 0.5), _static((0.0, -1.0, 3.0)),
               "Steep walls and several local minima; the global one is 3 at (0, -1)."),
    SurfaceDef("six_hump_camel", "Six-hump camel", "(4 - 2.1*x**2 + x**4/3)*x**2 + x*y + (-4 + 4*y**2)*y**2", {},
               ((-3.0, 3.0), (-2.0, 2.0)), (-1.5, 1.0),
               _static((0.08984201368301331, -0.7126564032704135, -1.031628453489877),
                       (-0.08984201368301331, 0.7126564032704135, -1.031628453489877)),
               "Six humps, two global minima."),
    SurfaceDef("expression", "Your formula", "", {"expression": "x**2 + 10*y**2"},
               ((-3.0, 3.0), (-3.0, 3.0)), (-2.5, 2.0), description="Type any formula in x and y."),
]}  # fmt: skip


@dataclass(frozen=True)
class Surface:
    """A surface with its parameters resolved: callable on tensors, with its minima known."""

    definition: SurfaceDef
    params: dict[str, float | str]
    formula: Formula
    minima: list[Minimum] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.definition.id

    @cached_property
    def min_value(self) -> float | None:
        return min((m.value for m in self.minima), default=None)

    def __call__(self, p: torch.Tensor) -> torch.Tensor:
        """f(p) for a point `p` of shape (..., 2): x = p[..., 0], y = p[..., 1]."""
        return self.formula.evaluate(x=p[..., 0], y=p[..., 1])

    def on_grid(self, xs: torch.Tensor, ys: torch.Tensor) -> torch.Tensor:
        """z[j][i] = f(xs[i], ys[j]), for contour and 3-D plots."""
        with torch.no_grad():
            z = self.formula.evaluate(x=xs.unsqueeze(0), y=ys.unsqueeze(1))
            return torch.broadcast_to(torch.as_tensor(z, dtype=torch.float64), (len(ys), len(xs)))

    @cached_property
    def theory(self) -> dict | None:
        return self.definition.theory(self.params)

    def nearest_minimum(self, point: Point) -> Minimum | None:
        return min(self.minima, key=lambda m: math.dist(point, m.point), default=None)

    def distance_to_minimum(self, point: Point) -> float | None:
        nearest = self.nearest_minimum(point)
        return None if nearest is None else math.dist(point, nearest.point)

    def describe(self) -> dict:
        """The resolved surface as the API and the page show it."""
        d = self.definition
        return {
            "id": d.id,
            "name": d.name,
            "formula": self.formula.text,
            "params": self.params,
            "domain": {"x": list(d.domain[0]), "y": list(d.domain[1])},
            "start": list(d.start),
            "minima": [{"point": list(m.point), "value": m.value} for m in self.minima],
            "min_value": self.min_value,
            "theory": self.theory,
        }


def resolve_surface(
    surface_id: str, params: Params | None = None, max_formula_length: int = DEFAULT_LIMITS.max_formula_length
) -> Surface:
    """Look up a surface and bind its parameters; errors name the field (`id`, `params.<name>`)."""
    definition = SURFACES.get(surface_id)
    if definition is None:
        raise SpecError(("id",), f"unknown surface {surface_id!r}; known: {', '.join(SURFACES)}")
    given = dict(params or {})
    unknown = sorted(set(given) - set(definition.params))
    if unknown:
        known = ", ".join(definition.params) or "none"
        raise SpecError(("params", unknown[0]), f"unknown parameter for {definition.id}; known: {known}")
    bound = {**definition.params, **given}
    if definition.id == "expression":
        text = bound["expression"]
        if not isinstance(text, str):
            raise SpecError(("params", "expression"), "the expression must be a string")
        try:
            formula = parse(text, ("x", "y"), max_length=max_formula_length)
        except FormulaError as err:
            raise SpecError(("params", "expression"), str(err), "formula_error") from None
        if not isinstance(formula.evaluate(x=torch.zeros(()), y=torch.zeros(())), torch.Tensor):
            # A constant has no gradient to follow: torch's backward() would refuse it.
            raise SpecError(("params", "expression"), "the formula must depend on x or y", "formula_error")
        return Surface(definition, bound, formula)
    for name, value in bound.items():
        if isinstance(value, str) or not math.isfinite(value):
            raise SpecError(("params", name), "must be a finite number")
    numbers = {name: float(value) for name, value in bound.items()}
    formula = parse(definition.formula, ("x", "y"), numbers, max_length=10_000)
    return Surface(definition, numbers, formula, definition.minima(numbers))
