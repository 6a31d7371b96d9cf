"""Every design.md §6 endpoint and error shape, against the real server."""

from __future__ import annotations

import math
from collections.abc import Iterator

import httpx
import pytest
from pydantic import BaseModel

from app.api.jsonio import PIECE_ITEMS, dumps, dumps_in_pieces
from app.api.schemas import Catalog, ExperimentResult, Grid, Health, SweepResult
from app.main import create_app
from app.settings import Settings
from tests.api.support import experiment, run_async, strict_loads

SPEC_OPTIMIZERS = {
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "Adadelta",
    "Adamax",
    "NAdam",
    "RAdam",
    "ASGD",
    "Rprop",
    "LBFGS",
    "Adafactor",
}
SPEC_SCHEDULERS = {
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "OneCycleLR",
    "LinearLR",
    "ConstantLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "LambdaLR",
    "MultiplicativeLR",
    "SequentialLR",
    "ChainedScheduler",
}
SPEC_SURFACES = {
    "quadratic",
    "rosenbrock",
    "beale",
    "himmelblau",
    "rastrigin",
    "ackley",
    "saddle",
    "booth",
    "goldstein_price",
    "six_hump_camel",
    "expression",
}
KINDS = {"float", "int", "bool", "choice", "float_pair", "int_list", "formula", "schedulers"}
HIDDEN = {"params", "optimizer", "foreach", "fused", "capturable", "differentiable", "last_epoch", "verbose"}
DERIVED = {
    ("CosineAnnealingLR", "T_max"),
    ("CosineAnnealingWarmRestarts", "T_0"),
    ("OneCycleLR", "total_steps"),
    ("OneCycleLR", "max_lr"),
    ("CyclicLR", "base_lr"),
    ("CyclicLR", "max_lr"),
    ("CyclicLR", "step_size_up"),
    ("StepLR", "step_size"),
    ("MultiStepLR", "milestones"),
}
RUN_KEYS = {
    "label",
    "scheduler",
    "status",
    "diverged_at",
    "failed_at",
    "error",
    "x",
    "y",
    "loss",
    "lr",
    "momentum",
    "summary",
}
SUMMARY_KEYS = {"final_loss", "best_loss", "steps_to_tolerance", "distance_to_minimum", "measured_rate", "theory_rate"}


def assert_422(response: httpx.Response, loc: list) -> dict:
    """FastAPI's 422 shape with `loc` pointing at the offending field; returns that error."""
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail
    for error in detail:
        assert set(error) == {"loc", "msg", "type"} and error["msg"]
    assert detail[0]["loc"] == loc, detail
    return detail[0]


# --- health, catalog, docs ----------------------------------------------------------------------------


def test_health_reports_ok_and_versions(client: httpx.Client) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    body = strict_loads(response.text)
    assert body["status"] == "ok"
    assert isinstance(body["version"], str) and body["version"]
    assert isinstance(body["torch"], str) and body["torch"][0].isdigit()
    assert set(body["computations"]) == {"active", "cancelled", "computed", "shared", "workers", "replaced"}


def test_catalog_lists_spec_surfaces_optimizers_schedulers_and_limits(catalog: dict) -> None:
    assert set(catalog) == {"surfaces", "optimizers", "schedulers", "limits"}
    assert {s["id"] for s in catalog["surfaces"]} >= SPEC_SURFACES
    torch_optimizers = {o["id"] for o in catalog["optimizers"] if o["source"] == "torch"}
    assert torch_optimizers >= SPEC_OPTIMIZERS
    assert {s["id"] for s in catalog["schedulers"]} >= SPEC_SCHEDULERS
    limits = catalog["limits"]
    assert limits["max_steps"] == 20_000 and limits["max_runs"] == 16
    assert limits["max_body_bytes"] == 64 * 1024 and limits["max_formula_length"] == 500
    assert limits["max_seconds"] > 0


def test_catalog_surfaces_carry_formula_domain_start_and_minima(catalog: dict) -> None:
    rosenbrock = next(s for s in catalog["surfaces"] if s["id"] == "rosenbrock")
    assert rosenbrock["params"] == {"a": 1.0, "b": 100.0}
    assert rosenbrock["start"] == [-1.5, 2.0]
    assert rosenbrock["minima"] == [{"point": [1.0, 1.0], "value": 0.0}]
    assert set(rosenbrock["domain"]) == {"x", "y"}
    saddle = next(s for s in catalog["surfaces"] if s["id"] == "saddle")
    assert saddle["minima"] == []


