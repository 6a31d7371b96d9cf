"""The engine from a notebook (design.md §9): `run(...)`, `sweep(...)` and `train(...)`, no server needed.

    from app import run, sweep, train
    result = run(surface={"id": "rosenbrock"}, steps=300,
                 runs=[{"optimizer": {"id": "Adam", "params": {"lr": 0.02}}}])
    result["runs"][0]["loss"][-1], result.figure()
    trained = train(task={"data": {"id": "moons"}}, epochs=30,
                    runs=[{"optimizer": {"id": "Adam", "params": {"lr": 0.01}}}])
    trained["runs"][0]["epochs"]["val_loss"], trained.figure(), trained.figure("loss")
    basins = sweep(surface={"id": "himmelblau"}, run={"optimizer": {"id": "Adam", "params": {"lr": 0.05}}},
                   vary={"kind": "start", "x": [-5, 5], "y": [-5, 5], "resolution": 64})
    basins["minimum_index"], basins.figure()

Results are the API's documents with their numbers as numpy arrays (a `null` becomes NaN): which fields
those are is read from the result shapes (app/engine/results.py), where each field is named once.
"""

from __future__ import annotations

import math
import types
import typing
from functools import cache
from typing import Any

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots
from pydantic import BaseModel

from app.engine import results
from app.engine.limits import DEFAULT_LIMITS, Limits
from app.engine.results import Ragged
from app.engine.runs import run_experiment
from app.engine.spec import ExperimentSpec, SweepSpec
from app.engine.surfaces import resolve_surface
from app.engine.sweeps import run_sweep
from app.engine.train import TrainingSpec, run_training

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


def _number_leaves(annotation: Any) -> set[Any]:
    """The element types of a (nested) list annotation; empty when it is not a list."""
    if typing.get_origin(annotation) is not list:
        return set()
    (element,) = typing.get_args(annotation)
    inner = _number_leaves(element)
    if inner:
        return inner
    members = typing.get_args(element) if isinstance(element, types.UnionType) else (element,)
    return set(members)


@cache
def _arrays_of(shape: type[BaseModel]) -> dict[str, tuple[type, bool]]:
    """The fields of a result shape that hold numbers, always present: name → (numpy dtype, ragged).

    Whole numbers become int64; with nulls among them, float64 (a null is NaN). A list that may itself be
    null (a run's momentum record, design.md §11) becomes an array when it is there and stays None when not."""
    arrays = {}
    for name, field in shape.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, types.UnionType):
            members = [member for member in typing.get_args(annotation) if member is not type(None)]
            annotation = members[0] if len(members) == 1 else annotation
        leaves = _number_leaves(annotation)
        if field.is_required() and leaves and leaves <= {float, int, type(None)}:
            dtype = np.int64 if leaves == {int} else np.float64
            arrays[name] = (dtype, any(isinstance(mark, Ragged) for mark in field.metadata))
    return arrays


def _with_arrays(document: dict[str, Any], shape: type[BaseModel]) -> None:
    """Numbers to numpy, in place; a ragged list of lists (a seed band's paths) becomes a list of arrays."""
    for name, (dtype, ragged) in _arrays_of(shape).items():
        value = document[name]
        if value is None:
            continue
        document[name] = [np.asarray(row, dtype=dtype) for row in value] if ragged else np.asarray(value, dtype=dtype)


def _as_arrays(document: dict[str, Any]) -> ExperimentResult:
    result = ExperimentResult(document)
    for run in result["runs"]:
        _with_arrays(run, results.RunResult)
    return result


def _sweep_arrays(document: dict[str, Any]) -> SweepResult:
    result = SweepResult(document)
    _with_arrays(result, results.SWEEP_RESULTS[result["kind"]])
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


# --- model mode (design.md §10) ------------------------------------------------------------------------


class TrainingResult(dict):
    """The same document as POST /api/trainings, numbers as numpy arrays, plus `.figure()`."""

    def figure(self, of: str = "landscape") -> go.Figure:
        """`landscape`: every run's path on the training loss over the plane (log10 contours); `loss`: train
        (dashed) and validation (solid) loss per epoch, log scale; `accuracy`: the same for accuracy."""
        draw = {"landscape": self._landscape, "loss": self._curves, "accuracy": self._curves}
        if of not in draw:
            raise ValueError(f"figure(of=...) is one of {', '.join(draw)}, not {of!r}")
        figure = draw[of](of)
        figure.update_layout(template="plotly_white", height=460)
        return figure

    def _landscape(self, of: str) -> go.Figure:
        landscape = self["landscape"]
        if landscape is None:
            raise ValueError('this training computed no landscape (its request had "landscape": null)')
        loss = np.asarray(landscape["loss"], dtype=np.float64)
        figure = go.Figure(go.Contour(x=landscape["u"], y=landscape["v"], z=np.log10(np.clip(loss, 1e-12, None)),
                                      colorscale="Greys", reversescale=True, opacity=0.7,
                                      colorbar={"title": "log10 training loss"}, hoverinfo="skip"))  # fmt: skip
        for i, run in enumerate(self["runs"]):
            figure.add_trace(go.Scatter(x=run["path"]["u"], y=run["path"]["v"], mode="lines", name=run["label"],
                                        line={"color": PALETTE[i % len(PALETTE)]}))  # fmt: skip
        explained = landscape["explained_variance"]
        titles = [f"d{k + 1}" + (f" ({explained[k]:.0%} of the variance)" if explained is not None else "")
                  for k in range(2)]  # fmt: skip
        figure.update_layout(xaxis_title=titles[0], yaxis_title=titles[1],
                             title=f"{landscape['method']} plane through the initial weights")  # fmt: skip
        return figure

    def _curves(self, of: str) -> go.Figure:
        figure = go.Figure()
        for i, run in enumerate(self["runs"]):
            colour = PALETTE[i % len(PALETTE)]
            for split, dash in (("train", "dash"), ("val", "solid")):
                values = run["epochs"][f"{split}_{of}"]
                figure.add_trace(go.Scatter(x=np.arange(len(values)), y=values, mode="lines",
                                            name=f"{run['label']} ({split})", legendgroup=str(i),
                                            line={"color": colour, "dash": dash}))  # fmt: skip
        figure.update_layout(xaxis_title="epoch", yaxis_title=of, yaxis_type="log" if of == "loss" else "linear")
        return figure


TRAINING_RUN_GROUPS = {"steps": results.StepRecords, "epochs": results.EpochRecords, "path": results.PlanePath}


def _training_arrays(document: dict[str, Any]) -> TrainingResult:
    """Every per-step, per-epoch, path, prediction and landscape list as a numpy array (a null loss is NaN),
    as the result shapes (app/engine/results.py) name them; the inspector's records stay nested lists."""
    result = TrainingResult(document)
    for run in result["runs"]:
        _with_arrays(run, results.TrainingRunResult)
        for group, shape in TRAINING_RUN_GROUPS.items():
            if run[group] is not None:
                _with_arrays(run[group], shape)
    if result["landscape"] is not None:
        _with_arrays(result["landscape"], results.LandscapeResult)
    return result


def train(training: dict[str, Any] | None = None, *, limits: Limits = DEFAULT_LIMITS, **fields: Any) -> TrainingResult:
    """Train a network (the body of POST /api/trainings, as a dict or keyword arguments)."""
    return _training_arrays(run_training(_spec(training, fields, TrainingSpec), limits))
