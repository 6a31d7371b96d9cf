// The loss, LR and momentum plots (design.md §7, §11): one curve per run against the step, the shared
// cursor as a vertical line, the seed bands' loss traces after the runs' curves. Pure: {data, layout}.

import { aboveMinimum, axis, baseLayout, escapeHtml } from "../plot/kit.js";
import { minimumValue } from "../state/results.js";
import { formatNumber } from "../ui/format.js";
import { cursorShapes } from "./cursor.js";
import { derived, hoverTemplate } from "./map.js";

const CURVE_WIDTH = 2;

/** What the loss plot draws: loss − f* on a log axis where f* is known, else the loss itself. */
function lossSeries(run, fMin) {
  if (fMin === null) return run.loss;
  // Values at or below f* (reached exactly, or rounding) sit on the floor instead of vanishing.
  return run.loss.map((v) => aboveMinimum(v, fMin));
}

/**
 * Ticks for the LR plot's log axis, spaced as learning-rate sweeps are: 1 and 3 in each decade over
 * up to four decades, whole decades beyond (every other one past six), labelled as the page writes
 * numbers. Under a decade Plotly picks them, a few at most (it would label every tenth).
 */
function lrTicks(runs) {
  let low = Infinity;
  let high = -Infinity;
  for (const run of runs) for (const v of run.lr) { low = Math.min(low, v); high = Math.max(high, v); }
  const decades = Math.log10(high / low);
  if (!(low > 0) || !Number.isFinite(decades)) return {};
  if (decades < 1) return { nticks: 5 };
  const mantissas = decades <= 4 ? [1, 3] : [1];
  const every = Math.ceil(decades / 6);
  const tickvals = [];
  for (let e = Math.floor(Math.log10(low)); e <= Math.ceil(Math.log10(high)); e++) {
    if (e % every === 0) tickvals.push(...mantissas.map((m) => Number((m * 10 ** e).toPrecision(12))));
  }
  return { tickmode: "array", tickvals, ticktext: tickLabels(tickvals) };
}

/**
 * One notation for every label of an axis (issue 20: "0.001" beside "1e-4" read as two scales): as the page
 * writes numbers when all of them are written plainly, else all in e-notation ("3e-4", "1e-3", "1e0").
 */
export function tickLabels(values) {
  const plain = values.map(formatNumber);
  if (!plain.some((text) => text.includes("e"))) return plain;
  return values.map((v) => {
    const [mantissa, exponent] = v.toExponential(2).split("e");
    return `${Number(mantissa)}e${Number(exponent)}`;
  });
}

function curveLayout(theme, results, yaxis, revision) {
  return {
    ...baseLayout(theme, { revision }),
    uirevision: "curves",
    margin: { l: 52, r: 12, t: 30, b: 36 }, // the top strip holds the modebar (PNG export), clear of the curves
    xaxis: axis(theme, { title: { text: "step", standoff: 4 }, range: [0, results?.steps ?? 1] }),
    yaxis: axis(theme, { exponentformat: "power", ...yaxis }),
  };
}

/** A run's curve of `y` against the step. */
function curve(run, y, theme) {
  return {
    type: "scatter", mode: "lines", x: derived(run).steps, y, text: derived(run).text,
    line: { color: theme.runColor(run.color), width: CURVE_WIDTH * theme.lineScale },
    hovertemplate: hoverTemplate(run),
  };
}

/** Where a log axis draws values it cannot show (≤ 0): a decade under the smallest positive value. */
export function logFloor(series) {
  let low = Infinity;
  for (const values of series) for (const v of values) if (v > 0 && v < low) low = v;
  return Number.isFinite(low) ? 10 ** (Math.floor(Math.log10(low)) - 1) : 1e-8;
}

/**
 * A run's values on a log axis whose floor is `floor`: the curve with the non-positive values
 * raised to the floor, and a marker trace on those points (▼ "at the floor", hover says the true
 * value), so a zero shows where it is instead of the axis silently turning linear (design.md §7).
 */
