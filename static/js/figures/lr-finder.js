// The LR range test (design.md §10, Smith 2017; fastai's lr_find): the loss of each step against its
// learning rate on a log axis, the smoothed curve over it, and the two suggestions marked (steepest
// descent of the smoothed loss, and a tenth of the lr at its minimum). Pure: {data, layout} from the
// POST /api/trainings/lr_finder result.
//
// Entry point for the page: lrFinderFigure({result, theme, color}).

import { axis, baseLayout } from "../plot/kit.js";
import { formatNumber } from "../ui/format.js";

/** The two suggestions, in the order the panel offers them: name, how it is read, marker. */
export const SUGGESTIONS = Object.freeze([
  { key: "steepest", label: "steepest", symbol: "triangle-down" },
  { key: "minimum_over_10", label: "minimum ÷ 10", symbol: "diamond" },
]);

/** The smoothed loss at the recorded lr nearest (in log lr) to `lr`: where a suggestion's marker sits. */
export function smoothedAt(result, lr) {
  let best = 0;
  result.lr.forEach((value, i) => {
    if (Math.abs(Math.log(value / lr)) < Math.abs(Math.log(result.lr[best] / lr))) best = i;
  });
  return result.smoothed[best];
}

/** Loss (faint) and smoothed loss (solid) against the lr, log x, each suggestion a marker and a dotted line. */
export function lrFinderFigure({ result, theme, color = theme.ink }) {
  const data = [];
  const shapes = [];
  const finite = (result?.smoothed ?? []).filter(Number.isFinite);
  if (result && result.lr.length) {
    data.push({
      type: "scatter", mode: "lines", x: result.lr, y: result.loss, meta: { role: "loss" }, name: "loss",
      opacity: 0.6, line: { color: theme.muted, width: 1 },
      hovertemplate: "lr %{x:.3g}<br>loss %{y:.4g}<extra></extra>",
    });
    data.push({
      type: "scatter", mode: "lines", x: result.lr, y: result.smoothed, meta: { role: "smoothed" }, name: "smoothed",
      line: { color, width: 2.5 * theme.lineScale },
      hovertemplate: "lr %{x:.3g}<br>smoothed loss %{y:.4g}<extra></extra>",
    });
    for (const { key, label, symbol } of SUGGESTIONS) {
      const lr = result.suggestion?.[key];
      if (lr === null || lr === undefined) continue;
      data.push({
        type: "scatter", mode: "markers+text", x: [lr], y: [smoothedAt(result, lr)], meta: { role: "suggestion", key },
        name: label, text: [`${label} ${formatNumber(lr)}`], textposition: "top center",
        textfont: { color: theme.ink, size: theme.fontSize - 1 },
        marker: { symbol, size: 12, color, line: { width: 1.5, color: theme.bg } },
        hovertemplate: `${label}: lr ${formatNumber(lr)}<extra></extra>`,
      });
      shapes.push({ type: "line", xref: "x", yref: "paper", x0: lr, x1: lr, y0: 0, y1: 1,
        line: { color: theme.muted, width: 1, dash: "dot" } });
    }
  }
  const top = finite.length ? Math.max(finite[0], Math.min(...finite) * 4) : undefined;
  const layout = {
    ...baseLayout(theme), margin: { l: 56, r: 12, t: 10, b: 42 }, shapes,
    xaxis: axis(theme, { type: "log", exponentformat: "power", title: { text: "learning rate", standoff: 4 } }),
    yaxis: axis(theme, {
      title: { text: "training loss (minibatch)", standoff: 4 },
      ...(top !== undefined && { range: [Math.min(...finite) * 0.9, top * 1.05] }),
    }),
  };
  return { data, layout };
}