def test_catalog_params_have_known_kinds_and_hide_implementation_switches(catalog: dict) -> None:
    for entry in catalog["optimizers"] + catalog["schedulers"]:
        assert {"id", "name", "source", "doc", "params"} <= set(entry)
        for param in entry["params"]:
            assert {"name", "kind", "default"} <= set(param)
            assert param["kind"] in KINDS, (entry["id"], param)
            assert param["name"] not in HIDDEN, (entry["id"], param["name"])
            if param["kind"] == "choice":
                assert param["default"] in param["choices"]


def test_catalog_uses_torch_names_and_defaults(catalog: dict) -> None:
    adam = {p["name"]: p for p in next(o for o in catalog["optimizers"] if o["id"] == "Adam")["params"]}
    assert adam["lr"] == {"name": "lr", "kind": "float", "default": 0.001}
    assert adam["betas"]["kind"] == "float_pair" and adam["betas"]["default"] == [0.9, 0.999]
    assert adam["amsgrad"]["kind"] == "bool"
    lbfgs = {p["name"]: p for p in next(o for o in catalog["optimizers"] if o["id"] == "LBFGS")["params"]}
    assert lbfgs["line_search_fn"]["choices"] == [None, "strong_wolfe"]


def test_catalog_flags_scheduler_params_derived_from_the_experiment(catalog: dict) -> None:
    flagged = {(s["id"], p["name"]) for s in catalog["schedulers"] for p in s["params"] if p.get("derived")}
    assert flagged >= DERIVED
    kinds = {(s["id"], p["name"]): p["kind"] for s in catalog["schedulers"] for p in s["params"]}
    assert kinds[("LambdaLR", "lr_lambda")] == "formula"
    assert kinds[("SequentialLR", "schedulers")] == "schedulers"
    assert kinds[("MultiStepLR", "milestones")] == "int_list"


def test_openapi_docs_are_served(client: httpx.Client) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/health", "/api/catalog", "/api/experiments", "/api/experiments/stream"} <= set(paths)


def assert_security_headers(headers: httpx.Headers) -> None:
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


def test_responses_carry_security_headers(client: httpx.Client) -> None:
    assert_security_headers(client.get("/api/health").headers)


def test_an_unexpected_exception_is_a_400_with_the_security_headers() -> None:
    """No request we know of reaches the last resort (the fuzz tests hunt for one), so a fresh app gets
    one extra route that fails; the middleware and handlers are the shipped ones."""
    app = create_app(Settings())

    @app.get("/api/failing-on-purpose")
    async def failing() -> None:
        raise RuntimeError("a bug")

    async def get() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://local") as local:
            return await local.get("/api/failing-on-purpose")

    response = run_async(get)
    assert response.status_code == 400
    assert response.json()["detail"] == "the request could not be processed (RuntimeError); it was logged"
    assert_security_headers(response.headers)


