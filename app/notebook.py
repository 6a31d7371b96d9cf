"""The engine from a notebook (design.md §9): `run(...)` and `sweep(...)`, no server needed.

    from app import run, sweep
    result = run(surface={"id": "rosenbrock"}, steps=300,
                 runs=[{"optimizer": {"id": "Adam", "params": {"lr": 0.02}}}])
    result["runs"][0]["loss"][-1], result.figure()
    basins = sweep(surface={"id": "himmelblau"}, run={"optimizer": {"id": "Adam", "params": {"lr": 0.05}}},
                   vary={"kind": "start", "x": [-5, 5], "y": [-5, 5], "resolution": 64})
    basins["minimum_index"], basins.figure()

Results are the API's documents with their numbers as numpy arrays (a `null` becomes NaN).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from app.engine.runs import DEFAULT_LIMITS, Limits, run_experiment
from app.engine.spec import ExperimentSpec, SweepSpec
from app.engine.surfaces import resolve_surface
from app.engine.sweeps import run_sweep

ARRAY_KEYS = ("x", "y", "loss", "lr", "momentum")  # momentum stays None for an optimizer without one
# A sweep's numeric fields; grids (rows = y values, columns = x values) become 2-D arrays.
SWEEP_ARRAY_KEYS = ("x", "y", "values", "seeds", "final_loss", "best_loss", "steps_to_tolerance",
                    "final_x", "final_y", "minimum_index", "loss_p10", "loss_p50", "loss_p90")  # fmt: skip
# Okabe–Ito: distinguishable for colour-blind readers, as on the page.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def _contour(surface: dict[str, Any], resolution: int) -> go.Contour:
    """The surface's log-scaled contour map, grey, under the paths."""
    resolved = resolve_surface(surface["id"], surface["params"])
    (x0, x1), (y0, y1) = surface["domain"]["x"], surface["domain"]["y"]
    xs = torch.linspace(x0, x1, resolution, dtype=torch.float64)
    ys = torch.linspace(y0, y1, resolution, dtype=torch.float64)
    z = resolved.on_grid(xs, ys).numpy()
    shift = 1e-12 - min(float(np.nanmin(z[np.isfinite(z)])), 0.0)
    return go.Contour(x=xs.numpy(), y=ys.numpy(), z=np.log10(np.clip(z + shift, 1e-12, None)),
                      colorscale="Greys", reversescale=True, showscale=False, opacity=0.6,
                      contours={"coloring": "heatmap"}, hoverinfo="skip")  # fmt: skip


def _loss_axis_title(surface: dict[str, Any]) -> str:
    return "loss − f*" if surface.get("min_value") is not None else "loss"


def _gap(loss: Any, surface: dict[str, Any]) -> np.ndarray:
    """Loss above the known minimum, floored so a log axis can show it."""
    return np.clip(np.asarray(loss, dtype=np.float64) - (surface.get("min_value") or 0.0), 1e-16, None)


class ExperimentResult(dict):
    """The same document as POST /api/experiments, arrays as numpy, plus `.figure()`."""

    def figure(self, resolution: int = 120) -> go.Figure:
        """The paths on the surface's contour map (left) and the loss curves, log scale (right)."""
        surface = self["surface"]
        figure = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45], subplot_titles=("paths", "loss"))
        figure.add_trace(_contour(surface, resolution), row=1, col=1)
        for i, run in enumerate(self["runs"]):
            colour = PALETTE[i % len(PALETTE)]
            figure.add_trace(go.Scatter(x=run["x"], y=run["y"], mode="lines", name=run["label"],
                                        line={"color": colour}, legendgroup=str(i)), row=1, col=1)  # fmt: skip
            figure.add_trace(go.Scatter(y=_gap(run["loss"], surface), mode="lines", name=run["label"],
                                        line={"color": colour}, legendgroup=str(i), showlegend=False),
                             row=1, col=2)  # fmt: skip
        figure.update_yaxes(type="log", title_text=_loss_axis_title(surface), row=1, col=2)
        figure.update_xaxes(title_text="step", row=1, col=2)
        figure.update_layout(template="plotly_white", height=460)
        return figure


