// The LR sensitivity figure of the sweep panel (design.md §6 and §11 `param` sweeps, §10's training
// sweeps in network mode): the final loss against the learning rate — or β₁, β₂, a scheduler's gamma … —
// one curve per run; with noise seeds, each value's median final loss over them. Which loss, and what
// budget it is measured after, is a `measure` (MEASURES): data, not a second figure.
// Pure: {data, layout} from sweep results.

import { axis, baseLayout, escapeHtml, lossScale, PANEL_FONT_SIZE } from "../plot/kit.js";
import { formatNumber } from "../ui/format.js";

/** A log axis for values that are all positive and span a decade or more (learning rates); else linear (β₁). */
function valueAxisType(curves) {
  const values = curves.flatMap((c) => c.result?.values ?? []);
  const low = Math.min(...values);
  return low > 0 && Math.max(...values) / low >= 10 ? "log" : "linear";
}

/**
 * What a sweep's curve measures: the result's `field` per value (and in `best`), named `name`, after
 * the run's `budget` (from the options: a surface sweep's steps, a training sweep's epochs).
 */
export const MEASURES = Object.freeze({
  surfaces: { field: "final_loss", name: "final loss", budget: ({ steps }) => `${steps} steps` },
  network: { field: "final_val_loss", name: "final validation loss", budget: ({ epochs }) => `${epochs} epochs` },
});

/** The fair comparison's target, stated: what every run's lr is tuned for. */
export function fairTarget(measure, budget) {
  return `Target: the lowest ${measure.name} after ${measure.budget(budget)} (diverged runs are out).`;
}

/**
 * The measure against the swept value (its name in `result.name`; `budget.title` says it for people),
 * one curve per run: `curves` holds {key, label, color, result, currentLr} (currentLr: the run's value
 * now). The best value is a star, the run's current value a ring, a diverged value an ✕ along the top.
 * `budget` is {steps} or {epochs} (and an optional title), as the measure reads it.
 */
export function lrFigure(curves, theme, budget, measure = MEASURES.surfaces) {
  const title = budget.title ?? "learning rate";
  const fMin = curves.find((c) => c.result)?.result.surface?.min_value ?? null;
  const all = curves.flatMap((c) => c.result?.[measure.field] ?? []);
  const scale = lossScale(all, fMin, measure.name);
  const finite = all.filter((v) => v !== null).map(scale.of);
  const top = finite.length ? Math.max(...finite) * (scale.log ? 4 : 1.1) : 1;
  const data = [];
  for (const { key, label, color, result, currentLr } of curves) {
    if (!result) continue;
    const name = `<b>${escapeHtml(label)}</b>`;
    const values = result[measure.field];
    const y = values.map(scale.of);
    const swept = escapeHtml(result.name ?? "lr");
    const median = result.seeds ? `median ${measure.name} of ${result.seeds.length} seeds` : measure.name;
    const text = result.values.map((v, i) =>
      `${swept} ${formatNumber(v)}<br>${result.status[i] === "diverged" ? "diverged" : `${median} ${formatNumber(values[i])}`}`);
    data.push({
      type: "scatter", mode: "lines+markers", x: result.values, y, text, connectgaps: false,
      line: { color, width: 2 }, marker: { color, size: 5 }, meta: { role: "lr-curve", key },
      hovertemplate: `${name}<br>%{text}<extra></extra>`,
    });
    const diverged = result.values.filter((_, i) => result.status[i] === "diverged");
    data.push({
      type: "scatter", mode: "markers", x: diverged, y: diverged.map(() => top), meta: { role: "lr-diverged", key },
      marker: { symbol: "x-thin-open", size: 8, color, line: { width: 2, color } },
      hovertemplate: `${name}<br>${swept} %{x:.3g}<br>diverged<extra></extra>`,
    });
    const at = result.values.indexOf(currentLr);
    data.push({
      type: "scatter", mode: "markers", meta: { role: "lr-current", key },
      x: at >= 0 && y[at] !== null ? [currentLr] : [], y: at >= 0 && y[at] !== null ? [y[at]] : [],
      marker: { symbol: "circle-open", size: 13, color, line: { width: 2 } },
      hovertemplate: `${name}<br>current ${swept} %{x:.3g}<extra></extra>`,
    });
    const best = result.best;
    data.push({
      type: "scatter", mode: "markers", meta: { role: "lr-best", key },
      x: best ? [best.value] : [], y: best ? [scale.of(best[measure.field])] : [],
      marker: { symbol: "star", size: 15, color, line: { width: 1.5, color: theme.bg } },
      hovertemplate: `${name}<br>best ${swept} %{x:.3g}<br>${median} ${best ? formatNumber(best[measure.field]) : ""}<extra></extra>`,
    });
  }
  const layout = {
    ...baseLayout(theme, { fontSize: PANEL_FONT_SIZE }),
    margin: { l: 56, r: 12, t: 10, b: 40 },
    xaxis: axis(theme, { type: valueAxisType(curves), title: { text: title, standoff: 4 }, exponentformat: "power" }),
    yaxis: axis(theme, {
      type: scale.log ? "log" : "linear", exponentformat: "power",
      title: { text: `${scale.label} after ${measure.budget(budget)}`, standoff: 4 },
    }),
  };
  return { data, layout };
}
