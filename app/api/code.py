"""POST /api/code: the standalone plain-PyTorch script for one run (design.md §8)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse
from pydantic import Field

from app.api.deps import get_pool, get_settings
from app.api.pool import ComputePool
from app.api.schemas import COMPUTATION_ERRORS, referenced_by_name
from app.engine.codegen import script_for
from app.engine.spec import RunSpec, StrictModel, SurfaceSpec
from app.settings import Settings

router = APIRouter(tags=["code"])


class CodeRequest(StrictModel):
    surface: SurfaceSpec
    steps: int = Field(default=500, ge=1)
    run: RunSpec


class PythonResponse(PlainTextResponse):
    media_type = "text/x-python"


@router.post(
    "/api/code",
    response_class=PythonResponse,
    responses={200: {"content": {"text/x-python": {}}, "description": "a standalone Python script"}}
    | referenced_by_name(COMPUTATION_ERRORS),
)
async def export_code(
    request: CodeRequest,
    settings: Annotated[Settings, Depends(get_settings)],
    pool: Annotated[ComputePool, Depends(get_pool)],
) -> PythonResponse:
    """A script using only torch and math that prints the run's trajectory as JSON lines."""
    script = await pool.run(script_for, request.surface, request.steps, request.run, settings.limits)
    return PythonResponse(script, headers={"Content-Disposition": 'inline; filename="optimlab_run.py"'})
