// The URL state (static/js/state/url.js): a link written from a state reads back as the same state,
// and a damaged link loads what it can, says what it dropped, and never throws.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { createRun, createState, showSeedBand } from "../../static/js/state/experiment.js";
import { compactState, decodeHash, encodeHash, readDocument, URL_VERSION } from "../../static/js/state/url.js";
import { testCatalog } from "./fixtures.js";

const catalog = testCatalog();

/** A state with something of every kind a link carries. */
function richState() {
  const state = createState(catalog);
  const { experiment, view } = state;
  experiment.surface = { id: "quadratic", params: { b: 50, angle: 30 } };
  experiment.steps = 321;
  experiment.tolerance = 1e-9;
  experiment.runs = [];
  const sgd = createRun(experiment, catalog, { id: "SGD", params: { lr: 0.003, momentum: 0.9, nesterov: true } });
  sgd.start = [-2.25, 1.5];
  sgd.label = "Nesterov, at last — ünïcödé ✓";
  sgd.scheduler = { id: "StepLR", params: { step_size: 7, gamma: 0.5 }, interval: "epoch", steps_per_epoch: 4 };
  sgd.noise = { std: 0.5, seed: 3 };
  sgd.clip = { norm: 1 };
  experiment.runs.push(sgd);
  const adam = createRun(experiment, catalog, { id: "Adam", params: { betas: [0.8, null] } });
  adam.clip = { value: 0.25 };
  adam.scheduler = { id: "MultiStepLR", params: { milestones: [10, 20, 30] }, interval: "step", steps_per_epoch: 1 };
  experiment.runs.push(adam);
  const lbfgs = createRun(experiment, catalog, { id: "LBFGS", params: { line_search_fn: "strong_wolfe" } });
  lbfgs.scheduler = { id: "LambdaLR", params: { lr_lambda: "0.95 ** epoch" }, interval: "step", steps_per_epoch: 1 };
  experiment.runs.push(lbfgs);
  view.mode = "multiples";
  view.cursor.step = 137;
  view.lesson = "momentum-valley";
  view.sweeps.bands.add(sgd.key);
  return state;
}

describe("a link written from a state", () => {
  test("reads back as the same state, field for field", () => {
    const state = richState();
    const decoded = decodeHash(encodeHash(state), catalog);
    assert.equal(decoded.message, null);
    assert.deepEqual(decoded.notes, []);
    for (const key of decoded.seedBands) showSeedBand(decoded.state, key); // as the page adopts a link
    assert.deepEqual(compactState(decoded.state), compactState(state));
  });

  test("keeps each run's optimizer, start, colour, label, scheduler, noise and clipping", () => {
    const state = richState();
    const { state: read } = decodeHash(encodeHash(state), catalog);
    const strip = ({ key, ...run }) => run; // keys are the page's own, fresh per run
    assert.deepEqual(read.experiment.runs.map(strip), state.experiment.runs.map(strip));
    assert.deepEqual(read.experiment.surface, state.experiment.surface);
    assert.equal(read.experiment.steps, 321);
    assert.equal(read.experiment.tolerance, 1e-9);
  });

  test("names the noisy run whose seed band shows", () => {
    const { state, seedBands } = decodeHash(encodeHash(richState()), catalog);
    assert.deepEqual(seedBands, [state.experiment.runs[0].key]);
  });

  test("carries the view: mode, cursor step and lesson", () => {
    const { state } = decodeHash(encodeHash(richState()), catalog);
    assert.equal(state.view.mode, "multiples");
    assert.equal(state.view.cursor.step, 137);
    assert.equal(state.view.lesson, "momentum-valley");
  });

  test("carries each curve plot's scale the reader chose, and only those", () => {
    const state = createState(catalog);
    state.view.scales.lr = "linear";
    assert.deepEqual(compactState(state).a, { lr: "linear" });
    const { state: read, notes } = decodeHash(encodeHash(state), catalog);
    assert.deepEqual(read.view.scales, { loss: null, lr: "linear", epochLoss: null });
    assert.deepEqual(notes, []);
  });

  test("carries the view's switches that are on: trail playback and the vectors", () => {
    const state = createState(catalog);
    assert.equal(compactState(state).o, undefined);
    state.view.vectors = true;
    assert.deepEqual(compactState(state).o, ["vectors"]);
    state.view.trail = true;
    const { state: read, notes } = decodeHash(encodeHash(state), catalog);
    assert.deepEqual([read.view.trail, read.view.vectors], [true, true]);
    assert.deepEqual(notes, []);
  });

  test("of the default comparison stays short and omits defaults", () => {
    const doc = compactState(createState(catalog));
    assert.deepEqual(Object.keys(doc), ["s", "n", "r"]);
    assert.equal(doc.s, "rosenbrock");
    assert.equal(doc.r[0].o[0], "SGD");
    assert.ok(encodeHash(createState(catalog)).startsWith(`#v${URL_VERSION}=`));
  });

  test("trims a scheduler's trailing defaults", () => {
    const state = createState(catalog);
    state.experiment.runs[0].scheduler = { id: "CosineAnnealingLR", params: {}, interval: "step", steps_per_epoch: 1 };
    assert.deepEqual(compactState(state).r[0].s, ["CosineAnnealingLR"]);
  });
});

