"""The data sets of model mode (design.md §10): small seeded generators, and scikit-learn's digits.

Nothing is ever downloaded. Each 2-D generator is a small plain-torch function of (n, noise,
generator) that uses nothing but torch and math, so the exported script (design.md §8) prints its
very source: one code path for the server and the script. The generator is seeded with the data
set's `seed`; the points are drawn first, then the validation split's permutation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import torch
from pydantic import BaseModel, Field, ValidationError

from app.engine.errors import SpecError
from app.engine.spec import FiniteFloat, RequestInt, Seed, StrictModel

Points = tuple[torch.Tensor, torch.Tensor]  # features (n, F) float32, labels (n,) int64


def moons(n: int, noise: float, generator: torch.Generator) -> Points:
    """Two interleaving half circles (scikit-learn's make_moons), centred on the origin."""
    n_upper = n // 2
    t_upper = torch.linspace(0, math.pi, n_upper)
    t_lower = torch.linspace(0, math.pi, n - n_upper)
    upper = torch.stack([torch.cos(t_upper) - 0.5, torch.sin(t_upper) - 0.25], dim=1)
    lower = torch.stack([0.5 - torch.cos(t_lower), 0.25 - torch.sin(t_lower)], dim=1)
    x = torch.cat([upper, lower]) + noise * torch.randn(n, 2, generator=generator)
    y = torch.cat([torch.zeros(n_upper, dtype=torch.int64), torch.ones(n - n_upper, dtype=torch.int64)])
    return x, y


def circles(n: int, noise: float, generator: torch.Generator) -> Points:
    """A circle of radius 1 around one of radius 0.5 (scikit-learn's make_circles)."""
    n_outer = n // 2
    t_outer = torch.arange(n_outer) * (2 * math.pi / n_outer)
    t_inner = torch.arange(n - n_outer) * (2 * math.pi / (n - n_outer))
    outer = torch.stack([torch.cos(t_outer), torch.sin(t_outer)], dim=1)
    inner = 0.5 * torch.stack([torch.cos(t_inner), torch.sin(t_inner)], dim=1)
    x = torch.cat([outer, inner]) + noise * torch.randn(n, 2, generator=generator)
    y = torch.cat([torch.zeros(n_outer, dtype=torch.int64), torch.ones(n - n_outer, dtype=torch.int64)])
    return x, y


def xor(n: int, noise: float, generator: torch.Generator) -> Points:
    """Uniform points in [-1, 1]²; class 1 where x and y have opposite signs (labelled before the noise)."""
    x = torch.rand(n, 2, generator=generator) * 2 - 1
    y = ((x[:, 0] > 0) != (x[:, 1] > 0)).to(torch.int64)
    return x + noise * torch.randn(n, 2, generator=generator), y


def spiral(n: int, noise: float, generator: torch.Generator) -> Points:
    """Two arms winding one and a half turns out of the origin, half a turn apart."""
    n_first = n // 2
    t = torch.cat([torch.linspace(0, 1, n_first), torch.linspace(0, 1, n - n_first)])
    y = torch.cat([torch.zeros(n_first, dtype=torch.int64), torch.ones(n - n_first, dtype=torch.int64)])
    angle = 3 * math.pi * t + math.pi * y
    x = torch.stack([t * torch.cos(angle), t * torch.sin(angle)], dim=1)
    return x + noise * torch.randn(n, 2, generator=generator), y


def gaussians(n: int, noise: float, generator: torch.Generator) -> Points:
    """Two round clouds of standard deviation `noise` around (-1, -1) and (1, 1)."""
    n_first = n // 2
    y = torch.cat([torch.zeros(n_first, dtype=torch.int64), torch.ones(n - n_first, dtype=torch.int64)])
    centres = torch.tensor([[-1.0, -1.0], [1.0, 1.0]])[y]
    return centres + noise * torch.randn(n, 2, generator=generator), y


@cache
def _digits_arrays() -> Points:
    from sklearn.datasets import load_digits  # the file ships inside scikit-learn: no download

    data = load_digits()
    return torch.tensor(data.data / 16, dtype=torch.float32), torch.tensor(data.target, dtype=torch.int64)


def digits() -> Points:
    """scikit-learn's 1797 8×8 handwritten digits, pixels scaled from 0..16 to [0, 1] (exact in float32)."""
    x, y = _digits_arrays()
    return x.clone(), y.clone()


def split(x: torch.Tensor, y: torch.Tensor, validation: float, generator: torch.Generator) -> tuple[torch.Tensor, ...]:
    """x_train, y_train, x_val, y_val: the first round(validation × n) of a seeded permutation are held out."""
    n_val = round(validation * len(y))
    order = torch.randperm(len(y), generator=generator)
    val, train = order[:n_val], order[n_val:]
    return x[train], y[train], x[val], y[val]


# --- the registry ----------------------------------------------------------------------------------

SeedField = Field(default=0, description="seeds the points and the split")
Validation = Field(default=0.25, gt=0.0, lt=1.0, description="the fraction of points held out")


class PointsParams(StrictModel):
    """A 2-D generator's parameters; `noise`'s default is the data set's own."""

    n: RequestInt = Field(default=400, ge=4, description="points; at most the server's limits.max_samples")
    noise: FiniteFloat = Field(default=0.2, ge=0.0, le=10.0)
    seed: Seed = SeedField
    validation: FiniteFloat = Validation


class DigitsParams(StrictModel):
    seed: Seed = SeedField
    validation: FiniteFloat = Validation


@dataclass(frozen=True)
class DatasetDefinition:
    id: str
    doc: str
    params_model: type[BaseModel]
    defaults: dict[str, Any]  # over the params model's own
    make: Callable[[Any, torch.Generator], Points]  # (resolved params, seeded generator) -> all points
    source: Callable[..., Points]  # the function the exported script prints
    features: int
    classes: int

    def describe(self) -> dict[str, Any]:
        properties = self.params_model.model_json_schema()["properties"]
        params = []
        for name, schema in properties.items():
            described = {"name": name, "kind": "int" if schema.get("type") == "integer" else "float"}
            described["default"] = self.defaults.get(name, schema.get("default"))
            bounds = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "description")
            params.append(described | {key: schema[key] for key in bounds if key in schema})
        return {"id": self.id, "doc": self.doc, "features": self.features, "classes": self.classes, "params": params}


