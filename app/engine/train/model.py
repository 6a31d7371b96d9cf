"""The network of model mode (design.md §10): an MLP with torch's default initialisation."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import torch
from torch import nn

from app.engine.catalog import TORCH_RNG

ACTIVATION_LAYERS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,
    "sigmoid": nn.Sigmoid,
}


def build_mlp(features: int, classes: int, hidden: Sequence[int], activation: str, seed: int) -> nn.Sequential:
    """design.md §10's model, seeded: Linear and activation per hidden layer, then a Linear to the classes.

    Every run builds it afresh from the same seed, so all runs start from the same weights θ0.
    """
    with TORCH_RNG:  # the global generator is shared by every worker thread
        torch.manual_seed(seed)
        layers: list[nn.Module] = []
        width = features
        for units in hidden:
            layers += [nn.Linear(width, units), ACTIVATION_LAYERS[activation]()]
            width = units
        return nn.Sequential(*layers, nn.Linear(width, classes))


def parameter_count(features: int, classes: int, hidden: Sequence[int]) -> int:
    """Weights and biases of that MLP, without building it."""
    widths = [features, *hidden, classes]
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in itertools.pairwise(widths))


def flat_weights(parameters: Sequence[torch.Tensor], out: torch.Tensor | None = None) -> torch.Tensor:
    """Every parameter, flattened in order, as one vector (into `out` when given)."""
    return torch.cat([p.detach().reshape(-1) for p in parameters], out=out)
