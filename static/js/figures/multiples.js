// Small multiples (design.md §7): one subplot per run, with the same contour, axes that zoom
// together and the run's label as a title. Pure: {data, layout}.

import { axis, baseLayout, escapeHtml } from "../plot/kit.js";
import { mapShapes } from "./cursor.js";
import { minimaAnnotations, minimaTrace, runTraces } from "./map.js";

/** Columns for n runs: as square a grid as the box allows (two at most on a phone). */
export function gridShape(n, box) {
  const wide = (box?.width ?? 800) >= 560;
  const columns = n <= 1 ? 1 : n <= 4 || !wide ? 2 : n <= 9 ? 3 : 4;
  return { columns, rows: Math.max(1, Math.ceil(n / columns)) };
}

/** The suffix of subplot i's axes: "" for the first, then "2", "3", … (Plotly's names). */
export const suffix = (i) => (i === 0 ? "" : String(i + 1));
/** The axes of run i's subplot, as shapes name them. */
export const shapeAxes = (i) => ({ x: `x${suffix(i)}`, y: `y${suffix(i)}` });

/** The grid's gap between panels, as a fraction of the plot's width. */
const XGAP = 0.08;

/**
 * Room a panel's title has, in characters: a panel's share of the plot area (the margins and the grid's gap
 * off) at ~7.5 px a character of 12 px type, less the swatch and the ellipsis.
 */
function titleLength(box, columns) {
  const panel = (((box?.width ?? 800) - 50) / columns) * (1 - XGAP);
  return Math.max(8, Math.min(38, Math.floor(panel / 7.5) - 3));
}


/**
 * One subplot per run: the same contour, axes that zoom together, the run's label as a title. The titles fit
 * their panel and sit under the toolbar's strip; tick labels only on the outer panels, where they cannot
 * collide with the next panel's (issue 20 item 7).
 */
export function multiplesFigure({ contour, surface, results, view, theme, box }) {
  const runs = results?.runs ?? [];
  const n = Math.max(runs.length, 1);
  const { columns, rows } = gridShape(n, box);
  const axesOf = (i) => ({ xaxis: `x${suffix(i)}`, yaxis: `y${suffix(i)}` });
  const minima = results?.surface?.minima ?? surface.minima ?? [];
  const data = [];
  const layout = {
    ...baseLayout(theme, { revision: results?.revision ?? 0 }),
    uirevision: `${surface.id}:multiples:${n}`,
    margin: { l: 40, r: 10, t: 50, b: 30 }, // the toolbar's strip above the first row's titles
    grid: { rows, columns, pattern: "independent", xgap: XGAP, ygap: 0.16 },
    annotations: [],
  };
  for (let i = 0; i < n; i++) {
    const axes = axesOf(i);
    const run = runs[i];
    if (contour) data.push({ ...contour, ...axes });
    if (run) data.push(...runTraces(run, theme, surface.domain).map((trace) => ({ ...trace, ...axes })));
    data.push({ ...minimaTrace(minima, theme), ...axes });
    const shared = { showgrid: false, zeroline: false, automargin: true, nticks: 5 };
    const bottom = i >= n - columns;
    const left = i % columns === 0;
    layout[`xaxis${suffix(i)}`] = axis(theme, {
      ...shared, range: surface.domain.x, constrain: "domain", ...(i > 0 && { matches: "x" }),
      showticklabels: bottom, ...(bottom && { title: { text: "x", standoff: 2 } }),
    });
    layout[`yaxis${suffix(i)}`] = axis(theme, {
      ...shared, range: surface.domain.y, scaleanchor: `x${suffix(i)}`, scaleratio: 1, constrain: "domain",
      showticklabels: left, ...(left && { title: { text: "y", standoff: 2 } }),
    });
    if (run) {
      layout.annotations.push({
        xref: `x${suffix(i)} domain`, yref: `y${suffix(i)} domain`, x: 0, y: 1, xanchor: "left", yanchor: "bottom",
        showarrow: false, align: "left", font: { color: theme.ink, size: 12 },
        text: `<span style="color:${theme.runColor(run.color)}">●</span> ${escapeHtml(shorten(run.label, titleLength(box, columns)))}`,
      });
    }
    layout.annotations.push(...minimaAnnotations(minima, theme, { xref: axes.xaxis, yref: axes.yaxis }));
  }
  layout.shapes = mapShapes(results, view, theme, shapeAxes);
  return { data, layout };
}

function shorten(text, length) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