function flooredCurve(run, values, floor, theme, name) {
  const y = values.map((v) => (v !== null && v <= 0 ? floor : v));
  const at = values.flatMap((v, k) => (v !== null && v <= 0 ? [k] : []));
  const traces = [curve(run, y, theme)];
  if (at.length) {
    traces.push({
      type: "scatter", mode: "markers", x: at.map((k) => derived(run).steps[k]), y: at.map(() => floor),
      marker: { symbol: "triangle-down", size: 7, color: theme.runColor(run.color) },
      meta: { role: "floored" },
      text: at.map((k) => `${escapeHtml(run.label)}<br>step ${derived(run).steps[k]}<br>${name} ${formatNumber(values[k])}` +
        " (drawn at the log axis's floor)"),
      hovertemplate: "%{text}<extra></extra>",
    });
  }
  return traces;
}

/** The curves of `valuesOf(run)` on `scale` ("log" floors what it cannot show; "linear" draws as is). */
function curvesOn(scale, runs, valuesOf, theme, name) {
  if (scale !== "log") return { curves: runs.map((run) => curve(run, valuesOf(run), theme)), floor: null };
  const floor = logFloor(runs.map(valuesOf));
  const traces = runs.map((run) => flooredCurve(run, valuesOf(run), floor, theme, name));
  // The runs' curves first (trace i stays run i), then the floor markers.
  return { curves: [...traces.map((t) => t[0]), ...traces.flatMap((t) => t.slice(1))], floor };
}

/**
 * A log axis over two decades or more labels whole decades only (every other one past eight): Plotly's
 * default labels 2 and 5 between them too, which crowd a 200 px plot into overlapping digits (issue 20).
 */
function decadeTicks(curves) {
  let low = Infinity;
  let high = -Infinity;
  for (const trace of curves) for (const v of trace.y) if (v > 0) { low = Math.min(low, v); high = Math.max(high, v); }
  const decades = Math.log10(high / low);
  return Number.isFinite(decades) && decades >= 2 ? { dtick: decades > 8 ? 2 : 1 } : {};
}

/** The y axis for `scale`, with the floor labelled where values were raised to it. */
function scaleAxis(scale, floor, ticks, drawnAtFloor) {
  if (scale !== "log") return { type: "linear" };
  return { type: "log", ...ticks, ...(drawnAtFloor ? { title: { text: `≤ 0 drawn at ${formatNumber(floor)}`, standoff: 2 } } : {}) };
}

/**
 * The loss plot: {data, layout, title, scale}; `title` says what it shows. On "log" (the default where
 * f* is known): loss − f* where f* is known, else the loss with values ≤ 0 on the floor; on "linear"
 * (the default where it is not): the loss itself.
 * Seed bands (`overlays.loss`) go after the runs' curves, so trace i stays run i.
 */
export function lossCurvesFigure({ results, view, theme, overlays = null, revision }) {
  const fMin = results ? minimumValue(results) : null;
  const runs = results?.runs ?? [];
  const scale = view?.scales?.loss ?? (fMin === null ? "linear" : "log"); // the reader's choice, else by f*
  const minusMinimum = scale === "log" && fMin !== null;
  const { curves, floor } = curvesOn(scale, runs, (run) => (minusMinimum ? lossSeries(run, fMin) : run.loss), theme, "loss");
  const floored = curves.length > runs.length;
  return {
    data: [...curves, ...(overlays?.loss ?? [])],
    layout: {
      ...curveLayout(theme, results, scaleAxis(scale, floor, decadeTicks(curves), floored), revision),
      shapes: cursorShapes(results, view, theme),
    },
    title: minusMinimum ? "Loss − f* (log scale)" : scale === "log" ? "Loss (log scale)" : "Loss",
    scale,
  };
}

/**
 * The LR plot. Optimizers' learning rates differ by orders of magnitude: a log axis (the default)
 * shows them all, with a schedule's zeros (StepLR's vanished cut, cosine's last step) marked on its
 * floor; "linear" draws them from 0.
 */
