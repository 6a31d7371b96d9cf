// The figures of the sweep panel, as pure functions from sweep results (design.md §6) to Plotly
// {data, layout}: LR sensitivity curves, heatmaps of basin and two-hyperparameter maps, and the
// seed band's overlays on the map and the loss plot. sweeps.js draws them.

import { formatNumber } from "./format.js";

export const CONFIG = {
  responsive: true,
  displaylogo: false,
  displayModeBar: "hover",
  modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"],
  toImageButtonOptions: { format: "png", scale: 2 },
};

/** Losses at or below f* sit on this floor of a log axis instead of vanishing (as on the loss plot). */
const LOSS_FLOOR = 1e-16;
/** Basins of attraction: light tints that keep the minima's stars and the start ring readable. */
const BASIN_COLORS = ["#9ecae1", "#fdae6b", "#a1d99b", "#c6b5e0", "#f7c8dd", "#e6d680", "#9fdbd3", "#d9b38c"];
const SEQUENTIAL = "Viridis";

// ---- theme colours, resolved from the CSS custom properties (as plots.js does) ----

let probe = null;

function resolveColor(token) {
  probe ??= document.body.appendChild(Object.assign(document.createElement("span"), { hidden: true }));
  probe.style.color = `var(${token})`;
  return getComputedStyle(probe).color;
}

export function readTheme() {
  const colors = Object.fromEntries(Object.entries({
    bg: "--plot-bg", grid: "--plot-grid", ink: "--plot-ink", muted: "--ink-muted", minimum: "--minimum-marker",
    sunken: "--surface-sunken", danger: "--danger", dangerSoft: "--danger-soft",
  }).map(([name, token]) => [name, resolveColor(token)]));
  return { ...colors, font: getComputedStyle(document.body).fontFamily };
}

// ---- helpers ----

/** "#0072b2" → "rgba(0, 114, 178, alpha)". */
export function withAlpha(hex, alpha) {
  const n = Number.parseInt(hex.slice(1, 7), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]);
}

/**
 * How losses are shown: minus f* on a log axis where f* is known (as the loss plot does), on a
 * log axis while all are positive, else as they are.
 */
export function lossScale(values, fMin) {
  if (fMin !== null && fMin !== undefined) {
    return { log: true, label: "final loss − f*", of: (v) => (v === null ? null : Math.max(v - fMin, LOSS_FLOOR)) };
  }
  const log = values.every((v) => v === null || v > 0);
  return { log, label: "final loss", of: (v) => v };
}

function baseLayout(theme) {
  return {
    paper_bgcolor: theme.bg,
    plot_bgcolor: theme.bg,
    font: { family: theme.font, size: 12, color: theme.ink },
    showlegend: false,
    hovermode: "closest",
    hoverlabel: { font: { family: theme.font } },
  };
}

function axis(theme, extra) {
  return { gridcolor: theme.grid, zerolinecolor: theme.grid, linecolor: theme.grid, automargin: true, ...extra };
}

/** Tick values and labels for an axis that holds log10 of the values (heatmaps draw in linear space). */
function decadeTicks(low, high) {
  const first = Math.ceil(low - 1e-9);
  const last = Math.floor(high + 1e-9);
  let values = [];
  for (let d = first; d <= last; d++) values.push(d);
  if (values.length < 2) values = [low, (low + high) / 2, high];
  const step = Math.ceil(values.length / 6);
  values = values.filter((_, i) => i % step === 0);
  return { tickvals: values, ticktext: values.map((d) => formatNumber(10 ** d)) };
}

// ---- LR sensitivity curves ----

/**
 * Final loss against the learning rate, one curve per run (log-log): `curves` holds
 * {key, label, color, result, currentLr}. The best lr is a star, the run's current lr a ring,
 * a diverged value an ✕ along the top.
 */
