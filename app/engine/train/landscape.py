"""The loss landscape of a training (design.md §10): a plane in weight space, the paths on it, the loss over it.

Li et al., "Visualizing the Loss Landscape of Neural Nets" (2018). The plane passes through the shared
initial weights θ0. `pca` spans it with the first two right singular vectors of every run's recorded
weights minus their mean (θ0 and the weights after each kept step, all runs); `random` with two seeded
Gaussian directions, filter-normalised: each row of a weight matrix (one unit's incoming weights) is
scaled to that row's norm in θ0, and biases get no component. Weights are projected on the plane by
least squares. The training loss over the grid is evaluated many points at a time with
`torch.func.functional_call` under `vmap`; each value is within float32 rounding of a forward pass at
that point alone (tests/unit/test_train_landscape.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from app.engine.train.datasets import Dataset
from app.engine.train.spec import LandscapeSpec

MARGIN = 0.25  # of the paths' widest extent, around them on every side
GRID_BATCH_NUMBERS = 8_000_000  # activations one vmapped batch of grid points may hold


@dataclass(frozen=True)
class Plane:
    theta0: torch.Tensor  # (P,) float32
    directions: torch.Tensor  # (2, P) float64
    explained_variance: list[float] | None = None

    def project(self, weights: torch.Tensor) -> torch.Tensor:
        """(N, P) weights → (N, 2) plane coordinates: the least-squares solution of θ - θ0 = u·d1 + v·d2."""
        delta = weights.double() - self.theta0.double()
        d = self.directions
        return torch.linalg.solve(d @ d.T, d @ delta.T).T

    def weights_at(self, uv: torch.Tensor) -> torch.Tensor:
        """(N, 2) plane coordinates → (N, P) float32 weights θ0 + u·d1 + v·d2."""
        return (self.theta0.double() + uv @ self.directions).float()


def _signed(directions: torch.Tensor) -> torch.Tensor:
    """Each direction with its largest component positive: a singular vector's sign is arbitrary."""
    largest = directions.abs().argmax(dim=1)
    signs = torch.sign(directions[torch.arange(len(directions)), largest])
    return directions * signs[:, None]


def pca_plane(theta0: torch.Tensor, records: list[torch.Tensor]) -> Plane:
    """The plane through θ0 along the first two principal components of the recorded weights."""
    rows = torch.cat(records).double()
    centred = rows - rows.mean(dim=0)
    if len(centred) < 2:  # one run that ended before its first step: a (degenerate) plane all the same
        centred = torch.cat([centred, torch.zeros(2 - len(centred), centred.shape[1], dtype=torch.float64)])
    _, singular, vh = torch.linalg.svd(centred, full_matrices=False)
    variance = singular**2
    total = float(variance.sum())
    explained = [float(v) / total if total > 0 else 0.0 for v in variance[:2]]
    return Plane(theta0, _signed(vh[:2]), explained)


def random_plane(model: nn.Module, seed: int) -> Plane:
    """Two filter-normalised Gaussian directions through the model's weights (θ0), seeded."""
    generator = torch.Generator().manual_seed(seed)
    parameters = [p.detach() for p in model.parameters()]
    directions = []
    for _ in range(2):
        parts = []
        for p in parameters:
            d = torch.randn(p.shape, generator=generator)
            if p.dim() < 2:
                d.zero_()
            else:
                d *= p.norm(dim=1, keepdim=True) / d.norm(dim=1, keepdim=True).clamp_min(1e-10)
            parts.append(d.reshape(-1))
        directions.append(torch.cat(parts))
    theta0 = torch.cat([p.reshape(-1) for p in parameters])
    return Plane(theta0, torch.stack(directions).double())


def grid_axes(paths: list[torch.Tensor], resolution: int) -> tuple[torch.Tensor, torch.Tensor]:
    """u and v: evenly spaced over every path, with a margin (±1 around θ0 when nothing moved)."""
    points = torch.cat(paths)
    low, high = points.min(dim=0).values, points.max(dim=0).values
    widest = float((high - low).max())
    margin = MARGIN * widest if widest > 0 else 1.0
    u = torch.linspace(float(low[0]) - margin, float(high[0]) + margin, resolution, dtype=torch.float64)
    v = torch.linspace(float(low[1]) - margin, float(high[1]) + margin, resolution, dtype=torch.float64)
    return u, v


def training_loss_at(model: nn.Module, data: Dataset) -> Any:
    """A function of one flat weight vector: the mean cross-entropy over the whole training set."""
    names = [name for name, _ in model.named_parameters()]
    shapes = [p.shape for p in model.parameters()]
    sizes = [p.numel() for p in model.parameters()]

    def loss(flat: torch.Tensor) -> torch.Tensor:
        params = {name: part.view(shape) for name, part, shape in zip(names, flat.split(sizes), shapes, strict=True)}
        return F.cross_entropy(functional_call(model, params, (data.x_train,)), data.y_train)

    return loss


def grid_losses(model: nn.Module, plane: Plane, u: torch.Tensor, v: torch.Tensor, data: Dataset) -> torch.Tensor:
    """loss[j][i] = the training loss at θ0 + u[i]·d1 + v[j]·d2, evaluated in vmapped batches."""
    grid_v, grid_u = torch.meshgrid(v, u, indexing="ij")
    uv = torch.stack([grid_u.reshape(-1), grid_v.reshape(-1)], dim=1)
    widest = max([data.features, data.classes, *(p.shape[0] for p in model.parameters())])
    batch = max(1, GRID_BATCH_NUMBERS // (data.n_train * widest))
    batched = torch.vmap(training_loss_at(model, data))
    with torch.no_grad():
        losses = [batched(plane.weights_at(chunk)) for chunk in uv.split(batch)]
    return torch.cat(losses).double().reshape(len(v), len(u))


@dataclass(frozen=True)
class Landscape:
    method: str
    plane: Plane
    u: torch.Tensor
    v: torch.Tensor
    loss: torch.Tensor  # (len(v), len(u))
    paths: list[torch.Tensor]  # per run, (steps + 1, 2)

    def describe(self) -> dict[str, Any]:
        """The result's `landscape` (design.md §10); non-finite losses (a diverged corner) as null."""
        loss = [[value if abs(value) < float("inf") else None for value in row] for row in self.loss.tolist()]
        return {"method": self.method, "explained_variance": self.plane.explained_variance,
                "u": self.u.tolist(), "v": self.v.tolist(), "loss": loss}  # fmt: skip

    def paths_as_lists(self) -> list[dict[str, list[float]]]:
        return [{"u": path[:, 0].tolist(), "v": path[:, 1].tolist()} for path in self.paths]


def landscape_of(
    spec: LandscapeSpec,
    theta0: torch.Tensor,
    model: nn.Module,
    data: Dataset,
    records: list[torch.Tensor] | None = None,
    plane: Plane | None = None,
    paths: list[torch.Tensor] | None = None,
) -> Landscape:
    """The landscape: from every run's recorded weights (pca), or from a plane and paths known already (random)."""
    if plane is None:
        assert records is not None
        plane = pca_plane(theta0, records)
        paths = [plane.project(rows) for rows in records]
    assert paths is not None
    u, v = grid_axes(paths, spec.resolution)
    return Landscape(spec.method, plane, u, v, grid_losses(model, plane, u, v, data), paths)
