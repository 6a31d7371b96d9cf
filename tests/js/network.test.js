// Network mode's pure parts (static/js/network/ and its figures): the training document as state,
// the mode switch's parked cursors, a link's round trip, the stream folded into a result, and the
// figures drawn from it.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { accuracyFigure, epochLossFigure, epochTicks, stepLrFigure } from "../../static/js/figures/epoch-curves.js";
import { landscapeCaption, landscapeFigure } from "../../static/js/figures/landscape.js";
import { formatNumber } from "../../static/js/ui/format.js";
import {
  epochSentences, epochTable, landscapeSentences, landscapeTable,
} from "../../static/js/a11y/network-describe.js";
import {
  applyTrainingEvent, describeStep, epochAt, epochRows, startTraining, wholeResult,
} from "../../static/js/network/results.js";
import {
  addNetworkState, DEFAULT_TRAINING, loadTraining, switchMode, toTrainingRequest, trainingCodeRequest,
  trainingDocument,
} from "../../static/js/network/state.js";
import { createState } from "../../static/js/state/experiment.js";
import { decodeHash, encodeHash } from "../../static/js/state/url.js";
import { testCatalog, THEME } from "./fixtures.js";

const catalog = testCatalog();
const pageState = () => addNetworkState(createState(catalog), catalog);

/** A two-run training of 2 epochs of 2 steps, streamed as the server sends it (SPEC §10). */
function streamedTraining() {
  const header = {
    event: "training", epochs: 2, task: { steps_per_epoch: 2, n_train: 4 },
    runs: [{ index: 0, label: "SGD" }, { index: 1, label: "Adam" }],
  };
  const result = startTraining(header, { request: { batch_size: 2 }, colors: ["#0072B2", "#D55E00"], sentAt: 0 });
  const epoch = (run, e, loss, steps) => ({
    event: "epoch", run, epoch: e, train_loss: loss, val_loss: loss + 0.1, train_accuracy: 0.5 + e / 10,
    val_accuracy: 0.4 + e / 10, lr: 0.1, steps: { loss: steps, lr: steps.map(() => 0.1) },
  });
  for (let e = 0; e <= 2; e++) {
    for (const run of [0, 1]) applyTrainingEvent(result, epoch(run, e, 1 / (e + 1), e === 0 ? [] : [0.9, 0.8]));
  }
  for (const run of [0, 1]) {
    applyTrainingEvent(result, {
      event: "run_end", run, status: "completed", diverged_at: null, failed_at: null, error: null,
      summary: { final_val_loss: 0.43, best_val_loss: 0.43, best_epoch: 2, final_val_accuracy: 0.6 },
    });
  }
  applyTrainingEvent(result, {
    event: "landscape", method: "pca", explained_variance: [0.912, 0.064], u: [-1, 0, 1], v: [-1, 0, 1],
    loss: [[3, 2, 3], [2, 1, 2], [3, 2, 3]],
    paths: [{ u: [0, 0.1, 0.2, 0.3, 0.4], v: [0, 0, 0, 0, 0] }, { u: [0, 0, 0, 0, 0], v: [0, 0.1, 0.2, 0.3, 0.4] }],
  });
  applyTrainingEvent(result, { event: "done" });
  return result;
}

