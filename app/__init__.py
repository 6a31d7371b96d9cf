"""optimlab: real torch.optim trajectories on 2-D loss surfaces, as a library and a web app.

In a notebook: ``from app import run, sweep, train`` (see app/notebook.py).
"""

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "run", "sweep", "train"]


def __getattr__(name: str) -> Any:
    """`run`, `sweep` and `train` load the engine (and torch) only when first asked for."""
    if name in ("run", "sweep", "train"):
        from app import notebook

        return getattr(notebook, name)
    raise AttributeError(f"module 'app' has no attribute {name!r}")
