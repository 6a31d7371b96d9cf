// The figure builders (static/js/figures/ and the kit in static/js/plot/kit.js): given results and a
// theme, the traces and layouts Plotly is handed.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { cursorShapes, cursorStep, mapShapes, recordAt } from "../../static/js/figures/cursor.js";
import { logFloor, lossCurvesFigure, lrCurvesFigure, momentumCurvesFigure, tickLabels } from "../../static/js/figures/curves.js";
import { contourTrace, edgeCrossing, minimaTrace, overlayFigure, runTraces } from "../../static/js/figures/map.js";
import { multiplesFigure } from "../../static/js/figures/multiples.js";
import { lossBandTraces, seedPathsTrace } from "../../static/js/figures/seed-band.js";
import { lrFigure } from "../../static/js/figures/sweep-lr.js";
import { availableModes, mapFigure } from "../../static/js/figures/sweep-map.js";
import { surfaceFigure } from "../../static/js/figures/surface3d.js";
import { theoryHint, theoryTraces } from "../../static/js/figures/theory.js";
import {
  baseLayout, decadeTicks, escapeHtml, LOG_FLOOR, logLevels, LOSS_FLOOR, lossScale, withAlpha,
} from "../../static/js/plot/kit.js";
import { bowlGrid, streamedResults, streamedRun, testCatalog, THEME } from "./fixtures.js";

const rosenbrock = testCatalog().surfaces[0];
const roles = (traces) => traces.map((trace) => trace.meta?.role ?? trace.type);

/** Two finished runs and a diverged one that left the map at step 2. */
function threeRuns() {
  return streamedResults([
    streamedRun({ label: "SGD <fast>", points: [[-1.5, 2, 10, 0.1], [-1, 1.5, 4, 0.1], [0, 1, 1, 0.01], [0.9, 0.9, 0, 0.001]] }),
    streamedRun({ label: "Adam", color: "#D55E00", points: [[-1.5, 2, 10, 0.1], [-1.4, 1.8, 8, 0.1], [-1.2, 1.6, 6, 0.1]] }),
    streamedRun({
      label: "Big lr", color: "#009E73", status: "diverged", diverged_at: 3,
      points: [[-1.5, 2, 10, 1], [1.5, 2.5, 50, 1], [30, 40, 1e9, 1]],
    }),
  ]);
}

describe("the plot kit", () => {
  test("escapes what Plotly's hover templates would read as HTML", () => {
    assert.equal(escapeHtml("a <b> & c"), "a &lt;b&gt; &amp; c");
    assert.equal(escapeHtml(42), "42");
  });

  test("the base layout carries a datarevision only when given one", () => {
    assert.equal("datarevision" in baseLayout(THEME), false);
    assert.equal(baseLayout(THEME, { revision: "3.1" }).datarevision, "3.1");
    assert.equal(baseLayout(THEME).font.size, THEME.fontSize);
    assert.equal(baseLayout(THEME, { fontSize: 12 }).font.size, 12);
  });

  test("log levels put the surface's lowest point on the floor", () => {
    const grid = bowlGrid();
    const { low, high, level } = logLevels(grid);
    assert.deepEqual([low, high], [0, 2]);
    assert.equal(level(0), Math.log10(2 * LOG_FLOOR));
    assert.equal(level(2), Math.log10(2 + 2 * LOG_FLOOR));
  });

  test("loss scales: minus f* on a log axis where f* is known, floored", () => {
    const known = lossScale([1, 2], 1);
    assert.equal(known.log, true);
    assert.equal(known.of(1), LOSS_FLOOR);
    assert.equal(known.of(null), null);
    assert.equal(lossScale([1, null, 3], null).log, true);
    assert.equal(lossScale([1, -3], null).log, false);
  });

  test("colours with alpha and decade ticks", () => {
    assert.equal(withAlpha("#0072B2", 0.3), "rgba(0, 114, 178, 0.3)");
    assert.deepEqual(decadeTicks(-3.2, 1.5), { tickvals: [-3, -2, -1, 0, 1], ticktext: ["0.001", "0.01", "0.1", "1", "10"] });
  });
});

