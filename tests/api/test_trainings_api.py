"""Model mode over HTTP (design.md §10): data sets, trainings, their stream and their 422s, on the real server."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import httpx
import pytest
import torch

from app.api.schemas import Datasets, DatasetTensors, TrainingResult
from app.engine.train import load_dataset
from app.engine.train.codegen import TrainingScriptSpec, training_script_for
from tests.api.support import strict_loads
from tests.api.test_endpoints import assert_described_exactly
from tests.conftest import ROOT

TRAINING: dict[str, Any] = {
    "task": {"data": {"id": "moons", "params": {"n": 120, "seed": 3}},
             "model": {"hidden": [8], "activation": "tanh", "seed": 1}},
    "epochs": 4,
    "batch_size": 16,
    "runs": [
        {"label": "SGD + StepLR", "optimizer": {"id": "SGD", "params": {"lr": 0.1, "momentum": 0.9}},
         "scheduler": {"id": "StepLR", "params": {"step_size": 2, "gamma": 0.5}}},
        {"optimizer": {"id": "RMSprop", "params": {"lr": 0.01}}, "scheduler": {"id": "ReduceLROnPlateau"}},
        {"optimizer": {"id": "AdamW", "params": {"lr": 0.01}}, "scheduler": {"id": "OneCycleLR", "interval": "step"}},
        {"label": "too fast", "optimizer": {"id": "SGD", "params": {"lr": 1e38}}},
    ],
    "landscape": {"method": "pca", "resolution": 5},
}  # fmt: skip
EPOCH_METRICS = ("train_loss", "val_loss", "train_accuracy", "val_accuracy", "lr")


def training(**changes: Any) -> dict[str, Any]:
    return TRAINING | changes


def stream_training(client: httpx.Client, body: dict[str, Any]) -> list[dict[str, Any]]:
    with client.stream("POST", "/api/trainings/stream", json=body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/x-ndjson"
        return [strict_loads(line) for line in response.iter_lines() if line]


def training_from_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The whole result rebuilt from the stream, as design.md §10 describes both (not the engine's code)."""
    head, *rest = events
    assert head["event"] == "training"
    result = {key: head[key] for key in ("task", "epochs", "batch_size", "shuffle_seed", "boundary")}
    result["landscape"] = None
    runs = [
        {"label": run["label"], "steps": {"loss": [], "lr": []}, "epochs": {name: [] for name in EPOCH_METRICS},
         "path": None, "boundaries": [] if head["boundary"] else None,
         "val_predictions": None if head["boundary"] else []}
        for run in head["runs"]
    ]  # fmt: skip
    for event in rest:
        kind = event["event"]
        if kind in ("epoch", "run_end"):
            run = runs[event["run"]]
            for name in ("loss", "lr"):
                run["steps"][name] += event["steps"][name]
            if "update" in event:  # record_state: per parameter (and state tensor), the steps' norms
                for parameter, values in event["update"].items():
                    run.setdefault("update", {}).setdefault(parameter, []).extend(values)
                for parameter, norms in event["state"].items():
                    target = run.setdefault("state", {}).setdefault(parameter, {})
                    for key, values in norms.items():
                        target.setdefault(key, []).extend(values)
        if kind == "epoch":
            assert event["epoch"] == len(run["epochs"]["lr"]), "a run's epochs arrive in order"
            for name in EPOCH_METRICS:
                run["epochs"][name].append(event[name])
            if "boundary" in event:
                run["boundaries"].append(event["boundary"])
            if "val_predictions" in event:
                run["val_predictions"].append(event["val_predictions"])
            for name, value in event.get("scheduler_state", {}).items():
                run.setdefault("scheduler_state", {}).setdefault(name, []).append(value)
        elif kind == "run_end":
            run.update({key: event[key] for key in ("status", "diverged_at", "failed_at", "error", "summary")})
        elif kind == "landscape":
            result["landscape"] = {key: event[key] for key in ("method", "explained_variance", "u", "v", "loss")}
            for run, path in zip(runs, event["paths"], strict=True):
                run["path"] = path
    result["runs"] = runs
    return result


@pytest.fixture(scope="module")
def whole(client: httpx.Client) -> dict[str, Any]:
    response = client.post("/api/trainings", json=TRAINING)
    assert response.status_code == 200, response.text
    return strict_loads(response.text)


# --- data sets -----------------------------------------------------------------------------------------


