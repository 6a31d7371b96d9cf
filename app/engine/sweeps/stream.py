"""A sweep from request to result: the stream of events, and the whole document from the same stream."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from app.engine.limits import DEFAULT_LIMITS, Limits
from app.engine.spec import SweepSpec
from app.engine.sweeps.batched import NotBatchable, batched_outcomes
from app.engine.sweeps.events import Progress, ProgressMeter, SweepEvent, SweepResult, SweepStarted
from app.engine.sweeps.lockstep import lockstep_outcomes
from app.engine.sweeps.prepare import PreparedSweep, prepare_sweep
from app.engine.sweeps.tracking import Outcomes


def iterate_sweep(sweep: PreparedSweep, progress_seconds: float = 0.1) -> Iterator[SweepEvent]:
    """The sweep as stream events: `sweep`, `progress` (at most every `progress_seconds`), `result`.

    Computation happens between events, so a consumer that stops asking stops it. The batched path runs
    where it provably changes no bit; a batch it cannot finish is redone run by run.
    """
    batched = sweep.batch_blocker() is None
    deadline = time.perf_counter() + sweep.max_seconds  # the server's budget covers the whole sweep
    yield SweepStarted(sweep.kind, sweep.steps, sweep.surface.describe(), len(sweep.cells), sweep.axes, batched)
    meter = ProgressMeter(sweep.work, progress_seconds)
    outcomes: Outcomes | None = None
    if batched:
        try:
            outcomes = yield from meter.follow(batched_outcomes(sweep, deadline))
        except NotBatchable:
            outcomes = None  # recomputed below, run by run
    if outcomes is None:
        outcomes = yield from meter.follow(lockstep_outcomes(sweep, progress_seconds / 2, deadline))
    yield Progress(sweep.work, sweep.work)
    yield SweepResult(sweep.result(outcomes), outcomes.cut_short_by_the_server)


def collect_sweep(events: Iterator[SweepEvent]) -> dict[str, Any]:
    """The result document from the stream events: one code path for both."""
    result: dict[str, Any] = {}
    for event in events:
        if isinstance(event, SweepResult):
            result = event.result
    return result


def run_sweep(spec: SweepSpec, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Validate and run a sweep; the whole result document."""
    return collect_sweep(iterate_sweep(prepare_sweep(spec, limits)))
