"""GET /api/datasets (every data set of model mode, its parameters and the limits) and
GET /api/datasets/{id} (the exact tensors a training on it uses), design.md §10."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from app.api.deps import get_pool, get_settings
from app.api.errors import spec_error_response
from app.api.jsonio import StrictJSONResponse
from app.api.pool import ComputePool
from app.api.schemas import OVERLOADED, VALIDATION_ERROR, Datasets, DatasetTensors
from app.engine.errors import SpecError
from app.engine.train import list_datasets, load_dataset
from app.settings import Settings

router = APIRouter(tags=["model mode"])


@router.get("/api/datasets", response_model=Datasets, response_model_exclude_unset=True)
async def get_datasets(settings: Annotated[Settings, Depends(get_settings)]) -> dict[str, Any]:
    """Every data set with its parameters (kind, default, bounds), and the server's limits (as the catalog)."""
    return {"datasets": list_datasets(), "limits": settings.limits.as_dict()}


def _tensors(dataset_id: str, params: dict[str, Any], max_samples: int) -> dict[str, Any]:
    return load_dataset(dataset_id, params, max_samples).to_dict()


@router.get("/api/datasets/{dataset_id}", responses={200: {"model": DatasetTensors}} | VALIDATION_ERROR | OVERLOADED)
async def get_dataset(
    dataset_id: str,
    settings: Annotated[Settings, Depends(get_settings)],
    pool: Annotated[ComputePool, Depends(get_pool)],
    n: Annotated[int | None, Query(description="points (2-D data sets)")] = None,
    noise: Annotated[float | None, Query(allow_inf_nan=False, description="noise (2-D data sets)")] = None,
    seed: Annotated[int | None, Query(description="seeds the points and the split")] = None,
    validation: Annotated[float | None, Query(allow_inf_nan=False, description="fraction held out")] = None,
) -> JSONResponse:
    """`{"x_train", "y_train", "x_val", "y_val", "features", "classes"}`: exactly what every training on
    this data set with these parameters trains and validates on. Omitted parameters take their defaults."""
    given = {"n": n, "noise": noise, "seed": seed, "validation": validation}
    params = {name: value for name, value in given.items() if value is not None}
    try:
        tensors = await pool.run(_tensors, dataset_id, params, settings.max_samples)
    except SpecError as err:
        # The engine locates errors inside a data spec: ("id",) or ("params", name).
        if err.loc == ("id",):
            return spec_error_response(SpecError(("dataset_id",), err.msg, err.type), "path")
        return spec_error_response(SpecError(err.loc[1:], err.msg, err.type), "query")
    return StrictJSONResponse(tensors)
