"""Every limit on what one request may ask for, in one place (design.md §12).

`Limits` is the single source: its defaults are the server's, `app.settings.Settings` reads each field
from the environment under the same name (`OPTIMLAB_MAX_STEPS`), `GET /api/catalog` sends them all by
these names, and the page reads them from there. Adding a limit is one line here; enforcing it is the
job of the code that knows what it bounds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated, Any

from pydantic import Field


@dataclass(frozen=True)
class Limits:
    """What one request may ask for. The `Field` of each is its rule as a setting and its documentation."""

    max_steps: Annotated[int, Field(ge=1, description="steps of one experiment or sweep")] = 20_000
    max_runs: Annotated[int, Field(ge=1, description="runs of one experiment")] = 16
    max_formula_length: Annotated[int, Field(ge=1, description="characters of a formula")] = 500
    max_sweep_work: Annotated[int, Field(ge=1, description="sweep runs × steps")] = 20_000_000
    max_seconds: Annotated[float, Field(gt=0, description="compute time one experiment or sweep may take")] = 120.0
    max_body_bytes: Annotated[int, Field(ge=1024, description="bytes of a request body")] = 64 * 1024
    max_grid_resolution: Annotated[int, Field(ge=2, description="points per axis of a surface grid")] = 400
    # The request schema's caps on a sweep's lists (app/engine/spec.py): a setting may lower them only.
    max_sweep_resolution: Annotated[int, Field(ge=2, description="points per axis of a basin map")] = 128
    max_sweep_values: Annotated[int, Field(ge=1, description="values of one swept hyperparameter")] = 256
    max_sweep_seeds: Annotated[int, Field(ge=1, description="seeds of a seed band")] = 256
    max_result_bytes: Annotated[int, Field(ge=1024, description="bytes of one request's result")] = 64 * 2**20
    # The request schema's other caps that the page also checks (a setting may lower them only).
    max_label_length: Annotated[int, Field(ge=1, description="characters of a run's label")] = 100
    max_qr_url_length: Annotated[int, Field(ge=16, description="characters of a URL drawn as a QR code")] = 2048
    # Hyperparameters: integers are counts and sizes (iterations, step sizes, LBFGS's history_size, which torch
    # allocates lists of), so their bound keeps one request from asking for gigabytes.
    max_integer: Annotated[int, Field(ge=1, description="size of an integer hyperparameter")] = 1_000_000
    max_int_list_length: Annotated[int, Field(ge=1, description="integers of a list (milestones)")] = 1000
    max_scheduler_children: Annotated[int, Field(ge=1, description="schedulers one scheduler combines")] = 8
    max_scheduler_nesting: Annotated[int, Field(ge=0, description="levels of schedulers within schedulers")] = 4
    # Model mode (design.md §10).
    max_epochs: Annotated[int, Field(ge=1, description="epochs of one training")] = 500
    max_samples: Annotated[int, Field(ge=4, description="points of a generated data set")] = 5_000
    max_parameters: Annotated[int, Field(ge=1, description="weights of a model")] = 20_000
    max_hidden_layers: Annotated[int, Field(ge=0, description="hidden layers of a model")] = 4
    max_hidden_units: Annotated[int, Field(ge=1, description="units of one hidden layer")] = 128
    max_training_work: Annotated[
        int, Field(ge=1, description="runs × epochs × training points × parameters of one training")
    ] = 20_000_000_000
    max_landscape_work: Annotated[
        int, Field(ge=1, description="resolution² × training points × parameters of a landscape")
    ] = 5_000_000_000
    max_recorded_weights: Annotated[
        int, Field(ge=1, description="runs × (steps + 1) × parameters kept for the PCA plane")
    ] = 25_000_000
    # The shared store (design.md §11): what one short link or lesson deck may hold.
    max_link_state_length: Annotated[int, Field(ge=16, description="characters of page state per short link")] = 8192
    max_deck_lessons: Annotated[int, Field(ge=1, description="lessons of one deck")] = 64

    def as_dict(self) -> dict[str, Any]:
        """Every limit by its name, as the catalog sends them."""
        return asdict(self)


DEFAULT_LIMITS = Limits()
