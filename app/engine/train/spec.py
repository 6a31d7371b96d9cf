"""The training requests of model mode (design.md §10): shapes and types only.

Like app/engine/spec.py, these models check what a schema can say; what depends on the catalog, the
data set or the server's configurable limits is checked by prepare_training and friends.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from app.engine.spec import ClipSpec, FiniteFloat, OptimizerSpec, ParamVary, RequestInt, Seed, StrictModel

MAX_LANDSCAPE_RESOLUTION = 61
MAX_LR_FINDER_STEPS = 1_000
ACTIVATIONS = ("relu", "tanh", "gelu", "sigmoid")


class DataSpec(StrictModel):
    id: str = Field(max_length=64, examples=["moons"])
    params: dict[str, Any] = Field(
        default_factory=dict,
        examples=[{"n": 400, "noise": 0.2, "seed": 0, "validation": 0.25}],
        description="GET /api/datasets lists each data set's parameters and defaults.",
    )


class ModelSpec(StrictModel):
    """An MLP: Linear and the activation per hidden layer, then a Linear to the classes."""

    hidden: list[RequestInt] = Field(
        default_factory=lambda: [16, 16],
        description="Units per hidden layer: at most the server's `limits.max_hidden_layers` layers of "
        "`limits.max_hidden_units`.",
    )
    activation: Literal["relu", "tanh", "gelu", "sigmoid"] = "tanh"
    seed: Seed = Field(default=0, description="torch.manual_seed before the model")


class TaskSpec(StrictModel):
    data: DataSpec
    model: ModelSpec = Field(default_factory=ModelSpec)


class TrainingSchedulerSpec(StrictModel):
    """A scheduler stepped per epoch (the default) or per minibatch step; ReduceLROnPlateau per epoch only."""

    id: str = Field(max_length=128, examples=["StepLR"])
    params: dict[str, Any] = Field(default_factory=dict)
    interval: Literal["step", "epoch"] = "epoch"


class TrainingRunSpec(StrictModel):
    label: str | None = Field(default=None, max_length=100)
    optimizer: OptimizerSpec
    scheduler: TrainingSchedulerSpec | None = None
    clip: ClipSpec | None = Field(
        default=None, description="gradient clipping on all the model's parameters after backward() (design.md §11)"
    )


class LandscapeSpec(StrictModel):
    method: Literal["pca", "random"] = "pca"
    resolution: RequestInt = Field(default=31, ge=2, le=MAX_LANDSCAPE_RESOLUTION)
    seed: Seed = Field(default=0, description="seeds the random directions")


class TrainingBase(StrictModel):
    """What every computation of model mode shares: the task, the minibatches and their order."""

    task: TaskSpec
    batch_size: RequestInt = Field(default=32, ge=1)
    shuffle_seed: Seed = Field(default=0, description="seeds the minibatch order")  # `< 2**63`: see Seed


class TrainingSpec(TrainingBase):
    epochs: RequestInt = Field(default=30, ge=1, description="At most the server's `limits.max_epochs`.")
    runs: list[TrainingRunSpec] = Field(min_length=1, description="At most the server's `limits.max_runs`.")
    landscape: LandscapeSpec | None = Field(
        default_factory=LandscapeSpec, description="The loss landscape to compute; null for none."
    )
    record_state: bool = Field(
        default=False,
        strict=True,
        description="Also record what the inspector shows: per step and parameter the norms of the optimizer's "
        "state tensors and of the update; per epoch ReduceLROnPlateau's counters. The other numbers do not change.",
    )


class LRFinderSpec(TrainingBase):
    """The LR range test (design.md §10): one run, its lr swept exponentially from start_lr to end_lr."""

    run: TrainingRunSpec
    start_lr: FiniteFloat = Field(default=1e-7, gt=0.0)
    end_lr: FiniteFloat = Field(default=10.0, gt=0.0, description="larger than start_lr")
    num_steps: RequestInt = Field(default=100, ge=2, le=MAX_LR_FINDER_STEPS)


class TrainingSweepSpec(TrainingBase):
    """One run repeated over values of one optimizer hyperparameter, scored by final validation loss."""

    epochs: RequestInt = Field(default=30, ge=1, description="At most the server's `limits.max_epochs`.")
    run: TrainingRunSpec
    vary: ParamVary