describe("a damaged link", () => {
  const encode = (doc, version = URL_VERSION) =>
    `#v${version}=${Buffer.from(JSON.stringify(doc)).toString("base64url")}`;

  test("with an unknown plot or scale keeps the rest of the scales and lists what it dropped", () => {
    const { state, notes } = readDocument({ a: { loss: "linear", lr: "sqrt", map: "log" } }, catalog);
    assert.deepEqual(state.view.scales, { loss: "linear", lr: null, epochLoss: null });
    assert.deepEqual(notes, ['lr plot scale "sqrt"', 'map plot scale "log"']);
    assert.deepEqual(readDocument({ a: "log" }, catalog).notes, ['plot scales "log"']);
  });

  test("with an unknown view switch keeps the others and lists what it dropped", () => {
    const { state, notes } = readDocument({ o: ["vectors", "fireworks"] }, catalog);
    assert.deepEqual([state.view.trail, state.view.vectors], [false, true]);
    assert.deepEqual(notes, ['view switch "fireworks"']);
    assert.deepEqual(readDocument({ o: "trail" }, catalog).notes, ['view switches "trail"']);
  });

  test("an empty hash is no link at all", () => {
    assert.equal(decodeHash("", catalog), null);
    assert.equal(decodeHash("#", catalog), null);
  });

  test("that is not base64 JSON shows the default comparison and says so", () => {
    for (const hash of ["#v1=!!!", "#v1=eyJz", "#something-else", "#v1="]) {
      const decoded = decodeHash(hash, catalog);
      assert.match(decoded.message, /could not be read/);
      assert.deepEqual(compactState(decoded.state), compactState(createState(catalog)));
    }
  });

  test("cut short in the middle of its text still loads the default comparison", () => {
    const hash = encodeHash(richState());
    const decoded = decodeHash(hash.slice(0, Math.floor(hash.length * 0.6)), catalog);
    assert.ok(decoded.message);
    assert.ok(decoded.state.experiment.runs.length > 0);
  });

  test("that is JSON but not an object lists the whole experiment as dropped", () => {
    const { notes, state } = readDocument([1, 2, 3], catalog);
    assert.deepEqual(notes, ["the whole experiment (not a JSON object)"]);
    assert.equal(state.experiment.surface.id, "rosenbrock");
  });

  test("keeps the runs it can read and names the ones it cannot", () => {
    const decoded = decodeHash(encode({ s: "rosenbrock", n: 100, r: [{ o: "Adam" }, { o: "NoSuchOptimizer" }, 7] }), catalog);
    assert.deepEqual(decoded.state.experiment.runs.map((run) => run.optimizer.id), ["Adam"]);
    assert.equal(decoded.notes.length, 2);
    assert.match(decoded.notes[0], /NoSuchOptimizer/);
    assert.match(decoded.message, /Some of this link could not be loaded/);
  });

  test("drops a setting of the wrong kind, keeping its run", () => {
    const { state, notes } = readDocument({
      r: [{ o: ["SGD", { lr: "fast", momentum: 0.5, nesterov: 1, bogus: 2 }], x: [0, "a"], c: "red", z: [-1, 0] }],
    }, catalog);
    const [run] = state.experiment.runs;
    assert.deepEqual(run.optimizer.params, { momentum: 0.5 });
    assert.deepEqual(run.start, [-1.5, 2]); // the surface's
    assert.deepEqual(run.noise, { std: 0, seed: 0 });
    assert.equal(notes.length, 6);
  });

  test("drops a clipping it cannot read, keeping its run unclipped", () => {
    const bad = [["norm", 0], ["norm", -1], ["max", 1], ["value", "1"], "norm", ["value"]];
    const { state, notes } = readDocument({ r: bad.map((p) => ({ o: "SGD", p })) }, catalog);
    assert.deepEqual(state.experiment.runs.map((run) => run.clip), bad.map(() => null));
    assert.equal(notes.length, bad.length);
    assert.ok(notes.every((note) => /clipping/.test(note)));
  });

  test("with no readable run falls back to the default runs", () => {
    const { state, notes } = readDocument({ r: [{ o: "Nope" }] }, catalog);
    assert.equal(state.experiment.runs.length, createState(catalog).experiment.runs.length);
    assert.ok(notes.some((note) => /default runs/.test(note)));
  });

  test("names what this version does not know, and a view it cannot show", () => {
    const { state, notes } = readDocument({ q: 1, zz: 2, m: "4d", k: 10 ** 9, e: "Not A Lesson!" }, catalog);
    assert.equal(state.view.mode, "overlay");
    assert.equal(state.view.cursor.step, null);
    assert.equal(state.view.lesson ?? null, null);
    assert.deepEqual(notes.length, 4);
    assert.match(notes[0], /q, zz/);
  });

  test("a seed band of a run without noise, or of no run, is dropped", () => {
    const { seedBands, notes } = readDocument({ r: [{ o: "SGD" }, { o: "Adam", z: [0.2, 1] }], b: [0, 1, 5, "x"] }, catalog);
    assert.equal(seedBands.length, 1);
    assert.equal(notes.length, 3);
  });

  test("from another version says which, and loads what it understands", () => {
    const older = decodeHash(encode({ s: "quadratic" }, 0), catalog);
    assert.match(older.message, /an older version/);
    assert.equal(older.state.experiment.surface.id, "quadratic");
    assert.match(decodeHash(encode({ s: "quadratic" }, 9), catalog).message, /a newer version/);
  });

  test("a long list of what was dropped is cut to eight, with the count of the rest", () => {
    const runs = Array.from({ length: 12 }, () => ({ o: "Nope" }));
    const { message } = decodeHash(encode({ r: [{ o: "SGD" }, ...runs] }), catalog);
    assert.match(message, /and 4 more\.$/);
  });
});

