"""Fuzzing the real server: no request gets a 5xx, every error says what is wrong, results are strict JSON.

(a) Hypothesis builds experiment, code and sweep requests from the catalog the server publishes,
    valid-looking ones and mutations of them (fields dropped, wrong types, huge numbers, NaN and
    Infinity as raw JSON text, random ids and parameter names), and posts them with httpx.
(b) Schemathesis generates requests for every operation in /openapi.json, positive and negative,
    and runs all its checks (`--checks all`): no server error, responses, statuses and headers as
    declared, invalid data refused, and valid data accepted but for what only the catalog decides.

Both are bounded (a few hundred requests each, with tiny step counts) and derandomized, so a CI run
is fast and repeatable.
"""

from __future__ import annotations

import ast
import copy
import functools
import io
import json
import math
import tokenize
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
)

from tests.api.support import strict_loads

EXPERIMENTS = "/api/experiments"
STREAM = "/api/experiments/stream"
CODE = "/api/code"
SWEEPS = "/api/sweeps"
SWEEP_STREAM = "/api/sweeps/stream"
MAX_STEPS = 12
# Where a valid request's size is, and how large the schema fuzzing lets it be (a training on a busy machine
# must answer within the request timeout).
SMALL = {("steps",): MAX_STEPS, ("epochs",): 2, ("landscape", "resolution"): 5, ("task", "data", "params", "n"): 60}
FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

# --- valid-looking requests, built from the server's own catalog ----------------------------------

small_floats = st.one_of(
    st.sampled_from([0.0, 1e-3, 0.01, 0.1, 0.5, 0.9, 0.99, 1.0]),
    st.floats(min_value=-2.0, max_value=2.0, allow_nan=False),
)
formulas = st.sampled_from(["0.99 ** epoch", "0.95", "1 / (1 + epoch)", "x**2 + 10*y**2", "sin(x) * cos(y)"])


@dataclass(frozen=True)
class RequestStrategies:
    experiment: st.SearchStrategy[dict[str, Any]]
    code: st.SearchStrategy[dict[str, Any]]
    sweep: st.SearchStrategy[dict[str, Any]]


def value_for(param: dict[str, Any], scheduler_ids: list[str]) -> st.SearchStrategy[Any]:
    """A plausible value for one catalog parameter, by its kind (design.md §6)."""
    by_kind: dict[str, st.SearchStrategy[Any]] = {
        "float": small_floats,
        "int": st.integers(0, 30),
        "bool": st.booleans(),
        "choice": st.sampled_from(param.get("choices") or [None]),
        "float_pair": st.lists(st.floats(0.0, 1.0), min_size=2, max_size=2),
        "int_list": st.lists(st.integers(0, MAX_STEPS), max_size=4),
        "formula": formulas | st.text(max_size=20),
        "schedulers": st.lists(st.fixed_dictionaries({"id": st.sampled_from(scheduler_ids)}), min_size=1, max_size=3),
    }
    return st.just(param.get("default")) | by_kind.get(param["kind"], st.none())


def params_for(entry: dict[str, Any], scheduler_ids: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional={p["name"]: value_for(p, scheduler_ids) for p in entry["params"]})


