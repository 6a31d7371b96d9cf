"""What the fork server imports once, so every worker it forks starts warm (design.md §12).

Every router, each of which registers its computation (app/workers/registry.py), and the catalog: torch
imported and the optimizers probed (or their probe read from the cache, design.md §4) before the first
fork, not in each worker. No app is built here: a worker needs no Store, no pool and no routes.

Then a few steps of each mode's documented example: torch imports about 300 more modules at an
optimizer's first step (torch._dynamo among them, about a second of CPU) and a few more at a first
profiled `step()`; scikit-learn's digits take two more seconds to import and load. Done here, no job pays
for them, and no job's deadline alarm can cut an import short half-way (an interrupted import leaves a
half-initialized module behind, which every later job in that worker trips over: "partially initialized
module 'torch._dynamo'").
"""

from __future__ import annotations

from app.api import experiments, sweeps, trainings
from app.main import start_engine  # app.main imports every router, which registers its computation
from app.settings import Settings
from app.workers.registry import COMPUTATIONS

# Documented examples of each mode, cut short: the first step is what matters (and the digits, which
# scikit-learn loads once per process: cached, so every worker shares the fork server's copy).
WARM_UPS = (
    ("experiment", {**experiments.EXAMPLE, "steps": 3}),
    ("sweep", {**sweeps.EXAMPLES[1], "steps": 3}),
    ("training", {**trainings.EXAMPLE, "epochs": 1}),
    ("training", {**trainings.DIGITS_EXAMPLE, "epochs": 1}),
)


def warm_up(settings: Settings) -> None:
    """Run each warm-up request, discarding its events."""
    for name, request in WARM_UPS:
        computation = COMPUTATIONS[name]
        prepared = computation.prepare(computation.spec_model.model_validate(request), settings.limits)
        for _ in computation.iterate(prepared, settings):
            pass


SETTINGS = Settings()
start_engine(SETTINGS)  # as the server does: one torch thread, the catalog probed or read from disk
warm_up(SETTINGS)
