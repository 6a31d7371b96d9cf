"""Identical experiments are computed once and shared (a classroom opening the same lesson)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx

from app.api.flights import FlightCache
from app.api.pool import ComputePool
from app.api.streaming import Encoded, encoded
from app.engine.runs import Limits
from app.engine.spec import SweepSpec
from app.engine.sweeps import iterate_sweep, prepare_sweep
from tests.api.support import run_async

EXPERIMENT = {
    "surface": {"id": "booth"},
    "steps": 3000,
    "runs": [{"optimizer": {"id": "Adam", "params": {"lr": 0.0123}}}, {"optimizer": {"id": "RMSprop"}}],
}


def counters(url: str) -> dict:
    return httpx.get(f"{url}/api/health").json()["computations"]


async def stream_lines(client: httpx.AsyncClient, url: str) -> list[str]:
    async with client.stream("POST", f"{url}/api/experiments/stream", json=EXPERIMENT) as response:
        return [line async for line in response.aiter_lines() if line]


def test_concurrent_and_later_identical_requests_share_one_computation(server_url: str) -> None:
    before = counters(server_url)

    async def clients() -> list[list[str]]:
        async with httpx.AsyncClient(timeout=120) as client:
            return await asyncio.gather(*(stream_lines(client, server_url) for _ in range(5)))

    streams = run_async(clients)
    whole = httpx.post(f"{server_url}/api/experiments", json=EXPERIMENT, timeout=120).json()
    after = counters(server_url)
    assert after["computed"] - before["computed"] == 1
    assert after["shared"] - before["shared"] == 5
    events = [[json.loads(line) for line in lines] for lines in streams]
    for stream in events[1:]:
        assert stream == events[0]
    xs = [v for e in events[0] if e["event"] == "points" and e["run"] == 0 for v in e["x"]]
    assert xs == whole["runs"][0]["x"]
    assert len(xs) == EXPERIMENT["steps"] + 1


def test_a_different_request_is_computed_anew(server_url: str) -> None:
    before = counters(server_url)
    other = {**EXPERIMENT, "steps": 10}
    first = httpx.post(f"{server_url}/api/experiments", json=other, timeout=60).json()
    changed = {**other, "runs": [{"optimizer": {"id": "Adam", "params": {"lr": 0.0124}}}]}
    second = httpx.post(f"{server_url}/api/experiments", json=changed, timeout=60).json()
    assert counters(server_url)["computed"] - before["computed"] == 2
    assert first["runs"][0]["x"] != second["runs"][0]["x"]


def test_a_sweep_cut_short_by_the_server_budget_is_not_kept_but_a_whole_one_is() -> None:
    """A result the time budget cut short may come out whole another time: it must not be replayed."""
    spec = SweepSpec.model_validate({
        "surface": {"id": "rosenbrock"}, "steps": 50, "run": {"optimizer": {"id": "LBFGS"}},
        "vary": {"kind": "param", "name": "lr", "values": [0.1, 0.5]},
    })  # fmt: skip

    async def computed(limits: Limits) -> AsyncIterator[Encoded]:  # what a worker would send, made here
        for item in encoded(iterate_sweep(prepare_sweep(spec, limits))):
            yield item

    async def twice(limits: Limits) -> tuple[FlightCache, list[dict]]:
        cache = FlightCache(ComputePool(workers=1, max_pending=4, max_seconds=120), max_bytes=1 << 20)
        results = []
        for _ in range(2):
            events = [e.event async for batch in await cache.start("key", lambda: computed(limits)) for e in batch]
            results.append(events[-1].to_dict())
        return cache, results

    cut, (first, _) = run_async(twice, Limits(max_seconds=0.0))
    assert first["status"] == ["failed", "failed"]  # LBFGS cannot be batched: the run-by-run path, out of time
    assert (cut.computed, cut.shared) == (2, 0)
    whole, (first, again) = run_async(twice, Limits())
    assert first["status"] == ["completed", "completed"]
    assert (whole.computed, whole.shared, again) == (1, 1, first)
