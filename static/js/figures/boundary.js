// The decision boundary of a 2-D data set (design.md §10): the run's predicted p(class 1) over the
// input square at one epoch, as a heatmap with the 0.5 contour, the training points filled and the
// validation points hollow; and the same as small multiples, one per run. Pure: {data, layout} from
// the training result (its `boundary` grid and each run's `boundaries`, app/engine/train/boundaries.py)
// and the data set's tensors (GET /api/datasets/{id} with the training's params).
//
// Entry points for the page: boundaryFigure({result, data, run, epoch, theme}) and
// boundaryMultiplesFigure({result, data, epoch, theme, colors, box}).

import { axis, baseLayout, escapeHtml } from "../plot/kit.js";
import { formatNumber } from "../ui/format.js";
import { gridShape, suffix } from "./multiples.js";

/**
 * The classes' colours: ColorBrewer's PuOr ends, a diverging pair colour-blind readers tell apart,
 * the same in both themes (the probability is data, not chrome). Class 0 orange, class 1 purple.
 */
export const CLASS_COLORS = Object.freeze(["#b35806", "#542788"]);
/** p(class 1) from 0 to 1: class 0's colour, a neutral middle at 0.5, class 1's colour. */
export const PROBABILITY_SCALE = Object.freeze([
  [0, CLASS_COLORS[0]], [0.25, "#f1a340"], [0.5, "#f7f7f7"], [0.75, "#998ec3"], [1, CLASS_COLORS[1]],
]);

/** `count` evenly spaced values from `low` to `high`, both included (the grid's axes). */
export function linspace([low, high], count) {
  return Array.from({ length: count }, (_, i) => low + ((high - low) * i) / (count - 1));
}

/** One epoch's encoded boundary as z[j][i] = p(class 1) at (x[i], y[j]): base64 bytes round(255·p), rows from the bottom. */
export function decodeBoundary(encoded, resolution) {
  const bytes = atob(encoded);
  if (bytes.length !== resolution * resolution) {
    throw new Error(`a boundary of ${bytes.length} bytes is not ${resolution}×${resolution}`);
  }
  return Array.from({ length: resolution }, (_, j) =>
    Array.from({ length: resolution }, (_, i) => bytes.charCodeAt(j * resolution + i) / 255));
}

/** The epoch a run can show: the cursor's, or its last recorded one when it ended earlier. */
export function shownEpoch(run, epoch) {
  const recorded = run.boundaries?.length ?? 0;
  return recorded === 0 ? null : Math.max(0, Math.min(epoch, recorded - 1));
}

/** The data set's points of one split as a marker trace: filled for training, hollow for validation. */
function pointsTrace(xs, ys, split, theme) {
  const train = split === "train";
  return {
    type: "scatter", mode: "markers", x: xs.map((p) => p[0]), y: xs.map((p) => p[1]),
    meta: { role: `${split}-points` },
    text: ys.map((label) => `${train ? "training" : "validation"} point, class ${label}`),
    hovertemplate: "%{text}<br>(%{x:.3g}, %{y:.3g})<extra></extra>",
    marker: train
      ? { size: 6, color: ys.map((label) => CLASS_COLORS[label]), line: { width: 0.8, color: theme.bg } }
      : { size: 7, symbol: "circle-open", color: ys.map((label) => CLASS_COLORS[label]), line: { width: 1.8 } },
  };
}

/** The heatmap, the 0.5 contour and the points of one run at one epoch (axes as Plotly names them). */
export function boundaryTraces({ grid, encoded, data, theme, axes = {} }) {
  const x = linspace(grid.x, grid.resolution);
  const y = linspace(grid.y, grid.resolution);
  const z = decodeBoundary(encoded, grid.resolution);
  return [
    {
      type: "heatmap", x, y, z, zmin: 0, zmax: 1, zsmooth: "best", colorscale: PROBABILITY_SCALE, showscale: false,
      meta: { role: "probability" }, hovertemplate: "(%{x:.3g}, %{y:.3g})<br>p(class 1) %{z:.2f}<extra></extra>",
    },
    {
      type: "contour", x, y, z, showscale: false, hoverinfo: "skip", meta: { role: "decision-boundary" },
      contours: { start: 0.5, end: 0.5, size: 1, coloring: "lines" },
      colorscale: [[0, theme.ink], [1, theme.ink]], line: { width: 2 * theme.lineScale },
    },
    pointsTrace(data.x_train, data.y_train, "train", theme),
    pointsTrace(data.x_val, data.y_val, "val", theme),
  ].map((trace) => ({ ...trace, ...axes }));
}

