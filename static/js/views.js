// What the map shows besides the overlay's own traces: the shared cursor (a dot on each path at
// the cursor's step, a vertical line on the loss and LR plots), LBFGS's line-search points, and
// the two other views — small multiples (one subplot per run, shared axes and colours) and the
// 3-D surface. plots.js draws the figures; `moveCursor` redraws only what the cursor changes:
// in 2-D the cursor is layout shapes, so a move is a relayout of shapes (a few ms, where a
// react of the traces would recompute the contour).

import { axis, baseLayout, derived, escapeHtml, hoverTemplate, LOG_FLOOR, minimaTrace, runTraces } from "./plots.js";

/** The step the cursor shows: its own, or (null) the newest record of any run. */
export function cursorStep(results, cursor) {
  const newest = Math.max(-1, ...(results?.runs ?? []).map((run) => run.x.length - 1));
  return cursor?.step == null ? Math.max(newest, 0) : cursor.step;
}

/** A run's record at step k: k itself, or its last record when the run is shorter. */
export function recordAt(run, k) {
  return Math.min(k, run.x.length - 1);
}

/** A run that stopped early (diverged, failed), at or past its last record: its end marker says where it is. */
function pastEnd(run, k) {
  return (run.status === "diverged" || run.status === "failed") && k >= run.x.length - 1;
}

// ---- the cursor in the 2-D views: layout shapes, so moving it is a relayout of shapes alone ----

/** A dot of `size` px at a data point: a circle shape sized in pixels, anchored in data units. */
function dot(x, y, { size, color, outline, width, axes, name }) {
  const r = size / 2;
  return {
    type: "circle", xref: axes.x, yref: axes.y, xsizemode: "pixel", ysizemode: "pixel", xanchor: x, yanchor: y,
    x0: -r, x1: r, y0: -r, y1: r, fillcolor: color, line: { color: outline, width }, layer: "above", name,
  };
}

const finite = (...values) => values.every(Number.isFinite);

/**
 * The map's cursor as shapes: a dot on each path at the cursor's step and, for LBFGS runs whose
 * state the inspector fetched, the points its closure evaluated inside that step (smaller dots).
 * Shape names say what each is: "cursor:<run>", "evaluation:<run>". `axesOf(i)` places run i.
 */
export function mapShapes(results, view, theme, axesOf = () => ({ x: "x", y: "y" })) {
  const k = cursorStep(results, view.cursor);
  const runs = results?.runs ?? [];
  const shapes = [];
  runs.forEach((run, i) => {
    for (const [x, y] of run.inspect?.evaluations?.[recordAt(run, k)] ?? []) {
      if (!finite(x, y)) continue;
      shapes.push(dot(x, y, {
        size: 6, color: theme.runColor(run.color), outline: theme.bg, width: 1, axes: axesOf(i),
        name: `evaluation:${i}`,
      }));
    }
  });
  runs.forEach((run, i) => {
    const at = recordAt(run, k);
    // Shapes lie over every trace: a dot here would hide the run's ✕ or ! (and its hover message).
    if (pastEnd(run, k)) return;
    if (at >= 0 && finite(run.x[at], run.y[at])) {
      shapes.push(dot(run.x[at], run.y[at], {
        size: 13, color: theme.runColor(run.color), outline: theme.bg, width: 2.5, axes: axesOf(i), name: `cursor:${i}`,
      }));
    }
  });
  return shapes;
}

/** The vertical cursor line for the loss and LR plots. */
export function cursorShapes(results, view, theme) {
  if (!results) return [];
  const k = cursorStep(results, view.cursor);
  return [{
    type: "line", xref: "x", yref: "paper", x0: k, x1: k, y0: 0, y1: 1, layer: "above", name: "cursor",
    line: { color: theme.ink, width: 1.25, dash: "dot" },
  }];
}

// ---- small multiples ----

/** Columns for n runs: as square a grid as the box allows (two at most on a phone). */
function gridShape(n, box) {
  const wide = (box?.width ?? 800) >= 560;
  const columns = n <= 1 ? 1 : n <= 4 || !wide ? 2 : n <= 9 ? 3 : 4;
  return { columns, rows: Math.max(1, Math.ceil(n / columns)) };
}

const suffix = (i) => (i === 0 ? "" : String(i + 1));
const shapeAxes = (i) => ({ x: `x${suffix(i)}`, y: `y${suffix(i)}` });

