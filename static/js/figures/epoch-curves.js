// Network mode's curves (design.md §10): the loss per epoch (train solid, validation dashed, and each
// step's minibatch loss faint beneath them: the noise a batch size brings), the accuracy per epoch,
// and the learning rate per step with a tick at every epoch. The cursor is one vertical line, at its
// step on the step axis and at step ÷ steps per epoch on the epoch axes. In trail playback (design.md
// §11) the curves reveal themselves up to the cursor, as surfaces mode's do (figures/trail.js). Pure.

import { axis, baseLayout, escapeHtml } from "../plot/kit.js";
import { formatNumber } from "../ui/format.js";
import { cursorStep } from "./cursor.js";
import { trailEnd } from "./trail.js";

const CURVE_WIDTH = 2;

/** Train solid, validation dashed: one look tells them apart, in every run's colour. */
const SPLITS = [
  { name: "train", dash: "solid" },
  { name: "val", dash: "dash" },
];

function cursorLine(x, theme) {
  return {
    type: "line", xref: "x", yref: "paper", x0: x, x1: x, y0: 0, y1: 1, layer: "above", name: "cursor",
    line: { color: theme.ink, width: 1.25, dash: "dot" },
  };
}

/** The cursor on the epoch axes (`unit` "epoch") or on the step axis ("step"). */
export function epochCursorShapes(result, view, theme, unit) {
  if (!result) return [];
  const k = cursorStep(result, view.cursor);
  return [cursorLine(unit === "epoch" ? k / result.stepsPerEpoch : k, theme)];
}

function layoutFor(theme, result, { xTitle, xRange, xTicks = {}, yaxis, revision, shapes }) {
  return {
    ...baseLayout(theme, { revision }),
    uirevision: "network-curves",
    margin: { l: 52, r: 12, t: 30, b: 36 },
    xaxis: axis(theme, { title: { text: xTitle, standoff: 4 }, range: xRange, ...xTicks }),
    yaxis: axis(theme, { exponentformat: "power", ...yaxis }),
    shapes,
  };
}

/** Per run, the train and validation curves of `metric` ("loss" or "accuracy") against the epoch, up to `end`. */
function splitCurves(result, metric, theme, end) {
  const epochs = Math.floor(end / result?.stepsPerEpoch) + 1; // the epochs completed at record `end`, and epoch 0
  return (result?.runs ?? []).flatMap((run, index) => SPLITS.map(({ name, dash }) => {
    const values = run.epochs[`${name}_${metric}`].slice(0, epochs);
    return {
      type: "scatter", mode: "lines", x: values.map((_, epoch) => epoch), y: values,
      meta: { run: index, split: name }, name: `${run.label} (${name})`,
      line: { color: theme.runColor(run.color), width: CURVE_WIDTH * theme.lineScale, dash },
      hovertemplate: `<b>${escapeHtml(run.label)}</b><br>epoch %{x}<br>${name} ${metric} %{y:.4g}<extra></extra>`,
    };
  }));
}

/** The faint width and opacity of the per-step loss: there to be seen through, beneath the epoch curves. */
const STEP_LOSS = { width: 1, opacity: 0.35 };

/** Per run, each step's loss on its own minibatch up to step `end`, at step ÷ steps per epoch (split "step"). */
function stepLossCurves(result, theme, end) {
  return (result?.runs ?? []).map((run, index) => {
    const loss = run.steps.loss.slice(0, end);
    return {
      type: "scatter", mode: "lines", x: loss.map((_, k) => (k + 1) / result.stepsPerEpoch), y: loss,
      meta: { run: index, split: "step" }, name: `${run.label} (each step)`, opacity: STEP_LOSS.opacity,
      line: { color: theme.runColor(run.color), width: STEP_LOSS.width * theme.lineScale },
      text: loss.map((_, k) => `step ${k + 1}`),
      hovertemplate: `<b>${escapeHtml(run.label)}</b><br>%{text}<br>minibatch loss %{y:.4g}<extra></extra>`,
    };
  });
}

const epochRange = (result) => [0, result?.epochs ?? 1];

/**
 * `epoch-loss-plot`: cross-entropy per epoch, train solid and validation dashed, on a log axis unless
 * the reader chose linear (`view.scales.epochLoss`, views/scales.js); each step's minibatch loss faint
 * beneath (drawn first). `scale` says which axis it drew.
 */
export function epochLossFigure({ result, view, theme, revision }) {
  const scale = view?.scales?.epochLoss ?? "log";
  const end = trailEnd(result, view);
  return {
    data: [...stepLossCurves(result, theme, end), ...splitCurves(result, "loss", theme, end)],
    layout: layoutFor(theme, result, {
      xTitle: "epoch", xRange: epochRange(result), revision, yaxis: { type: scale, title: { text: "loss", standoff: 4 } },
      shapes: epochCursorShapes(result, view, theme, "epoch"),
    }),
    scale,
  };
}

/** `accuracy-plot`: the fraction classified right per epoch, train solid and validation dashed. */
export function accuracyFigure({ result, view, theme, revision }) {
  return {
    data: splitCurves(result, "accuracy", theme, trailEnd(result, view)),
    layout: layoutFor(theme, result, {
      xTitle: "epoch", xRange: epochRange(result), revision,
      yaxis: { range: [0, 1.02], tickformat: ".0%", title: { text: "accuracy", standoff: 4 } },
      shapes: epochCursorShapes(result, view, theme, "epoch"),
    }),
  };
}

/** Ticks at epoch boundaries on the step axis, seven at most (they stay apart on a phone), labelled by epoch. */
export function epochTicks(result) {
  if (!result) return {};
  const every = Math.max(1, Math.ceil(result.epochs / 6));
  const epochs = [];
  for (let e = 0; e <= result.epochs; e += every) epochs.push(e);
  return {
    tickmode: "array", tickvals: epochs.map((e) => e * result.stepsPerEpoch), ticktext: epochs.map(String),
  };
}

/**
 * `lr-plot` in network mode: each run's learning rate at every step, ticks at the epochs; on the
 * reader's scale (`view.scales.lr`, shared with surfaces mode), else log while every lr is positive.
 */
export function stepLrFigure({ result, view, theme, revision }) {
  const end = trailEnd(result, view);
  const data = (result?.runs ?? []).map((run, index) => {
    const lrs = run.steps.lr.slice(0, end);
    return {
      type: "scatter", mode: "lines", x: lrs.map((_, k) => k + 1), y: lrs, meta: { run: index },
      line: { color: theme.runColor(run.color), width: CURVE_WIDTH * theme.lineScale, shape: "hv" },
      text: lrs.map((lr, k) =>
        `step ${k + 1} · epoch ${Math.ceil((k + 1) / result.stepsPerEpoch)}<br>lr ${formatNumber(lr)}`),
      hovertemplate: `<b>${escapeHtml(run.label)}</b><br>%{text}<extra></extra>`,
    };
  });
  // The scale from every step's lr, so it does not change while a trail plays.
  const positive = (result?.runs ?? []).every((run) => run.steps.lr.every((v) => v > 0));
  const scale = view?.scales?.lr ?? (positive ? "log" : "linear");
  return {
    data,
    layout: layoutFor(theme, result, {
      xTitle: "epoch (every step drawn)", xRange: [0, result?.steps ?? 1], xTicks: epochTicks(result), revision,
      yaxis: { type: scale, title: { text: "lr", standoff: 4 } },
      shapes: epochCursorShapes(result, view, theme, "step"),
    }),
    scale,
  };
}
