// Downloads of the shown results, made in the browser from the streamed arrays.

import { SERIES } from "../state/results.js";

/** Save `data` (text or a Blob) as a file named `filename`. */
export function download(filename, type, data) {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const link = Object.assign(document.createElement("a"), { href: url, download: filename });
  link.click();
  URL.revokeObjectURL(url);
}

/** The whole result, shaped like `POST /api/experiments` answers it. */
export function exportJson(results) {
  const runs = results.runs.map(({ label, scheduler, status, diverged_at, failed_at, error, summary, ...series }) => ({
    label, scheduler, status, diverged_at, failed_at, error,
    ...Object.fromEntries(SERIES.map((name) => [name, series[name]])),
    summary,
  }));
  const result = { surface: results.surface, steps: results.steps, runs };
  download("optimlab-result.json", "application/json", JSON.stringify(result, null, 2));
}

/** One row per run and step: run, label, step, x, y, loss, lr. */
export function exportCsv(results) {
  const quote = (text) => `"${text.replaceAll('"', '""')}"`;
  const rows = ["run,label,step,x,y,loss,lr"];
  results.runs.forEach((run, index) => {
    for (let k = 0; k < run.x.length; k++) {
      rows.push([index, quote(run.label), k, ...SERIES.map((name) => run[name][k])].join(","));
    }
  });
  download("optimlab-trajectories.csv", "text/csv", `${rows.join("\n")}\n`);
}
