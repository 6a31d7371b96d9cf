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
from app.engine.results import LRFinderResult as LRFinderResult
from app.engine.results import ResolvedSurface
from app.engine.results import SweepResult as SweepResult
from app.engine.results import TrainingResult as TrainingResult
from app.engine.results import TrainingSweepResult as TrainingSweepResult

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


# --- model mode: GET /api/datasets (design.md §10) ---------------------------


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
