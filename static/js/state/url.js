// The experiment and the view in the page URL, so a link is a complete experiment (TF Playground's
// state.ts is the model). The hash is `#v1=` + base64url of a compact JSON document:
//
//   {"s": "rosenbrock" | ["quadratic", {"b": 50}],        surface id, with its params if any
//    "n": 500, "t": 1e-6,                                  steps; tolerance (omitted at its default)
//    "r": [{"o": "Adam" | ["Adam", {"lr": 0.1}],           each run: optimizer (with params if any),
//           "x": [-1.5, 2], "c": "0072B2", "l": "label",   start, colour, label (if any),
//           "s": ["StepLR", {...}, "epoch", 10],           scheduler: id, params, interval, steps per epoch
//           "z": [0.5, 3],                                 noise: std, seed (omitted when off)
//           "p": ["norm", 1]}],                            gradient clipping: kind, bound (omitted when off)
//    "b": [2],                                             runs showing a seed band: indices into "r" (if any)
//    "m": "multiples", "k": 137, "e": "lesson-id",         view mode, cursor step, lesson (if not default)
//    "a": {"lr": "linear"},                                each curve plot's scale the reader chose (if any)
//    "o": ["trail", "vectors"],                            the view's switches that are on (if any): trail
//                                                          playback, the vectors at the cursor
//    "M": "network", "w": {...}}                           network mode, and its training: the SPEC §10
//                                                          request with each run's colour (in network mode)
//
// Reading is forgiving: a link from another version, a hand-edited or a truncated one loads what it
// can, field by field against the catalog, and lists what it dropped. Never a blank page.

import { addNetworkState, trainingDocument, trainingFromDocument } from "../network/state.js";
import { CLIP_KINDS, clipOf, createRun, createState, findEntry, isNoisy } from "./experiment.js";
import { limitOf } from "./limits.js";

export const URL_VERSION = 1;
const HASH_PATTERN = /^#v(\d+)=([\s\S]*)$/;
const VIEW_MODES = ["overlay", "multiples", "3d"];
const KNOWN_KEYS = ["s", "n", "t", "r", "b", "m", "k", "e", "a", "o", "M", "w"];
/** The view's on/off switches a link carries ("o"): `view.<name>` booleans, off unless the link names them. */
export const VIEW_SWITCHES = ["trail", "vectors"];
const SCALES = ["log", "linear"];
const INTERVALS = ["step", "epoch"];
const DEFAULT_TOLERANCE = 1e-6;

// ---- base64url of UTF-8 text ----

