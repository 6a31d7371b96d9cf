// Words for the pictures (design.md §7): what the map, the loss plot and the LR plot show at the
// cursor, as sentences and as small data tables a screen reader can browse. Pure: text and rows
// from (results, view); a11y/plot-text.js puts them on the page. Numbers are written as the plots'
// hover text writes them (ui/format.js), so what is heard is what is shown.

import { cursorStep, recordAt } from "../figures/cursor.js";
import { minimumValue } from "../state/results.js";
import { formatNumber } from "../ui/format.js";

/** How many steps a curve's table lists at most (evenly spaced, plus the cursor's step). */
const TABLE_ROWS = 21;

const point = (run, k) => `(${formatNumber(run.x[k])}, ${formatNumber(run.y[k])})`;

/** Where a run stands: still running, completed, diverged or failed, and at which step. */
function fate(run, stopped) {
  if (run.status === "diverged") return `diverged at step ${run.diverged_at}`;
  if (run.status === "failed") return `failed at step ${run.failed_at}`;
  if (run.status === "running") return stopped ? "stopped early" : "still running";
  return "completed without diverging";
}

/** One sentence per run: where it started, where it is at the cursor, its loss there, its fate. */
export function mapSentences(results, view) {
  if (!results) return ["No runs yet."];
  const k = cursorStep(results, view.cursor);
  return results.runs.map((run) => {
    const at = recordAt(run, k);
    if (at < 0) return `${run.label}: no points yet.`;
    const where = at === k ? `at step ${k} it is at ${point(run, at)}` : `its last point, step ${at}, is ${point(run, at)}`;
    return `${run.label}: started at ${point(run, 0)}; ${where}, loss ${formatNumber(run.loss[at])}; ` +
      `${fate(run, results.stopped)}.`;
  });
}

/** The loss (or LR) of each run at the cursor, as "label: value" sentences. */
export function curveSentences(results, view, series) {
  if (!results) return ["No runs yet."];
  const k = cursorStep(results, view.cursor);
  const name = series === "lr" ? "learning rate" : "loss";
  const lines = results.runs.map((run) => {
    const at = recordAt(run, k);
    if (at < 0) return `${run.label}: no points yet.`;
    const when = at === k ? "" : ` (its last step, ${at})`;
    return `${run.label}: ${name} ${formatNumber(run[series][at])}${when}.`;
  });
  const fMin = series === "loss" ? minimumValue(results) : null;
  const scale = fMin === null ? "" : ` The plot draws loss − f* on a log scale; f* = ${formatNumber(fMin)}.`;
  return [`At step ${k} of ${results.steps}:${scale}`, ...lines];
}

/** The steps a curve's table lists: evenly spaced over the newest record, and the cursor's step. */
function tableSteps(results, k) {
  const newest = Math.max(-1, ...results.runs.map((run) => run.x.length - 1));
  if (newest < 0) return [];
  const every = Math.max(1, Math.ceil(newest / (TABLE_ROWS - 1)));
  const steps = new Set([k <= newest ? k : newest]);
  for (let s = 0; s < newest; s += every) steps.add(s);
  steps.add(newest);
  return [...steps].sort((a, b) => a - b);
}

/** A curve's table: {caption, head, rows}, one row per listed step, one column per run. */
export function curveTable(results, view, series) {
  const name = series === "lr" ? "Learning rate" : "Loss";
  if (!results) return { caption: `${name} by step`, head: ["Step"], rows: [] };
  const k = cursorStep(results, view.cursor);
  return {
    caption: `${name} of each run at evenly spaced steps and at the cursor (step ${k})`,
    head: ["Step", ...results.runs.map((run) => run.label)],
    rows: tableSteps(results, k).map((s) => [
      s === k ? `${s} (cursor)` : String(s),
      ...results.runs.map((run) => (s < run[series].length ? formatNumber(run[series][s]) : "—")),
    ]),
  };
}

/** The map's table: one row per run, its start, its point and loss at the cursor, and its fate. */
export function mapTable(results, view) {
  const k = results ? cursorStep(results, view.cursor) : 0;
  return {
    caption: `Runs on the map at step ${k}`,
    head: ["Run", "Start (x, y)", `At step ${k} (x, y)`, "Loss", "Status"],
    rows: (results?.runs ?? []).map((run) => {
      const at = recordAt(run, k);
      return at < 0
        ? [run.label, "—", "—", "—", fate(run, results.stopped)]
        : [run.label, point(run, 0), point(run, at), formatNumber(run.loss[at]), fate(run, results.stopped)];
    }),
  };
}
