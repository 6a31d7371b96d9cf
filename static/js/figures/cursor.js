// The shared cursor in the 2-D views (design.md §7): a dot on each path at the cursor's step, LBFGS's
// line-search points, and a vertical line on the loss and LR plots. They are layout shapes, so
// moving the cursor is a relayout of shapes alone (a few ms, where a react of the traces would
// recompute the contour). Pure: shapes from (results, view, theme).

import { vectorShapes } from "./vectors.js";

/**
 * The newest record any run has, or -1 before the first: a run counts its records in `recorded`
 * (network mode, whose paths may come last) or by its path's length.
 */
export function newestRecord(results) {
  return Math.max(-1, ...(results?.runs ?? []).map((run) => (run.recorded ?? run.x.length) - 1));
}

/** The step the cursor shows: its own, or (null) the newest record of any run. */
export function cursorStep(results, cursor) {
  return cursor?.step == null ? Math.max(newestRecord(results), 0) : cursor.step;
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
export function dot(x, y, { size, color, outline, width, axes, name }) {
  const r = size / 2;
  return {
    type: "circle", xref: axes.x, yref: axes.y, xsizemode: "pixel", ysizemode: "pixel", xanchor: x, yanchor: y,
    x0: -r, x1: r, y0: -r, y1: r, fillcolor: color, line: { color: outline, width }, layer: "above", name,
  };
}

export const finite = (...values) => values.every(Number.isFinite);

/**
 * The map's cursor as shapes: a dot on each path at the cursor's step and, for LBFGS runs whose
 * state the inspector fetched, the points its closure evaluated inside that step (smaller dots);
 * with `view.vectors`, the step's vectors over them (figures/vectors.js). Shape names say what each
 * is: "cursor:<run>", "evaluation:<run>", "vector:<kind>:<run>". `axesOf(i)` places run i.
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
  if (view.vectors) shapes.push(...vectorShapes(results, (run) => recordAt(run, k), theme, axesOf));
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
