"""The notebook API (design.md §9) gives exactly what the server gives, without a server."""

from __future__ import annotations

import re

import httpx
import numpy as np
import pytest

from app import run, sweep
from app.notebook import to_plain
from tests.conftest import ROOT

EXPERIMENT = {
    "surface": {"id": "himmelblau"},
    "steps": 80,
    "runs": [
        {"optimizer": {"id": "Adam", "params": {"lr": 0.05}}, "scheduler": {"id": "CosineAnnealingLR"}},
        {"start": [-1, 4], "optimizer": {"id": "SGD", "params": {"lr": 0.01, "momentum": 0.8}},
         "noise": {"std": 0.5, "seed": 3}, "clip": {"norm": 2.0}},
        {"optimizer": {"id": "pytorch_optimizer.Lion", "params": {"lr": 0.01}}},
        {"optimizer": {"id": "Adagrad", "params": {"lr": 0.5}}, "clip": {"value": 1.0}},
    ],
}  # fmt: skip


def test_notebook_run_equals_the_api(server_url: str) -> None:
    from_api = httpx.post(f"{server_url}/api/experiments", json=EXPERIMENT, timeout=60).json()
    result = run(EXPERIMENT)
    assert isinstance(result["runs"][0]["x"], np.ndarray)
    assert to_plain(result) == from_api
    assert (result["runs"][1]["momentum"] == 0.8).all() and len(result["runs"][1]["momentum"]) == 81
    assert result["runs"][3]["momentum"] is None  # Adagrad has neither momentum nor betas


def test_notebook_takes_keyword_arguments_and_draws_a_figure() -> None:
    result = run(**EXPERIMENT)
    figure = result.figure()
    assert [trace.type for trace in figure.data].count("contour") == 1
    paths = [trace for trace in figure.data if trace.type == "scatter" and trace.xaxis == "x"]
    assert len(paths) == len(EXPERIMENT["runs"])
    assert list(paths[0].x) == list(result["runs"][0]["x"])


SWEEPS = {
    "start": {"surface": {"id": "himmelblau"}, "steps": 120,
              "run": {"optimizer": {"id": "Adam", "params": {"lr": 0.1}}},
              "vary": {"kind": "start", "x": [-5, 5], "y": [-4, 4], "resolution": 6}},
    "param": {"surface": {"id": "rosenbrock"}, "steps": 150,
              "run": {"optimizer": {"id": "SGD", "params": {"momentum": 0.9}}},
              "vary": {"kind": "param", "name": "lr", "values": [1e-4, 1e-3, 3e-3]}},
    "grid2": {"surface": {"id": "quadratic"}, "steps": 60, "run": {"optimizer": {"id": "SGD"}},
              "vary": {"kind": "grid2", "x": {"name": "lr", "values": [0.01, 0.1, 0.25]},
                       "y": {"name": "momentum", "values": [0.0, 0.9]}}},
    "seed": {"surface": {"id": "booth"}, "steps": 50,
             "run": {"optimizer": {"id": "SGD", "params": {"lr": 0.01}}, "noise": {"std": 1.0, "seed": 0}},
             "vary": {"kind": "seed", "seeds": [0, 1, 2, 3]}},
}  # fmt: skip


@pytest.mark.parametrize("kind", SWEEPS)
def test_notebook_sweep_equals_the_api(server_url: str, kind: str) -> None:
    from_api = httpx.post(f"{server_url}/api/sweeps", json=SWEEPS[kind], timeout=60).json()
    result = sweep(SWEEPS[kind])
    assert isinstance(result["final_loss"], np.ndarray)
    assert to_plain(result) == from_api


def test_a_basin_map_is_a_grid_with_y_as_rows_and_draws_as_a_heatmap() -> None:
    basins = sweep(**SWEEPS["start"])
    assert basins["minimum_index"].shape == (6, 6)  # rows: y values, columns: x values
    heatmap = basins.figure().data[0]
    assert heatmap.type == "heatmap"
    assert list(heatmap.z[0]) == list(basins["minimum_index"][0])


def test_a_seed_band_draws_every_path_and_the_band() -> None:
    band = sweep(**SWEEPS["seed"])
    figure = band.figure()
    faint = [trace for trace in figure.data if trace.type == "scatter" and trace.xaxis == "x"]
    assert len(faint) == len(SWEEPS["seed"]["vary"]["seeds"])
    assert list(figure.data[-1].y) == list(band["loss_p50"] - 0.0)  # booth's minimum is 0: the median itself


def test_a_basin_map_without_known_minima_is_coloured_by_final_loss() -> None:
    basins = sweep(**{**SWEEPS["start"], "surface": {"id": "expression", "params": {"expression": "x**2 + 3*y**2"}}})
    heatmap = basins.figure().data[0]
    assert np.isfinite(np.asarray(heatmap.z, dtype=float)).all()
    assert heatmap.colorbar.title.text == "log10 final_loss"


def test_the_readmes_notebook_examples_run_as_written() -> None:
    """The README's "From a notebook" code, executed as a reader would paste it (our text, not a user's)."""
    section = (ROOT / "README.md").read_text().split("## From a notebook", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 2
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    assert [len(run["x"]) for run in namespace["result"]["runs"]] == [301, 301]
    assert namespace["basins"]["minimum_index"].shape == (64, 64)
    assert namespace["basins"].figure().data[0].type == "heatmap"
