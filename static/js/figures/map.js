// The overlay map (design.md §7): the surface's contours, every run's path with its start and end
// markers, the seed bands under them and the known minima on top. Pure: traces and figures from
// (grid, results, theme); views/plots.js draws them.

import { axis, baseLayout, escapeHtml, levelGrid } from "../plot/kit.js";
import { formatNumber } from "../ui/format.js";
import { mapShapes } from "./cursor.js";

/** Lines and markers of runs, in px; the halo is the band of background colour under each path. */
const PATH_WIDTH = 2.5;
const HALO_WIDTH = 3;

// ---- per-run derived arrays, grown as the run grows (not rebuilt per frame) ----

const derivedByRun = new WeakMap();

/** Hover text and step indices of a run, extended to its current length. */
export function derived(run) {
  let cache = derivedByRun.get(run);
  if (!cache) derivedByRun.set(run, (cache = { steps: [], text: [] }));
  for (let k = cache.steps.length; k < run.x.length; k++) {
    cache.steps.push(k);
    cache.text.push(`step ${k}<br>x ${formatNumber(run.x[k])}, y ${formatNumber(run.y[k])}` +
      `<br>loss ${formatNumber(run.loss[k])}<br>lr ${formatNumber(run.lr[k])}`);
  }
  return cache;
}

export function hoverTemplate(run) {
  return `<b>${escapeHtml(run.label)}</b><br>%{text}<extra></extra>`;
}

// ---- traces ----

/** The surface as filled contours on its log levels (plot/kit.js). */
export function contourTrace(grid, theme) {
  return {
    type: "contour",
    x: grid.x,
    y: grid.y,
    z: levelGrid(grid),
    colorscale: [[0, theme.low], [0.45, theme.mid], [1, theme.high]],
    showscale: false,
    ncontours: 22,
    contours: { coloring: "fill", showlines: true },
    line: { color: theme.line, width: 0.7, smoothing: 0 }, // splines cost more than they show at this resolution
    hoverinfo: "skip",
  };
}

export function minimaTrace(minima, theme) {
  return {
    type: "scatter",
    mode: "markers",
    x: minima.map((m) => m.point[0]),
    y: minima.map((m) => m.point[1]),
    text: minima.map(({ point: [x, y], value }) =>
      `minimum at (${formatNumber(x)}, ${formatNumber(y)})<br>f = ${formatNumber(value)}`),
    marker: { symbol: "star", size: 12, color: theme.minimum, line: { width: 0 } },
    hovertemplate: "%{text}<extra></extra>",
  };
}

/**
 * The minima as ★ annotations: annotations lie over the layout's shapes, so the cursor's dot on a run that
 * ended at the minimum (SGD's on Rosenbrock) cannot hide the star, as it hid the trace's (issue 20).
 * `axes`: {xref, yref} of the panel. The trace (minimaTrace) stays for its hover.
 */
export function minimaAnnotations(minima, theme, axes = { xref: "x", yref: "y" }) {
  return minima.map(({ point: [x, y] }) => ({
    ...axes, x, y, text: "★", showarrow: false, xanchor: "center", yanchor: "middle", name: "minimum",
    font: { size: 16, color: theme.minimum }, captureevents: false,
  }));
}

const inside = (domain, x, y) => x >= domain.x[0] && x <= domain.x[1] && y >= domain.y[0] && y <= domain.y[1];

/**
 * Where the segment from `from` (inside the map) to `to` (outside it) crosses the map's edge: the
 * smallest fraction of the way at which one coordinate reaches its bound.
 */
export function edgeCrossing(domain, [x0, y0], [x1, y1]) {
  const fractions = [[x0, x1, domain.x], [y0, y1, domain.y]].map(([a, b, [low, high]]) => {
    if (b > high) return (high - a) / (b - a);
    if (b < low) return (low - a) / (b - a);
    return 1;
  });
  const t = Math.min(...fractions);
  return [x0 + t * (x1 - x0), y0 + t * (y1 - y0)];
}

/**
 * The marker at a run's last point: a dot while running or done, ✕ when diverged, ! when failed.
 * A diverged run usually leaves the map first; its ✕ then sits where its path crossed the map's edge
 * (and says at which step), so it stays in view where it left (design.md §7).
 */
