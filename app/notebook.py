"""The engine from a notebook (SPEC §9): `run(...)` and `sweep(...)`, no server needed.

    from app import run
    result = run(surface={"id": "rosenbrock"}, steps=300,
                 runs=[{"optimizer": {"id": "Adam", "params": {"lr": 0.02}}}])
    result["runs"][0]["loss"][-1], result.figure()

Results are the API's documents, with the per-step arrays as numpy arrays.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from app.engine.runs import DEFAULT_LIMITS, Limits, run_experiment
from app.engine.spec import ExperimentSpec
from app.engine.surfaces import resolve_surface

ARRAY_KEYS = ("x", "y", "loss", "lr")
# Okabe–Ito: distinguishable for colour-blind readers, as on the page.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


class ExperimentResult(dict):
    """The same document as POST /api/experiments, arrays as numpy, plus `.figure()`."""

    def figure(self, resolution: int = 120) -> go.Figure:
        """The paths on the surface's contour map (left) and the loss curves, log scale (right)."""
        surface = self["surface"]
        resolved = resolve_surface(surface["id"], surface["params"])
        (x0, x1), (y0, y1) = surface["domain"]["x"], surface["domain"]["y"]
        xs = torch.linspace(x0, x1, resolution, dtype=torch.float64)
        ys = torch.linspace(y0, y1, resolution, dtype=torch.float64)
        z = resolved.on_grid(xs, ys).numpy()
        shift = 1e-12 - min(float(np.nanmin(z[np.isfinite(z)])), 0.0)
        figure = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45], subplot_titles=("paths", "loss"))
        figure.add_trace(
            go.Contour(x=xs.numpy(), y=ys.numpy(), z=np.log10(np.clip(z + shift, 1e-12, None)),
                       colorscale="Greys", reversescale=True, showscale=False, opacity=0.6,
                       contours={"coloring": "heatmap"}, hoverinfo="skip"),
            row=1, col=1,
        )  # fmt: skip
        f_min = surface.get("min_value") or 0.0
        for i, run in enumerate(self["runs"]):
            colour = PALETTE[i % len(PALETTE)]
            figure.add_trace(go.Scatter(x=run["x"], y=run["y"], mode="lines", name=run["label"],
                                        line={"color": colour}, legendgroup=str(i)), row=1, col=1)  # fmt: skip
            gap = np.clip(np.asarray(run["loss"]) - f_min, 1e-16, None)
            figure.add_trace(go.Scatter(y=gap, mode="lines", name=run["label"], line={"color": colour},
                                        legendgroup=str(i), showlegend=False), row=1, col=2)  # fmt: skip
        figure.update_yaxes(type="log", title_text="loss − f*" if surface.get("min_value") is not None else "loss",
                            row=1, col=2)  # fmt: skip
        figure.update_xaxes(title_text="step", row=1, col=2)
        figure.update_layout(template="plotly_white", height=460)
        return figure


def _as_arrays(document: dict[str, Any]) -> ExperimentResult:
    result = ExperimentResult(document)
    for run in result["runs"]:
        for key in ARRAY_KEYS:
            run[key] = np.asarray(run[key], dtype=np.float64)
    return result


def _spec(experiment: dict[str, Any] | None, fields: dict[str, Any], model: type) -> Any:
    if experiment is not None and fields:
        raise TypeError("pass the experiment as one dict or as keyword arguments, not both")
    return model.model_validate(experiment if experiment is not None else fields)


def run(
    experiment: dict[str, Any] | None = None, *, limits: Limits = DEFAULT_LIMITS, **fields: Any
) -> ExperimentResult:
    """Run an experiment (the body of POST /api/experiments, as a dict or keyword arguments)."""
    return _as_arrays(run_experiment(_spec(experiment, fields, ExperimentSpec), limits))


def to_plain(result: dict[str, Any]) -> dict[str, Any]:
    """A result with its numpy arrays turned back into lists (e.g. to compare with the API's JSON)."""

    def plain(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            return [None if isinstance(v, float) and not math.isfinite(v) else v for v in value.tolist()]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    return plain(dict(result))