def test_datasets_lists_every_data_set_with_params_defaults_and_limits(client: httpx.Client) -> None:
    listed = client.get("/api/datasets").json()
    assert_described_exactly(Datasets, listed)
    by_id = {entry["id"]: entry for entry in listed["datasets"]}
    assert set(by_id) == {"moons", "circles", "xor", "spiral", "gaussians", "digits"}
    moons = {param["name"]: param for param in by_id["moons"]["params"]}
    assert {name: p["default"] for name, p in moons.items()} == {"n": 400, "noise": 0.2, "seed": 0, "validation": 0.25}
    assert moons["n"]["kind"] == "int" and moons["validation"]["kind"] == "float"
    assert [p["name"] for p in by_id["digits"]["params"]] == ["seed", "validation"]
    assert (by_id["digits"]["features"], by_id["digits"]["classes"]) == (64, 10)
    assert listed["limits"]["max_epochs"] == 500 and listed["limits"]["max_samples"] == 5000


def test_dataset_tensors_are_the_engines_exactly(client: httpx.Client) -> None:
    response = client.get("/api/datasets/spiral", params={"n": 50, "noise": 0.1, "seed": 9, "validation": 0.3})
    assert response.status_code == 200, response.text
    tensors = strict_loads(response.text)
    assert_described_exactly(DatasetTensors, tensors)
    assert (len(tensors["y_train"]), len(tensors["y_val"])) == (35, 15)  # round(0.3 × 50) held out
    data = load_dataset("spiral", {"n": 50, "noise": 0.1, "seed": 9, "validation": 0.3})
    # float32 values written as JSON numbers come back as the very same float32s
    assert torch.equal(torch.tensor(tensors["x_train"], dtype=torch.float32), data.x_train)
    assert torch.equal(torch.tensor(tensors["x_val"], dtype=torch.float32), data.x_val)
    assert tensors["y_train"] == data.y_train.tolist() and tensors["y_val"] == data.y_val.tolist()


def test_digits_comes_from_scikit_learns_bundled_file(client: httpx.Client) -> None:
    tensors = client.get("/api/datasets/digits", params={"seed": 2}).json()
    assert (tensors["features"], tensors["classes"]) == (64, 10)
    assert len(tensors["y_train"]) + len(tensors["y_val"]) == 1797
    assert len(tensors["y_val"]) == round(0.25 * 1797)
    pixels = {value for row in tensors["x_train"] for value in row}
    assert min(pixels) == 0.0 and max(pixels) == 1.0 and all(value * 16 == round(value * 16) for value in pixels)


def test_digits_loads_with_every_network_connection_refused() -> None:
    """A fresh interpreter where opening any socket fails: the data set still loads (nothing is downloaded)."""
    program = (
        "import socket\n"
        "def refuse(*args, **kwargs):\n"
        "    raise OSError('no network here')\n"
        "socket.socket.connect = socket.socket.connect_ex = refuse\n"
        "socket.create_connection = socket.getaddrinfo = refuse\n"
        "from app.engine.train import load_dataset\n"
        "data = load_dataset('digits')\n"
        "print(data.n_train + data.n_val)\n"
    )
    done = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1797"


@pytest.mark.parametrize(
    ("path", "params", "loc"),
    [
        ("moons", {"n": 2}, ["query", "n"]),
        ("moons", {"n": 10**6}, ["query", "n"]),
        ("moons", {"n": "many"}, ["query", "n"]),
        ("moons", {"noise": "nan"}, ["query", "noise"]),
        ("moons", {"noise": -1}, ["query", "noise"]),
        ("circles", {"validation": 1.5}, ["query", "validation"]),
        ("xor", {"n": 4, "validation": 0.01}, ["query", "validation"]),
        ("gaussians", {"seed": -1}, ["query", "seed"]),
        ("digits", {"n": 100}, ["query", "n"]),
        ("mnist", {}, ["path", "dataset_id"]),
    ],
)
def test_dataset_errors_point_at_the_query_field(client: httpx.Client, path: str, params: dict, loc: list) -> None:
    response = client.get(f"/api/datasets/{path}", params=params)
    assert response.status_code == 422, response.text
    [error] = [e for e in response.json()["detail"] if e["loc"] == loc] or response.json()["detail"]
    assert error["loc"] == loc


# --- trainings -----------------------------------------------------------------------------------------


