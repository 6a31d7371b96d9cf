// The vectors switch (design.md §11): the `vectors-toggle` button draws, at the cursor's step, each run's
// gradient, carried direction, step and per-coordinate scale on the map (figures/vectors.js), and the
// small legend under the playback bar names what is drawn and at which scale. The numbers come from the
// inspector's record_state stream, which runs while the vectors are on (playback/inspector.js).

import { cursorStep, recordAt } from "../figures/cursor.js";
import { vectorLegend } from "../figures/vectors.js";
import { h } from "../ui/dom.js";

/** Wire the button and the legend; returns {render()} for when the optimizer's state arrives. */
export function createVectors({ store, button, legend, getResults }) {
  const { state } = store;

  function render() {
    const on = state.view.vectors;
    button.setAttribute("aria-pressed", String(on));
    legend.hidden = !on;
    if (!on) return;
    const results = getResults();
    const k = cursorStep(results, state.view.cursor);
    const lines = vectorLegend(results, (run) => recordAt(run, k));
    legend.replaceChildren(...(lines.length ? lines.map(({ kind, label, text }) =>
      h("li", { class: "vectors-line", dataset: { kind } },
        h("span", { class: `vectors-sample is-${kind}`, "aria-hidden": "true" }),
        h("code", {}, label), ` ${text}`))
      : [h("li", { class: "vectors-line" }, "Step 0 is the start: move the cursor to a step to see its vectors.")]));
  }

  button.addEventListener("click", () =>
    store.update((s) => { s.view.vectors = !s.view.vectors; }, { view: true, inspector: true }));
  store.subscribe((_, change) => {
    if (change.view || change.cursor || change.results) render();
  });
  render();
  return { render };
}
