// Words for network mode's pictures (design.md §7, §10): the landscape, the loss and the accuracy per
// epoch as sentences at the cursor and as small per-run tables a screen reader can browse. Pure: text
// and rows from (result, step, epoch); a11y/plot-text.js's helpers put them on the page.

import { landscapeCaption } from "../figures/landscape.js";
import { formatNumber } from "../ui/format.js";

/** The per-epoch value of `series` a run has at `epoch` (its last one while the epoch is still to come). */
function valueAt(run, series, epoch) {
  const values = run.epochs[series];
  return values.length ? formatNumber(values[Math.min(epoch, values.length - 1)]) : "—";
}

/** Where a run's path is on the plane at record `k` (its last point if shorter), or "—" before the plane is known. */
function pathPoint(run, k) {
  const { u, v } = run.path;
  if (!u.length) return "—";
  const at = Math.min(k, u.length - 1);
  return `(${formatNumber(u[at])}, ${formatNumber(v[at])})`;
}

/** The landscape: what the plane shows (its caption's words), then per run its point at the cursor, its losses there and its status. */
export function landscapeSentences(result, step, epoch) {
  if (!result) return ["No training yet."];
  return [landscapeCaption(result.landscape), `At step ${step}, epoch ${epoch} of ${result.epochs}:`, ...result.runs.map((run) =>
    `${run.label}: at ${pathPoint(run, step)} on the plane, train loss ${valueAt(run, "train_loss", epoch)}, `
      + `validation loss ${valueAt(run, "val_loss", epoch)}; ${run.status}.`)];
}

/** The landscape's table: per run, its start and cursor point on the plane, the losses there, its status. */
export function landscapeTable(result, step, epoch) {
  return {
    caption: `Runs on the loss landscape at step ${step} (epoch ${epoch})`,
    head: ["Run", "Start (u, v)", `At step ${step} (u, v)`, "Train loss", "Validation loss", "Status"],
    rows: (result?.runs ?? []).map((run) => [
      run.label, pathPoint(run, 0), pathPoint(run, step), valueAt(run, "train_loss", epoch),
      valueAt(run, "val_loss", epoch), run.status,
    ]),
  };
}

/** A per-epoch plot (`metric` "loss" or "accuracy"): each run's train and validation value at the cursor's epoch. */
export function epochSentences(result, epoch, metric) {
  if (!result) return ["No training yet."];
  return [`At epoch ${epoch} of ${result.epochs}:`, ...result.runs.map((run) =>
    `${run.label}: train ${metric} ${valueAt(run, `train_${metric}`, epoch)}, `
      + `validation ${metric} ${valueAt(run, `val_${metric}`, epoch)}.`)];
}

/** A per-epoch plot's table: per run, the values at the cursor's epoch and the final ones. */
export function epochTable(result, epoch, metric) {
  const last = result?.epochs ?? 0;
  return {
    caption: `Train and validation ${metric} of each run at epoch ${epoch} and at the end (epoch ${last})`,
    head: ["Run", `Train, epoch ${epoch}`, `Validation, epoch ${epoch}`, "Final train", "Final validation"],
    rows: (result?.runs ?? []).map((run) => [
      run.label, valueAt(run, `train_${metric}`, epoch), valueAt(run, `val_${metric}`, epoch),
      valueAt(run, `train_${metric}`, last), valueAt(run, `val_${metric}`, last),
    ]),
  };
}
