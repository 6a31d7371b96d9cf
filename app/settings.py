"""Server settings, read once from the environment (prefix ``OPTIMLAB_``)."""

from __future__ import annotations

import os
import re
from dataclasses import fields
from pathlib import Path
from typing import Annotated, Any, get_type_hints

import limits
import platformdirs
from pydantic import BaseModel, Field, create_model, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.engine.limits import Limits

_LIMIT_TYPES = get_type_hints(Limits, include_extras=True)
# Limits' fields as settings fields (type, rule, description and default), so each is written once: in Limits.
LimitSettings: type[BaseModel] = create_model(
    "LimitSettings", **{limit.name: (_LIMIT_TYPES[limit.name], limit.default) for limit in fields(Limits)}
)

# A CSP host source: scheme://host[:port], the host possibly a `*.` wildcard (design.md §11, embed).
FRAME_ANCESTOR = re.compile(r"https?://(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:(\d{1,5}|\*))?")


class Settings(BaseSettings, LimitSettings):
    """Every limit and knob of the server; e.g. ``OPTIMLAB_MAX_STEPS=5000`` (the limits: app/engine/limits.py)."""

    model_config = SettingsConfigDict(env_prefix="OPTIMLAB_")

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    workers: int = Field(default=os.cpu_count() or 1, ge=1, description="worker processes: computations at once")
    worker_memory_bytes: int | None = Field(
        default=2 * 2**30, ge=2**20, description="address space a warm worker may add; beyond it allocations fail"
    )
    max_pending: int = Field(default=64, ge=0, description="computations waiting; beyond this, 503")
    result_cache_bytes: int = Field(default=64 * 2**20, ge=0, description="finished results kept to replay")
    chunk_seconds: float = Field(default=0.05, gt=0, description="stream flush interval")
    public_url: str | None = Field(default=None, description="base URL the QR code points students to")
    cors_origins: list[str] = Field(default_factory=list)
    request_seconds: float = Field(
        default=30.0, gt=0, description="time a client has to send a request's head, and again its body (slow clients)"
    )
    # The shared store (design.md §11): short links and lesson decks.
    data_dir: Path = Field(
        default=Path(platformdirs.user_data_dir("optimlab", appauthor=False)),
        description="where the SQLite store lives; the same links whichever folder the server starts in",
    )
    cache_dir: Path = Field(
        default=Path(platformdirs.user_cache_dir("optimlab", appauthor=False)),
        description="where the catalog's start-up probe is kept for the next start (safe to delete)",
    )
    database_url: str | None = Field(default=None, description="a SQLAlchemy URL (postgresql+psycopg://...)")
    store_connections: int = Field(default=4, ge=1, description="database calls at once, each on a thread")
    share_rate_limit: str = Field(
        default="30/minute;300/hour", description="links or decks one client may create (`limits` notation)"
    )
    frame_ancestors: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="origins allowed to frame the page, besides itself (space-separated)"
    )

    @field_validator("share_rate_limit")
    @classmethod
    def _parses_as_rate_limits(cls, value: str) -> str:
        limits.parse_many(value)  # raises ValueError naming what it could not read
        return value

    @field_validator("frame_ancestors", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        """Space- or comma-separated CSP host sources; nothing that could end the directive early."""
        if isinstance(value, str):
            value = value.replace(",", " ").split()
        for origin in value:
            if not isinstance(origin, str) or not FRAME_ANCESTOR.fullmatch(origin):
                raise ValueError(f"{origin!r} is not an origin such as https://course.example.edu")
        return value

    @property
    def store_url(self) -> str:
        """OPTIMLAB_DATABASE_URL when given, else a SQLite file under OPTIMLAB_DATA_DIR."""
        return self.database_url or f"sqlite:///{self.data_dir / 'optimlab.sqlite3'}"

    @property
    def limits(self) -> Limits:
        return Limits(**{limit.name: getattr(self, limit.name) for limit in fields(Limits)})
