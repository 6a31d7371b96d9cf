"""POST /api/code: the standalone plain-PyTorch script of one run on a surface or of one training run
(design.md §8, §10)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from fastapi.responses import PlainTextResponse
from pydantic import Field, PlainValidator

from app.api.deps import get_pool, get_settings
from app.api.pool import ComputePool
from app.api.schemas import COMPUTATION_ERRORS, referenced_by_name
from app.engine.codegen import script_for
from app.engine.spec import RunSpec, StrictModel, SurfaceSpec
from app.engine.train.codegen import FILENAME as TRAINING_FILENAME
from app.engine.train.codegen import TrainingScriptSpec, training_script_for
from app.settings import Settings

router = APIRouter(tags=["code"])


class CodeRequest(StrictModel):
    surface: SurfaceSpec
    steps: int = Field(default=500, ge=1)
    run: RunSpec


def _by_shape(document: Any) -> CodeRequest | TrainingScriptSpec:
    """A body with a `task` is a training run's; errors stay at the request's own fields (no union member
    name in `loc`, as a tagged union would put there)."""
    training = isinstance(document, dict) and "task" in document
    return (TrainingScriptSpec if training else CodeRequest).model_validate(document)


ScriptRequest = Annotated[
    CodeRequest | TrainingScriptSpec, PlainValidator(_by_shape, json_schema_input_type=CodeRequest | TrainingScriptSpec)
]
TRAINING_EXAMPLE = {
    "task": {"data": {"id": "moons"}, "model": {"hidden": [16, 16], "activation": "tanh"}},
    "epochs": 30,
    "batch_size": 32,
    "run": {"optimizer": {"id": "SGD", "params": {"lr": 0.1, "momentum": 0.9}}, "scheduler": {"id": "StepLR"}},
}
SURFACE_EXAMPLE = {"surface": {"id": "rosenbrock"}, "steps": 500, "run": {"optimizer": {"id": "Adam"}}}


class PythonResponse(PlainTextResponse):
    media_type = "text/x-python"


@router.post(
    "/api/code",
    response_class=PythonResponse,
    responses={200: {"content": {"text/x-python": {}}, "description": "a standalone Python script"}}
    | referenced_by_name(COMPUTATION_ERRORS),
)
async def export_code(
    request: Annotated[ScriptRequest, Body(examples=[SURFACE_EXAMPLE, TRAINING_EXAMPLE])],
    settings: Annotated[Settings, Depends(get_settings)],
    pool: Annotated[ComputePool, Depends(get_pool)],
) -> PythonResponse:
    """A script using torch and math (scikit-learn for digits, pytorch_optimizer where used): for a surface
    run it prints the trajectory as JSON lines; for a training run (a body with `task`), one line per epoch."""
    if isinstance(request, TrainingScriptSpec):
        script = await pool.run(training_script_for, request, settings.limits)
        filename = TRAINING_FILENAME
    else:
        script = await pool.run(script_for, request.surface, request.steps, request.run, settings.limits)
        filename = "optimlab_run.py"
    return PythonResponse(script, headers={"Content-Disposition": f'inline; filename="{filename}"'})
