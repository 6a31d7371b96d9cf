// Network mode's state (design.md §10): the training request document of SPEC §10 itself — task
// (data set + model), epochs, batch_size, shuffle_seed, runs, landscape — plus a key and a colour per
// run for the page, and the view bits (the parked cursor, the selected run). A field's path inside
// `training` is the `loc` the API names in a 422, so errors find their field as in surfaces mode.
// Pure: no DOM, so node's tests read it.

import { RUN_COLORS, findEntry, runLabel } from "../state/experiment.js";

/** The page's two modes, in the order `mode-select` lists them. */
export const MODES = ["surfaces", "network"];

/** The paths of this prefix name network fields on the page (ids, 422 locations): ["network", ...path]. */
export const FIELD_PREFIX = ["network"];

/**
 * What a newcomer sees on switching: the seed's loop on moons — SGD with momentum with and without
 * StepLR per epoch, Adam and RMSprop, every run from the same initial weights.
 */
export const DEFAULT_TRAINING = Object.freeze({
  task: {
    data: { id: "moons", params: { n: 400, noise: 0.2, seed: 0, validation: 0.25 } },
    model: { hidden: [16, 16], activation: "tanh", seed: 0 },
  },
  epochs: 30,
  batch_size: 32,
  shuffle_seed: 0,
  runs: [
    { optimizer: { id: "SGD", params: { lr: 0.1, momentum: 0.9 } } },
    {
      optimizer: { id: "SGD", params: { lr: 0.1, momentum: 0.9 } },
      scheduler: { id: "StepLR", params: { step_size: 10, gamma: 0.1 }, interval: "epoch" },
    },
    { optimizer: { id: "Adam", params: { lr: 0.01 } } },
    { optimizer: { id: "RMSprop", params: { lr: 0.01 } } },
  ],
  landscape: { method: "pca", resolution: 31 },
});

/** The landscape's planes (SPEC §10): PCA of the weights' movement, or two random directions. */
export const LANDSCAPE_METHODS = ["pca", "random"];

/** A scheduler in a training steps per epoch unless told otherwise (SPEC §10). */
export const TRAINING_INTERVAL = "epoch";

let lastKey = 0;

/** A page run from a document's run: a key and a free colour beside the request's fields. */
function pageRun(raw, color) {
  return {
    key: `n${++lastKey}`,
    color,
    label: raw.label ?? "",
    optimizer: { id: raw.optimizer.id, params: { ...(raw.optimizer.params ?? {}) } },
    scheduler: raw.scheduler
      ? { id: raw.scheduler.id, params: { ...(raw.scheduler.params ?? {}) }, interval: raw.scheduler.interval ?? TRAINING_INTERVAL }
      : null,
    clip: raw.clip ?? null,
  };
}

/** A new run for the training: the last run's optimizer at torch's defaults, the next free colour. */
export function createTrainingRun(training, catalog, optimizer) {
  const used = new Set(training.runs.map((run) => run.color));
  const color = RUN_COLORS.find((c) => !used.has(c)) ?? RUN_COLORS[training.runs.length % RUN_COLORS.length];
  const id = optimizer?.id ?? training.runs.at(-1)?.optimizer.id ?? catalog.optimizers[0].id;
  return pageRun({ optimizer: { id, params: optimizer?.params ?? {} } }, color);
}

/** A copy of `run` with its own key and the next free colour (a card's duplicate button). */
export function copyTrainingRun(training, run) {
  const fresh = createTrainingRun(training, null, run.optimizer);
  return { ...structuredClone(run), key: fresh.key, color: fresh.color };
}

/**
 * The page's training from a SPEC §10 document (a lesson's `"training"`, a link's, the default):
 * every field the document has, the defaults for the rest; runs whose optimizer this server lacks are
 * left out (and named in `notes`).
 */
