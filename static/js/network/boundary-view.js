// What the network has learnt, at the cursor's epoch (design.md §10 "decision boundary"): for a 2-D data
// set the selected run's predicted probability over the input square (`boundary-plot`) and every run's
// as small multiples beside it; for `digits` a few validation digits with the run's predicted label.
// Drawn through network mode's seam (network/page.js), so playback animates it like the other plots.
// A run picker above it chooses the selected run, which the inspector and the LR finder use too.

import { getDataset } from "../api/client.js";
import { boundaryFigure, boundaryMultiplesFigure } from "../figures/boundary.js";
import { digitsFigure } from "../figures/digits.js";
import { drawFigure } from "../plot/plotly.js";
import { h } from "../ui/dom.js";

/** The element's size as the figures' grids take it. */
const boxOf = (element) => ({ width: element.clientWidth, height: element.clientHeight });

/**
 * The drawn figure for a result: the boundary of 2-D data (and the multiples when there is more than
 * one run), the digits otherwise. Data over branches: which figures a training has is read off it.
 */
function figuresOf(result) {
  if (result.boundary) {
    return { main: boundaryFigure, multiples: result.runs.length > 1 ? boundaryMultiplesFigure : null };
  }
  return { main: result.runs.some((run) => run.val_predictions?.length) ? digitsFigure : null, multiples: null };
}

/**
 * Add the boundary view to network mode: `seam` is createNetworkMode's; the picker and the multiples'
 * container are built here, next to the template's `boundary-plot`.
 */
export function addBoundaryView(seam) {
  const plot = seam.elements.boundary;
  const picker = h("select", {
    id: "boundary-run", dataset: { testid: "boundary-run" },
    onchange: (event) => seam.selectRun(Number(event.target.value)),
  });
  const label = h("label", { class: "boundary-run", for: "boundary-run" }, "Run shown ", picker);
  const multiples = h("div", {
    class: "plot plot-boundary", id: "boundary-multiples-plot", role: "group", hidden: true,
    dataset: { testid: "boundary-multiples-plot" }, "aria-label": "Decision boundary of every run",
  });
  plot.before(label);
  plot.after(multiples);

  let data = { key: null, points: null }; // the data set's points, fetched once per data set and params
  let last = null; // the latest draw's arguments, for when the points arrive

  function syncPicker(result) {
    const labels = result.runs.map((run) => run.label);
    if (JSON.stringify([...picker.options].map((option) => option.text)) !== JSON.stringify(labels)) {
      picker.replaceChildren(...labels.map((text, index) => h("option", { value: String(index) }, text)));
    }
    picker.value = String(seam.selectedRun);
  }

  async function loadPoints(spec) {
    const key = JSON.stringify(spec);
    if (data.key === key) return;
    data = { key, points: null };
    let points;
    try {
      points = await getDataset(spec.id, spec.params ?? {});
    } catch {
      if (data.key === key) data.key = null; // asked again at the next draw
      return;
    }
    if (data.key !== key) return; // another data set was asked for meanwhile
    data.points = points;
    if (last) draw(last);
  }

  function draw(view) {
    last = view;
    const { result, epoch, selectedRun, theme } = view;
    if (!result) return;
    syncPicker(result);
    const { main, multiples: many } = figuresOf(result);
    if (!main) return;
    if (!data.points || data.key !== JSON.stringify(result.request.task.data)) {
      loadPoints(result.request.task.data);
      return;
    }
    const shared = { result, data: data.points, epoch, theme };
    drawFigure(plot, main({ ...shared, run: selectedRun, box: boxOf(plot) }));
    if (many) {
      const colors = result.runs.map((run) => run.color);
      drawFigure(multiples, many({ ...shared, colors, box: boxOf(multiples) }));
    } else if (!multiples.hidden) {
      view.Plotly.purge(multiples); // no figure left for the resize observer to resize while hidden
      multiples.hidden = true;
    }
  }

  seam.addView(draw);
}
