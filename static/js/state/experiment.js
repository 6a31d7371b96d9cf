// The one state object: the experiment (shaped exactly like the API's request, plus a few
// client-only fields per run), the view, and what is shown (the grid and results drawn). Controls
// change it through `store.update` (state/store.js); the page renders from it. A field's path
// inside `experiment` is also the `loc` the API names in a 422, so errors find their field
// without a mapping table.

import { limitOf } from "./limits.js";

/** Okabe–Ito colours, ordered for contrast on the light map (yellow and black last). */
export const RUN_COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"];

/** Run colours under 3:1 on one theme's plots, and the token (css/theme.css) drawn in their place. */
const THEMED_RUN_COLORS = {
  "#000000": "--run-black", "#e69f00": "--run-orange", "#56b4e9": "--run-sky-blue", "#f0e442": "--run-yellow",
  "#cc79a7": "--run-reddish-purple",
};

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
    clip: null, // {norm: x} | {value: x}: torch's clipping after backward() (design.md §11); off by default
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
      // it are flagged {cursor: true}, which redraws the cursor alone (playback/playback.js).
      cursor: { step: null, playing: false, speed: 1 },
      trail: false, // trail playback: the plots show each run up to the cursor only (figures/trail.js)
      vectors: false, // the gradient, carried direction and step at the cursor on the map (figures/vectors.js)
      inspector: { open: false, explain: true },
      startTarget: "all", // whose start a click on the map moves: "all" or a run's key
      theme: "system",
      scales: { loss: null, lr: null, epochLoss: null }, // each curve plot's "log" | "linear"; null: its figure's default
      collapsedRuns: new Set(),
      // The sweep panel (sweeps/panel.js): open or not, its tab in each page mode ({mode: tab id}: each
      // mode keeps its own, a mode not chosen in yet shows its first), the run it sweeps, the map
      // colouring, and the runs (keys) whose seed band shows.
      sweeps: { open: false, tabs: {}, run: null, colorBy: "final_loss", bands: new Set() },
      // The API's 422 issues by request ({path, msg, ...}); each is shown next to its field.
      errors: { experiment: [], surface: [] },
    },
    // What the plots show (page/): the surface whose grid is drawn, its grid, the results of the
    // last run (state/results.js) and the seed bands' traces over them ({map, loss}). Changed
    // through the store with the `grid`, `results` and `overlays` flags.
    shown: { surface: null, grid: null, results: null, overlays: null },
  };
}

/** The ways a run can clip its gradient, as the API names them (design.md §11). */
export const CLIP_KINDS = ["norm", "value"];

/** A run's clipping as [kind, bound], or null when it does not clip. */
export function clipOf(run) {
  const kind = CLIP_KINDS.find((name) => run.clip?.[name] != null);
  return kind ? [kind, run.clip[kind]] : null;
}

/** Whether a run has gradient noise: only then can it show a seed band (sweeps/seed-bands.js). */
/** Epochs a scheduler stepped per epoch gets by default: 20 over the run (design.md §2, issue 20). */
export const EPOCHS_BY_DEFAULT = 20;

/** The default steps per epoch for a run of `steps` steps: EPOCHS_BY_DEFAULT epochs, at least one step each. */
export const defaultStepsPerEpoch = (steps) => Math.max(1, Math.round(steps / EPOCHS_BY_DEFAULT));

/** m in design.md §2: how many times a run's scheduler is called over `steps` steps. */
export function schedulerCalls(steps, scheduler) {
  return scheduler.interval === "epoch" ? Math.floor(steps / (scheduler.steps_per_epoch ?? 1)) : steps;
}

export const isNoisy = (run) => (run.noise?.std ?? 0) > 0;

/**
 * Switch on the band of run `key`, as its checkbox in the Seeds tab does. Called inside the store
 * update that changes the experiment (a lesson's, in teach/lessons.js; a link's, in teach/share.js): the re-sweep
 * that follows every experiment change computes it, and it then lives and goes like any band a
 * reader switched on. (The link the page opens with comes before the tab, which sweeps it when built.)
 */
export function showSeedBand(state, key) {
  state.view.sweeps.bands.add(key); // the set of runs that show one: the sweep panel's view settings
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
  const longest = limitOf(catalog, "max_label_length");
  return label.length > longest ? `${label.slice(0, longest - 1)}…` : label;
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
      clip: run.clip ?? null,
    })),
  };
}
