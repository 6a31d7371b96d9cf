// The LR finder panel of network mode (design.md §10 "LR finder"; page hooks `lr-finder-button`,
// `lr-finder-plot`): the button runs Smith's range test for the selected run on the training's task,
// the plot draws it (figures/lr-finder.js), and a "Use" button per suggestion hands that lr back.
//
//   const finder = createLrFinder({ button, plot, getTraining, onUse });
//
// - `button`: the <button> that starts a test (disabled while one runs; a new click aborts the last).
// - `plot`: the element the figure is drawn into; the panel's status line and "Use" buttons go right
//   after it (`finder.element`).
// - `getTraining()`: `{training, run}`, the design.md §10 training request document (task, batch_size,
//   shuffle_seed, runs) and the index of the selected run. The test uses that run's optimizer (and
//   clipping) without its scheduler, which the test replaces; the range is the API's default.
// - `onUse(lr, run)`: called with the suggested lr and the run's index when a "Use" is pressed.
//
// `finder.redraw()` draws the last result again (after a theme change); `finder.abort()` stops a test.
// Nothing here reads the page's store: the signature is the whole contract.

import { findLearningRate } from "../api/client.js";
import { lrFinderFigure, SUGGESTIONS } from "../figures/lr-finder.js";
import { drawFigure } from "../plot/plotly.js";
import { readTheme } from "../plot/theme.js";
import { h } from "../ui/dom.js";
import { formatNumber } from "../ui/format.js";

/** The POST /api/trainings/lr_finder body for run `index` of a training: its task, minibatches and optimizer. */
export function lrFinderRequest(training, index) {
  const { optimizer, clip } = training.runs[index];
  return {
    task: training.task,
    batch_size: training.batch_size,
    shuffle_seed: training.shuffle_seed ?? 0,
    run: { optimizer, ...(clip && { clip }) },
  };
}

export function createLrFinder({ button, plot, getTraining, onUse }) {
  const status = h("p", { class: "lr-finder-status", role: "status", "aria-live": "polite" });
  const uses = h("div", { class: "lr-finder-uses", dataset: { testid: "lr-finder-uses" } });
  const element = h("div", { class: "lr-finder-actions" }, status, uses);
  plot.after(element);
  let controller = null;
  let last = null; // {result, run}

  async function find() {
    controller?.abort();
    const current = (controller = new AbortController());
    const { training, run } = getTraining();
    button.disabled = true;
    uses.replaceChildren();
    status.textContent = "Finding a learning rate…";
    try {
      const result = await findLearningRate(lrFinderRequest(training, run), { signal: current.signal });
      last = { result, run };
      await redraw();
      status.textContent = result.error
        ? `The test stopped early: ${result.error}`
        : `${result.lr.length} steps from lr ${formatNumber(result.lr[0])} to ${formatNumber(result.lr.at(-1))}.`;
      showUses(result, run);
    } catch (error) {
      if (error.name !== "AbortError") status.textContent = `The LR finder failed: ${error.message}`;
    } finally {
      if (controller === current) {
        controller = null;
        button.disabled = false;
      }
    }
  }

  function showUses(result, run) {
    for (const { key, label } of SUGGESTIONS) {
      const lr = result.suggestion?.[key];
      if (lr === null || lr === undefined) continue;
      uses.append(h("button", {
        type: "button", class: "button", dataset: { testid: `lr-finder-use-${key}`, lr: String(lr) },
        onclick: () => onUse(lr, run),
      }, `Use ${label}: lr ${formatNumber(lr)}`));
    }
    if (!uses.childElementCount) status.textContent += " No suggestion: the loss never fell.";
  }

  async function redraw() {
    if (last) await drawFigure(plot, lrFinderFigure({ result: last.result, theme: readTheme() }));
  }

  button.addEventListener("click", find);
  return { element, find, redraw, abort: () => controller?.abort() };
}
