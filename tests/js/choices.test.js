// A finished choice gives the keys back (static/js/ui/choices.js): after a select's `change`, ←/→ and
// Home/End are the page's until the select loses focus; ↑/↓ and Space stay the select's.

import assert from "node:assert/strict";
import { test } from "node:test";

import { createChoices } from "../../static/js/ui/choices.js";

/** An event whose target is `target` (a plain object standing in for an element). */
function fire(root, type, target) {
  const event = new Event(type);
  Object.defineProperty(event, "target", { value: target });
  root.dispatchEvent(event);
}

test("a select keeps its arrows until its choice is made, then gives ←/→ and Home/End back", () => {
  const root = new EventTarget();
  const choices = createChoices(root);
  const select = { tagName: "SELECT" };
  assert.equal(choices.givesBack(select, "ArrowRight"), false);
  fire(root, "change", select);
  for (const key of ["ArrowLeft", "ArrowRight", "Home", "End"]) assert.equal(choices.givesBack(select, key), true, key);
  for (const key of ["ArrowUp", "ArrowDown", " "]) assert.equal(choices.givesBack(select, key), false, key);
});

test("leaving the select unsettles it; a changed text input never gives keys back", () => {
  const root = new EventTarget();
  const choices = createChoices(root);
  const select = { tagName: "SELECT" };
  const input = { tagName: "INPUT" };
  fire(root, "change", select);
  fire(root, "change", input);
  fire(root, "focusout", select);
  assert.equal(choices.givesBack(select, "ArrowLeft"), false);
  assert.equal(choices.givesBack(input, "ArrowLeft"), false);
});
