// Network mode's per-run views, wired onto its seam (network/page.js; design.md §10): the decision
// boundary (network/boundary-view.js), the inspector (network/inspector.js) and the LR finder
// (network/lr-finder.js), whose "Use" gives the tested run the suggested lr, which re-runs the
// training like any edit of its card.

import { addBoundaryView } from "./boundary-view.js";
import { addNetworkInspector } from "./inspector.js";
import { createLrFinder } from "./lr-finder.js";
import { toTrainingRequest } from "./state.js";

/** `seam`: createNetworkMode's; `lrFinderChart`: the <figure> around `lr-finder-plot`, shown by the first test. */
export function addNetworkViews({ seam, store, catalog, lrFinderChart }) {
  addBoundaryView(seam);
  addNetworkInspector({ seam, anchor: lrFinderChart });
  const { lrFinderButton: button, lrFinderPlot: plot } = seam.elements;
  const finder = createLrFinder({
    button,
    plot,
    getTraining: () => ({ training: toTrainingRequest(store.state.network.training, catalog), run: seam.selectedRun }),
    onUse: (lr, run) => store.update((s) => {
      s.network.training.runs[run].optimizer.params.lr = lr;
    }, { training: true, controls: true }),
  });
  button.hidden = false;
  button.addEventListener("click", () => { lrFinderChart.hidden = false; });
  let theme = null;
  seam.addView((view) => {
    if (theme && view.theme !== theme) finder.redraw();
    theme = view.theme;
  });
}
