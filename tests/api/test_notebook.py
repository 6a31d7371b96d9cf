"""The notebook API (SPEC §9) gives exactly what the server gives, without a server."""

from __future__ import annotations

import httpx
import numpy as np

from app import run
from app.notebook import to_plain

EXPERIMENT = {
    "surface": {"id": "himmelblau"},
    "steps": 80,
    "runs": [
        {"optimizer": {"id": "Adam", "params": {"lr": 0.05}}, "scheduler": {"id": "CosineAnnealingLR"}},
        {"start": [-1, 4], "optimizer": {"id": "SGD", "params": {"lr": 0.01, "momentum": 0.8}},
         "noise": {"std": 0.5, "seed": 3}},
        {"optimizer": {"id": "pytorch_optimizer.Lion", "params": {"lr": 0.01}}},
    ],
}  # fmt: skip


def test_notebook_run_equals_the_api(server_url: str) -> None:
    from_api = httpx.post(f"{server_url}/api/experiments", json=EXPERIMENT, timeout=60).json()
    result = run(EXPERIMENT)
    assert isinstance(result["runs"][0]["x"], np.ndarray)
    assert to_plain(result) == from_api


def test_notebook_takes_keyword_arguments_and_draws_a_figure() -> None:
    result = run(**EXPERIMENT)
    figure = result.figure()
    assert [trace.type for trace in figure.data].count("contour") == 1
    paths = [trace for trace in figure.data if trace.type == "scatter" and trace.xaxis == "x"]
    assert len(paths) == len(EXPERIMENT["runs"])
    assert list(paths[0].x) == list(result["runs"][0]["x"])
