"""The run-by-run path: every cell an independent run through runs.Lockstep, the one implementation of
the design.md §2 loop, in chunks that bound memory. It serves every sweep the batched path cannot."""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import replace
from typing import TYPE_CHECKING

from app.engine.runs import Points, PreparedExperiment, RunEnded, iterate_experiment
from app.engine.sweeps.tracking import Outcomes

if TYPE_CHECKING:
    from app.engine.sweeps.prepare import PreparedSweep

LOCKSTEP_RECORDS = 2_000_000  # records (runs × (steps + 1)) one lockstep chunk may hold in memory
LOCKSTEP_RUNS = 256


def lockstep_outcomes(sweep: PreparedSweep, chunk_seconds: float, deadline: float) -> Generator[int, None, Outcomes]:
    """Run-steps done, as independent runs advance in lockstep chunks; returns the outcomes."""
    n = sweep.steps
    cells = sweep.cells
    size = max(1, min(LOCKSTEP_RUNS, LOCKSTEP_RECORDS // (n + 1)))
    keep_paths = sweep.vary.keeps_paths
    out = Outcomes(
        ["completed"] * len(cells),
        [None] * len(cells),
        [None] * len(cells),
        [None] * len(cells),
        [None] * len(cells),
        [([], [], []) for _ in cells] if keep_paths else None,
    )
    for first in range(0, len(cells), size):
        chunk = [replace(cell, index=i) for i, cell in enumerate(cells[first : first + size])]
        known = [0] * len(chunk)
        experiment = PreparedExperiment(
            sweep.surface, n, sweep.tolerance, chunk, max_seconds=max(0.0, deadline - time.perf_counter())
        )
        for event in iterate_experiment(experiment, chunk_seconds):
            if isinstance(event, Points):
                c = first + event.run
                out.final_point[c] = (event.x[-1], event.y[-1])
                if out.paths is not None:
                    for path, values in zip(out.paths[c], (event.x, event.y, event.loss), strict=True):
                        path.extend(values)
                known[event.run] = event.start + len(event.x) - 1
                yield first * n + sum(known)
            elif isinstance(event, RunEnded):
                c = first + event.run
                out.status[c] = event.status
                out.final_loss[c] = event.summary["final_loss"]
                out.best_loss[c] = event.summary["best_loss"]
                out.steps_to_tolerance[c] = event.summary["steps_to_tolerance"]
                out.cut_short_by_the_server |= event.cut_short_by_the_server
                known[event.run] = n
    return out
