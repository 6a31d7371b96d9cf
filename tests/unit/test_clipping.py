"""Gradient clipping (design.md §11): the spec's rules, and the batched rows equal torch's functions on lone vectors."""

from __future__ import annotations

import math

import pytest
import torch
from pydantic import ValidationError

from app.engine.clipping import clip_gradients_, clip_rows_
from app.engine.spec import ClipSpec, RunSpec

SPECIAL_ROWS = [
    [0.0, 0.0], [0.0, -0.0], [3.0, 4.0], [1.0, 1e-6], [1e-320, 0.0], [5e-324, 5e-324], [1e-200, -1e-200],
    [1e308, 1e308], [1e200, -3e-200], [math.nan, 1.0], [math.inf, 1.0], [-math.inf, math.inf], [0.5, -0.49999],
]  # fmt: skip


def gradients(rows: int) -> torch.Tensor:
    """Gradients over the whole float64 range (from subnormal to near overflow), both signs, and the special rows."""
    generator = torch.Generator().manual_seed(3)
    magnitude = torch.exp(torch.empty(rows, 2, dtype=torch.float64).uniform_(-740, 709, generator=generator))
    sign = torch.randint(0, 2, (rows, 2), generator=generator).to(torch.float64) * 2 - 1
    random = magnitude * sign * torch.rand(rows, 2, generator=generator, dtype=torch.float64)
    return torch.cat([torch.tensor(SPECIAL_ROWS, dtype=torch.float64), random])


def clipped_alone(grads: torch.Tensor, clip: ClipSpec) -> torch.Tensor:
    """Each row as a lone (2,) parameter's gradient, clipped by torch.nn.utils."""
    out = torch.empty_like(grads)
    for row, grad in enumerate(grads):
        p = torch.zeros(2, dtype=torch.float64, requires_grad=True)
        p.grad = grad.clone()
        clip_gradients_([p], clip)
        out[row] = p.grad
    return out


def same_bits(a: torch.Tensor, b: torch.Tensor) -> bool:
    return bool(torch.equal(a.view(torch.int64), b.view(torch.int64)))


@pytest.mark.parametrize(
    "clip", [{"norm": 1.0}, {"norm": 0.37}, {"norm": 1e-8}, {"norm": 1e300}, {"value": 0.5}, {"value": 1e-300}],
    ids=str,
)  # fmt: skip
def test_clipped_rows_equal_torchs_clipping_of_each_lone_gradient(clip: dict) -> None:
    spec = ClipSpec.model_validate(clip)
    grads = gradients(3000)
    batched = grads.clone()
    clip_rows_(batched, spec)
    assert same_bits(batched, clipped_alone(grads, spec))


def test_clipping_changes_only_what_it_should() -> None:
    """A guard that the comparison above can fail: clipping by norm keeps the direction, caps the length."""
    grads = torch.tensor([[3.0, 4.0], [0.3, 0.4]], dtype=torch.float64)
    clip_rows_(grads, ClipSpec(norm=1.0))
    assert torch.linalg.vector_norm(grads[0]).item() == pytest.approx(1.0, rel=1e-5)
    assert grads[0, 0] / grads[0, 1] == pytest.approx(0.75)
    assert grads[1].tolist() == [0.3, 0.4]
    clip_rows_(grads, ClipSpec(value=0.35))
    assert grads[1].tolist() == [0.3, 0.35]


@pytest.mark.parametrize(
    ("clip", "loc"),
    [
        ({}, ("clip",)),
        ({"norm": 1.0, "value": 0.5}, ("clip",)),
        ({"norm": 0.0}, ("clip", "norm")),
        ({"value": -1.0}, ("clip", "value")),
        ({"norm": math.inf}, ("clip", "norm")),
        ({"norm": "1"}, ("clip", "norm")),
        ({"max_norm": 1.0}, ("clip", "max_norm")),
    ],
    ids=["neither", "both", "zero", "negative", "infinite", "text", "unknown"],
)
def test_a_bad_clip_names_its_field(clip: dict, loc: tuple) -> None:
    with pytest.raises(ValidationError) as raised:
        RunSpec.model_validate({"optimizer": {"id": "SGD"}, "clip": clip})
    assert raised.value.errors()[0]["loc"] == loc
