"""Server settings, read once from the environment (prefix ``OPTIMLAB_``)."""

from __future__ import annotations

import os
from dataclasses import fields
from typing import get_type_hints

from pydantic import BaseModel, Field, create_model
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.engine.limits import Limits

_LIMIT_TYPES = get_type_hints(Limits, include_extras=True)
# Limits' fields as settings fields (type, rule, description and default), so each is written once: in Limits.
LimitSettings: type[BaseModel] = create_model(
    "LimitSettings", **{limit.name: (_LIMIT_TYPES[limit.name], limit.default) for limit in fields(Limits)}
)


class Settings(BaseSettings, LimitSettings):
    """Every limit and knob of the server; e.g. ``OPTIMLAB_MAX_STEPS=5000`` (the limits: app/engine/limits.py)."""

    model_config = SettingsConfigDict(env_prefix="OPTIMLAB_")

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    workers: int = Field(default=os.cpu_count() or 1, ge=1, description="computations running at once")
    max_pending: int = Field(default=64, ge=0, description="computations waiting; beyond this, 503")
    result_cache_bytes: int = Field(default=64 * 2**20, ge=0, description="finished results kept to replay")
    chunk_seconds: float = Field(default=0.05, gt=0, description="stream flush interval")
    public_url: str | None = Field(default=None, description="base URL the QR code points students to")
    cors_origins: list[str] = Field(default_factory=list)

    @property
    def limits(self) -> Limits:
        return Limits(**{limit.name: getattr(self, limit.name) for limit in fields(Limits)})
