// The store (static/js/state/store.js): change flags declared once, checked on every update.

import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";

import { CHANGES, createStore, getIn, setIn } from "../../static/js/state/store.js";

const JS = new URL("../../static/js/", import.meta.url).pathname;

/** Every page module's source, by its path under static/js/. */
function sources() {
  return readdirSync(JS, { recursive: true })
    .filter((name) => name.endsWith(".js"))
    .map((name) => ({ name, text: readFileSync(join(JS, name), "utf8") }));
}

describe("the store", () => {
  test("runs the mutation, then tells every subscriber what changed", () => {
    const store = createStore({ count: 0 });
    const seen = [];
    store.subscribe((state, change) => seen.push([state.count, change]));
    store.subscribe((state, change) => seen.push(["second", change.results]));
    store.update((state) => { state.count += 1; }, { results: true });
    assert.deepEqual(seen, [[1, { results: true }], ["second", true]]);
  });

  test("an update without flags is a change no subscriber redraws for", () => {
    const store = createStore({});
    let change = null;
    store.subscribe((_, given) => { change = given; });
    store.update(() => {});
    assert.deepEqual(change, {});
  });

  test("an unknown flag throws, naming it, before anything changes", () => {
    const store = createStore({ count: 0 });
    let told = false;
    store.subscribe(() => { told = true; });
    assert.throws(() => store.update((state) => { state.count = 1; }, { experiment: true, expriment: true }),
      /Unknown change flag "expriment"/);
    assert.equal(store.state.count, 0);
    assert.equal(told, false);
  });

  test("the flags are one frozen table, each with what it means", () => {
    assert.ok(Object.isFrozen(CHANGES));
    assert.throws(() => { "use strict"; CHANGES.typo = "x"; }, TypeError);
    for (const [flag, meaning] of Object.entries(CHANGES)) assert.ok(meaning.length > 10, flag);
  });

  test("every flag a module reads or sets is declared", () => {
    const used = new Set();
    for (const { text } of sources()) {
      for (const [, flag] of text.matchAll(/\bchange\??\.(\w+)/g)) used.add(flag);
      for (const call of updateCalls(text)) {
        const flags = /\{([^{}]*)\}\s*\)$/.exec(call)?.[1] ?? ""; // the last argument, when it is an object literal
        for (const [, flag] of flags.matchAll(/(\w+):/g)) used.add(flag);
      }
    }
    const unknown = [...used].filter((flag) => !Object.hasOwn(CHANGES, flag));
    assert.deepEqual(unknown, []);
    for (const flag of ["experiment", "cursor", "results", "overlays", "push"]) assert.ok(used.has(flag), flag);
  });
});

/** The text of each `store.update(…)` call, parentheses balanced. */
function updateCalls(text) {
  const calls = [];
  for (const match of text.matchAll(/store\.update\(/g)) {
    let depth = 0;
    for (let i = match.index + "store.update".length; i < text.length; i++) {
      depth += text[i] === "(" ? 1 : text[i] === ")" ? -1 : 0;
      if (depth === 0) {
        calls.push(text.slice(match.index, i + 1));
        break;
      }
    }
  }
  return calls;
}

describe("paths into the state", () => {
  test("getIn reads nested values and stops at a missing step", () => {
    const root = { runs: [{ optimizer: { params: { lr: 0.1 } } }] };
    assert.equal(getIn(root, ["runs", 0, "optimizer", "params", "lr"]), 0.1);
    assert.equal(getIn(root, ["runs", 3, "optimizer"]), undefined);
  });

  test("setIn creates objects on the way, and deletes for undefined", () => {
    const root = {};
    setIn(root, ["surface", "params", "b"], 50);
    assert.deepEqual(root, { surface: { params: { b: 50 } } });
    setIn(root, ["surface", "params", "b"], undefined);
    assert.deepEqual(root, { surface: { params: {} } });
  });
});
