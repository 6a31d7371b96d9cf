"""Response models: what each design.md §6 route sends, for /docs and for schema checks (schemathesis).

The request models are the engine's own (app/engine/spec.py). These describe the responses as they
are sent, extra fields beyond the contract included. Large results are not re-validated against them on
every request: the routes declare them with `responses={200: {"model": ...}}` and send the engine's
dicts as they are. A field that is only sometimes present is `... | None = None`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, RootModel

Point = Annotated[list[float], Field(min_length=2, max_length=2)]
RunStatus = Literal["completed", "diverged", "failed"]
ParamKind = Literal["float", "int", "bool", "choice", "float_pair", "int_list", "formula", "schedulers"]


# --- GET /api/health ---------------------------------------------------------------------------------


class Computations(BaseModel):
    active: int = Field(description="computations admitted and not yet finished")
    cancelled: int = Field(description="computations stopped early because their client went away")
    computed: int = Field(description="computations started")
    shared: int = Field(description="requests served by another request's computation")


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    torch: str
    computations: Computations


# --- surfaces and GET /api/catalog ---------------------------------------------------------------------


class Domain(BaseModel):
    x: Point
    y: Point


class Minimum(BaseModel):
    point: Point
    value: float


class GradientDescentTheory(BaseModel):
    max_lr: float = Field(description="stable for lr < 2 / max(a, b)")
    best_lr: float = Field(description="2 / (a + b)")
    best_rate: float = Field(description="(κ − 1) / (κ + 1): the distance to the minimum shrinks by it per step")


class StabilityBoundary(BaseModel):
    """lr < (2 + 2·momentum) / max(a, b) is a straight line: its ends at momentum 0 and 1."""

    momentum: list[float]
    lr: list[float]


class HeavyBallTheory(BaseModel):
    stability_boundary: StabilityBoundary
    best_lr: float = Field(description="α* = (2 / (√a + √b))²")
    best_momentum: float = Field(description="β* = ((√κ − 1) / (√κ + 1))²")
    best_rate: float = Field(description="√β*")


class QuadraticTheory(BaseModel):
    """What theory predicts on the quadratic with curvatures a, b > 0 (design.md §11)."""

    source: str
    curvatures: Point = Field(description="[min(a, b), max(a, b)]")
    condition_number: float = Field(description="κ = max(a, b) / min(a, b)")
    gradient_descent: GradientDescentTheory
    heavy_ball: HeavyBallTheory = Field(description="SGD with momentum (no dampening, Nesterov or weight decay)")


class ResolvedSurface(BaseModel):
    """A surface with its parameters bound, as results echo it."""

    id: str
    name: str
    formula: str
    params: dict[str, float | str]
    domain: Domain
    start: Point
    minima: list[Minimum]
    min_value: float | None = Field(description="the known minimum value, null when unknown")
    theory: QuadraticTheory | None = Field(description="the quadratic's theory (a, b > 0); null for other surfaces")


class CatalogSurface(ResolvedSurface):
    description: str


class CatalogParam(BaseModel):
    name: str
    kind: ParamKind
    default: Any
    choices: list[Any] | None = Field(default=None, description="present for kind `choice`")
    derived: str | None = Field(default=None, description="present when the default comes from the experiment")
    nullable: bool = Field(default=False, description="present (true) when null is a valid value")
    default_text: str | None = Field(
        default=None, description="present when the default has no JSON number (`inf`); `default` is then null"
    )


class CatalogEntry(BaseModel):
    """One optimizer or scheduler class."""

    id: str
    name: str
    source: str = Field(description="where the class comes from: `torch` or the optimizer zoo")
    doc: str
    params: list[CatalogParam]


class Limits(BaseModel):
    max_steps: int
    max_runs: int
    max_sweep_work: int = Field(description="sweep runs × steps")
    max_formula_length: int
    max_body_bytes: int
    max_grid_resolution: int
    max_seconds: float = Field(description="compute time one experiment or sweep may take")


class Catalog(BaseModel):
    surfaces: list[CatalogSurface]
    optimizers: list[CatalogEntry]
    schedulers: list[CatalogEntry]
    limits: Limits


class Grid(BaseModel):
    """z[j][i] = f(x[i], y[j]); null where f is not finite."""

    x: list[float]
    y: list[float]
    z: list[list[float | None]]


# --- POST /api/experiments ---------------------------------------------------------------------------


class Summary(BaseModel):
    final_loss: float | None
    best_loss: float | None
    steps_to_tolerance: int | None
    distance_to_minimum: float | None
    measured_rate: float | None = Field(
        description="geometric mean of the per-step contraction of the distance to the minimum nearest the last "
        "point, over the last half of the records: (d[n] / d[n // 2]) ** (1 / (n - n // 2)); null with no known "
        "minimum, fewer than two records or d[n // 2] = 0"
    )
    theory_rate: float | None = Field(
        description="on a surface with a theory, for SGD at a constant lr without nesterov, dampening, weight "
        "decay, noise or clipping: the predicted contraction per step (the larger root modulus of "
        "z² − (1 + momentum − lr·λ)·z + momentum over the curvatures λ); null otherwise"
    )


class RunResult(BaseModel):
    """One run; arrays have steps + 1 entries when it completed (record 0 is the start)."""

    label: str
    x: list[float]
    y: list[float]
    loss: list[float]
    lr: list[float]
    momentum: list[float | None] | None = Field(
        description="per record, as `lr`: `param_groups[0]['momentum']`, or `betas[0]` (OneCycleLR and CyclicLR "
        "cycle it); null for an optimizer with neither (design.md §11)"
    )
    state: dict[str, list[Any]] | None = Field(
        default=None, description="with record_state: the optimizer's state tensors per step (null before step 1)"
    )
    grad: list[list[float | None] | None] | None = Field(default=None, description="with record_state")
    scheduler_state: dict[str, list[float | None]] | None = Field(
        default=None, description="with record_state, for ReduceLROnPlateau"
    )
    evaluations: list[list[list[float | None]]] | None = Field(
        default=None, description="with record_state, for LBFGS: the points its closure visited in each step"
    )
    status: RunStatus
    diverged_at: int | None
    failed_at: int | None
    error: str | None
    summary: Summary


class ExperimentResult(BaseModel):
    surface: ResolvedSurface
    steps: int
    runs: list[RunResult]


# --- POST /api/sweeps --------------------------------------------------------------------------------


class SweepHead(BaseModel):
    surface: ResolvedSurface
    steps: int


class BasinMap(SweepHead):
    """`[j][i]` is the cell started at (x[i], y[j])."""

    kind: Literal["start"]
    x: list[float]
    y: list[float]
    final_loss: list[list[float | None]]
    steps_to_tolerance: list[list[int | None]]
    status: list[list[RunStatus]]
    final_x: list[list[float | None]]
    final_y: list[list[float | None]]
    minimum_index: list[list[int | None]]


class Grid2Sweep(BasinMap):
    """As a basin map, with `x` and `y` the two hyperparameters' values."""

    kind: Literal["grid2"]  # type: ignore[assignment]
    x_name: str
    y_name: str


