// Downloads of the shown results, made in the browser from the streamed arrays: surfaces mode's
// trajectories or network mode's training (`results.mode`), each as JSON and CSV.

import { epochRows, wholeResult } from "../network/results.js";
import { SERIES } from "../state/results.js";

/** Save `data` (text or a Blob) as a file named `filename`. */
export function download(filename, type, data) {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const link = Object.assign(document.createElement("a"), { href: url, download: filename });
  link.click();
  URL.revokeObjectURL(url);
}

/** Surfaces mode's whole result, shaped like `POST /api/experiments` answers it. */
function experimentResult(results) {
  const runs = results.runs.map(({ label, scheduler, status, diverged_at, failed_at, error, summary, ...series }) => ({
    label, scheduler, status, diverged_at, failed_at, error,
    ...Object.fromEntries(SERIES.map((name) => [name, series[name]])),
    summary,
  }));
  return { surface: results.surface, steps: results.steps, runs };
}

/** Surfaces mode's rows: one per run and step (run, label, step, x, y, loss, lr). */
function trajectoryRows(results) {
  const rows = [["run", "label", "step", ...SERIES]];
  results.runs.forEach((run, index) => {
    for (let k = 0; k < run.x.length; k++) rows.push([index, run.label, k, ...SERIES.map((name) => run[name][k])]);
  });
  return rows;
}

/** What each mode exports: the whole result, the CSV rows, and the files' names. */
const EXPORTS = {
  surfaces: { whole: experimentResult, rows: trajectoryRows, json: "optimlab-result.json", csv: "optimlab-trajectories.csv" },
  network: { whole: wholeResult, rows: epochRows, json: "optimlab-training.json", csv: "optimlab-epochs.csv" },
};

const exportsOf = (results) => EXPORTS[results.mode ?? "surfaces"];

/** The whole result, shaped as the API answers it. */
export function exportJson(results) {
  const { whole, json } = exportsOf(results);
  download(json, "application/json", JSON.stringify(whole(results), null, 2));
}

/** The result as CSV (labels quoted). */
export function exportCsv(results) {
  const { rows, csv } = exportsOf(results);
  const cell = (value) => (typeof value === "string" ? `"${value.replaceAll('"', '""')}"` : value);
  const lines = rows(results).map((row, index) => (index === 0 ? row : row.map(cell)).join(","));
  download(csv, "text/csv", `${lines.join("\n")}\n`);
}
