"""An overloaded server answers 503 with Retry-After, at once, and keeps serving (design.md §6)."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.api.support import TIMEOUT, experiment, strict_loads

LONG = experiment("rosenbrock", 20_000, *[{"optimizer": {"id": "SGD"}}] * 16)
SHORT = experiment("quadratic", 5)

# The `single_worker_url` server (tests/api/conftest.py) has one worker and no waiting room.
pytestmark = pytest.mark.single_worker_server


def active(client: httpx.Client) -> int:
    return client.get("/api/health").json()["computations"]["active"]


def wait_until_idle(client: httpx.Client, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while active(client) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert active(client) == 0


def assert_busy(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text[:300]
    assert int(response.headers["retry-after"]) >= 1
    assert "busy" in response.json()["detail"]


def test_saturated_server_answers_503_with_retry_after_and_recovers(single_worker_url: str) -> None:
    with httpx.Client(base_url=single_worker_url, timeout=TIMEOUT) as client:
        wait_until_idle(client)
        with client.stream("POST", "/api/experiments/stream", json=LONG) as long_stream:
            lines = long_stream.iter_lines()
            assert strict_loads(next(lines))["event"] == "experiment"
            assert strict_loads(next(lines))["event"] == "points"
            assert active(client) == 1
            began = time.monotonic()
            assert_busy(client.post("/api/experiments", json=SHORT))
            assert_busy(client.post("/api/experiments/stream", json=SHORT))
            assert_busy(client.get("/api/surfaces/rosenbrock/grid"))
            assert_busy(client.get("/api/datasets/moons"))  # its tensors too: the bounded pool, no thread pool
            assert time.monotonic() - began < 5, "503s come at once, not after a wait"
            health = client.get("/api/health")
            assert health.status_code == 200, "health is never refused"
            assert client.get("/api/catalog").status_code == 200
            assert strict_loads(next(lines))["event"] == "points", "the running stream goes on"
        wait_until_idle(client)
        after = client.post("/api/experiments", json=SHORT)
        assert after.status_code == 200 and after.json()["runs"][0]["status"] == "completed"
        assert client.get("/api/surfaces/rosenbrock/grid", params={"resolution": 5}).status_code == 200
        assert client.get("/api/datasets/moons", params={"n": 8}).status_code == 200


def test_validation_errors_are_reported_even_when_saturated(single_worker_url: str) -> None:
    """Shape errors need no worker: pydantic refuses them before admission."""
    with httpx.Client(base_url=single_worker_url, timeout=TIMEOUT) as client:
        wait_until_idle(client)
        with client.stream("POST", "/api/experiments/stream", json=LONG) as long_stream:
            next(long_stream.iter_lines())
            response = client.post("/api/experiments", json=experiment(steps=-1))
            assert response.status_code == 422
        wait_until_idle(client)