function squareAxes(grid, theme, i = 0, { titles = true } = {}) {
  const shared = { showgrid: false, zeroline: false, constrain: "domain" };
  return {
    [`xaxis${suffix(i)}`]: axis(theme, { ...shared, range: grid.x, ...(titles && { title: { text: "x₁", standoff: 2 } }),
      ...(i > 0 && { matches: "x" }) }),
    [`yaxis${suffix(i)}`]: axis(theme, { ...shared, range: grid.y, scaleanchor: `x${suffix(i)}`, scaleratio: 1,
      ...(titles && { title: { text: "x₂", standoff: 2 } }) }),
  };
}

/** What the figure states about a run's epoch: the epoch shown, and when the run ended before the cursor. */
function epochText(run, epoch, shown) {
  const ended = shown < epoch ? ` (${run.status} after epoch ${shown})` : "";
  return `epoch ${shown}${ended}`;
}

/** The selected run's boundary at the cursor's epoch; an empty figure with a note for data that is not 2-D. */
export function boundaryFigure({ result, data, run: index, epoch, theme }) {
  const layout = { ...baseLayout(theme), margin: { l: 44, r: 10, t: 30, b: 36 }, annotations: [] };
  const run = result?.runs?.[index];
  const shown = run ? shownEpoch(run, epoch) : null;
  if (!result?.boundary || !data || shown === null) {
    layout.annotations.push({ text: "no decision boundary: the data is not 2-D, or the run has no epoch yet",
      showarrow: false, xref: "paper", yref: "paper", x: 0.5, y: 0.5, font: { color: theme.muted } });
    return { data: [], layout: { ...layout, xaxis: { visible: false }, yaxis: { visible: false } } };
  }
  const val = run.epochs?.val_accuracy?.[shown];
  layout.title = {
    text: `${escapeHtml(run.label)} · ${epochText(run, epoch, shown)}` +
      (val === undefined ? "" : ` · validation accuracy ${formatNumber(val)}`),
    font: { size: theme.fontSize }, x: 0, xanchor: "left",
  };
  return {
    data: boundaryTraces({ grid: result.boundary, encoded: run.boundaries[shown], data, theme }),
    layout: { ...layout, ...squareAxes(result.boundary, theme) },
  };
}

/** Every run's boundary at the cursor's epoch, one subplot each, titled with the run's colour and label. */
export function boundaryMultiplesFigure({ result, data, epoch, theme, colors = [], box }) {
  const runs = result?.boundary && data ? result.runs : [];
  const n = Math.max(runs.length, 1);
  const { columns, rows } = gridShape(n, box);
  const layout = {
    ...baseLayout(theme), margin: { l: 36, r: 8, t: 26, b: 30 },
    grid: { rows, columns, pattern: "independent", xgap: 0.08, ygap: 0.16 }, annotations: [],
  };
  const traces = [];
  runs.forEach((run, i) => {
    const shown = shownEpoch(run, epoch);
    const axes = { xaxis: `x${suffix(i)}`, yaxis: `y${suffix(i)}` };
    Object.assign(layout, squareAxes(result.boundary, theme, i, { titles: false }));
    if (shown !== null) {
      traces.push(...boundaryTraces({ grid: result.boundary, encoded: run.boundaries[shown], data, theme, axes }));
    }
    const color = colors[i] ? `<span style="color:${theme.runColor(colors[i])}">●</span> ` : "";
    layout.annotations.push({
      xref: `x${suffix(i)} domain`, yref: `y${suffix(i)} domain`, x: 0, y: 1, xanchor: "left", yanchor: "bottom",
      showarrow: false, align: "left", font: { color: theme.ink, size: 12 },
      text: `${color}${escapeHtml(run.label)}${shown === null ? " · no epoch yet" : ` · ${epochText(run, epoch, shown)}`}`,
    });
  });
  return { data: traces, layout };
}
