// Sweep requests and their budgets (design.md §6 "Sweep request"): the value grids of hyperparameter
// sweeps, the resolutions that fit the server's limit, and the fingerprints that tell whether a
// finished sweep still describes the experiment. Pure functions: no DOM, no fetch.

import { isNoisy, toRequest } from "../state/experiment.js";
import { parseName, setValue, sweepableNames, valueOf } from "./names.js";

/** LR curves and the fair comparison share one budget: 25 values over 4 decades (6 a decade). */
export const LR_DECADES = 4;
export const LR_VALUES = 25; // odd, so the run's own lr is the middle value
export const SEEDS = 64;
/** A run with gradient noise is scored per value by the median over this many seeds (odd: a true middle). */
export const FAIR_SEEDS = 9;
export const BASIN_RESOLUTIONS = [16, 24, 32, 48, 64];
export const BASIN_RESOLUTION = 48;
export const GRID2_RESOLUTIONS = [6, 8, 12, 16, 24];
export const GRID2_RESOLUTION = 12;

/** `n` values from `low` to `high`, evenly spaced on a log scale (both ends included). */
export function logSpace(low, high, n) {
  const [a, b] = [Math.log10(low), Math.log10(high)];
  return Array.from({ length: n }, (_, i) => 10 ** (a + ((b - a) * i) / Math.max(n - 1, 1)));
}

export function linSpace(low, high, n) {
  return Array.from({ length: n }, (_, i) => low + ((high - low) * i) / Math.max(n - 1, 1));
}

/** Three significant figures: values a person can read back and type (0.00234, not 0.0023422845…). */
const round3 = (value) => Number(value.toPrecision(3));

/** The run's lr when it is a usable positive number, else 1e-3 (torch's most common default). */
export function currentLr(run, catalog) {
  const lr = valueOf(run, catalog, "lr");
  return typeof lr === "number" && lr > 0 && Number.isFinite(lr) ? lr : 1e-3;
}

/**
 * LR_VALUES log-spaced values over LR_DECADES decades centred on `lr`, rounded to 3 figures;
 * the middle one is `lr` itself, so the curve shows where the run is now.
 */
export function lrValues(lr) {
  const half = LR_DECADES / 2;
  const values = logSpace(lr / 10 ** half, lr * 10 ** half, LR_VALUES)
    .map((v, i) => (i === (LR_VALUES - 1) / 2 ? lr : round3(v)));
  return [...new Set(values)];
}

/**
 * The values a curve sweeps `name` over for `run`: for lr, lrValues around its own; else LR_VALUES over the
 * name's first-guess range (defaultRange).
 */
export function curveValues(run, catalog, name) {
  if (name === "lr") return lrValues(currentLr(run, catalog));
  return [...new Set(rangeValues(defaultRange(name, valueOf(run, catalog, name)), LR_VALUES))];
}

/** The noise seeds a curve scores a noisy run over (its own seed first), or null for a run without noise. */
export function curveSeeds(run) {
  if (!isNoisy(run)) return null;
  return Array.from({ length: FAIR_SEEDS }, (_, i) => (run.noise.seed ?? 0) + i);
}

/** Names whose values live in [0, 1): averaging coefficients and the like. */
const UNIT_INTERVAL = /^(momentum|dampening|alpha|rho|betas?|beta\d|beta_\d|lambd)$/;

/**
 * A first guess at a sensible range for sweeping a float hyperparameter, from its current value:
 * learning rates and positive values log-spaced around it, coefficients linear over [0, 0.99].
 */
export function defaultRange(name, value) {
  const v = typeof value === "number" && Number.isFinite(value) ? value : 0;
  const param = parseName(name)?.param ?? name; // `betas[1]` ranges as a beta, `scheduler.gamma` as a gamma
  if (param === "lr" || param.endsWith("_lr")) {
    const lr = v > 0 ? v : 1e-3;
    return { min: round3(lr / 100), max: round3(lr * 10), scale: "log" }; // past ×10 most runs diverge
  }
  // Up to 0.99, or past the value when it is closer to 1 (Adam's β₂, 0.999).
  if (UNIT_INTERVAL.test(param) && v >= 0 && v < 1) return { min: 0, max: v > 0.99 ? 0.9999 : 0.99, scale: "linear" };
  if (v > 0) return { min: round3(v / 100), max: round3(v * 100), scale: "log" };
  if (v === 0) return { min: 0, max: 0.1, scale: "linear" };
  return { min: round3(v * 2), max: 0, scale: "linear" };
}

/**
 * `n` values over a range {min, max, scale}; log needs 0 < min. Rounded to 3 figures, but never past the
 * range's ends (β₂'s 0.9999 would round to 1, which torch refuses).
 */
export function rangeValues({ min, max, scale }, n) {
  const values = scale === "log" ? logSpace(min, max, n) : linSpace(min, max, n);
  const clamp = (v) => Math.min(max, Math.max(min, v));
  return values.map((v) => (Math.abs(v) < 1e-12 * Math.max(Math.abs(min), Math.abs(max)) ? 0 : clamp(round3(v))));
}

/** Why a range cannot be swept (a sentence), or null. */
export function rangeProblem({ min, max, scale }) {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return "Give the range as two numbers.";
  if (!(min < max)) return "The range needs min < max.";
  if (scale === "log" && !(min > 0)) return "A log scale needs min > 0.";
  return null;
}

/** How many runs a `vary` asks for. */
export function cellsOf(vary) {
  if (vary.kind === "start") return vary.resolution ** 2;
  if (vary.kind === "param") return vary.values.length * (vary.seeds?.length ?? 1);
  if (vary.kind === "grid2") return vary.x.values.length * vary.y.values.length;
  return vary.seeds.length;
}

/** The resolutions (N for N×N) whose sweep fits the limit at `steps` steps. */
export function fittingResolutions(options, steps, limit) {
  return options.filter((n) => n * n * steps <= limit);
}

/** The run at `index` as the sweep request's `run` (the same shape the experiment sends). */
export function runRequest(experiment, catalog, index) {
  return toRequest(experiment, catalog).runs[index];
}

/** A sweep request (design.md §6) for the run at `index` of the experiment. */
export function sweepRequest(experiment, catalog, index, vary) {
  const { surface, steps, tolerance } = experiment;
  return { surface, steps, tolerance, run: runRequest(experiment, catalog, index), vary };
}

/**
 * What a sweep's result depends on, as a string: the request (a surface sweep's or a training sweep's)
 * without its `vary`, without the run's label, and without what the sweep itself varies (`omit`: "start", "seed" or sweep names, sweeps/names.js;
 * a pair side needs the `catalog` for the pair's default). A finished sweep is current while the experiment's
 * fingerprint equals it.
 */
export function fingerprint(request, omit = [], catalog = null) {
  const { vary: _vary, run: asked, ...shared } = request;
  const run = structuredClone(asked);
  delete run.label;
  for (const name of omit) {
    if (name === "start") delete run.start;
    else if (name === "seed") delete run.noise?.seed;
    else setValue(run, catalog, name, undefined);
  }
  return JSON.stringify({ ...shared, run });
}

/** Run-steps, for people: 1152000 → "1,152,000". */
export const formatWork = (work) => Math.round(work).toLocaleString("en-US");
