// The loss, LR and momentum plots (design.md §7, §11): one curve per run against the step, the shared
// cursor as a vertical line, the seed bands' loss traces after the runs' curves. Pure: {data, layout}.

import { aboveMinimum, axis, baseLayout } from "../plot/kit.js";
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
  return { tickmode: "array", tickvals, ticktext: tickvals.map(formatNumber) };
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

/**
 * The loss plot: {data, layout, title}; `title` says whether it shows loss − f* (log) or the loss.
 * Seed bands (`overlays.loss`) go after the runs' curves, so trace i stays run i.
 */
export function lossCurvesFigure({ results, view, theme, overlays = null, revision }) {
  const fMin = results ? minimumValue(results) : null;
  const runs = results?.runs ?? [];
  return {
    data: [...runs.map((run) => curve(run, lossSeries(run, fMin), theme)), ...(overlays?.loss ?? [])],
    layout: {
      ...curveLayout(theme, results, { type: fMin === null ? "linear" : "log" }, revision),
      shapes: cursorShapes(results, view, theme),
    },
    title: fMin === null ? "Loss" : "Loss − f* (log scale)",
  };
}

/**
 * The LR plot. Optimizers' learning rates differ by orders of magnitude: a log axis shows them all,
 * unless a schedule reaches 0 (cosine's last step), which only a linear axis can show.
 */
export function lrCurvesFigure({ results, view, theme, revision }) {
  const runs = results?.runs ?? [];
  const log = runs.every((run) => run.lr.every((v) => v > 0));
  return {
    data: runs.map((run) => curve(run, run.lr, theme)),
    layout: {
      ...curveLayout(theme, results, log ? { type: "log", ...lrTicks(runs) } : { rangemode: "tozero" }, revision),
      shapes: cursorShapes(results, view, theme),
    },
  };
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