def test_openapi_documents_every_response(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    def schema(path: str, method: str, status: str = "200") -> dict:
        return paths[path][method]["responses"][status]["content"]["application/json"]["schema"]

    for path, method, model in [
        ("/api/health", "get", "Health"),
        ("/api/catalog", "get", "Catalog"),
        ("/api/surfaces/{surface_id}/grid", "get", "Grid"),
        ("/api/experiments", "post", "ExperimentResult"),
        ("/api/sweeps", "post", "SweepResult"),
    ]:
        assert schema(path, method) == {"$ref": f"#/components/schemas/{model}"}
    for path in ("/api/experiments", "/api/experiments/stream", "/api/sweeps", "/api/sweeps/stream", "/api/code"):
        assert schema(path, "post", "422") == {"$ref": "#/components/schemas/ValidationErrorBody"}
        assert (
            schema(path, "post", "413") == schema(path, "post", "503") == {"$ref": "#/components/schemas/MessageBody"}
        )
        assert "Retry-After" in paths[path]["post"]["responses"]["503"]["headers"]


def assert_described_exactly(model: type[BaseModel], document: dict) -> None:
    """The model accepts the document and knows every field in it (nothing is dropped on the way back)."""
    assert model.model_validate(document).model_dump(mode="json", exclude_unset=True) == document


def test_response_models_describe_real_responses(client: httpx.Client, catalog: dict) -> None:
    assert_described_exactly(Health, client.get("/api/health").json())
    assert_described_exactly(Catalog, catalog)
    assert_described_exactly(Grid, client.get("/api/surfaces/rosenbrock/grid", params={"resolution": 5}).json())
    runs = [
        {"optimizer": {"id": "Adam"}},
        {"optimizer": {"id": "LBFGS"}, "scheduler": {"id": "ReduceLROnPlateau"}},
        {"optimizer": {"id": "SGD", "params": {"lr": 1e30}}},
        {"optimizer": {"id": "SGD"}, "scheduler": {"id": "OneCycleLR", "params": {"total_steps": 1}}},
    ]
    for record_state in (False, True):
        body = experiment("expression", 3, *runs, record_state=record_state)
        assert_described_exactly(ExperimentResult, client.post("/api/experiments", json=body).json())
    run = {"optimizer": {"id": "SGD", "params": {"lr": 0.01}}, "noise": {"std": 0.5, "seed": 1}}
    for vary in [
        {"kind": "start", "resolution": 2},
        {"kind": "param", "values": [1e-3, 1e9]},
        {"kind": "param", "values": [1e9]},
        {"kind": "seed", "seeds": [1, 2]},
        {"kind": "grid2", "x": {"name": "lr", "values": [0.01, 1e9]}, "y": {"name": "momentum", "values": [0.5]}},
    ]:
        body = {"surface": {"id": "himmelblau"}, "steps": 3, "run": run, "vary": vary}
        response = client.post("/api/sweeps", json=body)
        assert_described_exactly(SweepResult, response.json())


# --- grids ---------------------------------------------------------------------------------------------


def rosenbrock(x: float, y: float, a: float = 1.0, b: float = 100.0) -> float:
    return (a - x) ** 2 + b * (y - x**2) ** 2


def himmelblau(x: float, y: float) -> float:
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


@pytest.mark.parametrize(
    ("surface", "params", "f"),
    [
        ("rosenbrock", {}, rosenbrock),
        ("rosenbrock", {"a": 2, "b": 5}, lambda x, y: rosenbrock(x, y, 2, 5)),
        ("himmelblau", {}, himmelblau),
        ("expression", {"expression": "x**2 + 3*y - sin(x*y)"}, lambda x, y: x**2 + 3 * y - math.sin(x * y)),
    ],
)
def test_grid_z_rows_are_y_and_columns_are_x(client: httpx.Client, surface: str, params: dict, f) -> None:
    query = {"resolution": 7, "x_min": -2, "x_max": 1, "y_min": 0.5, "y_max": 3} | params
    response = client.get(f"/api/surfaces/{surface}/grid", params=query)
    assert response.status_code == 200, response.text
    grid = strict_loads(response.text)
    assert len(grid["x"]) == len(grid["y"]) == 7
    assert grid["x"][0] == -2 and grid["x"][-1] == 1 and grid["y"][0] == 0.5 and grid["y"][-1] == 3
    assert len(grid["z"]) == 7 and all(len(row) == 7 for row in grid["z"])
    for j, i in [(0, 0), (0, 6), (6, 0), (2, 5), (5, 2), (6, 6)]:
        assert grid["z"][j][i] == pytest.approx(f(grid["x"][i], grid["y"][j]), rel=1e-12, abs=1e-12)


def test_grid_defaults_to_the_surface_domain(client: httpx.Client) -> None:
    grid = client.get("/api/surfaces/booth/grid", params={"resolution": 3}).json()
    assert grid["x"] == [-10.0, 0.0, 10.0] and grid["y"] == [-10.0, 0.0, 10.0]


def test_grid_points_where_f_is_not_finite_are_null(client: httpx.Client) -> None:
    params = {"expression": "log(x)", "resolution": 3, "x_min": -1, "x_max": 1}
    response = client.get("/api/surfaces/expression/grid", params=params)
    grid = strict_loads(response.text)
    assert [row[0] for row in grid["z"]] == [None, None, None]  # log(-1)
    assert grid["z"][0][2] == 0.0


def test_grid_bad_formula_is_422_naming_the_position(client: httpx.Client) -> None:
    response = client.get("/api/surfaces/expression/grid", params={"expression": "x**2 + * y"})
    error = assert_422(response, ["query", "expression"])
    assert "position 7" in error["msg"]


@pytest.mark.parametrize(
    ("path", "params", "loc"),
    [
        ("/api/surfaces/nope/grid", {}, ["path", "surface_id"]),
        ("/api/surfaces/rosenbrock/grid", {"resolution": 1}, ["query", "resolution"]),
        ("/api/surfaces/rosenbrock/grid", {"resolution": 100_000}, ["query", "resolution"]),
        ("/api/surfaces/rosenbrock/grid", {"x_min": "nan"}, ["query", "x_min"]),
        ("/api/surfaces/rosenbrock/grid", {"x_min": 2, "x_max": 1}, ["query", "x_min"]),
        ("/api/surfaces/rosenbrock/grid", {"y_min": 2, "y_max": 1}, ["query", "y_min"]),
        ("/api/surfaces/rosenbrock/grid", {"x_min": -1e308, "x_max": 1e308}, ["query", "x_max"]),
        ("/api/surfaces/rosenbrock/grid", {"y_min": -1e308, "y_max": 1e308}, ["query", "y_max"]),
        ("/api/surfaces/rosenbrock/grid", {"a": "abc"}, ["query", "a"]),
        ("/api/surfaces/rosenbrock/grid", {"c": 1}, ["query", "c"]),
    ],
)
def test_grid_errors_point_at_the_parameter(client: httpx.Client, path: str, params: dict, loc: list) -> None:
    assert_422(client.get(path, params=params), loc)


# --- experiments -----------------------------------------------------------------------------------------


def test_experiment_result_has_the_spec_shape(client: httpx.Client) -> None:
    body = experiment(
        "rosenbrock",
        50,
        {"label": "mine", "start": [0.5, 0.5], "optimizer": {"id": "Adam", "params": {"lr": 0.01}}},
        {"optimizer": {"id": "SGD"}, "scheduler": {"id": "StepLR", "params": {"step_size": 10}}},
    )
    response = client.post("/api/experiments", json=body)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    result = strict_loads(response.text)
    assert set(result) == {"surface", "steps", "runs"}
    assert result["steps"] == 50 and result["surface"]["id"] == "rosenbrock"
    assert [run["label"] for run in result["runs"]] == ["mine", "SGD, StepLR"]
    for run in result["runs"]:
        assert set(run) == RUN_KEYS
        assert run["status"] == "completed"
        assert run["diverged_at"] is run["failed_at"] is run["error"] is None
        assert all(len(run[key]) == 51 for key in ("x", "y", "loss", "lr"))
        assert set(run["summary"]) == SUMMARY_KEYS
        assert run["summary"]["final_loss"] == run["loss"][-1]
        assert run["summary"]["best_loss"] == min(run["loss"])
        assert run["summary"]["distance_to_minimum"] == pytest.approx(math.dist((run["x"][-1], run["y"][-1]), (1, 1)))
    mine, stepped = result["runs"]
    assert [mine["x"][0], mine["y"][0]] == [0.5, 0.5]
    assert mine["loss"][0] == rosenbrock(0.5, 0.5)
    assert stepped["lr"][9] == 0.001 and stepped["lr"][10] == pytest.approx(0.0001)


def test_whole_result_is_one_compact_strict_json_document(client: httpx.Client) -> None:
    """Built and encoded in pieces on a worker thread, yet byte for byte what one dumps() call writes."""
    body = experiment("rosenbrock", 3 * PIECE_ITEMS, {"optimizer": {"id": "Adam"}}, record_state=True)
    response = client.post("/api/experiments", json=body)
    assert response.status_code == 200
    assert response.content == dumps(strict_loads(response.content)).encode()


@pytest.mark.parametrize(
    "document",
    [
        {},
        [],
        [[]],
        {"a": [0.5] * (PIECE_ITEMS * 2 + 1)},
        [[0.1] * (PIECE_ITEMS + 1)] * 3,
        [1, {"é\n": [None]}, [2]],
        [[1.0, 2.0]] * (PIECE_ITEMS + 7),
        {1: "non-string keys"},
        {"nested": {"deeper": [{"x": []}] * 3}},
    ],
)
def test_encoding_in_pieces_writes_what_dumps_writes(document: object) -> None:
    assert dumps_in_pieces(document) == dumps(document)


def test_steps_to_tolerance_is_the_first_step_within_tolerance(client: httpx.Client) -> None:
    body = experiment("quadratic", 100, {"optimizer": {"id": "SGD", "params": {"lr": 0.1}}}, tolerance=1e-3)
    run = client.post("/api/experiments", json=body).json()["runs"][0]
    first = next(k for k, loss in enumerate(run["loss"]) if loss <= 1e-3)
    assert run["summary"]["steps_to_tolerance"] == first


def test_a_run_whose_scheduler_refuses_a_further_step_fails_alone(client: httpx.Client) -> None:
    body = experiment(
        "quadratic",
        20,
        {"optimizer": {"id": "SGD"}, "scheduler": {"id": "OneCycleLR", "params": {"total_steps": 10}}},
        {"optimizer": {"id": "Adam"}},
    )
    failed, other = client.post("/api/experiments", json=body).json()["runs"]
    assert failed["status"] == "failed" and failed["diverged_at"] is None
    assert failed["failed_at"] == 11
    assert failed["error"].startswith("ValueError: ") and "total steps is 10" in failed["error"]
    assert all(len(failed[key]) == 11 for key in ("x", "y", "loss", "lr")), "arrays end at the last record"
    assert failed["summary"]["final_loss"] == failed["loss"][-1]
    assert other["status"] == "completed" and len(other["x"]) == 21


def test_an_lbfgs_line_search_that_divides_by_zero_fails_the_run(client: httpx.Client) -> None:
    # lr=0 makes strong-Wolfe interpolate between two equal step lengths: torch raises ZeroDivisionError.
    lbfgs = {"optimizer": {"id": "LBFGS", "params": {"lr": 0, "line_search_fn": "strong_wolfe"}}}
    run = client.post("/api/experiments", json=experiment("rosenbrock", 5, lbfgs)).json()["runs"][0]
    assert run["status"] == "failed"
    assert run["error"] == "ZeroDivisionError: float division by zero"
    assert len(run["x"]) == run["failed_at"]


def test_torch_constructor_errors_are_422_at_the_field(client: httpx.Client) -> None:
    adam, bad = {"optimizer": {"id": "Adam"}}, {"optimizer": {"id": "Adam", "params": {"lr": -1}}}
    response = client.post("/api/experiments", json=experiment("rosenbrock", 10, adam, adam, bad))
    error = assert_422(response, ["body", "runs", 2, "optimizer", "params", "lr"])
    assert "Invalid learning rate" in error["msg"]


def test_scheduler_constructor_errors_are_422_at_the_field(client: httpx.Client) -> None:
    run = {"optimizer": {"id": "SGD"}, "scheduler": {"id": "LinearLR", "params": {"start_factor": 2}}}
    response = client.post("/api/experiments/stream", json=experiment("rosenbrock", 10, run))
    assert_422(response, ["body", "runs", 0, "scheduler", "params", "start_factor"])


@pytest.mark.parametrize(
    ("clip", "loc", "words"),
    [({"norm": 1.0, "value": 0.5}, [], "exactly one"), ({}, [], "exactly one"), ({"norm": -1}, ["norm"], "greater"),
     ({"value": "NaN"}, ["value"], "number")],
    ids=["both", "neither", "negative", "nan"],
)  # fmt: skip
def test_a_bad_gradient_clip_is_422_at_the_field(client: httpx.Client, clip: dict, loc: list, words: str) -> None:
    adam = {"optimizer": {"id": "Adam"}}
    response = client.post("/api/experiments", json=experiment("rosenbrock", 10, adam, adam | {"clip": clip}))
    error = assert_422(response, ["body", "runs", 1, "clip", *loc])
    assert words in error["msg"]


def test_bad_custom_formula_is_422_naming_the_position(client: httpx.Client) -> None:
    body = experiment()
    body["surface"] = {"id": "expression", "params": {"expression": "x**2 + y^2"}}
    error = assert_422(client.post("/api/experiments", json=body), ["body", "surface", "params", "expression"])
    assert "position 8" in error["msg"] and "**" in error["msg"]


@pytest.mark.parametrize("value", ["NaN", "true", "[1]", "null", '"abc"'])
def test_bad_surface_parameter_is_one_error_at_the_parameter(client: httpx.Client, value: str) -> None:
    raw = '{"surface": {"id": "rosenbrock", "params": {"a": ' + value + '}}, "runs": [{"optimizer": {"id": "SGD"}}]}'
    response = client.post("/api/experiments", content=raw, headers={"content-type": "application/json"})
    assert_422(response, ["body", "surface", "params", "a"])
    assert len(response.json()["detail"]) == 1


def test_body_over_64_kib_is_413(client: httpx.Client) -> None:
    body = experiment(label="x" * 70_000)
    response = client.post("/api/experiments", json=body)
    assert response.status_code == 413 and "detail" in response.json()


def test_body_over_64_kib_without_content_length_is_413(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"surface": {"id": "rosenbrock"}, "runs": [], "padding": "'
        for _ in range(80):
            yield b"x" * 1024
        yield b'"}'

    response = client.post("/api/experiments", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_code_export_is_a_python_script(client: httpx.Client) -> None:
    body = {"surface": {"id": "rosenbrock"}, "steps": 10, "run": {"optimizer": {"id": "Adam"}}}
    response = client.post("/api/code", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/x-python")
    compile(response.text, "optimlab_run.py", "exec")
    assert "import torch" in response.text
