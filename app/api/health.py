"""GET /api/health: liveness, versions and how busy the workers are."""

from __future__ import annotations

from typing import Annotated, Any

import torch
from fastapi import APIRouter, Depends

from app import __version__
from app.api.deps import get_flights, get_pool
from app.api.flights import FlightCache
from app.api.pool import ComputePool
from app.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/api/health", response_model=Health)
async def health(
    pool: Annotated[ComputePool, Depends(get_pool)], flights: Annotated[FlightCache, Depends(get_flights)]
) -> dict[str, Any]:
    return {
        "status": "ok",
        "version": __version__,
        "torch": torch.__version__,
        "computations": {
            "active": pool.admitted,
            "cancelled": pool.cancelled,
            "computed": flights.computed,
            "shared": flights.shared,
            "workers": sum(worker.ready for worker in pool.workers),
            "replaced": pool.replaced,
        },
    }