class ParamBest(BaseModel):
    value: float
    final_loss: float


class ParamSweep(SweepHead):
    kind: Literal["param"]
    name: str
    values: list[float]
    final_loss: list[float | None]
    best_loss: list[float | None]
    steps_to_tolerance: list[int | None]
    status: list[RunStatus]
    best: ParamBest | None = Field(description="the value with the lowest final loss among runs that did not diverge")


class SeedBand(SweepHead):
    kind: Literal["seed"]
    seeds: list[int]
    x: list[list[float]]
    y: list[list[float]]
    loss: list[list[float]]
    status: list[RunStatus]
    final_loss: list[float | None]
    loss_p10: list[float]
    loss_p50: list[float]
    loss_p90: list[float]


class SweepResult(RootModel[Annotated[BasinMap | Grid2Sweep | ParamSweep | SeedBand, Field(discriminator="kind")]]):
    pass


# --- errors ------------------------------------------------------------------------------------------


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="where: `body`, `query` or `path`, then the field's path")
    msg: str
    type: str


class ValidationErrorBody(BaseModel):
    detail: list[FieldError]


class MessageBody(BaseModel):
    detail: str


VALIDATION_ERROR: dict[int | str, dict[str, Any]] = {
    422: {"model": ValidationErrorBody, "description": "the request is invalid; `loc` names the field"},
}
OVERLOADED: dict[int | str, dict[str, Any]] = {
    503: {
        "model": MessageBody,
        "description": "every worker is busy; retry after the given seconds",
        "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
    },
}
BODY_TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {"model": MessageBody, "description": "the request body is larger than the limit"},
}
COMPUTATION_ERRORS = VALIDATION_ERROR | BODY_TOO_LARGE | OVERLOADED


def referenced_by_name(responses: dict[int | str, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    """The same responses for a route whose own media type is not JSON (POST /api/code).

    FastAPI files a response's `model` under the route's media type, which would document these JSON
    bodies as `text/x-python`; so the schema is referenced by name here instead. The JSON routes
    declare the same models, which puts them into /openapi.json's components.
    """
    return {
        status: {key: value for key, value in response.items() if key != "model"}
        | {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{response['model'].__name__}"}}}}
        for status, response in responses.items()
    }
