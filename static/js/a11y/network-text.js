// Network mode's plots' text alternatives on the page (design.md §7, §10): under the landscape, the
// loss and the accuracy per epoch a visually hidden description and table (a11y/network-describe.js),
// rewritten by the network seam's view hook after every render and cursor move.

import { h } from "../ui/dom.js";
import { epochSentences, epochTable, landscapeSentences, landscapeTable } from "./network-describe.js";
import { attachText, renderTable } from "./plot-text.js";

/** Attach the texts to `plots` ({landscape, epochLoss, accuracy}) and keep them current through `seam`. */
export function createNetworkPlotText({ seam, plots }) {
  const parts = [
    { ...attachText(plots.landscape), sentences: landscapeSentences, tableOf: landscapeTable },
    ...["loss", "accuracy"].map((metric) => ({
      ...attachText(metric === "loss" ? plots.epochLoss : plots.accuracy),
      sentences: (result, step, epoch) => epochSentences(result, epoch, metric),
      tableOf: (result, step, epoch) => epochTable(result, epoch, metric),
    })),
  ];
  seam.addView(({ result, step, epoch }) => {
    for (const part of parts) {
      part.description.replaceChildren(...part.sentences(result, step, epoch).map((line) => h("p", {}, line)));
      renderTable(part.table, part.tableOf(result, step, epoch));
    }
  });
}