def request_strategies(catalog: dict[str, Any]) -> RequestStrategies:
    scheduler_ids = [s["id"] for s in catalog["schedulers"] if not any(p["kind"] == "schedulers" for p in s["params"])]

    def surface(entry: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        params = {name: st.just(value) | small_floats for name, value in entry["params"].items()}
        if entry["id"] == "expression":
            params = {"expression": formulas | st.text(max_size=40)}
        return st.fixed_dictionaries({"id": st.just(entry["id"])}, optional={"params": st.fixed_dictionaries(params)})

    surfaces = st.sampled_from(catalog["surfaces"]).flatmap(surface)
    schedulers = st.sampled_from(catalog["schedulers"]).flatmap(
        lambda entry: st.fixed_dictionaries(
            {"id": st.just(entry["id"])},
            optional={
                "params": params_for(entry, scheduler_ids),
                "interval": st.sampled_from(["step", "epoch"]),
                "steps_per_epoch": st.integers(1, 4),
            },
        )
    )
    noise = st.fixed_dictionaries({}, optional={"std": st.floats(0.0, 1.0), "seed": st.integers(0, 2**32)})

    def run(entry: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        params = params_for(entry, scheduler_ids)
        optimizer = st.fixed_dictionaries({"id": st.just(entry["id"])}, optional={"params": params})
        return st.fixed_dictionaries(
            {"optimizer": optimizer},
            optional={
                "label": st.text(max_size=20),
                "start": st.lists(st.floats(-3.0, 3.0), min_size=2, max_size=2),
                "scheduler": st.none() | schedulers,
                "noise": st.none() | noise,
            },
        )

    optimizers = st.sampled_from(catalog["optimizers"])
    runs = optimizers.flatmap(run)
    steps = st.integers(1, MAX_STEPS)
    experiment = st.fixed_dictionaries(
        {"surface": surfaces, "steps": steps, "runs": st.lists(runs, min_size=1, max_size=3)},
        optional={"tolerance": st.floats(0.0, 0.1), "record_state": st.booleans()},
    )
    code = st.fixed_dictionaries({"surface": surfaces, "steps": steps, "run": runs})

    def sweep(entry: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        names = st.sampled_from([p["name"] for p in entry["params"] if p["kind"] == "float"] or ["lr"])
        values = st.lists(st.floats(1e-4, 1.0), min_size=1, max_size=4)
        span = st.lists(st.floats(-3.0, 3.0), min_size=2, max_size=2).map(sorted)
        seeds = st.lists(st.integers(0, 1000), min_size=1, max_size=4)
        vary = st.one_of(
            st.fixed_dictionaries({"kind": st.just("start"), "x": span, "y": span, "resolution": st.integers(2, 4)}),
            st.fixed_dictionaries({"kind": st.just("param"), "name": names, "values": values}),
            st.fixed_dictionaries({"kind": st.just("seed"), "seeds": seeds}),
            st.fixed_dictionaries({"kind": st.just("grid2"),
                                   "x": st.fixed_dictionaries({"name": names, "values": values}),
                                   "y": st.fixed_dictionaries({"name": names, "values": values})}),
        )  # fmt: skip
        return st.fixed_dictionaries(
            {"surface": surfaces, "steps": steps, "run": run(entry), "vary": vary},
            optional={"tolerance": st.floats(0.0, 0.1)},
        )

    return RequestStrategies(experiment, code, optimizers.flatmap(sweep))


# --- mutations: what a confused or hostile client sends --------------------------------------------

HUGE_INT = "\x00huge-int\x00"  # 5000 digits: more than Python's int parser accepts by default
weird_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10),
    st.sampled_from([2**31, 2**53 + 1, 2**63, 2**64, 10**30, -(10**30), HUGE_INT]),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324]),  # sent as raw NaN / Infinity
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["", "Adam", "rosenbrock", "__class__", "__init__", "torch.optim.SGD", "../etc/passwd", "x" * 300]),
    st.lists(st.integers(-5, 5), max_size=3),
    st.dictionaries(st.text(max_size=6), st.integers(-5, 5), max_size=2),
)
Location = tuple[str | int, ...]


