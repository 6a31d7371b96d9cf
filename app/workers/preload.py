"""What the fork server imports once, so every worker it forks starts warm (design.md §12).

Every router, each of which registers its computation (app/workers/registry.py), and the catalog: torch
imported and the optimizers probed (or their probe read from the cache, design.md §4) before the first
fork, not in each worker. No app is built here: a worker needs no Store, no pool and no routes.
"""

from __future__ import annotations

import torch

import app.main  # noqa: F401 — imports every router, which registers its computation
from app.engine.catalog import catalog, keep_probes_in
from app.settings import Settings

torch.set_num_threads(1)  # as create_app() sets it: tiny tensors, and the same numbers either way
keep_probes_in(Settings().cache_dir)
catalog()
