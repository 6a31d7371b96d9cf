"""The experiment and sweep specs: one set of validated models for the engine, the API and notebooks.

These models check shapes and types only. What depends on the catalog (known ids, hyperparameter
names and kinds) or on configurable limits is checked where that knowledge lives.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# Strict: JSON `true` is not the number 1 and `"3"` is not 3 (ints are still accepted as floats).
FiniteFloat = Annotated[float, Field(allow_inf_nan=False, strict=True)]


class StrictModel(BaseModel):
    """Unknown fields are errors, so a typo never silently falls back to a default."""

    model_config = ConfigDict(extra="forbid")


class SurfaceSpec(StrictModel):
    id: str = Field(max_length=64, examples=["rosenbrock"])
    params: dict[str, FiniteFloat | str] = Field(default_factory=dict, examples=[{"a": 1, "b": 100}])


class OptimizerSpec(StrictModel):
    id: str = Field(max_length=128, examples=["Adam"])
    params: dict[str, Any] = Field(default_factory=dict, examples=[{"lr": 0.01}])


class SchedulerSpec(StrictModel):
    id: str = Field(max_length=128, examples=["StepLR"])
    params: dict[str, Any] = Field(default_factory=dict)
    interval: Literal["step", "epoch"] = "step"
    steps_per_epoch: int = Field(default=1, ge=1, le=1_000_000, strict=True)


class NoiseSpec(StrictModel):
    std: FiniteFloat = Field(default=0.0, ge=0.0)
    seed: int = Field(default=0, ge=0, le=2**63 - 1, strict=True)


class RunSpec(StrictModel):
    label: str | None = Field(default=None, max_length=100)
    start: tuple[FiniteFloat, FiniteFloat] | None = Field(
        default=None, description="Start point; the surface's default start when omitted."
    )
    optimizer: OptimizerSpec
    scheduler: SchedulerSpec | None = None
    noise: NoiseSpec | None = None


class ExperimentSpec(StrictModel):
    surface: SurfaceSpec
    steps: int = Field(default=500, ge=1, strict=True)
    tolerance: FiniteFloat = Field(default=1e-6, ge=0.0)
    runs: list[RunSpec] = Field(min_length=1)
    record_state: bool = Field(default=False, strict=True)