describe("the training document as state", () => {
  test("the default training is the request SPEC §10 describes, with every run from the catalog", () => {
    const { network } = pageState();
    const request = toTrainingRequest(network.training, catalog);
    assert.deepEqual(request.task, DEFAULT_TRAINING.task);
    assert.equal(request.epochs, 30);
    assert.deepEqual(request.runs.map((run) => run.optimizer.id), ["SGD", "SGD", "Adam", "RMSprop"]);
    assert.deepEqual(request.runs[1].scheduler, { id: "StepLR", params: { step_size: 10, gamma: 0.1 }, interval: "epoch" });
    assert.ok(request.runs.every((run) => !("key" in run) && !("color" in run)));
  });

  test("loadTraining shows network mode with a lesson's document, dropping what this server lacks", () => {
    const state = pageState();
    const notes = loadTraining(state, {
      task: { data: { id: "circles", params: { n: 200 } }, model: { hidden: [8] } }, epochs: 20,
      runs: [{ optimizer: { id: "Adam", params: { lr: 0.01 } }, scheduler: { id: "StepLR", params: { step_size: 10 } } },
        { optimizer: { id: "NoSuchOptimizer" } }],
    }, catalog);
    assert.equal(state.mode, "network");
    assert.equal(state.network.training.runs.length, 1);
    assert.equal(state.network.training.runs[0].scheduler.interval, "epoch");
    assert.deepEqual(state.network.training.task.model, { hidden: [8], activation: "tanh", seed: 0 });
    assert.match(notes[0], /NoSuchOptimizer/);
  });

  test("each mode keeps its cursor: switching and back restores it", () => {
    const state = pageState();
    state.view.cursor.step = 137;
    switchMode(state, "network");
    assert.equal(state.view.cursor.step, null);
    state.view.cursor.step = 42;
    switchMode(state, "surfaces");
    assert.equal(state.view.cursor.step, 137);
    switchMode(state, "network");
    assert.equal(state.view.cursor.step, 42);
  });

  test("the code request is the training's task and loop with one run", () => {
    const { network } = pageState();
    const body = trainingCodeRequest(network.training, catalog, 1);
    assert.deepEqual(Object.keys(body).sort(), ["batch_size", "epochs", "run", "shuffle_seed", "task"]);
    assert.equal(body.run.scheduler.id, "StepLR");
  });

  test("a network link round-trips the mode and the training, colours included", () => {
    const state = pageState();
    switchMode(state, "network");
    state.network.training.epochs = 12;
    state.network.training.runs[2].color = "#CC79A7";
    state.network.training.runs[0].label = "momentum";
    const decoded = decodeHash(encodeHash(state), catalog);
    assert.equal(decoded.message, null);
    assert.equal(decoded.state.mode, "network");
    assert.deepEqual(trainingDocument(decoded.state.network.training), trainingDocument(state.network.training));
  });

  test("an unreadable link falls back to both modes' defaults", () => {
    for (const hash of ["#v1=not-base64!", "#v1=bnVsbA"]) { // cut short; JSON null
      const decoded = decodeHash(hash, catalog);
      assert.ok(decoded.message);
      assert.equal(decoded.state.mode, "surfaces");
      assert.equal(decoded.state.network.training.runs.length, 4);
    }
  });

  test("a surfaces link leaves network mode at its default", () => {
    const decoded = decodeHash(encodeHash(pageState()), catalog);
    assert.equal(decoded.state.mode, "surfaces");
    assert.equal(decoded.state.network.training.epochs, 30);
  });
});

describe("the streamed training", () => {
  test("epochs, steps, the landscape and each run's path fold into one result", () => {
    const result = streamedTraining();
    assert.equal(result.steps, 4);
    assert.deepEqual(result.runs[0].epochs.train_loss, [1, 0.5, 1 / 3]);
    assert.equal(result.runs[0].steps.loss.length, 4);
    assert.equal(result.runs[0].recorded, 5);
    assert.deepEqual(result.runs[1].path.v, [0, 0.1, 0.2, 0.3, 0.4]);
    assert.ok(result.finishedAt !== null);
  });

  test("digits' predicted labels fold in per epoch; 2-D data's runs have none", () => {
    const result = streamedTraining();
    assert.deepEqual(result.runs[0].val_predictions, []);
    applyTrainingEvent(result, {
      event: "epoch", run: 1, epoch: 3, train_loss: 0.2, val_loss: 0.3, train_accuracy: 0.9, val_accuracy: 0.8,
      lr: 0.1, steps: { loss: [], lr: [] }, val_predictions: [3, 1, 4],
    });
    assert.deepEqual(result.runs[1].val_predictions, [[3, 1, 4]]);
  });

  test("the cursor's epoch: the epochs completed at its record", () => {
    const result = streamedTraining();
    assert.deepEqual([0, 1, 2, 3, 4].map((k) => epochAt(result, k)), [0, 0, 1, 1, 2]);
    assert.equal(describeStep(result, 3), "step 3 / 4 · epoch 1 / 2");
  });

  test("the exports: the API's whole shape and one CSV row per run and epoch", () => {
    const result = streamedTraining();
    assert.deepEqual(Object.keys(wholeResult(result).runs[0]).sort(),
      ["diverged_at", "epochs", "error", "failed_at", "label", "path", "status", "steps", "summary"]);
    const rows = epochRows(result);
    assert.deepEqual(rows[0], ["run", "label", "epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy", "lr"]);
    assert.equal(rows.length, 1 + 2 * 3);
  });
});

