"""Worker processes hold the server's limits (design.md §12): each attack of issue 19, reproduced and held.

One server of our own, with a 5-second compute budget, a 64 KiB result budget and two workers, so the
attacks end quickly. Timings on a shared 2-core machine are noisy: the bounds are loose, the ratios too.
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.support import TIMEOUT, computations, experiment, run_async, strict_loads, wait_until_idle
from tests.conftest import start_server, stop_server

MAX_SECONDS = 5.0
MAX_RESULT_BYTES = 2**16
WORKERS = 2
ENV = {"OPTIMLAB_MAX_SECONDS": str(MAX_SECONDS), "OPTIMLAB_MAX_RESULT_BYTES": str(MAX_RESULT_BYTES),
       "OPTIMLAB_WORKERS": str(WORKERS)}  # fmt: skip

# One DASH step with these values (each passes validation) computes for the better part of a minute.
STEP_BOMB = experiment(
    "rosenbrock", 10,
    {"optimizer": {"id": "pytorch_optimizer.DASH",
                   "params": {"power_iteration_steps": 500, "power_iteration_vectors": 10**6}}},
)  # fmt: skip
# 256 noisy paths of 20 000 steps: inside max_sweep_work, yet hundreds of megabytes as JSON.
BIG_SEED_BAND = {
    "surface": {"id": "booth"}, "steps": 20_000,
    "run": {"optimizer": {"id": "SGD", "params": {"lr": 0.01}}, "noise": {"std": 1.0, "seed": 0}},
    "vary": {"kind": "seed", "seeds": list(range(256))},
}  # fmt: skip


def long_experiment(lr: float, steps: int) -> dict:
    """Sixteen runs, many seconds of a core for 20 000 steps; `lr` makes each one distinct (no sharing)."""
    return experiment(
        "rosenbrock", steps, *[{"optimizer": {"id": "Adam", "params": {"lr": lr + i * 1e-4}}} for i in range(16)]
    )


def lr_sweep(first: float) -> dict:
    """Sixteen runs of one optimizer, under a second of a core, with a small result; distinct by `first`."""
    values = [first * (1 + i / 16) for i in range(16)]
    return {"surface": {"id": "rosenbrock"}, "steps": 100, "run": {"optimizer": {"id": "Adam"}},
            "vary": {"kind": "param", "name": "lr", "values": values}}  # fmt: skip


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[subprocess.Popen, str]]:
    proc, url = start_server(ENV)
    yield proc, url
    stop_server(proc)


@pytest.fixture
def client(server: tuple[subprocess.Popen, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server[1], timeout=TIMEOUT) as session:
        wait_until_idle(session, WORKERS)
        yield session


def stream(client: httpx.Client, path: str, body: dict) -> list[dict]:
    with client.stream("POST", path, json=body) as response:
        assert response.status_code == 200, response.read()[:300]
        return [strict_loads(line) for line in response.iter_lines() if line]


class HealthProbe:
    """GET /api/health every 50 ms from a thread of its own, while the test does something else."""

    def __init__(self, url: str) -> None:
        self.url, self.seconds, self.stop = url, [], threading.Event()
        self.thread = threading.Thread(target=self._probe)

    def _probe(self) -> None:
        with httpx.Client(base_url=self.url, timeout=TIMEOUT) as probe:
            while not self.stop.is_set():
                began = time.perf_counter()
                assert probe.get("/api/health").status_code == 200
                self.seconds.append(time.perf_counter() - began)
                self.stop.wait(0.05)

    def __enter__(self) -> HealthProbe:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()

    def percentile(self, q: float) -> float:
        return statistics.quantiles(self.seconds, n=100)[q - 1] if len(self.seconds) > 1 else self.seconds[0]


def worker_pids(server_pid: int) -> list[int]:
    """The worker processes: the children of the server's fork server (Linux /proc)."""

    def children(pid: int) -> list[int]:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]

    fork_servers = [pid for pid in children(server_pid) if b"forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    return [pid for fork_server in fork_servers for pid in children(fork_server)]


def test_a_step_bomb_ends_within_the_budget_plus_a_second(client: httpx.Client) -> None:
    """The budget holds inside a step: the worker's alarm (or the server, ending the worker) stops it."""
    began = time.monotonic()
    events = stream(client, "/api/experiments/stream", STEP_BOMB)
    elapsed = time.monotonic() - began
    assert elapsed < MAX_SECONDS + 1.0, f"the stream took {elapsed:.1f} s"
    last = events[-1]
    if last["event"] == "error":
        assert "limit of 5 s" in last["detail"]
    else:
        ends = [e for e in events if e["event"] == "run_end"]
        assert last["event"] == "done" and ends[0]["status"] == "failed"
        assert ends[0]["error"].startswith("ComputeBudgetExceeded"), ends[0]["error"]
    whole = client.post("/api/experiments", json=STEP_BOMB)
    assert whole.status_code in (200, 422), whole.text[:300]  # the documented shape, never a 500
    if whole.status_code == 422:
        assert whole.json()["detail"][0]["type"] == "limit.max_seconds"
    else:
        assert whole.json()["runs"][0]["status"] == "failed"


def test_two_dropped_bomb_streams_leave_the_server_idle_within_the_budget(client: httpx.Client) -> None:
    before = computations(client)
    for lr in (0.001, 0.002):  # distinct: two computations, not one shared
        bomb = {**STEP_BOMB, "runs": [{**STEP_BOMB["runs"][0], "label": f"bomb {lr}"}]}
        with client.stream("POST", "/api/experiments/stream", json=bomb) as response:
            assert strict_loads(next(response.iter_lines()))["event"] == "experiment"
    assert wait_until_idle(client, WORKERS) < MAX_SECONDS
    # Counted, not sampled: how fast the server ends them is its business (an "active" sample raced it).
    assert computations(client)["cancelled"] == before["cancelled"] + 2, "both dropped streams were cancelled"


def test_a_disconnect_reaches_the_workers_which_stop_without_being_ended(client: httpx.Client) -> None:
    """Both workers idle: the sixteen runs are shared out, a part per worker (app/api/parts.py), and the
    client's hang-up cancels both parts."""
    before = computations(client)
    with client.stream("POST", "/api/experiments/stream", json=long_experiment(0.0123, 20_000)) as response:
        lines = response.iter_lines()
        assert strict_loads(next(lines))["event"] == "experiment"
        assert strict_loads(next(lines))["event"] == "points"
        assert computations(client)["active"] == 2
    assert wait_until_idle(client, WORKERS) < 2.0
    after = computations(client)
    assert after["cancelled"] == before["cancelled"] + 2
    assert after["replaced"] == before["replaced"], "the worker stopped when asked; nobody had to end it"


def test_the_big_seed_band_is_refused_or_bounded_while_health_stays_fast(client: httpx.Client) -> None:
    with HealthProbe(str(client.base_url)) as health:
        whole = client.post("/api/sweeps", json=BIG_SEED_BAND)
        streamed = stream(client, "/api/sweeps/stream", BIG_SEED_BAND)
    assert len(whole.content) <= MAX_RESULT_BYTES
    if whole.status_code == 422:
        assert whole.json()["detail"][0]["type"] in ("limit.max_result_bytes", "limit.max_seconds")
    else:
        assert whole.status_code == 200, whole.text[:300]
    assert streamed[-1]["event"] in ("result", "error")
    assert health.percentile(95) < 0.25, f"health p95 {health.percentile(95) * 1000:.0f} ms"


def test_a_result_over_the_byte_budget_is_a_422_naming_the_limit(client: httpx.Client) -> None:
    """Sixteen runs pass 64 KiB of JSON within fifty steps."""
    body = long_experiment(1e-6, 20_000)
    response = client.post("/api/experiments", json=body)
    assert response.status_code == 422, response.text[:300]
    (detail,) = response.json()["detail"]
    assert detail["type"] == "limit.max_result_bytes" and "OPTIMLAB_MAX_RESULT_BYTES" in detail["msg"]
    events = stream(client, "/api/experiments/stream", body)
    assert events[-1]["event"] == "error" and "OPTIMLAB_MAX_RESULT_BYTES" in events[-1]["detail"]


def test_two_hundred_qr_codes_do_not_move_health(client: httpx.Client) -> None:
    url = "http://127.0.0.1:8000/#v1=" + "x" * 1900  # a long experiment link: a large code to draw

    async def flood() -> list[int]:
        limits = httpx.Limits(max_connections=50)
        async with httpx.AsyncClient(base_url=str(client.base_url), timeout=300, limits=limits) as flooder:
            answers = await asyncio.gather(*(flooder.get("/api/qr", params={"url": url}) for _ in range(200)))
        return [answer.status_code for answer in answers]

    with HealthProbe(str(client.base_url)) as quiet:
        time.sleep(1.0)
    with HealthProbe(str(client.base_url)) as loud:
        statuses = run_async(flood)
    # 503 once the queue is full; 422 (limit.max_seconds) where a busy machine made one outlast the budget.
    assert set(statuses) <= {200, 422, 503} and 200 in statuses
    quiet_median, loud_median = statistics.median(quiet.seconds), statistics.median(loud.seconds)
    # Before worker processes the flood pushed health's median to a second; now it stays within the
    # classroom goal (100 ms), however busy the machine's other tenants make the quiet baseline.
    assert loud_median < max(3 * quiet_median, 0.1), (quiet_median, loud_median)


@pytest.mark.serial  # it measures two cores: a second pytest process on the other one would halve them
def test_two_distinct_long_computations_take_about_the_time_of_one(client: httpx.Client) -> None:
    """Two workers on two cores: in parallel, not one after another (loosely: other work shares the cores)."""

    def timed(*bodies: dict) -> float:
        async def both() -> None:
            async with httpx.AsyncClient(base_url=str(client.base_url), timeout=TIMEOUT) as session:
                answers = await asyncio.gather(*(session.post("/api/sweeps", json=body) for body in bodies))
            for answer in answers:
                assert answer.status_code == 200 and "failed" not in answer.json()["status"], answer.text[:300]

        began = time.perf_counter()
        run_async(both)
        return time.perf_counter() - began

    timed(lr_sweep(0.04), lr_sweep(0.05))  # each worker has had a job before the measured pair
    one = min(timed(lr_sweep(0.01 + i * 1e-3)) for i in range(2))
    two = timed(lr_sweep(0.02), lr_sweep(0.03))
    assert two < 1.7 * one, f"one alone {one:.2f} s, two together {two:.2f} s"


def test_a_killed_worker_fails_its_request_only_and_the_next_one_succeeds(
    server: tuple[subprocess.Popen, str], client: httpx.Client
) -> None:
    before = computations(client)
    with client.stream("POST", "/api/experiments/stream", json=long_experiment(0.0456, 20_000)) as response:
        lines = response.iter_lines()
        assert strict_loads(next(lines))["event"] == "experiment"
        for pid in worker_pids(server[0].pid):
            os.kill(pid, signal.SIGKILL)  # as the kernel's OOM killer would
        events = [strict_loads(line) for line in lines if line]
    assert events[-1]["event"] == "error" and "worker" in events[-1]["detail"], events[-1]
    wait_until_idle(client, WORKERS)
    assert computations(client)["replaced"] >= before["replaced"] + 2
    after = client.post("/api/experiments", json=experiment("quadratic", 50))
    assert after.status_code == 200 and after.json()["runs"][0]["status"] == "completed"
