// The HTML views of results: the summary table (surfaces mode's or network mode's columns, one
// table) and the legend above the map.

import { h, swatch } from "../ui/dom.js";
import { formatNumber } from "../ui/format.js";

function statusText(run, results) {
  if (run.status === "diverged") return `diverged at step ${run.diverged_at}`;
  if (run.status === "failed") return `failed at step ${run.failed_at}: ${run.error}`;
  if (run.status === "running") return results.stopped ? "stopped" : "running…";
  return "completed";
}

/**
 * The measured contraction per step and, where theory has one (plain SGD on the quadratic, design.md §11),
 * the predicted one beneath it: measurement and theory side by side.
 */
function rateCell(summary) {
  return h("td", { class: "num rate-cell" },
    h("div", { dataset: { testid: "rate-measured" } }, formatNumber(summary.measured_rate)),
    summary.theory_rate == null
      ? null
      : h("div", { class: "rate-theory", dataset: { testid: "rate-theory" }, title: "theory's prediction" },
        `theory ${formatNumber(summary.theory_rate)}`));
}

/** A column: its heading, the abbreviation's explanation (if any), and its cell from a run's summary. */
const numberCell = (name) => (summary) => h("td", { class: "num" }, formatNumber(summary[name]));

/** Surfaces mode: final and best loss, steps to tolerance, distance to the nearest minimum, rate. */
const SURFACE_COLUMNS = [
  { head: "Final loss", cell: numberCell("final_loss") },
  { head: "Best loss", cell: numberCell("best_loss") },
  {
    head: "Steps to tol.", title: "The first step whose loss is within the tolerance of the known minimum",
    cell: (summary) => h("td", { class: "num" }, summary.steps_to_tolerance == null ? "—" : String(summary.steps_to_tolerance)),
  },
  { head: "Dist. to min", title: "Distance from the last point to the nearest known minimum", cell: numberCell("distance_to_minimum") },
  {
    head: "Rate / step",
    title: "How much closer to the minimum each step gets over the run's last half (the geometric mean of the " +
      "distance's ratio); for plain SGD on the quadratic, theory's prediction beside it",
    cell: rateCell,
  },
];

/** Network mode (SPEC §10): final and best validation loss (with its epoch), final validation accuracy. */
const TRAINING_COLUMNS = [
  { head: "Final val. loss", cell: numberCell("final_val_loss") },
  {
    head: "Best val. loss", title: "The lowest validation loss over the epochs, and the epoch it came at",
    cell: (summary) => h("td", { class: "num" }, formatNumber(summary.best_val_loss),
      summary.best_epoch == null ? null : h("div", { class: "rate-theory" }, `epoch ${summary.best_epoch}`)),
  },
  {
    head: "Val. accuracy", title: "The fraction of the validation points classified right after the last epoch",
    cell: (summary) => h("td", { class: "num" }, summary.final_val_accuracy == null ? "—"
      : `${formatNumber(100 * summary.final_val_accuracy)} %`),
  },
];

function headRow(columns) {
  return h("tr", {}, h("th", { scope: "col" }, "Run, status"), columns.map(({ head, title }) =>
    h("th", { scope: "col", class: "num" }, title ? h("abbr", { title }, head) : head)));
}

function renderTable(table, { caption, columns, results }) {
  table.caption.textContent = caption;
  table.tHead.replaceChildren(headRow(columns));
  table.tBodies[0].replaceChildren(...(results?.runs ?? []).map((run) => {
    const summary = run.summary ?? {};
    // The status sits under the run's name: short when all went well, the whole message when not.
    return h("tr", {},
      h("td", { class: "run-cell" },
        h("div", { class: "run-name", title: run.label }, swatch(run.color), run.label),
        h("div", { class: `status status-${run.status}` }, statusText(run, results))),
      columns.map(({ cell }) => cell(summary)));
  }));
}

/** One row per run: final and best loss, steps to tolerance, distance to the nearest minimum, rate, status. */
export function renderSummary(table, results) {
  const caption = results ? `Summary · tolerance ${formatNumber(results.tolerance)}` : "Summary";
  renderTable(table, { caption, columns: SURFACE_COLUMNS, results });
}

/** One row per training run: final and best validation loss with its epoch, validation accuracy, status. */
export function renderTrainingSummary(table, result) {
  const caption = result ? `Summary · ${result.epochs} epochs of ${result.stepsPerEpoch} steps` : "Summary";
  renderTable(table, { caption, columns: TRAINING_COLUMNS, results: result });
}

/** The runs' colours and labels, as a wrapping row of chips above the map. */
export function renderLegend(list, results) {
  list.replaceChildren(...(results?.runs ?? []).map((run) => h("li", {}, swatch(run.color), run.label)));
}
