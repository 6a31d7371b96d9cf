"""Decision boundaries of 2-D data sets (design.md §10), in a form small enough for every epoch of every run.

The model's probability of class 1 is evaluated on a fixed RESOLUTION × RESOLUTION grid over a square
around the data and quantised to one byte per point: `round(255 · p)`, rows of constant y from the
bottom (row j is y[j], column i is x[i]), base64-encoded. A default training's 4 runs × 31 epochs
take 4 × 31 × 1 024 bytes (about 170 kB as base64), a 256th of what JSON numbers would.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from app.engine.train.datasets import Dataset

RESOLUTION = 32
MARGIN = 0.15  # of the data's half-width, on every side


@dataclass(frozen=True)
class BoundaryGrid:
    x: tuple[float, float]
    y: tuple[float, float]
    points: torch.Tensor  # (RESOLUTION², 2) float32, row-major in y

    def probabilities(self, model: nn.Module) -> torch.Tensor:
        """p(class 1) at every grid point (call in no_grad and eval mode)."""
        return torch.softmax(model(self.points), dim=1)[:, 1]

    @staticmethod
    def encode(probabilities: torch.Tensor) -> str:
        return base64.b64encode((probabilities * 255).round().to(torch.uint8).numpy().tobytes()).decode("ascii")

    def describe(self) -> dict[str, Any]:
        return {
            "x": list(self.x),
            "y": list(self.y),
            "resolution": RESOLUTION,
            "encoding": "base64 of resolution² bytes round(255·p(class 1)); row j is y[j] (from the bottom), "
            "column i is x[i], both evenly spaced from the first bound to the second inclusive",
        }


def boundary_grid(data: Dataset) -> BoundaryGrid | None:
    """The grid over a square around every point (training and validation); None unless the data is 2-D."""
    if data.features != 2:
        return None
    points = torch.cat([data.x_train, data.x_val]).double()
    low, high = points.min(dim=0).values, points.max(dim=0).values
    centre = (low + high) / 2
    half = float((high - low).max()) / 2 * (1 + MARGIN) or 1.0
    bounds = [(float(c) - half, float(c) + half) for c in centre]
    xs = torch.linspace(*bounds[0], RESOLUTION, dtype=torch.float64)
    ys = torch.linspace(*bounds[1], RESOLUTION, dtype=torch.float64)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    grid = torch.stack([grid_x.reshape(-1), grid_y.reshape(-1)], dim=1).float()
    return BoundaryGrid(bounds[0], bounds[1], grid)
