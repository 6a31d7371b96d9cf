"""A corpus of bad and hostile requests: each gets a 4xx with a useful detail, never a 5xx, never a hang."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.api.support import strict_loads

EXPERIMENTS = "/api/experiments"
STREAM = "/api/experiments/stream"
PER_REQUEST = httpx.Timeout(15.0, connect=5.0)


def body(runs: list[dict] | None = None, surface: dict | None = None, **fields: Any) -> dict[str, Any]:
    return {
        "surface": surface or {"id": "rosenbrock"},
        "steps": 10,
        "runs": runs or [{"optimizer": {"id": "Adam"}}],
    } | fields


def optimizer(id: str = "Adam", **params: Any) -> dict[str, Any]:
    return body([{"optimizer": {"id": id, "params": params}}])


def scheduler(id: str, optimizer_id: str = "SGD", **fields: Any) -> dict[str, Any]:
    return body([{"optimizer": {"id": optimizer_id}, "scheduler": {"id": id, **fields}}])


def expression(text: Any) -> dict[str, Any]:
    return body(surface={"id": "expression", "params": {"expression": text}})


def run_field(**fields: Any) -> dict[str, Any]:
    return body([{"optimizer": {"id": "Adam"}, **fields}])


def nested_sequential(depth: int) -> dict[str, Any]:
    spec: dict[str, Any] = {"id": "ExponentialLR"}
    for _ in range(depth):
        spec = {"id": "SequentialLR", "params": {"schedulers": [spec, {"id": "ConstantLR"}]}}
    return body([{"optimizer": {"id": "SGD"}, "scheduler": spec}])


def raw_experiment(text: str) -> str:
    """A body with a raw JSON fragment that json.dumps cannot write (NaN, huge nesting, ...)."""
    return '{"surface": {"id": "rosenbrock"}, "steps": 10, ' + text + "}"


RUNS = '"runs": [{"optimizer": {"id": "Adam"}}]'
OPT = "optimizer"
RUN0 = ["body", "runs", 0]
PARAMS = [*RUN0, OPT, "params"]
SCHED = [*RUN0, "scheduler"]


@dataclass(frozen=True)
class Case:
    name: str
    json: Any = None
    raw: str | bytes | None = None
    content_type: str = "application/json"
    path: str = EXPERIMENTS
    method: str = "POST"
    status: int = 422
    loc: list[Any] | None = field(default=None)  # the first error's loc must start with this


# A table: one case per line reads better than the formatter's layout.
# fmt: off
CORPUS = [
    # --- not JSON, or not the JSON we want
    Case("malformed-json", raw='{"surface": {"id": "rosenbrock"', loc=["body"]),
    Case("trailing-garbage", raw=raw_experiment(RUNS) + "}}", loc=["body"]),
    Case("empty-body", raw="", loc=["body"]),
    Case("binary-body", raw=b"\xff\xfe\x00\x01", loc=["body"]),
    Case("json-array", json=[], loc=["body"]),
    Case("json-string", json="rosenbrock", loc=["body"]),
    Case("json-null", json=None, raw="null", loc=["body"]),
    Case("text-plain", raw=json.dumps(body()), content_type="text/plain", loc=["body"]),
    Case("form-urlencoded", raw="surface=rosenbrock&steps=10", content_type="application/x-www-form-urlencoded"),
    Case("get-on-post-route", method="GET", status=405),
    Case("deeply-nested-json", raw="[" * 30_000 + "]" * 30_000, loc=["body"]),
    Case("deeply-nested-param", raw=raw_experiment('"runs": [{"optimizer": {"id": "Adam", "params": {"lr": '
                                                   + "[" * 20_000 + "]" * 20_000 + "}}}]"), loc=["body"]),
    Case("nested-list-param", json=optimizer(lr=json.loads("[" * 500 + "]" * 500)), loc=[*PARAMS, "lr"]),
    Case("huge-integer-literal", raw=raw_experiment('"tolerance": 1' + "0" * 5000 + ", " + RUNS), loc=["body"]),
    Case("invalid-utf-8", raw=b'{"surface": {"id": "rosenbr\xc3\x28ck"}, ' + RUNS.encode() + b"}", loc=["body"]),
    # --- NaN and Infinity literals, anywhere
    Case("steps-nan", raw='{"surface": {"id": "rosenbrock"}, "steps": NaN, ' + RUNS + "}", loc=["body", "steps"]),
    Case("lr-nan", raw=raw_experiment('"runs": [{"optimizer": {"id": "Adam", "params": {"lr": NaN}}}]'),
         loc=[*PARAMS, "lr"]),
    Case("lr-infinity", raw=raw_experiment('"runs": [{"optimizer": {"id": "SGD", "params": {"lr": Infinity}}}]'),
         loc=[*PARAMS, "lr"]),
    Case("betas-minus-infinity",
         raw=raw_experiment('"runs": [{"optimizer": {"id": "Adam", "params": {"betas": [0.9, -Infinity]}}}]'),
         loc=[*PARAMS, "betas"]),
    Case("start-nan", raw=raw_experiment('"runs": [{"start": [NaN, 1], "optimizer": {"id": "Adam"}}]'),
         loc=[*RUN0, "start"]),
    Case("tolerance-infinity", raw=raw_experiment('"tolerance": Infinity, ' + RUNS), loc=["body", "tolerance"]),
    Case("overflowing-float-literal", raw=raw_experiment('"tolerance": 1e400, ' + RUNS), loc=["body", "tolerance"]),
    Case("surface-param-nan", raw='{"surface": {"id": "rosenbrock", "params": {"a": NaN}}, ' + RUNS + "}",
         loc=["body", "surface", "params", "a"]),
    Case("noise-std-nan", raw=raw_experiment('"runs": [{"optimizer": {"id": "Adam"}, "noise": {"std": NaN}}]'),
         loc=[*RUN0, "noise", "std"]),
    # --- unknown ids and names, dunders
    Case("unknown-surface", json=body(surface={"id": "everest"}), loc=["body", "surface", "id"]),
    Case("unknown-optimizer", json=optimizer("Sophia"), loc=[*RUN0, OPT, "id"]),
    Case("unknown-scheduler", json=scheduler("WarmupLR"), loc=[*SCHED, "id"]),
    Case("optimizer-base-class", json=optimizer("Optimizer"), loc=[*RUN0, OPT, "id"]),
    Case("dunder-class-optimizer", json=optimizer("__class__"), loc=[*RUN0, OPT, "id"]),
    Case("dunder-init-optimizer", json=optimizer("__init__"), loc=[*RUN0, OPT, "id"]),
    Case("dotted-optimizer", json=optimizer("torch.optim.Adam"), loc=[*RUN0, OPT, "id"]),
    Case("dunder-scheduler", json=scheduler("__class__"), loc=[*SCHED, "id"]),
    Case("lr-scheduler-base", json=scheduler("LRScheduler"), loc=[*SCHED, "id"]),
    Case("dunder-surface", json=body(surface={"id": "__class__"}), loc=["body", "surface", "id"]),
    Case("dunder-param-class", json=optimizer(__class__=1), loc=[*PARAMS, "__class__"]),
    Case("dunder-param-init", json=optimizer(__init__={"lr": 1}), loc=[*PARAMS, "__init__"]),
    Case("hidden-param-foreach", json=optimizer(foreach=True), loc=[*PARAMS, "foreach"]),
    Case("hidden-param-params", json=optimizer(params=[1, 2]), loc=[*PARAMS, "params"]),
    Case("dunder-surface-param", json=body(surface={"id": "rosenbrock", "params": {"__dict__": 1}}),
         loc=["body", "surface", "params", "__dict__"]),
    Case("last-epoch-param", json=scheduler("StepLR", params={"last_epoch": 5}), loc=[*SCHED, "params"]),
    Case("unknown-surface-param", json=body(surface={"id": "rosenbrock", "params": {"c": 1}}),
         loc=["body", "surface", "params", "c"]),
    Case("id-not-a-string", json=optimizer(1), loc=[*RUN0, OPT, "id"]),
    Case("id-too-long", json=optimizer("A" * 5000), loc=[*RUN0, OPT, "id"]),
    # --- wrong types and arities
    Case("betas-of-three", json=optimizer(betas=[0.9, 0.99, 0.999]), loc=[*PARAMS, "betas"]),
    Case("betas-as-string", json=optimizer(betas="0.9,0.999"), loc=[*PARAMS, "betas"]),
    Case("lr-as-string", json=optimizer(lr="0.01"), loc=[*PARAMS, "lr"]),
    Case("lr-as-bool", json=optimizer(lr=True), loc=[*PARAMS, "lr"]),
    Case("lr-as-null", json=optimizer(lr=None), loc=[*PARAMS, "lr"]),
    Case("amsgrad-as-string", json=optimizer(amsgrad="true"), loc=[*PARAMS, "amsgrad"]),
    Case("int-param-fractional", json=optimizer("LBFGS", max_iter=2.5), loc=[*PARAMS, "max_iter"]),
    Case("choice-not-offered", json=optimizer("LBFGS", line_search_fn="backtracking"),
         loc=[*PARAMS, "line_search_fn"]),
    Case("params-as-list", json=body([{"optimizer": {"id": "Adam", "params": [0.01]}}]), loc=[*PARAMS]),
    Case("steps-float", json=body(steps=10.5), loc=["body", "steps"]),
    Case("steps-bool", json=body(steps=True), loc=["body", "steps"]),
    Case("steps-string", json=body(steps="10"), loc=["body", "steps"]),
    Case("steps-zero", json=body(steps=0), loc=["body", "steps"]),
    Case("steps-negative", json=body(steps=-5), loc=["body", "steps"]),
    Case("steps-beyond-limit", json=body(steps=20_001), loc=["body", "steps"]),
    Case("steps-huge", json=body(steps=10**30), loc=["body", "steps"]),
    Case("record-state-string", json=body(record_state="yes"), loc=["body", "record_state"]),
    Case("start-of-three", json=run_field(start=[1, 2, 3]), loc=[*RUN0, "start"]),
    Case("start-as-string", json=run_field(start="1,2"), loc=[*RUN0, "start"]),
    Case("start-string-coordinate", json=run_field(start=["1", 2]), loc=[*RUN0, "start"]),
    Case("runs-not-a-list", json=body(runs={"optimizer": {"id": "Adam"}}), loc=["body", "runs"]),
    Case("runs-empty", json={"surface": {"id": "rosenbrock"}, "runs": []}, loc=["body", "runs"]),
    Case("runs-beyond-limit", json=body([{"optimizer": {"id": "SGD"}}] * 17), loc=["body", "runs"]),
    Case("runs-hundreds", json=body([{"optimizer": {"id": "SGD"}}] * 900), loc=["body", "runs"]),
    Case("missing-optimizer", json=body([{"start": [0, 0]}]), loc=[*RUN0, OPT]),
    Case("label-too-long", json=run_field(label="x" * 101), loc=[*RUN0, "label"]),
    Case("noise-std-negative", json=run_field(noise={"std": -1}), loc=[*RUN0, "noise", "std"]),
    Case("noise-seed-negative", json=run_field(noise={"std": 1, "seed": -1}), loc=[*RUN0, "noise", "seed"]),
    Case("noise-seed-huge", json=run_field(noise={"std": 1, "seed": 2**64}), loc=[*RUN0, "noise", "seed"]),
    Case("interval-unknown", json=scheduler("StepLR", interval="hour"), loc=[*SCHED, "interval"]),
    Case("steps-per-epoch-zero", json=scheduler("StepLR", steps_per_epoch=0), loc=[*SCHED, "steps_per_epoch"]),
    Case("milestones-not-a-list", json=scheduler("MultiStepLR", params={"milestones": 5}),
         loc=[*SCHED, "params", "milestones"]),
    Case("milestones-too-many", json=scheduler("MultiStepLR", params={"milestones": list(range(2000))}),
         loc=[*SCHED, "params", "milestones"]),
    # --- out of range: torch's own ValueErrors, at the field
    Case("adam-lr-negative", json=optimizer(lr=-1), loc=[*PARAMS, "lr"]),
    Case("adam-beta-above-one", json=optimizer(betas=[1.5, 0.999]), loc=[*PARAMS, "betas"]),
    Case("adam-eps-negative", json=optimizer(eps=-1e-8), loc=[*PARAMS, "eps"]),
    Case("sgd-momentum-negative", json=optimizer("SGD", momentum=-0.5), loc=[*PARAMS, "momentum"]),
    Case("sgd-nesterov-without-momentum", json=optimizer("SGD", nesterov=True), loc=[*PARAMS]),
    Case("rmsprop-alpha-negative", json=optimizer("RMSprop", alpha=-1), loc=[*PARAMS, "alpha"]),
    Case("adagrad-lr-decay-negative", json=optimizer("Adagrad", lr_decay=-1), loc=[*PARAMS, "lr_decay"]),
    Case("linear-lr-start-factor", json=scheduler("LinearLR", params={"start_factor": 2}),
         loc=[*SCHED, "params", "start_factor"]),
    Case("one-cycle-total-steps-zero", json=scheduler("OneCycleLR", params={"total_steps": 0}),
         loc=[*SCHED, "params", "total_steps"]),
    Case("cyclic-momentum-on-adagrad", json=scheduler("CyclicLR", "Adagrad"), loc=[*SCHED]),
    Case("plateau-mode-unknown", json=scheduler("ReduceLROnPlateau", params={"mode": "sideways"}),
         loc=[*SCHED, "params", "mode"]),
    # --- formula and lambda injection
    Case("formula-import", json=expression("__import__('os').system('id')"),
         loc=["body", "surface", "params", "expression"]),
    Case("formula-dunder-attribute", json=expression("x.__class__"), loc=["body", "surface", "params", "expression"]),
    Case("formula-lambda", json=expression("(lambda: 1)()"), loc=["body", "surface", "params", "expression"]),
    Case("formula-statement", json=expression("x; import os"), loc=["body", "surface", "params", "expression"]),
    Case("formula-unknown-function", json=expression("eval('1')"), loc=["body", "surface", "params", "expression"]),
    Case("formula-too-long", json=expression("x" + "+x" * 250), loc=["body", "surface", "params", "expression"]),
    Case("formula-deep-nesting", json=expression("(" * 200 + "x" + ")" * 200),
         loc=["body", "surface", "params", "expression"]),
    Case("formula-deep-powers", json=expression("x" + "**x" * 150), loc=["body", "surface", "params", "expression"]),
    Case("formula-caret", json=expression("x^2 + y^2"), loc=["body", "surface", "params", "expression"]),
    Case("formula-empty", json=expression(""), loc=["body", "surface", "params", "expression"]),
    Case("formula-not-a-string", json=expression(["x"]), loc=["body", "surface", "params", "expression"]),
    Case("formula-null-byte", json=expression("x\x00+y"), loc=["body", "surface", "params", "expression"]),
    Case("lambda-import", json=scheduler("LambdaLR", params={"lr_lambda": "__import__('os').getcwd()"}),
         loc=[*SCHED, "params", "lr_lambda"]),
    Case("lambda-wrong-variable", json=scheduler("LambdaLR", params={"lr_lambda": "0.9 ** x"}),
         loc=[*SCHED, "params", "lr_lambda"]),
    Case("lambda-not-a-string", json=scheduler("MultiplicativeLR", params={"lr_lambda": 0.9}),
         loc=[*SCHED, "params", "lr_lambda"]),
    # --- nested schedulers
    Case("sequential-too-deep", json=nested_sequential(8), loc=[*SCHED]),
    Case("sequential-not-a-list", json=scheduler("SequentialLR", params={"schedulers": {"id": "StepLR"}}),
         loc=[*SCHED, "params", "schedulers"]),
    Case("sequential-empty", json=scheduler("SequentialLR", params={"schedulers": []}),
         loc=[*SCHED, "params", "schedulers"]),
    Case("sequential-too-many", json=scheduler("SequentialLR", params={"schedulers": [{"id": "StepLR"}] * 50}),
         loc=[*SCHED, "params", "schedulers"]),
    Case("sequential-unknown-child", json=scheduler("SequentialLR", params={"schedulers": [{"id": "__init__"}]}),
         loc=[*SCHED, "params", "schedulers", 0]),
    Case("sequential-child-not-a-spec", json=scheduler("ChainedScheduler", params={"schedulers": [5]}),
         loc=[*SCHED, "params", "schedulers", 0]),
    Case("schedulers-param-on-steplr", json=scheduler("StepLR", params={"schedulers": []}),
         loc=[*SCHED, "params", "schedulers"]),
    # --- extra fields: a typo is an error, not a silent default
    Case("extra-top-level-field", json=body(stpes=100), loc=["body", "stpes"]),
    Case("extra-run-field", json=run_field(optimiser={"id": "SGD"}), loc=[*RUN0, "optimiser"]),
    Case("extra-optimizer-field", json=body([{"optimizer": {"id": "SGD", "lr": 0.1}}]), loc=[*RUN0, OPT, "lr"]),
    Case("extra-noise-field", json=run_field(noise={"std": 1, "sigma": 2}), loc=[*RUN0, "noise", "sigma"]),
    # --- sizes
    Case("body-over-64-kib", json=run_field(label="x" * 70_000), status=413),
    Case("stream-body-over-64-kib", json=run_field(label="x" * 70_000), path=STREAM, status=413),
    Case("stream-unknown-optimizer", json=optimizer("__class__"), path=STREAM, loc=[*RUN0, OPT, "id"]),
    Case("stream-malformed-json", raw="{", path=STREAM, loc=["body"]),
    # --- the other routes
    Case("grid-formula-injection", method="GET", path="/api/surfaces/expression/grid?expression=__import__('os')",
         loc=["query", "expression"]),
    Case("grid-dunder-surface", method="GET", path="/api/surfaces/__class__/grid", loc=["path", "surface_id"]),
    Case("grid-resolution-huge", method="GET", path="/api/surfaces/rosenbrock/grid?resolution=1000000",
         loc=["query", "resolution"]),
    Case("grid-bound-infinite", method="GET", path="/api/surfaces/rosenbrock/grid?x_max=inf",
         loc=["query", "x_max"]),
    Case("grid-x-range-overflows", method="GET", path="/api/surfaces/rosenbrock/grid?x_min=-1e308&x_max=1e308",
         loc=["query", "x_max"]),
    Case("grid-y-range-overflows", method="GET", path="/api/surfaces/rosenbrock/grid?y_min=-1e308&y_max=1e308",
         loc=["query", "y_max"]),
    Case("code-unknown-optimizer", path="/api/code",
         json={"surface": {"id": "rosenbrock"}, "run": {"optimizer": {"id": "__class__"}}},
         loc=["body", "run", OPT, "id"]),
    Case("code-steps-beyond-limit", path="/api/code",
         json={"surface": {"id": "rosenbrock"}, "steps": 10**9, "run": {"optimizer": {"id": "SGD"}}},
         loc=["body", "steps"]),
]
# fmt: on


@pytest.fixture(scope="module")
def client(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url, timeout=PER_REQUEST) as client:
        yield client


def send(client: httpx.Client, case: Case) -> httpx.Response:
    headers = {"content-type": case.content_type}
    if case.raw is not None:
        return client.request(case.method, case.path, content=case.raw, headers=headers)
    if case.method == "GET":
        return client.get(case.path)
    return client.request(case.method, case.path, content=json.dumps(case.json), headers=headers)


def test_corpus_is_large_and_names_are_unique() -> None:
    assert len(CORPUS) >= 50
    assert len({case.name for case in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("case", CORPUS, ids=[case.name for case in CORPUS])
def test_bad_request_gets_a_4xx_with_a_useful_detail(client: httpx.Client, case: Case) -> None:
    began = time.monotonic()
    response = send(client, case)
    assert time.monotonic() - began < 10, "no request hangs"
    assert response.status_code == case.status, response.text[:500]
    detail = strict_loads(response.text)["detail"]
    if response.status_code == 422:
        assert isinstance(detail, list) and detail
        for error in detail:
            assert isinstance(error["loc"], list) and error["loc"][0] in ("body", "query", "path")
            assert isinstance(error["msg"], str) and error["msg"]
        if case.loc is not None:
            assert detail[0]["loc"][: len(case.loc)] == case.loc, detail
    else:
        assert isinstance(detail, str) and detail


def test_a_whole_number_float_is_that_integer(client: httpx.Client) -> None:
    """JSON Schema's `integer` includes 10.0 (design.md §6 request integers): the same bytes as 10."""
    as_float = client.post("/api/experiments", json=body(steps=10.0))
    as_int = client.post("/api/experiments", json=body(steps=10))
    assert as_float.status_code == as_int.status_code == 200
    assert as_float.content == as_int.content


def test_formula_parts_that_overflow_are_values_not_errors_nor_hangs(client: httpx.Client) -> None:
    began = time.monotonic()
    response = client.post(EXPERIMENTS, json=expression("x**2 + y**2 + 9**9**9**9 * 0"))
    assert time.monotonic() - began < 10
    assert response.status_code == 200
    run = strict_loads(response.text)["runs"][0]
    assert run["status"] == "diverged" and run["diverged_at"] == 0 and run["x"] == []


def test_server_still_healthy_after_the_corpus(client: httpx.Client) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"
