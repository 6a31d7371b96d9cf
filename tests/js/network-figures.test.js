// Network mode's figure builders (static/js/figures/boundary.js, digits.js, lr-finder.js): given a
// training result in the API's shape (app/engine/results.py) and a theme, what each figure contains.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  boundaryFigure, boundaryMultiplesFigure, CLASS_COLORS, decodeBoundary, linspace, PROBABILITY_SCALE, shownEpoch,
} from "../../static/js/figures/boundary.js";
import { digitImage, digitsFigure, predictionText } from "../../static/js/figures/digits.js";
import { lrFinderFigure, smoothedAt } from "../../static/js/figures/lr-finder.js";
import { fairTarget, lrFigure, MEASURES } from "../../static/js/figures/sweep-lr.js";
import { THEME } from "./fixtures.js";

const roles = (traces) => traces.map((trace) => trace.meta?.role ?? trace.type);

/** base64 of `resolution²` bytes, as app/engine/train/boundaries.py encodes p(class 1). */
function encode(bytes) {
  return btoa(String.fromCharCode(...bytes));
}

/** A 2×2 boundary grid and two runs: one with three epochs, one that diverged after epoch 1. */
function twoDimensional() {
  const grid = { x: [-1, 1], y: [0, 2], resolution: 2, encoding: "base64" };
  const epochs = [encode([0, 64, 128, 255]), encode([0, 0, 255, 255]), encode([10, 20, 30, 40])];
  const result = {
    boundary: grid,
    runs: [
      { label: "Adam <1>", status: "completed", boundaries: epochs, epochs: { val_accuracy: [0.5, 0.75, 1] } },
      { label: "SGD", status: "diverged", boundaries: epochs.slice(0, 2), epochs: { val_accuracy: [0.5, 0.6] } },
    ],
  };
  const data = { x_train: [[0, 0], [1, 1], [-1, 2]], y_train: [0, 1, 1], x_val: [[0.5, 0.5]], y_val: [0] };
  return { result, data };
}