function endMarker(run, theme, domain) {
  const last = run.x.length - 1;
  let point = last < 0 ? null : [run.x[last], run.y[last]];
  let leftAt = null;
  if (run.status === "diverged" && point && !inside(domain, ...point)) {
    leftAt = run.x.findIndex((x, k) => !inside(domain, x, run.y[k]));
    const from = Math.max(leftAt - 1, 0);
    point = edgeCrossing(domain, [run.x[from], run.y[from]], [run.x[leftAt], run.y[leftAt]]);
  }
  const shown = (series) => (last < 0 ? [] : [series[leftAt === null ? last : Math.max(leftAt - 1, 0)]]);
  const color = theme.runColor(run.color);
  const base = { type: "scatter", x: point ? [point[0]] : [], y: point ? [point[1]] : [], meta: { role: "end" } };
  const title = `<b>${escapeHtml(run.label)}</b>`;
  if (run.status === "failed") {
    return {
      ...base, mode: "text", text: ["!"], textfont: { size: 20 * theme.lineScale, color, weight: 800 },
      hovertemplate: `${title}<br>failed at step ${run.failed_at}<br>${escapeHtml(run.error ?? "")}<extra></extra>`,
    };
  }
  const diverged = run.status === "diverged";
  return {
    ...base, mode: "markers",
    marker: diverged
      ? { symbol: "x-thin-open", size: 14, color, line: { width: 3, color } }
      : { symbol: "circle", size: 10, color, line: { width: 2, color: theme.bg } },
    hovertemplate: diverged
      ? `${title}<br>diverged at step ${run.diverged_at}` +
        `${leftAt === null ? "" : `<br>left the map at step ${leftAt}`}<extra></extra>`
      : hoverTemplate(run),
    text: shown(derived(run).text),
  };
}

/** A run on the map: a halo, its path over it, its start ring and its end marker. */
export function runTraces(run, theme, domain) {
  const color = theme.runColor(run.color);
  const width = PATH_WIDTH * theme.lineScale;
  return [
    {
      // Under the path, in the background's colour: every run colour stands clear of every contour tone.
      type: "scatter", mode: "lines", x: run.x, y: run.y, hoverinfo: "skip", meta: { role: "halo" },
      line: { color: theme.halo, width: width + HALO_WIDTH },
    },
    {
      type: "scatter", mode: "lines", x: run.x, y: run.y, text: derived(run).text,
      line: { color, width }, hovertemplate: hoverTemplate(run),
      meta: { role: "path" },
    },
    {
      type: "scatter", mode: "markers", x: run.x.slice(0, 1), y: run.y.slice(0, 1), meta: { role: "start" },
      marker: { symbol: "circle-open", size: 12, color, line: { width: 2.5 } },
      hovertemplate: `<b>${escapeHtml(run.label)}</b><br>start<extra></extra>`,
    },
    endMarker(run, theme, domain),
  ];
}

/**
 * The overlay view: every run on one map. `contour`: the surface's trace (contourTrace, cached by
 * the caller), `overlays`: the seed bands' traces ({map, loss}), `revision`: Plotly's datarevision.
 */
export function overlayFigure({ contour, surface, results, view, theme, overlays = null, revision }) {
  const domain = surface.domain;
  const data = [
    ...(contour ? [contour] : []),
    ...(overlays?.map ?? []), // seed bands (sweeps/seed-bands.js): faint, under the paths
    ...(results?.runs ?? []).flatMap((run) => runTraces(run, theme, domain)),
    minimaTrace(results?.surface?.minima ?? surface.minima ?? [], theme), // over the paths: they end there
  ];
  const minima = results?.surface?.minima ?? surface.minima ?? [];
  const layout = {
    ...baseLayout(theme, { revision }),
    uirevision: surface.id,
    shapes: mapShapes(results, view, theme), // the cursor's dots, LBFGS's evaluations (figures/cursor.js)
    annotations: minimaAnnotations(minima, theme), // over the shapes
    margin: { l: 44, r: 12, t: 12, b: 36 },
    // Equal scales, and the plot area shrinks to the surface's domain: no blank bands where clicks
    // would set starts outside it.
    xaxis: axis(theme, {
      range: domain.x, title: { text: "x", standoff: 2 }, showgrid: false, zeroline: false, constrain: "domain",
    }),
    yaxis: axis(theme, {
      range: domain.y, title: { text: "y", standoff: 2 }, showgrid: false, zeroline: false,
      scaleanchor: "x", scaleratio: 1, constrain: "domain",
    }),
  };
  return { data, layout };
}
