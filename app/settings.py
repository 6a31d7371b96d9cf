"""Server settings, read once from the environment (prefix ``OPTIMLAB_``)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any

import limits
import platformdirs
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.engine.runs import Limits

# A CSP host source: scheme://host[:port], the host possibly a `*.` wildcard (design.md §11, embed).
FRAME_ANCESTOR = re.compile(r"https?://(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:(\d{1,5}|\*))?")


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
    workers: int = Field(default=os.cpu_count() or 1, ge=1, description="computations running at once")
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
    database_url: str | None = Field(default=None, description="a SQLAlchemy URL (postgresql+psycopg://...)")
    store_connections: int = Field(default=4, ge=1, description="database calls at once, each on a thread")
    max_link_state_length: int = Field(default=8192, ge=16, description="characters of page state per link")
    max_deck_lessons: int = Field(default=64, ge=1)
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
        return Limits(self.max_steps, self.max_runs, self.max_formula_length, self.max_sweep_work, self.max_seconds)