export function lrFigure(curves, theme, { steps }) {
  const fMin = curves.find((c) => c.result)?.result.surface?.min_value ?? null;
  const all = curves.flatMap((c) => c.result?.final_loss ?? []);
  const scale = lossScale(all, fMin);
  const finite = all.filter((v) => v !== null).map(scale.of);
  const top = finite.length ? Math.max(...finite) * (scale.log ? 4 : 1.1) : 1;
  const data = [];
  for (const { key, label, color, result, currentLr } of curves) {
    if (!result) continue;
    const name = `<b>${escapeHtml(label)}</b>`;
    const y = result.final_loss.map(scale.of);
    const text = result.values.map((v, i) =>
      `lr ${formatNumber(v)}<br>${result.status[i] === "diverged" ? "diverged" : `final loss ${formatNumber(result.final_loss[i])}`}`);
    data.push({
      type: "scatter", mode: "lines+markers", x: result.values, y, text, connectgaps: false,
      line: { color, width: 2 }, marker: { color, size: 5 }, meta: { role: "lr-curve", key },
      hovertemplate: `${name}<br>%{text}<extra></extra>`,
    });
    const diverged = result.values.filter((_, i) => result.status[i] === "diverged");
    data.push({
      type: "scatter", mode: "markers", x: diverged, y: diverged.map(() => top), meta: { role: "lr-diverged", key },
      marker: { symbol: "x-thin-open", size: 8, color, line: { width: 2, color } },
      hovertemplate: `${name}<br>lr %{x:.3g}<br>diverged<extra></extra>`,
    });
    const at = result.values.indexOf(currentLr);
    data.push({
      type: "scatter", mode: "markers", meta: { role: "lr-current", key },
      x: at >= 0 && y[at] !== null ? [currentLr] : [], y: at >= 0 && y[at] !== null ? [y[at]] : [],
      marker: { symbol: "circle-open", size: 13, color, line: { width: 2 } },
      hovertemplate: `${name}<br>current lr %{x:.3g}<extra></extra>`,
    });
    const best = result.best;
    data.push({
      type: "scatter", mode: "markers", meta: { role: "lr-best", key },
      x: best ? [best.value] : [], y: best ? [scale.of(best.final_loss)] : [],
      marker: { symbol: "star", size: 15, color, line: { width: 1.5, color: theme.bg } },
      hovertemplate: `${name}<br>best lr %{x:.3g}<br>final loss ${best ? formatNumber(best.final_loss) : ""}<extra></extra>`,
    });
  }
  const layout = {
    ...baseLayout(theme),
    margin: { l: 56, r: 12, t: 10, b: 40 },
    xaxis: axis(theme, { type: "log", title: { text: "learning rate", standoff: 4 }, exponentformat: "power" }),
    yaxis: axis(theme, {
      type: scale.log ? "log" : "linear", exponentformat: "power",
      title: { text: `${scale.label} after ${steps} steps`, standoff: 4 },
    }),
  };
  return { data, layout };
}

// ---- maps: basins over start points, and two hyperparameters ----

export const MAP_MODES = {
  final_loss: "Final loss (log)",
  steps_to_tolerance: "Steps to tolerance",
  minimum_index: "Minimum reached",
};

/** Which map colourings make sense on this surface (steps and basins need known minima). */
export function availableModes(surface) {
  return {
    final_loss: true,
    steps_to_tolerance: surface?.min_value !== null && surface?.min_value !== undefined,
    minimum_index: (surface?.minima ?? []).length > 0,
  };
}

const minimumName = (m) => `(${formatNumber(m.point[0])}, ${formatNumber(m.point[1])})`;

