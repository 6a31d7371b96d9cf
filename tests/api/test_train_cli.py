"""`optimlab train` prints the API's training stream; `optimlab code` exports a training's run; bad files exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app import cli
from tests.api.support import TIMEOUT, assert_exits_2_with_one_line, strict_loads
from tests.conftest import ROOT

TRAINING: dict[str, Any] = {
    "task": {"data": {"id": "xor", "params": {"n": 60, "seed": 5}}, "model": {"hidden": [5], "activation": "tanh"}},
    "epochs": 3,
    "batch_size": 16,
    "shuffle_seed": 4,
    "runs": [
        {"optimizer": {"id": "SGD", "params": {"lr": 0.1}}, "scheduler": {"id": "StepLR"}},
        {
            "label": "Adam",
            "optimizer": {"id": "Adam", "params": {"lr": 0.02}},
            "scheduler": {"id": "ReduceLROnPlateau"},
        },
    ],
    "landscape": {"method": "random", "resolution": 3},
}


@pytest.fixture(scope="module")
def training_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("train_cli") / "training.json"
    path.write_text(json.dumps(TRAINING))
    return path


@pytest.fixture(scope="module")
def cli_train_started(training_file: Path) -> Iterator[subprocess.Popen]:
    """`python -m app.cli train training.json`, started before the server so their start-ups overlap."""
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "train", str(training_file)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    yield process
    if process.poll() is None:
        process.kill()
        process.wait()


def test_cli_train_prints_the_events_the_api_streams(cli_train_started: subprocess.Popen, server_url: str) -> None:
    stdout, stderr = cli_train_started.communicate(timeout=300)
    assert cli_train_started.returncode == 0, stderr
    cli_events = [strict_loads(line) for line in stdout.splitlines()]
    with httpx.stream("POST", f"{server_url}/api/trainings/stream", json=TRAINING, timeout=TIMEOUT) as response:
        api_events = [strict_loads(line) for line in response.iter_lines() if line]
    # A training's events follow its epochs, not the clock: the two streams are the same, line for line.
    assert cli_events == api_events
    assert [e["event"] for e in cli_events[:2]] == ["training", "epoch"] and cli_events[-1] == {"event": "done"}


def test_cli_code_exports_a_trainings_first_run_as_the_api_does(
    training_file: Path, server_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.main(["code", str(training_file)])
    shared = {key: TRAINING[key] for key in ("task", "epochs", "batch_size", "shuffle_seed")}
    exported = httpx.post(f"{server_url}/api/code", json={**shared, "run": TRAINING["runs"][0]}, timeout=TIMEOUT)
    assert exported.status_code == 200, exported.text
    assert capsys.readouterr().out == exported.text


def test_cli_code_picks_another_run_of_a_training(training_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["code", "--run", "1", str(training_file)])
    script = capsys.readouterr().out
    assert "torch.optim.Adam(model.parameters()" in script and "ReduceLROnPlateau(opt" in script


BAD_TRAININGS: dict[str, tuple[Any, str]] = {
    "missing-runs": ({"task": TRAINING["task"]}, "runs: Field required"),
    "too-many-epochs": ({**TRAINING, "epochs": 501}, "epochs: at most 500 epochs"),
    "torch-refuses": (
        {**TRAINING, "runs": [{"optimizer": {"id": "Adam", "params": {"lr": -1}}}]},
        "runs.0.optimizer.params.lr: Invalid learning rate",
    ),
    "unknown-data-set": (
        {**TRAINING, "task": {"data": {"id": "mnist"}}},
        "task.data.id: unknown data set 'mnist'",
    ),
}


@pytest.mark.parametrize("command", ["train", "code"])
@pytest.mark.parametrize("name", BAD_TRAININGS)
def test_cli_bad_training_exits_2_with_one_line(
    name: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert_exits_2_with_one_line(command, *BAD_TRAININGS[name], tmp_path, capsys)


def test_cli_code_run_out_of_range_names_the_training(training_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["code", "--run", "2", str(training_file)])
    assert "--run 2 is out of range: the training has 2 runs" in capsys.readouterr().err
