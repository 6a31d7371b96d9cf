"""The shapes of results (design.md §6, §10): what a run, an experiment, each kind of sweep and a training return.

One module names every field once: the API documents its responses with these models (app/api/schemas.py,
and so /docs and schemathesis), and the notebook reads from them which fields hold numbers to make arrays
of (app/notebook.py). The engine builds the documents as plain dicts in these shapes; they are not
re-validated on every request. A field that is only sometimes present is `... | None = None`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, Field, RootModel


class Ragged:
    """Marks a list of lists whose rows differ in length (a seed band's paths): each row is its own array."""


Point = Annotated[list[float], Field(min_length=2, max_length=2)]
RunStatus = Literal["completed", "diverged", "failed"]
PerSeed = Annotated[list[list[float]], Ragged(), Field(description="one list per seed; shorter where it diverged")]


# --- surfaces ---------------------------------------------------------------------------------------


class Domain(BaseModel):
    x: Point
    y: Point


class Minimum(BaseModel):
    point: Point
    value: float


class GradientDescentTheory(BaseModel):
    max_lr: float = Field(description="stable for lr < 2 / max(a, b)")
    best_lr: float = Field(description="2 / (a + b)")
    best_rate: float = Field(description="(κ − 1) / (κ + 1): the distance to the minimum shrinks by it per step")


class StabilityBoundary(BaseModel):
    """lr < (2 + 2·momentum) / max(a, b) is a straight line: its ends at momentum 0 and 1."""

    momentum: list[float]
    lr: list[float]


class HeavyBallTheory(BaseModel):
    stability_boundary: StabilityBoundary
    best_lr: float = Field(description="α* = (2 / (√a + √b))²")
    best_momentum: float = Field(description="β* = ((√κ − 1) / (√κ + 1))²")
    best_rate: float = Field(description="√β*")


class QuadraticTheory(BaseModel):
    """What theory predicts on the quadratic with curvatures a, b > 0 (design.md §11)."""

    source: str
    curvatures: Point = Field(description="[min(a, b), max(a, b)]")
    condition_number: float = Field(description="κ = max(a, b) / min(a, b)")
    gradient_descent: GradientDescentTheory
    heavy_ball: HeavyBallTheory = Field(description="SGD with momentum (no dampening, Nesterov or weight decay)")


class ResolvedSurface(BaseModel):
    """A surface with its parameters bound, as results echo it."""

    id: str
    name: str
    formula: str
    params: dict[str, float | str]
    domain: Domain
    start: Point
    minima: list[Minimum]
    min_value: float | None = Field(description="the known minimum value, null when unknown")
    theory: QuadraticTheory | None = Field(description="the quadratic's theory (a, b > 0); null for other surfaces")


# --- POST /api/experiments ---------------------------------------------------------------------------


class Summary(BaseModel):
    final_loss: float | None
    best_loss: float | None
    steps_to_tolerance: int | None
    distance_to_minimum: float | None
    measured_rate: float | None = Field(
        description="geometric mean of the per-step contraction of the distance to the minimum nearest the last "
        "point, over the last half of the records: (d[n] / d[n // 2]) ** (1 / (n - n // 2)); null with no known "
        "minimum, fewer than two records or d[n // 2] = 0"
    )
    theory_rate: float | None = Field(
        description="on a surface with a theory, for SGD at a constant lr without nesterov, dampening, weight "
        "decay, noise or clipping: the predicted contraction per step (the larger root modulus of "
        "z² − (1 + momentum − lr·λ)·z + momentum over the curvatures λ); null otherwise"
    )


class SchedulerResolved(BaseModel):
    """What the run's scheduler resolved to, so the page can say what "auto" became (design.md §2, §6)."""

    calls: int = Field(description="m: how many times the scheduler is called (steps, or steps // steps_per_epoch)")
    auto: dict[str, Any] = Field(
        description="the values derived from the experiment for the arguments left out (design.md §2), by name"
    )


class RunResult(BaseModel):
    """One run; arrays have steps + 1 entries when it completed (record 0 is the start)."""

    label: str
    scheduler: SchedulerResolved | None = Field(description="null for a run without a scheduler")
    x: list[float]
    y: list[float]
    loss: list[float]
    lr: list[float]
    momentum: list[float | None] | None = Field(
        description="per record, as `lr`: `param_groups[0]['momentum']`, or `betas[0]` (OneCycleLR and CyclicLR "
        "cycle it); null for an optimizer with neither (design.md §11)"
    )
    state: dict[str, list[Any]] | None = Field(
        default=None, description="with record_state: the optimizer's state tensors per step (null before step 1)"
    )
    grad: list[list[float | None] | None] | None = Field(default=None, description="with record_state")
    scheduler_state: dict[str, list[float | None]] | None = Field(
        default=None, description="with record_state, for ReduceLROnPlateau"
    )
    evaluations: list[list[list[float | None]]] | None = Field(
        default=None, description="with record_state, for LBFGS: the points its closure visited in each step"
    )
    status: RunStatus
    diverged_at: int | None
    failed_at: int | None
    error: str | None
    summary: Summary


class ExperimentResult(BaseModel):
    surface: ResolvedSurface
    steps: int
    runs: list[RunResult]


# --- POST /api/sweeps --------------------------------------------------------------------------------


class SweepHead(BaseModel):
    surface: ResolvedSurface
    steps: int


class BasinMap(SweepHead):
    """`[j][i]` is the cell started at (x[i], y[j])."""

    kind: Literal["start"]
    x: list[float]
    y: list[float]
    final_loss: list[list[float | None]]
    steps_to_tolerance: list[list[int | None]]
    status: list[list[RunStatus]]
    final_x: list[list[float | None]]
    final_y: list[list[float | None]]
    minimum_index: list[list[int | None]]


class Grid2Sweep(BasinMap):
    """As a basin map, with `x` and `y` the two hyperparameters' values."""

    kind: Literal["grid2"]  # type: ignore[assignment]
    x_name: str
    y_name: str


class ParamBest(BaseModel):
    value: float
    final_loss: float


class ParamSweep(SweepHead):
    kind: Literal["param"]
    name: str
    values: list[float]
    final_loss: list[float | None]
    best_loss: list[float | None]
    steps_to_tolerance: list[int | None]
    status: list[RunStatus]
    best: ParamBest | None = Field(description="the value with the lowest final loss among runs that did not diverge")
    seeds: list[int] | None = Field(
        default=None,
        description="with `vary.seeds`: then final_loss, best_loss and steps_to_tolerance are each "
        "value's medians over the seeds (null when the median seed diverged or never got there), status is "
        "`diverged` where the median final loss is",
    )
    final_loss_by_seed: list[list[float | None]] | None = Field(
        default=None, description="with `vary.seeds`: per value, each seed's final loss (null: diverged)"
    )


class SeedBand(SweepHead):
    kind: Literal["seed"]
    seeds: list[int]
    x: PerSeed
    y: PerSeed
    loss: PerSeed
    status: list[RunStatus]
    final_loss: list[float | None]
    loss_p10: list[float]
    loss_p50: list[float]
    loss_p90: list[float]


AnySweepResult = BasinMap | Grid2Sweep | ParamSweep | SeedBand


class SweepResult(RootModel[Annotated[AnySweepResult, Field(discriminator="kind")]]):
    pass


SWEEP_RESULTS: dict[str, type[BaseModel]] = {
    get_args(shape.model_fields["kind"].annotation)[0]: shape for shape in get_args(AnySweepResult)
}  # by `kind`


# --- model mode: POST /api/trainings, its LR finder and sweeps (design.md §10) -------------------------


class ResolvedTask(BaseModel):
    data: dict[str, Any] = Field(description="`id` and `params`, defaults filled in")
    model: dict[str, Any] = Field(description="`hidden`, `activation`, `seed`")
    n_train: int
    n_val: int
    features: int
    classes: int
    parameters: int
    steps_per_epoch: int


class BoundaryGridInfo(BaseModel):
    """Where each run's `boundaries` are evaluated: a square around the data (2-D data sets only)."""

    x: Point
    y: Point
    resolution: int
    encoding: str


class StepRecords(BaseModel):
    loss: list[float] = Field(description="each minibatch step's loss (the closure's, before the update)")
    lr: list[float] = Field(description="the lr after each step")


class EpochRecords(BaseModel):
    """Entry 0 is before training; entry e after epoch e (and its scheduler step)."""

    train_loss: list[float]
    val_loss: list[float]
    train_accuracy: list[float]
    val_accuracy: list[float]
    lr: list[float]


class PlanePath(BaseModel):
    u: list[float]
    v: list[float]


class TrainingSummary(BaseModel):
    final_val_loss: float | None
    best_val_loss: float | None
    best_epoch: int | None
    final_val_accuracy: float | None


class TrainingRunResult(BaseModel):
    label: str
    status: RunStatus
    diverged_at: int | None = Field(description="the step (counted over all epochs) whose loss was not finite")
    failed_at: int | None = Field(description="the step that raised")
    error: str | None
    steps: StepRecords
    epochs: EpochRecords
    path: PlanePath | None = Field(description="θ0 (the origin), then the weights after each step on the plane")
    boundaries: list[str] | None = Field(
        description="per recorded epoch, p(class 1) on the `boundary` grid, encoded as `boundary.encoding` says; "
        "null for data that is not 2-D"
    )
    val_predictions: list[list[int]] | None = Field(
        description="per recorded epoch, the predicted class of the first 12 validation points (the first rows of "
        "`x_val` from GET /api/datasets/{id}); null for 2-D data, which has `boundaries` instead"
    )
    state: dict[str, dict[str, list[float | None]]] | None = Field(
        default=None,
        description="with record_state: per parameter (torch's names, `0.weight`) and per tensor of the optimizer's "
        "state (torch's names, `exp_avg`), its norm after each step, aligned with `steps`; null before a state "
        "exists. Counters without a dimension (`step`) are left out",
    )
    update: dict[str, list[float | None]] | None = Field(
        default=None, description="with record_state: per parameter, the norm of each step's change of it (float32)"
    )
    scheduler_state: dict[str, list[float | int | None]] | None = Field(
        default=None,
        description="with record_state, for ReduceLROnPlateau: `best`, `num_bad_epochs`, `cooldown_counter` and "
        "`patience` per recorded epoch, aligned with `epochs` (`best` is null before the first epoch)",
    )
    summary: TrainingSummary


class LandscapeResult(BaseModel):
    """loss[j][i] is the training loss at θ0 + u[i]·d1 + v[j]·d2; null where it is not finite."""

    method: Literal["pca", "random"]
    explained_variance: list[float] | None = Field(description="pca: the fraction of variance d1 and d2 capture")
    u: list[float]
    v: list[float]
    loss: list[list[float | None]]


class TrainingResult(BaseModel):
    task: ResolvedTask
    epochs: int
    batch_size: int
    shuffle_seed: int
    landscape: LandscapeResult | None = Field(description="null when the request asked for none")
    boundary: BoundaryGridInfo | None = Field(description="null for data that is not 2-D")
    runs: list[TrainingRunResult]


class LRSuggestion(BaseModel):
    steepest: float | None = Field(description="the lr where the smoothed loss falls fastest per unit of log lr")
    minimum_over_10: float | None = Field(description="a tenth of the lr at the smoothed loss's minimum")


class LRFinderResult(BaseModel):
    """The LR range test: one entry per step taken (it stops early once the smoothed loss passes 4× its best)."""

    task: ResolvedTask
    lr: list[float]
    loss: list[float]
    smoothed: list[float] = Field(description="the debiased exponential average of the loss, β = 0.98")
    suggestion: LRSuggestion
    error: str | None = Field(description="what a step that raised said; the steps before it stand")


class TrainingSweepBest(BaseModel):
    value: float
    final_val_loss: float


class TrainingSweepResult(BaseModel):
    """One run trained once per value of one optimizer hyperparameter; entry i is values[i]'s run."""

    task: ResolvedTask
    epochs: int
    kind: Literal["param"]
    name: str
    values: list[float]
    status: list[RunStatus]
    final_val_loss: list[float | None]
    best_val_loss: list[float | None]
    final_val_accuracy: list[float | None]
    best: TrainingSweepBest | None = Field(description="the value with the lowest final validation loss among "
                                           "the runs that completed")  # fmt: skip
