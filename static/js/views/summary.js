// The HTML views of results: the summary table and the legend above the map.

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

/** One row per run: final and best loss, steps to tolerance, distance to the nearest minimum, rate, status. */
export function renderSummary(table, results) {
  table.caption.textContent = results ? `Summary · tolerance ${formatNumber(results.tolerance)}` : "Summary";
  table.tBodies[0].replaceChildren(...(results?.runs ?? []).map((run) => {
    const summary = run.summary ?? {};
    // The status sits under the run's name: short when all went well, the whole message when not.
    return h("tr", {},
      h("td", { class: "run-cell" },
        h("div", { class: "run-name", title: run.label }, swatch(run.color), run.label),
        h("div", { class: `status status-${run.status}` }, statusText(run, results))),
      h("td", { class: "num" }, formatNumber(summary.final_loss)),
      h("td", { class: "num" }, formatNumber(summary.best_loss)),
      h("td", { class: "num" }, summary.steps_to_tolerance == null ? "—" : String(summary.steps_to_tolerance)),
      h("td", { class: "num" }, formatNumber(summary.distance_to_minimum)),
      rateCell(summary));
  }));
}

/** The runs' colours and labels, as a wrapping row of chips above the map. */
export function renderLegend(list, results) {
  list.replaceChildren(...(results?.runs ?? []).map((run) => h("li", {}, swatch(run.color), run.label)));
}