def paths(node: Any, prefix: Location = ()) -> Iterator[Location]:
    """Every place in a JSON document: the root, each value inside it."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths(value, (*prefix, index))


def parent_of(document: Any, path: Location) -> Any:
    for key in path[:-1]:
        document = document[key]
    return document


@st.composite
def mutated(draw: st.DrawFn, documents: st.SearchStrategy[dict[str, Any]]) -> Any:
    """A valid-looking document, or one with up to three mutations."""
    document: Any = draw(documents)
    for _ in range(draw(st.integers(0, 3))):
        document = copy.deepcopy(document)
        path = draw(st.sampled_from(list(paths(document))))
        if not path:
            document = draw(weird_values)
            continue
        parent, key = parent_of(document, path), path[-1]
        operation = draw(st.sampled_from(["drop", "replace", "replace", "rename", "extra"]))
        if operation == "drop":
            del parent[key]
        elif operation == "replace":
            parent[key] = draw(weird_values)
        elif operation == "rename" and isinstance(parent, dict):
            parent[draw(st.text(max_size=12))] = parent.pop(key)
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=12))] = draw(weird_values)
        else:
            parent.append(draw(weird_values))
    return document


def lbfgs_with_huge_inner_loop(document: Any) -> bool:
    """Known and reported, left out here so the run stays bounded: LBFGS makes up to `max_iter` (and
    `max_eval`) evaluations inside each step and nothing caps them, so e.g. `{"surface": {"id":
    "rastrigin"}, "steps": 20, "runs": [{"optimizer": {"id": "LBFGS", "params": {"max_iter": 1000000000,
    "tolerance_grad": 0, "tolerance_change": 0, "lr": 1e-9}}}]}` keeps a worker busy for hours."""
    if isinstance(document, dict):
        params = document.get("params")
        if document.get("id") == "LBFGS" and isinstance(params, dict):
            for name in ("max_iter", "max_eval"):
                value = params.get(name)
                if isinstance(value, int | float) and not isinstance(value, bool) and not value <= 1000:
                    return True
        return any(lbfgs_with_huge_inner_loop(value) for value in document.values())
    if isinstance(document, list):
        return any(lbfgs_with_huge_inner_loop(value) for value in document)
    return False


def encode(document: Any) -> bytes:
    """JSON as Python writes it, NaN and Infinity included as raw literals."""
    text = json.dumps(document, allow_nan=True)
    return text.replace(json.dumps(HUGE_INT), "9" * 5000).encode()


# --- what every response must be ------------------------------------------------------------------


def describe(path: str, content: bytes, response: httpx.Response) -> str:
    return f"POST {path} {content[:2000]!r}\n→ {response.status_code} {response.text[:2000]}"


def check_error(response: httpx.Response, where: str) -> None:
    assert response.status_code < 500, f"server error\n{where}"
    payload = strict_loads(response.content)
    assert isinstance(payload, dict) and "detail" in payload, f"a 4xx without detail\n{where}"
    detail = payload["detail"]
    # The catch-all handler answers 400 for exceptions nobody expected: a 500 in disguise.
    assert not (isinstance(detail, str) and detail.startswith("the request could not be processed")), (
        f"unexpected exception\n{where}"
    )
    if response.status_code == 422:
        assert isinstance(detail, list) and detail, where
        for error in detail:
            assert isinstance(error["loc"], list) and error["loc"][:1] in (["body"], ["query"], ["path"]), where
            assert isinstance(error["msg"], str) and error["msg"], where
            assert isinstance(error["type"], str), where


def check_experiment_result(document: Any, response: httpx.Response, where: str) -> None:
    result = strict_loads(response.content)
    steps = document.get("steps", 500)
    assert len(result["runs"]) == len(document["runs"]), where
    for run in result["runs"]:
        event(f"run {run['status']}")
        assert run["status"] in {"completed", "diverged", "failed"}, where
        lengths = {len(run[key]) for key in ("x", "y", "loss", "lr")}
        assert len(lengths) == 1, where
        (length,) = lengths
        if run["status"] == "completed":
            assert length == steps + 1, where  # record 0 is the start
        else:
            assert length <= steps + 1, where


def check_stream(document: Any, response: httpx.Response, where: str) -> None:
    events = [strict_loads(line) for line in response.content.splitlines() if line.strip()]
    assert events and events[0]["event"] == "experiment", where
    assert events[-1]["event"] == "done", f"the stream ended with {events[-1]}\n{where}"


def check_script(document: Any, response: httpx.Response, where: str) -> None:
    ast.parse(response.text)  # the exported script is at least valid Python


def check_sweep_result(document: Any, response: httpx.Response, where: str) -> None:
    assert strict_loads(response.content)["kind"] == document["vary"]["kind"], where


def post(client: httpx.Client, path: str, document: Any) -> tuple[httpx.Response, str]:
    """The response to `document`, and a description of the exchange for failure messages."""
    content = encode(document)
    response = client.post(path, content=content, headers={"content-type": "application/json"})
    return response, describe(path, content, response)


@dataclass(frozen=True)
class FuzzedRoute:
    """A route the fuzzer posts to: which requests it draws, and what a 200 from it must be."""

    path: str
    body: str  # the RequestStrategies field that builds its requests
    media_type: str
    check: Callable[[Any, httpx.Response, str], None]
    max_examples: int = 60


FUZZED_ROUTES = [
    FuzzedRoute(EXPERIMENTS, "experiment", "application/json", check_experiment_result, max_examples=150),
    FuzzedRoute(STREAM, "experiment", "application/x-ndjson", check_stream),
    FuzzedRoute(CODE, "code", "text/x-python", check_script),
    FuzzedRoute(SWEEPS, "sweep", "application/json", check_sweep_result),
]


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def strategies(catalog: dict[str, Any]) -> RequestStrategies:
    return request_strategies(catalog)


# --- (a) hypothesis over the request models -------------------------------------------------------


@pytest.mark.parametrize("route", FUZZED_ROUTES, ids=lambda route: route.path)
def test_fuzzed_requests_never_fail_the_server(
    client: httpx.Client, strategies: RequestStrategies, route: FuzzedRoute
) -> None:
    """Every answer is a 200 of the route's media type with a sound body, or a 4xx that says what is wrong."""

    @settings(FUZZ, max_examples=route.max_examples)
    @given(document=mutated(getattr(strategies, route.body)))
    def fuzz(document: Any) -> None:
        assume(not lbfgs_with_huge_inner_loop(document))
        response, where = post(client, route.path, document)
        event(f"status {response.status_code}")  # see --hypothesis-show-statistics
        if response.status_code != 200:
            check_error(response, where)
            return
        assert response.headers["content-type"].startswith(route.media_type), where
        route.check(document, response, where)

    fuzz()


