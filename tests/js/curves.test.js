// The LR curves tab's requests (static/js/sweeps/requests.js) and figure (static/js/figures/sweep-lr.js): what a
// curve sweeps besides lr (β₁, β₂, a scheduler's numbers), and the seeds a noisy run is scored over.

import assert from "node:assert/strict";
import { test } from "node:test";

import { lrFigure } from "../../static/js/figures/sweep-lr.js";
import { createRun, createState } from "../../static/js/state/experiment.js";
import {
  cellsOf, curveSeeds, curveValues, FAIR_SEEDS, LR_VALUES, lrValues,
} from "../../static/js/sweeps/requests.js";
import { testCatalog, THEME } from "./fixtures.js";

const catalog = testCatalog();

function adamRun() {
  const state = createState(catalog);
  const run = createRun(state.experiment, catalog, { id: "Adam", params: { lr: 0.01 } });
  return run;
}

test("lr curves sweep around the run's lr; β₁ over [0, 0.99] and β₂ up past its 0.999", () => {
  const run = adamRun();
  assert.deepEqual(curveValues(run, catalog, "lr"), lrValues(0.01));
  const beta1 = curveValues(run, catalog, "betas[0]");
  assert.equal(beta1.length, LR_VALUES);
  assert.deepEqual([beta1[0], beta1.at(-1)], [0, 0.99]);
  assert.equal(curveValues(run, catalog, "betas[1]").at(-1), 0.9999);
});

test("a noisy run is scored over FAIR_SEEDS seeds from its own; a run without noise over none", () => {
  const run = adamRun();
  assert.equal(curveSeeds(run), null);
  run.noise = { std: 2, seed: 7 };
  const seeds = curveSeeds(run);
  assert.equal(seeds.length, FAIR_SEEDS);
  assert.equal(FAIR_SEEDS % 2, 1, "odd: the median is one seed's loss");
  assert.deepEqual([seeds[0], seeds.at(-1)], [7, 7 + FAIR_SEEDS - 1]);
  assert.equal(cellsOf({ kind: "param", values: [1, 2, 3], seeds }), 3 * FAIR_SEEDS);
  assert.equal(cellsOf({ kind: "param", values: [1, 2, 3] }), 3);
});

test("the curve figure names what it sweeps, on a log axis for lrs and a linear one for β₁", () => {
  const result = (name, values, seeds = undefined) => ({
    name, values, seeds, final_loss: values.map(() => 1), status: values.map(() => "completed"),
    best: { value: values[0], final_loss: 1 }, surface: { min_value: 0 },
  });
  const curve = (r) => [{ key: 1, label: "Adam", color: "#0072B2", result: r, currentLr: r.values[0] }];
  const lr = lrFigure(curve(result("lr", [0.001, 0.01, 0.1])), THEME, { steps: 10 });
  assert.equal(lr.layout.xaxis.type, "log");
  assert.equal(lr.layout.xaxis.title.text, "learning rate");
  const beta = lrFigure(curve(result("betas[0]", [0, 0.5, 0.99], [1, 2, 3])), THEME, { steps: 10, title: "betas[0]" });
  assert.equal(beta.layout.xaxis.type, "linear");
  assert.equal(beta.layout.xaxis.title.text, "betas[0]");
  assert.match(beta.data[0].text[1], /^betas\[0\] 0\.5<br>median final loss of 3 seeds/);
});
