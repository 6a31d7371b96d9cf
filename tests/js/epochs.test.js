// Per-epoch scheduler stepping's defaults (static/js/state/experiment.js): 20 epochs over the run, and
// m — the number of scheduler calls "auto" values follow — as design.md §2 counts it.

import assert from "node:assert/strict";
import { test } from "node:test";

import { defaultStepsPerEpoch, EPOCHS_BY_DEFAULT, schedulerCalls } from "../../static/js/state/experiment.js";

test("per epoch defaults to EPOCHS_BY_DEFAULT epochs over the run, at least one step each", () => {
  assert.equal(EPOCHS_BY_DEFAULT, 20);
  assert.equal(defaultStepsPerEpoch(500), 25);
  assert.equal(defaultStepsPerEpoch(100), 5);
  assert.equal(defaultStepsPerEpoch(7), 1);
});

test("m: every step, or the whole epochs in the run", () => {
  assert.equal(schedulerCalls(500, { interval: "step", steps_per_epoch: 1 }), 500);
  assert.equal(schedulerCalls(500, { interval: "epoch", steps_per_epoch: 25 }), 20);
  assert.equal(schedulerCalls(510, { interval: "epoch", steps_per_epoch: 25 }), 20);
});