/** The colour channel of a map: z, its colour scale and its colour bar, for one mode. */
function colorChannel(result, mode, theme) {
  const rows = result.final_loss;
  if (mode === "steps_to_tolerance") {
    return {
      z: result.steps_to_tolerance,
      colorscale: SEQUENTIAL, reversescale: true,
      colorbar: { title: { text: "steps", side: "right" } },
    };
  }
  if (mode === "minimum_index") {
    const minima = result.surface?.minima ?? [];
    const n = minima.length;
    // One category per minimum plus "none": z = index + 1, 0 = ended near no minimum.
    const colors = [theme.sunken, ...minima.map((_, i) => BASIN_COLORS[i % BASIN_COLORS.length])];
    const colorscale = colors.flatMap((c, i) => [[i / (n + 1), c], [(i + 1) / (n + 1), c]]);
    const z = result.minimum_index.map((row, j) => row.map((m, i) =>
      (result.status[j][i] === "diverged" ? null : m === null ? 0 : m + 1)));
    return {
      z, colorscale, zmin: -0.5, zmax: n + 0.5,
      colorbar: {
        title: { text: "ends at", side: "right" }, tickvals: colors.map((_, i) => i),
        ticktext: ["none", ...minima.map(minimumName)],
      },
    };
  }
  const scale = lossScale(rows.flat(), result.surface?.min_value ?? null);
  if (!scale.log) return { z: rows, colorscale: SEQUENTIAL, colorbar: { title: { text: scale.label, side: "right" } } };
  const z = rows.map((row) => row.map((v) => (v === null ? null : Math.log10(scale.of(v)))));
  const finite = z.flat().filter((v) => v !== null);
  const ticks = finite.length ? decadeTicks(Math.min(...finite), Math.max(...finite)) : {};
  return { z, colorscale: SEQUENTIAL, colorbar: { title: { text: scale.label, side: "right" }, ...ticks } };
}

/** Per cell hover text: what the cell started from (`describe(i, j)`) and how it ended. */
function cellText(result, describe) {
  const minima = result.surface?.minima ?? [];
  return result.final_loss.map((row, j) => row.map((loss, i) => {
    const status = result.status[j][i];
    const lines = [describe(i, j)];
    if (status === "diverged") lines.push("diverged");
    else {
      lines.push(`final loss ${formatNumber(loss)}`);
      const steps = result.steps_to_tolerance[j][i];
      lines.push(steps === null ? "tolerance not reached" : `tolerance reached at step ${steps}`);
      const m = result.minimum_index?.[j]?.[i];
      lines.push(m === null || m === undefined ? `ends at (${formatNumber(result.final_x[j][i])}, ` +
        `${formatNumber(result.final_y[j][i])})` : `ends at the minimum ${minimumName(minima[m])}`);
      if (status === "failed") lines.push("failed");
    }
    return lines.join("<br>");
  }));
}

/** Faint contour lines of the surface over a basin map, on log-spaced levels as on the main map. */
function contourLines(grid) {
  let low = Infinity;
  let high = -Infinity;
  for (const row of grid.z) for (const v of row) if (v !== null) { low = Math.min(low, v); high = Math.max(high, v); }
  const floor = Math.max((high - low) * 1e-3, Number.MIN_VALUE);
  return {
    type: "contour", x: grid.x, y: grid.y, ncontours: 16, showscale: false, hoverinfo: "skip",
    z: grid.z.map((row) => row.map((v) => (v === null ? null : Math.log10(v - low + floor)))),
    contours: { coloring: "none" }, line: { color: "rgba(255, 255, 255, 0.45)", width: 0.8, smoothing: 0 },
    meta: { role: "surface-lines" },
  };
}

/**
 * A map (basin or two-hyperparameter) as a heatmap: `axes.x/y` = {title, log, format(value)}.
 * `marker` = {x, y, color}: where the run is now (a ring). Diverged cells are tinted apart.
 */
