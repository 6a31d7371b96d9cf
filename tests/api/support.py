"""Helpers for the API tests: strict JSON parsing, NDJSON streams and the result they add up to."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import anyio
import httpx
import pytest

TIMEOUT = httpx.Timeout(30.0, connect=5.0)
T = TypeVar("T")


def _refuse_constant(name: str) -> float:
    raise ValueError(f"non-standard JSON constant {name} in a response")


def strict_loads(text: str | bytes) -> Any:
    """json.loads that refuses NaN, Infinity and -Infinity, as a browser's JSON.parse does."""
    return json.loads(text, parse_constant=_refuse_constant)


def experiment(surface: str = "rosenbrock", steps: int = 200, *runs: dict[str, Any], **fields: Any) -> dict:
    """An experiment request; `runs` default to one Adam run."""
    body: dict[str, Any] = {
        "surface": {"id": surface},
        "steps": steps,
        "runs": list(runs) or [{"optimizer": {"id": "Adam", "params": {"lr": 0.01}}}],
    }
    return body | fields


def stream_events(client: httpx.Client, body: dict[str, Any]) -> tuple[httpx.Response, list[dict]]:
    """POST /api/experiments/stream and parse every line strictly."""
    with client.stream("POST", "/api/experiments/stream", json=body) as response:
        lines = [line for line in response.iter_lines() if line]
    return response, [strict_loads(line) for line in lines]


def computations(client: httpx.Client) -> dict:
    """/api/health's counts of computations and workers."""
    return client.get("/api/health").json()["computations"]


def wait_until_idle(client: httpx.Client, workers: int | None = None, seconds: float = 30.0) -> float:
    """Seconds until no computation is active (and, given `workers`, that many workers are up again)."""
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        now = computations(client)
        if now["active"] == 0 and workers in (None, now["workers"]):
            return time.monotonic() - began
        time.sleep(0.02)
    raise AssertionError(f"still busy after {seconds} s: {computations(client)}")


def result_from_events(events: list[dict]) -> dict[str, Any]:
    """The whole result document rebuilt from stream events, written from design.md §6 (not the engine)."""
    head = events[0]
    runs: list[dict[str, Any]] = [
        {"label": r["label"], "scheduler": r["scheduler"], "x": [], "y": [], "loss": [], "lr": [], "momentum": None}
        for r in head["runs"]
    ]
    for event in events[1:]:
        if event["event"] == "points":
            run = runs[event["run"]]
            assert event["start"] == len(run["x"]), "chunks of one run are contiguous by start"
            for key in ("x", "y", "loss", "lr"):
                run[key].extend(event[key])
            if event["momentum"] is not None:  # design.md §11: null for an optimizer without momentum or betas
                run["momentum"] = (run["momentum"] or []) + event["momentum"]
        elif event["event"] == "run_end":
            fields = ("status", "diverged_at", "failed_at", "error", "summary")
            runs[event["run"]].update({key: event[key] for key in fields})
    return {"surface": head["surface"], "steps": head["steps"], "runs": runs}


@dataclass(frozen=True)
class StartedCli:
    path: Path  # the JSON file the command was given
    process: subprocess.Popen

    def events(self, timeout: float) -> list[dict[str, Any]]:
        """The NDJSON events the command printed, once it has exited 0."""
        stdout, stderr = self.process.communicate(timeout=timeout)
        assert self.process.returncode == 0, stderr
        return [strict_loads(line) for line in stdout.splitlines()]


def started_cli(command: str, document: Any) -> Any:
    """A module fixture, `started = started_cli(...)` in a test file: `python -m app.cli <command> file.json`
    with `document` in the file, in its own process. Asked for before `server_url`, its start-up (torch, the
    catalog) overlaps the test server's; it is killed if a test leaves it running."""

    @pytest.fixture(scope="module")
    def started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartedCli]:
        from tests.conftest import ROOT

        path = tmp_path_factory.mktemp(command) / f"{command}.json"
        path.write_text(json.dumps(document))
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", command, str(path)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            yield StartedCli(path, process)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

    return started


def cli_output(capsys: pytest.CaptureFixture[str], *args: str | Path) -> str:
    """What `optimlab <args>` prints on stdout, run in this process."""
    from app import cli

    cli.main([str(arg) for arg in args])
    return capsys.readouterr().out


def assert_exits_2_with_one_line(
    command: str, content: Any, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`optimlab <command> file` with `content` in the file: exit status 2, nothing on stdout, one line on stderr."""
    from app import cli

    path = tmp_path / "exp.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    with pytest.raises(SystemExit) as exit_info:
        cli.main([command, str(path)])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("optimlab: error: ") and captured.err.count("\n") == 1
    assert expected in captured.err


def run_async(function: Callable[..., Awaitable[T]], *args: Any) -> T:
    """`anyio.run` on a thread of its own: when the browser tests ran first in this session, Playwright's
    sync API keeps an event loop running in the main thread, where a second one may not start."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(anyio.run, function, *args).result()
