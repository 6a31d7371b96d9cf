// The seed band over the main plots (design.md §6, `seed` sweeps): every seed's path faintly on
// the map, and the median and 10–90 % band of the loss. Pure: traces from a `seed` sweep result.

import { aboveMinimum, escapeHtml, withAlpha } from "../plot/kit.js";

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
  const of = (v) => (fMin === null ? v : aboveMinimum(v, fMin));
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