def test_training_result_has_the_spec_shape(whole: dict[str, Any]) -> None:
    assert_described_exactly(TrainingResult, whole)
    task = whole["task"]
    assert (task["n_train"], task["n_val"], task["features"], task["classes"]) == (90, 30, 2, 2)
    assert task["parameters"] == (2 + 1) * 8 + (8 + 1) * 2 and task["steps_per_epoch"] == 6
    assert task["data"]["params"] == {"n": 120, "noise": 0.2, "seed": 3, "validation": 0.25}
    sgd, rmsprop, adamw, too_fast = whole["runs"]
    assert sgd["label"] == "SGD + StepLR" and rmsprop["label"].startswith("RMSprop")
    for run in (sgd, rmsprop, adamw):
        assert run["status"] == "completed"
        assert len(run["steps"]["loss"]) == len(run["steps"]["lr"]) == 4 * 6
        assert all(len(values) == 5 for values in run["epochs"].values())
        assert len(run["path"]["u"]) == 4 * 6 + 1 and run["path"]["u"][0] == run["path"]["v"][0] == 0
        assert len(run["boundaries"]) == 5
    assert sgd["epochs"]["lr"] == [0.1, 0.1, 0.05, 0.05, 0.025]  # StepLR per epoch
    assert len(set(adamw["steps"]["lr"][:6])) == 6  # OneCycleLR per step: a new lr within the first epoch
    assert too_fast["status"] == "diverged" and too_fast["diverged_at"] >= 1
    assert len(too_fast["steps"]["loss"]) == too_fast["diverged_at"] - 1
    landscape = whole["landscape"]
    assert landscape["method"] == "pca" and len(landscape["explained_variance"]) == 2
    assert len(landscape["u"]) == len(landscape["v"]) == 5 and len(landscape["loss"]) == 5


def test_training_stream_adds_up_to_the_whole_result(client: httpx.Client, whole: dict[str, Any]) -> None:
    events = stream_training(client, TRAINING)
    assert events[-1] == {"event": "done"}
    assert [e["event"] for e in events[-2:]] == ["landscape", "done"]
    assert training_from_events(events) == whole


def test_record_state_adds_the_inspectors_records_and_changes_nothing_else(
    client: httpx.Client, whole: dict[str, Any]
) -> None:
    response = client.post("/api/trainings", json=training(record_state=True))
    assert response.status_code == 200, response.text
    recorded = strict_loads(response.text)
    assert_described_exactly(TrainingResult, recorded)
    sgd, rmsprop, adamw, _ = recorded["runs"]
    assert set(sgd["state"]["0.weight"]) == {"momentum_buffer"} and set(adamw["state"]["2.bias"]) >= {"exp_avg"}
    assert set(sgd["update"]) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    for run in recorded["runs"]:
        assert all(len(values) == len(run["steps"]["loss"]) for values in run["update"].values())
    assert rmsprop["scheduler_state"]["patience"] == [10] * 5 and "scheduler_state" not in sgd
    assert training_from_events(stream_training(client, training(record_state=True))) == recorded
    for run in recorded["runs"]:
        for name in ("state", "update", "scheduler_state"):
            run.pop(name, None)
    assert recorded == whole


