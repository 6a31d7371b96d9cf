"""POST /api/trainings/lr_finder and /api/trainings/sweeps (design.md §10), against the real server."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest

from app.api.schemas import LRFinderResult, TrainingSweepResult
from tests.api.support import strict_loads
from tests.api.test_endpoints import assert_described_exactly

TASK = {"data": {"id": "moons", "params": {"n": 100, "seed": 2}}, "model": {"hidden": [6], "activation": "tanh"}}
LR_FINDER: dict[str, Any] = {
    "task": TASK,
    "batch_size": 10,
    "run": {"optimizer": {"id": "SGD", "params": {"momentum": 0.9}}},
    "start_lr": 1e-5,
    "end_lr": 100,
    "num_steps": 40,
}
SWEEP: dict[str, Any] = {
    "task": TASK,
    "epochs": 3,
    "batch_size": 25,
    "run": {"optimizer": {"id": "SGD", "params": {"momentum": 0.9}}, "scheduler": {"id": "StepLR"}},
    "vary": {"kind": "param", "values": [1e-3, 1e-2, 1e-1, 1e38]},
}


def stream(client: httpx.Client, path: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    with client.stream("POST", path, json=body) as response:
        assert response.status_code == 200
        return [strict_loads(line) for line in response.iter_lines() if line]


def test_lr_finder_sweeps_the_lr_exponentially_and_suggests_two(client: httpx.Client) -> None:
    result = strict_loads(client.post("/api/trainings/lr_finder", json=LR_FINDER).text)
    assert_described_exactly(LRFinderResult, result)
    lrs = result["lr"]
    assert lrs[0] == 1e-5 and 2 <= len(lrs) <= 40 and len(result["loss"]) == len(result["smoothed"]) == len(lrs)
    assert all(a < b for a, b in itertools.pairwise(lrs))
    assert result["smoothed"][0] == pytest.approx(result["loss"][0])  # debiased: the first average is the loss
    assert result["suggestion"]["minimum_over_10"] in [lr / 10 for lr in lrs]
    assert result["suggestion"]["steepest"] in lrs
    events = stream(client, "/api/trainings/lr_finder/stream", LR_FINDER)
    assert [e["event"] for e in events] == ["lr_finder", "result", "done"]
    assert {key: value for key, value in events[1].items() if key != "event"} | {"task": events[0]["task"]} == result


def test_training_sweep_scores_each_value_by_its_final_validation_loss(client: httpx.Client) -> None:
    result = strict_loads(client.post("/api/trainings/sweeps", json=SWEEP).text)
    assert_described_exactly(TrainingSweepResult, result)
    assert result["name"] == "lr" and result["values"] == SWEEP["vary"]["values"]
    assert result["status"][-1] == "diverged" and result["status"][:3] == ["completed"] * 3
    finals = result["final_val_loss"][:3]
    assert result["best"] == {
        "value": SWEEP["vary"]["values"][finals.index(min(finals))],
        "final_val_loss": min(finals),
    }
    # a cell is that run trained alone
    alone = {key: SWEEP[key] for key in ("task", "epochs", "batch_size")} | {"landscape": None}
    run = {**SWEEP["run"], "optimizer": {"id": "SGD", "params": {"momentum": 0.9, "lr": 1e-2}}}
    trained = client.post("/api/trainings", json=alone | {"runs": [run]}).json()
    assert trained["runs"][0]["summary"]["final_val_loss"] == result["final_val_loss"][1]
    events = stream(client, "/api/trainings/sweeps/stream", SWEEP)
    assert events[0]["event"] == "sweep" and [e["event"] for e in events[-2:]] == ["result", "done"]
    assert {e["done"] for e in events if e["event"] == "progress"} <= set(range(1, 13))
    assert {key: value for key, value in events[-2].items() if key != "event"}.items() <= result.items()


@pytest.mark.parametrize(
    ("path", "body", "loc"),
    [
        ("/api/trainings/lr_finder", LR_FINDER | {"end_lr": 1e-6}, ["end_lr"]),
        ("/api/trainings/lr_finder", LR_FINDER | {"num_steps": 1001}, ["num_steps"]),
        ("/api/trainings/lr_finder", LR_FINDER | {"start_lr": 0}, ["start_lr"]),
        ("/api/trainings/lr_finder", LR_FINDER | {"run": {**LR_FINDER["run"], "scheduler": {"id": "StepLR"}}},
         ["run", "scheduler"]),
        ("/api/trainings/lr_finder", LR_FINDER | {"task": {"data": {"id": "moons", "params": {"n": 10**5}}}},
         ["task", "data", "params", "n"]),
        ("/api/trainings/sweeps", SWEEP | {"vary": {"kind": "param", "name": "betas", "values": [0.1]}},
         ["vary", "name"]),
        ("/api/trainings/sweeps", SWEEP | {"vary": {"kind": "param", "values": [0.1, -1]}}, ["vary", "values", 1]),
        ("/api/trainings/sweeps", SWEEP | {"epochs": 501}, ["epochs"]),
        ("/api/trainings/sweeps", SWEEP | {"run": {"optimizer": {"id": "__class__"}}}, ["run", "optimizer", "id"]),
    ],
)  # fmt: skip
def test_bad_lr_finder_or_sweep_is_422_at_the_field(client: httpx.Client, path: str, body: dict, loc: list) -> None:
    for route in (path, f"{path}/stream"):
        response = client.post(route, json=body)
        assert response.status_code == 422, response.text
        assert ["body", *loc] in [error["loc"] for error in response.json()["detail"]], response.text
