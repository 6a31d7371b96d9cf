"""Load check: many clients streaming the page's default comparison while /api/health is probed.

    python -m bench.load [--clients 30] [--rounds 3] [--distinct] [--workers N] [--url http://127.0.0.1:8000]
    make load ARGS=--distinct

Starts its own server on a free loopback port (unless --url names a running one), runs `clients`
concurrent clients that each stream the default comparison `rounds` times, one after another, and
probes /api/health every 50 ms meanwhile, from a process of its own (so its timings are the server's,
not those of this process's event loop, busy reading ninety streams). Identical requests share one
computation (app/api/flights.py), as a class opening the same lesson does.

`--distinct` gives every stream its own learning rates, so each is computed, as a class of students
each changing their own does: the same load on a 1-worker server and on an N-worker one (N = --workers,
by default the cores), in turns, twice (each pair in the same minute: this machine's speed drifts), then the
scaling (the median of the pairs): N-worker throughput over 1-worker throughput (the goal on a
2-core machine is ≥ 1.7), each one's p95 stream latency, and health's p95 (goal ≤ 100 ms throughout);
beside it, the machine's own ceiling (bench/ceiling.py: the same work in N plain processes vs. one).

Prints the success count, the throughput, the p50/p95 stream latency and the health latency; exits 1 if
any stream or probe failed or a goal was missed. Only loopback traffic, bounded in count and in time
(--deadline).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import multiprocessing.synchronize
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

import httpx

from bench.ceiling import machine_scaling
from bench.server import start_server, stop_server

# The page's first experiment (static/js/state/experiment.js, DEFAULT_COMPARISON).
DEFAULT_COMPARISON = {
    "surface": {"id": "rosenbrock"},
    "steps": 500,
    "tolerance": 1e-6,
    "runs": [
        {"start": [-1.5, 2.0], "optimizer": {"id": "SGD", "params": {"lr": 0.0015, "momentum": 0.9}}},
        {"start": [-1.5, 2.0], "optimizer": {"id": "Adam", "params": {"lr": 0.1}}},
        {"start": [-1.5, 2.0], "optimizer": {"id": "RMSprop", "params": {"lr": 0.01}}},
        {"start": [-1.5, 2.0], "optimizer": {"id": "Adagrad", "params": {"lr": 0.5}}},
    ],
}
HEALTH_EVERY = 0.05
# The classroom goal (issue "Ship it"): every stream succeeds, p95 within 5 s, health p95 within 100 ms.
GOAL_STREAM_P95 = 5.0
GOAL_HEALTH_P95 = 0.1
# Distinct requests (issue "Every core"): N worker processes serve at least 1.7× one worker's throughput on 2 cores.
GOAL_SCALING = 1.7


@dataclass(frozen=True)
class Config:
    clients: int
    rounds: int
    distinct: bool
    deadline: float
    first: int = 0  # the first distinct request's number: a new load on the same server is computed anew


@dataclass
class Tally:
    stream_seconds: list[float] = field(default_factory=list)  # request sent → `done` received
    first_event_seconds: list[float] = field(default_factory=list)
    health_seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), by linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def distinct_comparison(index: int) -> dict:
    """The default comparison with every learning rate nudged by a factor of (1 + index·1e-9): computed anew."""
    nudge = 1 + index * 1e-9
    runs = []
    for run in DEFAULT_COMPARISON["runs"]:
        params = {**run["optimizer"]["params"], "lr": run["optimizer"]["params"]["lr"] * nudge}
        runs.append({**run, "optimizer": {**run["optimizer"], "params": params}})
    return {**DEFAULT_COMPARISON, "runs": runs}


# Each line of a stream begins with its event's name (app/engine events' to_dict); reading only the names
# keeps the load generator's own CPU, on the cores it measures, to a few milliseconds a stream.
EVENT_NAME = re.compile(rb'^\{"event":"(\w+)"', re.MULTILINE)


async def stream_once(client: httpx.AsyncClient, tally: Tally, label: str, body: dict) -> None:
    began = time.perf_counter()
    first: float | None = None
    received = bytearray()
    try:
        async with client.stream("POST", "/api/experiments/stream", json=body) as response:
            if response.status_code != 200:
                await response.aread()
                tally.failures.append(f"{label}: HTTP {response.status_code} {response.text[:200]}")
                return
            async for chunk in response.aiter_bytes():
                first = first or time.perf_counter()
                received += chunk
    except httpx.HTTPError as err:
        tally.failures.append(f"{label}: {type(err).__name__}: {err}")
        return
    events = [name.decode() for name in EVENT_NAME.findall(received)]
    complete = received.endswith(b"\n") and len(events) == received.count(b"\n")
    if (
        not complete
        or events[-1:] != ["done"]
        or events.count("run_end") != len(DEFAULT_COMPARISON["runs"])
        or "error" in events
    ):
        tally.failures.append(f"{label}: incomplete stream ({len(events)} events, last {events[-1:]})")
        return
    tally.stream_seconds.append(time.perf_counter() - began)
    tally.first_event_seconds.append((first or began) - began)


async def client_session(client: httpx.AsyncClient, tally: Tally, index: int, config: Config) -> None:
    for round_ in range(config.rounds):
        number = config.first + index * config.rounds + round_
        body = distinct_comparison(number) if config.distinct else DEFAULT_COMPARISON
        await stream_once(client, tally, f"client {index} round {round_}", body)


def probe_health(url: str, stop: multiprocessing.synchronize.Event, results: multiprocessing.Queue) -> None:
    """Probe /api/health every HEALTH_EVERY seconds until `stop`; put (latencies, failures) on `results`."""
    seconds: list[float] = []
    failures: list[str] = []
    with httpx.Client(base_url=url, timeout=10.0) as client:
        while not stop.is_set():
            began = time.perf_counter()
            try:
                response = client.get("/api/health")
                if response.status_code != 200:
                    failures.append(f"health: HTTP {response.status_code}")
            except httpx.HTTPError as err:
                failures.append(f"health: {type(err).__name__}: {err}")
            else:
                seconds.append(time.perf_counter() - began)
            stop.wait(HEALTH_EVERY)
    results.put((seconds, failures))


async def load(url: str, config: Config) -> tuple[Tally, float]:
    tally = Tally()
    timeout = httpx.Timeout(config.deadline, connect=10.0)
    limits = httpx.Limits(max_connections=config.clients, max_keepalive_connections=config.clients)
    spawn = multiprocessing.get_context("spawn")
    stop, results = spawn.Event(), spawn.Queue()
    prober = spawn.Process(target=probe_health, args=(url, stop, results), daemon=True)
    prober.start()
    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) as client:
        began = time.perf_counter()
        sessions = [client_session(client, tally, i, config) for i in range(config.clients)]
        try:
            await asyncio.wait_for(asyncio.gather(*sessions), config.deadline)
        except TimeoutError:
            tally.failures.append(f"the load did not finish within {config.deadline:.0f} s")
        elapsed = time.perf_counter() - began
    stop.set()
    tally.health_seconds, health_failures = results.get(timeout=30)
    tally.failures.extend(health_failures)
    prober.join()
    return tally, elapsed


def report(tally: Tally, clients: int, rounds: int, elapsed: float) -> None:
    ms = 1000.0
    total = clients * rounds
    print(f"streams:  {len(tally.stream_seconds)}/{total} succeeded in {elapsed:.1f} s")
    print(f"throughput: {len(tally.stream_seconds) / elapsed:.1f} streams/s")
    if tally.stream_seconds:
        p50, p95 = percentile(tally.stream_seconds, 50), percentile(tally.stream_seconds, 95)
        print(f"latency:  p50 {p50:.2f} s, p95 {p95:.2f} s, max {max(tally.stream_seconds):.2f} s (request to `done`)")
        print(
            f"first event: p50 {percentile(tally.first_event_seconds, 50) * ms:.0f} ms,"
            f" p95 {percentile(tally.first_event_seconds, 95) * ms:.0f} ms"
        )
    if tally.health_seconds:
        print(
            f"health:   {len(tally.health_seconds)} probes, p50 {percentile(tally.health_seconds, 50) * ms:.1f} ms,"
            f" p95 {percentile(tally.health_seconds, 95) * ms:.1f} ms, max {max(tally.health_seconds) * ms:.1f} ms"
        )
    for failure in tally.failures[:20]:
        print(f"FAILED:   {failure}")
    if len(tally.failures) > 20:
        print(f"FAILED:   ... and {len(tally.failures) - 20} more")


def measured(config: Config, url: str | None, workers: int | None) -> tuple[Tally, float]:
    """The load on the server at `url`, or on one started here with `workers` worker processes."""
    proc = None
    if url is None:
        proc, url = start_server({"OPTIMLAB_WORKERS": str(workers)} if workers else None)
    try:
        what = "distinct variants of the default comparison" if config.distinct else "the default comparison"
        on = f" ({workers} worker{'s' * (workers != 1)})" if workers else ""
        print(f"load: {config.clients} clients × {config.rounds} streams of {what} on {url}{on}")
        tally, elapsed = asyncio.run(load(url, config))
    finally:
        if proc is not None:
            stop_server(proc)
    report(tally, config.clients, config.rounds, elapsed)
    return tally, elapsed


def classroom_goal(config: Config, tally: Tally) -> int:
    """Identical streams, shared: every one succeeds, p95 ≤ 5 s, health p95 ≤ 100 ms."""
    met = (
        not tally.failures
        and len(tally.stream_seconds) == config.clients * config.rounds
        and percentile(tally.stream_seconds, 95) <= GOAL_STREAM_P95
        and percentile(tally.health_seconds, 95) <= GOAL_HEALTH_P95
    )
    print(f"goal:     {'met' if met else 'MISSED'} (no failures, p95 ≤ {GOAL_STREAM_P95:g} s, health p95 ≤ 100 ms)")
    return 0 if met else 1


def scaling_goal(config: Config, workers: int, pairs: int = 2) -> int:
    """Distinct streams on 1 worker and on `workers`, in turns (`pairs` times: the machine's speed drifts, so each
    pair is measured in the same minute): the median throughput ratio, the p95s, health throughout."""
    servers = {n: start_server({"OPTIMLAB_WORKERS": str(n)}) for n in dict.fromkeys((1, workers))}  # one if N is 1
    runs: list[tuple[int, Tally, float]] = []
    try:
        for pair in range(pairs):
            for n, (_, url) in servers.items():
                first = config.clients * config.rounds * (2 * pair + (n != 1))  # every load its own requests
                runs.append((n, *measured(replace(config, first=first), url, n)))
    finally:
        for proc, _ in servers.values():
            stop_server(proc)
    throughput = {n: [len(tally.stream_seconds) / elapsed for m, tally, elapsed in runs if m == n] for n in servers}
    paired = zip(throughput[1], throughput[workers], strict=True)
    ratio = statistics.median(many / one if one else math.nan for one, many in paired)
    p95 = {n: statistics.median(percentile(t.stream_seconds, 95) for m, t, _ in runs if m == n) for n in servers}
    health = max(percentile(tally.health_seconds, 95) for _, tally, _ in runs)
    load_average = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    ceiling = machine_scaling(workers)
    one, many = statistics.median(throughput[1]), statistics.median(throughput[workers])
    print(f"scaling:  {one:.2f} → {many:.2f} streams/s from 1 to {workers} workers: {ratio:.2f}× "
          f"(median of {pairs} pairs; goal ≥ {GOAL_SCALING:g}× on 2 cores)")  # fmt: skip
    print(f"p95:      {p95[1]:.2f} s → {p95[workers]:.2f} s; health p95 at most {health * 1000:.1f} ms (goal ≤ 100 ms)")
    print(f"machine:  {os.cpu_count()} cores, load average {load_average} (1, 5, 15 min); the same work in "
          f"{workers} plain processes at once: {ceiling:.2f}× one alone (bench/ceiling.py), of which the server "
          f"kept {ratio / ceiling:.0%}")  # fmt: skip
    met = not any(tally.failures for _, tally, _ in runs) and ratio >= GOAL_SCALING and health <= GOAL_HEALTH_P95
    print(f"goal:     {'met' if met else 'MISSED'} (no failures, ≥ {GOAL_SCALING:g}× throughput, health p95 ≤ 100 ms)")
    return 0 if met else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=30, help="concurrent clients (default 30)")
    parser.add_argument("--rounds", type=int, default=3, help="streams per client, one after another (default 3)")
    parser.add_argument("--distinct", action="store_true", help="a different request per stream: 1 vs N workers")
    parser.add_argument("--deadline", type=float, default=600.0, help="give up after this many seconds")
    parser.add_argument("--workers", type=int, help="OPTIMLAB_WORKERS of the server started (default: the cores)")
    parser.add_argument("--url", help="a running server on this machine (default: start one)")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 200 or not 1 <= args.rounds <= 20:
        parser.error("--clients must be 1..200 and --rounds 1..20")
    if args.url and urlsplit(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("--url must be a loopback address: this load is not for other people's servers")
    config = Config(args.clients, args.rounds, args.distinct, args.deadline)
    if args.distinct and not args.url:
        return scaling_goal(config, args.workers or os.cpu_count() or 1)
    tally, _ = measured(config, args.url.rstrip("/") if args.url else None, None if args.url else args.workers)
    if args.distinct:  # on a server of someone else's making: a capacity figure, no scaling to compare
        return 1 if tally.failures else 0
    return classroom_goal(config, tally)


if __name__ == "__main__":
    sys.exit(main())