export function mapFigure({ result, mode, theme, axes, marker = null, grid = null, role }) {
  const tx = (v) => (axes.x.log ? Math.log10(v) : v);
  const ty = (v) => (axes.y.log ? Math.log10(v) : v);
  const x = result.x.map(tx);
  const y = result.y.map(ty);
  const channel = colorChannel(result, mode, theme);
  const text = cellText(result, (i, j) => `${axes.x.title} ${axes.x.format(result.x[i])}, ` +
    `${axes.y.title} ${axes.y.format(result.y[j])}`);
  const data = [{
    type: "heatmap", x, y, text, hoverongaps: true, zsmooth: false, meta: { role }, // a diverged cell can be picked too
    hovertemplate: "%{text}<extra></extra>", ...channel,
    colorbar: { thickness: 12, outlinewidth: 0, tickfont: { size: 11 }, ...channel.colorbar },
  }, {
    type: "heatmap", x, y, meta: { role: "diverged-cells" }, showscale: false, hoverinfo: "skip", zsmooth: false,
    z: result.status.map((row) => row.map((s) => (s === "diverged" ? 1 : null))),
    colorscale: [[0, theme.dangerSoft], [1, theme.dangerSoft]],
  }];
  if (grid) data.push(contourLines(grid));
  const minima = result.surface?.minima ?? [];
  if (role === "basin-map" && minima.length) {
    data.push({
      type: "scatter", mode: "markers", x: minima.map((m) => m.point[0]), y: minima.map((m) => m.point[1]),
      marker: { symbol: "star", size: 12, color: theme.minimum, line: { width: 1, color: theme.bg } },
      hoverinfo: "skip", // the cell under it answers: every cell stays clickable
    });
  }
  if (marker) {
    data.push({
      type: "scatter", mode: "markers", x: [tx(marker.x)], y: [ty(marker.y)], meta: { role: "map-marker" },
      marker: { symbol: "circle-open", size: 15, color: marker.color, line: { width: 3 } },
      hoverinfo: "skip",
    });
  }
  const half = (values) => (values.length > 1 ? (values[1] - values[0]) / 2 : 0.5);
  const range = (values) => [values[0] - half(values), values.at(-1) + half(values)];
  const axisOf = (spec, values) => axis(theme, {
    title: { text: spec.title, standoff: 2 }, range: range(values), showgrid: false, zeroline: false,
    ...(spec.log ? decadeTicks(values[0], values.at(-1)) : {}),
  });
  const layout = {
    ...baseLayout(theme),
    margin: { l: 48, r: 8, t: 8, b: 40 },
    xaxis: axisOf(axes.x, x),
    yaxis: { ...axisOf(axes.y, y), ...(axes.square ? { scaleanchor: "x", scaleratio: 1, constrain: "domain" } : {}) },
  };
  if (axes.square) layout.xaxis.constrain = "domain";
  return { data, layout };
}

// ---- the seed band, drawn over the main plots ----

/** All seeds' paths as one faint trace (null between seeds), under the runs' own paths. */
export function seedPathsTrace(band) {
  const x = [];
  const y = [];
  for (let s = 0; s < band.result.x.length; s++) {
    if (s > 0) { x.push(null); y.push(null); }
    x.push(...band.result.x[s]);
    y.push(...band.result.y[s]);
  }
  return {
    type: "scatter", mode: "lines", x, y, hoverinfo: "skip", connectgaps: false,
    line: { color: withAlpha(band.color, 0.3), width: 1 }, meta: { role: "seed-paths", key: band.key },
  };
}

/** The median and the 10–90 % band of the loss over seeds, in the loss plot's terms (− f*). */
export function lossBandTraces(band) {
  const { result, color, key, label } = band;
  const fMin = result.surface?.min_value ?? null;
  const of = (v) => (v === null ? null : fMin === null ? v : Math.max(v - fMin, LOSS_FLOOR));
  const steps = result.loss_p50.map((_, k) => k);
  const n = result.seeds.length;
  const title = `<b>${escapeHtml(label)}</b><br>${n} seeds, step %{x}`;
  return [
    {
      type: "scatter", mode: "lines", x: steps, y: result.loss_p90.map(of), line: { width: 0, color },
      meta: { role: "band-p90", key }, hovertemplate: `${title}<br>90th percentile %{y:.3g}<extra></extra>`,
    },
    {
      type: "scatter", mode: "lines", x: steps, y: result.loss_p10.map(of), line: { width: 0, color },
      fill: "tonexty", fillcolor: withAlpha(color, 0.2), meta: { role: "band-p10", key },
      hovertemplate: `${title}<br>10th percentile %{y:.3g}<extra></extra>`,
    },
    {
      type: "scatter", mode: "lines", x: steps, y: result.loss_p50.map(of),
      line: { color, width: 1.5, dash: "dash" }, meta: { role: "band-median", key },
      hovertemplate: `${title}<br>median %{y:.3g}<extra></extra>`,
    },
  ];
}
