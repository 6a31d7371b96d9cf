"""POST /api/sweeps and /api/sweeps/stream (design.md §6), against the real server."""

from __future__ import annotations

import itertools
import time
from typing import Any

import httpx
import pytest

from tests.api.support import strict_loads

BASIN_MAP = {
    "surface": {"id": "himmelblau"},
    "steps": 150,
    "run": {"optimizer": {"id": "Adam", "params": {"lr": 0.1}}},
    "vary": {"kind": "start", "x": [-5, 5], "y": [-4, 4], "resolution": 8},
}
LR_SWEEP = {
    "surface": {"id": "rosenbrock"},
    "steps": 200,
    "run": {"start": [-1.5, 2.0], "optimizer": {"id": "SGD", "params": {"momentum": 0.9}}},
    "vary": {"kind": "param", "values": [1e-4, 1e-3, 3e-3, 0.1]},
}
GRID2 = {
    "surface": {"id": "quadratic"},
    "steps": 100,
    "run": {"optimizer": {"id": "SGD"}},
    "vary": {
        "kind": "grid2",
        "x": {"name": "lr", "values": [0.01, 0.1, 0.19, 0.5]},
        "y": {"name": "momentum", "values": [0.0, 0.5, 0.9]},
    },
}
SEED_BAND = {
    "surface": {"id": "booth"},
    "steps": 80,
    "run": {"optimizer": {"id": "SGD", "params": {"lr": 0.01}}, "noise": {"std": 3.0, "seed": 0}},
    "vary": {"kind": "seed", "seeds": [0, 1, 2, 3, 4, 5, 6]},
}
# About a second of computation, so several progress events must come.
LONG_BASIN_MAP = {
    "surface": {"id": "rosenbrock"},
    "steps": 2500,
    "run": {"optimizer": {"id": "Adam", "params": {"lr": 0.01}}},
    "vary": {"kind": "start", "resolution": 64},
}


def post(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/sweeps", json=body)
    assert response.status_code == 200, response.text
    return strict_loads(response.content)


def timed_events(client: httpx.Client, body: dict[str, Any]) -> tuple[httpx.Response, list[tuple[float, dict]]]:
    with client.stream("POST", "/api/sweeps/stream", json=body) as response:
        events = [(time.perf_counter(), strict_loads(line)) for line in response.iter_lines() if line]
    return response, events


def test_basin_map_shapes(client: httpx.Client) -> None:
    result = post(client, BASIN_MAP)
    assert result["kind"] == "start"
    assert len(result["x"]) == len(result["y"]) == 8
    assert result["x"][0] == -5 and result["x"][-1] == 5 and result["y"][0] == -4 and result["y"][-1] == 4
    for key in ("final_loss", "steps_to_tolerance", "status", "final_x", "final_y", "minimum_index"):
        assert len(result[key]) == 8 and all(len(row) == 8 for row in result[key]), key
    indices = {i for row in result["minimum_index"] for i in row}
    assert indices <= {None, 0, 1, 2, 3} and len(indices - {None}) == 4, "Himmelblau has four basins"


def test_basin_map_cell_equals_the_run_alone(client: httpx.Client) -> None:
    result = post(client, BASIN_MAP)
    j, i = 2, 5
    body = {"surface": BASIN_MAP["surface"], "steps": BASIN_MAP["steps"],
            "runs": [{**BASIN_MAP["run"], "start": [result["x"][i], result["y"][j]]}]}  # fmt: skip
    response = client.post("/api/experiments", json=body)
    [run] = strict_loads(response.content)["runs"]
    assert result["final_loss"][j][i] == run["summary"]["final_loss"]
    assert (result["final_x"][j][i], result["final_y"][j][i]) == (run["x"][-1], run["y"][-1])
    assert result["steps_to_tolerance"][j][i] == run["summary"]["steps_to_tolerance"]


def test_lr_sweep_shapes_and_best(client: httpx.Client) -> None:
    result = post(client, LR_SWEEP)
    assert (result["kind"], result["name"], result["values"]) == ("param", "lr", LR_SWEEP["vary"]["values"])
    for key in ("final_loss", "best_loss", "steps_to_tolerance", "status"):
        assert len(result[key]) == 4, key
    assert result["status"][-1] == "diverged" and result["final_loss"][-1] is None
    finite = [
        (loss, value) for loss, value in zip(result["final_loss"], result["values"], strict=True) if loss is not None
    ]
    assert result["best"] == {"value": min(finite)[1], "final_loss": min(finite)[0]}


def test_a_seeded_lr_sweep_scores_each_lr_by_its_median_seed(client: httpx.Client) -> None:
    """design.md §11: with noise and `seeds`, each lr's final loss is the middle of its seeds' (3 here)."""
    noisy = {**LR_SWEEP["run"], "noise": {"std": 20.0, "seed": 0}}
    body = {**LR_SWEEP, "run": noisy, "vary": {**LR_SWEEP["vary"], "seeds": [5, 6, 7]}}
    result = post(client, body)
    assert result["seeds"] == [5, 6, 7]
    assert [len(row) for row in result["final_loss_by_seed"]] == [3] * 4
    for row, median in zip(result["final_loss_by_seed"], result["final_loss"], strict=True):
        assert median == sorted(row, key=lambda v: (v is None, v or 0.0))[1]
    seed_6 = {**body, "run": {**noisy, "noise": {"std": 20.0, "seed": 6}}, "vary": LR_SWEEP["vary"]}
    assert post(client, seed_6)["final_loss"] == [row[1] for row in result["final_loss_by_seed"]]


def test_grid2_shapes(client: httpx.Client) -> None:
    result = post(client, GRID2)
    assert result["kind"] == "grid2"
    assert (result["x"], result["y"]) == (GRID2["vary"]["x"]["values"], GRID2["vary"]["y"]["values"])
    assert len(result["final_loss"]) == 3 and all(len(row) == 4 for row in result["final_loss"])
    assert result["status"][0][3] == "diverged" and result["final_loss"][0][3] is None  # lr 0.5, no momentum


def test_seed_band_shapes(client: httpx.Client) -> None:
    result = post(client, SEED_BAND)
    assert result["kind"] == "seed" and result["seeds"] == SEED_BAND["vary"]["seeds"]
    assert len(result["x"]) == len(result["y"]) == len(result["loss"]) == 7
    assert all(len(loss) == 81 for loss in result["loss"])
    for key in ("loss_p10", "loss_p50", "loss_p90"):
        assert len(result[key]) == 81
    bands = zip(result["loss_p10"], result["loss_p50"], result["loss_p90"], strict=True)
    assert all(lo <= mid <= hi for lo, mid, hi in bands)
    assert len({tuple(x) for x in result["x"]}) == 7, "each seed draws its own noise"


def test_work_past_the_budget_is_a_422(client: httpx.Client) -> None:
    body = {**BASIN_MAP, "steps": 20_000, "vary": {"kind": "start", "resolution": 128}}
    response = client.post("/api/sweeps", json=body)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "vary"]
    assert "run-steps" in error["msg"]
    assert client.post("/api/sweeps/stream", json=body).status_code == 422