describe("the map", () => {
  test("the contour is drawn on the log levels, without hover", () => {
    const trace = contourTrace(bowlGrid(), THEME);
    const { level } = logLevels(bowlGrid());
    assert.equal(trace.type, "contour");
    assert.equal(trace.z[2][2], level(0));
    assert.equal(trace.hoverinfo, "skip");
  });

  test("a run is a halo, its path, its start ring and its end marker", () => {
    const run = threeRuns().runs[0];
    const traces = runTraces(run, THEME, rosenbrock.domain);
    assert.deepEqual(roles(traces), ["halo", "path", "start", "end"]);
    assert.deepEqual(traces[2].x, [-1.5]);
    assert.deepEqual(traces[3].x, [0.9]);
    assert.match(traces[1].hovertemplate, /SGD &lt;fast&gt;/);
    assert.equal(traces[1].text[1], "step 1<br>x -1, y 1.5<br>loss 4<br>lr 0.1");
  });

  test("a diverged run's ✕ sits where its path crosses the map's edge, and says at which step", () => {
    const end = runTraces(threeRuns().runs[2], THEME, rosenbrock.domain).at(-1);
    assert.equal(end.marker.symbol, "x-thin-open");
    // From (1.5, 2.5) towards (30, 40) the path reaches y = 3 (the top) before x = 2 (the right side).
    assert.equal(end.y[0], 3);
    assert.ok(Math.abs(end.x[0] - (1.5 + (0.5 / 37.5) * 28.5)) < 1e-12);
    assert.match(end.hovertemplate, /left the map at step 2/);
  });

  test("the edge crossing: the first bound the segment reaches, on whichever side", () => {
    const domain = { x: [-1, 1], y: [-1, 1] };
    assert.deepEqual(edgeCrossing(domain, [0, 0], [3, 0]), [1, 0]);
    assert.deepEqual(edgeCrossing(domain, [0, 0], [0, -4]), [0, -1]);
    assert.deepEqual(edgeCrossing(domain, [0, 0], [2, 4]), [0.5, 1]); // the top, before the right side
    assert.deepEqual(edgeCrossing(domain, [0.5, 0.5], [-3.5, 0.5]), [-1, 0.5]);
  });

  test("a failed run ends in a !", () => {
    const run = streamedRun({ status: "failed", failed_at: 1, error: "NaN <grad>", points: [[0, 0, 1, 0.1]] });
    const end = runTraces(run, THEME, rosenbrock.domain).at(-1);
    assert.deepEqual(end.text, ["!"]);
    assert.match(end.hovertemplate, /NaN &lt;grad&gt;/);
  });

  test("the overlay: contour, seed bands, runs, minima on top; axes on the surface's domain", () => {
    const contour = contourTrace(bowlGrid(), THEME);
    const band = { type: "scatter", meta: { role: "seed-paths" } };
    const { data, layout } = overlayFigure({
      contour, surface: rosenbrock, results: threeRuns(), view: { cursor: { step: null } }, theme: THEME,
      overlays: { map: [band], loss: [] }, revision: "1.1",
    });
    assert.equal(data[0], contour);
    assert.equal(data[1], band);
    assert.equal(data.length, 2 + 3 * 4 + 1);
    assert.deepEqual(data.at(-1).x, [1]);
    assert.equal(layout.datarevision, "1.1");
    assert.deepEqual([layout.xaxis.range, layout.yaxis.range], [[-2, 2], [-1, 3]]);
    assert.equal(layout.yaxis.scaleanchor, "x");
    // The ★ over the cursor's dots too: an annotation, since shapes lie over every trace.
    assert.deepEqual(layout.annotations.map((a) => [a.name, a.x, a.y, a.text]), [["minimum", 1, 1, "★"]]);
  });

  test("the minima are stars with their values in the hover text", () => {
    const trace = minimaTrace(rosenbrock.minima, THEME);
    assert.equal(trace.marker.symbol, "star");
    assert.deepEqual(trace.text, ["minimum at (1, 1)<br>f = 0"]);
  });
});

