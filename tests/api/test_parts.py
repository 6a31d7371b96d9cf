"""An experiment's runs shared out among idle workers (app/api/parts.py, design.md §12): one stream as one
worker would send it, the same document, in about the time of its slowest part. On the session's server
(a worker per core); tests/api/test_workers.py shows that a request is split, and that a hang-up
cancels every part."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from app.engine.runs import run_experiment
from app.engine.spec import ExperimentSpec
from tests.api.support import experiment, stream_events, wait_until_idle

# Runs that keep streams of their own: noise, a scheduler, an optimizer drawing random numbers, one that
# evaluates its closure itself (LBFGS, kept in part 0 with its evaluation budget).
RUNS = [
    {"optimizer": {"id": "Adam", "params": {"lr": 0.05}}, "noise": {"std": 0.5, "seed": 3}},
    {"optimizer": {"id": "SGD", "params": {"lr": 1e-3, "momentum": 0.9}},
     "scheduler": {"id": "StepLR", "params": {"step_size": 50, "gamma": 0.5}}},
    {"optimizer": {"id": "LBFGS", "params": {"lr": 0.5}}},
    {"optimizer": {"id": "pytorch_optimizer.Kron", "params": {"lr": 0.01}}},
    {"optimizer": {"id": "RMSprop", "params": {"lr": 0.01}}, "start": [1.0, -1.0]},
]  # fmt: skip


def test_a_shared_out_experiment_streams_and_returns_what_one_process_computes(client: httpx.Client) -> None:
    body = experiment("rosenbrock", 300, *RUNS)
    expected = json.dumps(run_experiment(ExperimentSpec.model_validate(body)), allow_nan=False)
    wait_until_idle(client)
    response, events = stream_events(client, body)
    assert response.status_code == 200
    kinds = [event["event"] for event in events]
    assert kinds[0] == "experiment" and kinds[-1] == "done" and kinds.count("done") == 1
    assert kinds.count("experiment") == 1 and kinds.count("run_end") == len(RUNS)
    for run in range(len(RUNS)):  # chunks of one run are contiguous by start (design.md §6)
        starts = [(e["start"], len(e["x"])) for e in events if e["event"] == "points" and e["run"] == run]
        assert [start for start, _ in starts] == [sum(n for _, n in starts[:i]) for i in range(len(starts))]
    document = json.loads(expected)
    for run, record in enumerate(document["runs"]):
        for key in ("x", "y", "loss", "lr"):
            streamed = [v for e in events if e["event"] == "points" and e["run"] == run for v in e[key]]
            assert streamed == record[key], (run, key)
    whole = client.post("/api/experiments", json=body)  # from the stream's merged events, kept by the cache
    assert whole.status_code == 200 and whole.json() == document


@pytest.mark.serial  # it measures two cores: a second pytest process on the other one would halve them
def test_an_experiments_two_runs_take_about_the_time_of_one(client: httpx.Client) -> None:
    """One request of two equal runs on two idle workers: about the time of one run, not of two."""
    assert client.get("/api/health").json()["computations"]["workers"] >= 2, "the session server has a worker per core"

    def timed(*learning_rates: float) -> float:
        runs = [{"optimizer": {"id": "Adam", "params": {"lr": lr}}} for lr in learning_rates]
        wait_until_idle(client)
        began = time.perf_counter()
        answer = client.post("/api/experiments", json=experiment("rosenbrock", 8000, *runs))
        assert answer.status_code == 200 and {run["status"] for run in answer.json()["runs"]} == {"completed"}
        return time.perf_counter() - began

    timed(0.01, 0.011)  # each worker has had a job before the measured ones
    one = min(timed(0.012 + i * 1e-4) for i in range(2))
    two = timed(0.013, 0.014)
    assert two < 1.5 * one, f"one run {one:.2f} s, two runs {two:.2f} s"
