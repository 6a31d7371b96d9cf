// What the page remembers (static/js/ui/storage.js): in localStorage where there is one, and nothing,
// without an error, in a frame whose storage the browser denies (a course page on another site).

import assert from "node:assert/strict";
import { afterEach, test } from "node:test";

import { recall, remember } from "../../static/js/ui/storage.js";

afterEach(() => {
  delete globalThis.localStorage;
});

test("remembers, recalls and forgets a text", () => {
  const items = new Map();
  globalThis.localStorage = {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => items.set(key, String(value)),
    removeItem: (key) => items.delete(key),
  };
  assert.equal(recall("optimlab.theme"), null);
  remember("optimlab.theme", "dark");
  assert.equal(recall("optimlab.theme"), "dark");
  remember("optimlab.theme", null);
  assert.equal(recall("optimlab.theme"), null);
});

test("where storage is denied, recalls nothing and remembers nothing, without throwing", () => {
  const denied = () => {
    throw new DOMException("Access is denied for this document.", "SecurityError");
  };
  Object.defineProperty(globalThis, "localStorage", { get: denied, configurable: true });
  assert.equal(recall("optimlab.deck"), null);
  assert.doesNotThrow(() => remember("optimlab.deck", "{}"));
  assert.doesNotThrow(() => remember("optimlab.deck", null));
});