export function trainingFromDocument(doc, catalog, notes = []) {
  const base = structuredClone(DEFAULT_TRAINING);
  const training = {
    task: {
      // A data set named without params takes the server's defaults for it (GET /api/datasets).
      data: doc?.task?.data?.id
        ? { id: doc.task.data.id, params: { ...(doc.task.data.params ?? {}) } }
        : structuredClone(base.task.data),
      model: { ...base.task.model, ...(doc?.task?.model ?? {}) },
    },
    epochs: doc?.epochs ?? base.epochs,
    batch_size: doc?.batch_size ?? base.batch_size,
    shuffle_seed: doc?.shuffle_seed ?? base.shuffle_seed,
    runs: [],
    landscape: { ...base.landscape, ...(doc?.landscape ?? {}) },
  };
  for (const [index, raw] of (Array.isArray(doc?.runs) ? doc.runs : base.runs).entries()) {
    if (!raw?.optimizer || !findEntry(catalog.optimizers, raw.optimizer.id)) {
      notes.push(`run ${index + 1}: optimizer ${JSON.stringify(raw?.optimizer?.id ?? null)} (not in this server's catalog)`);
      continue;
    }
    const knownScheduler = !raw.scheduler || findEntry(catalog.schedulers, raw.scheduler.id);
    if (!knownScheduler) notes.push(`run ${index + 1}: scheduler ${JSON.stringify(raw.scheduler.id)}`);
    const run = pageRun({ ...raw, scheduler: knownScheduler ? raw.scheduler : null },
      RUN_COLORS[training.runs.length % RUN_COLORS.length]);
    if (typeof raw.color === "string" && /^#[0-9a-f]{6}$/i.test(raw.color)) run.color = raw.color.toUpperCase();
    training.runs.push(run);
  }
  if (training.runs.length === 0) training.runs.push(createTrainingRun(training, catalog));
  return training;
}

/** The cursor of a mode: a step (null: the newest record) and playback (playback/playback.js). */
export const freshCursor = () => ({ step: null, playing: false, speed: 1 });

/**
 * Add network mode to the page state (state/experiment.js's createState): `mode`, `network` (the
 * training, the selected run, its 422 issues and its result) and the cursor of the mode not shown.
 */
export function addNetworkState(state, catalog) {
  state.mode = "surfaces";
  state.parkedCursor = freshCursor(); // the other mode's cursor (switchMode)
  state.network = {
    training: trainingFromDocument(DEFAULT_TRAINING, catalog),
    selectedRun: 0, // the run the per-run views show (the decision boundary, the inspector)
    errors: [], // the API's 422 issues for the training, paths under FIELD_PREFIX
    result: null, // the training being shown (network/results.js)
  };
  return state;
}

/**
 * Show `mode`: the page's one `view.cursor` belongs to the mode shown; the other mode's waits parked,
 * so switching back restores it (step, speed) as it was. Call inside a store update.
 */
export function switchMode(state, mode) {
  if (!MODES.includes(mode) || state.mode === mode) return;
  const shown = state.view.cursor;
  shown.playing = false;
  state.view.cursor = state.parkedCursor ?? freshCursor();
  state.parkedCursor = shown;
  state.mode = mode;
}

/**
 * Load a SPEC §10 training document into the page and show network mode — the seam lessons and links
 * use (`{"mode": "network", "training": {...}}` entries of lessons.json). Call inside a store update
 * flagged {training, controls, mode}. Returns what could not be loaded.
 */
export function loadTraining(state, doc, catalog) {
  const notes = [];
  state.network.training = trainingFromDocument(doc, catalog, notes);
  state.network.selectedRun = 0;
  state.network.errors = [];
  switchMode(state, "network");
  return notes;
}

/** The training's shared fields (task, loop, landscape), copied, with each run as `runOf` writes it. */
function trainingWith(training, runOf) {
  const { runs, ...shared } = training;
  return { ...structuredClone(shared), runs: runs.map(runOf) };
}

/** The training as `POST /api/trainings[/stream]` takes it (SPEC §10): the page's own fields dropped. */
export function toTrainingRequest(training, catalog) {
  return trainingWith(training, (run) => ({
    label: runLabel(run, catalog),
    optimizer: structuredClone(run.optimizer),
    scheduler: structuredClone(run.scheduler),
    ...(run.clip ? { clip: structuredClone(run.clip) } : {}),
  }));
}

/** The training as a document to keep (a link, a lesson): the request with each run's colour, labels as typed. */
export function trainingDocument(training) {
  return trainingWith(training, (run) => ({
    ...(run.label ? { label: run.label } : {}),
    color: run.color,
    optimizer: structuredClone(run.optimizer),
    ...(run.scheduler ? { scheduler: structuredClone(run.scheduler) } : {}),
    ...(run.clip ? { clip: structuredClone(run.clip) } : {}),
  }));
}

/** A training's body for `POST /api/code` (SPEC §10): the task, the loop's settings and run `index`. */
export function trainingCodeRequest(training, catalog, index) {
  const request = toTrainingRequest(training, catalog);
  const { task, epochs, batch_size, shuffle_seed } = request;
  return { task, epochs, batch_size, shuffle_seed, run: request.runs[index] };
}