describe("the cursor", () => {
  test("with no step of its own, it is at the newest record", () => {
    const results = threeRuns();
    assert.equal(cursorStep(results, { step: null }), 3);
    assert.equal(cursorStep(results, { step: 1 }), 1);
    assert.equal(cursorStep(null, { step: null }), 0);
    assert.equal(recordAt(results.runs[1], 3), 2);
  });

  test("a dot per run at its step, none on a run that stopped before it", () => {
    const shapes = mapShapes(threeRuns(), { cursor: { step: 3 } }, THEME);
    assert.deepEqual(shapes.map((s) => s.name), ["cursor:0", "cursor:1"]);
    assert.deepEqual([shapes[1].xanchor, shapes[1].yanchor], [-1.2, 1.6]);
  });

  test("LBFGS's evaluations at the step are smaller dots", () => {
    const results = threeRuns();
    results.runs[0].inspect = { evaluations: [[], [[0.5, 0.5], [0.6, Number.NaN], [0.7, 0.7]]] };
    const names = mapShapes(results, { cursor: { step: 1 } }, THEME).map((s) => s.name);
    assert.deepEqual(names.filter((n) => n.startsWith("evaluation")), ["evaluation:0", "evaluation:0"]);
  });

  test("a vertical line on the curves, none without results", () => {
    assert.deepEqual(cursorShapes(null, { cursor: { step: 2 } }, THEME), []);
    const [line] = cursorShapes(threeRuns(), { cursor: { step: 2 } }, THEME);
    assert.deepEqual([line.x0, line.x1, line.name], [2, 2, "cursor"]);
  });
});

