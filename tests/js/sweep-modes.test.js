// The sweep panel's per-mode data (static/js/sweeps/modes.js): the same LR curves ask
// /api/sweeps for the surface experiment's runs and /api/trainings/sweeps for network mode's.

import assert from "node:assert/strict";
import { test } from "node:test";

import { MEASURES } from "../../static/js/figures/sweep-lr.js";
import { addNetworkState } from "../../static/js/network/state.js";
import { createState } from "../../static/js/state/experiment.js";
import { SWEEP_MODES, sweepMode } from "../../static/js/sweeps/modes.js";
import { fingerprint, sweepRequest } from "../../static/js/sweeps/requests.js";
import { testCatalog } from "./fixtures.js";

const catalog = testCatalog();
const pageState = () => addNetworkState(createState(catalog), catalog);
const vary = { kind: "param", name: "lr", values: [0.01, 0.1, 1] };

test("network mode asks for a training sweep: the training's task and loop, one run, what varies", () => {
  const state = pageState();
  state.mode = "network";
  const mode = sweepMode(state);
  assert.equal(mode, SWEEP_MODES.network);
  assert.equal(mode.measure, MEASURES.network);
  const training = state.network.training;
  const request = mode.request(state, catalog, 1, vary);
  assert.deepEqual(Object.keys(request).sort(), ["batch_size", "epochs", "run", "shuffle_seed", "task", "vary"]);
  assert.deepEqual(request.task, training.task);
  assert.equal(request.epochs, training.epochs);
  assert.equal(request.batch_size, training.batch_size);
  assert.deepEqual(request.run.optimizer, training.runs[1].optimizer);
  assert.deepEqual(request.run.scheduler, training.runs[1].scheduler); // the run's StepLR comes along
  assert.deepEqual(request.vary, vary);
  assert.equal(mode.work(request), 3 * training.epochs);
  assert.deepEqual(mode.budget(state), { epochs: training.epochs });
});

test("surfaces mode keeps the surface sweep request", () => {
  const state = pageState();
  const mode = sweepMode(state);
  assert.equal(mode, SWEEP_MODES.surfaces);
  assert.deepEqual(mode.request(state, catalog, 0, vary), sweepRequest(state.experiment, catalog, 0, vary));
  assert.equal(mode.work(mode.request(state, catalog, 0, vary)), 3 * state.experiment.steps);
});

test("a training curve is out of date when the loop changes, not when the swept lr does", () => {
  const state = pageState();
  state.mode = "network";
  const print = () => fingerprint(sweepMode(state).request(state, catalog, 0, vary), ["lr"], catalog);
  const before = print();
  state.network.training.runs[0].optimizer.params.lr = 0.5;
  assert.equal(print(), before);
  state.network.training.epochs += 1;
  assert.notEqual(print(), before);
});

test("a training sweep varies only the optimizer's own floats", () => {
  const state = pageState();
  const [sgd, stepped, adam] = state.network.training.runs;
  const names = SWEEP_MODES.network.names;
  assert.ok(names(sgd, catalog).includes("lr"));
  assert.ok(SWEEP_MODES.surfaces.names(stepped, catalog).some((name) => name.startsWith("scheduler.")));
  assert.ok(!names(stepped, catalog).some((name) => name.startsWith("scheduler.")));
  assert.ok(SWEEP_MODES.surfaces.names(adam, catalog).includes("betas[0]"));
  assert.ok(!names(adam, catalog).some((name) => name.includes("[")));
});
