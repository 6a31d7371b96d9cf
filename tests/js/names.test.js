// The sweep names (static/js/sweeps/names.js): what a map may vary in a run, and reading, setting and
// forgetting a value by the name the sweep request takes (design.md §6, §11).

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { fingerprint, sweepRequest } from "../../static/js/sweeps/requests.js";
import { createRun, createState } from "../../static/js/state/experiment.js";
import { parseName, setValue, sweepableNames, valueOf } from "../../static/js/sweeps/names.js";
import { testCatalog } from "./fixtures.js";

const catalog = testCatalog();

function adamWithStepLR(params = {}) {
  const { experiment } = createState(catalog);
  const run = createRun(experiment, catalog, { id: "Adam", params });
  run.scheduler = { id: "StepLR", params: { step_size: 10 }, interval: "step", steps_per_epoch: 1 };
  return run;
}

describe("sweep names", () => {
  test("parse as owner, param and pair side", () => {
    assert.deepEqual(parseName("lr"), { owner: "optimizer", param: "lr", index: null });
    assert.deepEqual(parseName("betas[1]"), { owner: "optimizer", param: "betas", index: 1 });
    assert.deepEqual(parseName("scheduler.gamma"), { owner: "scheduler", param: "gamma", index: null });
    for (const bad of ["", "betas[2]", "x.gamma", "1lr", null]) assert.equal(parseName(bad), null);
  });

  test("a run may vary its optimizer's floats, each side of a pair and its scheduler's floats", () => {
    assert.deepEqual(sweepableNames(adamWithStepLR(), catalog), ["lr", "betas[0]", "betas[1]", "scheduler.gamma"]);
  });

  test("read the run's own value, else the default's side", () => {
    const run = adamWithStepLR({ betas: [0.8, null] });
    assert.equal(valueOf(run, catalog, "betas[0]"), 0.8);
    assert.equal(valueOf(run, catalog, "betas[1]"), 0.999);
    assert.equal(valueOf(run, catalog, "lr"), 0.001);
    assert.equal(valueOf(run, catalog, "scheduler.gamma"), 0.1);
  });

  test("setting a side keeps the other as the run has it", () => {
    const run = adamWithStepLR();
    setValue(run, catalog, "betas[0]", 0.5);
    assert.deepEqual(run.optimizer.params.betas, [0.5, 0.999]);
    setValue(run, catalog, "scheduler.gamma", 0.3);
    assert.deepEqual(run.scheduler.params, { step_size: 10, gamma: 0.3 });
  });

  test("a map of β₁ stays current when a cell's β₁ is applied, and goes stale when β₂ changes", () => {
    const run = adamWithStepLR();
    const { experiment } = createState(catalog);
    experiment.runs = [run];
    const vary = { kind: "grid2", x: { name: "lr", values: [] }, y: { name: "betas[0]", values: [] } };
    const print = () => fingerprint(sweepRequest(experiment, catalog, 0, vary), ["lr", "betas[0]"], catalog);
    const before = print();
    setValue(run, catalog, "betas[0]", 0.7);
    setValue(run, catalog, "lr", 0.05);
    assert.equal(print(), before);
    setValue(run, catalog, "betas[1]", 0.99);
    assert.notEqual(print(), before);
  });
});
