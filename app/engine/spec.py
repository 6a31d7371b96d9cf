"""The experiment and sweep specs: one set of validated models for the engine, the API and notebooks.

These models check shapes and types only. What depends on the catalog (known ids, hyperparameter
names and kinds) or on configurable limits is checked where that knowledge lives.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, model_validator

from app.engine.limits import DEFAULT_LIMITS

# Strict: JSON `true` is not the number 1 and `"3"` is not 3 (ints are still accepted as floats).
FiniteFloat = Annotated[float, Field(allow_inf_nan=False, strict=True)]


def _whole_number(value: Any) -> Any:
    """JSON Schema's `integer` is any whole number, so `77.0` is one (schemathesis sends it): take it as 77.
    Strings, bools and other floats go on to the strict int below, which refuses them at the field."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, float):
        raise ValueError("must be a whole number")
    return value


def request_int(**bounds: int) -> Any:
    """Every integer of a request (design.md §6): a whole number, as JSON Schema says; never `"3"` or `true`.
    Bounds go in here, before the validator: added after it, pydantic would not put them in the schema."""
    return Annotated[int, Field(strict=True, **bounds), BeforeValidator(_whole_number)]


RequestInt = request_int()


def _surface_param(value: Any) -> float | str:
    """One validator rather than a `float | str` union, whose errors would carry the member names
    (`params.a.float`, `params.a.str`) in `loc` instead of pointing at the parameter."""
    if isinstance(value, str):
        return value
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or not abs(value) <= sys.float_info.max:  # false for NaN and ±inf; 10**400 never meets float()
        raise ValueError("must be a finite number (or, for expression, the formula as text)")
    return float(value)


SurfaceParam = Annotated[float | str, PlainValidator(_surface_param, json_schema_input_type=float | str)]


class StrictModel(BaseModel):
    """Unknown fields are errors, so a typo never silently falls back to a default."""

    model_config = ConfigDict(extra="forbid")


class SurfaceSpec(StrictModel):
    id: str = Field(max_length=64, examples=["rosenbrock"])
    params: dict[str, SurfaceParam] = Field(default_factory=dict, examples=[{"a": 1, "b": 100}])


class OptimizerSpec(StrictModel):
    id: str = Field(max_length=128, examples=["Adam"])
    params: dict[str, Any] = Field(default_factory=dict, examples=[{"lr": 0.01}])


class SchedulerSpec(StrictModel):
    id: str = Field(max_length=128, examples=["StepLR"])
    params: dict[str, Any] = Field(default_factory=dict)
    interval: Literal["step", "epoch"] = "step"
    steps_per_epoch: RequestInt = Field(default=1, ge=1, le=1_000_000)


# Below 2**63 (torch.Generator's seeds are 64-bit signed). Written `< 2**63`, not `<= 2**63 - 1`: OpenAPI
# bounds are JSON numbers, and 2**63 - 1 rounds to the float 2**63, which would admit 2**63 in /openapi.json.
Seed = request_int(ge=0, lt=2**63)


class NoiseSpec(StrictModel):
    std: FiniteFloat = Field(default=0.0, ge=0.0)
    seed: Seed = 0


PositiveFiniteFloat = Annotated[float, Field(gt=0.0, allow_inf_nan=False, strict=True)]


