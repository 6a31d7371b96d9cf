"""`optimlab train` prints the API's training stream; `optimlab code` exports a training's run; bad files exit 2."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app import cli
from tests.api.support import TIMEOUT, StartedCli, cli_output, started_cli, strict_loads

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


started = started_cli("train", TRAINING)


def test_cli_train_prints_the_events_the_api_streams(started: StartedCli, server_url: str) -> None:
    cli_events = started.events(timeout=300)
    with httpx.stream("POST", f"{server_url}/api/trainings/stream", json=TRAINING, timeout=TIMEOUT) as response:
        api_events = [strict_loads(line) for line in response.iter_lines() if line]
    # A training's events follow its epochs, not the clock: the two streams are the same, line for line.
    assert cli_events == api_events
    assert [e["event"] for e in cli_events[:2]] == ["training", "epoch"] and cli_events[-1] == {"event": "done"}


def test_cli_code_exports_a_trainings_first_run_as_the_api_does(
    started: StartedCli, server_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    script = cli_output(capsys, "code", started.path)
    shared = {key: TRAINING[key] for key in ("task", "epochs", "batch_size", "shuffle_seed")}
    exported = httpx.post(f"{server_url}/api/code", json={**shared, "run": TRAINING["runs"][0]}, timeout=TIMEOUT)
    assert exported.status_code == 200, exported.text
    assert script == exported.text


def test_cli_code_picks_another_run_of_a_training(started: StartedCli, capsys: pytest.CaptureFixture[str]) -> None:
    script = cli_output(capsys, "code", "--run", "1", started.path)
    assert "torch.optim.Adam(model.parameters()" in script and "ReduceLROnPlateau(opt" in script


# Each exits 2 under `train` and under `code` (test_cli.py's test_cli_bad_file_exits_2_with_one_line).
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


def test_cli_code_run_out_of_range_names_the_training(started: StartedCli, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["code", "--run", "2", str(started.path)])
    assert "--run 2 is out of range: the training has 2 runs" in capsys.readouterr().err
