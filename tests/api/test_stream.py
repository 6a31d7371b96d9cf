"""POST /api/experiments/stream (design.md §6): the same result as the whole document, flushed as computed,
and a client that goes away stops its computation."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.api.support import experiment, result_from_events, stream_events, strict_loads

SGD_MOMENTUM = {"optimizer": {"id": "SGD", "params": {"lr": 1e-3, "momentum": 0.9}}}
ADAM = {"optimizer": {"id": "Adam", "params": {"lr": 0.02}}}
RMSPROP = {"optimizer": {"id": "RMSprop", "params": {"lr": 0.01}}}
ADAGRAD = {"optimizer": {"id": "Adagrad", "params": {"lr": 0.3}}}

CONFIGURATIONS: dict[str, dict[str, Any]] = {
    "default-comparison": experiment("rosenbrock", 300, SGD_MOMENTUM, ADAM, RMSPROP, ADAGRAD),
    "diverging-sgd": experiment("rosenbrock", 100, {"optimizer": {"id": "SGD", "params": {"lr": 1}}}, ADAM),
    "lbfgs": experiment(
        "himmelblau",
        15,
        {"start": [-1.0, 0.5], "optimizer": {"id": "LBFGS"}},
        {"optimizer": {"id": "LBFGS", "params": {"line_search_fn": "strong_wolfe", "max_iter": 5}}},
        ADAM,
    ),
    "schedulers": experiment(
        "quadratic",
        200,
        {"optimizer": {"id": "SGD", "params": {"lr": 0.05}}, "scheduler": {"id": "StepLR"}},
        {"optimizer": {"id": "Adam", "params": {"lr": 0.1}}, "scheduler": {"id": "ReduceLROnPlateau"}},
        {
            "optimizer": {"id": "SGD", "params": {"lr": 0.05, "momentum": 0.5}},
            "scheduler": {"id": "OneCycleLR", "interval": "epoch", "steps_per_epoch": 10},
        },
        {"optimizer": {"id": "RMSprop"}, "scheduler": {"id": "SequentialLR"}},
        {"optimizer": {"id": "Adam"}, "scheduler": {"id": "LambdaLR", "params": {"lr_lambda": "1/(1+epoch)"}}},
    ),
    "noise": experiment(
        "booth",
        80,
        {"optimizer": {"id": "SGD", "params": {"lr": 0.01}}, "noise": {"std": 0.5, "seed": 3}},
        {"optimizer": {"id": "Adam", "params": {"lr": 0.1}}, "noise": {"std": 2.0, "seed": 3}},
        {"optimizer": {"id": "LBFGS", "params": {"max_iter": 3}}, "noise": {"std": 0.1, "seed": 1}},
    ),
    "failed-runs": experiment(
        "rosenbrock",
        40,
        {"optimizer": {"id": "LBFGS", "params": {"lr": 0, "line_search_fn": "strong_wolfe"}}},
        {"optimizer": {"id": "SGD"}, "scheduler": {"id": "OneCycleLR", "params": {"total_steps": 10}}},
        ADAM,
    ),
    "clipped-and-cycled": experiment(
        "rosenbrock",
        120,
        {
            "optimizer": {"id": "SGD", "params": {"lr": 1e-3, "momentum": 0.9}},
            "clip": {"norm": 1.0},
            "scheduler": {"id": "OneCycleLR"},
        },
        {
            "optimizer": {"id": "Adam", "params": {"lr": 0.05}},
            "clip": {"value": 0.5},
            "noise": {"std": 1.0, "seed": 2},
            "scheduler": {"id": "CyclicLR"},
        },
        {"optimizer": {"id": "Adagrad", "params": {"lr": 0.3}}, "clip": {"norm": 0.1}},
    ),
    "custom-formula": {
        "surface": {"id": "expression", "params": {"expression": "abs(x) + sin(3*y)**2 + 0.1*y**2"}},
        "steps": 120,
        "tolerance": 1e-3,
        "runs": [ADAM, {"start": [2.0, -1.0], **RMSPROP}],
    },
}


@pytest.fixture(scope="module")
def streamed(client: httpx.Client) -> Callable[[str], tuple[httpx.Response, list[dict]]]:
    """The stream of each configuration, requested once per module."""
    cache: dict[str, tuple[httpx.Response, list[dict]]] = {}

    def get(name: str) -> tuple[httpx.Response, list[dict]]:
        if name not in cache:
            cache[name] = stream_events(client, CONFIGURATIONS[name])
        return cache[name]

    return get


@pytest.mark.parametrize("name", CONFIGURATIONS)
def test_stream_chunks_concatenate_to_whole_result(name: str, client: httpx.Client, streamed) -> None:
    whole = client.post("/api/experiments", json=CONFIGURATIONS[name])
    assert whole.status_code == 200, whole.text
    _, events = streamed(name)
    assert result_from_events(events) == strict_loads(whole.text)


@pytest.mark.parametrize("name", CONFIGURATIONS)
def test_stream_events_come_in_spec_order(name: str, streamed) -> None:
    response, events = streamed(name)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    kinds = [e["event"] for e in events]
    assert kinds[0] == "experiment" and kinds[-1] == "done"
    assert kinds.count("experiment") == 1 and kinds.count("done") == 1 and "error" not in kinds
    n_runs = len(CONFIGURATIONS[name]["runs"])
    announced = events[0]["runs"]
    assert [(run["index"], run["label"]) for run in announced] == [(i, announced[i]["label"]) for i in range(n_runs)]
    # Beyond SPEC §6's index and label: what each run's scheduler resolved to (design.md §6), or null.
    assert all(set(run) == {"index", "label", "scheduler"} for run in announced)
    assert all(run["scheduler"] is None or set(run["scheduler"]) == {"calls", "auto"} for run in announced)
    ended: set[int] = set()
    next_start = [0] * n_runs
    for event in events[1:-1]:
        run = event["run"]
        assert run not in ended, "no points after a run's run_end"
        if event["event"] == "points":
            assert event["start"] == next_start[run]
            lengths = {len(event[key]) for key in ("x", "y", "loss", "lr")}
            assert len(lengths) == 1 and lengths != {0}
            next_start[run] += lengths.pop()
        else:
            assert event["event"] == "run_end"
            ended.add(run)
    assert ended == set(range(n_runs)), "one run_end per run"


def test_runs_that_complete_record_every_step_and_the_start(streamed) -> None:
    _, events = streamed("default-comparison")
    result = result_from_events(events)
    for run in result["runs"]:
        assert run["status"] == "completed"
        assert len(run["x"]) == result["steps"] + 1
        assert [run["x"][0], run["y"][0]] == [-1.5, 2.0]


def test_a_diverging_run_stops_at_the_last_finite_record_and_the_others_go_on(streamed) -> None:
    _, events = streamed("diverging-sgd")
    sgd, adam = result_from_events(events)["runs"]
    assert sgd["status"] == "diverged" and sgd["failed_at"] is None and sgd["error"] is None
    assert len(sgd["x"]) == sgd["diverged_at"] < 100
    assert max(abs(v) for v in sgd["x"] + sgd["y"]) <= 1e6
    assert adam["status"] == "completed" and len(adam["x"]) == 101


def test_stream_is_strict_json_even_when_runs_blow_up(client: httpx.Client) -> None:
    body = experiment(
        "rosenbrock",
        50,
        {"optimizer": {"id": "SGD", "params": {"lr": 10}}},
        {"optimizer": {"id": "Adam", "params": {"lr": 1e300}}},
        {"optimizer": {"id": "SGD"}, "scheduler": {"id": "LambdaLR", "params": {"lr_lambda": "10**(10*epoch)"}}},
    )
    body["surface"] = {"id": "ackley"}
    body["runs"].append({"start": [0.0, 0.0], "optimizer": {"id": "SGD"}})  # NaN gradient at the minimum
    response, events = stream_events(client, body)  # strict_loads raises on NaN / Infinity
    assert response.status_code == 200
    statuses = [e["status"] for e in events if e["event"] == "run_end"]
    assert "diverged" in statuses


def _read_events(response: httpx.Response) -> Iterator[tuple[float, dict]]:
    for line in response.iter_lines():
        if line:
            yield time.perf_counter(), strict_loads(line)


LONG = experiment("rosenbrock", 20_000, *[{"optimizer": {"id": "Adam", "params": {"lr": 1e-3}}}] * 16)


def test_first_event_arrives_long_before_the_computation_ends(client: httpx.Client) -> None:
    began = time.perf_counter()
    with client.stream("POST", "/api/experiments/stream", json=LONG) as response:
        events = _read_events(response)
        first_at, first = next(events)
        assert first["event"] == "experiment"
        assert first_at - began < 2.0, "the experiment event is sent before any computation"
        points = []
        for at, event in events:
            assert event["event"] == "points", "320 000 steps cannot be done already"
            points.append((at, event))
            if sum(1 for _, e in points if e["run"] == 0) >= 2:
                break
    # 16 × 20 000 steps take minutes; two chunks of the same run came within seconds.
    assert points[-1][0] - began < 10.0


def test_a_long_run_arrives_in_several_chunks_spread_over_time(client: httpx.Client) -> None:
    with client.stream("POST", "/api/experiments/stream", json=experiment("rosenbrock", 1500)) as response:
        timed = list(_read_events(response))
    chunks = [(at, e) for at, e in timed if e["event"] == "points"]
    assert len(chunks) >= 3, "chunks are flushed every 50 ms of computation"
    assert chunks[0][0] < timed[-1][0] - 0.1, "the first chunk arrived well before done"
    assert timed[-1][1] == {"event": "done"}


def health(client: httpx.Client) -> dict[str, Any]:
    response = client.get("/api/health")
    assert response.status_code == 200
    return response.json()["computations"]


def test_a_client_that_disconnects_stops_its_computation(client: httpx.Client) -> None:
    before = health(client)
    with client.stream("POST", "/api/experiments/stream", json=LONG) as response:
        lines = response.iter_lines()
        assert strict_loads(next(lines))["event"] == "experiment"
        assert strict_loads(next(lines))["event"] == "points"
        # A job per part: the sixteen runs are shared out among the workers that were idle (app/api/parts.py).
        parts = health(client)["active"] - before["active"]
        assert 1 <= parts <= health(client)["workers"]
    deadline = time.monotonic() + 5
    while (now := health(client))["active"] != before["active"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert now["active"] == before["active"], "the computation stopped soon after the client left"
    assert now["cancelled"] == before["cancelled"] + parts
