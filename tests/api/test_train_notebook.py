"""train(...) from a notebook (design.md §9, §10) gives exactly what POST /api/trainings gives, without a server."""

from __future__ import annotations

import json
import re

import httpx
import numpy as np
import pytest

from app import train
from app.notebook import to_plain
from tests.conftest import ROOT

TRAINING = {
    "task": {"data": {"id": "circles", "params": {"n": 80, "seed": 1}}, "model": {"hidden": [6], "activation": "relu"}},
    "epochs": 3,
    "batch_size": 20,
    "runs": [
        {"optimizer": {"id": "Adam", "params": {"lr": 0.02}}, "scheduler": {"id": "StepLR"}},
        {"optimizer": {"id": "SGD", "params": {"lr": 0.1, "momentum": 0.9}}},
    ],
    "landscape": {"method": "pca", "resolution": 4},
}


@pytest.fixture(scope="module")
def trained() -> dict:
    return train(TRAINING)


def test_notebook_train_equals_the_api(server_url: str, trained: dict) -> None:
    from_api = httpx.post(f"{server_url}/api/trainings", json=TRAINING, timeout=120).json()
    assert isinstance(trained["runs"][0]["epochs"]["val_loss"], np.ndarray)
    assert trained["landscape"]["loss"].shape == (4, 4)
    assert to_plain(trained) == from_api


def test_notebook_train_takes_keyword_arguments() -> None:
    result = train(**{**TRAINING, "landscape": None})
    assert result["landscape"] is None and result["runs"][1]["path"] is None
    assert len(result["runs"][1]["epochs"]["lr"]) == TRAINING["epochs"] + 1
    with pytest.raises(ValueError, match="no landscape"):
        result.figure()


def test_the_landscape_figure_draws_every_runs_path_on_the_loss(trained: dict) -> None:
    figure = trained.figure()
    contour, *paths = figure.data
    assert contour.type == "contour" and np.allclose(contour.z, np.log10(trained["landscape"]["loss"]))
    assert [path.name for path in paths] == [run["label"] for run in trained["runs"]]
    assert list(paths[1].x) == list(trained["runs"][1]["path"]["u"])
    assert "of the variance" in figure.layout.xaxis.title.text


def test_the_loss_figure_draws_train_and_validation_per_run(trained: dict) -> None:
    curves = trained.figure("loss").data
    assert len(curves) == 2 * len(TRAINING["runs"])
    assert list(curves[1].y) == list(trained["runs"][0]["epochs"]["val_loss"])
    assert list(curves[0].x) == [0, 1, 2, 3]
    assert len(trained.figure("accuracy").data) == 4
    with pytest.raises(ValueError, match="one of"):
        trained.figure("boundary")


def readme_section() -> str:
    return (ROOT / "README.md").read_text().split("## Model mode", 1)[1].split("\n## ", 1)[0]


def test_the_readmes_model_mode_notebook_example_runs_as_written() -> None:
    """The README's notebook code, executed as a reader would paste it (our text, not a user's)."""
    [block] = re.findall(r"```python\n(.*?)```", readme_section(), flags=re.DOTALL)
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)
    assert len(namespace["trained"]["runs"][0]["epochs"]["val_loss"]) == 21


def test_the_readmes_model_mode_curl_example_is_a_valid_training(server_url: str) -> None:
    [body] = re.findall(r"curl -s localhost:8000/api/trainings .*?-d '(.*?)'", readme_section(), flags=re.DOTALL)
    result = httpx.post(f"{server_url}/api/trainings", json=json.loads(body), timeout=120).json()
    assert [run["status"] for run in result["runs"]] == ["completed"] * 3
    assert len(result["landscape"]["loss"]) == 31
