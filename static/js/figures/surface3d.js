// The 3-D view (design.md §7): the surface on the map's log levels and colours, with each path
// drawn on it; the minima and the cursor are scene annotations, drawn over it. Pure: {data, layout}.

import { baseLayout, logLevels } from "../plot/kit.js";
import { cursorStep, finite, recordAt } from "./cursor.js";
import { derived, hoverTemplate } from "./map.js";

/** The map's log levels (plot/kit.js), and how far above them a path is lifted to stay in sight. */
function sceneLevels(grid) {
  const { low, high, level } = logLevels(grid);
  return { level, lift: (level(high) - level(low)) * 0.015 };
}

/** The drawn surface's height at (x, y): bilinear between grid points (null outside the grid). */
function surfaceHeight(grid, z, x, y) {
  const { x: xs, y: ys } = grid;
  const fx = ((x - xs[0]) / (xs.at(-1) - xs[0])) * (xs.length - 1);
  const fy = ((y - ys[0]) / (ys.at(-1) - ys[0])) * (ys.length - 1);
  if (!(fx >= 0 && fy >= 0 && fx <= xs.length - 1 && fy <= ys.length - 1)) return null;
  const i = Math.min(Math.floor(fx), xs.length - 2);
  const j = Math.min(Math.floor(fy), ys.length - 2);
  const [a, b, c, d] = [z[j][i], z[j][i + 1], z[j + 1][i], z[j + 1][i + 1]];
  if ([a, b, c, d].some((v) => v === null)) return null;
  const u = fx - i;
  const v = fy - j;
  return (a * (1 - u) + b * u) * (1 - v) + (c * (1 - u) + d * u) * v;
}

/**
 * Heights of a path in 3-D: its loss on the surface's log levels, raised to the drawn surface
 * where the grid's interpolation passes above the true value (deep, narrow valleys), then lifted
 * a little, so the path stays in sight. Hover still shows the true loss.
 */
function pathHeights(run, grid, z, levels) {
  return run.loss.map((loss, k) => {
    const drawn = surfaceHeight(grid, z, run.x[k], run.y[k]);
    return Math.max(levels.level(loss), drawn ?? -Infinity) + levels.lift;
  });
}

/** A 3-D path's markers: a ring at the start, nothing elsewhere (the cursor is an annotation). */
function pathMarkerSizes(run) {
  const sizes = new Array(run.x.length).fill(0);
  if (sizes.length) sizes[0] = 6;
  return sizes;
}

/** One scatter3d per run: the path on the surface, its start as a marker. */
function path3d(run, index, heights, theme) {
  const color = theme.runColor(run.color);
  return {
    type: "scatter3d", mode: "lines+markers",
    x: run.x, y: run.y, z: heights,
    text: derived(run).text, hovertemplate: hoverTemplate(run),
    meta: { role: "path3d", run: index },
    line: { color, width: 6 },
    marker: { size: pathMarkerSizes(run), color, line: { color: theme.bg, width: 1 }, opacity: 1 },
  };
}

/**
 * The 3-D scene's annotations: the known minima as stars and the cursor as a dot per run. They
 * are drawn over the scene, so the cursor stays in sight behind a hill, and moving it is a
 * relayout of annotations (the surface is not recomputed).
 */
export function sceneAnnotations(results, view, theme, paths, minima, levels) {
  const k = cursorStep(results, view.cursor);
  const label = (x, y, z, text, color, size, name) =>
    ({ x, y, z, text, name, showarrow: false, font: { color, size } });
  const stars = levels ? minima.map((m) =>
    label(m.point[0], m.point[1], levels.level(m.value) + 2 * levels.lift, "★", theme.minimum, 16, "minimum")) : [];
  const dots = [];
  (results?.runs ?? []).forEach((run, i) => {
    const at = recordAt(run, k);
    const z = paths.get(i)?.[at];
    if (at >= 0 && finite(run.x[at], run.y[at], z)) {
      dots.push(label(run.x[at], run.y[at], z, "●", theme.runColor(run.color), 20, `cursor:${i}`));
    }
  });
  return [...stars, ...dots];
}

/** An rgb() colour mixed toward black by `amount` (0..1): the 3-D surface's deeper low end. */
function darken(color, amount) {
  const [r, g, b] = (color.match(/[\d.]+/g) ?? [0, 0, 0]).map(Number);
  return `rgb(${[r, g, b].map((c) => Math.round(c * (1 - amount))).join(", ")})`;
}

/**
 * The map's colour scale, deepened at the low end: shading alone cannot show a pale surface's
 * valleys, and the paths run in them.
 */
function surfaceColorscale(theme) {
  return [[0, darken(theme.low, 0.5)], [0.35, theme.low], [0.7, theme.mid], [1, theme.high]];
}

/** The surface on the map's log levels and colours, with each path drawn on it. */
export function surfaceFigure({ grid, contour, surface, results, view, theme }) {
  const levels = grid ? sceneLevels(grid) : null;
  const data = [];
  const heights = new Map();
  if (grid && contour) {
    data.push({
      type: "surface", x: grid.x, y: grid.y, z: contour.z, colorscale: surfaceColorscale(theme), showscale: false,
      hoverinfo: "skip",
      contours: { z: { show: true, usecolormap: false, color: theme.line, width: 1, project: { z: false } } },
      lighting: { ambient: 0.6, diffuse: 0.7, specular: 0.08, roughness: 0.8, fresnel: 0.1 },
      lightposition: { x: -1e4, y: -1e4, z: 2e4 },
    });
    (results?.runs ?? []).forEach((run, i) => {
      heights.set(i, pathHeights(run, grid, contour.z, levels));
      data.push(path3d(run, i, heights.get(i), theme));
    });
  }
  const minima = results?.surface?.minima ?? surface.minima ?? [];
  const sceneAxis = (extra) => ({
    gridcolor: theme.grid, zerolinecolor: theme.grid, linecolor: theme.grid, showbackground: false,
    color: theme.ink, ...extra,
  });
  const { x: xr, y: yr } = surface.domain;
  return {
    data,
    layout: {
      ...baseLayout(theme, { revision: results?.revision ?? 0 }),
      uirevision: `${surface.id}:3d`,
      margin: { l: 0, r: 0, t: 0, b: 0 },
      scene: {
        xaxis: sceneAxis({ title: { text: "x" }, range: xr, autorange: false }),
        yaxis: sceneAxis({ title: { text: "y" }, range: yr, autorange: false }),
        zaxis: sceneAxis({ title: { text: "" }, showticklabels: false }),
        aspectmode: "manual",
        aspectratio: { x: 1, y: (yr[1] - yr[0]) / (xr[1] - xr[0]), z: 0.45 },
        // From high up and to the side: the paths run in valleys that a low view hides.
        camera: { eye: { x: -0.7, y: -1.2, z: 1.58 }, center: { x: 0.02, y: 0, z: -0.22 } },
        annotations: sceneAnnotations(results, view, theme, heights, minima, levels),
      },
      // The height's meaning, where an axis title would be cut off by the camera.
      annotations: [{
        xref: "paper", yref: "paper", x: 0.01, y: 0.01, xanchor: "left", yanchor: "bottom", showarrow: false,
        text: "height: log₁₀ (f − min f), as the map's colours", font: { size: 11, color: theme.ink },
      }],
    },
  };
}