export function lrCurvesFigure({ results, view, theme, revision }) {
  const runs = results?.runs ?? [];
  const scale = view?.scales?.lr ?? "log";
  const { curves, floor } = curvesOn(scale, runs, (run) => run.lr, theme, "lr");
  const positive = runs.map((run) => ({ lr: run.lr.map((v) => (v > 0 ? v : floor)) }));
  const axisFor = scale === "log" ? scaleAxis(scale, floor, lrTicks(positive), curves.length > runs.length)
    : { rangemode: "tozero" };
  const layout = curveLayout(theme, results, axisFor, revision);
  const epoch = epochLength(results);
  if (epoch) {
    layout.xaxis.minor = { tick0: 0, dtick: epoch, ticks: "outside", ticklen: 4, showgrid: true, griddash: "dot", gridcolor: theme.grid };
  }
  return {
    data: [...curves, ...runs.flatMap((run, index) => schedulerCalls(run, results.request?.runs?.[index], floor, theme))],
    layout: { ...layout, shapes: cursorShapes(results, view, theme) },
    scale,
  };
}

/** Past this many, a run's scheduler calls are not marked one by one (they would be a smear, not marks). */
const MAX_MARKED_CALLS = 100;

/** A run's steps per scheduler call when it is called per epoch (design.md §2 interval "epoch"), else null. */
function stepsPerCall(sent) {
  const scheduler = sent?.scheduler;
  return scheduler?.interval === "epoch" && scheduler.steps_per_epoch > 1 ? scheduler.steps_per_epoch : null;
}

/** The epoch length the LR plot's minor grid marks: the first per-epoch run's, when its epochs are few enough. */
function epochLength(results) {
  const steps = (results?.request?.runs ?? []).map(stepsPerCall).find(Boolean);
  return steps && results.steps / steps <= MAX_MARKED_CALLS ? steps : null;
}

/**
 * A per-epoch run's scheduler calls as ticks on its LR curve (issue 20: "epoch" is easy to miss): the
 * steps after which its scheduler ran, so a cut is seen to wait for one. `sent`: the run as requested.
 */
function schedulerCalls(run, sent, floor, theme) {
  const every = stepsPerCall(sent);
  const last = run.lr.length - 1;
  if (!every || last / every > MAX_MARKED_CALLS) return [];
  const at = Array.from({ length: Math.floor(last / every) }, (_, i) => (i + 1) * every);
  return [{
    type: "scatter", mode: "markers", x: at, y: at.map((k) => (floor !== null && run.lr[k] <= 0 ? floor : run.lr[k])),
    marker: { symbol: "line-ns-open", size: 9, color: theme.runColor(run.color), line: { width: 1.5 } },
    meta: { role: "scheduler-call" },
    text: at.map((k, i) => `${escapeHtml(run.label)}<br>scheduler call ${i + 1} after step ${k}<br>lr ${formatNumber(run.lr[k])}`),
    hovertemplate: "%{text}<extra></extra>",
  }];
}

/** Whether a run's momentum (or β₁) changes over its records, as OneCycleLR and CyclicLR make it. */
export function momentumVaries(run) {
  const values = (run.momentum ?? []).filter((v) => v !== null);
  return values.some((v) => v !== values[0]);
}

/**
 * The momentum plot (`momentum-plot`, design.md §11): `param_groups[0]["momentum"]` or `betas[0]` per step,
 * for every run that has one, beside its learning rate. `shown`: whether any run's varies (only then does the
 * page show the plot; a constant momentum is in the run card already).
 */
export function momentumCurvesFigure({ results, view, theme, revision }) {
  const runs = (results?.runs ?? []).filter((run) => run.momentum);
  return {
    shown: runs.some(momentumVaries),
    data: runs.map((run) => curve(run, run.momentum, theme)),
    layout: {
      ...curveLayout(theme, results, { title: { text: "momentum / β₁", standoff: 4 } }, revision),
      shapes: cursorShapes(results, view, theme),
    },
  };
}
