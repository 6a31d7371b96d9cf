"""The `optimlab` command: `run` prints the API's stream, `code` the API's script, bad input exits 2."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from app import cli
from app.serving import GuardedHttpProtocol
from tests.api.support import (
    TIMEOUT,
    StartedCli,
    assert_exits_2_with_one_line,
    cli_output,
    experiment,
    result_from_events,
    started_cli,
    stream_events,
)
from tests.api.test_train_cli import BAD_TRAININGS
from tests.conftest import ROOT

EXPERIMENT = experiment(
    "rosenbrock",
    300,
    {"label": "momentum", "optimizer": {"id": "SGD", "params": {"lr": 1e-3, "momentum": 0.9}}},
    {"optimizer": {"id": "Adam", "params": {"lr": 0.02}}, "scheduler": {"id": "CosineAnnealingLR"}},
    {"optimizer": {"id": "SGD", "params": {"lr": 1}}},
    {"optimizer": {"id": "RMSprop"}, "noise": {"std": 0.3, "seed": 7}},
    {"start": [0.0, 0.0], "optimizer": {"id": "LBFGS", "params": {"max_iter": 2}}},
)


started = started_cli("run", EXPERIMENT)


def test_cli_run_prints_the_events_the_api_streams(started: StartedCli, server_url: str) -> None:
    cli_events = started.events(timeout=120)
    with httpx.Client(base_url=server_url, timeout=TIMEOUT) as client:
        _, api_events = stream_events(client, EXPERIMENT)
    # Chunk boundaries follow the clock; everything else is the same, to the last bit.
    assert result_from_events(cli_events) == result_from_events(api_events)
    assert cli_events[0] == api_events[0] and cli_events[-1] == api_events[-1] == {"event": "done"}
    run_ends = sorted((e for e in cli_events if e["event"] == "run_end"), key=lambda e: e["run"])
    assert run_ends == sorted((e for e in api_events if e["event"] == "run_end"), key=lambda e: e["run"])
    assert [e["status"] for e in run_ends] == ["completed", "completed", "diverged", "completed", "completed"]


def test_cli_code_prints_the_script_the_api_exports_for_the_first_run(
    started: StartedCli, server_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    script = cli_output(capsys, "code", started.path)
    body = {"surface": EXPERIMENT["surface"], "steps": EXPERIMENT["steps"], "run": EXPERIMENT["runs"][0]}
    exported = httpx.post(server_url + "/api/code", json=body, timeout=TIMEOUT)
    assert exported.status_code == 200
    assert script == exported.text


def test_cli_code_picks_another_run(started: StartedCli, capsys: pytest.CaptureFixture[str]) -> None:
    script = cli_output(capsys, "code", "--run", "1", started.path)
    assert "torch.optim.Adam(" in script and "CosineAnnealingLR(" in script


BAD_FILES: dict[str, tuple[Any, str]] = {
    "not-json": ('{"surface": ', "is not valid JSON"),
    "not-an-object": ("[1, 2]", "Input should be"),
    "missing-runs": ({"surface": {"id": "rosenbrock"}}, "runs: Field required"),
    "unknown-optimizer": (experiment("rosenbrock", 10, {"optimizer": {"id": "__class__"}}), "runs.0.optimizer.id:"),
    "torch-refuses": (
        experiment("rosenbrock", 10, {"optimizer": {"id": "Adam", "params": {"lr": -1}}}, {"optimizer": {"id": "SGD"}}),
        "runs.0.optimizer.params.lr: Invalid learning rate",
    ),
    "too-many-steps": (experiment("rosenbrock", 10**6), "steps: at most 20000 steps"),
    "bad-formula": (
        {"surface": {"id": "expression", "params": {"expression": "x^2"}}, "runs": [{"optimizer": {"id": "SGD"}}]},
        "surface.params.expression: unexpected character '^' at position 1",
    ),
}

# Every bad file, under each command that reads one of its kind: `code` reads both.
BAD_FILES_BY_COMMAND = {
    f"{command}-{kind}-{name}": (command, *case)
    for kind, commands, cases in (
        ("experiment", ("run", "code"), BAD_FILES),
        ("training", ("train", "code"), BAD_TRAININGS),
    )
    for command in commands
    for name, case in cases.items()
}


@pytest.mark.parametrize("case", BAD_FILES_BY_COMMAND)
def test_cli_bad_file_exits_2_with_one_line(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert_exits_2_with_one_line(*BAD_FILES_BY_COMMAND[case], tmp_path, capsys)


def test_cli_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["run", str(tmp_path / "nope.json")])
    assert exit_info.value.code == 2
    assert (
        capsys.readouterr().err == f"optimlab: error: cannot read {tmp_path / 'nope.json'}: No such file or directory\n"
    )


def test_cli_serve_runs_uvicorn_with_our_settings_and_opens_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    served: dict[str, Any] = {}
    opened: list[tuple] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: served.update(app=app, **kwargs))
    monkeypatch.setattr(cli, "_open_when_up", lambda *args: opened.append(args))
    monkeypatch.setenv("OPTIMLAB_MAX_STEPS", "123")
    cli.main(["serve", "--host", "0.0.0.0", "--port", "8123", "--open"])
    assert served["host"] == "0.0.0.0" and served["port"] == 8123
    assert served["app"].state.settings.max_steps == 123
    # With the slow-client limits of app/serving.py (tests/api/test_http_manners.py checks them on a server).
    assert served["http"].func is GuardedHttpProtocol and served["http"].keywords == {"head_seconds": 30.0}
    for _ in range(100):  # the browser is opened from a thread, once the port answers
        if opened:
            break
        time.sleep(0.01)
    assert opened == [("http://127.0.0.1:8123/", "127.0.0.1", 8123)]


# A fresh process runs `optimlab serve` with uvicorn's run stubbed, counting the apps it builds: the app
# (its Store, its worker pool) is built once, for the server, not also when the CLI imports create_app.
COUNT_APPS = """
import sys
import fastapi, uvicorn
built = []
init = fastapi.FastAPI.__init__
def counted(self, *args, **kwargs):
    built.append(kwargs.get("title"))
    init(self, *args, **kwargs)
fastapi.FastAPI.__init__ = counted
uvicorn.run = lambda app, **kwargs: print(built.count("optimlab"), app.title)
from app import cli
cli.main(["serve", "--port", "8124"])
"""


def test_cli_serve_builds_the_app_once(tmp_path: Path) -> None:
    env = {**os.environ, "OPTIMLAB_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-c", COUNT_APPS]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "optimlab"]
