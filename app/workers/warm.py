"""The fork server's preload: every module app.main imports, then a small run of each mode through the engine.

torch imports about 300 more modules at an optimizer's first step (torch._dynamo among them, about a
second of CPU) and a few more at a first profiled `step()` or training step; scikit-learn's digits take
two more seconds to import and load. Done here, once, every worker forked afterwards has them: no job
pays for them, and no job's deadline alarm can cut one short half-way (an interrupted import leaves a
half-initialized module behind, which every later job in that worker trips over: "partially initialized
module 'torch._dynamo'").
"""

from __future__ import annotations

import app.main  # noqa: F401 — registers every computation
from app.api import experiments, sweeps, trainings
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


def warm_up() -> None:
    """Run each warm-up request, discarding its events."""
    settings = Settings()
    for name, request in WARM_UPS:
        computation = COMPUTATIONS[name]
        prepared = computation.prepare(computation.spec_model.model_validate(request), settings.limits)
        for _ in computation.iterate(prepared, settings):
            pass


warm_up()