describe("network mode's figures", () => {
  test("the landscape: the contour, each run's path from θ0, the start ring and the cursor's dots", () => {
    const result = streamedTraining();
    const figure = landscapeFigure({ result, contour: { type: "contour" }, view: { cursor: { step: 2 } }, theme: THEME });
    const roles = figure.data.map((trace) => trace.meta?.role ?? trace.type);
    assert.deepEqual(roles, ["contour", "halo", "path", "end", "halo", "path", "end", "start"]);
    const dots = figure.layout.shapes;
    assert.deepEqual(dots.map((shape) => [shape.xanchor, shape.yanchor]), [[0.2, 0], [0, 0.2]]);
  });

  test("in trail playback each path ends at the cursor, its end marker waiting for the last record", () => {
    const result = streamedTraining();
    const figure = (view) => landscapeFigure({ result, contour: null, view, theme: THEME }).data;
    const of = (data, role) => data.filter((trace) => trace.meta?.role === role);
    const cut = figure({ trail: true, cursor: { step: 2 } });
    assert.deepEqual(of(cut, "path").map((trace) => trace.x), [[0, 0.1, 0.2], [0, 0, 0]]);
    assert.deepEqual(of(cut, "halo").map((trace) => trace.y), [[0, 0, 0], [0, 0.1, 0.2]]);
    assert.deepEqual(of(cut, "end").map((trace) => trace.x), [[], []]);
    // At the last record, or with the trail off, every path is whole and ends in its marker.
    for (const view of [{ trail: true, cursor: { step: 4 } }, { trail: false, cursor: { step: 2 } }]) {
      const whole = figure(view);
      assert.deepEqual(of(whole, "path").map((trace) => trace.x.length), [5, 5]);
      assert.deepEqual(of(whole, "end").map((trace) => trace.x), [[0.4], [0]]);
    }
  });

  test("in trail playback the curves reveal themselves up to the cursor; the lr's scale stays put", () => {
    const result = streamedTraining();
    const view = { trail: true, cursor: { step: 3 } };
    const loss = epochLossFigure({ result, view, theme: THEME }).data;
    const split = (name, axis) => loss.filter((trace) => trace.meta.split === name).map((trace) => trace[axis]);
    assert.deepEqual(split("step", "y"), [[0.9, 0.8, 0.9], [0.9, 0.8, 0.9]]);
    assert.deepEqual(split("val", "x"), [[0, 1], [0, 1]]);
    assert.deepEqual(accuracyFigure({ result, view, theme: THEME }).data[0].y, [0.5, 0.6]);
    const lr = stepLrFigure({ result, view, theme: THEME });
    assert.deepEqual(lr.data.map((trace) => trace.x), [[1, 2, 3], [1, 2, 3]]);
    assert.equal(lr.scale, "log");
  });

  test("the caption says how much of the movement the plane holds, and that paths are projections", () => {
    const caption = landscapeCaption(streamedTraining().landscape);
    assert.match(caption, /holds 91 % \+ 6 % of how the weights moved/);
    assert.match(caption, /projections/);
    assert.match(landscapeCaption({ method: "random", explained_variance: null }), /random/);
  });

  test("epoch curves: train solid and validation dashed per run; the cursor at step ÷ steps per epoch", () => {
    const result = streamedTraining();
    const view = { cursor: { step: 3 } };
    const loss = epochLossFigure({ result, view, theme: THEME });
    const curves = loss.data.filter((trace) => trace.meta.split !== "step");
    assert.deepEqual(curves.map((trace) => trace.line.dash), ["solid", "dash", "solid", "dash"]);
    assert.deepEqual(curves[1].y, [1.1, 0.6, 1 / 3 + 0.1]);
    assert.equal(loss.layout.shapes[0].x0, 1.5);
    assert.deepEqual(accuracyFigure({ result, view, theme: THEME }).data[0].y, [0.5, 0.6, 0.7]);
  });

  test("each step's minibatch loss lies faint beneath the epoch curves, at step ÷ steps per epoch", () => {
    const result = streamedTraining();
    const loss = epochLossFigure({ result, view: { cursor: { step: 3 } }, theme: THEME });
    const steps = loss.data.filter((trace) => trace.meta.split === "step");
    assert.deepEqual(loss.data.slice(0, steps.length), steps); // drawn first: beneath
    assert.deepEqual(steps.map((trace) => trace.meta.run), [0, 1]);
    assert.deepEqual(steps[0].x, [0.5, 1, 1.5, 2]);
    assert.deepEqual(steps[0].y, result.runs[0].steps.loss);
    assert.ok(steps[0].opacity < 1 && steps[0].line.width < loss.data.at(-1).line.width);
  });

  test("the lr per step has a tick at every epoch and the cursor at its step", () => {
    const result = streamedTraining();
    const figure = stepLrFigure({ result, view: { cursor: { step: 3 } }, theme: THEME });
    assert.deepEqual(figure.data[0].x, [1, 2, 3, 4]);
    assert.deepEqual(epochTicks(result).tickvals, [0, 2, 4]);
    assert.deepEqual(figure.layout.xaxis.ticktext, ["0", "1", "2"]);
    assert.equal(figure.layout.shapes[0].x0, 3);
  });

  test("the loss and lr axes are log by default and follow the reader's scale", () => {
    const result = streamedTraining();
    const cursor = { step: 3 };
    const byDefault = {
      loss: epochLossFigure({ result, view: { cursor }, theme: THEME }),
      lr: stepLrFigure({ result, view: { cursor }, theme: THEME }),
    };
    assert.deepEqual([byDefault.loss.scale, byDefault.loss.layout.yaxis.type], ["log", "log"]);
    assert.deepEqual([byDefault.lr.scale, byDefault.lr.layout.yaxis.type], ["log", "log"]);
    const view = { cursor, scales: { epochLoss: "linear", lr: "linear" } };
    assert.equal(epochLossFigure({ result, view, theme: THEME }).layout.yaxis.type, "linear");
    assert.equal(stepLrFigure({ result, view, theme: THEME }).layout.yaxis.type, "linear");
  });
});

describe("network mode's plots in words", () => {
  test("the landscape says each run's point on the plane and its losses at the cursor", () => {
    const result = streamedTraining();
    const lines = landscapeSentences(result, 2, 1);
    assert.equal(lines[0], landscapeCaption(result.landscape));
    assert.equal(lines[2], "SGD: at (0.2, 0) on the plane, train loss 0.5, validation loss 0.6; completed.");
    const table = landscapeTable(result, 2, 1);
    assert.deepEqual(table.rows[1], ["Adam", "(0, 0)", "(0, 0.2)", "0.5", "0.6", "completed"]);
  });

  test("the per-epoch plots give the values at the cursor's epoch and the final ones", () => {
    const result = streamedTraining();
    assert.equal(epochSentences(result, 0, "accuracy")[1], "SGD: train accuracy 0.5, validation accuracy 0.4.");
    assert.deepEqual(epochTable(result, 1, "loss").rows[0], ["SGD", "0.5", "0.6", formatNumber(1 / 3), formatNumber(1 / 3 + 0.1)]);
    assert.deepEqual(landscapeSentences(null, 0, 0), ["No training yet."]);
  });
});
