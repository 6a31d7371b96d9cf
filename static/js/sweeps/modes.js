// What the sweep panel's LR curves and fair comparison need from the page's mode (design.md §6 "Sweep
// request", §10 training sweeps): which runs, the request for one of them, where it streams, what a curve
// measures and after what budget, and which store change a new value is. Data per mode, so the panel has
// one code path for both. Pure: no DOM.

import { streamSweep, streamTrainingSweep } from "../api/client.js";
import { MEASURES } from "../figures/sweep-lr.js";
import { trainingCodeRequest } from "../network/state.js";
import { cellsOf, sweepRequest } from "./requests.js";
import { sweepableNames } from "./names.js";

/**
 * Per mode: `runs(state)`; `request(state, catalog, index, vary)`, the sweep body for run `index`;
 * `stream(request, {signal})`; `work(request)`, the cells times the budget (progress before the first
 * event); `budget(state)`, {steps} or {epochs} as `measure` reads it, and `length(budget)` its number;
 * `unit`, what the work counts; `names(run, catalog)`, what a curve may sweep; `change`, the store flags
 * of a changed run.
 */
export const SWEEP_MODES = Object.freeze({
  surfaces: {
    measure: MEASURES.surfaces,
    runs: (state) => state.experiment.runs,
    request: (state, catalog, index, vary) => sweepRequest(state.experiment, catalog, index, vary),
    stream: streamSweep,
    work: (request) => cellsOf(request.vary) * request.steps,
    budget: (state) => ({ steps: state.experiment.steps }),
    length: ({ steps }) => steps,
    unit: "run-steps",
    names: sweepableNames,
    change: { experiment: true, controls: true },
  },
  network: {
    measure: MEASURES.network,
    runs: (state) => state.network.training.runs,
    // The training's task and loop with the one run (the code export's shape), plus what varies.
    request: (state, catalog, index, vary) => ({ ...trainingCodeRequest(state.network.training, catalog, index), vary }),
    stream: streamTrainingSweep,
    work: (request) => cellsOf(request.vary) * request.epochs,
    budget: (state) => ({ epochs: state.network.training.epochs }),
    length: ({ epochs }) => epochs,
    unit: "run-epochs",
    // A training sweep varies one float of the optimizer (no pair sides, no scheduler floats).
    names: (run, catalog) => sweepableNames(run, catalog).filter((name) => /^\w+$/.test(name)),
    change: { training: true, controls: true },
  },
});

/** The sweep mode of the page's state. */
export const sweepMode = (state) => SWEEP_MODES[state.mode] ?? SWEEP_MODES.surfaces;