class SweepResult(dict):
    """The same document as POST /api/sweeps, numbers as numpy arrays, plus `.figure()`."""

    def figure(self, of: str | None = None, resolution: int = 120) -> go.Figure:
        """The sweep drawn as the page draws it.

        `start` and `grid2`: a heatmap of `of` (default: the minimum reached for basin maps on surfaces with
        known minima, else the final loss); `param`: final loss against the value, log-log, best marked; `seed`: every
        seed's path faint on the map and the 10–90 % loss band with its median.
        """
        draw = {"start": self._map, "grid2": self._map, "param": self._curve, "seed": self._band}[self["kind"]]
        basins = self["kind"] == "start" and bool(self["surface"]["minima"])  # no known minima: nothing to name
        figure = draw(of or ("minimum_index" if basins else "final_loss"), resolution)
        figure.update_layout(template="plotly_white", height=460)
        return figure

    def _map(self, of: str, resolution: int) -> go.Figure:
        z = np.asarray(self[of], dtype=np.float64)
        logged = of == "final_loss"
        figure = go.Figure(go.Heatmap(
            x=self["x"], y=self["y"], z=np.log10(np.clip(z, 1e-16, None)) if logged else z,
            colorscale="Viridis", colorbar={"title": f"log10 {of}" if logged else of},
        ))  # fmt: skip
        if self["kind"] == "start":
            figure.update_layout(xaxis_title="start x", yaxis_title="start y", yaxis_scaleanchor="x")
        else:
            figure.update_layout(xaxis_title=self["x_name"], yaxis_title=self["y_name"])
        return figure

    def _curve(self, of: str, resolution: int) -> go.Figure:
        figure = go.Figure(go.Scatter(x=self["values"], y=_gap(self[of], self["surface"]), mode="lines+markers",
                                      name=of, line={"color": PALETTE[0]}))  # fmt: skip
        if self["best"] is not None:
            best = self["best"]
            figure.add_trace(go.Scatter(x=[best["value"]], y=_gap([best["final_loss"]], self["surface"]),
                                        mode="markers", name="best",
                                        marker={"size": 12, "color": PALETTE[5]}))  # fmt: skip
        figure.update_layout(xaxis_type="log", yaxis_type="log", xaxis_title=self["name"],
                             yaxis_title=_loss_axis_title(self["surface"]))  # fmt: skip
        return figure

    def _band(self, of: str, resolution: int) -> go.Figure:
        surface = self["surface"]
        figure = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45], subplot_titles=("paths", "loss band"))
        figure.add_trace(_contour(surface, resolution), row=1, col=1)
        for x, y in zip(self["x"], self["y"], strict=True):
            figure.add_trace(go.Scatter(x=x, y=y, mode="lines", line={"color": PALETTE[0], "width": 1},
                                        opacity=0.15, showlegend=False, hoverinfo="skip"), row=1, col=1)  # fmt: skip
        low, high = _gap(self["loss_p10"], surface), _gap(self["loss_p90"], surface)
        steps = np.arange(len(low))
        figure.add_trace(go.Scatter(x=np.concatenate([steps, steps[::-1]]), y=np.concatenate([high, low[::-1]]),
                                    fill="toself", line={"width": 0}, fillcolor="rgba(0,114,178,0.25)",
                                    name="10–90 %"), row=1, col=2)  # fmt: skip
        figure.add_trace(go.Scatter(x=steps, y=_gap(self["loss_p50"], surface), mode="lines", name="median",
                                    line={"color": PALETTE[0]}), row=1, col=2)  # fmt: skip
        figure.update_yaxes(type="log", title_text=_loss_axis_title(surface), row=1, col=2)
        figure.update_xaxes(title_text="step", row=1, col=2)
        return figure


def _as_arrays(document: dict[str, Any]) -> ExperimentResult:
    result = ExperimentResult(document)
    for run in result["runs"]:
        for key in ARRAY_KEYS:
            if run[key] is not None:
                run[key] = np.asarray(run[key], dtype=np.float64)
    return result


def _sweep_arrays(document: dict[str, Any]) -> SweepResult:
    """Numbers to numpy; a seed band's paths stay a list, one array per seed (a diverged one is shorter)."""
    result = SweepResult(document)
    ragged = result["kind"] == "seed"
    for key in SWEEP_ARRAY_KEYS:
        if key not in result:
            continue
        if ragged and key in ("x", "y"):
            result[key] = [np.asarray(path, dtype=np.float64) for path in result[key]]
        else:
            result[key] = np.asarray(result[key], dtype=np.int64 if key == "seeds" else np.float64)
    if ragged:
        result["loss"] = [np.asarray(path, dtype=np.float64) for path in result["loss"]]
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


def sweep(experiment: dict[str, Any] | None = None, *, limits: Limits = DEFAULT_LIMITS, **fields: Any) -> SweepResult:
    """Run a sweep (the body of POST /api/sweeps, as a dict or keyword arguments)."""
    return _sweep_arrays(run_sweep(_spec(experiment, fields, SweepSpec), limits))


def to_plain(result: dict[str, Any]) -> dict[str, Any]:
    """A result with its numpy arrays turned back into lists (e.g. to compare with the API's JSON)."""

    def plain(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            return plain(value.tolist())
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    return plain(dict(result))
