"""Server settings, read once from the environment (prefix ``OPTIMLAB_``)."""

from __future__ import annotations

import os

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.engine.runs import Limits


class Settings(BaseSettings):
    """Every limit and knob of the server; e.g. ``OPTIMLAB_MAX_STEPS=5000``."""

    model_config = SettingsConfigDict(env_prefix="OPTIMLAB_")

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    max_steps: int = Field(default=20_000, ge=1)
    max_runs: int = Field(default=16, ge=1)
    max_sweep_work: int = Field(default=20_000_000, ge=1, description="sweep runs × steps")
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    max_formula_length: int = Field(default=500, ge=1)
    max_grid_resolution: int = Field(default=400, ge=2)
    max_seconds: float = Field(default=120.0, gt=0, description="compute time one experiment may take")
    workers: int = Field(default=os.cpu_count() or 1, ge=1, description="worker processes: computations at once")
    worker_memory_bytes: int | None = Field(
        default=2 * 2**30, ge=2**20, description="address space a warm worker may add; beyond it allocations fail"
    )
    max_result_bytes: int = Field(default=64 * 2**20, ge=1024, description="largest result one request may get")
    max_pending: int = Field(default=64, ge=0, description="computations waiting; beyond this, 503")
    result_cache_bytes: int = Field(default=64 * 2**20, ge=0, description="finished results kept to replay")
    chunk_seconds: float = Field(default=0.05, gt=0, description="stream flush interval")
    public_url: str | None = Field(default=None, description="base URL the QR code points students to")
    cors_origins: list[str] = Field(default_factory=list)

    @property
    def limits(self) -> Limits:
        return Limits(self.max_steps, self.max_runs, self.max_formula_length, self.max_sweep_work, self.max_seconds)