describe("the decision boundary", () => {
  test("decodes a boundary into p(class 1) on rows of constant y from the bottom", () => {
    assert.deepEqual(decodeBoundary(encode([0, 51, 255, 102]), 2), [[0, 0.2], [1, 0.4]]);
    assert.throws(() => decodeBoundary(encode([1, 2, 3]), 2), /3 bytes is not 2×2/);
    assert.deepEqual(linspace([-1, 1], 5), [-1, -0.5, 0, 0.5, 1]);
  });

  test("draws the probability, the 0.5 contour, filled training and hollow validation points", () => {
    const { result, data } = twoDimensional();
    const figure = boundaryFigure({ result, data, run: 0, epoch: 1, theme: THEME });
    assert.deepEqual(roles(figure.data), ["probability", "decision-boundary", "train-points", "val-points"]);
    const [heat, contour, train, val] = figure.data;
    assert.deepEqual(heat.z, [[0, 0], [1, 1]]);
    assert.deepEqual([heat.x, heat.y], [[-1, 1], [0, 2]]);
    assert.deepEqual([heat.zmin, heat.zmax, heat.colorscale], [0, 1, PROBABILITY_SCALE]);
    assert.deepEqual([contour.contours.start, contour.contours.end], [0.5, 0.5]);
    assert.deepEqual(train.marker.color, [CLASS_COLORS[0], CLASS_COLORS[1], CLASS_COLORS[1]]);
    assert.equal(train.marker.symbol, undefined);
    assert.equal(val.marker.symbol, "circle-open");
    assert.deepEqual([val.x, val.y], [[0.5], [0.5]]);
    assert.match(figure.layout.title.text, /^Adam &lt;1&gt; · epoch 1 · validation accuracy 0.75$/);
    assert.equal(figure.layout.yaxis.scaleanchor, "x");
  });

  test("the scale is diverging between the class colours and the same in either theme", () => {
    assert.deepEqual([PROBABILITY_SCALE[0][1], PROBABILITY_SCALE.at(-1)[1]], CLASS_COLORS);
    const { result, data } = twoDimensional();
    const dark = { ...THEME, bg: "rgb(20, 20, 20)", ink: "rgb(240, 240, 240)" };
    const light = boundaryFigure({ result, data, run: 0, epoch: 0, theme: THEME }).data[0];
    assert.deepEqual(boundaryFigure({ result, data, run: 0, epoch: 0, theme: dark }).data[0].colorscale, light.colorscale);
  });

  test("a run that ended before the cursor shows its last epoch and says so", () => {
    const { result, data } = twoDimensional();
    assert.equal(shownEpoch(result.runs[1], 2), 1);
    const figure = boundaryFigure({ result, data, run: 1, epoch: 2, theme: THEME });
    assert.deepEqual(figure.data[0].z, [[0, 0], [1, 1]]);
    assert.match(figure.layout.title.text, /epoch 1 \(diverged after epoch 1\)/);
  });

  test("data that is not 2-D draws nothing and says why", () => {
    const figure = boundaryFigure({ result: { boundary: null, runs: [{ boundaries: null }] }, data: {}, run: 0,
      epoch: 0, theme: THEME });
    assert.equal(figure.data.length, 0);
    assert.match(figure.layout.annotations[0].text, /not 2-D/);
  });

  test("small multiples give every run its subplot at the cursor's epoch, titled in its colour", () => {
    const { result, data } = twoDimensional();
    const figure = boundaryMultiplesFigure({ result, data, epoch: 2, theme: THEME, colors: ["#0072B2", "#D55E00"] });
    assert.deepEqual(roles(figure.data), [
      "probability", "decision-boundary", "train-points", "val-points",
      "probability", "decision-boundary", "train-points", "val-points",
    ]);
    assert.deepEqual(figure.data.slice(4).map((trace) => trace.xaxis), ["x2", "x2", "x2", "x2"]);
    assert.deepEqual(figure.data[0].z, decodeBoundary(result.runs[0].boundaries[2], 2));
    assert.deepEqual(figure.data[4].z, decodeBoundary(result.runs[1].boundaries[1], 2));
    assert.equal(figure.layout.xaxis2.matches, "x");
    assert.deepEqual([figure.layout.grid.rows, figure.layout.grid.columns], [1, 2]);
    assert.match(figure.layout.annotations[0].text, /#0072B2.*Adam &lt;1&gt; · epoch 2$/);
    assert.match(figure.layout.annotations[1].text, /SGD · epoch 1 \(diverged after epoch 1\)/);
  });
});

describe("the validation digits", () => {
  const pixels = (k) => Array.from({ length: 64 }, (_, i) => (i === k ? 1 : 0));
  const data = { x_val: [pixels(0), pixels(9), pixels(63)], y_val: [3, 5, 7] };
  const result = { runs: [{ label: "Adam", val_predictions: [[1, 1, 1], [3, 5, 2]] }] };

  test("an image is the row's 64 pixels, 8 per row, row 0 on top", () => {
    const image = digitImage(pixels(9));
    assert.equal(image.length, 8);
    assert.equal(image[1][1], 1);
    assert.equal(image.flat().reduce((a, b) => a + b), 1);
  });

  test("each digit is titled with the prediction at the cursor's epoch, marked right or wrong", () => {
    const figure = digitsFigure({ result, data, run: 0, epoch: 1, theme: THEME });
    assert.deepEqual(roles(figure.data), ["digit", "digit", "digit"]);
    assert.deepEqual(figure.data.map((trace) => trace.meta.predicted), [3, 5, 2]);
    assert.deepEqual(figure.layout.annotations.map((a) => a.text), ["3 ✓", "5 ✓", "2 ✗ (is 7)"]);
    assert.equal(figure.layout.annotations[2].font.color, THEME.danger);
    assert.equal(figure.layout.yaxis3.autorange, "reversed");
    assert.match(figure.layout.title.text, /Adam · epoch 1 · 2 of 3 right/);
    assert.equal(predictionText(4, 4), "4 ✓");
  });

  test("past a run's last epoch it shows that epoch; on a phone four columns", () => {
    const figure = digitsFigure({ result, data, run: 0, epoch: 9, theme: THEME, box: { width: 390 } });
    assert.match(figure.layout.title.text, /epoch 1/);
    assert.equal(figure.layout.grid.columns, 4);
    assert.equal(digitsFigure({ result, data, run: 3, epoch: 0, theme: THEME }).data.length, 0);
  });
});

describe("the LR finder", () => {
  const result = {
    lr: [1e-4, 1e-3, 1e-2, 1e-1, 1],
    loss: [0.7, 0.69, 0.6, 0.4, 3],
    smoothed: [0.7, 0.695, 0.66, 0.58, 2.9],
    suggestion: { steepest: 0.01, minimum_over_10: 0.01 / 1 },
  };

  test("draws loss and smoothed loss against a log lr, and marks both suggestions", () => {
    const figure = lrFinderFigure({ result, theme: THEME, color: "#0072B2" });
    assert.deepEqual(roles(figure.data), ["loss", "smoothed", "suggestion", "suggestion"]);
    assert.equal(figure.layout.xaxis.type, "log");
    assert.deepEqual(figure.data[1].y, result.smoothed);
    assert.deepEqual(figure.data.slice(2).map((trace) => trace.meta.key), ["steepest", "minimum_over_10"]);
    assert.deepEqual(figure.data[2].y, [0.66]);
    assert.match(figure.data[3].text[0], /minimum ÷ 10 0.01/);
    assert.deepEqual(figure.layout.shapes.map((shape) => shape.x0), [0.01, 0.01]);
  });

  test("a suggestion marker sits on the smoothed curve at the nearest recorded lr", () => {
    assert.equal(smoothedAt(result, 0.12), 0.58);
    assert.equal(smoothedAt(result, 2e-4), 0.7);
  });

  test("a missing suggestion is not drawn, and an empty test draws nothing", () => {
    const figure = lrFinderFigure({ result: { ...result, suggestion: { steepest: null, minimum_over_10: 0.1 } },
      theme: THEME });
    assert.deepEqual(figure.data.slice(2).map((trace) => trace.meta.key), ["minimum_over_10"]);
    assert.equal(lrFinderFigure({ result: { lr: [], loss: [], smoothed: [], suggestion: {} }, theme: THEME }).data.length, 0);
  });
});

describe("network mode's sweeps", () => {
  /** A training sweep's result (POST /api/trainings/sweeps): no surface, scored by final validation loss. */
  const sweep = {
    task: {}, epochs: 30, kind: "param", name: "lr", values: [0.001, 0.01, 0.1, 10],
    status: ["completed", "completed", "completed", "diverged"],
    final_val_loss: [0.6, 0.2, 0.3, null], best_val_loss: [0.6, 0.2, 0.25, null],
    final_val_accuracy: [0.7, 0.9, 0.88, null], best: { value: 0.01, final_val_loss: 0.2 },
  };

  test("the LR curves take a training sweep as it is: final validation loss after the epochs", () => {
    const curves = [{ key: 1, label: "Adam", color: "#0072B2", result: sweep, currentLr: 0.1 }];
    const { data, layout } = lrFigure(curves, THEME, { epochs: 30 }, MEASURES.network);
    assert.deepEqual(roles(data), ["lr-curve", "lr-diverged", "lr-current", "lr-best"]);
    assert.deepEqual(data[0].y, [0.6, 0.2, 0.3, null]);
    assert.deepEqual(data[1].x, [10]);
    assert.deepEqual([data[2].x, data[2].y], [[0.1], [0.3]]);
    assert.deepEqual([data[3].x, data[3].y], [[0.01], [0.2]]);
    assert.match(data[0].text[1], /final validation loss 0.2$/);
    assert.equal(layout.yaxis.title.text, "final validation loss after 30 epochs");
    assert.equal(layout.yaxis.type, "log");
  });

  test("the fair comparison states its target in either mode", () => {
    assert.equal(fairTarget(MEASURES.network, { epochs: 30 }),
      "Target: the lowest final validation loss after 30 epochs (diverged runs are out).");
    assert.equal(fairTarget(MEASURES.surfaces, { steps: 200 }),
      "Target: the lowest final loss after 200 steps (diverged runs are out).");
  });
});
