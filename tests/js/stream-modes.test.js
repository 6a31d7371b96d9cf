// The stream runner's per-mode records (static/js/page/stream.js): each names places that exist in the
// page's state and that the mode's readers use, and the API's issue locations land on the page's fields.

import assert from "node:assert/strict";
import { test } from "node:test";

import { addNetworkState, FIELD_PREFIX } from "../../static/js/network/state.js";
import { fieldIssues, STREAM_MODES } from "../../static/js/page/stream.js";
import { createState } from "../../static/js/state/experiment.js";
import { getIn, setIn } from "../../static/js/state/store.js";
import { testCatalog } from "./fixtures.js";

const catalog = testCatalog();
const pageState = () => addNetworkState(createState(catalog), catalog);

test("both modes' records have the same fields", () => {
  assert.deepEqual(Object.keys(STREAM_MODES.network).sort(), Object.keys(STREAM_MODES.surfaces).sort());
});

test("one mode shows at a time: the status line and the busy mark are its", () => {
  const state = pageState();
  for (const mode of ["surfaces", "network"]) {
    state.mode = mode;
    assert.deepEqual(Object.keys(STREAM_MODES).filter((name) => STREAM_MODES[name].shown(state)), [mode]);
  }
});

test("each mode sends its own document, with one colour per run", () => {
  const state = pageState();
  for (const [name, mode, runs] of [
    ["surfaces", STREAM_MODES.surfaces, state.experiment.runs],
    ["network", STREAM_MODES.network, state.network.training.runs],
  ]) {
    const source = getIn(state, mode.source);
    assert.equal(source.runs, runs, name);
    assert.equal(mode.toRequest(source, catalog).runs.length, runs.length, name);
  }
});

test("the result and the issues go where the mode's views read them", () => {
  const state = pageState();
  const marker = { revision: 0 };
  setIn(state, STREAM_MODES.surfaces.results, marker);
  setIn(state, STREAM_MODES.network.results, { ...marker });
  assert.equal(state.shown.results, marker);
  assert.deepEqual(state.network.result, marker);
  const issues = [{ path: ["runs", 0], msg: "no" }];
  setIn(state, STREAM_MODES.surfaces.errors, issues);
  setIn(state, STREAM_MODES.network.errors, issues);
  assert.equal(state.view.errors.experiment, issues);
  assert.equal(state.network.errors, issues);
});

test("an issue's location loses `body` and gains the mode's field prefix", () => {
  const issues = [{ loc: ["body", "runs", 0, "optimizer", "params", "lr"], msg: "too big" }, { msg: "no loc" }];
  assert.deepEqual(fieldIssues(issues, STREAM_MODES.surfaces.fieldPrefix).map((issue) => issue.path), [
    ["runs", 0, "optimizer", "params", "lr"], [],
  ]);
  assert.deepEqual(fieldIssues(issues, STREAM_MODES.network.fieldPrefix)[0], {
    ...issues[0], path: [...FIELD_PREFIX, "runs", 0, "optimizer", "params", "lr"],
  });
});