CANARY = "INJECTED_BY_THE_LABEL"
HOSTILE_LABELS = [
    f'"""\n{CANARY} = 1\n"""',
    f"'''\n{CANARY} = 1\n'''",
    f'\\"""\n{CANARY} = 1\n#',
    f"\n{CANARY} = 1\n",
    f"\r{CANARY} = 1\r",
    f"x\x00{CANARY}",
    f"{{label}} {{steps}} {CANARY} \\",
]


@pytest.mark.parametrize("label", HOSTILE_LABELS)
def test_labels_cannot_inject_code_into_the_exported_script(client: httpx.Client, label: str) -> None:
    """Found by the fuzz run above: the label is user text (and travels in shared links), so whatever
    it holds must stay inside a string or comment of the script a student downloads and runs."""
    document = {"surface": {"id": "quadratic"}, "steps": 2, "run": {"label": label, "optimizer": {"id": "SGD"}}}
    response, where = post(client, CODE, document)
    assert response.status_code in (200, 422), where
    if response.status_code == 422:
        return  # refusing such a label is fine too
    script = response.text
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "invalid escape sequence" becomes an error in a future Python
        ast.parse(script)
    tokens = tokenize.generate_tokens(io.StringIO(script).readline)
    for token in tokens:
        if CANARY in token.string:
            assert token.type in (tokenize.STRING, tokenize.COMMENT), f"label escaped into code: {token}\n{script}"


# --- (b) schemathesis over /openapi.json ----------------------------------------------------------

SCHEMATHESIS_EXAMPLES = 40  # per operation, positive and negative cases together
STREAMING = {STREAM, SWEEP_STREAM}