class ClipSpec(StrictModel):
    """Gradient clipping (design.md §11), as real training does it: by the gradient's norm or by value."""

    # Exactly one of the two, stated in the schema too (a client can check it before sending).
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {"required": ["norm"], "properties": {"norm": {"type": "number"}}},
                {"required": ["value"], "properties": {"value": {"type": "number"}}},
            ]
        },
    )

    norm: PositiveFiniteFloat | None = Field(
        default=None, description="`torch.nn.utils.clip_grad_norm_(params, norm)`", examples=[1.0]
    )
    value: PositiveFiniteFloat | None = Field(
        default=None, description="`torch.nn.utils.clip_grad_value_(params, value)`"
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> ClipSpec:
        if (self.norm is None) == (self.value is None):
            raise ValueError("give exactly one of `norm` and `value`")
        return self


class RunSpec(StrictModel):
    label: str | None = Field(default=None, max_length=DEFAULT_LIMITS.max_label_length)
    start: tuple[FiniteFloat, FiniteFloat] | None = Field(
        default=None, description="Start point; the surface's default start when omitted."
    )
    optimizer: OptimizerSpec
    scheduler: SchedulerSpec | None = None
    noise: NoiseSpec | None = None
    clip: ClipSpec | None = Field(
        default=None, description="Clip the gradient after the noise is added, before the optimizer sees it."
    )


# The server's limits are settings (app/settings.py, OPTIMLAB_MAX_*), so the schema names them rather than
# fixing numbers; GET /api/catalog gives this server's values under `limits`.
class ExperimentSpec(StrictModel):
    surface: SurfaceSpec
    steps: RequestInt = Field(default=500, ge=1, description="At most the server's `limits.max_steps`.")
    tolerance: FiniteFloat = Field(default=1e-6, ge=0.0)
    runs: list[RunSpec] = Field(min_length=1, description="At most the server's `limits.max_runs`.")
    record_state: bool = Field(default=False, strict=True)


# --- sweeps (design.md §6 "Sweep request") ---------------------------------------------------------------

MAX_SWEEP_RESOLUTION = DEFAULT_LIMITS.max_sweep_resolution
MAX_SWEEP_VALUES = DEFAULT_LIMITS.max_sweep_values
MAX_SWEEP_SEEDS = DEFAULT_LIMITS.max_sweep_seeds


RANGE = "[min, max] with min < max (and max - min finite); the surface's domain when omitted."


class StartVary(StrictModel):
    """A basin map: the run repeated from every start of an N×N grid (the surface's domain by default)."""

    kind: Literal["start"]
    x: tuple[FiniteFloat, FiniteFloat] | None = Field(default=None, examples=[[-5.0, 5.0]], description=RANGE)
    y: tuple[FiniteFloat, FiniteFloat] | None = Field(default=None, examples=[[-5.0, 5.0]], description=RANGE)
    resolution: RequestInt = Field(default=32, ge=2, le=MAX_SWEEP_RESOLUTION)


SWEEP_NAME_DOC = (
    "What to vary (app/engine/hyperparameters.py): a number the optimizer takes (`lr`, `momentum`, `eps`), one "
    "side of a pair (`betas[0]`, `betas[1]`) or a number the run's scheduler takes (`scheduler.gamma`, "
    "`scheduler.step_size`)."
)


class ParamVary(StrictModel):
    """The run repeated with one hyperparameter set to each value."""

    kind: Literal["param"]
    name: str = Field(default="lr", max_length=64, description=SWEEP_NAME_DOC, examples=["lr", "betas[0]"])
    values: list[FiniteFloat] = Field(min_length=1, max_length=MAX_SWEEP_VALUES)
    seeds: list[Seed] | None = Field(
        default=None, min_length=1, max_length=MAX_SWEEP_SEEDS,
        description="With gradient noise: each value run once per noise seed and scored by the median over the "
        "seeds (the lower middle one for an even count; a diverged seed counts as worse than any loss), instead "
        "of by one noisy draw (design.md §11).",
    )  # fmt: skip


class SweepAxis(StrictModel):
    name: str = Field(max_length=64, description=SWEEP_NAME_DOC, examples=["lr", "scheduler.gamma"])
    values: list[FiniteFloat] = Field(min_length=1, max_length=MAX_SWEEP_VALUES)


class Grid2Vary(StrictModel):
    """Two hyperparameters at once: every pair of values. The two names differ."""

    kind: Literal["grid2"]
    x: SweepAxis
    y: SweepAxis = Field(description="a hyperparameter other than x's")


class SeedVary(StrictModel):
    """The run, with noise, repeated once per noise seed: a seed band."""

    kind: Literal["seed"]
    seeds: list[Seed] = Field(min_length=1, max_length=MAX_SWEEP_SEEDS)


Vary = Annotated[StartVary | ParamVary | Grid2Vary | SeedVary, Field(discriminator="kind")]


class SweepSpec(StrictModel):
    surface: SurfaceSpec
    steps: RequestInt = Field(
        default=300, ge=1,
        description="At most the server's `limits.max_steps`; cells × steps at most `limits.max_sweep_work`.",
    )  # fmt: skip
    tolerance: FiniteFloat = Field(default=1e-6, ge=0.0)
    run: RunSpec
    vary: Vary
