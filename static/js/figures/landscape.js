// The loss landscape of network mode (design.md §10): the training loss over a plane through the
// initial weights θ0 as the contour map draws a surface (log levels, plot/kit.js), every run's path
// projected onto it, the start ring at θ0 and the cursor's dots. In trail playback (design.md §11)
// each path ends at the cursor, as figures/trail.js cuts the map's. Pure: {data, layout} from
// (result, view, theme).

import { axis, baseLayout, escapeHtml } from "../plot/kit.js";
import { formatNumber } from "../ui/format.js";
import { cursorStep, dot, finite } from "./cursor.js";
import { contourTrace } from "./map.js";
import { trailEnd } from "./trail.js";

const PATH_WIDTH = 2.5;
const HALO_WIDTH = 3;

/** The plane's grid as the contour trace takes it: loss[j][i] at (u[i], v[j]). */
export const landscapeGrid = (landscape) => ({ x: landscape.u, y: landscape.v, z: landscape.loss });

/** What the plane shows, in words: how much of the weights' movement it holds, and that paths are projections. */
export function landscapeCaption(landscape) {
  if (!landscape) return "The loss landscape appears when the runs have finished (PCA needs every step's weights).";
  if (landscape.method === "pca" && landscape.explained_variance) {
    const [first, second] = landscape.explained_variance.map((r) => Math.round(r * 100));
    return `The plane through the initial weights holds ${first} % + ${second} % of how the weights moved ` +
      "(PCA of every run's steps); the paths are their projections onto it.";
  }
  return "Two random filter-normalised directions through the initial weights; the paths are projections onto them.";
}

/** Hover words of a run's record k (k = 0: θ0). */
function recordText(run, k, stepsPerEpoch) {
  const epoch = Math.floor(k / stepsPerEpoch);
  const loss = k > 0 ? `<br>step loss ${formatNumber(run.steps.loss[k - 1])}<br>lr ${formatNumber(run.steps.lr[k - 1])}` : "";
  return `step ${k} · epoch ${epoch}${loss}`;
}

/**
 * A run on the plane up to record `end`: a halo, its path and its end marker (a dot; ✕ where it
 * diverged), the marker only once the path has reached its last record.
 */
function pathTraces(run, index, theme, stepsPerEpoch, end) {
  const color = theme.runColor(run.color);
  const width = PATH_WIDTH * theme.lineScale;
  const whole = run.path.u.length - 1;
  const [u, v] = [run.path.u, run.path.v].map((values) => (end < whole ? values.slice(0, end + 1) : values));
  const last = end < whole ? -1 : whole;
  const diverged = run.status === "diverged" || run.status === "failed";
  const title = `<b>${escapeHtml(run.label)}</b>`;
  return [
    { type: "scatter", mode: "lines", x: u, y: v, hoverinfo: "skip", meta: { role: "halo", run: index },
      line: { color: theme.halo, width: width + HALO_WIDTH } },
    { type: "scatter", mode: "lines", x: u, y: v, meta: { role: "path", run: index },
      text: u.map((_, k) => recordText(run, k, stepsPerEpoch)), line: { color, width },
      hovertemplate: `${title}<br>%{text}<extra></extra>` },
    { type: "scatter", mode: "markers", x: last >= 0 ? [u[last]] : [], y: last >= 0 ? [v[last]] : [],
      meta: { role: "end", run: index }, hoverinfo: "skip",
      marker: diverged
        ? { symbol: "x-thin-open", size: 14, color, line: { width: 3, color } }
        : { symbol: "circle", size: 10, color, line: { width: 2, color: theme.bg } } },
  ];
}

/** The start ring at θ0, the origin every run shares. */
function startTrace(theme) {
  return {
    type: "scatter", mode: "markers", x: [0], y: [0], meta: { role: "start" },
    marker: { symbol: "circle-open", size: 14, color: theme.ink, line: { width: 2.5 } },
    hovertemplate: "θ0: the initial weights every run starts from<extra></extra>",
  };
}

/** The cursor's dots: each run's projected weights at the cursor's record. */
export function landscapeShapes(result, view, theme) {
  if (!result) return [];
  const k = cursorStep(result, view.cursor);
  return result.runs.flatMap((run, i) => {
    const at = Math.min(k, run.path.u.length - 1);
    if (at < 0 || !finite(run.path.u[at], run.path.v[at])) return [];
    return [dot(run.path.u[at], run.path.v[at], {
      size: 13, color: theme.runColor(run.color), outline: theme.bg, width: 2.5, axes: { x: "x", y: "y" }, name: `cursor:${i}`,
    })];
  });
}

/**
 * The landscape figure. `contour`: the plane's contour trace (cached by the caller per landscape and
 * theme), or null before the landscape arrives; then the axes wait with the paths that streamed (random).
 */
export function landscapeFigure({ result, contour, view, theme, revision }) {
  const landscape = result?.landscape ?? null;
  const runs = result?.runs ?? [];
  const data = [
    ...(contour ? [contour] : []),
    ...runs.flatMap((run, index) => pathTraces(run, index, theme, result.stepsPerEpoch, trailEnd(result, view))),
    startTrace(theme),
  ];
  const range = (values) => (values?.length ? [values[0], values.at(-1)] : undefined);
  const method = landscape?.method ?? result?.request?.landscape?.method ?? "pca";
  const names = method === "pca" ? ["PC 1", "PC 2"] : ["direction 1", "direction 2"];
  return {
    data,
    layout: {
      ...baseLayout(theme, { revision }),
      uirevision: "landscape",
      shapes: landscapeShapes(result, view, theme),
      margin: { l: 48, r: 12, t: 12, b: 40 },
      xaxis: axis(theme, { range: range(landscape?.u), title: { text: names[0], standoff: 2 }, showgrid: false, zeroline: false }),
      yaxis: axis(theme, { range: range(landscape?.v), title: { text: names[1], standoff: 2 }, showgrid: false, zeroline: false }),
    },
  };
}

/** The plane's contour trace: the surface map's own (log levels, the theme's scale). */
export const landscapeContour = (landscape, theme) => contourTrace(landscapeGrid(landscape), theme);