function toBase64Url(text) {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text) {
  const base64 = text.replaceAll("-", "+").replaceAll("_", "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

// ---- writing ----

const hasKeys = (object) => object && Object.keys(object).length > 0;
/** An id alone, or [id, params] when there are params: the short form for the common case. */
const withParams = (id, params) => (hasKeys(params) ? [id, params] : id);

function compactScheduler(scheduler) {
  const parts = [scheduler.id, scheduler.params ?? {}, scheduler.interval ?? "step", scheduler.steps_per_epoch ?? 1];
  // Trailing defaults go: ["StepLR"] rather than ["StepLR", {}, "step", 1].
  const defaults = [null, {}, "step", 1];
  while (parts.length > 1 && JSON.stringify(parts.at(-1)) === JSON.stringify(defaults[parts.length - 1])) parts.pop();
  return parts;
}

/** The compact document of the experiment and the view (see the top of this file). */
export function compactState(state) {
  const { experiment, view } = state;
  const doc = {
    s: withParams(experiment.surface.id, experiment.surface.params),
    n: experiment.steps,
  };
  if (experiment.tolerance !== DEFAULT_TOLERANCE) doc.t = experiment.tolerance;
  doc.r = experiment.runs.map((run) => {
    const entry = {
      o: withParams(run.optimizer.id, run.optimizer.params), x: run.start, c: run.color.replace(/^#/, ""),
    };
    if (run.label) entry.l = run.label;
    if (run.scheduler) entry.s = compactScheduler(run.scheduler);
    if (run.noise && (run.noise.std || run.noise.seed)) entry.z = [run.noise.std, run.noise.seed];
    const clip = clipOf(run);
    if (clip) entry.p = clip;
    return entry;
  });
  // A band shows while its run is noisy (sweeps/seed-bands.js): a run whose noise is off shows none.
  const banded = (run) => view.sweeps.bands.has(run.key) && isNoisy(run);
  const bands = experiment.runs.flatMap((run, index) => (banded(run) ? [index] : []));
  if (bands.length > 0) doc.b = bands;
  if (view.mode && view.mode !== "overlay") doc.m = view.mode;
  if (Number.isInteger(view.cursor?.step)) doc.k = view.cursor.step;
  if (view.lesson) doc.e = view.lesson;
  // The reader's log/linear choice is part of the picture a link shows (a lecturer's StepLR cut on a linear axis).
  const scales = Object.fromEntries(Object.entries(view.scales).filter(([, scale]) => scale));
  if (hasKeys(scales)) doc.a = scales;
  // What a lecturer set up to show (the trail drawing itself, the vectors at the cursor) is part of the picture too.
  const on = VIEW_SWITCHES.filter((name) => view[name]);
  if (on.length > 0) doc.o = on;
  if (state.mode === "network") {
    doc.M = state.mode;
    doc.w = trainingDocument(state.network.training);
  }
  return doc;
}

export function encodeHash(state) {
  return `#v${URL_VERSION}=${toBase64Url(JSON.stringify(compactState(state)))}`;
}

// ---- reading, one field at a time ----

/** The page's default state, both modes: what a link's missing or unreadable parts fall back to. */
const defaultState = (catalog) => addNetworkState(createState(catalog), catalog);

const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
const isFiniteNumber = (value) => typeof value === "number" && Number.isFinite(value);
const show = (value) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
};

/** Whether `value` fits a catalog param of this kind (the API checks ranges; this checks shapes). */
function fitsKind(spec, value, catalog) {
  if (value === null) return Boolean(spec.nullable) || spec.default === null;
  switch (spec.kind) {
    case "float":
      return isFiniteNumber(value);
    case "int":
      return Number.isInteger(value);
    case "bool":
      return typeof value === "boolean";
    case "choice":
      return (spec.choices ?? []).includes(value);
    case "float_pair":
      return Array.isArray(value) && value.length === 2 && value.every((v) => v === null || isFiniteNumber(v));
    case "int_list":
      return Array.isArray(value) && value.length <= limitOf(catalog, "max_int_list_length") && value.every(Number.isInteger);
    case "formula":
      return typeof value === "string" && value.length <= limitOf(catalog, "max_formula_length");
    case "schedulers":
      return Array.isArray(value) &&
        value.every((child) => isObject(child) && findEntry(catalog.schedulers, child.id) &&
          (child.params === undefined || isObject(child.params)));
    default:
      return false;
  }
}

/** The params of `entry` found in `raw`; the rest is noted under `where`. */
function readParams(raw, entry, where, catalog, notes) {
  const params = {};
  if (raw === undefined) return params;
  if (!isObject(raw)) {
    notes.push(`${where}: settings ${show(raw)}`);
    return params;
  }
  const specs = Array.isArray(entry.params)
    ? entry.params
    : Object.entries(entry.params ?? {}).map(([name, value]) => ({
      name, kind: typeof value === "string" ? "formula" : "float", default: value,
    }));
  for (const [name, value] of Object.entries(raw)) {
    const spec = specs.find((candidate) => candidate.name === name);
    if (spec && fitsKind(spec, value, catalog)) params[name] = value;
    else notes.push(`${where}: ${name} = ${show(value)}`);
  }
  return params;
}

/** [id, params] from "Id" or ["Id", {...}]. */
function idAndParams(raw) {
  if (typeof raw === "string") return [raw, undefined];
  if (Array.isArray(raw) && typeof raw[0] === "string") return [raw[0], raw[1]];
  return [null, undefined];
}

function readScheduler(raw, where, catalog, notes) {
  const [id, rawParams] = idAndParams(raw);
  const entry = id && findEntry(catalog.schedulers, id);
  if (!entry) {
    notes.push(`${where}: scheduler ${show(id ?? raw)}`);
    return null;
  }
  const params = readParams(rawParams, entry, `${where} ${id}`, catalog, notes);
  const scheduler = { id, params, interval: "step", steps_per_epoch: 1 };
  const [, , interval = "step", perEpoch = 1] = raw;
  if (INTERVALS.includes(interval)) scheduler.interval = interval;
  else notes.push(`${where}: scheduler interval ${show(interval)}`);
  if (Number.isInteger(perEpoch) && perEpoch >= 1) scheduler.steps_per_epoch = perEpoch;
  else notes.push(`${where}: steps per epoch ${show(perEpoch)}`);
  return scheduler;
}

function readRun(raw, index, experiment, catalog, notes) {
  const where = `run ${index + 1}`;
  if (!isObject(raw)) {
    notes.push(`${where} (unreadable)`);
    return null;
  }
  const [id, rawParams] = idAndParams(raw.o);
  const optimizer = id && findEntry(catalog.optimizers, id);
  if (!optimizer) {
    notes.push(`${where}: optimizer ${show(id ?? raw.o)} (not in this server's catalog)`);
    return null;
  }
  const params = readParams(rawParams, optimizer, `${where} ${id}`, catalog, notes);
  const run = createRun(experiment, catalog, { id, params });
  const surface = findEntry(catalog.surfaces, experiment.surface.id);
  run.start = [...surface.start];
  if (Array.isArray(raw.x) && raw.x.length === 2 && raw.x.every(isFiniteNumber)) run.start = [...raw.x];
  else if (raw.x !== undefined) notes.push(`${where}: start ${show(raw.x)}`);
  if (typeof raw.c === "string" && /^[0-9a-f]{6}$/i.test(raw.c)) run.color = `#${raw.c.toUpperCase()}`;
  else if (raw.c !== undefined) notes.push(`${where}: colour ${show(raw.c)}`);
  if (typeof raw.l === "string") run.label = raw.l.slice(0, limitOf(catalog, "max_label_length"));
  if (raw.s !== undefined && raw.s !== null) {
    run.scheduler = readScheduler(Array.isArray(raw.s) ? raw.s : [raw.s], where, catalog, notes);
  }
  if (raw.z !== undefined) {
    const [std, seed] = Array.isArray(raw.z) ? raw.z : [];
    if (isFiniteNumber(std) && std >= 0 && Number.isInteger(seed) && seed >= 0) run.noise = { std, seed };
    else notes.push(`${where}: noise ${show(raw.z)}`);
  }
  if (raw.p !== undefined) {
    const [kind, bound] = Array.isArray(raw.p) ? raw.p : [];
    if (CLIP_KINDS.includes(kind) && isFiniteNumber(bound) && bound > 0) run.clip = { [kind]: bound };
    else notes.push(`${where}: clipping ${show(raw.p)}`);
  }
  return run;
}

/** The keys of the runs whose seed band `raw` switches on; `byIndex`: the link's runs by index (null if dropped). */
function readBands(raw, byIndex, notes) {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    notes.push(`seed bands ${show(raw)}`);
    return [];
  }
  const keys = [];
  for (const index of raw) {
    const run = Number.isInteger(index) ? byIndex[index] : null;
    if (run && isNoisy(run)) keys.push(run.key);
    else notes.push(`seed band of run ${Number.isInteger(index) && index >= 0 ? index + 1 : show(index)} (no such run, or no noise)`);
  }
  return keys;
}

/** Each curve plot's scale from `raw` ({plot: "log" | "linear"}) into `scales`, whose keys are the plots. */
function readScales(raw, scales, notes) {
  if (raw === undefined) return;
  if (!isObject(raw)) {
    notes.push(`plot scales ${show(raw)}`);
    return;
  }
  for (const [plot, scale] of Object.entries(raw)) {
    if (Object.hasOwn(scales, plot) && SCALES.includes(scale)) scales[plot] = scale;
    else notes.push(`${plot} plot scale ${show(scale)}`);
  }
}

/** Switch on the view's switches `raw` names (["trail", "vectors"]) in `view`. */
function readSwitches(raw, view, notes) {
  if (raw === undefined) return;
  if (!Array.isArray(raw)) {
    notes.push(`view switches ${show(raw)}`);
    return;
  }
  for (const name of raw) {
    if (VIEW_SWITCHES.includes(name)) view[name] = true;
    else notes.push(`view switch ${show(name)}`);
  }
}

/**
 * The state a compact document describes, read against `catalog`: {state, seedBands, notes},
 * where `seedBands` are the keys of the runs that show a seed band and `notes` lists what could
 * not be used. The result starts from the default comparison, so whatever is missing or
 * unreadable falls back to it.
 */
export function readDocument(doc, catalog) {
  const notes = [];
  const state = defaultState(catalog);
  if (!isObject(doc)) return { state, seedBands: [], notes: ["the whole experiment (not a JSON object)"] };
  const { experiment, view } = state;
  const unknown = Object.keys(doc).filter((key) => !KNOWN_KEYS.includes(key));
  if (unknown.length > 0) notes.push(`settings this version does not know (${unknown.join(", ")})`);

  const [surfaceId, rawSurfaceParams] = idAndParams(doc.s);
  const surface = surfaceId && findEntry(catalog.surfaces, surfaceId);
  if (surface) {
    experiment.surface = { id: surfaceId, params: readParams(rawSurfaceParams, surface, "surface", catalog, notes) };
  } else if (doc.s !== undefined) {
    notes.push(`surface ${show(surfaceId ?? doc.s)} (not in this server's catalog)`);
  }

  if (Number.isInteger(doc.n) && doc.n >= 1 && doc.n <= limitOf(catalog, "max_steps")) experiment.steps = doc.n;
  else if (doc.n !== undefined) notes.push(`steps = ${show(doc.n)}`);
  if (isFiniteNumber(doc.t) && doc.t >= 0) experiment.tolerance = doc.t;
  else if (doc.t !== undefined) notes.push(`tolerance = ${show(doc.t)}`);

  const byIndex = []; // the link's runs by their index in "r", which "b" refers to
  if (Array.isArray(doc.r)) {
    const maxRuns = limitOf(catalog, "max_runs");
    if (doc.r.length > maxRuns) notes.push(`${doc.r.length - maxRuns} runs beyond this server's limit of ${maxRuns}`);
    const defaults = experiment.runs;
    experiment.runs = [];
    doc.r.slice(0, maxRuns).forEach((raw, index) => {
      const run = readRun(raw, index, experiment, catalog, notes);
      byIndex[index] = run;
      if (run) experiment.runs.push(run);
    });
    if (experiment.runs.length === 0) {
      notes.push("no run could be read, so the default runs are shown");
      experiment.runs = defaults;
    }
  } else if (doc.r !== undefined) {
    notes.push("the runs (not a list)");
  }
  if (!Array.isArray(doc.r)) { // the default runs, moved to this surface's start
    for (const run of experiment.runs) run.start = [...findEntry(catalog.surfaces, experiment.surface.id).start];
  }
  const seedBands = readBands(doc.b, byIndex, notes);

  if (VIEW_MODES.includes(doc.m)) view.mode = doc.m;
  else if (doc.m !== undefined) notes.push(`view ${show(doc.m)}`);
  if (doc.M === "network") state.mode = "network";
  else if (doc.M !== undefined) notes.push(`mode ${show(doc.M)}`);
  if (isObject(doc.w)) state.network.training = trainingFromDocument(doc.w, catalog, notes);
  else if (doc.w !== undefined) notes.push("the training (not a JSON object)");
  // Network mode's cursor is checked against the training's steps once its result is in (playback).
  const lastStep = state.mode === "network" ? Infinity : experiment.steps;
  if (Number.isInteger(doc.k) && doc.k >= 0 && doc.k <= lastStep) view.cursor.step = doc.k;
  else if (doc.k !== undefined) notes.push(`cursor step ${show(doc.k)}`);
  if (typeof doc.e === "string" && /^[a-z0-9-]{1,60}$/.test(doc.e)) view.lesson = doc.e;
  else if (doc.e !== undefined) notes.push(`lesson ${show(doc.e)}`);
  readScales(doc.a, view.scales, notes);
  readSwitches(doc.o, view, notes);
  return { state, seedBands, notes };
}

/**
 * The state in a URL hash: {state, seedBands, notes, message} or null for an empty hash. `message` is set
 * when the link was unusable or partly so; then `state` is what could be loaded.
 */
export function decodeHash(hash, catalog) {
  if (!hash || hash === "#") return null;
  const match = HASH_PATTERN.exec(hash);
  let doc;
  try {
    if (!match) throw new Error("not an optimlab link");
    doc = JSON.parse(fromBase64Url(decodeURIComponent(match[2])));
  } catch {
    return {
      state: defaultState(catalog), seedBands: [], notes: [],
      message: "This link could not be read (it may have been cut short), so the default comparison is shown.",
    };
  }
  const version = Number(match[1]);
  const { state, seedBands, notes } = readDocument(doc, catalog);
  let message = null;
  if (version !== URL_VERSION) {
    const age = version < URL_VERSION ? "an older" : "a newer";
    message = `This link comes from ${age} version of optimlab (v${version}); what this version understands was loaded.`;
  }
  if (notes.length > 0) {
    const shown = 8;
    const more = notes.length > shown ? `; and ${notes.length - shown} more` : "";
    const dropped = `Left out: ${notes.slice(0, shown).join("; ")}${more}.`;
    message = message ? `${message} ${dropped}` : `Some of this link could not be loaded. ${dropped}`;
  }
  return { state, seedBands, notes, message };
}
