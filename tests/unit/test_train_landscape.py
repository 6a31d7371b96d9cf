"""The landscape, the paths on it, the decision boundaries and the stream of a training (design.md §10)."""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from app.engine.train import EpochEnded, LandscapeReady, TrainingRunEnded, TrainingSpec, TrainingStarted, load_dataset
from app.engine.train.boundaries import RESOLUTION
from app.engine.train.loop import Training, collect_training, iterate_training, prepare_training
from app.engine.train.model import build_mlp

DEFAULT = {  # the default training of design.md §10 and `make bench`
    "task": {"data": {"id": "moons", "params": {"n": 400}}, "model": {"hidden": [16, 16], "activation": "tanh"}},
    "epochs": 30,
    "batch_size": 32,
    "runs": [
        {"optimizer": {"id": "SGD", "params": {"lr": 0.1, "momentum": 0.9}}, "scheduler": {"id": "StepLR"}},
        {"optimizer": {"id": "Adam", "params": {"lr": 0.01}}},
        {"optimizer": {"id": "RMSprop", "params": {"lr": 0.01}}, "scheduler": {"id": "ReduceLROnPlateau"}},
        {"optimizer": {"id": "AdamW", "params": {"lr": 0.01}}, "scheduler": {"id": "OneCycleLR", "interval": "step"}},
    ],
}


def small(method: str, **changes: Any) -> dict[str, Any]:
    body = {**DEFAULT, "epochs": 4, "landscape": {"method": method, "resolution": 9}}
    body["task"] = {"data": {"id": "circles", "params": {"n": 80}}, "model": {"hidden": [6], "activation": "relu"}}
    return body | changes


def trained(body: dict[str, Any]) -> tuple[Training, list[Any]]:
    training = Training(prepare_training(TrainingSpec.model_validate(body)))
    return training, list(training.events())


def test_pca_directions_are_numpys_svd_of_the_recorded_weights_and_theta0_is_the_origin() -> None:
    training, events = trained(small("pca"))
    [landscape] = [e for e in events if isinstance(e, LandscapeReady)]
    records = np.concatenate([run.weights[: run.kept].double().numpy() for run in training.runs])
    centred = records - records.mean(axis=0)
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    plane = training_plane(training)
    for ours, numpys in zip(plane.directions.numpy(), vt[:2], strict=True):
        sign = np.sign(ours @ numpys)
        np.testing.assert_allclose(ours, sign * numpys, atol=1e-9)
    variance = singular**2 / (singular**2).sum()
    np.testing.assert_allclose(landscape.landscape["explained_variance"], variance[:2], rtol=1e-9)
    for path, run in zip(landscape.paths, training.runs, strict=True):
        assert path["u"][0] == 0 and path["v"][0] == 0
        assert len(path["u"]) == run.steps_done + 1
        # least squares on numpy's directions gives the same coordinates (up to the directions' signs)
        rows = run.weights[: run.kept].double().numpy() - training.theta0.double().numpy()
        uv, *_ = np.linalg.lstsq(plane.directions.numpy().T, rows.T, rcond=None)
        np.testing.assert_allclose(np.array([path["u"], path["v"]]), uv, atol=1e-6)


def training_plane(training: Training):
    from app.engine.train.landscape import pca_plane

    assert training.theta0 is not None
    return pca_plane(training.theta0, [run.weights[: run.kept] for run in training.runs])


@pytest.mark.parametrize("method", ["pca", "random"])
def test_a_grid_value_equals_a_direct_evaluation_at_that_point(method: str) -> None:
    body = small(method)
    training, events = trained(body)
    [landscape] = [e.landscape for e in events if isinstance(e, LandscapeReady)]
    plane = training.plane or training_plane(training)
    data = load_dataset("circles", {"n": 80})
    model = build_mlp(2, 2, [6], "relu", 0)
    for i, j in [(0, 0), (4, 4), (8, 1), (2, 7)]:
        point = torch.tensor([[landscape["u"][i], landscape["v"][j]]], dtype=torch.float64)
        torch.nn.utils.vector_to_parameters(plane.weights_at(point)[0], model.parameters())
        with torch.no_grad():
            alone = F.cross_entropy(model(data.x_train), data.y_train).item()
        assert landscape["loss"][j][i] == pytest.approx(alone, rel=1e-5)


