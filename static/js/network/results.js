// A training's result as the page holds it, built up from the stream's events (SPEC §10): per run the
// step records (loss, lr), the epoch records (entry 0 before training), the decision boundaries and the
// path on the landscape's plane; then the landscape. The plots, the summary, playback and the exports
// all read this one object. Pure: no DOM.

/** The per-epoch series of a run, as the API names them. */
export const EPOCH_SERIES = ["train_loss", "val_loss", "train_accuracy", "val_accuracy", "lr"];

/**
 * Empty results for the runs the `training` event announces, coloured as their cards. `sentAt` is when
 * the request left. `steps` is the whole training's step count, the playback's range.
 */
export function startTraining(header, { request, colors, sentAt }) {
  const stepsPerEpoch = header.task.steps_per_epoch;
  const result = {
    mode: "network",
    describeStep: (k) => describeStep(result, k), // the play bar's words (playback/playback.js)
    request,
    task: header.task,
    epochs: header.epochs,
    stepsPerEpoch,
    steps: header.epochs * stepsPerEpoch,
    boundary: header.boundary ?? null, // the decision boundary's grid (2-D data sets): x, y, resolution, encoding
    landscape: null,
    startedAt: sentAt,
    finishedAt: null,
    stopped: false,
    revision: 0,
    runs: header.runs.map(({ label }, index) => ({
      label,
      color: colors[index],
      status: "running",
      diverged_at: null,
      failed_at: null,
      error: null,
      summary: null,
      steps: { loss: [], lr: [] },
      epochs: Object.fromEntries(EPOCH_SERIES.map((name) => [name, []])),
      boundaries: [], // per epoch: the encoded grid of p(class 1), when the data set is 2-D
      val_predictions: [], // per epoch: the first validation points' predicted class, when it is not
      path: { u: [], v: [] }, // θ0 first, then one point per step, once the plane is known
      recorded: 1, // records so far: θ0 and one per step (what playback can show)
    })),
  };
  return result;
}

/** Fold one stream event into `result`; returns whether anything changed. */
export function applyTrainingEvent(result, event) {
  const run = result.runs[event.run];
  if (event.event === "epoch") {
    for (const name of EPOCH_SERIES) run.epochs[name].push(event[name]);
    run.steps.loss.push(...event.steps.loss);
    run.steps.lr.push(...event.steps.lr);
    run.recorded = run.steps.loss.length + 1;
    if (event.boundary !== undefined) run.boundaries.push(event.boundary);
    if (event.val_predictions !== undefined) run.val_predictions.push(event.val_predictions);
    if (event.path) { // a `random` plane is known before training: the path streams with the epochs
      run.path.u.push(...event.path.u);
      run.path.v.push(...event.path.v);
    }
  } else if (event.event === "run_end") {
    const { status, diverged_at, failed_at, error, summary } = event;
    Object.assign(run, { status, diverged_at, failed_at, error, summary });
    run.steps.loss.push(...(event.steps?.loss ?? [])); // the steps of an epoch a run ended inside
    run.steps.lr.push(...(event.steps?.lr ?? []));
    run.recorded = run.steps.loss.length + 1;
  } else if (event.event === "landscape") {
    const { method, explained_variance, u, v, loss, paths } = event;
    result.landscape = { method, explained_variance, u, v, loss };
    paths.forEach((path, index) => { result.runs[index].path = { u: [...path.u], v: [...path.v] }; });
  } else if (event.event === "done") {
    result.finishedAt = performance.now();
  } else if (event.event === "error") {
    result.stopped = true;
  } else {
    return false;
  }
  result.revision += 1;
  return true;
}

/** The epochs completed at record `k` (record k follows step k; epoch e ends at record e × steps per epoch). */
export function epochAt(result, k) {
  return Math.min(Math.floor(k / result.stepsPerEpoch), result.epochs);
}

/** The words the play bar shows at record `k`. */
export function describeStep(result, k) {
  return `step ${k} / ${result.steps} · epoch ${epochAt(result, k)} / ${result.epochs}`;
}

/** The training's whole result as `POST /api/trainings` answers it (the export). */
export function wholeResult(result) {
  return {
    task: result.task,
    epochs: result.epochs,
    batch_size: result.request.batch_size,
    runs: result.runs.map(({ label, status, diverged_at, failed_at, error, steps, epochs, path, summary }) => ({
      label, status, diverged_at, failed_at, error, steps, epochs, path, summary,
    })),
    landscape: result.landscape,
  };
}

/** One row per run and epoch: run, label, epoch and the epoch series (the CSV export). */
export function epochRows(result) {
  const rows = [["run", "label", "epoch", ...EPOCH_SERIES]];
  result.runs.forEach((run, index) => {
    run.epochs.train_loss.forEach((_, epoch) => {
      rows.push([index, run.label, epoch, ...EPOCH_SERIES.map((name) => run.epochs[name][epoch])]);
    });
  });
  return rows;
}
