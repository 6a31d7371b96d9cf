"""Sweeps (design.md §6): one run repeated over a grid of starts, hyperparameter values or noise seeds.

Every cell equals what the same run gives alone through `run_experiment`, bit for bit. The package, by job:

- `kinds`: the vary kinds (start, param, grid2, seed), one class each in a registry: cells, axes, result.
- `prepare`: the request validated against the catalog and the limits (`PreparedSweep`).
- `batched`: every cell a row of one tensor under one torch optimizer, where that provably changes no bit.
- `lockstep`: the run-by-run fallback, through runs.Lockstep.
- `tracking`: what each cell ended with; `events`: the stream events; `stream`: request to result.

This module is the package's face: callers import from here, the inside may move.
"""

from app.engine.sweeps.batched import ELEMENTWISE_OPTIMIZERS, ELEMENTWISE_ZOO_OPTIMIZERS, NOISE_STEPS_PER_DRAW
from app.engine.sweeps.events import Progress, SweepEvent, SweepResult, SweepStarted
from app.engine.sweeps.kinds import SWEEP_KINDS, SweepKind, minimum_index
from app.engine.sweeps.prepare import PreparedSweep, prepare_sweep
from app.engine.sweeps.stream import collect_sweep, iterate_sweep, run_sweep

__all__ = [
    "ELEMENTWISE_OPTIMIZERS",
    "ELEMENTWISE_ZOO_OPTIMIZERS",
    "NOISE_STEPS_PER_DRAW",
    "SWEEP_KINDS",
    "PreparedSweep",
    "Progress",
    "SweepEvent",
    "SweepKind",
    "SweepResult",
    "SweepStarted",
    "collect_sweep",
    "iterate_sweep",
    "minimum_index",
    "prepare_sweep",
    "run_sweep",
]
