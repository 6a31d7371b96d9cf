// A few validation digits with the run's predicted label at the cursor's epoch (design.md §10, for
// `digits`, where there is no 2-D boundary to draw). Pure: {data, layout} from the training result
// (each run's `val_predictions`: per epoch, the predicted class of the first validation points) and
// the data set's tensors (GET /api/datasets/digits with the training's params: `x_val` rows of 64
// pixels in [0, 1], row-major 8×8, and `y_val`).
//
// Entry point for the page: digitsFigure({result, data, run, epoch, theme, box}).

import { baseLayout, escapeHtml } from "../plot/kit.js";
import { suffix } from "./multiples.js";

const SIDE = 8; // digits are 8×8 images

/** A row of 64 pixels as an 8×8 image, row 0 at the top (the y axis is reversed). */
export function digitImage(pixels) {
  return Array.from({ length: SIDE }, (_, r) => pixels.slice(r * SIDE, (r + 1) * SIDE));
}

/** The epoch a run can show: the cursor's, or its last recorded one when it ended earlier. */
function shownEpoch(run, epoch) {
  const recorded = run.val_predictions?.length ?? 0;
  return recorded === 0 ? null : Math.max(0, Math.min(epoch, recorded - 1));
}

/** The label under each digit: the prediction, ✓ when right, ✗ and the true class when wrong. */
export function predictionText(predicted, truth) {
  return predicted === truth ? `${predicted} ✓` : `${predicted} ✗ (is ${truth})`;
}

/** The first validation digits, each an image titled with the run's prediction at the epoch. */
export function digitsFigure({ result, data, run: index, epoch, theme, box }) {
  const run = result?.runs?.[index];
  const shown = run ? shownEpoch(run, epoch) : null;
  const predictions = shown === null ? [] : run.val_predictions[shown];
  const n = predictions.length;
  const columns = (box?.width ?? 800) >= 560 ? 6 : 4;
  const rows = Math.max(1, Math.ceil(n / columns));
  const layout = {
    ...baseLayout(theme), margin: { l: 6, r: 6, t: 34, b: 6 }, annotations: [],
    grid: { rows, columns, pattern: "independent", xgap: 0.06, ygap: 0.22 },
  };
  const traces = [];
  predictions.forEach((predicted, i) => {
    const truth = data.y_val[i];
    const axes = { xaxis: `x${suffix(i)}`, yaxis: `y${suffix(i)}` };
    traces.push({
      type: "heatmap", z: digitImage(data.x_val[i]), zmin: 0, zmax: 1, showscale: false, ...axes,
      colorscale: [[0, theme.bg], [1, theme.ink]], meta: { role: "digit", index: i, predicted, truth },
      hovertemplate: `validation digit ${i + 1}<br>predicted ${predicted}, is ${truth}<extra></extra>`,
    });
    layout[`xaxis${suffix(i)}`] = { visible: false, constrain: "domain" };
    layout[`yaxis${suffix(i)}`] = { visible: false, autorange: "reversed", scaleanchor: `x${suffix(i)}`, constrain: "domain" };
    layout.annotations.push({
      xref: `x${suffix(i)} domain`, yref: `y${suffix(i)} domain`, x: 0.5, y: 1, xanchor: "center", yanchor: "bottom",
      showarrow: false, text: predictionText(predicted, truth),
      font: { size: 12, color: predicted === truth ? theme.ink : theme.danger },
    });
  });
  const right = predictions.filter((p, i) => p === data?.y_val[i]).length;
  layout.title = {
    text: run
      ? `${escapeHtml(run.label)} · epoch ${shown ?? "—"} · ${right} of ${n} right`
      : "no run yet",
    font: { size: theme.fontSize }, x: 0, xanchor: "left",
  };
  return { data: traces, layout };
}
