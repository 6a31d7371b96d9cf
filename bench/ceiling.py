"""What the machine itself gives: the ceiling for any server's scaling over its cores (design.md §12).

Two processes computing at once on two cores do not each run as fast as one alone: on a virtual machine
two vCPUs may share a physical core's caches or its hyperthreads, and neighbours come and go. Measured
here with the very work a worker does — distinct default comparisons through the engine, no server, no
HTTP — so `make load --distinct` and `make bench` (l) can say how much of the hardware's own scaling the
server keeps.
"""

from __future__ import annotations

import time
from multiprocessing import get_context
from multiprocessing.synchronize import Barrier

COMPARISONS = 12  # per process and measurement: seconds of work, as a burst of distinct requests is

_start_together: Barrier | None = None  # each pool process's, from _warm


def _warm(start_together: Barrier) -> None:
    """A worker's start: torch on one thread (as the server's workers run), imported and stepped once."""
    import torch

    global _start_together
    _start_together = start_together
    torch.set_num_threads(1)
    computed_alone(0, 1)


def computed_alone(first: int, count: int) -> float:
    """Seconds this process takes to compute `count` distinct default comparisons, one after another."""
    from app.engine.runs import run_experiment
    from app.engine.spec import ExperimentSpec
    from bench.load import distinct_comparison  # here: bench.load imports this module

    began = time.perf_counter()
    for index in range(first, first + count):
        run_experiment(ExperimentSpec.model_validate(distinct_comparison(index)))
    return time.perf_counter() - began


def computed_together(first: int, count: int) -> float:
    """computed_alone, started when every process of the pool is ready to start too."""
    assert _start_together is not None
    _start_together.wait()
    return computed_alone(first, count)


def machine_scaling(processes: int, count: int = COMPARISONS) -> float:
    """The throughput of `processes` plain processes computing at once over that of one alone (best of two)."""
    context = get_context("spawn")
    start_together = context.Barrier(processes)
    with context.Pool(processes, initializer=_warm, initargs=(start_together,)) as pool:
        alone = min(pool.apply(computed_alone, (1_000 * try_, count)) for try_ in (1, 2))
        together = min(
            max(pool.starmap(computed_together, [(10_000 * try_ + 1_000 * i, count) for i in range(processes)], 1))
            for try_ in (1, 2)
        )
    return processes * alone / together