def test_random_directions_are_filter_normalised_and_paths_stream_live() -> None:
    training, events = trained(small("random"))
    plane = training.plane
    assert plane is not None and plane.explained_variance is None
    model = build_mlp(2, 2, [6], "relu", 0)
    offset = 0
    for p in model.parameters():
        size = p.numel()
        for direction in plane.directions:
            part = direction[offset : offset + size].reshape(p.shape)
            if p.dim() < 2:
                assert not part.any()  # biases get no component
            else:
                torch.testing.assert_close(part.norm(dim=1), p.detach().double().norm(dim=1), rtol=1e-5, atol=0)
        offset += size
    [landscape] = [e for e in events if isinstance(e, LandscapeReady)]
    for index, path in enumerate(landscape.paths):
        streamed = [e.path for e in events if isinstance(e, EpochEnded) and e.run == index]
        assert [0.0] + [u for chunk in streamed for u in chunk["u"]] == path["u"]
        assert [0.0] + [v for chunk in streamed for v in chunk["v"]] == path["v"]


def test_the_stream_comes_in_order_and_collects_into_the_whole_result() -> None:
    body = small("pca")
    events = list(iterate_training(prepare_training(TrainingSpec.model_validate(body))))
    assert isinstance(events[0], TrainingStarted)
    assert [type(e).__name__ for e in events[-2:]] == ["LandscapeReady", "Done"]
    epochs = [(e.run, e.epoch) for e in events if isinstance(e, EpochEnded)]
    assert epochs == [(run, epoch) for epoch in range(5) for run in range(4)]
    assert sum(isinstance(e, TrainingRunEnded) for e in events) == 4
    result = collect_training(iter(events))
    streamed = [e.to_dict() for e in events]
    json.dumps(streamed, allow_nan=False)
    for index, run in enumerate(result["runs"]):
        mine = [e for e in streamed if e["event"] == "epoch" and e["run"] == index]
        assert run["epochs"]["val_loss"] == [e["val_loss"] for e in mine]
        assert run["steps"]["loss"] == [v for e in mine for v in e["steps"]["loss"]]
        assert len(run["steps"]["loss"]) == 4 * result["task"]["steps_per_epoch"]
        assert len(run["path"]["u"]) == len(run["steps"]["loss"]) + 1
        assert len(run["epochs"]["lr"]) == 5 and len(run["boundaries"]) == 5


def test_a_default_training_is_under_two_megabytes_with_its_boundaries() -> None:
    result = collect_training(iterate_training(prepare_training(TrainingSpec.model_validate(DEFAULT))))
    size = len(json.dumps(result, allow_nan=False))
    assert size < 2 * 2**20
    grid = result["boundary"]
    assert grid["resolution"] == RESOLUTION and grid["x"][0] < grid["x"][1]
    for run in result["runs"]:
        assert run["status"] == "completed"
        assert len(run["boundaries"]) == 31
        last = np.frombuffer(base64.b64decode(run["boundaries"][-1]), dtype=np.uint8)
        assert last.shape == (RESOLUTION**2,)
        assert last.min() < 64 and last.max() > 192  # a trained network separates the moons
    assert len(result["landscape"]["loss"]) == 31 and len(result["landscape"]["loss"][0]) == 31


def test_digits_trains_without_boundaries() -> None:
    body = small("pca", task={"data": {"id": "digits"}, "model": {"hidden": [8]}}, epochs=1, batch_size=256)
    result = collect_training(iterate_training(prepare_training(TrainingSpec.model_validate(body))))
    assert result["boundary"] is None
    assert all(run["boundaries"] is None for run in result["runs"])
    assert result["task"]["features"] == 64 and result["task"]["classes"] == 10
