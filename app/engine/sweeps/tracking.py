"""What each cell of a sweep ended with: the design.md §2 record checks for many rows at once."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from app.engine.runs import DIVERGENCE_BOUND

STATUS_CODES = ("completed", "diverged", "failed")
COMPLETED, DIVERGED, FAILED = range(3)


@dataclass
class Outcomes:
    """Per cell: the run's status and summary, its last recorded point, and (seed bands) its path."""

    status: list[str]
    final_point: list[tuple[float, float] | None]
    final_loss: list[float | None]  # the last recorded loss (the run's summary)
    best_loss: list[float | None]
    steps_to_tolerance: list[int | None]
    paths: list[tuple[list[float], list[float], list[float]]] | None = None
    cut_short_by_the_server: bool = False


class Tracker:
    """The design.md §2 record checks for B rows at once, keeping only what a sweep reports.

    Record k of a live row is good when its loss, point and learning rate are finite and the point is
    within bounds; the first bad record stops the row as diverged at k (its records end at k - 1).
    """

    def __init__(self, rows: int, steps: int, f_min: float | None, tolerance: float, keep_paths: bool) -> None:
        f64 = torch.float64
        self.live = torch.ones(rows, dtype=torch.bool)
        self.status = torch.full((rows,), COMPLETED, dtype=torch.int64)
        self.length = torch.full((rows,), steps + 1, dtype=torch.int64)  # records kept
        self.point = torch.full((rows, 2), math.nan, dtype=f64)
        self.loss = torch.full((rows,), math.nan, dtype=f64)
        self.best = torch.full((rows,), math.inf, dtype=f64)
        self.hit = torch.full((rows,), -1, dtype=torch.int64)  # steps to tolerance, -1 until reached
        self.f_min = f_min
        self.tolerance = tolerance
        self.points = torch.empty(rows, steps + 1, 2, dtype=f64) if keep_paths else None
        self.losses = torch.empty(rows, steps + 1, dtype=f64) if keep_paths else None

    def any_live(self) -> bool:
        return bool(self.live.any())

    def record(self, k: int, points: torch.Tensor, losses: torch.Tensor, lr_ok: torch.Tensor | None) -> None:
        bad = (
            ~torch.isfinite(losses) | ~torch.isfinite(points).all(dim=1) | (points.abs() > DIVERGENCE_BOUND).any(dim=1)
        )
        if lr_ok is not None:
            bad |= ~lr_ok
        stopping = self.live & bad
        if bool(stopping.any()):
            self.status[stopping] = DIVERGED
            self.length[stopping] = k
            self.live &= ~bad
        good = self.live
        self.point = torch.where(good.unsqueeze(1), points, self.point)
        self.loss = torch.where(good, losses, self.loss)
        self.best = torch.where(good & (losses < self.best), losses, self.best)  # the first lowest, as min()
        if self.f_min is not None:
            reached = good & (self.hit < 0) & (losses - self.f_min <= self.tolerance)
            self.hit = torch.where(reached, k, self.hit)
        if self.points is not None and self.losses is not None:
            self.points[:, k] = points
            self.losses[:, k] = losses

    def fail(self, k: int) -> None:
        """Every live row fails at step k: its records end at k - 1."""
        self.status[self.live] = FAILED
        self.length[self.live] = k
        self.live[:] = False

    def outcomes(self, order: list[int]) -> Outcomes:
        """Outcomes in cell order; row r holds cell order[r]."""
        rows = torch.empty(len(order), dtype=torch.int64)
        rows[torch.tensor(order)] = torch.arange(len(order))
        length = self.length[rows].tolist()
        point = self.point[rows].tolist()
        kept = [n > 0 for n in length]
        outcomes = Outcomes(
            status=[STATUS_CODES[s] for s in self.status[rows].tolist()],
            final_point=[(p[0], p[1]) if ok else None for p, ok in zip(point, kept, strict=True)],
            final_loss=[v if ok else None for v, ok in zip(self.loss[rows].tolist(), kept, strict=True)],
            best_loss=[v if ok else None for v, ok in zip(self.best[rows].tolist(), kept, strict=True)],
            steps_to_tolerance=[h if h >= 0 else None for h in self.hit[rows].tolist()],
        )
        if self.points is not None and self.losses is not None:
            outcomes.paths = []
            for row, n in zip(rows.tolist(), length, strict=True):
                xy = self.points[row, :n]
                outcomes.paths.append((xy[:, 0].tolist(), xy[:, 1].tolist(), self.losses[row, :n].tolist()))
        return outcomes