def test_a_bad_record_state_is_422_at_the_field(client: httpx.Client) -> None:
    response = client.post("/api/trainings", json=training(record_state="yes"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "record_state"]


def test_openapi_documents_the_inspectors_records(client: httpx.Client) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert "record_state" in schemas["TrainingSpec"]["properties"]
    run = schemas["TrainingRunResult"]["properties"]
    for name in ("state", "update", "scheduler_state", "val_predictions"):
        assert run[name]["description"], name


def test_a_random_plane_streams_each_epochs_path(client: httpx.Client) -> None:
    body = training(runs=TRAINING["runs"][:1], landscape={"method": "random", "resolution": 3, "seed": 4})
    events = stream_training(client, body)
    live = [u for e in events if e["event"] == "epoch" for u in e.get("path", {}).get("u", [])]
    [landscape] = [e for e in events if e["event"] == "landscape"]
    assert landscape["explained_variance"] is None
    assert landscape["paths"][0]["u"] == [0.0, *live]


def test_a_training_on_digits_runs_without_boundaries(client: httpx.Client) -> None:
    body = {"task": {"data": {"id": "digits", "params": {"validation": 0.5}}, "model": {"hidden": [4]}},
            "epochs": 1, "batch_size": 300, "runs": [{"optimizer": {"id": "Adam"}}], "landscape": None}  # fmt: skip
    result = client.post("/api/trainings", json=body).json()
    assert result["boundary"] is None and result["landscape"] is None
    assert result["runs"][0]["boundaries"] is None and result["runs"][0]["path"] is None
    assert [len(labels) for labels in result["runs"][0]["val_predictions"]] == [12, 12]  # epochs 0 and 1
    assert result["task"]["parameters"] == 65 * 4 + 5 * 10 and result["task"]["steps_per_epoch"] == 3


def test_openapi_documents_the_model_mode_routes(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    def schema(path: str, method: str, status: str = "200") -> dict:
        return paths[path][method]["responses"][status]["content"]["application/json"]["schema"]

    assert schema("/api/trainings", "post") == {"$ref": "#/components/schemas/TrainingResult"}
    assert schema("/api/datasets", "get") == {"$ref": "#/components/schemas/Datasets"}
    assert schema("/api/datasets/{dataset_id}", "get") == {"$ref": "#/components/schemas/DatasetTensors"}
    for path in ("/api/trainings", "/api/trainings/stream"):
        assert schema(path, "post", "422") == {"$ref": "#/components/schemas/ValidationErrorBody"}
    assert "application/x-ndjson" in paths["/api/trainings/stream"]["post"]["responses"]["200"]["content"]


# --- bad input: every limit of design.md §10 is a 422 at its field ---------------------------------------


def task(data: dict[str, Any] | None = None, **model: Any) -> dict[str, Any]:
    return {"data": data or TRAINING["task"]["data"], "model": TRAINING["task"]["model"] | model}


BAD_TRAININGS: dict[str, tuple[dict[str, Any], list[Any]]] = {
    "epochs over 500": (training(epochs=501), ["epochs"]),
    "no epochs": (training(epochs=0), ["epochs"]),
    "runs over 16": (training(runs=TRAINING["runs"][:1] * 17), ["runs"]),
    "no runs": (training(runs=[]), ["runs"]),
    "samples over 5 000": (
        training(task=task({"id": "moons", "params": {"n": 5001}})), ["task", "data", "params", "n"]
    ),
    "parameters over 20 000": (training(task=task(hidden=[128, 128, 128])), ["task", "model", "hidden"]),
    "more than 4 hidden layers": (training(task=task(hidden=[2] * 5)), ["task", "model", "hidden"]),
    "a layer over 128 units": (training(task=task(hidden=[8, 129])), ["task", "model", "hidden", 1]),
    "a layer of no units": (training(task=task(hidden=[0])), ["task", "model", "hidden", 0]),
    "work budget": (
        training(task=task({"id": "moons", "params": {"n": 5000}}, hidden=[100, 100]), epochs=500, landscape=None),
        ["epochs"],
    ),
    "landscape resolution over 61": (training(landscape={"resolution": 62}), ["landscape", "resolution"]),
    "landscape method": (training(landscape={"method": "hessian"}), ["landscape", "method"]),
    "batch_size 0": (training(batch_size=0), ["batch_size"]),
    "batch_size over the samples limit": (training(batch_size=5001), ["batch_size"]),
    "unknown data set": (training(task=task({"id": "mnist"})), ["task", "data", "id"]),
    "bad data param": (training(task=task({"id": "moons", "params": {"noise": "loud"}})),
                       ["task", "data", "params", "noise"]),
    "unknown activation": (training(task=task(activation="swish")), ["task", "model", "activation"]),
    "torch refuses the lr": (training(runs=[{"optimizer": {"id": "Adam", "params": {"lr": -1}}}]),
                             ["runs", 0, "optimizer", "params", "lr"]),
    "unknown optimizer": (training(runs=[{"optimizer": {"id": "__class__"}}]), ["runs", 0, "optimizer", "id"]),
    "plateau per step": (
        training(runs=[{"optimizer": {"id": "SGD"}, "scheduler": {"id": "ReduceLROnPlateau", "interval": "step"}}]),
        ["runs", 0, "scheduler", "interval"],
    ),
    "scheduler param": (
        training(runs=[{"optimizer": {"id": "SGD"}, "scheduler": {"id": "StepLR", "params": {"gamma": "x"}}}]),
        ["runs", 0, "scheduler", "params", "gamma"],
    ),
    "a start point": (training(runs=[{"optimizer": {"id": "SGD"}, "start": [0, 0]}]), ["runs", 0, "start"]),
}  # fmt: skip


@pytest.mark.parametrize("route", ["/api/trainings", "/api/trainings/stream"])
@pytest.mark.parametrize("name", BAD_TRAININGS)
def test_bad_training_is_422_at_the_field(client: httpx.Client, name: str, route: str) -> None:
    body, loc = BAD_TRAININGS[name]
    response = client.post(route, json=body)
    assert response.status_code == 422, response.text
    assert ["body", *loc] in [error["loc"] for error in response.json()["detail"]], response.text


def test_the_server_keeps_serving_after_bad_trainings(client: httpx.Client) -> None:
    for body, _ in BAD_TRAININGS.values():
        client.post("/api/trainings", json=body)
    assert client.get("/api/health").json()["status"] == "ok"
    small = training(epochs=1, runs=TRAINING["runs"][:1], landscape=None)
    assert client.post("/api/trainings", json=small).json()["runs"][0]["status"] == "completed"


# --- POST /api/code with a training run ------------------------------------------------------------------


SCRIPT_REQUEST = {
    "task": TRAINING["task"],
    "epochs": 3,
    "batch_size": 16,
    "shuffle_seed": 2,
    "run": TRAINING["runs"][1],
}


def test_code_export_of_a_training_run_is_the_engines_script(client: httpx.Client) -> None:
    response = client.post("/api/code", json=SCRIPT_REQUEST)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/x-python")
    assert 'filename="optimlab_training.py"' in response.headers["content-disposition"]
    assert response.text == training_script_for(TrainingScriptSpec.model_validate(SCRIPT_REQUEST))
    assert "ReduceLROnPlateau(opt" in response.text and 'sched.step(numbers["val_loss"])' in response.text


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"run": {"optimizer": {"id": "Adam", "params": {"lr": -1}}}}, ["run", "optimizer", "params", "lr"]),
        ({"run": {"optimizer": {"id": "SGD"}, "start": [0, 0]}}, ["run", "start"]),
        ({"epochs": 501}, ["epochs"]),
        ({"task": {"data": {"id": "mnist"}}}, ["task", "data", "id"]),
        ({"runs": []}, ["runs"]),
        ({"steps": 10}, ["steps"]),
    ],
)
def test_code_export_errors_name_the_training_requests_field(client: httpx.Client, changes: dict, loc: list) -> None:
    response = client.post("/api/code", json=SCRIPT_REQUEST | changes)
    assert response.status_code == 422, response.text
    assert ["body", *loc] in [error["loc"] for error in response.json()["detail"]], response.text


