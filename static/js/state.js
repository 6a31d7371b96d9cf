// The one state object: the experiment (shaped exactly like the API's request, plus a few
// client-only fields per run) and the view. Controls change it through `store.update`; the
// page renders from it. A field's path inside `experiment` is also the `loc` the API names in
// a 422, so errors find their field without a mapping table.

/** Okabe–Ito colours, ordered for contrast on the light map (yellow and black last). */
export const RUN_COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"];

/** Run colours that vanish on one theme's background, and the token (css/theme.css) drawn in their place. */
const THEMED_RUN_COLORS = { "#000000": "--run-black" };

/** A run's colour as CSS: the colour itself, or a token that follows the theme (the state keeps the colour). */
export function runColorCss(color) {
  const token = THEMED_RUN_COLORS[color.toLowerCase()];
  return token ? `var(${token}, ${color})` : color;
}

/** What the newcomer sees first: each optimizer at a learning rate that shows it well. */
const DEFAULT_COMPARISON = {
  surface: "rosenbrock",
  start: [-1.5, 2],
  steps: 500,
  tolerance: 1e-6,
  runs: [
    // Measured on this start and budget: SGD+momentum diverges from lr 0.003, so 0.0015 keeps
    // a margin; Adam is at its best near 0.1; RMSprop at its default crawls along the valley;
    // Adagrad's shrinking steps stall it wherever its first big steps land, and 0.5 keeps them on the map.
    { id: "SGD", params: { lr: 0.0015, momentum: 0.9 } },
    { id: "Adam", params: { lr: 0.1 } },
    { id: "RMSprop", params: { lr: 0.01 } },
    { id: "Adagrad", params: { lr: 0.5 } },
  ],
};

/**
 * A tiny observable store. `change` says what a mutation touched so each subscriber
 * does only its part: {controls, experiment, surface, errors, view} (all optional).
 */
export function createStore(state) {
  const listeners = new Set();
  return {
    state,
    update(mutate, change) {
      mutate(state);
      for (const listener of listeners) listener(state, change);
    },
    subscribe(listener) {
      listeners.add(listener);
    },
  };
}

export function getIn(root, path) {
  return path.reduce((node, key) => (node == null ? undefined : node[key]), root);
}

/** Set (or, for `undefined`, delete) the value at `path`, creating objects on the way. */
export function setIn(root, path, value) {
  const parent = path.slice(0, -1).reduce((node, key) => (node[key] ??= {}), root);
  const last = path.at(-1);
  if (value === undefined && !Array.isArray(parent)) delete parent[last];
  else parent[last] = value;
}

export function findEntry(entries, id) {
  return entries.find((entry) => entry.id === id);
}

let lastRunKey = 0;

/** The first palette colour no run uses (cycling once all are taken). */
function freeColor(experiment) {
  const used = new Set(experiment.runs.map((run) => run.color));
  return RUN_COLORS.find((c) => !used.has(c)) ?? RUN_COLORS[experiment.runs.length % RUN_COLORS.length];
}

/**
 * A run with the given optimizer (by default the last run's, at torch's defaults), the next
 * free colour and the last run's start (or the surface's).
 */
export function createRun(experiment, catalog, optimizer) {
  const surface = findEntry(catalog.surfaces, experiment.surface.id);
  const last = experiment.runs.at(-1);
  return {
    key: ++lastRunKey,
    color: freeColor(experiment),
    label: "",
    start: [...(last?.start ?? surface.start)],
    optimizer: structuredClone(optimizer ?? { id: last?.optimizer.id ?? catalog.optimizers[0].id, params: {} }),
    scheduler: null,
    noise: { std: 0, seed: 0 },
  };
}

/** A copy of `run` with its own key and the next free colour. */
export function duplicateRun(experiment, run) {
  return { ...structuredClone(run), key: ++lastRunKey, color: freeColor(experiment) };
}

export function createState(catalog) {
  const experiment = {
    surface: { id: DEFAULT_COMPARISON.surface, params: {} },
    steps: DEFAULT_COMPARISON.steps,
    tolerance: DEFAULT_COMPARISON.tolerance,
    runs: [],
  };
  for (const optimizer of DEFAULT_COMPARISON.runs) {
    if (!findEntry(catalog.optimizers, optimizer.id)) continue; // a trimmed-down catalog
    const run = createRun(experiment, catalog, optimizer);
    run.start = [...DEFAULT_COMPARISON.start];
    experiment.runs.push(run);
  }
  if (experiment.runs.length === 0) experiment.runs.push(createRun(experiment, catalog));
  return {
    experiment,
    view: {
      mode: "overlay", // "overlay" | "multiples" | "3d"
      // The cursor every plot shares: a step (null: the newest record) and playback. Changes to
      // it are flagged {cursor: true}, which redraws the cursor alone (playback.js).
      cursor: { step: null, playing: false, speed: 1 },
      inspector: { open: false, explain: true },
      startTarget: "all", // whose start a click on the map moves: "all" or a run's key
      theme: "system",
      collapsedRuns: new Set(),
      // The sweep panel (sweeps.js): open or not, its tab, the run it sweeps, the map colouring, and
      // the runs (keys) whose seed band shows.
      sweeps: { open: false, tab: "lr", run: null, colorBy: "final_loss", bands: new Set() },
      // The API's 422 issues by request ({path, msg, ...}); each is shown next to its field.
      errors: { experiment: [], surface: [] },
    },
  };
}

/** The label a run shows: the user's, or its optimizer, changed settings and scheduler. */
export function runLabel(run, catalog) {
  if (run.label.trim()) return run.label.trim();
  const optimizer = findEntry(catalog.optimizers, run.optimizer.id);
  const settings = Object.entries(run.optimizer.params)
    .map(([name, value]) => `${name}=${Array.isArray(value) ? `(${value.join(", ")})` : value}`)
    .join(", ");
  let label = optimizer?.name ?? run.optimizer.id;
  if (settings) label += ` (${settings})`;
  if (run.scheduler) label += ` → ${findEntry(catalog.schedulers, run.scheduler.id)?.name ?? run.scheduler.id}`;
  return label.length > 100 ? `${label.slice(0, 99)}…` : label;
}

/** The experiment as `POST /api/experiments/stream` takes it. */
export function toRequest(experiment, catalog) {
  return {
    surface: experiment.surface,
    steps: experiment.steps,
    tolerance: experiment.tolerance,
    runs: experiment.runs.map((run) => ({
      label: runLabel(run, catalog),
      start: run.start,
      optimizer: run.optimizer,
      scheduler: run.scheduler,
      noise: run.noise,
    })),
  };
}
