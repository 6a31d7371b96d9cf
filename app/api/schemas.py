"""Response models: what each design.md §6 route sends, for /docs and for schema checks (schemathesis).

The request models are the engine's own (app/engine/spec.py), and so are the result shapes
(app/engine/results.py), which the notebook reads too; this module adds the API's own: health, the
catalog, grids and errors. Large results are not re-validated on every request: the routes declare
them with `responses={200: {"model": ...}}` and send the engine's dicts as they are. A field that is
only sometimes present is `... | None = None`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from app.engine.limits import Limits
from app.engine.results import ExperimentResult as ExperimentResult  # the routes' result shapes, re-exported
from app.engine.results import Point, ResolvedSurface, RunStatus
from app.engine.results import SweepResult as SweepResult

ParamKind = Literal["float", "int", "bool", "choice", "float_pair", "int_list", "formula", "schedulers"]


# --- GET /api/health ---------------------------------------------------------------------------------


class Computations(BaseModel):
    active: int = Field(description="computations admitted and not yet finished")
    cancelled: int = Field(description="computations stopped early because their client went away")
    computed: int = Field(description="computations started")
    shared: int = Field(description="requests served by another request's computation")
    workers: int = Field(description="worker processes up and waiting or computing")
    replaced: int = Field(description="worker processes ended (deadline, no answer to a cancel) or dead, and replaced")


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    torch: str
    computations: Computations


# --- surfaces and GET /api/catalog ---------------------------------------------------------------------


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


# --- model mode: GET /api/datasets and POST /api/trainings (design.md §10) ---------------------------


class DatasetParam(BaseModel):
    name: str
    kind: Literal["int", "float"]
    default: float | int
    minimum: float | None = None
    maximum: float | None = None
    # JSON Schema's own spelling of the bounds, as the engine reports them
    exclusiveMinimum: float | None = None
    exclusiveMaximum: float | None = None
    description: str | None = None


class DatasetEntry(BaseModel):
    id: str
    doc: str
    features: int
    classes: int
    params: list[DatasetParam]


class Datasets(BaseModel):
    datasets: list[DatasetEntry]
    limits: Limits


class DatasetTensors(BaseModel):
    """The exact tensors every training on this data set uses: float32 features, int labels."""

    id: str
    params: dict[str, float | int] = Field(description="every parameter, defaults filled in")
    x_train: list[list[float]]
    y_train: list[int]
    x_val: list[list[float]]
    y_val: list[int]
    features: int
    classes: int


class ResolvedTask(BaseModel):
    data: dict[str, Any] = Field(description="`id` and `params`, defaults filled in")
    model: dict[str, Any] = Field(description="`hidden`, `activation`, `seed`")
    n_train: int
    n_val: int
    features: int
    classes: int
    parameters: int
    steps_per_epoch: int


class BoundaryGridInfo(BaseModel):
    """Where each run's `boundaries` are evaluated: a square around the data (2-D data sets only)."""

    x: Point
    y: Point
    resolution: int
    encoding: str


class StepRecords(BaseModel):
    loss: list[float] = Field(description="each minibatch step's loss (the closure's, before the update)")
    lr: list[float] = Field(description="the lr after each step")


class EpochRecords(BaseModel):
    """Entry 0 is before training; entry e after epoch e (and its scheduler step)."""

    train_loss: list[float]
    val_loss: list[float]
    train_accuracy: list[float]
    val_accuracy: list[float]
    lr: list[float]


class PlanePath(BaseModel):
    u: list[float]
    v: list[float]


class TrainingSummary(BaseModel):
    final_val_loss: float | None
    best_val_loss: float | None
    best_epoch: int | None
    final_val_accuracy: float | None


class TrainingRunResult(BaseModel):
    label: str
    status: RunStatus
    diverged_at: int | None = Field(description="the step (counted over all epochs) whose loss was not finite")
    failed_at: int | None = Field(description="the step that raised")
    error: str | None
    steps: StepRecords
    epochs: EpochRecords
    path: PlanePath | None = Field(description="θ0 (the origin), then the weights after each step on the plane")
    boundaries: list[str] | None = Field(
        description="per recorded epoch, p(class 1) on the `boundary` grid, encoded as `boundary.encoding` says; "
        "null for data that is not 2-D"
    )
    summary: TrainingSummary


class LandscapeResult(BaseModel):
    """loss[j][i] is the training loss at θ0 + u[i]·d1 + v[j]·d2; null where it is not finite."""

    method: Literal["pca", "random"]
    explained_variance: list[float] | None = Field(description="pca: the fraction of variance d1 and d2 capture")
    u: list[float]
    v: list[float]
    loss: list[list[float | None]]


class TrainingResult(BaseModel):
    task: ResolvedTask
    epochs: int
    batch_size: int
    shuffle_seed: int
    landscape: LandscapeResult | None = Field(description="null when the request asked for none")
    boundary: BoundaryGridInfo | None = Field(description="null for data that is not 2-D")
    runs: list[TrainingRunResult]


class LRSuggestion(BaseModel):
    steepest: float | None = Field(description="the lr where the smoothed loss falls fastest per unit of log lr")
    minimum_over_10: float | None = Field(description="a tenth of the lr at the smoothed loss's minimum")


class LRFinderResult(BaseModel):
    """The LR range test: one entry per step taken (it stops early once the smoothed loss passes 4× its best)."""

    task: ResolvedTask
    lr: list[float]
    loss: list[float]
    smoothed: list[float] = Field(description="the debiased exponential average of the loss, β = 0.98")
    suggestion: LRSuggestion
    error: str | None = Field(description="what a step that raised said; the steps before it stand")


class TrainingSweepBest(BaseModel):
    value: float
    final_val_loss: float


class TrainingSweepResult(BaseModel):
    """One run trained once per value of one optimizer hyperparameter; entry i is values[i]'s run."""

    task: ResolvedTask
    epochs: int
    kind: Literal["param"]
    name: str
    values: list[float]
    status: list[RunStatus]
    final_val_loss: list[float | None]
    best_val_loss: list[float | None]
    final_val_accuracy: list[float | None]
    best: TrainingSweepBest | None = Field(description="the value with the lowest final validation loss among "
                                           "the runs that completed")  # fmt: skip


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