def test_code_export_without_a_task_is_still_a_surface_run(client: httpx.Client) -> None:
    body = {"surface": {"id": "rosenbrock"}, "steps": 5, "run": {"optimizer": {"id": "Adam"}}}
    assert "def f(p):" in client.post("/api/code", json=body).text
    response = client.post("/api/code", json={"steps": 5, "run": {"optimizer": {"id": "Adam"}}})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "surface"]


# --- integers as JSON Schema says (design.md §6): 16.0 is the integer 16, "16" and true are not -----------


def test_whole_number_floats_are_the_integers_they_equal(client: httpx.Client) -> None:
    small = training(epochs=2, runs=TRAINING["runs"][:1], landscape={"method": "random", "resolution": 3, "seed": 4})
    as_floats = training(
        epochs=2.0, batch_size=16.0, shuffle_seed=0.0, runs=TRAINING["runs"][:1],
        task={"data": {"id": "moons", "params": {"n": 120.0, "seed": 3.0}},
              "model": {"hidden": [8.0], "activation": "tanh", "seed": 1.0}},
        landscape={"method": "random", "resolution": 3.0, "seed": 4.0},
    )  # fmt: skip
    answers = [client.post("/api/trainings", json=body) for body in (small, as_floats)]
    assert [answer.status_code for answer in answers] == [200, 200], answers[1].text
    assert answers[1].json() == answers[0].json()


NOT_INTEGERS = {
    "a string": (training(epochs="2"), ["epochs"]),
    "a bool": (training(batch_size=True), ["batch_size"]),
    "a fraction": (training(shuffle_seed=1.5), ["shuffle_seed"]),
    "a fractional hidden size": (training(task={"data": {"id": "moons"}, "model": {"hidden": [8.5]}}),
                                 ["task", "model", "hidden", 0]),
    "a string seed in a data set": (training(task={"data": {"id": "moons", "params": {"seed": "3"}}}),
                                    ["task", "data", "params", "seed"]),
}  # fmt: skip


@pytest.mark.parametrize("name", NOT_INTEGERS)
def test_strings_bools_and_fractions_are_not_integers(client: httpx.Client, name: str) -> None:
    body, loc = NOT_INTEGERS[name]
    response = client.post("/api/trainings", json=body)
    assert response.status_code == 422, response.text
    assert [error["loc"] for error in response.json()["detail"]] == [["body", *loc]], response.text