describe("a link's sizes are the server's limits, from the catalog", () => {
  test("runs beyond the catalog's max_runs are dropped, with a note", () => {
    const small = testCatalog({ max_runs: 2 });
    const { state, notes } = readDocument({ r: [{ o: "SGD" }, { o: "Adam" }, { o: "RMSprop" }] }, small);
    assert.equal(state.experiment.runs.length, 2);
    assert.match(notes[0], /1 runs beyond this server's limit of 2/);
  });

  test("steps beyond the catalog's max_steps are refused", () => {
    assert.equal(readDocument({ n: 5000 }, testCatalog({ max_steps: 1000 })).state.experiment.steps, 500);
    assert.equal(readDocument({ n: 5000 }, testCatalog({ max_steps: 10000 })).state.experiment.steps, 5000);
  });

  test("a formula longer than the catalog's max_formula_length is refused", () => {
    const formula = `0.5 ** (epoch / ${"1".repeat(30)})`;
    const doc = { r: [{ o: "SGD", s: ["LambdaLR", { lr_lambda: formula }] }] };
    const lambda = (limits) => readDocument(doc, testCatalog(limits)).state.experiment.runs[0].scheduler.params.lr_lambda;
    assert.equal(lambda({ max_formula_length: 20 }), undefined);
    assert.equal(lambda({ max_formula_length: 500 }), formula);
  });

  test("a list of integers as long as the server accepts is read whole", () => {
    const milestones = Array.from({ length: 200 }, (_, i) => i + 1);
    const { state, notes } = readDocument({ r: [{ o: "SGD", s: ["MultiStepLR", { milestones }] }] }, catalog);
    assert.deepEqual(notes, []);
    assert.deepEqual(state.experiment.runs[0].scheduler.params.milestones, milestones);
  });
});