def not_a_disguised_server_error(ctx: Any, response: Any, case: Any) -> bool | None:
    """The catch-all handler turns unexpected exceptions into 400s; for fuzzing they are 500s."""
    if response.status_code == 400 and b"the request could not be processed" in response.content:
        raise AssertionError(f"unexpected exception behind a 400: {response.text}")
    return None


# Where a request that /openapi.json calls valid may still be refused, and why. Any other refusal of
# schema-valid data is a rule the schema should state (design.md §6). `*` stands for a list index.
REFUSED_BY_THE_CATALOG = {
    ("body", "surface"): "the surface's id and parameters are the catalog's",
    ("path", "surface_id"): "the surface's id is the catalog's",
    ("path", "dataset_id"): "the data set's id is the catalog's",
    ("body", "task", "data"): "the data set's id and parameters are the catalog's",
    ("body", "task", "model", "hidden"): "at most the server's limits.max_hidden_layers of max_hidden_units",
    ("body", "epochs"): "at most the server's limits.max_epochs; runs × epochs × steps within its work budget",
    ("body", "batch_size"): "at most the server's limits.max_samples",
    ("body", "landscape"): "its resolution and method within the server's landscape budgets",
    ("body", "end_lr"): "end_lr > start_lr, stated in words",
    # A deck's lessons check each other's parts: one expected status per run, band indices among the runs.
    ("body", "lessons", "*", "expect"): "one status per run of the lesson, stated in words",
    ("body", "lessons", "*", "seed_bands"): "indices of the lesson's runs, stated in words",
    # A lesson's mode says which set-up it carries (design.md §11), and that set-up is checked as its route would.
    ("body", "lessons", "*", "experiment"): "a surfaces lesson's own, stated in words; then as POST /api/experiments",
    ("body", "lessons", "*", "training"): "a network lesson's own, stated in words; then as POST /api/trainings",
    ("body", "lessons", "*", "lr_finder"): "a network lesson's only, stated in words; its run among the training's",
    ("body", "lessons", "*", "view"): "a surfaces lesson's only, stated in words",
    ("body", "runs", "*", "optimizer"): "optimizer ids and parameters are the catalog's, their ranges torch's",
    ("body", "runs", "*", "scheduler"): "scheduler ids and parameters are the catalog's, their ranges torch's",
    ("body", "run", "optimizer"): "as for an experiment's runs",
    ("body", "run", "scheduler"): "as for an experiment's runs",
    ("body", "steps"): "at most the server's limits.max_steps, a setting the catalog gives",
    ("body", "runs"): "at most the server's limits.max_runs",
    # The vary's hyperparameter names are the optimizer's (the two of grid2 differ), its ranges have
    # min < max: JSON Schema cannot compare two values, so the schema states these in words.
    ("body", "vary"): "vary names are the optimizer's float hyperparameters; ranges need min < max",
    ("query", "x_min"): "x_min < x_max, stated in words",
    ("query", "x_max"): "x_min < x_max, stated in words",
    ("query", "y_min"): "y_min < y_max, stated in words",
    ("query", "y_max"): "y_min < y_max, stated in words",
}
ACCEPTED = {200, 201, 503}  # 201: a link or deck stored; 503: every worker busy, come back later
# Path ids of stored documents: only the store knows which exist, so a well-formed one may be a 404
# (which those routes declare).
STORED = {"link_id", "deck_id"}


# Refusals at exactly these places (not below them, where the schema's own rules hold).
REFUSED_AT = {
    ("body", "lessons"): "lesson ids unique within the deck, stated in words; at most the server's max_deck_lessons",
}


def refused_for(loc: list[str | int]) -> str | None:
    """The reason a schema-valid request may be refused at `loc`, or None."""
    parts = tuple("*" if isinstance(part, int) else part for part in loc)
    below = (why for prefix, why in REFUSED_BY_THE_CATALOG.items() if parts[: len(prefix)] == prefix)
    return REFUSED_AT.get(parts) or next(below, None)


