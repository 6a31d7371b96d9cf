// The sweep panel's maps (design.md §6, `start` and `grid2` sweeps): heatmaps of basins over
// start points and of two hyperparameters, coloured by final loss, steps to tolerance or the
// minimum reached. Pure: {data, layout} from sweep results.

import { axis, baseLayout, decadeTicks, levelGrid, lossScale, PANEL_FONT_SIZE } from "../plot/kit.js";
import { formatNumber } from "../ui/format.js";

/** Basins of attraction: light tints that keep the minima's stars and the start ring readable. */
const BASIN_COLORS = ["#9ecae1", "#fdae6b", "#a1d99b", "#c6b5e0", "#f7c8dd", "#e6d680", "#9fdbd3", "#d9b38c"];
const SEQUENTIAL = "Viridis";

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

/** Faint contour lines of the surface over a basin map, on the main map's log levels. */
function contourLines(grid) {
  return {
    type: "contour", x: grid.x, y: grid.y, ncontours: 16, showscale: false, hoverinfo: "skip",
    z: levelGrid(grid),
    contours: { coloring: "none" }, line: { color: "rgba(255, 255, 255, 0.45)", width: 0.8, smoothing: 0 },
    meta: { role: "surface-lines" },
  };
}

/**
 * A map (basin or two-hyperparameter) as a heatmap: `axes.x/y` = {title, log, format(value)}.
 * `marker` = {x, y, color}: where the run is now (a ring). Diverged cells are tinted apart. `overlays`: scatter
 * traces in the axes' own units (figures/theory.js), drawn under the ring.
 */
export function mapFigure({ result, mode, theme, axes, marker = null, grid = null, role, overlays = [] }) {
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
  for (const trace of overlays) data.push({ ...trace, x: trace.x.map(tx), y: trace.y.map(ty) });
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
    ...baseLayout(theme, { fontSize: PANEL_FONT_SIZE }),
    margin: { l: 48, r: 8, t: 8, b: 40 },
    xaxis: axisOf(axes.x, x),
    yaxis: { ...axisOf(axes.y, y), ...(axes.square ? { scaleanchor: "x", scaleratio: 1, constrain: "domain" } : {}) },
  };
  if (axes.square) layout.xaxis.constrain = "domain";
  return { data, layout };
}
