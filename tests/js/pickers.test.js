// The optimizer and scheduler lists (static/js/controls/run-cards.js): a look-alike name from two
// sources carries its source, so the closed select tells torch's RAdam from the zoo's.

import assert from "node:assert/strict";
import { test } from "node:test";

import { optionNames } from "../../static/js/controls/run-cards.js";

test("names shared across sources carry their source; unique names stay bare", () => {
  const entries = [
    { id: "RAdam", name: "RAdam", source: "torch" },
    { id: "pytorch_optimizer.RAdam", name: "RAdam", source: "pytorch_optimizer" },
    { id: "SGD", name: "SGD", source: "torch" },
    { id: "pytorch_optimizer.Lion", name: "Lion", source: "pytorch_optimizer" },
  ];
  const name = optionNames(entries);
  assert.deepEqual(entries.map(name), ["RAdam · torch", "RAdam · pytorch-optimizer", "SGD", "Lion"]);
});