@pytest.mark.parametrize(
    ("vary", "loc"),
    [
        ({"kind": "param", "values": [0.1, -1]}, ["body", "vary", "values", 1]),
        ({"kind": "param", "name": "momentum_typo", "values": [0.1]}, ["body", "vary", "name"]),
        ({"kind": "start", "resolution": 129}, ["body", "vary", "resolution"]),  # no union tag in it
        ({"kind": "grid2", "x": {"name": "lr", "values": []}}, ["body", "vary", "x", "values"]),
        ({"kind": "seed", "seed": 3}, ["body", "vary", "seeds"]),  # a key named like the tag: "seeds" missing
        ({"kind": "seed", "seeds": [1]}, ["body", "run", "noise", "std"]),
        ({"kind": "param", "values": [0.1], "seeds": [1, 2]}, ["body", "run", "noise", "std"]),
        ({"kind": "param", "values": [0.1], "seeds": [-1]}, ["body", "vary", "seeds", 0]),
    ],
    ids=[
        "bad-value",
        "unknown-name",
        "resolution",
        "grid2-axis",
        "tag-named-key",
        "seed-without-noise",
        "param-seeds-without-noise",
        "param-negative-seed",
    ],
)
def test_bad_sweeps_are_422_at_the_field(client: httpx.Client, vary: dict, loc: list) -> None:
    response = client.post("/api/sweeps", json={**LR_SWEEP, "vary": vary})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == loc


def test_stream_sends_sweep_progress_and_the_same_result(client: httpx.Client) -> None:
    response, timed = timed_events(client, LR_SWEEP)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    events = [event for _, event in timed]
    assert events[0]["event"] == "sweep" and events[0]["kind"] == "param"
    assert events[-1]["event"] == "result"
    assert {e["event"] for e in events[1:-1]} == {"progress"}
    assert {key: value for key, value in events[-1].items() if key != "event"} == post(client, LR_SWEEP)


def test_stream_reports_progress_at_least_every_few_tenths_of_a_second(client: httpx.Client) -> None:
    began = time.perf_counter()
    _, timed = timed_events(client, LONG_BASIN_MAP)
    progress = [(at, event) for at, event in timed if event["event"] == "progress"]
    assert len(progress) >= 3
    assert [e["done"] for _, e in progress] == sorted(e["done"] for _, e in progress)
    assert progress[-1][1]["done"] == progress[-1][1]["total"] == 64 * 64 * 2500
    assert timed[0][0] - began < 2.0, "the sweep event comes before the computation"
    gaps = [b - a for (a, _), (b, _) in itertools.pairwise(timed)]
    assert max(gaps[1:]) < 1.0, "progress is flushed about every 100 ms (generous bound for a busy machine)"