/** One subplot per run: the same contour, axes that zoom together, the run's label as a title. */
export function multiplesFigure({ contour, surface, results, view, theme, box }) {
  const runs = results?.runs ?? [];
  const n = Math.max(runs.length, 1);
  const { columns, rows } = gridShape(n, box);
  const axesOf = (i) => ({ xaxis: `x${suffix(i)}`, yaxis: `y${suffix(i)}` });
  const minima = results?.surface?.minima ?? surface.minima ?? [];
  const data = [];
  const layout = {
    ...baseLayout(theme, results?.revision ?? 0),
    uirevision: `${surface.id}:multiples:${n}`,
    margin: { l: 40, r: 10, t: 26, b: 30 },
    grid: { rows, columns, pattern: "independent", xgap: 0.08, ygap: 0.16 },
    annotations: [],
  };
  for (let i = 0; i < n; i++) {
    const axes = axesOf(i);
    const run = runs[i];
    if (contour) data.push({ ...contour, ...axes });
    if (run) data.push(...runTraces(run, theme, surface.domain).map((trace) => ({ ...trace, ...axes })));
    data.push({ ...minimaTrace(minima, theme), ...axes });
    const shared = { showgrid: false, zeroline: false, automargin: true };
    layout[`xaxis${suffix(i)}`] = axis(theme, {
      ...shared, range: surface.domain.x, constrain: "domain", ...(i > 0 && { matches: "x" }),
      ...(i >= n - columns && { title: { text: "x", standoff: 2 } }),
    });
    layout[`yaxis${suffix(i)}`] = axis(theme, {
      ...shared, range: surface.domain.y, scaleanchor: `x${suffix(i)}`, scaleratio: 1, constrain: "domain",
      ...(i % columns === 0 && { title: { text: "y", standoff: 2 } }),
    });
    if (run) {
      layout.annotations.push({
        xref: `x${suffix(i)} domain`, yref: `y${suffix(i)} domain`, x: 0, y: 1, xanchor: "left", yanchor: "bottom",
        showarrow: false, align: "left", font: { color: theme.ink, size: 12 },
        text: `<span style="color:${theme.runColor(run.color)}">●</span> ${escapeHtml(shorten(run.label, 38))}`,
      });
    }
  }
  layout.shapes = mapShapes(results, view, theme, shapeAxes);
  return { data, layout };
}

function shorten(text, length) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

// ---- the 3-D surface ----

/** The map's log levels (plots.js colours the contour by the same): z = log10(f − min f + floor). */
function logLevels(grid) {
  let low = Infinity;
  let high = -Infinity;
  for (const row of grid.z) for (const v of row) if (v !== null) { low = Math.min(low, v); high = Math.max(high, v); }
  const floor = Math.max((high - low) * LOG_FLOOR, Number.MIN_VALUE);
  const level = (v) => Math.log10(Math.max(v - low, 0) + floor);
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
function sceneAnnotations(results, view, theme, paths, minima, levels) {
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

/** Heights of each drawn 3-D path by run index, read back from the figure (for moving the cursor). */
function drawnHeights(map) {
  return new Map((map.data ?? []).filter((t) => t.meta?.role === "path3d").map((t) => [t.meta.run, t.z]));
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
  const levels = grid ? logLevels(grid) : null;
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
      ...baseLayout(theme, results?.revision ?? 0),
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

// ---- the cursor alone ----

/** Which view the map shows now (a switch draws at the next full render, which may come later). */
function drawnView(map) {
  if (map.layout?.scene) return "3d";
  return map.layout?.grid ? "multiples" : "overlay";
}

/** Move the shared cursor on every plot, without redrawing anything else. */
export function moveCursor(Plotly, { map, loss, lr }, { results, view, theme }) {
  if (!results) return;
  const drawn = drawnView(map);
  if (map.data && drawn === "3d") {
    const stars = (map.layout.scene?.annotations ?? []).filter((a) => a.name === "minimum");
    const dots = sceneAnnotations(results, view, theme, drawnHeights(map), [], null);
    Plotly.relayout(map, { "scene.annotations": [...stars, ...dots] });
  } else if (map.data) {
    const axesOf = drawn === "multiples" ? shapeAxes : undefined;
    Plotly.relayout(map, { shapes: mapShapes(results, view, theme, axesOf) });
  }
  const shapes = cursorShapes(results, view, theme);
  for (const plot of [loss, lr]) if (plot.data) Plotly.relayout(plot, { shapes });
}