def valid_data_accepted_but_for_the_catalog(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis's `positive_data_acceptance`, knowing what only the catalog decides: a request the
    schema calls valid is answered 200 (or 503), or refused with a 422 at a place REFUSED_BY_THE_CATALOG
    names; not otherwise."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code in ACCEPTED:
        return None
    where = f"{case.operation.label} {case.path_parameters} {case.query} {case.body!r:.500}"
    if response.status_code == 404 and STORED & set(case.path_parameters or {}):
        return None
    assert response.status_code == 422, f"schema-valid request answered {response.status_code}: {where}"
    for error in strict_loads(response.content)["detail"]:
        assert refused_for(error["loc"]), f"schema-valid request refused at {error['loc']}: {error['msg']}\n{where}"
    return None


def keep_small(case: schemathesis.Case) -> None:
    """Generated bodies may ask for thousands of steps (or epochs, points, grid cells) of a valid run: cap
    them, keep invalid ones."""
    if isinstance(case.body, dict):
        for (*path, name), most in SMALL.items():
            parent = functools.reduce(
                lambda node, key: node.get(key) if isinstance(node, dict) else None, path, case.body
            )
            value = parent.get(name) if isinstance(parent, dict) else None
            if isinstance(value, int) and not isinstance(value, bool) and most < value <= 20_000:
                parent[name] = most  # type: ignore[index]
    assume(not lbfgs_with_huge_inner_loop(case.body))


@pytest.fixture(scope="module")
def openapi(server_url: str) -> schemathesis.BaseSchema:
    # A schema-violating body may also be too large (a deck of huge made-up lessons): 413 rejects it too.
    rejections = ["400", "401", "403", "404", "406", "413", "422", "428", "5xx"]
    config = schemathesis.Config.from_dict(
        {"seed": 20_260_101, "checks": {"negative_data_rejection": {"expected-statuses": rejections}}}
    )
    return schemathesis.openapi.from_url(f"{server_url}/openapi.json", config=config)


def operation_test(
    operation: schemathesis.APIOperation, server_url: str, session: requests.Session, surface_ids: list[str]
) -> Callable[[], None]:
    strategies = [operation.as_strategy(mode) for mode in GenerationMode]
    strategies += operation.get_strategies_from_examples()
    if "{surface_id}" in operation.path:  # random ids are all 404s: also fuzz the query of real surfaces
        strategies += [
            operation.as_strategy(mode, path_parameters={"surface_id": surface_id})
            for surface_id in surface_ids
            for mode in GenerationMode
        ]
    excluded: list[Any] = [positive_data_acceptance]  # replaced by the catalog-aware check above
    if operation.path in STREAMING:  # NDJSON has no schema to conform to
        excluded += [response_schema_conformance, content_type_conformance]
    additional = [not_a_disguised_server_error, valid_data_accepted_but_for_the_catalog]

    @settings(FUZZ, max_examples=SCHEMATHESIS_EXAMPLES)
    @given(case=st.one_of(strategies))
    def fuzz(case: schemathesis.Case) -> None:
        keep_small(case)
        response = case.call(base_url=server_url, session=session, timeout=20)
        case.validate_response(response, additional_checks=additional, excluded_checks=excluded)

    return fuzz


def test_schemathesis_with_all_checks_finds_nothing(
    server_url: str, openapi: schemathesis.BaseSchema, catalog: dict[str, Any], subtests: pytest.Subtests
) -> None:
    operations = []
    for result in openapi.get_all_operations():
        operations.append(result.ok())  # an Err here means /openapi.json itself is broken
    assert {f"{op.method.upper()} {op.path}" for op in operations} >= {
        "GET /api/health", "GET /api/catalog", "GET /api/surfaces/{surface_id}/grid",
        f"POST {EXPERIMENTS}", f"POST {STREAM}", f"POST {CODE}",
    }  # fmt: skip
    surface_ids = [s["id"] for s in catalog["surfaces"]][:3]
    with requests.Session() as session:
        for operation in operations:
            with subtests.test(msg=operation.label):
                operation_test(operation, server_url, session, surface_ids)()
