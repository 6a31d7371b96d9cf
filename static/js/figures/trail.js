// Trail playback (design.md §7, §11): with `view.trail` on, the plots draw each run only up to the
// cursor's step, so the path draws itself (and the loss and LR curves reveal themselves) as it plays.
// Pure: the results as the plots should see them; the summary and exports keep the whole results.

import { SERIES } from "../state/results.js";
import { cursorStep } from "./cursor.js";

/** A run cut after record k: still "running" on the plots until its own last record is reached. */
function runUpTo(run, k) {
  if (k >= run.x.length - 1) return run;
  const cut = Object.fromEntries(SERIES.map((name) => [name, run[name].slice(0, k + 1)]));
  return { ...run, ...cut, status: "running", diverged_at: null, failed_at: null };
}

/** The last record the plots draw: the cursor's while the view plays a trail, else every record (Infinity). */
export function trailEnd(results, view) {
  return view?.trail && results ? cursorStep(results, view.cursor) : Infinity;
}

/** `results` with the future hidden when the view plays a trail, else `results` itself. */
export function trailResults(results, view) {
  const k = trailEnd(results, view);
  if (k === Infinity) return results;
  return { ...results, runs: results.runs.map((run) => runUpTo(run, k)) };
}
