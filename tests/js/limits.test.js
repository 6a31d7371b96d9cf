// The server's limits on the page (static/js/state/limits.js): read from the catalog, by name.

import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { createRun, createState, runLabel } from "../../static/js/state/experiment.js";
import { limitOf } from "../../static/js/state/limits.js";
import { testCatalog } from "./fixtures.js";

const JS = new URL("../../static/js/", import.meta.url).pathname;

test("a limit the catalog sends is the one the page uses", () => {
  const catalog = testCatalog({ max_runs: 4, max_label_length: 30 });
  assert.equal(limitOf(catalog, "max_runs"), 4);
  assert.equal(limitOf(catalog, "max_label_length"), 30);
});

test("a limit nobody states is not checked on the page", () => {
  assert.equal(limitOf(testCatalog(), "max_sweep_seeds"), Infinity);
  assert.equal(limitOf({}, "max_runs"), Infinity);
});

test("a run's generated label is cut to the server's label length", () => {
  const catalog = testCatalog({ max_label_length: 20 });
  const state = createState(catalog);
  const run = createRun(state.experiment, catalog, { id: "SGD", params: { lr: 0.0015, momentum: 0.9, nesterov: true } });
  const label = runLabel(run, catalog);
  assert.equal(label.length, 20);
  assert.ok(label.endsWith("…"));
  assert.equal(runLabel(run, testCatalog()), "SGD (lr=0.0015, momentum=0.9, nesterov=true)");
});

test("only state/limits.js reads the catalog's limits", () => {
  const readers = readdirSync(JS, { recursive: true })
    .filter((name) => name.endsWith(".js") && readFileSync(join(JS, name), "utf8").includes(".limits"));
  assert.deepEqual(readers, ["state/limits.js"]);
});
