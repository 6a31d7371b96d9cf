// The parts the page loads on first use (static/js/page/lazy.js): built once however many ask, tried
// again after a failed load, and no click lost while a part loads.

import assert from "node:assert/strict";
import { test } from "node:test";

import { lazyPart, loadOnClick } from "../../static/js/page/lazy.js";

test("a part is built once, however many callers ask before and after", async () => {
  let builds = 0;
  const part = lazyPart(async () => ({ build: ++builds }));
  assert.equal(part.ready, false);
  assert.equal(part.value, null);
  const [first, second] = await Promise.all([part.get(), part.get()]);
  assert.equal(first, second);
  assert.deepEqual(await part.get(), { build: 1 });
  assert.equal(builds, 1);
  assert.equal(part.ready, true);
  assert.deepEqual(part.value, { build: 1 });
});

test("a part whose load fails is loaded again on the next use", async () => {
  let attempts = 0;
  const part = lazyPart(async () => {
    attempts += 1;
    if (attempts === 1) throw new Error("offline");
    return "built";
  });
  await assert.rejects(part.get(), /offline/);
  assert.equal(part.ready, false);
  assert.equal(await part.get(), "built");
  assert.equal(attempts, 2);
});

test("a part that builds nothing is ready, with no value", async () => {
  const part = lazyPart(() => undefined);
  assert.equal(await part.get(), undefined);
  assert.equal(part.ready, true);
  assert.equal(part.value, null);
});

/** A button stand-in, and a part that, once built, counts the clicks it is given (as its own listener would). */
function buttonAndPart({ fails = 0 } = {}) {
  const button = new EventTarget();
  const clicks = [];
  let failures = fails;
  const part = lazyPart(async () => {
    if (failures-- > 0) throw new Error("no network");
    button.addEventListener("click", (event) => clicks.push(event.type));
  });
  return { button, clicks, part };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

test("clicks that arrive while the part loads each reach it once it is built", async () => {
  const { button, clicks, part } = buttonAndPart();
  loadOnClick(button, part, assert.fail);
  button.dispatchEvent(new Event("click"));
  button.dispatchEvent(new Event("click"));
  assert.deepEqual(clicks, []);
  await settle();
  assert.deepEqual(clicks, ["click", "click"]);
  button.dispatchEvent(new Event("click")); // built: straight to the part's own listener, once
  assert.deepEqual(clicks, ["click", "click", "click"]);
});

test("a click whose part cannot load is reported, and the next click tries again", async () => {
  const { button, clicks, part } = buttonAndPart({ fails: 1 });
  const errors = [];
  loadOnClick(button, part, (error) => errors.push(error.message));
  button.dispatchEvent(new Event("click"));
  await settle();
  assert.deepEqual(errors, ["no network"]);
  assert.deepEqual(clicks, []);
  button.dispatchEvent(new Event("click"));
  await settle();
  assert.deepEqual(clicks, ["click"]);
});

test("a part built in the background takes the first click itself", async () => {
  const { button, clicks, part } = buttonAndPart();
  loadOnClick(button, part, assert.fail);
  await part.get(); // as the prefetch after the first draw does
  button.dispatchEvent(new Event("click"));
  assert.deepEqual(clicks, ["click"]);
});