def _points(generate: Callable[[int, float, torch.Generator], Points], noise: float) -> DatasetDefinition:
    return DatasetDefinition(
        generate.__name__, (generate.__doc__ or "").strip(), PointsParams, {"noise": noise},
        lambda params, generator: generate(params.n, params.noise, generator), generate, features=2, classes=2,
    )  # fmt: skip


DATASETS: dict[str, DatasetDefinition] = {
    definition.id: definition
    for definition in (
        _points(moons, 0.2),
        _points(circles, 0.1),
        _points(xor, 0.1),
        _points(spiral, 0.05),
        _points(gaussians, 0.8),
        DatasetDefinition(
            "digits", (digits.__doc__ or "").strip(), DigitsParams, {}, lambda params, generator: digits(), digits,
            features=64, classes=10,
        ),
    )
}  # fmt: skip


def list_datasets() -> list[dict[str, Any]]:
    """Every data set with its parameters and defaults, as GET /api/datasets lists them."""
    return [definition.describe() for definition in DATASETS.values()]


@dataclass(frozen=True)
class Dataset:
    """The exact tensors every training on this data set uses (design.md §10)."""

    id: str
    params: dict[str, Any]  # resolved: every parameter, defaults filled in
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    features: int
    classes: int

    @property
    def n_train(self) -> int:
        return len(self.y_train)

    @property
    def n_val(self) -> int:
        return len(self.y_val)

    def to_dict(self) -> dict[str, Any]:
        """The GET /api/datasets/{id} document: float32 features as numbers, labels as ints."""
        return {
            "id": self.id, "params": self.params,
            "x_train": self.x_train.tolist(), "y_train": self.y_train.tolist(),
            "x_val": self.x_val.tolist(), "y_val": self.y_val.tolist(),
            "features": self.features, "classes": self.classes,
        }  # fmt: skip


def resolve_dataset_params(dataset_id: str, params: dict[str, Any], max_samples: int) -> tuple[DatasetDefinition, Any]:
    """The definition and its validated parameters; SpecError located relative to the data spec."""
    definition = DATASETS.get(dataset_id)
    if definition is None:
        raise SpecError(("id",), f"unknown data set {dataset_id!r}; known: {', '.join(DATASETS)}")
    try:
        resolved = definition.params_model.model_validate({**definition.defaults, **params})
    except ValidationError as err:
        first = err.errors()[0]
        raise SpecError(("params", *first["loc"]), first["msg"], first["type"]) from None
    n = getattr(resolved, "n", None)
    if n is not None and n > max_samples:
        raise SpecError(("params", "n"), f"at most {max_samples} points", "less_than_equal")
    total = n if n is not None else len(_digits_arrays()[1])
    n_val = round(resolved.validation * total)
    if not 1 <= n_val <= total - 1:
        raise SpecError(
            ("params", "validation"), f"holds out {n_val} of {total} points: keep at least one on each side"
        )
    return definition, resolved


def load_dataset(dataset_id: str, params: dict[str, Any] | None = None, max_samples: int = 5_000) -> Dataset:
    """The data set's train and validation tensors; SpecError (relative to the data spec) for bad params."""
    definition, resolved = resolve_dataset_params(dataset_id, params or {}, max_samples)
    generator = torch.Generator().manual_seed(resolved.seed)
    x, y = definition.make(resolved, generator)
    x_train, y_train, x_val, y_val = split(x, y, resolved.validation, generator)
    return Dataset(
        dataset_id, resolved.model_dump(), x_train, y_train, x_val, y_val, definition.features, definition.classes
    )
