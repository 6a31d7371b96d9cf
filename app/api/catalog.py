"""GET /api/catalog and the surface grids for contour and 3-D plots."""

from __future__ import annotations

import math
from typing import Annotated, Any

import torch
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from app.api.deps import get_pool, get_settings
from app.api.errors import spec_error_response
from app.api.jsonio import StrictJSONResponse
from app.api.pool import ComputePool
from app.api.schemas import OVERLOADED, VALIDATION_ERROR, Catalog, Grid
from app.engine.catalog import catalog
from app.engine.errors import SpecError
from app.engine.limits import DEFAULT_LIMITS
from app.engine.surfaces import SURFACES, resolve_surface
from app.settings import Settings

router = APIRouter(tags=["catalog"])


@router.get("/api/catalog", response_model=Catalog, response_model_exclude_unset=True)
async def get_catalog(settings: Annotated[Settings, Depends(get_settings)]) -> dict[str, Any]:
    """Surfaces, optimizers and schedulers with their parameters, kinds and defaults, and the limits."""
    cat = catalog()
    return {
        "surfaces": [resolve_surface(s.id).describe() | {"description": s.description} for s in SURFACES.values()],
        "optimizers": [entry.describe() for entry in cat.optimizers.values()],
        "schedulers": [entry.describe() for entry in cat.schedulers.values()],
        "limits": settings.limits.as_dict(),
    }


def _finite_or_none(values: list[list[float]]) -> list[list[float | None]]:
    return [[v if v == v and abs(v) != float("inf") else None for v in row] for row in values]


def _grid(surface_id: str, params: dict[str, Any], resolution: int, bounds: list[float | None],
          max_formula_length: int) -> dict[str, Any]:  # fmt: skip
    surface = resolve_surface(surface_id, params, max_formula_length)
    (x0, x1), (y0, y1) = surface.definition.domain
    x0, x1, y0, y1 = (given if given is not None else default for given, default in
                      zip(bounds, (x0, x1, y0, y1), strict=True))  # fmt: skip
    for axis, low, high in (("x", x0, x1), ("y", y0, y1)):
        if not low < high:
            raise SpecError((f"{axis}_min",), f"the grid needs {axis}_min < {axis}_max")
        # Each bound is finite (the query says so), but their difference can still overflow to inf.
        if not math.isfinite(high - low):
            raise SpecError(
                (f"{axis}_max" if high >= -low else f"{axis}_min",),
                f"the range must be finite: {axis}_max - {axis}_min overflows",
            )
    xs = torch.linspace(x0, x1, resolution, dtype=torch.float64)
    ys = torch.linspace(y0, y1, resolution, dtype=torch.float64)
    z = surface.on_grid(xs, ys)
    return {"x": xs.tolist(), "y": ys.tolist(), "z": _finite_or_none(z.tolist())}


@router.get("/api/surfaces/{surface_id}/grid", responses={200: {"model": Grid}} | VALIDATION_ERROR | OVERLOADED)
async def surface_grid(
    surface_id: str,
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    pool: Annotated[ComputePool, Depends(get_pool)],
    resolution: Annotated[int, Query(ge=2, le=DEFAULT_LIMITS.max_grid_resolution)] = 100,
    x_min: Annotated[float | None, Query(allow_inf_nan=False)] = None,
    x_max: Annotated[float | None, Query(allow_inf_nan=False)] = None,
    y_min: Annotated[float | None, Query(allow_inf_nan=False)] = None,
    y_max: Annotated[float | None, Query(allow_inf_nan=False)] = None,
) -> JSONResponse:
    """z[j][i] = f(x[i], y[j]); surface parameters come as further query parameters (`?a=1&b=100`,
    `?expression=x**2+y**2`). Points where f is not finite are null."""
    reserved = {"resolution", "x_min", "x_max", "y_min", "y_max"}
    params: dict[str, Any] = {}
    for name, value in request.query_params.items():
        if name in reserved:
            continue
        if name == "expression":
            params[name] = value
            continue
        try:
            params[name] = float(value)
        except ValueError:
            return spec_error_response(SpecError((name,), "must be a number"), "query")
    resolution = min(resolution, settings.max_grid_resolution)
    try:
        grid = await pool.run(_grid, surface_id, params, resolution, [x_min, x_max, y_min, y_max],
                              settings.max_formula_length)  # fmt: skip
    except SpecError as err:
        where = "path" if err.loc == ("id",) else "query"
        loc = ("surface_id",) if err.loc == ("id",) else err.loc[-1:]
        return spec_error_response(SpecError(loc, err.msg, err.type), where)
    return StrictJSONResponse(grid)
