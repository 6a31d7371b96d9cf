// Vectors at the cursor (static/js/figures/vectors.js): the arrows' ends are the recorded point, gradient,
// state and step at that record, scaled as the legend says (Δp true size, the rest × the step's lr).

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { mapShapes } from "../../static/js/figures/cursor.js";
import { arrowPath, vectorLegend, vectorShapes, vectorsAt } from "../../static/js/figures/vectors.js";
import { streamedResults, streamedRun, THEME } from "./fixtures.js";

/** SGD with momentum 0.5 on f = x² + y² from (1, 2), lr 0.1, with its record_state as the inspector folds it. */
function sgdRun() {
  const run = streamedRun({ points: [[1, 2, 5, 0.1], [0.8, 1.6, 3.2, 0.05], [0.67, 1.34, 2.2445, 0.05]] });
  run.inspect = {
    length: 3, grad: [null, [2, 4], [1.6, 3.2]], scheduler: null, evaluations: null,
    state: { momentum_buffer: [null, [2, 4], [2.6, 5.2]] },
  };
  return run;
}

function adamRun() {
  const run = streamedRun({ label: "Adam", color: "#D55E00", points: [[1, 2, 5, 0.5], [0.5, 1.5, 2.5, 0.5]] });
  run.inspect = {
    length: 2, grad: [null, [2, 4]], scheduler: null, evaluations: null,
    state: { step: [null, 1], exp_avg: [null, [0.2, 0.4]], exp_avg_sq: [null, [0.004, 0.016]] },
  };
  return run;
}

const ends = (vectors) => Object.fromEntries(vectors.arrows.map((a) => [a.kind, { name: a.name, from: a.from, to: a.to }]));

describe("vectors at a record", () => {
  test("start at the step's origin; −lr·g and −lr·buffer use the lr the step used; Δp ends at the record", () => {
    const vectors = vectorsAt(sgdRun(), 2);
    assert.equal(vectors.lr, 0.05); // lr[1]: after step 1's scheduler update, the one step 2 used
    assert.deepEqual(vectors.origin, [0.8, 1.6]);
    const arrows = ends(vectors);
    assert.deepEqual(arrows.step, { name: "Δp", from: [0.8, 1.6], to: [0.67, 1.34] });
    assert.deepEqual(arrows.grad.to, [0.8 - 0.05 * 1.6, 1.6 - 0.05 * 3.2]);
    assert.equal(arrows.carried.name, "momentum_buffer");
    assert.deepEqual(arrows.carried.to, [0.8 - 0.05 * 2.6, 1.6 - 0.05 * 5.2]);
    // SGD steps along its buffer: the carried arrow ends where the step does.
    arrows.carried.to.forEach((v, i) => assert.ok(Math.abs(v - arrows.step.to[i]) < 1e-12));
    assert.equal(vectors.box, null);
  });

  test("an adaptive optimizer's first moment is its carried direction and √exp_avg_sq × lr its box", () => {
    const vectors = vectorsAt(adamRun(), 1);
    assert.equal(ends(vectors).carried.name, "exp_avg");
    assert.deepEqual(vectors.box, { name: "exp_avg_sq", symbol: "√", center: [1, 2], half: [0.5 * Math.sqrt(0.004), 0.5 * Math.sqrt(0.016)] });
  });

  test("none at record 0; only Δp until the state has come", () => {
    assert.equal(vectorsAt(sgdRun(), 0), null);
    const bare = streamedRun({ points: [[1, 2, 5, 0.1], [0.8, 1.6, 3.2, 0.1]] });
    assert.deepEqual(vectorsAt(bare, 1).arrows.map((a) => a.kind), ["step"]);
    const waiting = { ...sgdRun(), inspect: { ...sgdRun().inspect, length: 2 } };
    assert.deepEqual(vectorsAt(waiting, 2).arrows.map((a) => a.kind), ["step"]);
  });

  test("a missing gradient (a NaN one, sent as null) draws no arrow for it", () => {
    const run = sgdRun();
    run.inspect.grad[2] = [null, 1];
    assert.deepEqual(vectorsAt(run, 2).arrows.map((a) => a.kind), ["step", "carried"]);
  });
});

describe("arrows as paths", () => {
  test("the shaft runs from the origin to the tip; the barbs meet at the tip, shorter than the arrow", () => {
    const path = arrowPath([0, 0], [1, 0], 0.1);
    const [shaft, head] = path.split("M").filter(Boolean);
    assert.equal(shaft, "0,0L1,0");
    const [b1, tip, b2] = head.split("L").map((p) => p.split(",").map(Number));
    assert.deepEqual(tip, [1, 0]);
    for (const barb of [b1, b2]) {
      assert.ok(Math.abs(Math.hypot(barb[0] - 1, barb[1]) - 0.1) < 1e-12);
      assert.ok(barb[0] < 1);
    }
    assert.ok(b1[1] * b2[1] < 0); // one each side of the shaft
  });

  test("a head is at most 40 % of its arrow; a zero arrow is its shaft alone", () => {
    const [, head] = arrowPath([0, 0], [0, 0.1], 1).split("M").filter(Boolean);
    const barb = head.split("L")[0].split(",").map(Number);
    assert.ok(Math.abs(Math.hypot(barb[0], barb[1] - 0.1) - 0.04) < 1e-12);
    assert.equal(arrowPath([1, 1], [1, 1], 0.1), "M1,1L1,1");
  });
});

describe("vector shapes and legend", () => {
  const results = () => streamedResults([sgdRun(), adamRun()]);
  const atStep = (k) => (run) => Math.min(k, run.x.length - 1);

  test("one shape per arrow and box, named by kind and run, in the run's colour, on the run's axes", () => {
    const shapes = vectorShapes(results(), atStep(2), THEME, (i) => ({ x: `x${i + 1}`, y: `y${i + 1}` }));
    assert.deepEqual(shapes.map((s) => s.name), [
      "vector:step:0", "vector:grad:0", "vector:carried:0", "scale:1", "vector:step:1", "vector:grad:1", "vector:carried:1",
    ]);
    assert.equal(shapes[0].line.color, "#0072B2");
    assert.equal(shapes[3].line.color, "#D55E00");
    assert.deepEqual([shapes[4].xref, shapes[4].yref], ["x2", "y2"]);
    assert.ok(shapes[0].path.startsWith("M0.8,1.6L0.67,1.34"));
    const box = shapes[3];
    assert.deepEqual([box.x0, box.x1], [1 - 0.5 * Math.sqrt(0.004), 1 + 0.5 * Math.sqrt(0.004)]);
  });

  test("the map's cursor shapes carry them only while the vectors are on, over the dots", () => {
    const view = (vectors) => ({ cursor: { step: 1 }, vectors });
    assert.equal(mapShapes(results(), view(false), THEME).some((s) => s.name.startsWith("vector:")), false);
    const names = mapShapes(results(), view(true), THEME).map((s) => s.name);
    assert.ok(names.indexOf("vector:step:0") > names.indexOf("cursor:1"));
  });

  test("the legend names what is drawn, the carried directions and scales by torch's names", () => {
    const lines = vectorLegend(results(), atStep(1));
    assert.deepEqual(lines.map((l) => l.kind), ["step", "grad", "carried", "scale"]);
    assert.equal(lines[2].label, "−lr·momentum_buffer, −lr·exp_avg");
    assert.equal(lines[3].label, "±lr·√exp_avg_sq");
    assert.deepEqual(vectorLegend(results(), atStep(0)), []);
  });
});
