"""The worker pool on its own (app/api/pool.py): what a worker holds before its first job, and what
becomes of a worker whose job the deadline's alarm interrupted (design.md §12)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from app.api.pool import ComputationFailed, ComputePool
from app.engine.catalog import catalog
from tests.api.support import run_async

# In a fresh process (the probe already on disk, so app.main runs no optimizer step): what the fork server
# preloads, then other computations than its warm-up, as a worker would run them; prints what they imported.
AFTER_THE_WARM_UP = """
import importlib, json, sys
from app.api.pool import FORK_SERVER_PRELOAD
for module in FORK_SERVER_PRELOAD:
    importlib.import_module(module)
from app.api.sweeps import EXAMPLES
from app.api.trainings import EXAMPLE, LR_FINDER_EXAMPLE
from app.settings import Settings
from app.workers.registry import COMPUTATIONS

settings, before = Settings(), set(sys.modules)
for name, request in (
    ("sweep", {**EXAMPLES[0], "steps": 5, "vary": {**EXAMPLES[0]["vary"], "resolution": 4}}),
    ("training", {**EXAMPLE, "epochs": 2, "task": {"data": {"id": "digits"}, "model": {"hidden": [8]}}}),
    ("lr_finder", {**LR_FINDER_EXAMPLE, "num_steps": 5}),
):
    computation = COMPUTATIONS[name]
    prepared = computation.prepare(computation.spec_model.model_validate(request), settings.limits)
    for _ in computation.iterate(prepared, settings):
        pass
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def nap(seconds: float) -> float:
    """Run in a worker: a job that outlives a short deadline (the alarm interrupts the sleep)."""
    time.sleep(seconds)
    return seconds


def test_the_fork_servers_warm_up_leaves_no_import_to_a_workers_first_job() -> None:
    """torch imports ~300 modules at an optimizer's first step; a job must not be the one to pay (or to be
    interrupted by its deadline half-way through one)."""
    catalog()  # the session's probe, on disk for the process below
    imported = subprocess.run(
        [sys.executable, "-c", AFTER_THE_WARM_UP], capture_output=True, text=True, check=True, timeout=600
    )
    assert json.loads(imported.stdout.splitlines()[-1]) == []


def test_a_worker_whose_job_the_alarm_interrupted_is_replaced_and_the_next_job_runs() -> None:
    async def interrupted_then_next() -> tuple[ComputePool, float]:
        pool = ComputePool(workers=1, max_pending=4, max_seconds=0.5)
        async with pool.running():
            with pytest.raises(ComputationFailed) as failed:
                await pool.run(nap, 30.0)
            assert failed.value.limit == "max_seconds"
            return pool, await pool.run(nap, 0.0)

    pool, answer = run_async(interrupted_then_next)
    assert answer == 0.0
    assert pool.replaced == 1, "the interrupted worker was not trusted with the next job"
