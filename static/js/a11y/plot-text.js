// The plots' text alternatives on the page (design.md §7): under each plot a visually hidden
// description (the plot's aria-describedby) and data table, kept current with the results and the
// cursor, and a polite live region that says the step while playback runs — a few times a second
// at most, so a screen reader is never flooded.

import { h } from "../ui/dom.js";
import { curveSentences, curveTable, mapSentences, mapTable } from "./describe.js";

/** The text follows the cursor at most this often (ms). */
const TEXT_EVERY_MS = 250;
/** The live region says the step at most this often (ms) while playing. */
const ANNOUNCE_EVERY_MS = 2000;

/** Call `fn` at most once per `ms`, always once more after the last call (its trailing edge). */
function throttle(fn, ms) {
  let last = -Infinity;
  let timer = null;
  return () => {
    if (timer !== null) return;
    const wait = Math.max(0, last + ms - performance.now());
    timer = setTimeout(() => {
      timer = null;
      last = performance.now();
      fn();
    }, wait);
  };
}

/** Write a {caption, head, rows} table into `table`. */
export function renderTable(table, { caption, head, rows }) {
  table.replaceChildren(
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, head.map((text) => h("th", { scope: "col" }, text)))),
    h("tbody", {}, rows.map(([first, ...rest]) =>
      h("tr", {}, h("th", { scope: "row" }, first), rest.map((text) => h("td", {}, text))))));
}

/** A plot's description and table, visually hidden after it; the plot is described by the first. */
export function attachText(plot) {
  const description = h("div", { id: `${plot.id}-text`, dataset: { testid: `${plot.id}-text` } });
  const table = h("table", { dataset: { testid: `${plot.id}-table` } });
  // The box hides them: a table grows to its content whatever width it is given.
  plot.after(h("div", { class: "visually-hidden" }, description, table));
  plot.setAttribute("aria-describedby", description.id);
  return { description, table };
}

/**
 * The text of the map, loss and LR plots and the step announcer. `plots`: {map, loss, lr} elements;
 * `announcer`: the live region. Returns a render part ({sync()}) for page/render.js.
 */
export function createPlotText({ store, getResults, plots, announcer }) {
  const { state } = store;
  const parts = {
    map: { ...attachText(plots.map), sentences: mapSentences, tableOf: mapTable },
    ...Object.fromEntries(["loss", "lr"].map((series) => [series, {
      ...attachText(plots[series]),
      sentences: (results, view) => curveSentences(results, view, series),
      tableOf: (results, view) => curveTable(results, view, series),
    }])),
  };

  function write() {
    if (state.mode === "network") return; // these words describe surfaces mode's plots; the announcer serves both
    const results = getResults();
    for (const part of Object.values(parts)) {
      part.description.replaceChildren(...part.sentences(results, state.view).map((line) => h("p", {}, line)));
      renderTable(part.table, part.tableOf(results, state.view));
    }
  }

  const announce = throttle(() => {
    const results = getResults();
    const { step, playing } = state.view.cursor;
    if (!results || step === null) return;
    announcer.textContent = `${playing ? "Step" : "Paused at step"} ${step} of ${results.steps}`;
  }, ANNOUNCE_EVERY_MS);

  const writeSoon = throttle(write, TEXT_EVERY_MS);
  let wasPlaying = false;
  store.subscribe((_, change) => {
    if (!change?.cursor) return;
    writeSoon();
    // Only playback speaks: a scrub or a key is already said by the control that made it.
    if (state.view.cursor.playing || wasPlaying) announce();
    wasPlaying = state.view.cursor.playing;
  });

  return { sync: writeSoon };
}
