// The Plotly kit every figure builder uses (figures/): the configs, the base layout and axes in
// the theme's colours, HTML escaping for hover text, the contour's log levels and the loss axis's
// floor. Pure: no DOM, no Plotly, so the builders run (and are tested) anywhere.

import { formatNumber } from "../ui/format.js";

/** The main plots' Plotly config: the map, the loss and the LR plots. */
export const CONFIG = Object.freeze({
  responsive: true,
  displaylogo: false,
  displayModeBar: true, // always shown: its camera button is the PNG export, and touch screens have no hover
  modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "zoomIn2d", "zoomOut2d", "toggleSpikelines"],
  showSendToCloud: false, // Plotly's "Share chart" uploads to Plotly Cloud; this page shares through its URL
  toImageButtonOptions: { format: "png", scale: 2 },
});

/** The sweep panel's charts: smaller, so their mode bar shows on hover only. */
export const PANEL_CONFIG = Object.freeze({
  responsive: true,
  displaylogo: false,
  displayModeBar: "hover",
  modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"],
  toImageButtonOptions: { format: "png", scale: 2 },
});

/** The sweep panel's type size: its charts keep it in presenter mode too. */
export const PANEL_FONT_SIZE = 12;

/** Text for Plotly's hover templates, which read HTML. */
export function escapeHtml(text) {
  return String(text).replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]);
}

/**
 * The layout every figure starts from, in the theme's colours (plot/theme.js). `revision`: the
 * `datarevision` that tells Plotly.react the streamed arrays grew (omitted: Plotly compares them).
 */
export function baseLayout(theme, { revision, fontSize = theme.fontSize } = {}) {
  return {
    ...(revision === undefined ? {} : { datarevision: revision }),
    paper_bgcolor: theme.bg,
    plot_bgcolor: theme.bg,
    font: { family: theme.font, size: fontSize, color: theme.ink },
    showlegend: false,
    hovermode: "closest",
    hoverlabel: { font: { family: theme.font } },
  };
}

export function axis(theme, extra) {
  return { gridcolor: theme.grid, zerolinecolor: theme.grid, linecolor: theme.grid, automargin: true, ...extra };
}

/** Log-spaced contour levels need f − min(f) > 0; this floor (relative to the span) is the deepest level. */
export const LOG_FLOOR = 1e-3;

/**
 * The surface's log levels, which the map, the 3-D view and the basin map all draw on:
 * level(f) = log10(f − min f + floor), over the grid's finite values.
 */
export function logLevels(grid) {
  let low = Infinity;
  let high = -Infinity;
  for (const row of grid.z) for (const v of row) if (v !== null) { low = Math.min(low, v); high = Math.max(high, v); }
  const floor = Math.max((high - low) * LOG_FLOOR, Number.MIN_VALUE);
  return { low, high, level: (v) => Math.log10(Math.max(v - low, 0) + floor) };
}

/** The grid's values on its log levels (null where the surface is undefined). */
export function levelGrid(grid) {
  const { level } = logLevels(grid);
  return grid.z.map((row) => row.map((v) => (v === null ? null : level(v))));
}

/** Losses at or below f* sit on this floor of a log axis instead of vanishing. */
export const LOSS_FLOOR = 1e-16;

/** A loss as the log axes draw it: its distance to f*, floored (null stays null). */
export const aboveMinimum = (v, fMin) => (v === null ? null : Math.max(v - fMin, LOSS_FLOOR));

/**
 * How losses are shown: minus f* on a log axis where f* is known (as the loss plot does), on a
 * log axis while all are positive, else as they are. `name` is what the values are ("final loss").
 */
export function lossScale(values, fMin, name = "final loss") {
  if (fMin !== null && fMin !== undefined) {
    return { log: true, label: `${name} − f*`, of: (v) => aboveMinimum(v, fMin) };
  }
  const log = values.every((v) => v === null || v > 0);
  return { log, label: name, of: (v) => v };
}

/** "#0072b2" → "rgba(0, 114, 178, alpha)". */
export function withAlpha(hex, alpha) {
  const n = Number.parseInt(hex.slice(1, 7), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** Tick values and labels for an axis that holds log10 of the values (heatmaps draw in linear space). */
export function decadeTicks(low, high) {
  const first = Math.ceil(low - 1e-9);
  const last = Math.floor(high + 1e-9);
  let values = [];
  for (let d = first; d <= last; d++) values.push(d);
  if (values.length < 2) values = [low, (low + high) / 2, high];
  const step = Math.ceil(values.length / 6);
  values = values.filter((_, i) => i % step === 0);
  return { tickvals: values, ticktext: values.map((d) => formatNumber(10 ** d)) };
}
