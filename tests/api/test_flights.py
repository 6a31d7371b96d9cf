"""Identical experiments are computed once and shared (a classroom opening the same lesson)."""

from __future__ import annotations

import asyncio
import json

import httpx

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

    streams = asyncio.run(clients())
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