describe("the curves", () => {
  test("the loss plot shows loss − f* on a log axis, floored, with the seed bands after the runs", () => {
    const band = { type: "scatter", meta: { role: "band-median" } };
    const figure = lossCurvesFigure({
      results: threeRuns(), view: { cursor: { step: null } }, theme: THEME, overlays: { loss: [band] },
    });
    assert.equal(figure.title, "Loss − f* (log scale)");
    assert.equal(figure.layout.yaxis.type, "log");
    assert.deepEqual(figure.data[0].y, [10, 4, 1, LOSS_FLOOR]);
    assert.equal(figure.data.at(-1), band);
    assert.deepEqual(figure.layout.xaxis.range, [0, 3]);
  });

  test("without a known minimum, the loss itself on a linear axis", () => {
    const results = streamedResults([streamedRun({ points: [[0, 0, -1, 0.1], [0, 0, -2, 0.1]] })], { minValue: null });
    const figure = lossCurvesFigure({ results, view: { cursor: { step: null } }, theme: THEME });
    assert.equal(figure.title, "Loss");
    assert.equal(figure.layout.yaxis.type, "linear");
    assert.deepEqual(figure.data[0].y, [-1, -2]);
  });

  test("learning rates on a log axis with 1-3 ticks; a zero sits on the axis's floor, marked and labelled", () => {
    const view = { cursor: { step: null } };
    const log = lrCurvesFigure({ results: threeRuns(), view, theme: THEME }).layout.yaxis;
    assert.equal(log.type, "log");
    assert.deepEqual(log.tickvals, [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3]);
    const cosine = streamedResults([streamedRun({ points: [[0, 0, 1, 0.1], [0, 0, 1, 0]] })]);
    const figure = lrCurvesFigure({ results: cosine, view, theme: THEME });
    assert.equal(figure.layout.yaxis.type, "log");
    assert.deepEqual(figure.data[0].y, [0.1, 0.01]); // a decade under the smallest positive lr
    assert.deepEqual(roles(figure.data), ["scatter", "floored"]);
    assert.deepEqual([figure.data[1].x, figure.data[1].y], [[1], [0.01]]);
    assert.match(figure.data[1].text[0], /lr 0 \(drawn at the log axis's floor\)/);
    assert.match(figure.layout.yaxis.title.text, /≤ 0 drawn at 0.01/);
  });

  test("a per-epoch run's scheduler calls are ticks on its curve, and the epochs a dotted minor grid", () => {
    const lr = [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05];
    const perEpoch = streamedRun({ label: "SGD, StepLR", points: lr.map((v) => [0, 0, 1, v]) });
    const perStep = streamedRun({ points: lr.map(() => [0, 0, 1, 0.1]) });
    const results = { ...streamedResults([perStep, perEpoch], { steps: 6 }), request: { runs: [
      { scheduler: { id: "StepLR", interval: "step", steps_per_epoch: 1 } },
      { scheduler: { id: "StepLR", interval: "epoch", steps_per_epoch: 2 } },
    ] } };
    const figure = lrCurvesFigure({ results, view: { cursor: { step: null } }, theme: THEME });
    assert.deepEqual(roles(figure.data), ["scatter", "scatter", "scheduler-call"]); // trace i stays run i
    assert.deepEqual([figure.data[2].x, figure.data[2].y], [[2, 4, 6], [0.1, 0.05, 0.05]]);
    assert.match(figure.data[2].text[1], /scheduler call 2 after step 4/);
    assert.deepEqual([figure.layout.xaxis.minor.tick0, figure.layout.xaxis.minor.dtick], [0, 2]);
    const plain = lrCurvesFigure({ results: { ...results, request: { runs: [{ scheduler: null }, {}] } }, view: {}, theme: THEME });
    assert.deepEqual(roles(plain.data), ["scatter", "scatter"]);
    assert.equal(plain.layout.xaxis.minor, undefined);
  });

  test("the reader's scale: linear learning rates from zero, a log loss without f*", () => {
    const cosine = streamedResults([streamedRun({ points: [[0, 0, 1, 0.1], [0, 0, 1, 0]] })], { minValue: null });
    const linear = lrCurvesFigure({ results: cosine, view: { cursor: { step: null }, scales: { lr: "linear" } }, theme: THEME });
    assert.equal(linear.scale, "linear");
    assert.equal(linear.layout.yaxis.rangemode, "tozero");
    assert.deepEqual(linear.data[0].y, [0.1, 0]);
    const loss = lossCurvesFigure({ results: cosine, view: { cursor: { step: null }, scales: { loss: "log" } }, theme: THEME });
    assert.equal(loss.title, "Loss (log scale)");
    assert.equal(loss.layout.yaxis.type, "log");
  });

  test("a loss over two decades or more is labelled by whole decades only, not 2 and 5 between them", () => {
    const falling = streamedRun({ points: [[0, 0, 100, 0.1], [0, 0, 1, 0.1], [0, 0, 0.001, 0.1]] });
    const figure = lossCurvesFigure({ results: streamedResults([falling]), view: { cursor: { step: null } }, theme: THEME });
    assert.equal(figure.layout.yaxis.dtick, 1);
    const flat = streamedRun({ points: [[0, 0, 2, 0.1], [0, 0, 1, 0.1]] });
    assert.equal(lossCurvesFigure({ results: streamedResults([flat]), view: {}, theme: THEME }).layout.yaxis.dtick, undefined);
  });

  test("an axis's tick labels share one notation: plain while all are, else all in e-notation", () => {
    assert.deepEqual(tickLabels([0.001, 0.003, 0.01, 1, 3]), ["0.001", "0.003", "0.01", "1", "3"]);
    assert.deepEqual(tickLabels([0.0001, 0.0003, 0.001, 0.01, 1]), ["1e-4", "3e-4", "1e-3", "1e-2", "1e0"]);
  });

  test("logFloor: a decade under the smallest positive value, whatever the series hold", () => {
    assert.equal(logFloor([[0.3, 0, null], [0.02]]), 0.001);
    assert.equal(logFloor([[0, -1]]), 1e-8);
  });
});

describe("the other views", () => {
  test("small multiples: a subplot per run, zooming together", () => {
    const contour = contourTrace(bowlGrid(), THEME);
    const { data, layout } = multiplesFigure({
      contour, surface: rosenbrock, results: threeRuns(), view: { cursor: { step: null } }, theme: THEME,
      box: { width: 900 },
    });
    assert.deepEqual([layout.grid.rows, layout.grid.columns], [2, 2]);
    assert.equal(layout.xaxis3.matches, "x");
    assert.equal(data.filter((t) => t.type === "contour").length, 3);
    assert.deepEqual([...new Set(data.map((t) => t.xaxis))], ["x", "x2", "x3"]);
    assert.match(layout.annotations[0].text, /SGD &lt;fast&gt;/);
    // Each panel's ★ is an annotation: over the cursor's dots (shapes), which hid it at a path's end.
    const stars = layout.annotations.filter((a) => a.name === "minimum");
    assert.deepEqual(stars.map((a) => [a.xref, a.yref, a.x, a.y, a.text]), [
      ["x", "y", 1, 1, "★"], ["x2", "y2", 1, 1, "★"], ["x3", "y3", 1, 1, "★"],
    ]);
  });

  test("3-D: the surface, a path per run lifted onto it, the minima as stars", () => {
    const grid = bowlGrid();
    const { data, layout } = surfaceFigure({
      grid, contour: contourTrace(grid, THEME), surface: rosenbrock, results: threeRuns(),
      view: { cursor: { step: 1 } }, theme: THEME,
    });
    assert.deepEqual(roles(data), ["surface", "path3d", "path3d", "path3d"]);
    const { level } = logLevels(grid);
    assert.ok(data[1].z[0] > level(10));
    const names = layout.scene.annotations.map((a) => a.name);
    assert.deepEqual(names, ["minimum", "cursor:0", "cursor:1", "cursor:2"]);
  });
});

describe("the sweep panel's figures", () => {
  const lrResult = {
    values: [0.01, 0.1, 1], final_loss: [0.5, 0.01, null], status: ["completed", "completed", "diverged"],
    best: { value: 0.1, final_loss: 0.01 }, steps: 100, surface: { min_value: 0 },
  };

  test("LR curves: a curve, the diverged ✕, the current ring and the best star", () => {
    const { data, layout } = lrFigure([{ key: 1, label: "SGD", color: "#0072B2", result: lrResult, currentLr: 0.01 }],
      THEME, { steps: 100 });
    assert.deepEqual(roles(data), ["lr-curve", "lr-diverged", "lr-current", "lr-best"]);
    assert.deepEqual(data[1].x, [1]);
    assert.deepEqual(data[2].x, [0.01]);
    assert.deepEqual([data[3].x, data[3].y], [[0.1], [0.01]]);
    assert.equal(layout.yaxis.title.text, "final loss − f* after 100 steps");
    assert.equal(layout.font.size, 12);
  });

  test("a basin map coloured by the minimum reached: one category per minimum, and none", () => {
    const result = {
      x: [-1, 1], y: [0, 2], final_loss: [[0.1, 0.2], [null, 0]], steps_to_tolerance: [[null, 5], [null, 3]],
      minimum_index: [[null, 0], [0, 0]], status: [["completed", "completed"], ["diverged", "completed"]],
      final_x: [[0, 1], [9, 1]], final_y: [[0, 1], [9, 1]], surface: rosenbrock,
    };
    const { data } = mapFigure({
      result, mode: "minimum_index", theme: THEME, role: "basin-map",
      axes: { x: { title: "x", format: String }, y: { title: "y", format: String }, square: true },
    });
    assert.deepEqual(data[0].z, [[0, 1], [null, 1]]);
    assert.deepEqual(data[0].colorbar.ticktext, ["none", "(1, 1)"]);
    assert.deepEqual(data[1].z, [[null, null], [1, null]]);
    assert.deepEqual(availableModes(rosenbrock), { final_loss: true, steps_to_tolerance: true, minimum_index: true });
    assert.deepEqual(availableModes(testCatalog().surfaces[2]).minimum_index, false);
  });

  test("a seed band: every seed's path in one faint trace, the median and the 10–90 % band", () => {
    const band = {
      key: 7, label: "SGD", color: "#0072B2",
      result: {
        x: [[0, 1], [0, 2]], y: [[0, 1], [0, 2]], seeds: [0, 1], surface: { min_value: 1 },
        loss_p10: [2, 1], loss_p50: [3, 1.5], loss_p90: [4, 2],
      },
    };
    const paths = seedPathsTrace(band);
    assert.deepEqual(paths.x, [0, 1, null, 0, 2]);
    assert.equal(paths.line.color, "rgba(0, 114, 178, 0.3)");
    const traces = lossBandTraces(band);
    assert.deepEqual(roles(traces), ["band-p90", "band-p10", "band-median"]);
    assert.deepEqual(traces[2].y, [2, 0.5]);
  });
});

describe("theory on the lr × momentum map", () => {
  // The API's theory for the quadratic with a = 1, b = 100 (app/engine/theory.py).
  const theory = {
    source: "Goh", curvatures: [1, 100], condition_number: 100,
    heavy_ball: {
      stability_boundary: { momentum: [0, 1], lr: [0.02, 0.04] },
      best_lr: 4 / 121, best_momentum: 81 / 121, best_rate: 9 / 11,
    },
  };
  const axes = (x, y, log = false) => ({ x: { title: x, log, format: String }, y: { title: y, log: false, format: String } });

  test("draws lr < (2 + 2·momentum)/100 and marks (α*, β*), on either axis", () => {
    const [boundary, optimum] = theoryTraces({ theory, optimizer: "SGD", axes: axes("lr", "momentum"), theme: THEME });
    assert.deepEqual(roles([boundary, optimum]), ["theory-boundary", "theory-optimum"]);
    boundary.x.forEach((lr, k) => assert.ok(Math.abs(lr - (2 + 2 * boundary.y[k]) / 100) < 1e-15));
    assert.deepEqual([boundary.y[0], boundary.y.at(-1)], [0, 1]);
    assert.deepEqual([optimum.x[0].toFixed(4), optimum.y[0].toFixed(3)], ["0.0331", "0.669"]);
    const [, swapped] = theoryTraces({ theory, optimizer: "SGD", axes: axes("momentum", "lr"), theme: THEME });
    assert.deepEqual([swapped.x, swapped.y], [optimum.y, optimum.x]);
    assert.match(theoryHint(theory), /lr < \(2 \+ 2·momentum\)\/100.*α\* = 0\.03306.*β\* = 0\.6694/);
  });

  test("is drawn only for SGD's lr × momentum on a surface with a theory", () => {
    const none = (args) => assert.deepEqual(theoryTraces({ theme: THEME, ...args }), []);
    none({ theory, optimizer: "Adam", axes: axes("lr", "momentum") });
    none({ theory, optimizer: "SGD", axes: axes("lr", "dampening") });
    none({ theory: null, optimizer: "SGD", axes: axes("lr", "momentum") });
  });

  test("the map puts the overlay on its log lr axis", () => {
    const result = {
      x: [0.01, 0.1], y: [0, 0.9], final_loss: [[1, 2], [3, 4]], steps_to_tolerance: [[null, null], [null, null]],
      status: [["completed", "completed"], ["completed", "diverged"]], surface: { min_value: 0, theory },
      final_x: [[0, 0], [0, 0]], final_y: [[0, 0], [0, 0]],
    };
    const mapAxes = axes("lr", "momentum", true);
    const overlays = theoryTraces({ theory, optimizer: "SGD", axes: mapAxes, theme: THEME });
    const { data } = mapFigure({ result, mode: "final_loss", theme: THEME, role: "grid2-map", axes: mapAxes, overlays });
    const optimum = data.find((trace) => trace.meta?.role === "theory-optimum");
    assert.equal(optimum.x[0], Math.log10(4 / 121));
    assert.equal(optimum.y[0], 81 / 121);
  });
});

describe("the momentum plot", () => {
  const points = [[0, 0, 1, 0.1], [0, 0, 1, 0.2], [0, 0, 1, 0.1]];
  const view = { mode: "overlay", cursor: { step: 1 } };

  test("shows when a run's momentum varies, with a curve for every run that has one", () => {
    const results = streamedResults([
      streamedRun({ label: "SGD + OneCycleLR", points, momentum: [0.95, 0.85, 0.95] }),
      streamedRun({ label: "RMSprop", points, momentum: null }),
      streamedRun({ label: "Adam", points, momentum: [0.9, 0.9, 0.9] }),
    ]);
    const figure = momentumCurvesFigure({ results, view, theme: THEME });
    assert.equal(figure.shown, true);
    assert.deepEqual(figure.data.map((trace) => Array.from(trace.y)), [[0.95, 0.85, 0.95], [0.9, 0.9, 0.9]]);
    assert.equal(figure.layout.shapes.length, lossCurvesFigure({ results, view, theme: THEME }).layout.shapes.length);
  });

  test("stays hidden while every momentum is constant", () => {
    const results = streamedResults([streamedRun({ points, momentum: [0.9, 0.9, 0.9] }), streamedRun({ points, momentum: null })]);
    assert.equal(momentumCurvesFigure({ results, view, theme: THEME }).shown, false);
  });
});
