"""Through HTTP: the same work timed from request to last byte on a real server, against the plain loop,
and the worker pool's scaling (design.md §12).

    (j) the page's default comparison (4 runs × 500 steps), streamed, vs. the 4 plain loops
    (k) bench (a)'s 8 × 2000 comparison, streamed, vs. the 8 plain loops
    (l) distinct default comparisons sent at once: the N-worker server's time vs. the 1-worker one's, beside
        the machine's own ceiling (bench/ceiling.py: the same work in N plain processes vs. one)

Each server is started by bench/server.py and warmed up first (one request of each kind).
"""

from __future__ import annotations

import asyncio
import os
import time

import httpx

from bench.ceiling import machine_scaling
from bench.engine_bench import EIGHT_OPTIMIZERS, START, Measurement, Scenario, best_time, plain_run
from bench.load import DEFAULT_COMPARISON, distinct_comparison
from bench.server import start_server, stop_server

DISTINCT_REQUESTS = 12  # a classroom's worth of different learning rates, sent together
WORKERS = os.cpu_count() or 1


def eight_by_2000() -> dict:
    runs = [{"start": list(START), "optimizer": {"id": name, "params": params}} for name, params in EIGHT_OPTIMIZERS]
    return {"surface": {"id": "rosenbrock"}, "steps": 2000, "runs": runs}


def streamed(client: httpx.Client, body: dict) -> None:
    """POST the experiment's stream and read it to the last byte; fail loudly unless it ended `done`."""
    with client.stream("POST", "/api/experiments/stream", json=body) as response:
        last = b""
        for chunk in response.iter_bytes():
            last = (last + chunk)[-64:]
    if response.status_code != 200 or not last.rstrip().endswith(b'{"event":"done"}'):
        raise RuntimeError(f"the stream did not end with `done`: HTTP {response.status_code} …{last!r}")


def through_http(body: dict, runs: list[tuple[str, dict, list[float]]], repeat: int, nudge: bool) -> Measurement:
    """The experiment through a fresh N-worker server vs. its runs as plain loops. With `nudge`, every try
    is a different request (the result cache would otherwise answer the repeats from memory).

    One client for every try, its connection kept alive, as the page's browser does: a new httpx client
    per request would build an SSL context each time (about 40 ms of CPU), on the cores the server needs.
    """
    proc, url = start_server()
    try:
        with httpx.Client(base_url=url, timeout=600) as client:
            streamed(client, body)  # warm: the first request of a kind pays for lazy imports in the worker
            tries = iter(range(1, repeat + 2))
            engine = best_time(lambda: streamed(client, nudged(body, next(tries)) if nudge else body), repeat)
    finally:
        stop_server(proc)
    steps = body["steps"]
    plain = best_time(lambda: [plain_run(name, params, tuple(start), steps) for name, params, start in runs], repeat)
    return Measurement(engine, plain, 0.3, note="request to last byte, each try distinct")


def nudged(body: dict, index: int) -> dict:
    """The same experiment with every learning rate scaled by 1 + index·1e-12: the same work, a new key."""
    runs = [{**run, "optimizer": {**run["optimizer"], "params": {**run["optimizer"]["params"],
             "lr": run["optimizer"]["params"]["lr"] * (1 + index * 1e-12)}}} for run in body["runs"]]  # fmt: skip
    return {**body, "runs": runs}


def default_comparison(repeat: int) -> Measurement:
    """(j) The page's first experiment through HTTP."""
    runs = [(r["optimizer"]["id"], r["optimizer"]["params"], r["start"]) for r in DEFAULT_COMPARISON["runs"]]
    return through_http(DEFAULT_COMPARISON, runs, repeat, nudge=True)


def eight_optimizers_http(repeat: int) -> Measurement:
    """(k) bench (a)'s comparison through HTTP."""
    runs = [(name, params, list(START)) for name, params in EIGHT_OPTIMIZERS]
    return through_http(eight_by_2000(), runs, repeat, nudge=True)


def distinct_burst(url: str, first: int) -> float:
    """Seconds until DISTINCT_REQUESTS distinct default comparisons, sent at once, have all ended."""

    async def burst() -> None:
        limits = httpx.Limits(max_connections=DISTINCT_REQUESTS)
        async with httpx.AsyncClient(base_url=url, timeout=600, limits=limits) as client:
            bodies = [distinct_comparison(first + i) for i in range(DISTINCT_REQUESTS)]
            answers = await asyncio.gather(*(client.post("/api/experiments", json=body) for body in bodies))
        if any(answer.status_code != 200 for answer in answers):
            raise RuntimeError(f"a request failed: {[answer.status_code for answer in answers]}")

    began = time.perf_counter()
    asyncio.run(burst())
    return time.perf_counter() - began


def scaling(repeat: int) -> Measurement:
    """(l) The same burst on a 1-worker server and on an N-worker one (N = the cores), in turns (the machine's
    speed drifts: each try of one is next to a try of the other): the best times' ratio."""
    servers = {n: start_server({"OPTIMLAB_WORKERS": str(n)}) for n in dict.fromkeys((1, WORKERS))}  # one if N is 1
    tries: dict[int, list[float]] = {workers: [] for workers in servers}
    try:
        for workers, (_, url) in servers.items():
            distinct_burst(url, 100_000 * workers)  # warm
        for try_ in range(max(1, repeat)):
            for workers, (_, url) in servers.items():
                tries[workers].append(distinct_burst(url, 100_000 * workers + 100 * (try_ + 1)))  # new requests
    finally:
        for proc, _ in servers.values():
            stop_server(proc)
    seconds = {workers: min(times) for workers, times in tries.items()}
    throughput = {workers: DISTINCT_REQUESTS / s for workers, s in seconds.items()}
    scale = throughput[WORKERS] / throughput[1]
    ceiling = machine_scaling(WORKERS)
    note = (
        f"{throughput[1]:.1f} → {throughput[WORKERS]:.1f} requests/s with {WORKERS} workers: {scale:.2f}× (≥ 1.7×); "
        f"{WORKERS} plain processes: {ceiling:.2f}×"
    )
    return Measurement(seconds[WORKERS], seconds[1], 1 / 1.7, note=note, against="1 worker")


SCENARIOS = [
    Scenario("(j) default comparison via HTTP", default_comparison),
    Scenario("(k) 8 × 2000 comparison via HTTP", eight_optimizers_http),
    Scenario(f"(l) {DISTINCT_REQUESTS} distinct at once, {WORKERS} workers", scaling),
]
